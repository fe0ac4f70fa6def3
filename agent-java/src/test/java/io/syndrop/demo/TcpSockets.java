package io.syndrop.demo;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Lists a namespace's TCP sockets in one state with {@code ss -Htan state STATE}. */
public final class TcpSockets {
    /** One socket: its local and peer endpoints and queue sizes as ss prints them. */
    public record Entry(InetSocketAddress local, InetSocketAddress peer, long recvQ, long sendQ) {}

    private TcpSockets() {}

    /** Server-side (or any) sockets in TIME-WAIT inside {@code ns}. */
    public static List<Entry> timeWait(Netns ns) {
        return inState(ns, "time-wait");
    }

    /** Listening sockets; Recv-Q is the accept-queue length, Send-Q the backlog. */
    public static List<Entry> listening(Netns ns) {
        return inState(ns, "listening");
    }

    /** {@code state} is an ss state name: established, time-wait, syn-recv, listening, ... */
    public static List<Entry> inState(Netns ns, String state) {
        return parse(ns.exec("ss", "-Htan", "state", state).orThrow().stdout());
    }

    /** Parses ss lines: with a state filter ss leaves out the State column, so endpoints are found by their ':'. */
    static List<Entry> parse(String ssOutput) {
        List<Entry> out = new ArrayList<>();
        for (String line : ssOutput.split("\n")) {
            String[] tok = line.trim().split("\\s+");
            List<String> endpoints = new ArrayList<>();
            List<Long> numbers = new ArrayList<>();
            for (String t : tok) {
                if (t.contains(":")) {
                    endpoints.add(t);
                } else if (t.matches("\\d+")) {
                    numbers.add(Long.parseLong(t));
                }
            }
            if (endpoints.size() < 2 || numbers.size() < 2) {
                continue;
            }
            out.add(new Entry(endpoint(endpoints.get(0)), endpoint(endpoints.get(1)), numbers.get(0), numbers.get(1)));
        }
        return out;
    }

    private static InetSocketAddress endpoint(String s) {
        int colon = s.lastIndexOf(':');
        String host = s.substring(0, colon);
        String port = s.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int pct = host.indexOf('%'); // "fe80::1%eth0" or "0.0.0.0%lo"
        if (pct >= 0) {
            host = host.substring(0, pct);
        }
        if (host.equals("*")) {
            host = "::";
        }
        // Literal addresses only, so no name lookup; ::ffff:a.b.c.d becomes an Inet4Address.
        InetAddress a = Topology.addr(host);
        return new InetSocketAddress(a, port.equals("*") ? 0 : Integer.parseInt(port));
    }
}
