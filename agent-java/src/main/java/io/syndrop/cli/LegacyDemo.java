package io.syndrop.cli;

import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.CounterReader;
import io.syndrop.counters.CounterSnapshot;
import io.syndrop.os.NetnsTarget;
import io.syndrop.doctor.Diagnosis;
import io.syndrop.doctor.DiagnosisText;
import io.syndrop.doctor.Doctor;
import io.syndrop.filter.EventFilter;
import io.syndrop.os.NodeIdentity;
import io.syndrop.probe.AttachPlanner;
import io.syndrop.probe.LiveProbe;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import io.syndrop.demo.ClockedTcpClient;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Topology;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * `syndrop demo --legacy`: the seed's own failure on a kernel before 4.12. Two clients behind a
 * MASQUERADE router, one with its TCP timestamp clock ahead (TCP_REPAIR lets a socket set it),
 * a server that closes first, and net.ipv4.tcp_tw_recycle=1: once the fast client's timestamp is
 * cached for the NAT address, the other client's SYNs are dropped without a SYN-ACK.
 */
final class LegacyDemo {
    static final Path TW_RECYCLE = Path.of("/proc/sys/net/ipv4/tcp_tw_recycle");
    /** About 17 minutes ahead, far beyond any skew the check tolerates. */
    private static final long CLOCK_AHEAD = 1_000_000;
    private static final int SERVER_PORT = 8080;

    private LegacyDemo() {
    }

    static int run(boolean json, PrintStream out, PrintStream err) throws Exception {
        if (!Files.exists(TW_RECYCLE)) {
            err.println("syndrop demo --legacy: this kernel (" + System.getProperty("os.version") + ") has no "
                    + "net.ipv4.tcp_tw_recycle (removed in 4.12), so the seed's drop cannot happen here. Run it on a "
                    + "kernel before 4.12, e.g. the test VM: scripts/vm/run.sh --kernel linux-4.9.337 --mem 2048 -- "
                    + "./syndrop demo --legacy (docs/vm-harness.md); `syndrop demo` shows today's relative.");
            return 1;
        }
        String saved = Files.readString(TW_RECYCLE).trim();
        err.println("syndrop demo --legacy: setting net.ipv4.tcp_tw_recycle=1 for the demo (one setting for the whole "
                + "host on this kernel; it was " + saved + " and is restored at the end)");
        Files.writeString(TW_RECYCLE, "1");
        try {
            return show(json, out, err);
        } finally {
            Files.writeString(TW_RECYCLE, saved);
            err.println("syndrop demo --legacy: net.ipv4.tcp_tw_recycle restored to " + saved + "; namespaces removed");
        }
    }

    private static int show(boolean json, PrintStream out, PrintStream err) throws Exception {
        err.println("syndrop demo --legacy: building namespaces: 2 clients -> NAT router (MASQUERADE) -> server");
        try (Topology t = Topology.nat(2).build()) {
            Netns server = t.server();
            EventFilter filter = new EventFilter(List.of(), List.of(), List.of(server.inode()), EnumSet.noneOf(Reason.class));
            AttachPlanner.Plan plan = DemoCommand.attachOrExplain(filter, "syndrop demo --legacy", err);
            if (plan == null) {
                return 1;
            }
            EventPrinter printer = new EventPrinter(json, out, err);
            PrintingRecorder collect = new PrintingRecorder(printer);
            String node = NodeIdentity.nodeName();
            CounterReader counters = new CounterReader(NetnsTarget.parse(server.name()), true);
            InetSocketAddress to = new InetSocketAddress(t.serverAddress(), SERVER_PORT);
            String nat = t.routerWanAddress().getHostAddress();
            try (ServerSocket listener = server.call(() -> listen(to));
                 LiveProbe probe = LiveProbe.start(plan.session(), filter, collect, node, node, NodeIdentity.newBoot(),
                         new AtomicLong())) {
                Future<?> closer = server.start(() -> acceptAndCloseFirst(listener));
                CounterSnapshot before = counters.sample();
                printer.printHeader();
                err.printf("1. client %s, its clock %d ms ahead, connects (the server sees %s); the server closes first%n",
                        t.clientAddress(1).getHostAddress(), CLOCK_AHEAD, nat);
                ClockedTcpClient.Attempt fast = t.client(1).call(() -> ClockedTcpClient.connectAndAwaitClose(
                        t.clientAddress(1), 0, to, CLOCK_AHEAD, Duration.ofSeconds(5)));
                err.printf("   %s after %d ms; the server now caches TSval %d for %s (ip tcp_metrics):%n   %s%n",
                        fast.connected() ? "connected" : "FAILED (" + fast.error() + ")", fast.millis(),
                        fast.tsClockAfter(), nat, server.exec("ip", "tcp_metrics", "show").stdout().strip());
                Thread.sleep(1000);
                err.printf("2. client %s, its clock behind that, connects through the same NAT address%n",
                        t.clientAddress(0).getHostAddress());
                ClockedTcpClient.Attempt slow = t.client(0).call(() -> ClockedTcpClient.connectAndAwaitClose(
                        t.clientAddress(0), 0, to, 0, Duration.ofSeconds(4)));
                err.printf("   %s%n", slow.connected() ? "connected after " + slow.millis() + " ms"
                        : "no SYN-ACK: gave up after " + slow.millis() + " ms (" + slow.error() + "); a browser reports "
                        + "this as a refused connection. It stays so until the cached stamp is 60 s old.");
                Thread.sleep(1000);
                CounterDelta delta = CounterDelta.between(before, counters.sample());
                closer.cancel(true);
                List<DropEvent> seen = collect.seen();
                err.println();
                Diagnosis d = new Doctor().diagnose(delta, null, seen);
                out.print(DiagnosisText.render(d));
                out.flush();
            }
        }
        return 0;
    }

    private static ServerSocket listen(InetSocketAddress at) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(at, 16);
        return s;
    }

    private static void acceptAndCloseFirst(ServerSocket listener) {
        while (!listener.isClosed()) {
            try {
                listener.accept().close(); // the server's FIN first: with tw_recycle its TIME-WAIT caches the TSval
            } catch (IOException closed) {
                return;
            }
        }
    }
}
