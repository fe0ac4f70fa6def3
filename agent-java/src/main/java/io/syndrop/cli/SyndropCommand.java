package io.syndrop.cli;

import java.io.PrintStream;
import picocli.CommandLine;

/** The top of the command tree: `syndrop <command>`; on its own it only prints the list of commands. */
@CommandLine.Command(name = "syndrop", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        synopsisSubcommandLabel = "<command>",
        description = "Explains dropped TCP SYNs and handshakes with eBPF; streams one event per drop.",
        footer = "%n`syndrop <command> --help` lists the options of a command.",
        subcommands = {
                WatchCommand.class,
                AgentCommand.class,
                CollectCommand.class,
                CountersCommand.class,
                DoctorCommand.class,
                DemoCommand.class,
                VersionCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class SyndropCommand implements Command {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command there is nothing to do: the list of commands, as a usage error. */
    @Override
    public int run(PrintStream out, PrintStream err) {
        err.print(spec.commandLine().getUsageMessage());
        return 2;
    }
}
