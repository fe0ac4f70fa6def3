package io.syndrop.cli;

import io.syndrop.ProjectVersion;
import picocli.CommandLine.IVersionProvider;

/** `syndrop --version` and `syndrop version`: the version and the git commit the jar was built from. */
final class VersionProvider implements IVersionProvider {
    static String line() {
        return "syndrop " + ProjectVersion.VALUE + " (commit " + ProjectVersion.COMMIT + ")";
    }

    @Override
    public String[] getVersion() {
        return new String[] {line()};
    }
}
