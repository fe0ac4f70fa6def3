package io.syndrop.demo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The IP and TCP headers of a captured segment (DropEvent.packet_headers), parsed independently of
 * the BPF side, so tests can hold the event's fields to the bytes the kernel had.
 */
public record SegmentHeaders(int ipVersion, InetAddress source, InetAddress destination, int sourcePort,
                      int destinationPort, long seq, long ack, int flags, int window, int mss, int wscale,
                      long tsval, long tsecr) {

    public static SegmentHeaders parse(byte[] pkt) throws UnknownHostException {
        if (pkt.length < 40) {
            throw new AssertionError("too short for IP + TCP headers: " + pkt.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(pkt);
        int version = (pkt[0] & 0xff) >> 4;
        int th;
        InetAddress src;
        InetAddress dst;
        if (version == 4) {
            th = (pkt[0] & 0x0f) * 4;
            if (pkt[9] != 6) {
                throw new AssertionError("IPv4 protocol " + pkt[9] + ", not TCP");
            }
            src = InetAddress.getByAddress(Arrays.copyOfRange(pkt, 12, 16));
            dst = InetAddress.getByAddress(Arrays.copyOfRange(pkt, 16, 20));
        } else if (version == 6) {
            th = 40;
            if (pkt[6] != 6) {
                throw new AssertionError("IPv6 next header " + pkt[6] + ", not TCP");
            }
            src = InetAddress.getByAddress(Arrays.copyOfRange(pkt, 8, 24));
            dst = InetAddress.getByAddress(Arrays.copyOfRange(pkt, 24, 40));
        } else {
            throw new AssertionError("IP version " + version);
        }
        int doff = ((pkt[th + 12] & 0xff) >> 4) * 4;
        if (th + doff > pkt.length) {
            throw new AssertionError("TCP header of " + doff + " bytes at " + th + " past the capture of " + pkt.length);
        }
        int mss = 0;
        int wscale = -1;
        long tsval = 0;
        long tsecr = 0;
        for (int i = th + 20; i < th + doff; ) {
            int kind = pkt[i] & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            int len = pkt[i + 1] & 0xff;
            if (kind == 2) {
                mss = b.getShort(i + 2) & 0xffff;
            } else if (kind == 3) {
                wscale = pkt[i + 2] & 0xff;
            } else if (kind == 8) {
                tsval = b.getInt(i + 2) & 0xffffffffL;
                tsecr = b.getInt(i + 6) & 0xffffffffL;
            }
            i += Math.max(len, 2);
        }
        return new SegmentHeaders(version, src, dst, b.getShort(th) & 0xffff, b.getShort(th + 2) & 0xffff,
                b.getInt(th + 4) & 0xffffffffL, b.getInt(th + 8) & 0xffffffffL, pkt[th + 13] & 0xff,
                b.getShort(th + 14) & 0xffff, mss, wscale, tsval, tsecr);
    }
}
