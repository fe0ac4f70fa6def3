package io.syndrop.identity;

/** A container runtime could not be asked: its socket is missing, refused, slow or answered an error. */
final class RuntimeUnavailableException extends Exception {

    /** The socket is simply not there: this host does not run that runtime (not an error). */
    private final boolean absent;

    RuntimeUnavailableException(String message, boolean absent, Throwable cause) {
        super(message, cause);
        this.absent = absent;
    }

    boolean absent() {
        return absent;
    }
}
