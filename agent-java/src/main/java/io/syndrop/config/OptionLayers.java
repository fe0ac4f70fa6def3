package io.syndrop.config;

import io.syndrop.input.UsageException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A command's options from three layers: the command line over the environment over the config
 * file. The file's and the environment's settings become `--name=value` arguments, so they pass the
 * very converters and range checks the command line does; an option the command line gives is
 * taken from there alone (a repeatable one too: its values replace the file's, they do not add up).
 */
public final class OptionLayers {
    /** The arguments to parse before the command line's own, and where each option's value came from. */
    public record Layered(List<String> argv, Map<String, String> origins) {}

    private OptionLayers() {}

    /** SYNDROP_AGENT_ + QUEUE_MAX: the environment variable of option --queue-max. */
    public static String environmentName(String prefix, OptionSpec o) {
        return prefix + key(o).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The config-file key of an option: its long name without the dashes. */
    public static String key(OptionSpec o) {
        return o.longestName().replaceFirst("^--", "");
    }

    /** The options a file or the environment may set: all but help, version and the choice of file. */
    public static List<OptionSpec> configurable(CommandSpec spec, Set<String> excluded) {
        return spec.options().stream()
                .filter(o -> o.longestName().startsWith("--") && !o.usageHelp() && !o.versionHelp()
                        && !excluded.contains(o.longestName()))
                .toList();
    }

    public static Layered merge(CommandSpec spec, Set<String> onCommandLine, Map<String, List<String>> file, Path fileName,
            Map<String, String> env, String envPrefix, Set<String> excluded) {
        List<OptionSpec> options = configurable(spec, excluded);
        Map<String, OptionSpec> byKey = new LinkedHashMap<>();
        options.forEach(o -> byKey.put(key(o), o));
        for (String k : file.keySet()) {
            if (!byKey.containsKey(k)) {
                throw new UsageException(fileName + ": unknown key '" + k + "': the keys are the options of `syndrop "
                        + spec.name() + "` without the leading dashes (`syndrop " + spec.name() + " --help`)");
            }
        }
        List<String> argv = new ArrayList<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (OptionSpec o : options) {
            String name = o.longestName();
            if (onCommandLine.contains(name)) {
                continue;
            }
            String var = environmentName(envPrefix, o);
            List<String> values;
            String origin;
            if (env.containsKey(var)) {
                String v = env.get(var);
                values = o.isMultiValue() ? List.of(v.split(",")) : List.of(v);
                origin = "environment variable " + var;
            } else if (file.containsKey(key(o))) {
                values = file.get(key(o));
                origin = "key '" + key(o) + "' in " + fileName;
            } else {
                continue;
            }
            if (values.size() > 1 && !o.isMultiValue()) {
                throw new UsageException(origin + ": " + name + " takes one value, got " + values.size());
            }
            origins.put(name, origin);
            if (o.arity().max() == 0) {
                String v = values.get(0).strip().toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new UsageException(origin + ": " + name + " is a switch: true or false, got '" + values.get(0) + "'");
                }
                if (v.equals("true")) {
                    argv.add(name);
                }
            } else {
                values.forEach(v -> argv.add(name + "=" + v));
            }
        }
        return new Layered(argv, origins);
    }
}
