package io.syndrop.probe;

import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Topology;
import io.syndrop.filter.EventFilter;
import io.syndrop.it.RequireRoot;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LiveAttach on this machine's kernel: one probe, two listeners, each sees every drop the kernel counts. */
class LiveAttachTest {
    private static final int CLOSED_PORT = 9;
    private static final int SYNS = 12;

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    /** Keeps what the drain thread hands it; read after the probe is closed (its drain thread has ended). */
    private static final class Keeper implements DropListener {
        final List<DropEvent> events = new ArrayList<>();
        final List<LossRecord> losses = new ArrayList<>();
        int batches;

        @Override
        public synchronized void onEvent(DropEvent e) {
            events.add(e);
        }

        @Override
        public synchronized void onLoss(LossRecord loss) {
            losses.add(loss);
        }

        @Override
        public synchronized void onBatchEnd() {
            batches++;
        }
    }

    @Test
    void everyListenerSeesEveryDropTheKernelCounts() throws Exception {
        try (Topology t = Topology.pair().build()) {
            EventFilter onlyServer = new EventFilter(List.of(), List.of(), List.of(t.server().inode()),
                    EnumSet.noneOf(Reason.class));
            LiveAttach attach = LiveAttach.plan(AttachMode.TRACEPOINT, onlyServer, 0, false);
            assertTrue(attach.live(), attach.plan().explain());
            assertEquals(AttachMode.TRACEPOINT, attach.mode());
            Keeper pipeline = new Keeper();
            Keeper printer = new Keeper();
            Nstat before;
            long rsts;
            try (LiveProbe probe = attach.start("node-a", "agent-a", 42, pipeline, null, printer)) {
                before = Nstat.read(t.server());
                for (int i = 0; i < SYNS; i++) {
                    refused(t.client(), t.serverAddress(), CLOSED_PORT);
                }
                rsts = Nstat.read(t.server()).minus(before).get("Tcp:OutRsts");
                awaitEvents(pipeline, SYNS);
            }
            assertEquals(SYNS, rsts, "the kernel answered each SYN with a RST");
            synchronized (pipeline) {
                synchronized (printer) {
                    assertEquals(SYNS, pipeline.events.size(), "one event per SYN the kernel refused: " + pipeline.events);
                    assertEquals(pipeline.events, printer.events, "both listeners get the same drops in the same order");
                    assertTrue(pipeline.batches > 0 && pipeline.batches == printer.batches, "batch ends reach both");
                    assertTrue(pipeline.losses.isEmpty() && printer.losses.isEmpty(), "nothing lost: " + pipeline.losses);
                    for (DropEvent e : pipeline.events) {
                        assertEquals("node-a", e.getNode());
                        assertEquals("agent-a", e.getAgentId());
                        assertEquals(42, e.getAgentBoot());
                        assertEquals(CLOSED_PORT, e.getDstPort());
                        assertEquals(t.server().inode(), e.getNetnsIno());
                    }
                }
            }
        }
    }

    @Test
    void countersModeHasNothingToStart() throws Exception {
        LiveAttach counters = LiveAttach.plan(AttachMode.COUNTERS, EventFilter.ALL, 0, false);
        assertFalse(counters.live());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> counters.start("n", "a", 1, new Keeper()));
        assertTrue(e.getMessage().contains("check live()"), e.getMessage());
    }

    private static void awaitEvents(Keeper k, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            synchronized (k) {
                if (k.events.size() >= n) {
                    break;
                }
            }
            Thread.sleep(50);
        }
        Thread.sleep(300); // a little longer, so an extra event would show
    }

    private static void refused(Netns ns, InetAddress addr, int port) throws Exception {
        ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(addr, port), 2000);
                throw new AssertionError("port " + port + " accepted");
            } catch (ConnectException expected) {
                return null;
            } catch (SocketTimeoutException e) {
                throw new IOException("no RST from " + addr + ":" + port, e);
            }
        });
    }
}
