package io.syndrop.demo;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * A crafted {@link Syn} as the kernel captures it: its IPv4 or IPv6 header followed by the TCP
 * header, what a DropEvent's packet_headers holds (tests of the pcapng writer build events from it).
 */
public final class SynPacket {
    private SynPacket() {}

    public static byte[] of(Syn syn, InetAddress source) {
        byte[] tcp = syn.encode(source);
        if (source instanceof Inet4Address) {
            ByteBuffer b = ByteBuffer.allocate(20 + tcp.length);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcp.length));
            b.putShort((short) 0x1234).putShort((short) 0x4000); // id, DF
            b.put((byte) 64).put((byte) 6).putShort((short) 0);
            b.put(source.getAddress()).put(syn.destination().getAddress());
            byte[] ip = b.array();
            int sum = ipChecksum(ip, 20);
            ip[10] = (byte) (sum >> 8);
            ip[11] = (byte) sum;
            System.arraycopy(tcp, 0, ip, 20, tcp.length);
            return ip;
        }
        ByteBuffer b = ByteBuffer.allocate(40 + tcp.length);
        b.putInt(0x60000000).putShort((short) tcp.length).put((byte) 6).put((byte) 64);
        b.put(source.getAddress()).put(syn.destination().getAddress()).put(tcp);
        return b.array();
    }

    private static int ipChecksum(byte[] h, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((h[i] & 0xff) << 8) | (h[i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
