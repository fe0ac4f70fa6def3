package io.syndrop.collector.sink;

import io.syndrop.proto.v1.WatchItem;
import java.io.BufferedOutputStream;
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

/**
 * Syslog (RFC 5424) with a CEF body. TCP and TLS (RFC 5425) frame messages with RFC 6587 octet
 * counting ({@code LEN SP MSG}); UDP (RFC 5426) sends one datagram per message. Flush means
 * "written to the socket": syslog has no acknowledgement, so a failure is retried as a whole group
 * after reconnecting (at least once).
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
    private Socket socket;
    private OutputStream out;
    private DatagramSocket udp;

    public SyslogSink(Transport transport, String host, int port, Path ca, Path cert, Path key) throws IOException {
        this.transport = transport;
        this.host = host;
        this.port = port;
        this.tls = transport == Transport.TLS ? sslContext(ca, cert, key) : null;
    }

    @Override
    public String name() {
        return "syslog+" + transport.name().toLowerCase() + "://" + host + ":" + port;
    }

    /** One RFC 5424 message (without framing). */
    public static String message(WatchItem item) {
        int severity = item.hasEvent() ? 4 : item.hasLoss() ? 4 : 6; // warning, warning, informational
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
    public void write(List<WatchItem> items) throws IOException {
        try {
            if (transport == Transport.UDP) {
                if (udp == null) {
                    udp = new DatagramSocket();
                    udp.connect(new InetSocketAddress(host, port));
                }
                for (WatchItem i : items) {
                    byte[] m = message(i).getBytes(StandardCharsets.UTF_8);
                    udp.send(new DatagramPacket(m, Math.min(m.length, UDP_MAX)));
                }
                return;
            }
            if (socket == null) {
                connect();
            }
            ByteArrayOutputStream buf = new ByteArrayOutputStream(items.size() * 400);
            for (WatchItem i : items) {
                byte[] m = message(i).getBytes(StandardCharsets.UTF_8);
                buf.write(Integer.toString(m.length).getBytes(StandardCharsets.US_ASCII));
                buf.write(' ');
                buf.write(m);
            }
            buf.writeTo(out);
        } catch (IOException e) {
            disconnect();
            throw new IOException(name() + ": " + e.getMessage(), e);
        }
    }

    private void connect() throws IOException {
        Socket s = tls == null ? new Socket() : tls.getSocketFactory().createSocket();
        try {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            if (s instanceof SSLSocket ssl) {
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
                ssl.startHandshake();
            }
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        out = new BufferedOutputStream(s.getOutputStream(), 64 << 10);
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

    @Override
    public void flush() throws IOException {
        if (out == null) {
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            disconnect();
            throw new IOException(name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            flush();
        } catch (IOException ignored) {
            // closing anyway
        }
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
