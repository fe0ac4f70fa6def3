package io.syndrop.probe;

/**
 * A probe could not be opened or attached. The message says what happened (with libbpf's own
 * words); {@link #hint()} says what the user can do about it.
 */
public final class ProbeException extends Exception {
    private final int errno;
    private final String hint;

    public ProbeException(String message, int errno, String hint) {
        super(message);
        this.errno = errno;
        this.hint = hint;
    }

    /** Positive errno from the kernel or libbpf, 0 when not applicable. */
    public int errno() {
        return errno;
    }

    public String hint() {
        return hint;
    }

    /** First line of the message plus the hint: what a person reads in a terminal. */
    public String summary() {
        String first = getMessage().lines().findFirst().orElse(getMessage());
        return hint == null || hint.isEmpty() ? first : first + "; " + hint;
    }
}
