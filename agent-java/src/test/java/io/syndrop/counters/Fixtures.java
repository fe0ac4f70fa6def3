package io.syndrop.counters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The counters fixtures under src/test/resources/counters (see the README there). */
public final class Fixtures {
    public static final List<String> KERNELS = List.of("3.16", "4.9", "5.10", "6.1", "6.18");

    private Fixtures() {}

    public static Path root() {
        URL u = Fixtures.class.getResource("/counters/README.md");
        if (u == null) {
            throw new IllegalStateException("test resources counters/ are not on the classpath");
        }
        try {
            return Path.of(u.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path kernel(String version) {
        return root().resolve("kernels").resolve(version);
    }

    public static Path story(String name) {
        return root().resolve("stories").resolve(name);
    }

    public static List<String> stories() {
        try (Stream<Path> s = Files.list(root().resolve("stories"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every netstat and snmp file among the fixtures. */
    public static List<Path> allCounterFiles() {
        try (Stream<Path> s = Files.walk(root())) {
            return s.filter(p -> p.getFileName().toString().equals("netstat") || p.getFileName().toString().equals("snmp"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
