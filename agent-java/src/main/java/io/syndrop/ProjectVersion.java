package io.syndrop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this build, from the pom: Maven writes it into io/syndrop/version.properties at
 * build time, so the jar, the classes directory and the tests all see the same value.
 */
public final class ProjectVersion {
    public static final String VALUE = version(load("version.properties"));

    /** The git commit the build was made from, "-dirty" appended for uncommitted changes; "unknown" outside git. */
    public static final String COMMIT = commit(load("commit.properties"));

    private ProjectVersion() {}

    private static String version(Properties p) {
        String v = p.getProperty("version", "");
        if (v.isEmpty() || v.startsWith("${")) {
            throw new IllegalStateException("io/syndrop/version.properties was not filtered by Maven: '" + v + "'");
        }
        return v;
    }

    static String commit(Properties p) {
        String c = p.getProperty("commit", "");
        if (c.isEmpty()) {
            return "unknown";
        }
        return c;
    }

    private static Properties load(String name) {
        try (InputStream in = ProjectVersion.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("io/syndrop/" + name + " is missing from the classpath: build with Maven");
            }
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
