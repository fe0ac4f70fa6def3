package io.syndrop.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import io.syndrop.input.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Parses the command line with picocli and runs the command it names. Usage errors (unknown
 * options, bad or out-of-range values, options that exclude each other) exit 2 with a message
 * that names the option, followed by the command's usage; runtime failures exit 1.
 */
public final class Cli {
    private Cli() {}

    /** The whole command tree, with syndrop's parsing rules; `syndrop help` lists the commands in this order. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SyndropCommand());
        // As before picocli: a single-valued option given twice takes the last value.
        cl.setOverwrittenOptionsAllowed(true);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(100);
        // Options in the order the commands declare them: related ones stay together.
        cl.getCommandSpec().usageMessage().sortOptions(false);
        cl.getSubcommands().values().forEach(c -> c.getCommandSpec().usageMessage().sortOptions(false));
        return cl;
    }

    /** The commands by name (help and version included). */
    static Map<String, CommandLine> commands() {
        return commandLine().getSubcommands();
    }

    /**
     * Parses {@code argv} for command {@code verb} without running it: the options a unit file or
     * a manifest passes must be ones the command accepts. Returns what picocli made of them.
     */
    public static ParseResult parseOnly(String verb, List<String> argv) {
        List<String> all = new ArrayList<>();
        all.add(verb);
        all.addAll(argv);
        return commandLine().parseArgs(all.toArray(String[]::new));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        String shownAs = null;
        if (publishesWhileWatching(argv)) {
            // Watching and publishing at once is the agent with its events printed.
            List<String> agent = new ArrayList<>(List.of("agent"));
            agent.addAll(Arrays.asList(argv).subList(1, argv.length));
            agent.add("--print");
            argv = agent.toArray(String[]::new);
            shownAs = "syndrop watch";
        }
        String name = shownAs;
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cl.setParameterExceptionHandler((ex, args) -> usageError(ex, name, err));
        cl.setExecutionStrategy(parsed -> execute(parsed, name, out, err));
        return cl.execute(argv);
    }

    private static boolean publishesWhileWatching(String[] argv) {
        if (argv.length == 0 || !argv[0].equals("watch")) {
            return false;
        }
        return Arrays.stream(argv).anyMatch(s -> s.equals("--collector") || s.startsWith("--collector="));
    }

    private static int execute(ParseResult parsed, String shownAs, PrintStream out, PrintStream err) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandLine cl = leaf.commandSpec().commandLine();
        String name = shownAs != null ? shownAs : qualifiedName(cl);
        Command c = cl.getCommand();
        try {
            c.validate();
            return c.run(out, err);
        } catch (UsageException e) {
            err.println(name + ": " + e.getMessage());
            err.print(cl.getUsageMessage());
            return 2;
        } catch (Exception e) {
            err.println(name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (System.getenv("SYNDROP_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int usageError(ParameterException ex, String shownAs, PrintStream err) {
        CommandLine cl = ex.getCommandLine();
        boolean top = cl.getCommand() instanceof SyndropCommand;
        if (top && ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            err.println("syndrop: unknown command '" + u.getUnmatched().get(0) + "'");
        } else {
            err.println((shownAs != null ? shownAs : qualifiedName(cl)) + ": " + message(ex));
        }
        err.print(cl.getUsageMessage());
        err.flush();
        return 2;
    }

    /** syndrop's converters word their errors to follow the option's name; picocli's own say which option. */
    static String message(ParameterException ex) {
        if (ex.getCause() instanceof OptionConverters.BadValue bad && ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o) {
            return o.longestName() + bad.getMessage();
        }
        return ex.getMessage();
    }

    private static String qualifiedName(CommandLine cl) {
        return cl.getParent() == null ? "syndrop" : "syndrop " + cl.getCommandName();
    }
}
