package io.syndrop.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real kernel drops all the way to a SIEM file: `syndrop watch --collector` on this node (the
 * tracepoint probes), a `syndrop collect` process, its JSON sink. Each drop once, printed and written.
 */
class KernelToSinkIT {
    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void kernelDropsReachTheJsonSinkOnce(@TempDir Path dir) throws Exception {
        int collectorPort = freePort();
        int closed = freePort();
        Path sink = dir.resolve("events.json");
        try (JarProcess collector = JarProcess.start(null, "collect", "--listen", "127.0.0.1:" + collectorPort,
                "--insecure", "--sink", "json:" + sink, "--dedupe-dir", dir.resolve("state").toString());
             JarProcess watch = startWatch(collector, collectorPort, closed, dir)) {
            for (int i = 0; i < 5; i++) {
                refused(closed);
            }
            for (int i = 0; i < 5; i++) {
                String line = watch.awaitStdout(l -> l.startsWith("{"), Duration.ofSeconds(20));
                assertEquals(closed, JsonParser.parseString(line).getAsJsonObject().get("dstPort").getAsInt());
            }
            List<JsonObject> written = awaitEvents(sink, 5, Duration.ofSeconds(30));
            assertEquals(5, written.size(), "each drop written once: " + written);
            for (JsonObject o : written) {
                assertEquals("NO_SOCKET", o.get("kernelReason").getAsString());
                assertEquals(closed, o.get("dstPort").getAsInt());
            }
        }
    }

    private static JarProcess startWatch(JarProcess collector, int port, int closed, Path dir) throws Exception {
        collector.awaitStderr(l -> l.contains("listening on port"), Duration.ofSeconds(60));
        JarProcess w = JarProcess.start(null, "watch", "--json", "--port", Integer.toString(closed), "--collector",
                "127.0.0.1:" + port, "--insecure", "--spool-dir", dir.resolve("spool").toString(),
                "--counters-interval", "1h");
        w.awaitStderr(l -> l.startsWith("attached:"), Duration.ofSeconds(60));
        return w;
    }

    /** Waits for n events in the sink, then a second more, so that a duplicate would be seen. */
    private static List<JsonObject> awaitEvents(Path sink, int n, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end && read(sink).size() < n) {
            Thread.sleep(200);
        }
        Thread.sleep(1000);
        return read(sink);
    }

    private static List<JsonObject> read(Path sink) throws IOException {
        List<JsonObject> events = new ArrayList<>();
        if (Files.exists(sink)) {
            for (String line : Files.readAllLines(sink)) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.has("reason")) {
                    events.add(o);
                }
            }
        }
        return events;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void refused(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            throw new AssertionError("port " + port + " accepted");
        } catch (ConnectException expected) {
            // RST: a NO_SOCKET drop
        }
    }
}
