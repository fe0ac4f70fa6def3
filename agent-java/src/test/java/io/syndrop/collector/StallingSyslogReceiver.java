package io.syndrop.collector;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A syslog-over-TCP receiver (RFC 6587 octet counting) that accepts every connection but reads
 * none until {@link #startReading()}, like a receiver whose disk or parser is stuck. Its small
 * receive buffer makes the sender's buffers fill after little data. Counts each record's
 * {@code externalId} (agent:boot:seq) so repeats are visible.
 */
final class StallingSyslogReceiver implements AutoCloseable {
    private static final Pattern EXTERNAL_ID = Pattern.compile("externalId=(\\S+)");
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> received = new ConcurrentHashMap<>();
    private final AtomicInteger frames = new AtomicInteger();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile boolean reading;

    StallingSyslogReceiver() throws IOException {
        server = new ServerSocket();
        server.setReceiveBufferSize(4096); // inherited by accepted sockets; set before bind so the window is small from the SYN on
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        Thread t = new Thread(this::acceptLoop, "stalling-syslog-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    int connections() {
        return accepted.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                synchronized (this) {
                    accepted.add(s);
                    if (reading) {
                        read(s);
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    /** From now on every connection, those already accepted included, is read to its end. */
    synchronized void startReading() {
        reading = true;
        for (Socket s : accepted) {
            read(s);
        }
    }

    private void read(Socket s) {
        Thread t = new Thread(() -> {
            try (InputStream in = new BufferedInputStream(s.getInputStream())) {
                while (true) {
                    int len = 0;
                    int c;
                    while ((c = in.read()) != ' ') {
                        if (c < 0) {
                            return;
                        }
                        if (c < '0' || c > '9') {
                            problems.add("frame length has byte " + c);
                            return;
                        }
                        len = len * 10 + (c - '0');
                    }
                    byte[] msg = in.readNBytes(len);
                    if (msg.length < len) {
                        problems.add("connection ended inside a frame of " + len + " bytes (sender gave the connection up)");
                        return;
                    }
                    frames.incrementAndGet();
                    Matcher m = EXTERNAL_ID.matcher(new String(msg, StandardCharsets.UTF_8));
                    if (m.find()) {
                        received.merge(m.group(1), 1, Integer::sum);
                    } else {
                        problems.add("message without externalId: " + new String(msg, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                problems.add("read failed: " + e);
            }
        }, "stalling-syslog-read");
        t.setDaemon(true);
        t.start();
    }

    /** externalId to how many times it arrived. */
    Map<String, Integer> received() {
        return received;
    }

    int frames() {
        return frames.get();
    }

    /** Frames cut off or malformed; a cut frame is expected only on connections the sender gave up. */
    List<String> problems() {
        return problems;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
    }
}
