package io.syndrop.cli;

/** Entry point of the syndrop jar: dispatches to one command per verb. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Cli.run(args, System.out, System.err));
    }
}
