package io.syndrop.it;

import io.syndrop.demo.Nstat;
import io.syndrop.demo.TinyBacklogListener;
import io.syndrop.demo.Topology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In tracepoint mode SYNs dropped inside tcp_conn_request have no event; `watch` must still account
 * for every one the kernel counted, as UNATTRIBUTED lines that add up to the ListenDrops delta.
 */
class TracepointGapIT {
    private static final Pattern GAP = Pattern.compile("UNATTRIBUTED (\\d+) listener drop");

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void listenerDropsWithoutEventsAreReportedAndAddUp() throws Exception {
        try (Topology t = Topology.pair().build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 1);
             JarProcess watch = JarProcess.start(null, "watch", "--backend", "tracepoint", "--netns", t.server().name())) {
            watch.awaitStderr(s -> s.startsWith("attached:"), Duration.ofSeconds(60));
            Thread.sleep(2500); // the counter feed has taken its baseline
            Nstat before = Nstat.read(t.server());
            List<SocketChannel> clients = l.connectMany(t.client(), t.serverAddress(), 5);
            Thread.sleep(4000); // SYN retransmissions are dropped again
            long drops = Nstat.read(t.server()).minus(before).get("TcpExt:ListenDrops");
            for (SocketChannel c : clients) {
                c.close();
            }
            assertTrue(drops > 0, "the accept queue overflowed");
            long reported = 0;
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (reported < drops && System.nanoTime() < end) {
                String line = watch.awaitStderr(s -> s.contains("UNATTRIBUTED"), Duration.ofSeconds(10));
                Matcher m = GAP.matcher(line);
                assertTrue(m.find(), line);
                reported += Long.parseLong(m.group(1));
            }
            assertEquals(drops, reported, "every ListenDrops the kernel counted is accounted for: " + watch.stderrSoFar());
        }
    }
}
