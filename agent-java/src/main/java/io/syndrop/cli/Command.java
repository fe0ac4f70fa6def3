package io.syndrop.cli;

import java.io.PrintStream;
import java.util.List;

/** One verb of the syndrop CLI (watch, agent, collect, counters, doctor, demo...). */
public interface Command {
    String name();

    /** One line for `syndrop help`. */
    String summary();

    /** Full usage text, printed for --help and after a usage error. */
    String usage();

    /** Parses argv with {@link Args#parse} and runs. Returns the process exit code: 0 ok, 1 runtime failure, 2 usage error. */
    int run(List<String> argv, PrintStream out, PrintStream err) throws Exception;
}
