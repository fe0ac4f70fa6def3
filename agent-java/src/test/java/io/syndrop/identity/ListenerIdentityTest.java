package io.syndrop.identity;

import io.syndrop.it.RequireRoot;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.ProbeRecorder;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import io.syndrop.demo.Netns;
import io.syndrop.demo.Nstat;
import io.syndrop.demo.TinyBacklogListener;
import io.syndrop.demo.Topology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real listeners, real drops (tracepoint mode, this machine's kernel: final-ACK accept-queue
 * overflow against a listener that never accepts), named by the identity stage from /proc. The
 * socket inode in each event is checked against the kernel's own /proc/net/tcp of the namespace.
 */
class ListenerIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int BACKLOG = 4;

    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    /** The listener is this JVM: a plain host process outside any systemd service. */
    @Test
    void aHostProcessListenerIsNamedWithItsPidCommAndExe() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (Topology t = Topology.pair().build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, BACKLOG);
             IdentityStage stage = new IdentityStage(Path.of("/proc"), ContainerLookup.NONE, warnings::add);
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode(), stage)) {
            long ino = listenerInode(t.server(), l.port());
            List<DropEvent> events = overflowUntilNamed(t, l, rec, stage, ino);
            long self = ProcessHandle.current().pid();
            String comm = Files.readString(Path.of("/proc/self/comm")).strip();
            String exe = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
            DropEvent named = events.get(events.size() - 1);
            assertEquals(self, named.getProcessPid(), "the JVM holding the listener: " + named);
            assertEquals(comm, named.getProcessComm());
            assertEquals(exe, named.getProcessExe());
            assertEquals("", named.getContainerId(), "no container lookup: " + named);
            assertTrue(warnings.isEmpty(), "as root every /proc/PID/fd is readable: " + warnings);
        }
    }

    /** A listener in a cgroup named the way systemd names a service's, created by the test. */
    @Test
    void aListenerInASystemdStyleCgroupIsNamedWithItsUnit() throws Exception {
        Path hierarchy = SystemdStyleCgroup.hierarchy();
        String unit = "syndrop-test-" + ProcessHandle.current().pid() + ".service";
        try (Topology t = Topology.pair().build();
             SystemdStyleCgroup cg = SystemdStyleCgroup.create(hierarchy, "syndrop-test.slice/" + unit);
             PerlListener l = PerlListener.start(t.server(), t.serverAddress().getHostAddress(), cg);
             IdentityStage stage = new IdentityStage(Path.of("/proc"), ContainerLookup.NONE, s -> { });
             ProbeRecorder rec = ProbeRecorder.start(AttachMode.TRACEPOINT, t.server().inode(), stage)) {
            long ino = listenerInode(t.server(), l.port);
            List<DropEvent> events = overflowUntilNamed(t, l.asTarget(t), rec, stage, ino);
            DropEvent named = events.get(events.size() - 1);
            assertEquals(l.pid, named.getProcessPid(), named.toString());
            assertEquals("perl", named.getProcessComm());
            assertTrue(named.getProcessExe().endsWith("/perl") || named.getProcessExe().contains("/perl"), named.getProcessExe());
            assertEquals(unit, named.getProcessUnit(), "the unit from /proc/" + l.pid + "/cgroup");
        }
    }

    /**
     * A final-ACK accept-queue overflow the tracepoint sees (TCP_LISTEN_OVERFLOW, 6.16+): with
     * listen(fd, 4), four connections fill the accept queue to its limit (not over it), then four
     * more SYNs are answered while the client's pure ACKs are held back by iptables; once released,
     * the server's SYN-ACK retransmissions (1 s, 3 s, ...) bring the final ACKs: one fits, the others
     * overflow, again on every retransmission. The first drops of the still unknown listener flow
     * unnamed and queue its lookup; once the stage knows the inode, the next drops are named.
     */
    static List<DropEvent> overflowUntilNamed(Topology t, OverflowTarget l, ProbeRecorder rec, IdentityStage stage,
                                              long ino) throws Exception {
        return overflowUntilNamed(t.client(), t.server(), l, rec, stage, ino);
    }

    /**
     * The same with the clients in {@code client} and the listener in {@code server}; they may be
     * one namespace (loopback): the rule drops only pure ACKs, so the SYN-ACKs still get through.
     */
    static List<DropEvent> overflowUntilNamed(Netns client, Netns server, OverflowTarget l, ProbeRecorder rec,
                                              IdentityStage stage, long ino) throws Exception {
        Nstat before = Nstat.read(server);
        List<SocketChannel> clients = new java.util.ArrayList<>(l.connectMany(client, BACKLOG));
        Thread.sleep(500);
        String[] rule = {"OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "DROP"};
        client.exec(concat("iptables", "-w", "-A", rule)).orThrow();
        try {
            clients.addAll(l.connectMany(client, BACKLOG));
            Thread.sleep(300);
        } finally {
            client.exec(concat("iptables", "-w", "-D", rule)).orThrow();
        }
        List<DropEvent> round1 = rec.await(1, WAIT);
        assertFalse(round1.isEmpty(), "the accept queue overflowed on the final ACK");
        long end = System.nanoTime() + WAIT.toNanos();
        while (stage.known(ino).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(stage.known(ino).isPresent(), "the stage resolved inode " + ino + " (scans " + stage.scans() + ")");
        int seen = rec.events().size();
        List<DropEvent> all = rec.await(seen + 1, WAIT); // the next SYN-ACK retransmission's overflow
        Map<String, Long> delta = Nstat.read(server).minus(before).nonZero();
        for (SocketChannel c : clients) {
            c.close();
        }
        long overflows = delta.getOrDefault("TcpExt:ListenOverflows", 0L);
        assertTrue(all.size() > seen, "a later overflow too: " + all);
        // Each final-ACK overflow is one ListenOverflows; the counter was read after the events.
        assertTrue(all.size() <= overflows, all.size() + " events, kernel ListenOverflows " + overflows + " " + delta);
        for (DropEvent e : all) {
            assertEquals(Reason.ACCEPT_QUEUE_FULL, e.getReason(), e.toString());
            assertEquals(ino, e.getListenerIno(), "the socket inode of /proc/net/tcp: " + e);
        }
        for (DropEvent e : all.subList(seen, all.size())) {
            assertTrue(e.getProcessPid() > 0, "named once resolved: " + e);
        }
        return all;
    }

    private static String[] concat(String a, String b, String c, String[] rest) {
        String[] out = new String[3 + rest.length];
        out[0] = a;
        out[1] = b;
        out[2] = c;
        System.arraycopy(rest, 0, out, 3, rest.length);
        return out;
    }

    /** The inode column of the namespace's /proc/net/tcp for the listener on {@code port}. */
    static long listenerInode(Netns ns, int port) {
        String hexPort = String.format(":%04X", port);
        for (String line : ns.readProc("/proc/net/tcp").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                return Long.parseLong(f[9]);
            }
        }
        throw new AssertionError("no listener on port " + port + " in " + ns);
    }

    interface OverflowTarget {
        List<SocketChannel> connectMany(Netns client, int n) throws Exception;
    }

    private static List<DropEvent> overflowUntilNamed(Topology t, TinyBacklogListener l, ProbeRecorder rec,
                                                      IdentityStage stage, long ino) throws Exception {
        return overflowUntilNamed(t, (c, n) -> l.connectMany(c, t.serverAddress(), n), rec, stage, ino);
    }

    /** perl (perl-base is on every Debian) listening with backlog 4, never accepting, in the given cgroup. */
    static final class PerlListener implements AutoCloseable {
        final Process process;
        final int pid;
        final int port;

        private PerlListener(Process process, int port) {
            this.process = process;
            this.pid = (int) process.pid();
            this.port = port;
        }

        static PerlListener start(Netns ns, String address, SystemdStyleCgroup cg) throws Exception {
            String script = "use IO::Socket::INET; $|=1; my $s = IO::Socket::INET->new(Listen => " + BACKLOG + ", LocalAddr => '"
                    + address + "', LocalPort => 0, Proto => 'tcp') or die \"listen: $!\"; print $s->sockport, \"\\n\";"
                    + " sleep 120;";
            Process p = new ProcessBuilder("ip", "netns", "exec", ns.name(), "perl", "-e", script)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null) {
                p.destroyForcibly();
                throw new AssertionError("perl listener did not start (exit " + p.waitFor() + ")");
            }
            // ip netns exec execs perl in its own process: the pid is perl's.
            PerlListener l = new PerlListener(p, Integer.parseInt(line.strip()));
            cg.add(l.pid);
            return l;
        }

        OverflowTarget asTarget(Topology t) {
            return (client, n) -> connect(client, t, n);
        }

        private List<SocketChannel> connect(Netns client, Topology t, int n) throws Exception {
            return NonBlockingClients.open(client, new java.net.InetSocketAddress(t.serverAddress(), port), n);
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
