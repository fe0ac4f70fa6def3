package io.syndrop.testbed.vm;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel cache behind run.sh --kernel, without booting anything: a missing kernel is an error
 * that names the commands filling the cache, and a copy whose checksums differ from the pinned
 * ones is refused.
 */
class GivenKernelCacheTest {
    private static final Path VM = Path.of(System.getProperty("syndrop.top", "..")).resolve("scripts/vm");

    @Test
    void aMissingKernelFailsWithTheFillInstruction() throws Exception {
        Path cache = Files.createTempDirectory("syndrop-kcache-");
        try {
            Run r = run(cache, VM.resolve("run.sh").toString(), "--kernel", "linux-4.9.337", "--", "true");
            assertEquals(125, r.exit, r.output);
            assertTrue(r.output.contains("scripts/vm/fill-kernel-cache.sh linux-4.9.337 ../shared/kernels/linux-4.9.337"), r.output);
            assertTrue(r.output.contains("scripts/vm/build-kernel-4.9.sh"), r.output);
        } finally {
            delete(cache);
        }
    }

    @Test
    void aCopyWithOtherChecksumsIsRefused() throws Exception {
        Path cache = Files.createTempDirectory("syndrop-kcache-");
        Path fake = Files.createTempDirectory("syndrop-kfake-");
        try {
            for (String f : new String[] {"bzImage", "headers.tar.xz", "config"}) {
                Files.writeString(fake.resolve(f), "not a kernel");
            }
            Run r = run(cache, VM.resolve("fill-kernel-cache.sh").toString(), "linux-4.9.337", fake.toString());
            assertEquals(1, r.exit, r.output);
            assertTrue(r.output.contains("do not match"), r.output);
            assertTrue(Files.notExists(cache.resolve("kernels/linux-4.9.337/bzImage")), "nothing was copied");
        } finally {
            delete(cache);
            delete(fake);
        }
    }

    private record Run(int exit, String output) {}

    private static Run run(Path cache, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SYNDROP_CACHE", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished");
        return new Run(p.exitValue(), out);
    }

    private static void delete(Path root) throws Exception {
        try (Stream<Path> w = Files.walk(root)) {
            w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
