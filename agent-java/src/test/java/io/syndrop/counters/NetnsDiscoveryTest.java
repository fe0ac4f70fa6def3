package io.syndrop.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.syndrop.os.NetnsTarget;

/** Discovery against a /proc laid out by hand: which namespaces are found, kept and how they are named. */
class NetnsDiscoveryTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private static final String LISTEN = "   0: 0100007F:238B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 45936 1\n";
    private static final String ESTAB = "   0: 0100007F:238B 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 45937 1\n";

    private static void process(Path proc, long pid, String comm, long netns, String tcp, String tcp6) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.createDirectories(dir.resolve("ns"));
        Files.createSymbolicLink(dir.resolve("ns/net"), Path.of("net:[" + netns + "]"));
        Files.writeString(dir.resolve("comm"), comm + "\n");
        Files.createDirectories(dir.resolve("net"));
        Files.writeString(dir.resolve("net/tcp"), HEADER + tcp);
        if (tcp6 != null) {
            Files.writeString(dir.resolve("net/tcp6"), HEADER + tcp6);
        }
    }

    @Test
    void keepsTheHostAndEachNamespaceWithListenersOnceNamedAfterItsLowestPid(@TempDir Path tmp) throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        process(proc, 1, "systemd", 100, "", "");
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/net"), Path.of("net:[100]"));
        process(proc, 4242, "worker", 200, LISTEN, "");
        process(proc, 4000, "nginx", 200, LISTEN, "");
        process(proc, 5000, "client", 300, ESTAB, "");          // connections but no listener
        process(proc, 6000, "v6only", 400, "", LISTEN);          // listens on IPv6 only
        process(proc, 7000, "nov6", 500, LISTEN, null);          // IPv6 disabled: no tcp6 file
        Files.createDirectories(proc.resolve("self")); // not a pid directory: ignored
        NetnsDiscovery.Result r = new NetnsDiscovery(proc, tmp.resolve("no-run-dir")).discover();

        List<ListeningNamespace> ns = r.withListeners();
        assertEquals(List.of(100L, 200L, 400L, 500L), ns.stream().map(ListeningNamespace::inode).toList());
        assertTrue(ns.get(0).isHost());
        assertEquals("host", ns.get(0).label());
        assertEquals("netns ino 200 (pid 4000 nginx)", ns.get(1).label());
        assertEquals(new NetnsTarget(NetnsTarget.Kind.PID, "", 4000), ns.get(1).target());
        assertEquals("netns ino 400 (pid 6000 v6only)", ns.get(2).label());
        assertEquals(1, r.withoutListeners(), "the namespace with only an established connection");
        assertEquals(0, r.overLimit());
        assertTrue(r.unreadable().isEmpty(), r.unreadable().toString());
    }

    @Test
    void aNamespaceWithBothAProcessAndANameIsCalledByItsNameAndReadThroughTheProcess(@TempDir Path tmp) throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/net"), Path.of("net:[100]"));
        Path run = Files.createDirectories(tmp.resolve("netns"));
        Path web = Files.writeString(run.resolve("web1"), "");
        long ino = ((Number) Files.getAttribute(web, "unix:ino")).longValue();
        process(proc, 300, "app", ino, LISTEN, "");
        NetnsDiscovery.Result r = new NetnsDiscovery(proc, run).discover();
        assertEquals(2, r.withListeners().size(), r.toString());
        ListeningNamespace n = r.withListeners().get(1);
        assertEquals("netns web1 (ino " + ino + ")", n.label());
        // Through /proc/300/net (CAP_SYS_PTRACE), not by entering web1 with setns (CAP_SYS_ADMIN).
        assertEquals(new NetnsTarget(NetnsTarget.Kind.PID, "", 300), n.target());
    }

    @Test
    void aNamespaceWhoseSocketsCannotBeListedIsSaidToBeUnreadableNotListenerless(@TempDir Path tmp) throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/net"), Path.of("net:[100]"));
        process(proc, 300, "app", 200, LISTEN, "");
        Files.delete(proc.resolve("300/net/tcp"));
        Files.delete(proc.resolve("300/net/tcp6"));
        NetnsDiscovery.Result r = new NetnsDiscovery(proc, tmp.resolve("none")).discover();
        assertEquals(1, r.withListeners().size());
        assertEquals(0, r.withoutListeners());
        assertEquals(1, r.unreadable().size());
        assertEquals(200, r.unreadable().get(0).inode());
        assertTrue(r.unreadable().get(0).why().contains("tcp does not exist"), r.unreadable().toString());
    }

    @Test
    void onlyTheFirstSocketLineIsNeededBecauseTheKernelListsListenersFirst(@TempDir Path tmp) throws Exception {
        Path net = Files.createDirectories(tmp.resolve("net"));
        Files.writeString(net.resolve("tcp"), HEADER + ESTAB + LISTEN);
        Files.writeString(net.resolve("tcp6"), HEADER);
        assertFalse(NetnsDiscovery.hasListener(net), "a LISTEN line after others cannot happen in the kernel's order");
        Files.writeString(net.resolve("tcp"), HEADER + LISTEN + ESTAB);
        assertTrue(NetnsDiscovery.hasListener(net));
    }

    @Test
    void theHostNamespaceMustBeReadable(@TempDir Path tmp) {
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> new NetnsDiscovery(tmp, tmp.resolve("none")).discover());
        assertTrue(e.getMessage().contains("self/ns/net"), e.getMessage());
    }
}
