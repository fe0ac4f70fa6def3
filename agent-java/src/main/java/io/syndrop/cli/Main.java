package io.syndrop.cli;

import io.syndrop.os.PermittedCapabilities;

/** Entry point of the syndrop jar: dispatches to one command per verb. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // Before any thread is started, so that every thread the commands create inherits them.
        PermittedCapabilities.raiseOnThisThread();
        System.exit(Cli.run(args, System.out, System.err));
    }
}
