package io.syndrop.kafka;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one), run from
 * Maven Central's kafka_2.13 jars on the test class path as its own JVM on loopback. The log
 * directory is formatted once by {@link #start(Path, Security)}; {@link #kill()} is kill -9 and
 * {@link #restart()} brings the same broker back on the same log directory and ports. Test scope only: the product jar never holds it.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final Path logDir;
    private final Path config;
    private final int port;
    private final int controllerPort;
    private final int sslPort;
    private final int saslPort;
    private Process process;
    private int starts;

    /**
     * TLS and SASL listeners besides PLAINTEXT (which stays: inter-broker traffic and the test's
     * admin client use it). The broker's certificate chain, key (PKCS#8 PEM) and the CA (PEM) it
     * trusts for client certificates; the SSL listener requires a client certificate from that CA,
     * the SASL_SSL listener does not and takes SASL/PLAIN logins of {@code plainUsers} (name to password).
     * {@link #NONE}: PLAINTEXT only.
     */
    public record Security(Path certPem, Path keyPem, Path caPem, java.util.Map<String, String> plainUsers) {
        public static final Security NONE = new Security(null, null, null, java.util.Map.of());

        boolean enabled() {
            return certPem != null;
        }
    }

    private KafkaBroker(Path dir, Security sec) throws IOException {
        this.dir = dir;
        this.logDir = dir.resolve("log");
        this.config = dir.resolve("server.properties");
        this.port = freePort();
        this.controllerPort = freePort();
        this.sslPort = sec.enabled() ? freePort() : -1;
        this.saslPort = sec.enabled() ? freePort() : -1;
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        String listeners = "PLAINTEXT://127.0.0.1:" + port;
        String map = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
        if (sec.enabled()) {
            listeners += ",SSL://127.0.0.1:" + sslPort + ",SASL_SSL://127.0.0.1:" + saslPort;
            map += ",SSL:SSL,SASL_SSL:SASL_SSL";
            // PEM in the properties themselves (Kafka 2.7+): no JKS/PKCS12 files to make.
            p.setProperty("ssl.keystore.type", "PEM");
            p.setProperty("ssl.keystore.certificate.chain", Files.readString(sec.certPem()));
            p.setProperty("ssl.keystore.key", Files.readString(sec.keyPem()));
            p.setProperty("ssl.truststore.type", "PEM");
            p.setProperty("ssl.truststore.certificates", Files.readString(sec.caPem()));
            p.setProperty("listener.name.ssl.ssl.client.auth", "required");
            p.setProperty("listener.name.sasl_ssl.ssl.client.auth", "none");
            p.setProperty("sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            sec.plainUsers().forEach((u, pw) -> jaas.append(" user_").append(u).append("=\"").append(pw).append("\""));
            p.setProperty("listener.name.sasl_ssl.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        p.setProperty("listeners", listeners + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", listeners);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", map);
        p.setProperty("log.dirs", logDir.toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        Files.createDirectories(dir);
        try (var w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            p.store(w, "syndrop test broker");
        }
        String clusterId = runTool(List.of("kafka.tools.StorageTool", "random-uuid")).trim();
        runTool(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString()));
    }

    /**
     * Formats a new broker under {@code dir} and starts it: PLAINTEXT only with {@link Security#NONE},
     * with SSL and SASL_SSL listeners as well otherwise.
     */
    public static KafkaBroker start(Path dir, Security security) throws IOException, InterruptedException {
        KafkaBroker b = new KafkaBroker(dir, security);
        b.launch();
        return b;
    }

    /** The PLAINTEXT listener. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** The SSL listener (client certificate required). */
    public String sslBootstrap() {
        if (sslPort < 0) {
            throw new IllegalStateException("this broker was started without Security");
        }
        return "127.0.0.1:" + sslPort;
    }

    /** The SASL_SSL listener (SASL/PLAIN, no client certificate). */
    public String saslBootstrap() {
        if (saslPort < 0) {
            throw new IllegalStateException("this broker was started without Security");
        }
        return "127.0.0.1:" + saslPort;
    }

    /** The broker process's id, e.g. to read its CPU time from /proc. */
    public long pid() {
        return process.pid();
    }

    /** Starts the broker again (after {@link #kill()}) on its log directory and ports. */
    public void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is already running");
        }
        launch();
    }

    /** Runs the broker's JVM and waits until its ports answer. */
    private void launch() throws IOException, InterruptedException {
        starts++;
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath(), "kafka.Kafka",
                config.toString()));
        Path log = dir.resolve("broker-" + starts + ".log");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!answers(port) || (sslPort > 0 && !answers(sslPort)) || (saslPort > 0 && !answers(saslPort))) {
            if (!process.isAlive()) {
                throw new IOException("the Kafka broker exited with " + process.exitValue() + "; its output: " + tail(log));
            }
            if (System.nanoTime() > end) {
                throw new IOException("the Kafka broker did not open 127.0.0.1:" + port + " within 60 s; its output: " + tail(log));
            }
            Thread.sleep(100);
        }
    }

    /** kill -9. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public void createTopic(String name, int partitions) throws Exception {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            kill();
        }
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String runTool(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", classPath()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("Kafka's " + args + " failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        // The tool may log before it prints; its answer is the last line.
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The jars of the test class path (Maven's, with kafka_2.13 and its dependencies). */
    static String classPath() {
        String cp = System.getProperty("java.class.path", "");
        String jars = Stream.of(cp.split(File.pathSeparator)).filter(e -> e.endsWith(".jar")).collect(Collectors.joining(File.pathSeparator));
        if (!jars.contains("kafka_2.13")) {
            throw new AssertionError("kafka_2.13 is not on the test class path (" + cp + "): run the Kafka tests through Maven");
        }
        return jars;
    }

    private static String tail(Path log) {
        try {
            List<String> l = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
