package io.syndrop.testbed.netns;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Without root the test bed must fail with a message saying so, not skip or half-build. */
class NotRootTest {

    @Test
    void buildingATopologyAsNobodyFailsLoudly() throws Exception {
        // nobody cannot read root's Maven repository: give it a world-readable copy of JNA.
        Path dir = Files.createTempDirectory("sdt-notroot", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            Path jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jnaCopy = Files.copy(jna, dir.resolve("jna.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(jnaCopy, PosixFilePermissions.fromString("rw-r--r--"));
            Path testClasses = Path.of(NotRootTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ExecResult r = Shell.run(Duration.ofSeconds(30), List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    java, "-Djava.io.tmpdir=" + dir, "-cp", testClasses + ":" + jnaCopy,
                    LeftoverMaker.class.getName(), "exit"));
            assertNotEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("needs root"), r.describe());
            assertFalse(r.stdout().contains("NS "), "no namespace may be made without root: " + r.describe());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
