package io.syndrop.probe;

import io.syndrop.event.EventLayout;
import io.syndrop.it.RequireRoot;
import io.syndrop.demo.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The drain's wake-up (syndrop_wake through {@link KernelProbe#wake()}), which lets the drain loop
 * wait long while the node is quiet and still stop at once. Real programs in tracepoint mode,
 * filtered to a fresh namespace so that no other drop on the machine reaches the ring. Each drain
 * here would wait {@link #LONG_WAIT_MS}; the tests give it a small fraction of that to return.
 */
class DrainWakeTest {
    private static final int LONG_WAIT_MS = 120_000;
    private static final long RETURNS_WITHIN_S = 20;

    // Own threads: the common pool may have a single thread on a small machine, and a waiting
    // drain must not hold up the close that is meant to end it.
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "drain-wake-test");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @AfterAll
    static void stopThreads() {
        THREADS.shutdownNow();
    }

    private static ProbeSession open(Netns ns) throws ProbeException {
        ShimOptions o = new ShimOptions();
        o.netnsIno = ns.inode();
        return ProbeSession.open(AttachMode.TRACEPOINT, o);
    }

    private static ByteBuffer buffer() {
        return ByteBuffer.allocateDirect(64 * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Starts a drain that would wait LONG_WAIT_MS on a quiet ring; gives it time to start waiting. */
    private static Future<Integer> waitingDrain(ProbeSession s) throws InterruptedException {
        Future<Integer> f = THREADS.submit(() -> s.drain(buffer(), LONG_WAIT_MS));
        Thread.sleep(300);
        return f;
    }

    @Test
    void wakeEndsADrainWaitingOnAQuietRing() throws Exception {
        try (Netns ns = Netns.create("wake"); ProbeSession s = open(ns)) {
            Future<Integer> drain = waitingDrain(s);
            assertThrows(TimeoutException.class, () -> drain.get(200, TimeUnit.MILLISECONDS),
                    "nothing happens in the namespace, so the drain keeps waiting until woken");
            s.wake();
            assertEquals(0, drain.get(RETURNS_WITHIN_S, TimeUnit.SECONDS), "woken with no events");
        }
    }

    @Test
    void aWakeBeforeTheDrainEndsItsWaitAndEventsStillArriveAfterIt() throws Exception {
        try (Netns ns = Netns.create("wake"); ProbeSession s = open(ns)) {
            s.wake();
            Future<Integer> drain = THREADS.submit(() -> s.drain(buffer(), LONG_WAIT_MS));
            assertEquals(0, drain.get(RETURNS_WITHIN_S, TimeUnit.SECONDS), "a pending wake-up is not lost");

            // The ring's own wake-up still works after the eventfd fired: a refused connection in
            // the namespace (SYN to a closed port, freed as NO_SOCKET) ends the next wait.
            Future<Integer> next = waitingDrain(s);
            refused(ns);
            int n = next.get(RETURNS_WITHIN_S, TimeUnit.SECONDS);
            assertTrue(n >= 1, "the drop in the namespace was drained, got " + n);
        }
    }

    @Test
    void closeWakesADrainThatIsWaitingAndDetaches() throws Exception {
        try (Netns ns = Netns.create("wake")) {
            ProbeSession s = open(ns);
            Future<Integer> drain = waitingDrain(s);
            Future<?> close = THREADS.submit(s::close);
            close.get(RETURNS_WITHIN_S, TimeUnit.SECONDS);
            assertEquals(0, drain.get(RETURNS_WITHIN_S, TimeUnit.SECONDS));
            assertEquals(0, s.drain(buffer(), LONG_WAIT_MS), "a closed session drains nothing and does not wait");
            s.wake(); // after close: a no-op, not a use of freed memory
        }
    }

    private static void refused(Netns ns) throws Exception {
        ns.call(() -> {
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), 2000);
                fail("port 9 accepted a connection in a fresh namespace");
            } catch (ConnectException expected) {
                // the RST: the SYN was dropped as NO_SOCKET
            }
            return null;
        });
    }
}
