package io.syndrop.bcc;

/**
 * A BCC step failed. The message carries BCC's own words (what libbcc printed or the kernel
 * said) and {@link #fix()} what the user can do about it.
 */
public final class BccException extends Exception {
    private final String fix;

    public BccException(String what, String bccSays, String fix) {
        super(what + (bccSays == null || bccSays.isBlank() ? "" : ": " + bccSays.strip())
                + (fix == null ? "" : "\n  fix: " + fix));
        this.fix = fix;
    }

    public String fix() {
        return fix;
    }
}
