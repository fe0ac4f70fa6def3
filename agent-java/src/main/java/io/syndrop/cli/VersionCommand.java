package io.syndrop.cli;

import java.io.PrintStream;
import picocli.CommandLine;

@CommandLine.Command(name = "version", description = "print the version and the git commit it was built from (also --version)")
final class VersionCommand implements Command {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Override
    public int run(PrintStream out, PrintStream err) {
        out.println(VersionProvider.line());
        return 0;
    }
}
