package io.syndrop.cli;

import java.nio.file.Path;

/** A daemon that also reads its options from a YAML file and the environment (docs/config.md). */
interface ConfiguredCommand {
    /** --config FILE, or null when not given. */
    Path configFile();

    /** Read when there is no --config; its absence is fine. */
    Path defaultConfigFile();

    /** SYNDROP_AGENT_ or SYNDROP_COLLECTOR_: followed by the option's name in capitals, - as _. */
    String environmentPrefix();
}
