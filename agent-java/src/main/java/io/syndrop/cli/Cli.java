package io.syndrop.cli;

import io.syndrop.ProjectVersion;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.syndrop.input.UsageException;

/** Parses the verb and hands the rest of the arguments to its command. */
public final class Cli {
    private Cli() {}

    /** Every command, in the order `syndrop help` lists them. One line each; keep it that way. */
    static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : List.<Command>of(
                new WatchCommand(),
                new AgentCommand(),
                new CollectCommand(),
                new CountersCommand(),
                new DoctorCommand(),
                new DemoCommand()
        )) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        Map<String, Command> cmds = commands();
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
            printHelp(cmds, argv.length == 0 ? err : out);
            return argv.length == 0 ? 2 : 0;
        }
        if (argv[0].equals("version") || argv[0].equals("--version")) {
            if (argv.length > 1) {
                err.println("syndrop " + argv[0] + ": takes no options, got '" + argv[1] + "'");
                return 2;
            }
            out.println("syndrop " + ProjectVersion.VALUE + " (commit " + ProjectVersion.COMMIT + ")");
            return 0;
        }
        Command c = cmds.get(argv[0]);
        if (c == null) {
            err.println("syndrop: unknown command '" + argv[0] + "'");
            printHelp(cmds, err);
            return 2;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println(c.usage());
            return 0;
        }
        try {
            return c.run(rest, out, err);
        } catch (UsageException e) {
            err.println("syndrop " + c.name() + ": " + e.getMessage());
            err.println(c.usage());
            return 2;
        } catch (Exception e) {
            err.println("syndrop " + c.name() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (System.getenv("SYNDROP_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static void printHelp(Map<String, Command> cmds, PrintStream ps) {
        ps.println("usage: syndrop <command> [options]   (syndrop <command> --help for its options)");
        ps.println();
        for (Command c : cmds.values()) {
            ps.printf("  %-10s %s%n", c.name(), c.summary());
        }
        ps.printf("  %-10s %s%n", "version", "print the version and the git commit it was built from (also --version)");
    }
}
