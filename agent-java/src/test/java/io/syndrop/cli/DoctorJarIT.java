package io.syndrop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.counters.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `counters` and `doctor` as an operator runs them: java -jar syndrop.jar. */
class DoctorJarIT {

    private static String[] run(String... args) throws Exception {
        String jar = System.getProperty("syndrop.jar");
        assertTrue(jar != null && Files.exists(Path.of(jar)), "syndrop.jar not built at " + jar);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "syndrop did not finish");
        return new String[] {Integer.toString(p.exitValue()), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8)};
    }

    @Test
    void snapshotOfThisHostIsDiagnosedByTheJar(@TempDir Path tmp) throws Exception {
        String[] w = run("counters", "--snapshot-to", tmp.resolve("s").toString(), "--interval", "200ms", "--count", "1");
        assertEquals("0", w[0], w[2]);
        String[] d = run("doctor", "--snapshot", tmp.resolve("s").toString());
        assertEquals("0", d[0], d[2]);
        assertTrue(d[1].startsWith("syndrop doctor: "), d[1]);
    }

    @Test
    void seedStoryFromTheJar() throws Exception {
        String[] d = run("doctor", "--json", "--snapshot", Fixtures.story("tw-recycle-3.16").toString());
        assertEquals("0", d[0], d[2]);
        assertTrue(d[1].contains("\"id\": \"tw-recycle-paws-passive\""), d[1]);
    }

    @Test
    void namedNamespaceThroughJnaFromTheJar() throws Exception {
        String ns = "syndrop-ctrit-" + ProcessHandle.current().pid();
        assertEquals("0", new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim(),
                "this test creates a network namespace and needs root");
        assertEquals(0, new ProcessBuilder("ip", "netns", "add", ns).inheritIO().start().waitFor());
        try {
            String[] c = run("counters", "--netns", ns, "Ip:InReceives");
            assertEquals("0", c[0], c[2]);
            assertEquals("Ip:InReceives = 0\n", c[1]);
        } finally {
            new ProcessBuilder("ip", "netns", "del", ns).inheritIO().start().waitFor();
        }
    }
}
