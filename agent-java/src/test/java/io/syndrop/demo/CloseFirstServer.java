package io.syndrop.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;

/**
 * A server that closes every accepted connection at once, so the server side sends the first
 * FIN and its socket ends in TIME-WAIT (for 60 s). A later SYN on the same 4-tuple with a TSval
 * older than the one the TIME-WAIT socket cached is PAWS-rejected: the NAT + timestamps drop.
 */
public final class CloseFirstServer implements AutoCloseable {
    /** A server-side TIME-WAIT socket and the last TSval the client sent on that connection. */
    public record TimeWaitConnection(InetSocketAddress client, InetSocketAddress server, long lastClientTsVal) {}

    private final Netns ns;
    private final ServerSocket listener;
    private final Future<?> loop;

    private CloseFirstServer(Netns ns, ServerSocket listener) {
        this.ns = ns;
        this.listener = listener;
        this.loop = ns.start(this::acceptAndCloseForever);
    }

    /** Listens in {@code ns} on {@code address}, port 0 = any free port. */
    public static CloseFirstServer start(Netns ns, InetAddress address, int port) throws Exception {
        ServerSocket ss = ns.call(() -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, port), 50);
            return s;
        });
        return new CloseFirstServer(ns, ss);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void acceptAndCloseForever() {
        while (!listener.isClosed()) {
            try {
                listener.accept().close();
            } catch (IOException e) {
                return; // listener closed
            }
        }
    }

    /**
     * Connects from {@code clientNs} ({@code clientAddress}:{@code clientPort}, 0 = any port), lets
     * the server close first, closes the client after the server's FIN, and waits until the
     * server namespace shows the TIME-WAIT socket. While doing so it watches the server side
     * with a raw socket to learn the client's last TSval (-1 if the client sent no timestamps),
     * which a test needs to craft an "older" SYN.
     */
    public TimeWaitConnection connectAndLeaveTimeWait(Netns clientNs, InetAddress clientAddress, int clientPort) throws Exception {
        InetAddress serverAddress = address().getAddress();
        try (SynCrafter sniffer = SynCrafter.open(ns, serverAddress)) {
            int localPort = clientNs.call(() -> {
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress(clientAddress, clientPort));
                    s.connect(new InetSocketAddress(serverAddress, port()), 3000);
                    s.setSoTimeout(3000);
                    InputStream in = s.getInputStream();
                    if (in.read() != -1) {
                        throw new IOException("close-first server sent data instead of closing");
                    }
                    return s.getLocalPort();
                }
            });
            InetSocketAddress client = new InetSocketAddress(clientAddress, localPort);
            Entry4 tuple = new Entry4(client, new InetSocketAddress(serverAddress, port()));
            waitForTimeWait(tuple);
            long lastTs = -1;
            // Every segment of the connection is already queued on the sniffer; take the client's last TSval.
            Optional<TcpSegment> seg;
            while ((seg = sniffer.awaitSegment(clientAddress, localPort, port(), Duration.ofMillis(150), s -> true)).isPresent()) {
                if (seg.get().hasTimestamp()) {
                    lastTs = seg.get().tsVal();
                }
            }
            return new TimeWaitConnection(client, tuple.server, lastTs);
        }
    }

    private record Entry4(InetSocketAddress client, InetSocketAddress server) {}

    private void waitForTimeWait(Entry4 t) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            List<TcpSockets.Entry> tw = TcpSockets.timeWait(ns);
            if (tw.stream().anyMatch(e -> e.local().equals(t.server) && e.peer().equals(t.client))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no server-side TIME-WAIT socket for " + t.client + " -> " + t.server
                + " in " + ns.name() + "; TIME-WAIT sockets: " + TcpSockets.timeWait(ns));
    }

    @Override
    public void close() throws IOException {
        listener.close();
        loop.cancel(true);
    }
}
