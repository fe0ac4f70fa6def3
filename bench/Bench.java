// Benchmark driver for bench/run.sh; single-file source launch against the shaded jar:
//   java -cp agent-java/target/syndrop.jar bench/Bench.java MODE ...
// Modes (each prints one JSON object on stdout, diagnostics on stderr):
//   pipeline EVENTS [json|json-encoded|null-sink]
//                                      recorded kernel records -> agent pipeline -> spool -> gRPC -> collector -> JSON file;
//                                      json (default): the object path (EventDecoder -> DropEvent, the collector parses
//                                      each event and formats the message); json-encoded: the byte path (EventWireEncoder
//                                      -> EncodedEvents, the JSON sink writes from the event's bytes, format/WireJson);
//                                      null-sink: the object path into a sink that writes nothing
//   kernel NETNS_INO SECONDS -- CMD... kernel (tracepoint mode, this netns only) -> agent -> collector -> JSON file
//                                      while CMD (the load, prints sent=N) runs; latency drop -> sink write
// Not a test and not built by Maven: it uses only the jar's public classes.

import io.syndrop.collector.CollectorServer;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sink;
import io.syndrop.sink.SinkRecords;
import io.syndrop.event.EncodedEvents;
import io.syndrop.event.EventWireEncoder;
import io.syndrop.event.EventDecoder;
import io.syndrop.filter.EventFilter;
import io.syndrop.event.EventLayout;
import io.syndrop.metrics.Metrics;
import io.syndrop.probe.AttachMode;
import io.syndrop.probe.DropListener;
import io.syndrop.probe.KernelReasonNames;
import io.syndrop.probe.LiveProbe;
import io.syndrop.probe.ProbeSession;
import io.syndrop.probe.ShimOptions;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.agent.EventPipeline;
import io.syndrop.wire.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

public class Bench {
    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        switch (args.length == 0 ? "" : args[0]) {
            case "pipeline" -> pipeline(Long.parseLong(args[1]), args.length > 2 ? args[2] : "json");
            case "kernel" -> kernel(Long.parseLong(args[1]), Double.parseDouble(args[2]),
                    Arrays.asList(args).subList(Arrays.asList(args).indexOf("--") + 1, args.length));
            default -> {
                System.err.println("usage: Bench pipeline EVENTS [json|json-encoded|null-sink] | kernel NETNS_INO SECONDS -- CMD...");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    /** The JSON sink, timing each drop from its kernel time to the moment the sink wrote it. */
    static final class TimedSink implements Sink {
        final JsonFileSink inner;
        final AtomicLong drops = new AtomicLong();
        final AtomicLong lossRecords = new AtomicLong();
        final AtomicLong lostReported = new AtomicLong();
        volatile long lastDropWriteNanos; // System.nanoTime of the last write holding a drop
        long[] latUs = new long[1 << 16];
        int nLat;
        // Drops from the kernel after this wall-clock time also count in the steady-state figures:
        // the first second of a run is a fresh JVM compiling the hot path.
        volatile long steadyFromUnixNano = Long.MAX_VALUE;
        long[] steadyUs = new long[1 << 16];
        int nSteady;

        TimedSink(Path file, boolean encoded) throws IOException {
            this.encoded = encoded;
            // null: no JSON at all, to see what the JSON formatting costs (the pipeline ceiling's hot spot)
            inner = file == null ? null : new JsonFileSink(file, System.out, false, 0, null);
        }

        public String name() { return inner == null ? "null" : inner.name(); }

        public synchronized void write(List<WatchItem> items) throws IOException {
            if (inner != null) inner.write(items);
            Instant now = Instant.now();
            long nowNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            for (WatchItem it : items) {
                if (it.hasEvent()) {
                    lastDropWriteNanos = System.nanoTime();
                    drops.incrementAndGet();
                    if (nLat == latUs.length) latUs = Arrays.copyOf(latUs, nLat * 2);
                    long us = (nowNs - it.getEvent().getTimeUnixNano()) / 1000;
                    latUs[nLat++] = us;
                    if (it.getEvent().getTimeUnixNano() >= steadyFromUnixNano) {
                        if (nSteady == steadyUs.length) steadyUs = Arrays.copyOf(steadyUs, nSteady * 2);
                        steadyUs[nSteady++] = us;
                    }
                } else if (it.hasLoss()) {
                    lossRecords.incrementAndGet();
                    lostReported.addAndGet(it.getLoss().getCount());
                }
            }
        }

        public void flush() throws IOException { if (inner != null) inner.flush(); }
        public String checkpoint() { return inner == null ? "" : inner.checkpoint(); }
        public void recover(String c) throws IOException { if (inner != null) inner.recover(c); }
        public void close() throws IOException { if (inner != null) inner.close(); }

        /**
         * The byte path (pipeline json-encoded): the JSON sink writes events from their bytes, and
         * drops are counted without parsing them (no latencies: the pipeline mode reports none).
         */
        final boolean encoded;

        public boolean takesBytes() { return encoded; }

        public synchronized void write(SinkRecords records) throws IOException {
            if (!encoded) {
                write(records.items()); // the object path: every event parsed and formatted as a message
                return;
            }
            if (inner != null) inner.write(records);
            long d = 0;
            for (int i = 0, n = records.size(); i < n; i++) {
                if (records.encoded(i)) {
                    d++;
                } else if (records.item(i).hasEvent()) {
                    d++;
                } else if (records.item(i).hasLoss()) {
                    lossRecords.incrementAndGet();
                    lostReported.addAndGet(records.item(i).getLoss().getCount());
                }
            }
            if (d > 0) {
                lastDropWriteNanos = System.nanoTime();
                drops.addAndGet(d);
            }
        }

        /** Forgets the latencies recorded so far (after a warm-up). */
        synchronized void reset() {
            nLat = 0;
            nSteady = 0;
        }

        synchronized String latencyJson() {
            return percentiles("lat", latUs, nLat) + "," + percentiles("steady_lat", steadyUs, nSteady);
        }

        static String percentiles(String prefix, long[] us, int n) {
            long[] l = Arrays.copyOf(us, n);
            Arrays.sort(l);
            if (l.length == 0) return "\"" + prefix + "_n\":0";
            return String.format("\"%s_n\":%d,\"%s_p50_us\":%d,\"%s_p99_us\":%d,\"%s_max_us\":%d", prefix, l.length,
                    prefix, l[l.length / 2], prefix, l[(int) Math.min(l.length - 1, Math.ceil(l.length * 0.99) - 1)], prefix, l[l.length - 1]);
        }
    }

    record Rig(Path dir, Metrics agentMetrics, Metrics collectorMetrics, TimedSink sink, CollectorServer collector, Agent agent)
            implements AutoCloseable {
        static Rig start(String tag, boolean nullSink) throws Exception {
            return start(tag, nullSink, false);
        }

        /** @param encoded the sink takes drop events as bytes (pipeline json-encoded) */
        static Rig start(String tag, boolean nullSink, boolean encoded) throws Exception {
            Path dir = Files.createTempDirectory("syndrop-bench-" + tag);
            Metrics cm = new Metrics();
            TimedSink sink = new TimedSink(nullSink ? null : dir.resolve("events.json"), encoded);
            CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true,
                    null, null, null, null, 0, null, 0), List.of(sink), cm);
            Metrics am = new Metrics();
            Agent a = new Agent(agentConfig(dir, c.port()), am);
            return new Rig(dir, am, cm, sink, c, a);
        }

        long acked() { return agentMetrics.value("syndrop_agent_acknowledged_total"); }

        public void close() throws Exception {
            agent.close();
            collector.close();
            try (var s = Files.walk(dir)) {
                s.sorted((x, y) -> y.compareTo(x)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The product's defaults (syndrop agent), except the spool lives in a temp dir (-Dbench.window/-Dbench.batchMax for experiments). */
    static Agent.Config agentConfig(Path dir, int port) {
        return new Agent.Config("bench", "bench", new CollectorChannel(new HostPort("127.0.0.1", port), true, null, null, null, null),
                dir.resolve("spool"), 256L << 20, true, Agent.DEFAULT_QUEUE_MAX,
                Integer.getInteger("bench.batchMax", Agent.DEFAULT_BATCH_MAX), Agent.DEFAULT_BATCH_LINGER,
                Integer.getInteger("bench.window", Agent.DEFAULT_WINDOW), null);
    }

    static long wallNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Kernel records (bpf/syndrop.h layout) as the ring buffer would hold them: NO_SOCKET drops from 200 sources. */
    static ByteBuffer recordedRing(int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * EventLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            int off = i * EventLayout.SIZE;
            b.putLong(off + EventLayout.NETNS_INO, 4026532177L);
            b.put(off + EventLayout.SADDR, (byte) 192).put(off + EventLayout.SADDR + 1, (byte) 0)
                    .put(off + EventLayout.SADDR + 2, (byte) 2).put(off + EventLayout.SADDR + 3, (byte) (1 + i % 200));
            b.put(off + EventLayout.DADDR, (byte) 198).put(off + EventLayout.DADDR + 1, (byte) 51)
                    .put(off + EventLayout.DADDR + 2, (byte) 100).put(off + EventLayout.DADDR + 3, (byte) 2);
            b.putShort(off + EventLayout.SPORT, (short) (20000 + i % 40000));
            b.putShort(off + EventLayout.DPORT, (short) 8080);
            b.put(off + EventLayout.REASON, (byte) Reason.KERNEL_REASON_VALUE);
            b.put(off + EventLayout.PROBE, (byte) 3); // tracepoint
            b.put(off + EventLayout.FLAGS, (byte) EventLayout.F_HAS_TS);
            b.putInt(off + EventLayout.TSVAL, 1_000_000 + i);
            b.putInt(off + EventLayout.KERNEL_REASON, 3);
        }
        return b;
    }

    /**
     * Pipeline ceiling: recorded kernel records go through the drain's decoder (EventDecoder, 512 at a
     * time as DrainLoop takes them from the shim) into EventPipeline -> spool -> gRPC -> collector ->
     * sink. Each record is stamped with the current monotonic time as the kernel would, and the feed
     * is paced on the queue depth so that none is refused (this measures throughput, not loss).
     * With json-encoded the same records take the byte path: the drain's EventWireEncoder writes each
     * 512 as one EncodedEvents chunk (EventPipeline.offerEncoded), and the JSON sink formats events
     * from their bytes; the rig (spool, gRPC, collector, file) is the same.
     */
    static void pipeline(long n, String sinkMode) throws Exception {
        if (!List.of("json", "json-encoded", "null-sink").contains(sinkMode)) {
            throw new IllegalArgumentException("pipeline sink: json, json-encoded or null-sink, not " + sinkMode);
        }
        boolean nullSink = sinkMode.equals("null-sink");
        boolean encoded = sinkMode.equals("json-encoded");
        ByteBuffer ring = recordedRing(RING_RECORDS);
        try (Rig rig = Rig.start("pipeline", nullSink, encoded)) {
            EventPipeline p = rig.agent.pipeline();
            EventDecoder decoder = new EventDecoder("bench", p.agentId(), p.boot(), new KernelReasonNames());
            EventWireEncoder encoder = encoded ? new EventWireEncoder(decoder) : null;
            // Warm-up: the same load first, so the figure is the steady state of a running agent and
            // collector, not a fresh JVM's compiler: C2 takes ~40% of the CPU in the first seconds and
            // keeps compiling for ~15 s of this load.
            long warmUntil = System.nanoTime() + Long.getLong("bench.warmupSeconds", 15) * 1_000_000_000L;
            long warm = 0;
            long[] seq = {0};
            long refused = 0;
            while (warm < n / 2 || System.nanoTime() < warmUntil) {
                refused += feed(rig, p, decoder, encoder, ring, n / 4, seq);
                warm += n / 4;
            }
            awaitAcked(rig, warm);
            long base = rig.sink.drops.get();
            Map<String, Long> cpu0 = threadTicks(false), sys0 = threadTicks(true);
            long start = System.nanoTime();
            refused += feed(rig, p, decoder, encoder, ring, n, seq);
            awaitAcked(rig, warm + n);
            double sec = (System.nanoTime() - start) / 1e9;
            Map<String, Long> cpu1 = threadTicks(false), sys1 = threadTicks(true);
            long delivered = rig.sink.drops.get() - base;
            System.out.printf("{\"sink\":\"%s\",\"events\":%d,\"warmup_events\":%d,\"delivered\":%d,\"acked\":%d,\"refused\":%d,\"seconds\":%.3f,\"events_per_s\":%.0f,%s}%n",
                    sinkMode, n, warm, delivered, rig.acked() - warm, refused, sec, delivered / sec,
                    cpuJson(cpu0, cpu1, delivered) + "," + kernelJson(sys0, sys1));
        }
    }

    /**
     * CPU ticks (utime + stime, or stime alone with {@code kernelOnly}) of this process's threads by
     * name, digits folded ("grpc-nio-worker-ELG-N-N").
     */
    static Map<String, Long> threadTicks(boolean kernelOnly) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, (kernelOnly ? 0 : Long.parseLong(f[11])) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between list and read
                }
            }
        }
        return out;
    }

    /** Of that, the kernel's part (system time) by thread: file writes, fsync, sockets, futexes. */
    static String kernelJson(Map<String, Long> before, Map<String, Long> after) {
        return secondsByThread("kernel_s_by_thread", grew(before, after));
    }

    /** The threads whose ticks grew, by how much, largest first. */
    static List<Map.Entry<String, Long>> grew(Map<String, Long> before, Map<String, Long> after) {
        List<Map.Entry<String, Long>> d = new ArrayList<>();
        for (var e : after.entrySet()) {
            long v = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (v > 0) d.add(Map.entry(e.getKey(), v));
        }
        d.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
        return d;
    }

    /** {@code "name":{"thread":seconds,...}} (clock ticks are 10 ms). */
    static String secondsByThread(String name, List<Map.Entry<String, Long>> ticks) {
        StringBuilder sb = new StringBuilder("\"").append(name).append("\":{");
        for (int i = 0; i < ticks.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(ticks.get(i).getKey()).append("\":").append(String.format("%.2f", ticks.get(i).getValue() / 100.0));
        }
        return sb.append('}').toString();
    }

    /** Where the timed phase's CPU went, by thread (clock ticks are 10 ms), and per delivered event. */
    static String cpuJson(Map<String, Long> before, Map<String, Long> after, long events) {
        List<Map.Entry<String, Long>> d = grew(before, after);
        long total = d.stream().mapToLong(Map.Entry::getValue).sum();
        return secondsByThread("cpu_s_by_thread", d) + ",\"cpu_s_total\":" + String.format("%.2f", total / 100.0)
                + ",\"cpu_us_per_event\":" + String.format("%.2f", events == 0 ? 0 : total * 10_000.0 / events);
    }

    static final int CHUNK = 512;
    /** Records offered to the pipeline so far, and how many of them may be unacknowledged at once. */
    static long offered;
    static final long MAX_IN_FLIGHT = 500_000;
    static final int RING_RECORDS = 64 * CHUNK;

    /**
     * Offers n records, CHUNK at a time as the drain does, pacing on the queue depth; returns how many
     * were refused. With an encoder, as the drain's byte path: each CHUNK one EncodedEvents, no seq.
     */
    static long feed(Rig rig, EventPipeline p, EventDecoder decoder, EventWireEncoder encoder, ByteBuffer ring, long n, long[] seq) {
        long refused = 0;
        for (long i = 0; i < n; ) {
            // Pace on what is not yet acknowledged too, not only on the queue: the spool (256 MiB)
            // otherwise fills behind a slower collector and drops, and the run waits out its timeout.
            while (rig.agentMetrics.value("syndrop_agent_queue_depth") > 60_000 || offered - rig.acked() > MAX_IN_FLIGHT) {
                LockSupport.parkNanos(50_000);
            }
            int base = (int) (i % RING_RECORDS);
            int m = (int) Math.min(CHUNK, Math.min(n - i, RING_RECORDS - base));
            long now = System.nanoTime();
            if (encoder != null) {
                EncodedEvents chunk = encoder.newChunk(m);
                for (int k = 0; k < m; k++) {
                    int off = (base + k) * EventLayout.SIZE;
                    ring.putLong(off + EventLayout.KTIME_NS, now);
                    encoder.encode(ring, off, chunk);
                }
                if (!p.offerEncoded(chunk)) refused += m;
                i += m;
                offered += m;
                continue;
            }
            for (int k = 0; k < m; k++) {
                int off = (base + k) * EventLayout.SIZE;
                ring.putLong(off + EventLayout.KTIME_NS, now);
                if (!p.offer(decoder.decode(ring, off, ++seq[0]))) refused++;
            }
            i += m;
            offered += m;
        }
        return refused;
    }

    static void awaitAcked(Rig rig, long n) throws InterruptedException {
        long t0 = System.nanoTime();
        while (rig.acked() < n && System.nanoTime() - t0 < 120_000_000_000L) {
            Thread.sleep(2);
        }
    }

    static LiveProbe attach(long netnsIno, EventPipeline p, AtomicLong seq) throws Exception {
        ShimOptions o = new ShimOptions();
        o.ringbufBytes = 4 << 20;
        o.netnsIno = netnsIno; // only the benchmark's namespace: other drops on this shared machine stay out
        ProbeSession s = ProbeSession.open(AttachMode.TRACEPOINT, o);
        return LiveProbe.start(s, EventFilter.ALL, new DropListener() {
            public void onEvent(DropEvent e) { p.offer(e); }
            public void onLoss(LossRecord l) { p.offerLoss(l); }
        }, "bench", "bench", p.boot(), seq);
    }

    /** Kernel -> sink under a load command; reconciles generated, delivered and reported losses. */
    static void kernel(long netnsIno, double seconds, List<String> cmd) throws Exception {
        try (Rig rig = Rig.start("kernel", false)) {
            EventPipeline p = rig.agent.pipeline();
            LiveProbe probe = attach(netnsIno, p, new AtomicLong());
            // Optional warm-up (-Dbench.warmup=RATE,SECONDS): the same load command with its last two
            // arguments (synflood's RATE SECONDS) replaced, run first and left out of every figure, so a
            // long-running agent is measured, not a JVM compiling its hot path.
            String warm = System.getProperty("bench.warmup", "");
            if (!warm.isBlank()) {
                List<String> w = new ArrayList<>(cmd.subList(0, cmd.size() - 2));
                w.addAll(Arrays.asList(warm.trim().split("[\\s,]+")));
                runLoad(w, Double.parseDouble(w.get(w.size() - 1)));
                settle(rig);
                rig.sink.reset();
            }
            long drops0 = rig.sink.drops.get(), reported0 = rig.sink.lostReported.get();
            long kernelLost0 = rig.agentMetrics.value("syndrop_agent_kernel_lost_total");
            long drained0 = rig.agentMetrics.value("syndrop_agent_drained_total");
            long queueLost0 = rig.agentMetrics.value("syndrop_agent_queue_lost_total");
            long spoolLost0 = rig.agentMetrics.value("syndrop_agent_spool_lost_total");
            long loadStart = System.nanoTime();
            rig.sink.steadyFromUnixNano = wallNanos() + 1_000_000_000L;
            String out = runLoad(cmd, seconds);
            long generated = Long.parseLong(out.replaceAll(".*sent=(\\d+).*", "$1"));
            double rate = Double.parseDouble(out.replaceAll(".*rate=(\\d+).*", "$1"));
            settle(rig);
            probe.close(); // drains what is left in the ring and reports the kernel's losses
            long kernelLost = rig.agentMetrics.value("syndrop_agent_kernel_lost_total") - kernelLost0;
            long drained = rig.agentMetrics.value("syndrop_agent_drained_total") - drained0;
            long queueLost = rig.agentMetrics.value("syndrop_agent_queue_lost_total") - queueLost0;
            long spoolLost = rig.agentMetrics.value("syndrop_agent_spool_lost_total") - spoolLost0;
            long delivered = rig.sink.drops.get() - drops0;
            // Delivery may go on after the load stopped: rate over the load's start to the last drop written.
            double busy = Math.max(seconds, (rig.sink.lastDropWriteNanos - loadStart) / 1e9);
            System.out.printf("{\"generated\":%d,\"load_rate\":%.0f,\"warmup\":\"%s\",\"drained\":%d,\"delivered\":%d,\"lost_kernel_ringbuf\":%d,"
                            + "\"lost_agent_queue\":%d,\"lost_agent_spool\":%d,\"lost_reported_in_sink\":%d,\"unaccounted\":%d,"
                            + "\"delivery_seconds\":%.3f,\"delivered_per_s\":%.0f,%s}%n",
                    generated, rate, warm.trim(), drained, delivered, kernelLost, queueLost, spoolLost, rig.sink.lostReported.get() - reported0,
                    generated - delivered - kernelLost - queueLost - spoolLost, busy, delivered / busy, rig.sink.latencyJson());
        }
    }

    /** Runs a load command to its end; returns its output (which holds sent=N rate=R). */
    static String runLoad(List<String> cmd, double seconds) throws Exception {
        Process load = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(load.getInputStream()))) {
            out = String.join(" ", r.lines().toList());
        }
        if (!load.waitFor((long) seconds + 30, TimeUnit.SECONDS) || load.exitValue() != 0) {
            throw new IllegalStateException("load command failed: " + out);
        }
        return out;
    }

    /** Lets the drain, spool and collector settle: returns when nothing moved for 2 s (bounded: 60 s). */
    static void settle(Rig rig) throws InterruptedException {
        long last = -1, still = System.nanoTime(), t0 = System.nanoTime();
        while (System.nanoTime() - t0 < 60_000_000_000L) {
            long now = rig.sink.drops.get() + rig.sink.lostReported.get();
            if (now != last) { last = now; still = System.nanoTime(); }
            else if (System.nanoTime() - still > 2_000_000_000L) break;
            Thread.sleep(50);
        }
    }
}
