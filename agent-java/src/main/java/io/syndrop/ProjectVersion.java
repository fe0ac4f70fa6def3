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
    public static final String VALUE = read();

    private ProjectVersion() {}

    private static String read() {
        try (InputStream in = ProjectVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("io/syndrop/version.properties is missing from the classpath: build with Maven");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            if (v.isEmpty() || v.startsWith("${")) {
                throw new IllegalStateException("io/syndrop/version.properties was not filtered by Maven: '" + v + "'");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
