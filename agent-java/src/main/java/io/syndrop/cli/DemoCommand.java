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
import io.syndrop.probe.LiveAttach;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.Privileges;
import io.syndrop.probe.ProbeException;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Topology;

import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * `syndrop demo`: the modern relative of the tcp_tw_recycle story, made to happen for real in
 * throw-away namespaces. Two clients sit behind one NAT router; each has its own TCP timestamp
 * clock. They take turns connecting from the same port to a server that closes first, so the
 * server keeps a TIME-WAIT socket that remembers the last client's TSval; when the client with
 * the lower clock comes next, the server PAWS-rejects its SYN.
 */
@CommandLine.Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"make TIME-WAIT PAWS drops happen behind a NAT in throw-away namespaces and watch them",
                "",
                "Builds namespaces (two clients behind a MASQUERADE router, a server that closes first),",
                "connects the clients in turns from the same port, prints the drops syndrop sees, then",
                "the diagnosis. Needs root, ip and iptables; removes everything it made when it ends."})
public final class DemoCommand implements Command {
    private static final int CLIENT_PORT = 41000;
    private static final int SERVER_PORT = 8080;

    @Option(names = "--rounds", paramLabel = "N", description = "connections to make, 2-100 (default 6)")
    long rounds = 6;

    @Option(names = "--json", description = "print the events as JSON lines")
    boolean json;

    @Option(names = "--legacy", description = {
            "the seed's failure instead, on kernels before 4.12: tcp_tw_recycle=1 (set for the",
            "demo, restored after), one client's TCP timestamp clock ahead, the other's SYNs dropped"})
    boolean legacy;

    @Override
    public void validate() {
        OptionRanges.count("--rounds", rounds, 2, 100);
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        if (!Privileges.isRoot()) {
            err.println("syndrop demo: needs root to create network namespaces and load BPF programs: run it with sudo");
            return 1;
        }
        if (legacy) {
            return LegacyDemo.run(json, out, err);
        }
        err.println("syndrop demo: building namespaces: 2 clients -> NAT router (MASQUERADE) -> server");
        try (Topology t = Topology.nat(2)
                // The router forgets a finished connection after 1 s, so the next client gets the same port.
                .routerSysctl("net.netfilter.nf_conntrack_tcp_timeout_time_wait", "1")
                .build()) {
            Netns server = t.server();
            EventFilter filter = new EventFilter(List.of(), List.of(), List.of(server.inode()), EnumSet.noneOf(Reason.class));
            LiveAttach plan = DemoCommand.attachOrExplain(filter, "syndrop demo", err);
            if (plan == null) {
                return 1;
            }
            EventPrinter printer = new EventPrinter(json, out, err);
            PrintingRecorder collect = new PrintingRecorder(printer);
            String node = NodeIdentity.nodeName();
            CounterReader counters = new CounterReader(NetnsTarget.parse(server.name()), true);
            try (ServerSocket listener = server.call(() -> listen(t.serverAddress()));
                 // Names the server's interface from its namespace (the probe closes it); no /proc scans for listeners.
                 LiveProbe probe = plan.start(node, node, NodeIdentity.newBoot(),
                         io.syndrop.identity.InterfaceNames.start(line -> err.println("syndrop: " + line)), collect)) {
                Future<?> closer = server.start(() -> acceptAndCloseFirst(listener));
                CounterSnapshot before = counters.sample();
                printer.printHeader();
                for (int round = 0; round < rounds; round++) {
                    int c = round % 2;
                    err.printf("round %d: client %s connects from port %d (the server sees %s:%d)%n", round + 1,
                            t.clientAddress(c).getHostAddress(), CLIENT_PORT, t.routerWanAddress().getHostAddress(),
                            CLIENT_PORT);
                    long ms = t.client(c).call(() -> connect(t.clientAddress(c), t.serverAddress()));
                    err.printf("         connected after %d ms%s%n", ms, ms > 900
                            ? ": the first SYN was dropped, the retransmission got through" : "");
                    Thread.sleep(1500);
                }
                Thread.sleep(500);
                CounterDelta delta = CounterDelta.between(before, counters.sample());
                closer.cancel(true);
                List<DropEvent> seen = collect.seen();
                err.println();
                Diagnosis d = new Doctor().diagnose(delta, null, seen);
                out.print(DiagnosisText.render(d));
                out.flush();
            }
        }
        err.println("syndrop demo: namespaces removed");
        return 0;
    }

    private static ServerSocket listen(InetAddress addr) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(addr, SERVER_PORT), 16);
        return s;
    }

    private static void acceptAndCloseFirst(ServerSocket listener) {
        while (!listener.isClosed()) {
            try {
                listener.accept().close(); // the server sends the first FIN: its socket ends in TIME-WAIT
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Connects, waits for the server's FIN, closes; returns how long the connect took. */
    private static long connect(InetAddress local, InetAddress server) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(local, CLIENT_PORT));
            s.connect(new InetSocketAddress(server, SERVER_PORT), 10_000);
            long ms = (System.nanoTime() - start) / 1_000_000;
            s.setSoTimeout(5000);
            s.getInputStream().read();
            return ms;
        }
    }

    /** A demo's attach plan, explained on err; null (after saying why) when nothing can show drops live. */
    static LiveAttach attachOrExplain(EventFilter filter, String who, PrintStream err) {
        LiveAttach plan;
        try {
            plan = LiveAttach.plan(null, filter, 0, false);
        } catch (ProbeException e) {
            err.println(who + ": cannot attach: " + e.summary());
            return null;
        }
        err.println(plan.plan().explain());
        if (!plan.live()) {
            err.println(who + ": no eBPF attach mode works on this kernel, so there is nothing to show live");
            return null;
        }
        return plan;
    }
}
