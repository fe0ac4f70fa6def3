package io.syndrop.cli;

import java.io.PrintStream;

/** Parses the verb and hands the rest of the arguments to its command. */
public final class Cli {
    private Cli() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("syndrop: no commands yet");
        return 2;
    }
}
