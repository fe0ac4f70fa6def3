package io.syndrop.demo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Without root the test bed must fail with a message saying so, not skip or half-build. */
class NotRootTest {

    @Test
    void buildingATopologyAsNobodyFailsLoudly() throws Exception {
        // nobody may not be able to read the checkout or root's Maven repository: give it a
        // world-readable copy of the main and test classes and of JNA, and a directory to start in.
        Path dir = Files.createTempDirectory("sdt-notroot", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            Path classes = dir.resolve("classes");
            copyTree(Path.of(NotRootTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()), classes);
            // The test bed's core lives in the main classes (the demo uses it too).
            copyTree(Path.of(Topology.class.getProtectionDomain().getCodeSource().getLocation().toURI()), classes);
            Path jna = Files.copy(Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                    dir.resolve("jna.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(jna, PosixFilePermissions.fromString("rw-r--r--"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    java, "-Djava.io.tmpdir=" + dir, "-cp", classes + ":" + jna, LeftoverMaker.class.getName(), "exit")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, p.exitValue(), output);
            assertTrue(output.contains("the netns test bed needs root"), output);
            assertFalse(output.contains("NS "), "no namespace may be made without root: " + output);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path src : (Iterable<Path>) s::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                    Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }
}
