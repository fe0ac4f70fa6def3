// Issue 16 benchmark: agent -> gRPC -> collector and agent -> Kafka -> collector side by side,
// alternating, on this machine; a real KRaft broker as its own JVM. Not a test and not built by
// Maven: bench/kafka.sh compiles it against the shaded jar and the broker's jars.
//
// Each run: a collector (JSON sink, fsync per group) and an agent replaying N recorded events as
// fast as it can (--replay-rate 0, --exit-when-done), both as `java -jar syndrop.jar` processes.
// Timed from the agent's start to the sink holding N drop lines. Agent CPU: user+sys of the agent
// process from /usr/bin/time; collector and broker CPU: their CPU time over the run
// (ProcessHandle), all in CPU-seconds and as a share of the run's wall time.

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import io.syndrop.agent.EventStreamFile;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class KafkaBench {
    static Path jar;
    static Path work;
    static String brokerCp;

    public static void main(String[] args) throws Exception {
        jar = Path.of(args[0]);
        work = Path.of(args[1]);
        brokerCp = Files.readString(Path.of(args[2])).trim();
        long n = Long.parseLong(args[3]);
        int rounds = Integer.parseInt(args[4]);
        Path rec = work.resolve("events.pb");
        List<DropEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(DropEvent.newBuilder().setTimeUnixNano(1_790_000_000_000_000_000L + i * 1000L).setReason(Reason.SYN_QUEUE_FULL)
                    .setSrcAddr("10.1." + (i / 250 % 250) + "." + (i % 250 + 1)).setSrcPort(30000 + i % 30000)
                    .setDstAddr("10.0.0.1").setDstPort(8080).setTsval(i).setNetnsIno(4026531840L).build());
        }
        EventStreamFile.write(rec, events);
        Process broker = startBroker();
        try {
            for (int r = 1; r <= rounds; r++) {
                List<String> order = r % 2 == 1 ? List.of("grpc", "kafka") : List.of("kafka", "grpc");
                for (String t : order) {
                    System.out.println(run(t, r, rec, n, broker));
                }
            }
        } finally {
            broker.destroyForcibly();
            broker.waitFor(20, TimeUnit.SECONDS);
        }
    }

    static int brokerPort;

    static Process startBroker() throws Exception {
        brokerPort = freePort();
        int ctl = freePort();
        Path dir = work.resolve("broker");
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + ctl);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + ctl);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("log").toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "true");
        p.setProperty("num.partitions", "1");
        Path cfg = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(cfg)) {
            p.store(w, null);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process id = new ProcessBuilder(java, "-cp", brokerCp, "kafka.tools.StorageTool", "random-uuid").redirectErrorStream(true).start();
        String[] lines = new String(id.getInputStream().readAllBytes()).strip().split("\n");
        id.waitFor();
        Process fmt = new ProcessBuilder(java, "-cp", brokerCp, "kafka.tools.StorageTool", "format", "-t", lines[lines.length - 1], "-c", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (fmt.waitFor() != 0) {
            throw new IOException("format failed: " + Files.readString(dir.resolve("format.log")));
        }
        Process b = new ProcessBuilder(java, "-Xmx512m", "-cp", brokerCp, "kafka.Kafka", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!answers(brokerPort)) {
            if (!b.isAlive() || System.nanoTime() > end) {
                throw new IOException("broker did not start: " + Files.readString(dir.resolve("broker.log")));
            }
            Thread.sleep(100);
        }
        return b;
    }

    static String run(String transport, int round, Path rec, long n, Process broker) throws Exception {
        Path d = work.resolve(transport + "-" + round);
        Files.createDirectories(d);
        Path sink = d.resolve("events.json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String topic = "bench-" + round;
        int port = freePort();
        List<String> collect = new ArrayList<>(List.of(java, "-jar", jar.toString(), "collect", "--sink", "json:" + sink,
                "--dedupe-dir", d.resolve("dedupe").toString()));
        List<String> agent = new ArrayList<>(List.of("/usr/bin/time", "-f", "agent-cpu %U %S", java, "-jar", jar.toString(), "agent",
                "--agent-id", "bench", "--spool-dir", d.resolve("spool").toString(), "--replay", rec.toString(), "--replay-rate", "0",
                "--exit-when-done"));
        if (transport.equals("grpc")) {
            collect.addAll(List.of("--listen", "127.0.0.1:" + port, "--insecure"));
            agent.addAll(List.of("--collector", "127.0.0.1:" + port, "--insecure"));
        } else {
            String b = "127.0.0.1:" + brokerPort;
            collect.addAll(List.of("--kafka", b, "--topic", topic, "--group", "bench-" + round));
            agent.addAll(List.of("--kafka", b, "--topic", topic));
        }
        if (transport.equals("kafka")) {
            // Created up front: an auto-created topic stalls the first sends for seconds, which
            // would time the topic's creation rather than the transport.
            Properties ap = new Properties();
            ap.setProperty("bootstrap.servers", "127.0.0.1:" + brokerPort);
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(ap)) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
        }
        Process c = new ProcessBuilder(collect).redirectErrorStream(true).redirectOutput(d.resolve("collector.log").toFile()).start();
        awaitLog(d.resolve("collector.log"), transport.equals("grpc") ? "listening on port" : "consuming", c);
        if (transport.equals("kafka")) {
            Thread.sleep(3000); // the group's first assignment
        }
        double brokerCpu0 = cpu(broker);
        double collectorCpu0 = cpu(c);
        long t0 = System.nanoTime();
        Process a = new ProcessBuilder(agent).redirectErrorStream(true).redirectOutput(d.resolve("agent.log").toFile()).start();
        long lines = 0;
        long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
        LineCounter counter = new LineCounter(sink);
        long lastGrowth = System.nanoTime();
        long t1 = lastGrowth;
        // Done when all N are in the sink, or the agent exited (all acknowledged) and the sink stopped
        // growing: then the replay outran the agent's queue and the rest are in loss records.
        while (System.nanoTime() < deadline) {
            long now = counter.count();
            if (now != lines) {
                lines = now;
                lastGrowth = System.nanoTime();
                t1 = lastGrowth;
            }
            if (lines >= n || (!a.isAlive() && System.nanoTime() - lastGrowth > TimeUnit.SECONDS.toNanos(3))) {
                break;
            }
            Thread.sleep(50);
        }
        double brokerCpu = cpu(broker) - brokerCpu0;
        double collectorCpu = cpu(c) - collectorCpu0;
        a.waitFor(60, TimeUnit.SECONDS);
        c.destroy();
        c.waitFor(10, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("agent-cpu ([0-9.]+) ([0-9.]+)").matcher(Files.readString(d.resolve("agent.log")));
        double agentCpu = m.find() ? Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2)) : Double.NaN;
        double secs = (t1 - t0) / 1e9;
        return String.format("{\"transport\":\"%s\",\"round\":%d,\"events\":%d,\"delivered\":%d,\"seconds\":%.2f,\"events_per_s\":%.0f,"
                        + "\"agent_cpu_s\":%.2f,\"collector_cpu_s\":%.2f,\"broker_cpu_s\":%s,\"agent_cpu_us_per_event\":%.2f}",
                transport, round, n, lines, secs, lines / secs, agentCpu, collectorCpu,
                transport.equals("kafka") ? String.format("%.2f", brokerCpu) : String.format("%.2f", brokerCpu), agentCpu / lines * 1e6);
    }

    static double cpu(Process p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
    }

    /**
     * Counts drop lines in a growing file by reading only what was appended since the last call
     * (a full re-read every poll would cost the machine more than the collector does).
     */
    static final class LineCounter {
        final Path file;
        long offset;
        long lines;
        boolean atLineStart = true;
        int matched; // bytes of PREFIX matched at the current line start
        static final byte[] PREFIX = "{\"type\":\"drop\"".getBytes(StandardCharsets.UTF_8);

        LineCounter(Path file) {
            this.file = file;
        }

        long count() throws IOException {
            if (!Files.exists(file)) {
                return 0;
            }
            try (var ch = java.nio.channels.FileChannel.open(file)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20);
                int r;
                while ((r = ch.read(b, offset)) > 0) {
                    offset += r;
                    b.flip();
                    while (b.hasRemaining()) {
                        byte c = b.get();
                        if (c == '\n') {
                            atLineStart = true;
                            matched = 0;
                        } else if (atLineStart) {
                            if (c == PREFIX[matched]) {
                                if (++matched == PREFIX.length) {
                                    lines++;
                                    atLineStart = false;
                                }
                            } else {
                                atLineStart = false;
                            }
                        }
                    }
                    b.clear();
                }
            }
            return lines;
        }
    }

    static void awaitLog(Path log, String text, Process p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (!p.isAlive() || System.nanoTime() > end) {
                throw new IOException("no '" + text + "' in " + log + ": " + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(50);
        }
    }

    static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
