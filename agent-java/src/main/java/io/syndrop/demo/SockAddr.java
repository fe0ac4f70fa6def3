package io.syndrop.demo;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Lays out struct sockaddr_in / sockaddr_in6 (x86-64 Linux) as bytes for {@link LibC}. */
final class SockAddr {
    static final int IN6_LEN = 28;

    private SockAddr() {}

    static byte[] of(InetAddress addr, int port) {
        if (addr instanceof Inet4Address) {
            ByteBuffer b = ByteBuffer.allocate(16);
            b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) LibC.AF_INET);
            b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(addr.getAddress());
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(IN6_LEN);
        b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) LibC.AF_INET6);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).putInt(0).put(addr.getAddress());
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(((Inet6Address) addr).getScopeId());
        return b.array();
    }

    /** The address part of a sockaddr filled in by recvfrom. */
    static InetAddress addressOf(byte[] sa) {
        int family = (sa[0] & 0xff) | (sa[1] & 0xff) << 8;
        try {
            if (family == LibC.AF_INET) {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(sa, 4, 8));
            }
            if (family == LibC.AF_INET6) {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(sa, 8, 24));
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException("unexpected socket address family " + family);
    }
}
