package io.syndrop.demo;

import java.util.List;

/** What a command printed and how it ended; {@code timedOut} means it was killed at the deadline. */
public record ExecResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** Returns this result, or throws with the command, exit code and stderr when it failed. */
    public ExecResult orThrow() {
        if (!ok()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    public String describe() {
        String how = timedOut ? "timed out (killed)" : "exited " + exitCode;
        return "command " + String.join(" ", command) + " " + how
                + (stderr.isBlank() ? "" : "; stderr: " + stderr.strip())
                + (stdout.isBlank() ? "" : "; stdout: " + stdout.strip());
    }
}
