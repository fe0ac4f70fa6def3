package io.syndrop.demo;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * A received TCP segment, decoded just enough for handshake tests. {@code tsVal}/{@code tsEcr}
 * are -1 when the segment carries no timestamp option. {@code destination} is null when the
 * socket did not see the IP header (IPv6 raw sockets deliver only the TCP part).
 */
public record TcpSegment(InetAddress source, InetAddress destination, int sourcePort, int destinationPort,
                         long seq, long ack, int flags, int window, long tsVal, long tsEcr) {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    public boolean is(int flagBits) {
        return (flags & flagBits) == flagBits;
    }

    public boolean isSynAck() {
        return is(SYN | ACK);
    }

    public boolean hasTimestamp() {
        return tsVal >= 0;
    }

    /** Decodes a TCP header (with options) starting at {@code off}. */
    static TcpSegment parse(InetAddress src, InetAddress dst, byte[] b, int off, int len) {
        if (len < 20) {
            throw new IllegalArgumentException("TCP segment shorter than 20 bytes: " + len);
        }
        ByteBuffer bb = ByteBuffer.wrap(b, off, len);
        int sport = bb.getShort(off) & 0xffff;
        int dport = bb.getShort(off + 2) & 0xffff;
        long seq = bb.getInt(off + 4) & 0xffffffffL;
        long ack = bb.getInt(off + 8) & 0xffffffffL;
        int dataOff = ((b[off + 12] & 0xff) >> 4) * 4;
        int flags = b[off + 13] & 0xff;
        int window = bb.getShort(off + 14) & 0xffff;
        long tsVal = -1;
        long tsEcr = -1;
        int end = off + Math.min(dataOff, len);
        for (int i = off + 20; i < end; ) {
            int kind = b[i] & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                break;
            }
            int optLen = b[i + 1] & 0xff;
            if (optLen < 2 || i + optLen > end) {
                break;
            }
            if (kind == 8 && optLen == 10) {
                tsVal = bb.getInt(i + 2) & 0xffffffffL;
                tsEcr = bb.getInt(i + 6) & 0xffffffffL;
            }
            i += optLen;
        }
        return new TcpSegment(src, dst, sport, dport, seq, ack, flags, window, tsVal, tsEcr);
    }

    /** Decodes an IPv4 packet (header included, as IPv4 raw sockets deliver it); null if not TCP. */
    static TcpSegment parseIpv4(byte[] b, int len) {
        if (len < 20 || (b[0] & 0xf0) != 0x40 || (b[9] & 0xff) != LibC.IPPROTO_TCP) {
            return null;
        }
        int ihl = (b[0] & 0x0f) * 4;
        try {
            InetAddress src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16));
            InetAddress dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 16, 20));
            return parse(src, dst, b, ihl, len - ihl);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        StringBuilder f = new StringBuilder();
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                f.append(f.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        return source.getHostAddress() + ":" + sourcePort + " > " + (destination == null ? "?" : destination.getHostAddress())
                + ":" + destinationPort + " [" + f + "] seq " + seq + " ack " + ack + " win " + window
                + (hasTimestamp() ? " TS val " + tsVal + " ecr " + tsEcr : "");
    }
}
