package io.syndrop.sink;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bytes of a connected TCP socket that the peer has not acknowledged yet, read from the kernel's
 * socket table ({@code tx_queue} in /proc/net/tcp6 and /proc/net/tcp, which for a connected socket
 * is {@code write_seq - snd_una}). Java has no API for it, and it is what tells "our kernel holds
 * it" from "the receiver's kernel holds it": only the second survives a route that black-holes.
 */
final class TcpSendQueue {
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    private static final Path TCP = Path.of("/proc/net/tcp");

    private TcpSendQueue() {}

    /** Unacknowledged bytes, or -1 when the socket is in neither table (closed, or /proc not mounted). */
    static long unacked(Socket s) throws IOException {
        InetAddress local = s.getLocalAddress();
        InetAddress remote = s.getInetAddress();
        if (remote == null) {
            return -1;
        }
        String l = hex(local, s.getLocalPort(), true);
        String r = hex(remote, s.getPort(), true);
        long q = find(TCP6, l, r);
        if (q < 0 && local instanceof Inet4Address && remote instanceof Inet4Address) {
            q = find(TCP, hex(local, s.getLocalPort(), false), hex(remote, s.getPort(), false));
        }
        return q;
    }

    private static long find(Path table, String local, String remote) throws IOException {
        if (!Files.isReadable(table)) {
            return -1;
        }
        try (BufferedReader in = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
            in.readLine(); // header
            for (String line; (line = in.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length >= 5 && f[1].equalsIgnoreCase(local) && f[2].equalsIgnoreCase(remote)) {
                    return Long.parseLong(f[4].substring(0, f[4].indexOf(':')), 16);
                }
            }
        }
        return -1;
    }

    /**
     * The kernel prints an address as 32-bit words in host (little-endian) order, each as %08X,
     * then ':' and the port as %04X. An IPv4 peer of a dual-stack socket appears in tcp6 as
     * ::ffff:a.b.c.d.
     */
    static String hex(InetAddress a, int port, boolean table6) {
        byte[] b = a.getAddress();
        if (b.length == 4 && table6) {
            byte[] m = new byte[16];
            m[10] = (byte) 0xff;
            m[11] = (byte) 0xff;
            System.arraycopy(b, 0, m, 12, 4);
            b = m;
        }
        StringBuilder sb = new StringBuilder(b.length * 2 + 5);
        for (int w = 0; w < b.length; w += 4) {
            for (int i = 3; i >= 0; i--) {
                sb.append(String.format("%02X", b[w + i] & 0xff));
            }
        }
        return sb.append(String.format(":%04X", port)).toString();
    }
}
