package io.syndrop.bcc;

/** Names for the errno values BCC and the kernel hand back in this package's error messages. */
final class Errno {
    private Errno() {
    }

    static String describe(int errno) {
        return switch (errno) {
            case 1 -> "EPERM, operation not permitted";
            case 2 -> "ENOENT, no such file or directory";
            case 7 -> "E2BIG, argument list too long";
            case 13 -> "EACCES, permission denied";
            case 14 -> "EFAULT, bad address";
            case 22 -> "EINVAL, invalid argument";
            case 95 -> "EOPNOTSUPP, operation not supported";
            default -> "errno " + errno;
        };
    }
}
