package io.syndrop.cli;

import java.io.PrintStream;

/**
 * One verb of the syndrop CLI (watch, agent, collect, counters, doctor, demo...): a picocli
 * {@code @Command} whose options picocli has parsed and converted before {@link #run} is called.
 */
public interface Command {
    /**
     * Checks what the option types alone cannot: ranges and options that need or exclude each other.
     * Throws {@link UsageException} naming the option. Runs before anything starts.
     */
    default void validate() {}

    /** Returns the process exit code: 0 ok, 1 runtime failure, 2 usage error. */
    int run(PrintStream out, PrintStream err) throws Exception;
}
