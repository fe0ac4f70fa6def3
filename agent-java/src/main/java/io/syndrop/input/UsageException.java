package io.syndrop.input;

/** Bad command-line input: printed with the command's usage, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
