package io.syndrop.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import io.syndrop.config.ConfigFile;
import io.syndrop.config.OptionLayers;
import io.syndrop.input.UsageException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
        return run(argv, out, err, System.getenv());
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, with this environment (SYNDROP_AGENT_* ...). */
    static int run(String[] argv, PrintStream out, PrintStream err, Map<String, String> env) {
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
        Map<String, String> origins = Map.of();
        if (shownAs == null) {
            try {
                OptionLayers.Layered layered = withConfig(argv, env);
                if (layered != null) {
                    argv = layered.argv().toArray(String[]::new);
                    origins = layered.origins();
                }
            } catch (UsageException e) {
                err.println("syndrop " + argv[0] + ": " + e.getMessage());
                return 2;
            }
        }
        Map<String, String> from = origins;
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cl.setParameterExceptionHandler((ex, args) -> usageError(ex, name, from, err));
        cl.setExecutionStrategy(parsed -> execute(parsed, name, from, out, err));
        return cl.execute(argv);
    }

    private static boolean publishesWhileWatching(String[] argv) {
        if (argv.length == 0 || !argv[0].equals("watch")) {
            return false;
        }
        return Arrays.stream(argv).anyMatch(s -> s.equals("--collector") || s.startsWith("--collector="));
    }

    private static int execute(ParseResult parsed, String shownAs, Map<String, String> origins, PrintStream out, PrintStream err) {
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
            err.println(name + ": " + e.getMessage() + from(origins, optionNamedBy(e.getMessage())));
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

    private static int usageError(ParameterException ex, String shownAs, Map<String, String> origins, PrintStream err) {
        CommandLine cl = ex.getCommandLine();
        boolean top = cl.getCommand() instanceof SyndropCommand;
        if (top && ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            err.println("syndrop: unknown command '" + u.getUnmatched().get(0) + "'");
        } else {
            String option = ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName() : null;
            err.println((shownAs != null ? shownAs : qualifiedName(cl)) + ": " + message(ex) + from(origins, option));
        }
        err.print(cl.getUsageMessage());
        err.flush();
        return 2;
    }

    /**
     * The command line with the config file's and the environment's settings in front, for a
     * {@link ConfiguredCommand}; null for the others, and when the command line alone fails to
     * parse (the run then reports that error as usual).
     */
    static OptionLayers.Layered withConfig(String[] argv, Map<String, String> env) {
        ParseResult pre;
        try {
            pre = commandLine().parseArgs(argv);
        } catch (ParameterException e) {
            return null;
        }
        if (!pre.hasSubcommand() || pre.subcommand().isUsageHelpRequested() || pre.subcommand().isVersionHelpRequested()
                || !(pre.subcommand().commandSpec().userObject() instanceof ConfiguredCommand c)) {
            return null;
        }
        ParseResult sub = pre.subcommand();
        boolean given = c.configFile() != null;
        Path file = given ? c.configFile() : c.defaultConfigFile();
        Set<String> onCommandLine = sub.matchedOptions().stream().map(CommandLine.Model.OptionSpec::longestName)
                .collect(Collectors.toSet());
        OptionLayers.Layered layers = OptionLayers.merge(sub.commandSpec(), onCommandLine, ConfigFile.load(file, given), file,
                env, c.environmentPrefix(), CONFIG_OPTIONS);
        List<String> all = new ArrayList<>();
        all.add(argv[0]);
        all.addAll(layers.argv());
        all.addAll(Arrays.asList(argv).subList(1, argv.length));
        return new OptionLayers.Layered(all, layers.origins());
    }

    /**
     * The command {@code argv} names, its options from the command line, environment and config
     * file, validated but not run: what a unit file or a config file would start.
     */
    static Command validated(String[] argv, Map<String, String> env) {
        OptionLayers.Layered layered = withConfig(argv, env);
        CommandLine cl = commandLine();
        ParseResult parsed = cl.parseArgs(layered == null ? argv : layered.argv().toArray(String[]::new));
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        Command c = parsed.commandSpec().commandLine().getCommand();
        c.validate();
        return c;
    }

    /** Options that choose the file, so no file sets them. */
    static final Set<String> CONFIG_OPTIONS = Set.of("--config");

    /** " (from key 'queue-max' in /etc/syndrop/agent.yaml)" when the option's value came from there. */
    private static String from(Map<String, String> origins, String option) {
        String origin = option == null ? null : origins.get(option);
        return origin == null ? "" : " (from " + origin + ")";
    }

    /** The option a usage message starts with, e.g. --queue-max of "--queue-max must be from 1 to ...". */
    private static String optionNamedBy(String message) {
        Matcher m = LEADING_OPTION.matcher(message == null ? "" : message);
        return m.lookingAt() ? m.group(1) : null;
    }

    private static final Pattern LEADING_OPTION = Pattern.compile("(--[a-z0-9-]+)");

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
