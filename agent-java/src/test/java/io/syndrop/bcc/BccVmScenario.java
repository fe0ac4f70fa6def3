package io.syndrop.bcc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The BCC backend against a real kernel with kprobes: meant to run as root inside the VM
 * harness (Debian 6.1 kernel, its linux-headers visible at /lib/modules/$(uname -r)), not on
 * the host, whose kernel has no kprobes. Two scenarios, each reconciled with the kernel's own
 * counter (TcpExt ListenDrops, which every listener drop increments exactly once):
 *
 *  accept-queue  listen(backlog 1) on loopback, never accept, 8 connects: ACCEPT_QUEUE_FULL
 *                events, as many as ListenDrops grew.
 *  peer-unproven tcp_syncookies=0, tcp_max_syn_backlog=16, listen(64) on 198.18.0.1; clients
 *                bind 198.19.0.5 (both added to lo) and an iptables OUTPUT rule drops the
 *                server's SYN-ACKs, so requests stay in SYN_RECV. (Neither a blackhole route,
 *                whose failing SYN-ACK route lookup drops the SYN before the peer check, nor a
 *                non-local client source, which connect() refuses without IP_TRANSPARENT, does.)
 *                Once the SYN queue is 3/4 full, tcp_conn_request() drops SYNs of peers
 *                tcp_peer_is_proven() does not know: PEER_UNPROVEN events, as many drops as
 *                ListenDrops grew.
 *
 * It changes the VM's root network namespace (addresses, iptables rule, sysctls) and restores
 * it; iptables needs the nf_tables/xt modules, loaded with modprobe first.
 * Usage: java -cp agent-java/target/test-classes:agent-java/target/syndrop.jar io.syndrop.bcc.BccVmScenario
 *        [accept-queue] [peer-unproven]   (default: both)
 * Exit code 0 when every check holds, 1 otherwise; one line per check on stdout.
 */
public final class BccVmScenario {
    private static final int OFF_DPORT = 50;
    private static final int OFF_REASON = 52;
    private static final int OFF_PROBE = 53;
    private static final int OFF_FLAGS = 54;
    private static final int OFF_ACCEPT_QMAX = 88;

    private static final java.util.function.Function<String, String[]> SYNACK_DROP_RULE = op -> new String[] {
        "iptables", op, "OUTPUT", "-s", "198.18.0.1", "-d", "198.19.0.5", "-p", "tcp",
        "--tcp-flags", "SYN,ACK", "SYN,ACK", "-j", "DROP"};

    private final List<String> failures = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        BccVmScenario s = new BccVmScenario();
        System.out.println(BccBackend.availability().describe());
        long t0 = System.nanoTime();
        try (BccBackend backend = BccBackend.open(BccBackend.Options.defaults())) {
            System.out.printf("compiled and attached in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, backend.attached());
            List<String> which = args.length == 0 ? List.of("accept-queue", "peer-unproven") : List.of(args);
            if (which.contains("accept-queue")) {
                s.acceptQueue(backend);
            }
            if (which.contains("peer-unproven")) {
                s.peerUnproven(backend);
            }
            s.check(Arrays.stream(backend.lostPerSlot()).sum() == 0 && backend.perfLost() == 0
                    && backend.queueOverflow() == 0, "no events lost");
        } catch (BccException e) {
            System.out.println("FAIL bcc backend did not start: " + e.getMessage());
            System.exit(1);
        }
        System.out.println(s.failures.isEmpty() ? "ALL PASS" : "FAILED: " + s.failures);
        System.exit(s.failures.isEmpty() ? 0 : 1);
    }

    void acceptQueue(BccBackend backend) throws Exception {
        drainAll(backend, 200);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            long before = listenDrops();
            List<SocketChannel> clients = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.connect(new InetSocketAddress(server.getInetAddress(), port));
                clients.add(c);
            }
            Thread.sleep(2500);
            closeAll(clients);
            Thread.sleep(300);
            long dropped = listenDrops() - before;
            List<ByteBuffer> events = eventsFor(drainAll(backend, 1000), port);
            Map<Integer, Integer> reasons = countReasons(events);
            System.out.println("accept-queue: port " + port + ", ListenDrops +" + dropped + ", events by reason " + reasons);
            check(dropped > 0, "accept-queue: the kernel dropped something (ListenDrops grew)");
            check(reasons.getOrDefault((int) SyndropConstants.REASON_ACCEPT_QUEUE_FULL, 0) > 0,
                    "accept-queue: ACCEPT_QUEUE_FULL events");
            check(events.size() == dropped, "accept-queue: events (" + events.size() + ") == ListenDrops delta (" + dropped + ")");
            check(events.stream().allMatch(e -> e.get(OFF_PROBE) == SyndropConstants.PROBE_BCC), "accept-queue: probe BCC");
            check(events.stream().allMatch(e -> e.getInt(OFF_ACCEPT_QMAX) == 1), "accept-queue: accept_qmax 1");
        }
    }

    void peerUnproven(BccBackend backend) throws Exception {
        Map<String, String> saved = new LinkedHashMap<>();
        for (String k : List.of("net.ipv4.tcp_syncookies", "net.ipv4.tcp_max_syn_backlog")) {
            saved.put(k, sh("sysctl", "-n", k).strip());
        }
        try {
            sh("ip", "addr", "add", "198.18.0.1/32", "dev", "lo");
            sh("ip", "addr", "add", "198.19.0.5/32", "dev", "lo");
            trySh("modprobe", "-a", "nf_tables", "nft_compat", "x_tables", "xt_tcpudp");
            sh(SYNACK_DROP_RULE.apply("-A"));
            sh("sysctl", "-qw", "net.ipv4.tcp_syncookies=0");
            sh("sysctl", "-qw", "net.ipv4.tcp_max_syn_backlog=16");
            drainAll(backend, 200);
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress("198.18.0.1", 0), 64);
                int port = server.getLocalPort();
                long before = listenDrops();
                List<SocketChannel> clients = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    SocketChannel c = SocketChannel.open();
                    c.bind(new InetSocketAddress("198.19.0.5", 0));
                    c.configureBlocking(false);
                    c.connect(new InetSocketAddress("198.18.0.1", port));
                    clients.add(c);
                }
                Thread.sleep(1500);
                closeAll(clients);
                Thread.sleep(300);
                long dropped = listenDrops() - before;
                List<ByteBuffer> events = eventsFor(drainAll(backend, 1000), port);
                Map<Integer, Integer> reasons = countReasons(events);
                System.out.println("peer-unproven: port " + port + ", ListenDrops +" + dropped + ", events by reason " + reasons);
                check(reasons.getOrDefault((int) SyndropConstants.REASON_PEER_UNPROVEN, 0) > 0,
                        "peer-unproven: PEER_UNPROVEN events");
                check(events.size() == dropped,
                        "peer-unproven: events (" + events.size() + ") == ListenDrops delta (" + dropped + ")");
                check(events.stream().allMatch(e -> (e.get(OFF_FLAGS) & 0x4) != 0), "peer-unproven: queue fields read");
            }
        } finally {
            for (var e : saved.entrySet()) {
                trySh("sysctl", "-qw", e.getKey() + "=" + e.getValue());
            }
            trySh(SYNACK_DROP_RULE.apply("-D"));
            trySh("ip", "addr", "del", "198.19.0.5/32", "dev", "lo");
            trySh("ip", "addr", "del", "198.18.0.1/32", "dev", "lo");
        }
    }

    private void check(boolean ok, String what) {
        System.out.println((ok ? "PASS " : "FAIL ") + what);
        if (!ok) {
            failures.add(what);
        }
    }

    private static List<ByteBuffer> drainAll(BccBackend backend, int quietMs) {
        List<ByteBuffer> all = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(64 * BccBackend.EVENT_SIZE).order(ByteOrder.nativeOrder());
        while (true) {
            buf.clear();
            int n = backend.drain(buf, 64, quietMs);
            if (n == 0) {
                return all;
            }
            for (int i = 0; i < n; i++) {
                ByteBuffer one = ByteBuffer.allocate(BccBackend.EVENT_SIZE).order(ByteOrder.nativeOrder());
                one.put(buf.array(), i * BccBackend.EVENT_SIZE, BccBackend.EVENT_SIZE).flip();
                all.add(one);
            }
        }
    }

    private static List<ByteBuffer> eventsFor(List<ByteBuffer> events, int port) {
        return events.stream().filter(e -> (e.getShort(OFF_DPORT) & 0xffff) == port).toList();
    }

    private static Map<Integer, Integer> countReasons(List<ByteBuffer> events) {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        events.forEach(e -> m.merge((int) e.get(OFF_REASON), 1, Integer::sum));
        return m;
    }

    private static void closeAll(List<SocketChannel> clients) {
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing a half-open connect cannot fail in a way that matters here
            }
        }
    }

    /** TcpExt ListenDrops from /proc/net/netstat: every listener drop counts there once. */
    static long listenDrops() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                List<String> names = Arrays.asList(lines.get(i).split("\\s+"));
                String[] values = lines.get(i + 1).split("\\s+");
                return Long.parseLong(values[names.indexOf("ListenDrops")]);
            }
        }
        throw new IOException("no TcpExt ListenDrops in /proc/net/netstat");
    }

    private static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static void trySh(String... cmd) {
        try {
            sh(cmd);
        } catch (IOException | InterruptedException e) {
            System.out.println("cleanup: " + e.getMessage());
        }
    }
}
