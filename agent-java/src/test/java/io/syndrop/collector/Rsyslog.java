package io.syndrop.collector;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real rsyslogd (Debian package rsyslog, rsyslog-gnutls for TLS) run in the foreground by a test
 * on loopback ports, writing what it parses to a file, one line per message:
 * {@code VERSION|HOSTNAME|APP-NAME|PROCID|MSGID|MSG}.
 */
final class Rsyslog implements AutoCloseable {
    final int tcpPort;
    final int udpPort;
    final Path out;
    private final Process process;
    private final Path dir;

    private Rsyslog(Process p, Path dir, int tcpPort, int udpPort, Path out) {
        this.process = p;
        this.dir = dir;
        this.tcpPort = tcpPort;
        this.udpPort = udpPort;
        this.out = out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** @param tls null for plain TCP (+UDP), else {ca, cert, key} for a gtls listener (anonymous client auth) */
    static Rsyslog start(Path dir, Path[] tls) throws Exception {
        return start(dir, tls, "127.0.0.1", null);
    }

    /**
     * @param address where rsyslogd listens (an address inside {@code netns} when given)
     * @param netns null for this namespace, else the network namespace rsyslogd runs in
     */
    static Rsyslog start(Path dir, Path[] tls, String address, io.syndrop.demo.Netns netns) throws Exception {
        Path bin = Path.of("/usr/sbin/rsyslogd");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("rsyslogd not found: install the Debian package rsyslog (scripts/install-deps.sh --test)");
        }
        if (tls != null && !Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"))) {
            throw new IllegalStateException("rsyslog's gtls driver not found: install the Debian package rsyslog-gnutls (scripts/install-deps.sh --test)");
        }
        Files.createDirectories(dir.resolve("work"));
        int tcp = freePort();
        int udp = tls == null ? freePort() : -1;
        Path out = dir.resolve("received.log");
        StringBuilder conf = new StringBuilder();
        conf.append("global(workDirectory=\"").append(dir.resolve("work")).append("\" maxMessageSize=\"64k\"");
        if (tls != null) {
            conf.append(" defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"").append(tls[0])
                    .append("\" defaultNetstreamDriverCertFile=\"").append(tls[1])
                    .append("\" defaultNetstreamDriverKeyFile=\"").append(tls[2]).append("\"");
        }
        conf.append(")\n");
        conf.append("template(name=\"fields\" type=\"string\" string=\"%protocol-version%|%hostname%|%app-name%|%procid%|%msgid%|%msg%\\n\")\n");
        if (tls != null) {
            conf.append("module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")\n");
        } else {
            conf.append("module(load=\"imtcp\")\nmodule(load=\"imudp\")\n");
            conf.append("input(type=\"imudp\" address=\"").append(address).append("\" port=\"").append(udp).append("\" rcvbufSize=\"8m\" ruleset=\"udp\")\n");
        }
        conf.append("input(type=\"imtcp\" address=\"").append(address).append("\" port=\"").append(tcp).append("\" ruleset=\"tcp\")\n");
        conf.append("ruleset(name=\"tcp\") { action(type=\"omfile\" file=\"").append(out).append("\" template=\"fields\") }\n");
        conf.append("ruleset(name=\"udp\") { action(type=\"omfile\" file=\"").append(dir.resolve("received-udp.log")).append("\" template=\"fields\") }\n");
        Path cf = dir.resolve("rsyslog.conf");
        Files.writeString(cf, conf);
        List<String> cmd = new java.util.ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns.name()));
        }
        cmd.addAll(List.of(bin.toString(), "-n", "-f", cf.toString(), "-i", dir.resolve("rsyslog.pid").toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("rsyslogd.out").toFile()).start();
        Rsyslog r = new Rsyslog(p, dir, tcp, udp, out);
        long end = System.currentTimeMillis() + 15_000;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(com.google.common.net.InetAddresses.forString(address), tcp), 200);
                break;
            } catch (IOException e) {
                if (!p.isAlive() || System.currentTimeMillis() > end) {
                    r.close();
                    throw new IllegalStateException("rsyslogd did not start listening on " + tcp + ":\n" + Files.readString(dir.resolve("rsyslogd.out")) + "\nconfig:\n" + conf);
                }
                Thread.sleep(50);
            }
        }
        Thread.sleep(200); // the UDP input comes up with the same configuration pass
        return r;
    }

    /** SIGSTOP: rsyslogd stops reading (its kernel still accepts connections and fills their buffers). */
    void pause() throws Exception {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    void resume() throws Exception {
        signal("-CONT");
    }

    private void signal(String sig) throws Exception {
        Process k = new ProcessBuilder("kill", sig, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IllegalStateException("kill " + sig + " " + process.pid() + " failed: " + new String(k.getInputStream().readAllBytes()));
        }
    }

    Path udpOut() {
        return dir.resolve("received-udp.log");
    }

    static List<String> lines(Path f) throws IOException {
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    String diagnostics() throws IOException {
        Path o = dir.resolve("rsyslogd.out");
        return Files.exists(o) ? Files.readString(o) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
