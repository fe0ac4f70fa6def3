package io.syndrop.sink;

import io.syndrop.proto.v1.WatchItem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import io.syndrop.format.Cef;

/**
 * Syslog (RFC 5424) with a CEF body. TCP and TLS (RFC 5425) frame messages with RFC 6587 octet
 * counting ({@code LEN SP MSG}); UDP (RFC 5426) sends one datagram per message.
 *
 * <p>Syslog has no acknowledgement, so over TCP and TLS flush returns once the receiver's TCP has
 * acknowledged every byte (the socket's send queue is empty): what sits only in our own send
 * buffer would be lost when a black-holed connection is given up. A write or that wait making no
 * progress for the timeout closes the connection ({@link SinkStalledException}); the collector
 * retries the whole group on a new connection (at least once; {@code externalId} tells repeats).
 */
public final class SyslogSink implements Sink {
    private static final Logger LOG = Logger.getLogger(SyslogSink.class.getName());
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final int FACILITY_LOCAL0 = 16;
    /** Keeps datagrams under the common 64 KiB limit; longer messages are cut (RFC 5426 allows truncation). */
    private static final int UDP_MAX = 65_000;

    public enum Transport { TCP, TLS, UDP }

    private final Transport transport;
    private final String host;
    private final int port;
    private final SSLContext tls;
    /** The plain TCP connection; for TLS the SSL socket is layered on it. Closing it unblocks any write. */
    private volatile Socket socket;
    private volatile OutputStream out;
    private DatagramSocket udp;
    private final Duration timeout;
    private static final int CHUNK = 64 << 10;
    private boolean sendQueueUnknownLogged;

    /** @param timeout how long a write, or the wait for the receiver's acknowledgement, may make no progress */
    public SyslogSink(Transport transport, String host, int port, Path ca, Path cert, Path key, Duration timeout) throws IOException {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("syslog sink timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
        this.transport = transport;
        this.host = host;
        this.port = port;
        this.tls = transport == Transport.TLS ? sslContext(ca, cert, key) : null;
    }

    @Override
    public String name() {
        return "syslog+" + transport.name().toLowerCase() + "://" + host + ":" + port;
    }

    Duration timeout() {
        return timeout;
    }

    /** One RFC 5424 message (without framing). */
    public static String message(WatchItem item) {
        int severity = item.hasEvent() || item.hasLoss() || item.hasSummary() ? 4 : 6; // warning, else informational
        long t;
        String node;
        String msgid;
        if (item.hasEvent()) {
            t = item.getEvent().getTimeUnixNano();
            node = item.getEvent().getNode();
            msgid = "drop";
        } else if (item.hasLoss()) {
            t = item.getLoss().getTimeUnixNano();
            node = item.getLoss().getNode();
            msgid = "loss";
        } else if (item.hasSummary()) {
            t = item.getSummary().getTimeUnixNano();
            node = item.getSummary().getNode();
            msgid = "summary";
        } else {
            t = item.getCounters().getTimeUnixNano();
            node = item.getCounters().getNode();
            msgid = "counters";
        }
        String ts = t == 0 ? "-" : TS.format(Instant.ofEpochSecond(t / 1_000_000_000L, t % 1_000_000_000L));
        return "<" + (FACILITY_LOCAL0 * 8 + severity) + ">1 " + ts + " " + hostField(node) + " syndrop - " + msgid + " - " + Cef.format(item);
    }

    /** RFC 5424 HOSTNAME: printable US-ASCII without spaces, at most 255, "-" when unknown. */
    static String hostField(String node) {
        if (node == null || node.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (char c : node.toCharArray()) {
            sb.append(c > 32 && c < 127 ? c : '_');
        }
        return sb.length() > 255 ? sb.substring(0, 255) : sb.toString();
    }

    @Override
    public void prepare() throws IOException {
        if (transport == Transport.UDP) {
            if (udp == null) {
                DatagramSocket d = new DatagramSocket();
                d.connect(new InetSocketAddress(host, port));
                udp = d;
            }
        } else if (socket == null) {
            try {
                connect();
            } catch (IOException e) {
                throw new IOException(name() + ": cannot connect (" + e.getMessage() + "); is a receiver listening on " + host + ":" + port
                        + ", and is the route to it open?", e);
            }
        }
    }

    @Override
    public void write(List<WatchItem> items) throws IOException {
        prepare();
        if (transport == Transport.UDP) {
            try {
                for (WatchItem i : items) {
                    byte[] m = message(i).getBytes(StandardCharsets.UTF_8);
                    udp.send(new DatagramPacket(m, Math.min(m.length, UDP_MAX)));
                }
            } catch (IOException e) {
                throw new IOException(name() + ": " + e.getMessage(), e);
            }
            return;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(items.size() * 400);
        for (WatchItem i : items) {
            byte[] m = message(i).getBytes(StandardCharsets.UTF_8);
            buf.write(Integer.toString(m.length).getBytes(StandardCharsets.US_ASCII));
            buf.write(' ');
            buf.write(m);
        }
        byte[] bytes = buf.toByteArray();
        try (StallWatchdog w = StallWatchdog.arm(socket, timeout)) {
            try {
                for (int off = 0; off < bytes.length; off += CHUNK) {
                    out.write(bytes, off, Math.min(CHUNK, bytes.length - off));
                    w.progress();
                }
                out.flush();
            } catch (IOException e) {
                disconnect();
                if (w.fired()) {
                    throw stalled("no progress writing");
                }
                throw new IOException(name() + ": " + e.getMessage(), e);
            }
        }
    }

    private SinkStalledException stalled(String doing) {
        return new SinkStalledException(name() + ": " + doing + " for " + timeout.toMillis()
                + " ms; is the receiver reading, and is the route to " + host + ":" + port + " up? (connection closed, retrying)");
    }

    private void connect() throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            plain.setTcpNoDelay(true);
            plain.setKeepAlive(true);
            OutputStream o = plain.getOutputStream();
            if (tls != null) {
                // Layered on the plain socket so the watchdog can close that one: closing an
                // SSLSocket tries to send close_notify and can wait behind the blocked writer.
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
                plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                ssl.startHandshake();
                plain.setSoTimeout(0);
                o = ssl.getOutputStream();
            }
            out = o;
        } catch (IOException e) {
            plain.close();
            throw e;
        }
        socket = plain;
        LOG.info("connected to " + name());
    }

    private void disconnect() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing a broken socket
        }
        socket = null;
        out = null;
    }

    /** Waits until the receiver's TCP has acknowledged everything written, or the wait stops moving for the timeout. */
    @Override
    public void flush() throws IOException {
        if (socket == null) {
            return;
        }
        Socket s = socket;
        long last = Long.MAX_VALUE;
        long stuckSince = System.nanoTime();
        long pauseMs = 1;
        while (true) {
            long q;
            try {
                q = TcpSendQueue.unacked(s);
            } catch (IOException e) {
                q = -1;
            }
            if (q < 0) {
                if (s.isClosed() || !s.isConnected()) {
                    disconnect();
                    throw new IOException(name() + ": connection closed before the receiver acknowledged the data");
                }
                if (!sendQueueUnknownLogged) {
                    sendQueueUnknownLogged = true;
                    LOG.warning(name() + ": cannot see the connection's send queue in /proc/net/tcp6 or /proc/net/tcp;"
                            + " records count as delivered once written, so a route that black-holes can lose what is buffered");
                }
                return;
            }
            if (q == 0) {
                return;
            }
            long now = System.nanoTime();
            if (q < last) {
                last = q;
                stuckSince = now;
                pauseMs = 1;
            } else if (now - stuckSince >= timeout.toNanos()) {
                disconnect();
                throw stalled("the receiver's TCP acknowledged none of the last " + q + " bytes");
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(name() + ": interrupted waiting for the receiver's acknowledgement", e);
            }
            pauseMs = Math.min(10, pauseMs * 2); // the ack usually comes within a delayed-ACK time (tens of ms): do not overshoot it by much
        }
    }

    @Override
    public void close() {
        disconnect();
        if (udp != null) {
            udp.close();
        }
    }

    private static SSLContext sslContext(Path ca, Path cert, Path key) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (ca == null) {
                tmf.init((KeyStore) null);
            } else {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                int i = 0;
                try (InputStream in = Files.newInputStream(ca)) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca" + i++, c);
                    }
                }
                tmf.init(ks);
            }
            KeyManagerFactory kmf = null;
            if (cert != null && key != null) {
                Collection<? extends Certificate> chain;
                try (InputStream in = Files.newInputStream(cert)) {
                    chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
                }
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                ks.setKeyEntry("client", pkcs8(key), new char[0], chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
            } else if (cert != null || key != null) {
                throw new IOException("syslog+tls: a client certificate needs both cert= and key=");
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("syslog+tls: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** A PEM "PRIVATE KEY" (PKCS#8, RSA or EC), as `openssl genpkey` writes it. */
    private static PrivateKey pkcs8(Path key) throws IOException, GeneralSecurityException {
        String pem = Files.readString(key);
        int b = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int e = pem.indexOf("-----END PRIVATE KEY-----");
        if (b < 0 || e < 0) {
            throw new IOException(key + ": expected a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert with `openssl pkcs8 -topk8 -nocrypt`");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + 27, e));
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new IOException(key + ": unsupported private key algorithm");
    }
}
