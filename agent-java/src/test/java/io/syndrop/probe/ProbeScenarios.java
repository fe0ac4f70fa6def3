package io.syndrop.probe;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Probe;
import io.syndrop.proto.v1.Reason;
import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.TinyBacklogListener;
import io.syndrop.demo.Topology;
import io.syndrop.testbed.vm.VmHarness;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drop scenarios for the modes that see inside tcp_conn_request (fentry, kprobe, bcc), each
 * reconciled with the kernel's counters of its namespace. Run inside the VM harness by
 * {@link KernelProbeScenarios} and {@link BccProbeScenarios}. With a shared recorder (one BCC
 * compile for all scenarios) each scenario counts only the events of its own namespace.
 */
final class ProbeScenarios {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ProbeScenarios() {}

    static void requireVm() {
        if (!VmHarness.inVm()) {
            throw new AssertionError("run by KernelProbesVmTest inside the VM harness, not on this kernel");
        }
    }

    private static Probe expectedProbe(AttachMode mode) {
        return mode == AttachMode.KPROBE ? Probe.KPROBE : mode == AttachMode.BCC ? Probe.BCC : Probe.FENTRY;
    }

    static void acceptQueueFull(AttachMode mode, ProbeRecorder shared) throws Exception {
        try (Topology t = Topology.pair().build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 1);
             ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode())) {
            // 6.7+ retries a SYN at 1 s intervals for the first tcp_syn_linear_timeouts (4) tries: a
            // retry would land between the counter read below and the events' arrival (seen on 6.12).
            // The classic 1 s, 3 s, 7 s schedule leaves the window quiet.
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_syn_linear_timeouts"))) {
                t.client().sysctl("net.ipv4.tcp_syn_linear_timeouts", "0");
            }
            Nstat before = Nstat.read(t.server());
            List<SocketChannel> clients = l.connectMany(t.client(), t.serverAddress(), 6);
            Thread.sleep(4000); // SYN retransmissions at 1 s and 3 s are dropped again
            Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();
            List<DropEvent> events = rec.awaitIn(t.server().inode(), delta.getOrDefault("TcpExt:ListenDrops", 0L).intValue(), WAIT);
            // The queue is still full: more connects are dropped again, by then with the listener named.
            List<SocketChannel> more = new java.util.ArrayList<>();
            namedOnceResolved(rec, t.server().inode(), events, Reason.ACCEPT_QUEUE_FULL,
                    () -> more.addAll(l.connectMany(t.client(), t.serverAddress(), 2)));
            more.forEach(ProbeScenarios::closeQuietly);
            for (SocketChannel ch : clients) {
                ch.close();
            }
            long overflows = delta.getOrDefault("TcpExt:ListenOverflows", 0L);
            assertTrue(overflows > 0, "the accept queue overflowed: " + delta);
            assertEquals(delta.getOrDefault("TcpExt:ListenDrops", 0L), (long) events.size(),
                    "one event per listener drop: " + events + " counters " + delta);
            assertEquals(overflows, count(events, Reason.ACCEPT_QUEUE_FULL), "every overflow explained: " + events);
            for (DropEvent e : events) {
                // On 6.1 tcp_v4_syn_recv_sock refuses a trampoline: its final-ACK hook is a kprobe twin.
                assertTrue(e.getProbe() == expectedProbe(mode) || e.getProbe() == Probe.KPROBE, e.toString());
                assertEquals(1, e.getAcceptQueueMax(), "listen(fd, 1)");
                assertTrue(e.getAcceptQueueLen() > e.getAcceptQueueMax(), "queue was over its limit: " + e);
                assertEquals(t.clientAddress().getHostAddress(), e.getSrcAddr());
                assertEquals(l.port(), e.getDstPort());
                io.syndrop.demo.CraftedSynProof.assertSynOrFinalAck(e);
            }
        }
    }

    static void unprovenPeers(AttachMode mode, ProbeRecorder shared) throws Exception {
        try (Topology t = Topology.pair().serverSysctl("net.ipv4.tcp_syncookies", "0")
                .serverSysctl("net.ipv4.tcp_max_syn_backlog", "8").build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 64)) {
            SynCrafter.dropOutgoingRsts(t.client()); // half-open connections stay in the SYN queue
            try (ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode());
                 SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                Map<String, Long> delta = synBurst(t, c, l.port(), 42000, 20, 100);
                long drops = delta.getOrDefault("TcpExt:ListenDrops", 0L);
                List<DropEvent> events = rec.awaitIn(t.server().inode(), (int) drops, WAIT);
                assertTrue(drops >= 10, "with max_syn_backlog 8, SYNs past the 3/4 mark are dropped: " + delta);
                assertEquals(drops, (long) events.size(), "one event per drop: " + events);
                assertEquals(drops, count(events, Reason.PEER_UNPROVEN), "all of them unproven peers: " + events);
                namedOnceResolved(rec, t.server().inode(), events, Reason.PEER_UNPROVEN,
                        () -> synBurst(t, c, l.port(), 42100, 3, 200));
                for (DropEvent e : events) {
                    assertEquals(expectedProbe(mode), e.getProbe());
                    assertTrue(e.getSynQueueLen() >= 6, "SYN queue over 3/4 of 8: " + e);
                    assertTrue(e.getTsval() >= 100 && e.getTsval() < 120, "the crafted SYN's TSval: " + e);
                    assertProvenSynDrop(e, 0, 8);
                }
            }
        }
    }

    static void synQueueFull(AttachMode mode, ProbeRecorder shared) throws Exception {
        try (Topology t = Topology.pair().serverSysctl("net.ipv4.tcp_syncookies", "0").build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 4)) {
            SynCrafter.dropOutgoingRsts(t.client());
            try (ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode());
                 SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                Map<String, Long> delta = synBurst(t, c, l.port(), 43000, 12, 500);
                long drops = delta.getOrDefault("TcpExt:ListenDrops", 0L);
                List<DropEvent> events = rec.awaitIn(t.server().inode(), (int) drops, WAIT);
                assertTrue(drops >= 7, "SYNs past a SYN queue of 4 are dropped: " + delta);
                assertEquals(drops, (long) events.size(), "one event per drop: " + events);
                assertEquals(delta.getOrDefault("TcpExt:TCPReqQFullDrop", 0L), count(events, Reason.SYN_QUEUE_FULL),
                        "each TCPReqQFullDrop is a SYN_QUEUE_FULL event: " + events);
                assertEquals(drops, count(events, Reason.SYN_QUEUE_FULL));
                for (DropEvent e : events) {
                    assertProvenSynDrop(e, 0, -1);
                }
                namedOnceResolved(rec, t.server().inode(), events, Reason.SYN_QUEUE_FULL,
                        () -> synBurst(t, c, l.port(), 43100, 3, 600));
            }
        }
    }

    /**
     * tcp_syncookies=2: tcp_conn_request sends a cookie for every SYN and never drops one for a full
     * SYN queue (that drop needs cookies off). The SYN queue is filled with half-open requests while
     * cookies are 1, then cookies go to 2: more SYNs get cookies, not drops. With the accept queue
     * full as well, SYNs are dropped, and those drops are the accept queue's, not the SYN queue's.
     */
    static void forcedSyncookies(AttachMode mode, ProbeRecorder shared) throws Exception {
        int backlog = 4;
        try (Topology t = Topology.pair().serverSysctl("net.ipv4.tcp_syncookies", "1").build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, backlog)) {
            SynCrafter.dropOutgoingRsts(t.client()); // half-open requests stay in the SYN queue
            try (ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode());
                 SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                Nstat start = Nstat.read(t.server());
                Map<String, Long> fill = synBurst(t, c, l.port(), 44000, backlog, 700);
                assertEquals(0L, fill.getOrDefault("TcpExt:ListenDrops", 0L), "filling the SYN queue: " + fill);
                t.server().sysctl("net.ipv4.tcp_syncookies", "2");

                Map<String, Long> cookies = synBurst(t, c, l.port(), 44100, 6, 800);
                assertEquals(6L, cookies.getOrDefault("TcpExt:SyncookiesSent", 0L), "a cookie for each SYN: " + cookies);
                assertEquals(0L, cookies.getOrDefault("TcpExt:ListenDrops", 0L), "nothing dropped: " + cookies);
                assertEquals(0L, cookies.getOrDefault("TcpExt:TCPReqQFullDrop", 0L), cookies.toString());

                // backlog + 1 connections, completed through cookies, fill the accept queue.
                List<SocketChannel> clients = l.connectMany(t.client(), t.serverAddress(), backlog + 1);
                awaitAcceptQueue(t, l.port(), backlog + 1);
                Map<String, Long> full = synBurst(t, c, l.port(), 44200, 6, 900);
                Map<String, Long> total = Nstat.read(t.server()).minus(start).nonZero();
                long drops = total.getOrDefault("TcpExt:ListenDrops", 0L);
                List<DropEvent> events = rec.awaitIn(t.server().inode(), (int) drops, WAIT);
                for (SocketChannel ch : clients) {
                    ch.close();
                }
                assertEquals(6L, full.getOrDefault("TcpExt:ListenDrops", 0L), "SYNs against a full accept queue: " + full);
                assertEquals(6L, full.getOrDefault("TcpExt:ListenOverflows", 0L), full.toString());
                assertEquals(6L, drops, "no other drop in the scenario: " + total);
                assertEquals(drops, (long) events.size(), "one event per drop: " + events + " counters " + total);
                assertEquals(0L, count(events, Reason.SYN_QUEUE_FULL), "syncookies=2 never drops for the SYN queue: " + events);
                assertEquals(drops, count(events, Reason.ACCEPT_QUEUE_FULL), events.toString());
                for (DropEvent e : events) {
                    assertEquals(expectedProbe(mode), e.getProbe(), e.toString());
                    assertTrue(e.getSynQueueLen() >= e.getSynQueueMax() && e.getSynQueueMax() == backlog,
                            "the SYN queue was full as well: " + e);
                    assertTrue(e.getAcceptQueueLen() > e.getAcceptQueueMax(), "accept queue over its limit: " + e);
                    assertTrue(e.getTsval() >= 900 && e.getTsval() < 906, "one of the last burst's SYNs: " + e);
                    assertProvenSynDrop(e, 2, -1);
                }
            }
        }
    }

    /**
     * A crafted SYN that tcp_conn_request dropped: its options and headers, the namespace's
     * tcp_syncookies (and tcp_max_syn_backlog unless {@code backlog < 0}), and this CPU's
     * ListenDrops rising by exactly one over the call (the proof that this call dropped it).
     */
    private static void assertProvenSynDrop(DropEvent e, int syncookies, int backlog) throws Exception {
        assertTrue(e.hasSyncookies(), "tcp_syncookies read from the listener's namespace: " + e);
        assertEquals(syncookies, e.getSyncookies(), e.toString());
        if (backlog >= 0) {
            assertEquals(backlog, e.getMaxSynBacklog(), "tcp_max_syn_backlog of the namespace: " + e);
        }
        io.syndrop.demo.CraftedSynProof.assertCraftedSyn(e);
        io.syndrop.demo.CraftedSynProof.assertListenDropsRoseByOne(e);
    }

    /** Waits until the listener's accept queue (ss Recv-Q) holds n connections. */
    private static void awaitAcceptQueue(Topology t, int port, int n) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        String out = "";
        while (System.nanoTime() < end) {
            out = t.server().exec("ss", "-ltnH", "sport = :" + port).stdout().trim();
            String[] f = out.split("\\s+");
            if (f.length > 1 && f[1].equals(Integer.toString(n))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the accept queue never held " + n + " connections: " + out);
    }

    static void timeWaitPaws(AttachMode mode, ProbeRecorder shared) throws Exception {
        try (Topology t = Topology.pair().build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
            CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
            SynCrafter.dropOutgoingRsts(t.client());
            try (ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode());
                 SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                Nstat before = Nstat.read(t.server());
                long tsval = (tw.lastClientTsVal() - 1000) & 0xffffffffL;
                c.send(Syn.to(t.serverAddress(), server.port(), tw.client().getPort(), 77, tsval));
                c.send(Syn.to(t.serverAddress(), server.port(), tw.client().getPort(), 78, tsval + 1));
                List<DropEvent> events = rec.awaitIn(t.server().inode(), 2, WAIT);
                Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();
                long paws = delta.getOrDefault("TcpExt:PAWSTimewait", 0L) + delta.getOrDefault("TcpExt:PAWSEstab", 0L);
                assertEquals(2, paws, "6.1 counts TIME-WAIT PAWS rejects as PAWSEstab: " + delta);
                assertEquals(2, count(events, Reason.TIMEWAIT_PAWS), "one event per reject: " + events);
                DropEvent e = events.stream().filter(x -> x.getReason() == Reason.TIMEWAIT_PAWS).findFirst().orElseThrow();
                assertEquals(tsval, Integer.toUnsignedLong(e.getTsval()));
                assertEquals(tw.lastClientTsVal(), Integer.toUnsignedLong(e.getCachedTs()));
                assertEquals(expectedProbe(mode), e.getProbe());
                assertEquals(t.clientAddress().getHostAddress(), e.getSrcAddr());
                io.syndrop.demo.CraftedSynProof.assertCraftedSyn(e);
            }
        }
    }

    static void closedPort(AttachMode mode, ProbeRecorder shared) throws Exception {
        try (Topology t = Topology.pair().build();
             ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode())) {
            Nstat before = Nstat.read(t.server());
            t.client().call(() -> {
                for (int i = 0; i < 5; i++) {
                    try (java.net.Socket s = new java.net.Socket()) {
                        s.connect(new InetSocketAddress(t.serverAddress(), 9), 3000);
                    } catch (java.net.ConnectException expected) {
                        // RST
                    }
                }
                return null;
            });
            Visibility seen = Visibility.of(rec.session());
            if (!seen.seen().contains(Reason.KERNEL_REASON)) {
                // 5.10: kfree_skb has no drop reason, so nothing can report these; the kernel's own
                // BTF must agree, and watch must say so at start.
                assertTrue(KernelBtf.read().tracepointArgs("kfree_skb") < 3, "kfree_skb has a reason here, yet " + seen);
                assertTrue(seen.blind().contains(Visibility.NO_KFREE_REASON_BLIND), seen.toString());
                Thread.sleep(2000);
                assertEquals(5L, Nstat.read(t.server()).minus(before).get("Tcp:OutRsts"));
                assertEquals(0, rec.eventsIn(t.server().inode()).size(), "nothing to report them with");
                return;
            }
            List<DropEvent> events = rec.awaitIn(t.server().inode(), 5, WAIT);
            assertEquals(5L, Nstat.read(t.server()).minus(before).get("Tcp:OutRsts"));
            assertEquals(5, count(events, Reason.KERNEL_REASON), events.toString());
            assertTrue(events.stream().allMatch(e -> e.getKernelReason().equals("NO_SOCKET")), events.toString());
            for (DropEvent e : events) {
                io.syndrop.demo.CraftedSynProof.assertPacketIsTheEvents(e);
                assertTrue(e.hasSyncookies(), "the device's namespace settings, without a listener: " + e);
            }
        }
    }

    /**
     * SYNs that the listener answers, each SYN-ACK answered by an RST from the client's stack (no
     * socket sent the SYN), from two threads at full speed. Each RST removes a pending request and
     * raises the listener's sk_drops (tcp_v4_rcv's discard path), not ListenDrops, on whichever CPU
     * handles it, while other SYNs are inside tcp_conn_request: a drop test on sk_drops would report
     * drops that never happened. Only real drops (ListenDrops) may be reported.
     */
    static void answeredSynsAreNotDrops(AttachMode mode, ProbeRecorder shared) throws Exception {
        try (Topology t = Topology.pair().build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 4096);
             ProbeRecorder rec = ProbeRecorder.startOrShare(mode, shared, t.server().inode())) {
            Nstat before = Nstat.read(t.server());
            long skDropsBefore = listenerSkDrops(t, l.port());
            List<Thread> senders = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
            for (int k = 0; k < 2; k++) {
                int base = 20000 + k * 20000;
                Thread th = new Thread(() -> {
                    try (SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                        for (int i = 0; i < 4000; i++) {
                            c.send(Syn.to(t.serverAddress(), l.port(), base + i % 20000, 1000L * i, 5000 + i));
                        }
                    } catch (Exception e) {
                        failed.set(e);
                    }
                }, "syn-sender-" + k);
                th.start();
                senders.add(th);
            }
            for (Thread th : senders) {
                th.join(60_000);
            }
            if (failed.get() != null) {
                throw failed.get();
            }
            Thread.sleep(1000);
            Map<String, Long> delta = Nstat.read(t.server()).minus(before).nonZero();
            long listenDrops = delta.getOrDefault("TcpExt:ListenDrops", 0L);
            long skDropsRise = listenerSkDrops(t, l.port()) - skDropsBefore;
            List<DropEvent> events = rec.awaitIn(t.server().inode(), (int) listenDrops, WAIT);
            Thread.sleep(500); // and nothing more arrives
            List<DropEvent> connRequest = rec.eventsIn(t.server().inode()).stream()
                    .filter(e -> e.getReason() != Reason.KERNEL_REASON && e.getReason() != Reason.TIMEWAIT_PAWS).toList();
            assertTrue(skDropsRise > 100, "the RSTs raised the listener's sk_drops (" + skDropsRise + "); counters " + delta);
            assertEquals(listenDrops, (long) connRequest.size(),
                    "only the listener drops the kernel counted are reported (sk_drops rose by " + skDropsRise + "): "
                            + connRequest.stream().limit(5).toList() + " counters " + delta + "; all " + events.size());
        }
    }

    /** The listener's sk_drops, as `ss -m` shows it (skmem d). */
    private static long listenerSkDrops(Topology t, int port) {
        String out = t.server().exec("ss", "-ltnmH", "sport = :" + port).stdout();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bd(\\d+)\\)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no skmem drop count in ss output: " + out);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * n crafted SYNs from distinct source ports that never complete (the client's RSTs are dropped),
     * TSvals firstTsval, firstTsval+1, ...; returns the server namespace's counter deltas.
     */
    private static Map<String, Long> synBurst(Topology t, SynCrafter c, int port, int firstSrcPort, int n,
                                              long firstTsval) throws Exception {
        Nstat before = Nstat.read(t.server());
        for (int i = 0; i < n; i++) {
            c.send(Syn.to(t.serverAddress(), port, firstSrcPort + i, 1000L * i, firstTsval + i));
            Thread.sleep(20);
        }
        Thread.sleep(500);
        return Nstat.read(t.server()).minus(before).nonZero();
    }

    interface Step {
        void run() throws Exception;
    }

    /**
     * Every drop of the round carries the listener's socket inode; once the identity stage has
     * resolved it (the first drops of an unknown listener flow unnamed), the drops {@code more}
     * causes are named: this JVM, which holds the listener, with its pid and comm.
     */
    static void namedOnceResolved(ProbeRecorder rec, long netns, List<DropEvent> round, Reason reason, Step more)
            throws Exception {
        assertTrue(!round.isEmpty(), "drops to name");
        long ino = round.get(0).getListenerIno();
        assertTrue(ino != 0, "the kernel recorded the listener's socket inode: " + round.get(0));
        for (DropEvent e : round) {
            assertEquals(ino, e.getListenerIno(), "one listener: " + e);
        }
        long end = System.nanoTime() + WAIT.toNanos();
        while (rec.identity().known(ino).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(rec.identity().known(ino).isPresent(), "inode " + ino + " resolved from /proc");
        int seen = rec.eventsIn(netns).size();
        more.run();
        List<DropEvent> all = rec.awaitIn(netns, seen + 1, WAIT);
        assertTrue(all.size() > seen, "the listener dropped again: " + all);
        String comm = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/comm")).strip();
        for (DropEvent e : all.subList(seen, all.size())) {
            assertEquals(reason, e.getReason(), e.toString());
            assertEquals(ino, e.getListenerIno(), e.toString());
            assertEquals(ProcessHandle.current().pid(), e.getProcessPid(), "the listener's process is named: " + e);
            assertEquals(comm, e.getProcessComm(), e.toString());
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (java.io.IOException ignored) {
            // the test is over with it
        }
    }

    private static long count(List<DropEvent> events, Reason r) {
        return events.stream().filter(e -> e.getReason() == r).count();
    }
}
