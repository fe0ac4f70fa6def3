package io.syndrop.testbed.vm;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel pins of scripts/vm/kernels/*.pin and what fetches them, without booting or reaching
 * the archive: every pin names an image and its two header packages with sha256 sums, a cached
 * file with other bytes is never used, and a kernel that cannot be fetched fails the run with the
 * command that pins a current one. The mirror is a closed port on loopback.
 */
class DebianKernelPinTest {
    private static final Path VM = Path.of(System.getProperty("syndrop.top", "..")).resolve("scripts/vm");
    private static final String NO_MIRROR = "http://127.0.0.1:9/debian";

    @Test
    void everyPinNamesAnImageAndItsHeadersWithSums() throws Exception {
        List<Path> pins;
        try (Stream<Path> s = Files.list(VM.resolve("kernels"))) {
            pins = s.filter(p -> p.toString().endsWith(".pin")).sorted().toList();
        }
        assertTrue(pins.size() >= 2, "bullseye's and trixie's kernels are pinned: " + pins);
        for (Path pin : pins) {
            Map<String, String> fields = new LinkedHashMap<>();
            List<String[]> debs = new ArrayList<>();
            for (String line : Files.readAllLines(pin)) {
                String[] f = line.trim().split("\\s+");
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (f[0].equals("deb")) {
                    assertEquals(3, f.length, pin + ": " + line);
                    assertTrue(f[1].matches("[0-9a-f]{64}"), pin + ": a sha256 in " + line);
                    debs.add(f);
                } else {
                    fields.put(f[0], f[1]);
                }
            }
            String release = fields.get("release");
            assertEquals("linux-image-" + release, fields.get("package"), pin.toString());
            assertTrue(fields.containsKey("suite"), pin.toString());
            assertEquals(3, debs.size(), pin + ": the image and its two header packages");
            assertTrue(debs.get(0)[2].contains("/linux-image-" + release + "_"), pin + ": the image first");
            assertTrue(debs.get(1)[2].contains("/linux-headers-" + release + "_"), pin.toString());
            assertTrue(debs.get(2)[2].contains("/linux-headers-" + release.replaceAll("-amd64$", "") + "-common_"), pin.toString());
        }
    }

    @Test
    void aCachedDebWithOtherBytesIsRefetchedAndAnUnreachableArchiveFailsWithTheRepinCommand() throws Exception {
        Path cache = Files.createTempDirectory("syndrop-kpin-");
        try {
            String image = imagePath("debian-5.10");
            Path stale = cache.resolve("debs").resolve(image.substring(image.lastIndexOf('/') + 1));
            Files.createDirectories(stale.getParent());
            Files.writeString(stale, "not a kernel");
            Run r = run(cache, VM.resolve("fetch-debian-kernel.sh").toString(), "debian-5.10");
            assertEquals(1, r.exit, r.output);
            assertTrue(r.output.contains("cannot fetch " + image), r.output);
            assertTrue(r.output.contains("scripts/vm/pin-debian-kernel.sh"), r.output);
            assertFalse(Files.exists(stale), "the file with other bytes is gone");
            assertFalse(r.output.contains(stale.toString() + "\n"), "and not printed as fetched: " + r.output);
        } finally {
            delete(cache);
        }
    }

    @Test
    void aKernelThatCannotBeFetchedFailsTheBoot() throws Exception {
        Path cache = Files.createTempDirectory("syndrop-kpin-");
        try {
            Run r = run(cache, VM.resolve("run.sh").toString(), "--kernel", "debian-6.12", "--", "true");
            assertEquals(125, r.exit, r.output);
            assertTrue(r.output.contains("preparing the kernel debian-6.12 failed"), r.output);
            assertTrue(r.output.contains("pin-debian-kernel.sh"), r.output);
        } finally {
            delete(cache);
        }
    }

    @Test
    void anUnknownPinIsNamedWithThePinsThereAre() throws Exception {
        Path cache = Files.createTempDirectory("syndrop-kpin-");
        try {
            Run r = run(cache, VM.resolve("fetch-debian-kernel.sh").toString(), "debian-9.9");
            assertEquals(1, r.exit, r.output);
            assertTrue(r.output.contains("no kernel pin") && r.output.contains("debian-5.10"), r.output);
        } finally {
            delete(cache);
        }
    }

    private static String imagePath(String pin) throws Exception {
        return Files.readAllLines(VM.resolve("kernels/" + pin + ".pin")).stream()
                .filter(l -> l.startsWith("deb ")).findFirst().orElseThrow().split("\\s+")[2];
    }

    private record Run(int exit, String output) {}

    private static Run run(Path cache, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("SYNDROP_CACHE", cache.toString());
        pb.environment().put("SYNDROP_DEBIAN_MIRROR", NO_MIRROR);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished");
        return new Run(p.exitValue(), out);
    }

    private static void delete(Path root) throws Exception {
        try (Stream<Path> w = Files.walk(root)) {
            w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
