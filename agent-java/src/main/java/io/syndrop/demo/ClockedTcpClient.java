package io.syndrop.demo;

import com.sun.jna.LastErrorException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import io.syndrop.os.Libc;

/**
 * A TCP client whose timestamp clock (TSval) runs at an offset of its own, as a second host's
 * would. On kernels before 4.10 every socket of one kernel stamps with the same clock (jiffies),
 * so several "hosts" in namespaces of one kernel cannot differ the way real ones behind a NAT do;
 * TCP_REPAIR lets a socket set its TCP_TIMESTAMP before connect(), and those kernels keep that
 * offset for the connection. Needs CAP_NET_ADMIN; call it on a thread inside the client's
 * namespace ({@link Netns#call}).
 */
public final class ClockedTcpClient {
    /** One connection attempt: the socket's TSval clock read before connect() and before close. */
    public record Attempt(boolean connected, String error, int localPort, long millis, long tsClockBefore,
                          long tsClockAfter) {}

    private ClockedTcpClient() {}

    /**
     * Connects from {@code local:localPort} (0: any port) with the TSval clock moved by
     * {@code tsOffset} ticks, waits for the server to close first (it reads until EOF), then closes.
     * A refused or timed-out connect comes back as {@code connected() == false}.
     */
    public static Attempt connectAndAwaitClose(InetAddress local, int localPort, InetSocketAddress server,
                                               long tsOffset, Duration timeout) {
        Libc c = Libc.INSTANCE;
        int fd = c.socket(Libc.AF_INET, Libc.SOCK_STREAM, 0);
        try {
            byte[] sa = SockAddr.of(local, localPort);
            c.bind(fd, sa, sa.length);
            long clock = tsClock(fd);
            if (tsOffset != 0) {
                setInt(fd, Libc.IPPROTO_TCP, Libc.TCP_REPAIR, 1);
                setInt(fd, Libc.IPPROTO_TCP, Libc.TCP_TIMESTAMP, (int) (clock + tsOffset));
                setInt(fd, Libc.IPPROTO_TCP, Libc.TCP_REPAIR, 0);
                clock = tsClock(fd);
            }
            // connect() and recv() give up after SO_SNDTIMEO / SO_RCVTIMEO.
            byte[] tv = timeval(timeout);
            c.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, tv, tv.length);
            c.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, tv.length);
            int port = localPort;
            long start = System.nanoTime();
            byte[] to = SockAddr.of(server.getAddress(), server.getPort());
            try {
                c.connect(fd, to, to.length);
            } catch (LastErrorException e) {
                long ms = (System.nanoTime() - start) / 1_000_000;
                String why = e.getErrorCode() == Libc.EINPROGRESS ? "timed out" : "errno " + e.getErrorCode();
                return new Attempt(false, why, port, ms, clock, tsClock(fd));
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            byte[] buf = new byte[256];
            try {
                while (c.recv(fd, buf, buf.length, 0) > 0) {
                    // the server sends nothing we need: only its FIN matters
                }
            } catch (LastErrorException e) {
                return new Attempt(true, "no FIN from the server: errno " + e.getErrorCode(), port, ms, clock, tsClock(fd));
            }
            return new Attempt(true, null, port, ms, clock, tsClock(fd));
        } finally {
            c.close(fd);
        }
    }

    /** The TSval this socket would send now (getsockopt TCP_TIMESTAMP), as an unsigned 32-bit value. */
    private static long tsClock(int fd) {
        byte[] v = new byte[4];
        int[] len = {4};
        Libc.INSTANCE.getsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_TIMESTAMP, v, len);
        return Integer.toUnsignedLong(ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    private static void setInt(int fd, int level, int opt, int value) {
        byte[] v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
        Libc.INSTANCE.setsockopt(fd, level, opt, v, 4);
    }

    private static byte[] timeval(Duration d) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(d.toSeconds()).putLong(d.toMillisPart() * 1000L).array();
    }
}
