package io.syndrop.demo;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener that never accepts, with a tiny backlog: once its accept queue holds backlog + 1
 * connections (the kernel's "full" is {@code sk_ack_backlog > sk_max_ack_backlog}), further
 * SYNs are dropped (TcpExt: ListenOverflows and ListenDrops). For accept-queue overflow tests.
 */
public final class TinyBacklogListener implements AutoCloseable {
    private final ServerSocketChannel channel;
    private final int backlog;

    private TinyBacklogListener(ServerSocketChannel channel, int backlog) {
        this.channel = channel;
        this.backlog = backlog;
    }

    /**
     * Listens in {@code ns} on {@code address}:{@code port} (0 = any) with listen(fd, backlog).
     * The namespace's net.core.somaxconn caps the backlog.
     */
    public static TinyBacklogListener open(Netns ns, InetAddress address, int port, int backlog) throws Exception {
        if (backlog < 1) {
            // Java turns a backlog below 1 into its default of 50, which would hide the overflow.
            throw new IllegalArgumentException("backlog must be at least 1 (Java replaces smaller values with 50), got " + backlog);
        }
        ServerSocketChannel ch = ns.call(() -> {
            ServerSocketChannel c = ServerSocketChannel.open(
                    address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            c.bind(new InetSocketAddress(address, port), backlog);
            return c;
        });
        return new TinyBacklogListener(ch, backlog);
    }

    public int port() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException("listener is closed", e);
        }
    }

    public int backlog() {
        return backlog;
    }

    /** Starts n non-blocking connects from {@code client} to this listener; the caller closes them. */
    public List<SocketChannel> connectMany(Netns client, InetAddress address, int n) throws Exception {
        int port = port();
        return client.call(() -> {
            List<SocketChannel> cs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.connect(new InetSocketAddress(address, port));
                cs.add(ch);
            }
            return cs;
        });
    }

    /** Accepts one queued connection and closes it, making room for one more. */
    public void acceptOne() throws IOException {
        channel.accept().close();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
