package io.syndrop.config;

import io.syndrop.input.UsageException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A daemon's YAML config file: a mapping from option names (without the dashes) to a value, or a
 * list of values for a repeatable option. Only plain YAML is read (SafeConstructor: maps, lists,
 * scalars; never a Java type named by the file), and the file is bounded in size.
 */
public final class ConfigFile {
    /** Far more than every option with long values needs; a bigger file is a mistake. */
    static final int MAX_BYTES = 1 << 20;

    private ConfigFile() {}

    /**
     * The file's settings, each value as the command line would spell it ("true" for a set flag).
     * A missing file is empty unless {@code required}; anything that is not such a mapping is a
     * usage error naming the file and the key.
     */
    public static Map<String, List<String>> load(Path file, boolean required) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new UsageException(file + ": larger than " + MAX_BYTES + " bytes: not a syndrop config file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new UsageException("--config " + file + ": no such file");
            }
            return Map.of();
        } catch (IOException e) {
            throw new UsageException(file + ": cannot be read: " + e.getMessage());
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        Object root;
        try {
            root = new Yaml(new SafeConstructor(options)).load(new String(bytes, StandardCharsets.UTF_8));
        } catch (YAMLException e) {
            throw new UsageException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new UsageException(file + ": expected a mapping of option names to values, e.g. `queue-max: 65536`");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            out.put(key, values(file, key, e.getValue()));
        }
        return out;
    }

    private static List<String> values(Path file, String key, Object v) {
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object item : list) {
                out.add(scalar(file, key, item));
            }
            return out;
        }
        return List.of(scalar(file, key, v));
    }

    private static String scalar(Path file, String key, Object v) {
        if (v == null) {
            throw new UsageException(file + ": key '" + key + "' has no value");
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw new UsageException(file + ": key '" + key + "' expects a value or a list of values, got "
                + (v instanceof Map ? "a mapping" : "a " + v.getClass().getSimpleName()) + " (quote it if it is meant as text)");
    }
}
