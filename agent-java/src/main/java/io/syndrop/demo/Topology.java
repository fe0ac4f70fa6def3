package io.syndrop.demo;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of namespaces wired with veth pairs. Two shapes:
 * <ul>
 * <li>{@link #pair()}: client eth0 192.0.2.1/24 &lt;-&gt; server eth0 192.0.2.2/24
 *     (IPv6 fd00:5d7::1/64 and ::2);</li>
 * <li>{@link #nat(int)}: clients behind a router that masquerades them (iptables MASQUERADE on
 *     its "wan" side) towards the server. Client i (0-based) has 192.0.2.(4i+2)/30 on eth0, the
 *     router 192.0.2.(4i+1)/30 on lan{i}; router wan 198.51.100.1/24, server 198.51.100.2/24.
 *     IPv6: client i fd00:5d7:i::2/64, router fd00:5d7:i::1/64; wan fd00:5d7:ffff::1/64, server
 *     ::2. IPv6 is routed (the server sees client addresses) unless {@link Builder#nat6} is set.</li>
 * </ul>
 * Documentation ranges only, and only inside the namespaces: nothing has a route to the host.
 * Closing deletes every namespace, which removes the veth pairs and iptables rules with them.
 */
public final class Topology implements AutoCloseable {
    private final List<Netns> clients;
    private final Netns router;
    private final Netns server;
    private final List<InetAddress> clientAddrs = new ArrayList<>();
    private final List<InetAddress> clientAddrs6 = new ArrayList<>();
    private InetAddress serverAddr;
    private InetAddress serverAddr6;
    private InetAddress routerWanAddr;
    private InetAddress routerWanAddr6;
    private final boolean ipv6;

    private Topology(List<Netns> clients, Netns router, Netns server, boolean ipv6) {
        this.clients = List.copyOf(clients);
        this.router = router;
        this.server = server;
        this.ipv6 = ipv6;
    }

    /** One client and one server on one veth pair. */
    public static Builder pair() {
        return new Builder(0);
    }

    /** {@code clients} clients behind a NAT router, router &lt;-&gt; server. */
    public static Builder nat(int clients) {
        if (clients < 1 || clients > 63) {
            throw new IllegalArgumentException("a NAT topology has 1 to 63 clients, got " + clients);
        }
        return new Builder(clients);
    }

    public static final class Builder {
        private final int natClients;
        private boolean ipv6;
        private boolean nat6;
        private final Map<String, String> all = new LinkedHashMap<>();
        private final Map<String, String> serverOnly = new LinkedHashMap<>();
        private final Map<String, String> clientOnly = new LinkedHashMap<>();
        private final Map<String, String> routerOnly = new LinkedHashMap<>();

        private Builder(int natClients) {
            this.natClients = natClients;
        }

        /** Adds IPv6 (fd00:5d7::/32 ULA) addresses and routes next to the IPv4 ones. */
        public Builder ipv6(boolean on) {
            this.ipv6 = on;
            return this;
        }

        /** NAT topology only: masquerade IPv6 too (ip6tables); implies {@link #ipv6}. */
        public Builder nat6(boolean on) {
            this.nat6 = on;
            if (on) {
                this.ipv6 = true;
            }
            return this;
        }

        /** A sysctl for every namespace, e.g. ("net.ipv4.tcp_timestamps", "1"). */
        public Builder sysctl(String key, String value) {
            all.put(key, value);
            return this;
        }

        public Builder serverSysctl(String key, String value) {
            serverOnly.put(key, value);
            return this;
        }

        public Builder clientSysctl(String key, String value) {
            clientOnly.put(key, value);
            return this;
        }

        public Builder routerSysctl(String key, String value) {
            routerOnly.put(key, value);
            return this;
        }

        public Topology build() {
            if (nat6 && natClients == 0) {
                throw new IllegalArgumentException("nat6 needs a NAT topology (Topology.nat(n))");
            }
            List<Netns> made = new ArrayList<>();
            try {
                Topology t = natClients == 0 ? buildPair(made) : buildNat(made);
                t.applySysctls(all, clientOnly, routerOnly, serverOnly);
                t.awaitCarrier();
                return t;
            } catch (RuntimeException | Error e) {
                for (Netns ns : made) {
                    try {
                        ns.close();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        private Topology buildPair(List<Netns> made) {
            Netns client = track(made, Netns.create("client"));
            Netns server = track(made, Netns.create("server"));
            veth(client, "eth0", 10, server, "eth0", 11);
            Topology t = new Topology(List.of(client), null, server, ipv6);
            t.clientAddrs.add(addr("192.0.2.1"));
            t.serverAddr = addr("192.0.2.2");
            configure(client, "eth0", "192.0.2.1/24", ipv6 ? "fd00:5d7::1/64" : null);
            configure(server, "eth0", "192.0.2.2/24", ipv6 ? "fd00:5d7::2/64" : null);
            if (ipv6) {
                t.clientAddrs6.add(addr("fd00:5d7::1"));
                t.serverAddr6 = addr("fd00:5d7::2");
            }
            return t;
        }

        private Topology buildNat(List<Netns> made) {
            Netns router = track(made, Netns.create("router"));
            Netns server = track(made, Netns.create("server"));
            List<Netns> clients = new ArrayList<>();
            for (int i = 0; i < natClients; i++) {
                clients.add(track(made, Netns.create("client" + i)));
            }
            Topology t = new Topology(clients, router, server, ipv6);
            router.sysctl(Map.of("net.ipv4.ip_forward", "1"));
            if (ipv6) {
                router.sysctl(Map.of("net.ipv6.conf.all.forwarding", "1"));
            }
            veth(router, "wan", 10, server, "eth0", 11);
            configure(router, "wan", "198.51.100.1/24", ipv6 ? "fd00:5d7:ffff::1/64" : null);
            configure(server, "eth0", "198.51.100.2/24", ipv6 ? "fd00:5d7:ffff::2/64" : null);
            t.serverAddr = addr("198.51.100.2");
            t.routerWanAddr = addr("198.51.100.1");
            if (ipv6) {
                t.serverAddr6 = addr("fd00:5d7:ffff::2");
                t.routerWanAddr6 = addr("fd00:5d7:ffff::1");
                if (!nat6) {
                    // Routed IPv6: the server needs the way back to the client prefixes.
                    server.exec("ip", "-6", "route", "add", "fd00:5d7::/32", "via", "fd00:5d7:ffff::1").orThrow();
                }
            }
            for (int i = 0; i < natClients; i++) {
                Netns c = clients.get(i);
                String lan = "lan" + i;
                veth(router, lan, 12 + 2 * i, c, "eth0", 13 + 2 * i);
                String r4 = "192.0.2." + (4 * i + 1);
                String c4 = "192.0.2." + (4 * i + 2);
                String r6 = "fd00:5d7:" + Integer.toHexString(i) + "::1";
                String c6 = "fd00:5d7:" + Integer.toHexString(i) + "::2";
                configure(router, lan, r4 + "/30", ipv6 ? r6 + "/64" : null);
                configure(c, "eth0", c4 + "/30", ipv6 ? c6 + "/64" : null);
                c.exec("ip", "route", "add", "default", "via", r4).orThrow();
                t.clientAddrs.add(addr(c4));
                if (ipv6) {
                    c.exec("ip", "-6", "route", "add", "default", "via", r6).orThrow();
                    t.clientAddrs6.add(addr(c6));
                }
            }
            router.exec("iptables", "-w", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE").orThrow();
            // Kernels before 4.18 un-NAT replies only where the nat table hooks prerouting: iptables-nft
            // creates that chain only for a rule in it (iptables-legacy always has it).
            router.exec("iptables", "-w", "-t", "nat", "-A", "PREROUTING", "-j", "ACCEPT").orThrow();
            if (nat6) {
                router.exec("ip6tables", "-w", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE").orThrow();
            }
            return t;
        }
    }

    private static Netns track(List<Netns> made, Netns ns) {
        made.add(ns);
        return ns;
    }

    /**
     * A veth pair straight between two namespaces (never in the host's). The two ends get
     * different ifindexes on purpose: the kernel treats a carrier change of a device whose
     * ifindex equals its peer's as non-urgent and reports it up to a second late, and packets
     * sent meanwhile are lost (both ends would otherwise be ifindex 2 in fresh namespaces).
     */
    private static void veth(Netns a, String aName, int aIndex, Netns b, String bName, int bIndex) {
        Shell.check("ip", "-n", a.name(), "link", "add", aName, "index", Integer.toString(aIndex), "type", "veth",
                "peer", "name", bName, "index", Integer.toString(bIndex), "netns", b.name());
    }

    private static void configure(Netns ns, String dev, String v4, String v6) {
        ns.exec("ip", "addr", "add", v4, "dev", dev).orThrow();
        if (v6 != null) {
            // nodad: the address is usable at once instead of after duplicate address detection.
            ns.exec("ip", "-6", "addr", "add", v6, "dev", dev, "nodad").orThrow();
        }
        ns.exec("ip", "link", "set", dev, "up").orThrow();
    }

    /**
     * Waits until every veth end has carrier, so that no test loses its first packet (and waits a
     * second for the ARP/neighbour retry) to a link that is still coming up.
     */
    private void awaitCarrier() {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
        for (Netns ns : namespaces()) {
            while (true) {
                String links = ns.exec("ip", "-o", "link", "show", "up").orThrow().stdout();
                boolean allUp = links.lines().filter(l -> !l.contains("LOOPBACK"))
                        .allMatch(l -> l.contains("LOWER_UP") && !l.contains("NO-CARRIER") && l.contains("state UP"));
                if (allUp) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("links in " + ns.name() + " did not come up within 5 s: " + links);
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for links in " + ns.name(), e);
                }
            }
        }
    }

    private void applySysctls(Map<String, String> all, Map<String, String> clientOnly,
                              Map<String, String> routerOnly, Map<String, String> serverOnly) {
        for (Netns ns : namespaces()) {
            Map<String, String> s = new LinkedHashMap<>(all);
            if (clients.contains(ns)) {
                s.putAll(clientOnly);
            } else if (ns == router) {
                s.putAll(routerOnly);
            } else if (ns == server) {
                s.putAll(serverOnly);
            }
            ns.sysctl(s);
        }
    }

    static InetAddress addr(String literal) {
        return InetAddresses.forString(literal); // parses text only: never a name lookup
    }

    public Netns client() {
        return clients.get(0);
    }

    public Netns client(int i) {
        return clients.get(i);
    }

    public List<Netns> clients() {
        return clients;
    }

    public Netns server() {
        return server;
    }

    /** The NAT router; throws for a {@link #pair()} topology, which has none. */
    public Netns router() {
        if (router == null) {
            throw new IllegalStateException("a pair topology has no router; use Topology.nat(n)");
        }
        return router;
    }

    public InetAddress clientAddress(int i) {
        return clientAddrs.get(i);
    }

    public InetAddress clientAddress() {
        return clientAddress(0);
    }

    public InetAddress serverAddress() {
        return serverAddr;
    }

    public InetAddress clientAddress6(int i) {
        requireV6();
        return clientAddrs6.get(i);
    }

    public InetAddress clientAddress6() {
        return clientAddress6(0);
    }

    public InetAddress serverAddress6() {
        requireV6();
        return serverAddr6;
    }

    /** The router's address on the server side: the source the server sees for NATed clients. */
    public InetAddress routerWanAddress() {
        router();
        return routerWanAddr;
    }

    public InetAddress routerWanAddress6() {
        router();
        requireV6();
        return routerWanAddr6;
    }

    private void requireV6() {
        if (!ipv6) {
            throw new IllegalStateException("this topology has no IPv6 addresses; build it with .ipv6(true)");
        }
    }

    /** Every namespace: clients, then router (if any), then server. */
    public List<Netns> namespaces() {
        List<Netns> all = new ArrayList<>(clients);
        if (router != null) {
            all.add(router);
        }
        all.add(server);
        return all;
    }

    /** Deletes every namespace, even if deleting one fails; throws the first failure afterwards. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Netns ns : namespaces()) {
            try {
                ns.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
