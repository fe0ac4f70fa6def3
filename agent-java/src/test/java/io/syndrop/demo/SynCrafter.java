package io.syndrop.demo;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Sends hand-made TCP SYNs through a raw socket (socket(AF_INET[6], SOCK_RAW, IPPROTO_TCP)) and
 * reads the replies from the same socket, which gets a copy of every TCP segment the namespace
 * receives. The kernel writes the IP header; {@link Syn} computes the TCP checksum, which is why
 * the socket is bound to the source address. The namespace's own TCP stack still answers the
 * SYN-ACK with a RST (it knows no such connection); tests that mind can drop outgoing RSTs with
 * iptables in the client namespace ({@link #dropOutgoingRsts}).
 *
 * <p>Open it on a thread inside the sending namespace ({@link #open(Netns, InetAddress)} does);
 * afterwards any thread may use it.
 */
public final class SynCrafter implements AutoCloseable {
    private static final int SO_RCVTIMEO_MS = 100;

    private final InetAddress source;
    private final int fd;
    private final boolean v4;
    private boolean closed;

    private SynCrafter(InetAddress source, int fd) {
        this.source = source;
        this.fd = fd;
        this.v4 = source instanceof Inet4Address;
    }

    /** Opens a crafter in {@code ns} sending from {@code source}, an address of that namespace. */
    public static SynCrafter open(Netns ns, InetAddress source) throws Exception {
        return ns.call(() -> open(source));
    }

    /** Opens a crafter in the calling thread's namespace. Needs CAP_NET_RAW. */
    public static SynCrafter open(InetAddress source) throws IOException {
        boolean v4 = source instanceof Inet4Address;
        int fd;
        try {
            fd = LibC.INSTANCE.socket(v4 ? LibC.AF_INET : LibC.AF_INET6, LibC.SOCK_RAW, LibC.IPPROTO_TCP);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a raw TCP socket (errno " + e.getErrorCode() + "); the test bed needs root/CAP_NET_RAW", e);
        }
        try {
            byte[] sa = SockAddr.of(source, 0);
            LibC.INSTANCE.bind(fd, sa, sa.length);
            byte[] tv = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(0).putLong(SO_RCVTIMEO_MS * 1000L).array(); // struct timeval
            LibC.INSTANCE.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, tv.length);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot bind a raw socket to " + source.getHostAddress()
                    + " (errno " + e.getErrorCode() + "); is it an address of this namespace?", e);
        }
        return new SynCrafter(source, fd);
    }

    public InetAddress source() {
        return source;
    }

    /** Sends one SYN. */
    public void send(Syn syn) throws IOException {
        byte[] seg = syn.encode(source);
        // For raw sockets the port field is the protocol (IPv6) or ignored (IPv4): leave it 0.
        byte[] dst = SockAddr.of(syn.destination(), 0);
        try {
            long n = LibC.INSTANCE.sendto(fd, seg, seg.length, 0, dst, dst.length);
            if (n != seg.length) {
                throw new IOException("raw sendto wrote " + n + " of " + seg.length + " bytes");
            }
        } catch (LastErrorException e) {
            throw new IOException("raw sendto " + syn.destination().getHostAddress() + " failed (errno " + e.getErrorCode() + ")", e);
        }
    }

    /**
     * Waits for the first received segment from {@code syn}'s destination to its source port
     * that matches {@code want}; empty when none came within {@code timeout}.
     */
    public Optional<TcpSegment> awaitReply(Syn syn, Duration timeout, Predicate<TcpSegment> want) throws IOException {
        return awaitSegment(syn.destination(), syn.destinationPort(), syn.sourcePort(), timeout, want);
    }

    /**
     * Waits for the first received segment from {@code from}:{@code fromPort} to local port
     * {@code toPort} that matches {@code want}. Also usable as a sniffer of a namespace's
     * incoming TCP (every segment to the bound address is copied to the raw socket).
     */
    public Optional<TcpSegment> awaitSegment(InetAddress from, int fromPort, int toPort, Duration timeout,
                                             Predicate<TcpSegment> want) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[65536];
        byte[] peer = new byte[SockAddr.IN6_LEN];
        int[] fromLen = new int[1];
        while (System.nanoTime() < deadline) {
            fromLen[0] = peer.length;
            long n;
            try {
                n = LibC.INSTANCE.recvfrom(fd, buf, buf.length, 0, peer, fromLen);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EAGAIN || e.getErrorCode() == LibC.EINTR) {
                    continue; // SO_RCVTIMEO tick: look at the deadline again
                }
                throw new IOException("raw recvfrom failed (errno " + e.getErrorCode() + ")", e);
            }
            TcpSegment seg = v4 ? TcpSegment.parseIpv4(buf, (int) n)
                    : n >= 20 ? TcpSegment.parse(SockAddr.addressOf(peer), null, buf, 0, (int) n) : null;
            if (seg != null && seg.source().equals(from) && seg.sourcePort() == fromPort
                    && seg.destinationPort() == toPort && want.test(seg)) {
                return Optional.of(seg);
            }
        }
        return Optional.empty();
    }

    /** Sends {@code syn} and returns the SYN-ACK it got; throws if none came within {@code timeout}. */
    public TcpSegment sendAndAwaitSynAck(Syn syn, Duration timeout) throws IOException {
        send(syn);
        return awaitReply(syn, timeout, TcpSegment::isSynAck).orElseThrow(() -> new IOException(
                "no SYN-ACK from " + syn.destination().getHostAddress() + ":" + syn.destinationPort() + " to port "
                        + syn.sourcePort() + " within " + timeout + " (is something listening? timestamps enabled?)"));
    }

    /**
     * Adds an iptables rule in {@code ns} that drops the RSTs its own stack sends in answer to
     * replies for crafted SYNs, so the remote side keeps its state. Goes with the namespace.
     */
    public static void dropOutgoingRsts(Netns ns) {
        for (String tool : new String[] {"iptables", "ip6tables"}) {
            ns.exec(tool, "-w", "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "RST", "RST", "-j", "DROP").orThrow();
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
