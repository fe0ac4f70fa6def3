package io.syndrop.counters;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A real accept-queue overflow on loopback: a listener with backlog 1 that never accepts, and a
 * burst of connects. The kernel drops SYNs (or final ACKs) for it and counts ListenOverflows.
 */
public final class LoopbackOverflow implements AutoCloseable {
    private final ServerSocket server;
    private final List<SocketChannel> clients = new ArrayList<>();

    public LoopbackOverflow() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Starts {@code n} non-blocking connects; the ones beyond the queue overflow it. */
    public void burst(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()));
            clients.add(c);
        }
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
        server.close();
    }
}
