package io.syndrop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TopologyTest {

    /** Echo server: answers each connection with the peer address it saw, then closes. */
    static Future<?> startPeerReporter(Netns ns, ServerSocket ss) {
        return ns.start(() -> {
            while (!ss.isClosed()) {
                try (Socket s = ss.accept(); OutputStream out = s.getOutputStream()) {
                    out.write((s.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    static String askPeer(Netns client, InetAddress server, int port) throws Exception {
        return client.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(server, port), 3000);
                s.setSoTimeout(3000);
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
        });
    }

    @Test
    void pairComesUpAndJavaSocketsConnectAcrossNamespaces() throws Exception {
        try (Topology t = Topology.pair().ipv6(true).build()) {
            assertTrue(t.client().exec("ip", "-o", "addr", "show", "dev", "eth0").orThrow().stdout().contains("192.0.2.1/24"));
            assertNotEquals(t.client().inode(), t.server().inode());
            // As root the JDK pings with ICMP echo from the calling (namespace) thread.
            Nstat before = Nstat.read(t.client());
            assertTrue(t.client().call(() -> t.serverAddress().isReachable(2000)), "ping server over IPv4");
            assertEquals(1, Nstat.read(t.client()).minus(before).get("Icmp:InEchoReps"), "an ICMP echo reply came back");
            assertTrue(t.client().call(() -> t.serverAddress6().isReachable(2000)), "ping server over IPv6");

            ServerSocket ss = t.server().call(() -> new ServerSocket(0, 50, InetAddress.getByName("::")));
            try (ss) {
                int port = ss.getLocalPort();
                startPeerReporter(t.server(), ss);
                assertEquals("192.0.2.1", askPeer(t.client(), t.serverAddress(), port));
                assertEquals("fd00:5d7:0:0:0:0:0:1", askPeer(t.client(), t.serverAddress6(), port));

                // The listener lives only in the server namespace: the host has no such socket.
                String hostListeners = Shell.check("ss", "-Htln", "sport", "= :" + port).stdout();
                String nsListeners = t.server().exec("ss", "-Htln", "sport", "= :" + port).orThrow().stdout();
                assertTrue(nsListeners.contains(":" + port), nsListeners);
                assertEquals("", hostListeners.strip(), "host must not see the namespace's listener");
                // And a host thread cannot reach it over loopback (the namespace's lo is its own).
                assertThrows(ConnectException.class, () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
                    }
                });
            }
        }
    }

    @Test
    void inodeMatchesWhatAThreadInsideTheNamespaceSees() throws Exception {
        try (Netns ns = Netns.create("inode")) {
            String inside = ns.call(() -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            assertEquals("net:[" + ns.inode() + "]", inside);
            String viaExec = ns.exec("readlink", "/proc/self/ns/net").orThrow().stdout().strip();
            assertEquals(inside, viaExec);
            String host = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            assertNotEquals(host, inside);
        }
    }

    @Test
    void natServerSeesTheRouterAsSourceForEveryClient() throws Exception {
        try (Topology t = Topology.nat(2).ipv6(true).nat6(true).build()) {
            for (int i = 0; i < 2; i++) {
                InetAddress server = t.serverAddress();
                assertTrue(t.client(i).call(() -> server.isReachable(2000)), "client " + i + " pings the server");
            }
            ServerSocket ss = t.server().call(() -> new ServerSocket(0, 50, InetAddress.getByName("::")));
            try (ss) {
                int port = ss.getLocalPort();
                startPeerReporter(t.server(), ss);
                for (int i = 0; i < 2; i++) {
                    assertEquals(t.routerWanAddress().getHostAddress(),
                            askPeer(t.client(i), t.serverAddress(), port), "IPv4 source seen for client " + i);
                    assertEquals(t.routerWanAddress6().getHostAddress(),
                            askPeer(t.client(i), t.serverAddress6(), port), "IPv6 source seen for client " + i);
                }
            }
            String rules = t.router().exec("iptables-save", "-t", "nat").orThrow().stdout();
            assertTrue(rules.contains("-A POSTROUTING -o wan -j MASQUERADE"), rules);
        }
    }

    @Test
    void routedIpv6ShowsTheClientAddressWhileIpv4IsMasqueraded() throws Exception {
        try (Topology t = Topology.nat(2).ipv6(true).build()) {
            ServerSocket ss = t.server().call(() -> new ServerSocket(0, 50, InetAddress.getByName("::")));
            try (ss) {
                int port = ss.getLocalPort();
                startPeerReporter(t.server(), ss);
                assertEquals(t.clientAddress6(1).getHostAddress(), askPeer(t.client(1), t.serverAddress6(), port));
                assertEquals(t.routerWanAddress().getHostAddress(), askPeer(t.client(1), t.serverAddress(), port));
            }
        }
    }

    @Test
    void sysctlsAreSetPerNamespace() throws Exception {
        try (Topology t = Topology.pair()
                .sysctl("net.ipv4.tcp_syncookies", "0")
                .serverSysctl("net.ipv4.tcp_timestamps", "2")
                .serverSysctl("net.core.somaxconn", "7")
                .serverSysctl("net.ipv4.tcp_max_syn_backlog", "16")
                .clientSysctl("net.ipv4.tcp_tw_reuse", "0")
                .build()) {
            assertEquals("2", t.server().sysctlValue("net.ipv4.tcp_timestamps"));
            assertEquals("7", t.server().sysctlValue("net.core.somaxconn"));
            assertEquals("16", t.server().sysctlValue("net.ipv4.tcp_max_syn_backlog"));
            assertEquals("0", t.server().sysctlValue("net.ipv4.tcp_syncookies"));
            assertEquals("0", t.client().sysctlValue("net.ipv4.tcp_syncookies"));
            assertEquals("0", t.client().sysctlValue("net.ipv4.tcp_tw_reuse"));
            assertEquals("1", t.client().sysctlValue("net.ipv4.tcp_timestamps"), "client keeps the default");
            assertEquals("2", t.server().exec("sysctl", "-n", "net.ipv4.tcp_timestamps").orThrow().stdout().strip());
        }
    }
}
