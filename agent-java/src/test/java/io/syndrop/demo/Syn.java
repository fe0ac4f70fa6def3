package io.syndrop.demo;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * A TCP SYN to craft: who it goes to, from which port, with which sequence number and timestamp
 * option. Options are laid out as Linux sends them: MSS, SACK-permitted, timestamps, NOP, window
 * scale. {@code tsVal < 0} leaves out the timestamp option.
 */
public record Syn(InetAddress destination, int destinationPort, int sourcePort, long seq,
                  long tsVal, long tsEcr, int window, boolean corruptChecksum) {

    /** A SYN with timestamps (TSval {@code tsVal}, TSecr 0), window 64240. */
    public static Syn to(InetAddress destination, int destinationPort, int sourcePort, long seq, long tsVal) {
        return new Syn(destination, destinationPort, sourcePort, seq, tsVal, 0, 64240, false);
    }

    public Syn withoutTimestamp() {
        return new Syn(destination, destinationPort, sourcePort, seq, -1, 0, window, corruptChecksum);
    }

    public Syn withTsEcr(long ecr) {
        return new Syn(destination, destinationPort, sourcePort, seq, tsVal, ecr, window, corruptChecksum);
    }

    /** A deliberately wrong checksum: the receiver must drop it (Tcp: InCsumErrors). */
    public Syn withCorruptChecksum() {
        return new Syn(destination, destinationPort, sourcePort, seq, tsVal, tsEcr, window, true);
    }

    /** The TCP segment (header and options, no IP header) with its checksum filled in. */
    byte[] encode(InetAddress source) {
        if ((source instanceof Inet4Address) != (destination instanceof Inet4Address)) {
            throw new IllegalArgumentException("source " + source + " and destination " + destination + " differ in family");
        }
        boolean ts = tsVal >= 0;
        int optLen = 4 + 2 + (ts ? 10 : 2) + 4; // MSS, SACK-perm, TS or 2 NOPs, NOP + wscale
        ByteBuffer b = ByteBuffer.allocate(20 + optLen);
        b.putShort((short) sourcePort).putShort((short) destinationPort);
        b.putInt((int) seq).putInt(0);
        b.put((byte) (((20 + optLen) / 4) << 4)).put((byte) TcpSegment.SYN);
        b.putShort((short) window).putShort((short) 0).putShort((short) 0);
        b.put((byte) 2).put((byte) 4).putShort((short) 1460);
        b.put((byte) 4).put((byte) 2);
        if (ts) {
            b.put((byte) 8).put((byte) 10).putInt((int) tsVal).putInt((int) tsEcr);
        } else {
            b.put((byte) 1).put((byte) 1);
        }
        b.put((byte) 1).put((byte) 3).put((byte) 3).put((byte) 7);
        byte[] seg = b.array();
        int sum = checksum(source, destination, seg);
        if (corruptChecksum) {
            sum ^= 0x5a5a;
        }
        seg[16] = (byte) (sum >> 8);
        seg[17] = (byte) sum;
        return seg;
    }

    /** RFC 793 / RFC 8200 checksum over the pseudo-header and the segment. */
    static int checksum(InetAddress src, InetAddress dst, byte[] segment) {
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        long sum = 0;
        sum += sum16(s) + sum16(d);
        sum += LibC.IPPROTO_TCP;
        sum += segment.length & 0xffff;
        sum += (segment.length >>> 16) & 0xffff; // IPv6 pseudo-header has a 32-bit length
        sum += sum16(segment);
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static long sum16(byte[] b) {
        long sum = 0;
        for (int i = 0; i + 1 < b.length; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (b.length % 2 == 1) {
            sum += (b[b.length - 1] & 0xff) << 8;
        }
        return sum;
    }
}
