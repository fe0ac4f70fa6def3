package io.syndrop.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syndrop.demo.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** bench/synflood.c, compiled once per JVM: raw-socket SYNs as fast as this machine sends them. */
final class SynFlood {
    private static Path binary;

    private SynFlood() {}

    /** The compiled flooder (gcc is a build dependency); fails loudly when it does not build. */
    static synchronized Path binary() throws Exception {
        if (binary == null) {
            Path src = source();
            Path dir = Files.createTempDirectory("syndrop-synflood");
            Path out = dir.resolve("synflood");
            Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", out.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), "gcc " + src + ": " + log);
            binary = out;
        }
        return binary;
    }

    private static Path source() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("bench/synflood.c");
            if (Files.isRegularFile(c)) {
                return c;
            }
        }
        throw new AssertionError("bench/synflood.c not found above " + System.getProperty("user.dir"));
    }

    /**
     * Floods DST:port from SRC for the given seconds (sport base..base+count-1, a fixed TSval or 0
     * for a counter) inside ns, as fast as it goes. Returns synflood's line "sent=N seconds=S rate=R".
     */
    static String run(Netns ns, String src, String dst, int port, int sportBase, int sportCount, long tsval, int seconds)
            throws Exception {
        return ns.exec(Duration.ofSeconds(seconds + 60), List.of(binary().toString(), src, dst, Integer.toString(port),
                Integer.toString(sportBase), Integer.toString(sportCount), Long.toString(tsval), "0",
                Integer.toString(seconds))).orThrow().stdout().trim();
    }
}
