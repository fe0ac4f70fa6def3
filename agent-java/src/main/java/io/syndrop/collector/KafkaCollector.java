package io.syndrop.collector;

import io.grpc.Status;
import io.syndrop.sink.Sink;
import io.syndrop.kafka.KafkaRecords;
import io.syndrop.kafka.KafkaSettings;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Ack;
import io.syndrop.wire.LiveFanout;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The collector fed from Kafka instead of gRPC: a member of a consumer group that hands the
 * agents' batches to the same {@link Committer} (dedupe, every sink, checkpoints) and commits a
 * partition's offset only after the committer acknowledged every record before it, i.e. after
 * every sink flushed it and the dedupe state was made durable. What a crash or a rebalance
 * re-delivers the (agent, boot, seq) dedupe drops; with a dedupe directory that holds across
 * restarts too. Before giving partitions up in a rebalance it finishes and commits what it took,
 * so the member that gets them does not write them again.
 */
public final class KafkaCollector implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KafkaCollector.class.getName());

    public record Config(KafkaSettings settings, String topic, String group, Path dedupeDir) {
        public Config {
            if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("--topic expects a Kafka topic name (letters, digits, . _ -, at most 249), got '" + topic + "'");
            }
            if (group == null || group.isBlank() || group.length() > 249) {
                throw new IllegalArgumentException("--group expects a consumer group id (1-249 characters), got '" + group + "'");
            }
        }
    }

    private final Config cfg;
    private final List<Sink> sinks;
    private final boolean parseEvents;
    private final Committer committer;
    private final LiveFanout live;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final LongAdder consumed;
    private final LongAdder rejected;
    private final LongAdder commits;
    private final LongAdder rebalances;
    private volatile boolean closed;
    /** A commit failed for a reason that may pass (brokers away): commit again even without new records. */
    private boolean retryCommit;

    /** Acknowledgements of one poll's records, filled in by the committer thread. */
    private static final class Outstanding {
        int pending;
        boolean failed;
        final Map<TopicPartition, Long> done = new HashMap<>();
    }

    private final Outstanding out = new Outstanding();

    public KafkaCollector(Config cfg, List<Sink> sinks, Metrics metrics) throws IOException {
        this.cfg = cfg;
        this.sinks = sinks;
        this.parseEvents = sinks.stream().anyMatch(s -> !s.takesBytes());
        live = new LiveFanout(metrics.counter("syndrop_collector_subscriber_dropped_total", "Live items a slow subscriber missed."));
        committer = new Committer(sinks, new DedupeState(cfg.dedupeDir()), live, metrics);
        consumed = metrics.counter("syndrop_collector_kafka_consumed_total", "Kafka records (batches) consumed, re-deliveries included.");
        rejected = metrics.counter("syndrop_collector_rejected_total", Metrics.label("reason", "invalid_kafka_record"),
                "Connections or calls refused (bad input, authentication).");
        commits = metrics.counter("syndrop_collector_kafka_commits_total", "Offset commits after the sinks took the records.");
        rebalances = metrics.counter("syndrop_collector_kafka_rebalances_total", "Partition assignments this member got or gave up.");
        Properties p = cfg.settings().properties();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, cfg.group());
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "syndrop-collector-" + cfg.group());
        consumer = new KafkaConsumer<>(p);
        thread = new Thread(this::run, "syndrop-kafka-collector");
        thread.setDaemon(true);
        committer.start();
        consumer.subscribe(List.of(cfg.topic()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                rebalances.increment();
                // Finish what was taken and commit it, so the next owner starts after it.
                finishAndCommit();
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                rebalances.increment();
                LOG.info("kafka: group " + cfg.group() + " assigned " + parts);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> parts) {
                // Another member may own them already: do not commit; the dedupe drops what is re-delivered.
                rebalances.increment();
                synchronized (out) {
                    out.done.keySet().removeAll(parts);
                }
            }
        });
        thread.start();
        LOG.info("collector consuming " + cfg.topic() + " at " + cfg.settings().bootstrap() + " as group " + cfg.group()
                + "; sinks: " + sinks.stream().map(Sink::name).toList());
    }

    public LiveFanout live() {
        return live;
    }

    private void run() {
        long pause = 100;
        try {
            while (!closed) {
                try {
                    ConsumerRecords<byte[], byte[]> recs = consumer.poll(Duration.ofMillis(200));
                    for (ConsumerRecord<byte[], byte[]> r : recs) {
                        take(r);
                    }
                    if (!recs.isEmpty() || retryCommit) {
                        finishAndCommit();
                    }
                    pause = 100;
                } catch (WakeupException e) {
                    throw e;
                } catch (org.apache.kafka.common.KafkaException e) {
                    // Brokers away, a commit timed out, a rebalance in the way: what is uncommitted is
                    // committed on the next round or re-delivered and dropped by the dedupe.
                    LOG.warning("kafka: " + KafkaSettings.explain(e) + "; retrying in " + pause + " ms");
                    Thread.sleep(pause);
                    pause = Math.min(5000, pause * 2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            if (!closed) {
                LOG.log(Level.SEVERE, "kafka consumer woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "kafka consumer failed: " + e.getMessage() + "; the collector stops consuming (restart it)", e);
        } finally {
            try {
                finishAndCommit();
            } catch (RuntimeException ignored) {
                // leaving anyway; the dedupe drops what is re-delivered
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void take(ConsumerRecord<byte[], byte[]> r) {
        consumed.increment();
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        String schema = KafkaRecords.schema(r.headers());
        ReceivedBatch b = null;
        String problem;
        if (schema != null && !schema.equals(KafkaRecords.BATCH_SCHEMA)) {
            problem = "its " + KafkaRecords.SCHEMA + " header is '" + schema + "', not " + KafkaRecords.BATCH_SCHEMA;
        } else {
            try {
                b = ReceivedBatch.index(r.value() == null ? new byte[0] : r.value());
                if (parseEvents) {
                    b.parseEvents(); // on the consumer's thread, as before: a sink takes messages
                }
                problem = Batches.problem(b);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                problem = "not a syndrop.v1.Batch: " + e.getMessage();
            }
        }
        synchronized (out) {
            if (problem != null) {
                // Skipped, not retried: the same bytes would fail forever and hold the partition.
                rejected.increment();
                LOG.warning("skipped " + tp + " offset " + r.offset() + ": " + problem);
                out.done.merge(tp, r.offset() + 1, Math::max);
                return;
            }
            out.pending++;
        }
        long next = r.offset() + 1;
        committer.submit(new Committer.Pending(b, new Committer.Origin() {
            @Override
            public void ack(Ack ack) {
                synchronized (out) {
                    out.pending--;
                    out.done.merge(tp, next, Math::max);
                    out.notifyAll();
                }
            }

            @Override
            public void fail(Status status) {
                synchronized (out) {
                    out.pending--;
                    out.failed = true;
                    out.notifyAll();
                }
            }

            @Override
            public String peer() {
                return "kafka " + tp + "@" + next;
            }
        }));
    }

    /** Waits for the committer to finish every submitted record, then commits the offsets it finished. */
    private void finishAndCommit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        boolean failed;
        synchronized (out) {
            while (out.pending > 0) {
                try {
                    out.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            out.done.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
            out.done.clear();
            failed = out.failed;
            out.failed = false;
        }
        if (failed) {
            // The committer gave a group up (shutting down or an internal error): read again from the last commit.
            for (TopicPartition tp : consumer.assignment()) {
                OffsetAndMetadata c = consumer.committed(java.util.Set.of(tp)).get(tp);
                if (c == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, c.offset());
                }
            }
            return;
        }
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets);
                retryCommit = false;
                commits.increment();
            } catch (org.apache.kafka.common.errors.RebalanceInProgressException | org.apache.kafka.common.errors.TimeoutException e) {
                // Still ours, most likely: try again on the next round (a newer offset replaces these).
                synchronized (out) {
                    offsets.forEach((tp, o) -> out.done.merge(tp, o.offset(), Math::max));
                }
                retryCommit = true;
                throw e;
            }
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        consumer.wakeup();
        thread.join(10_000);
        committer.close();
        for (Sink s : sinks) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.warning(s.name() + ": close failed: " + e.getMessage());
            }
        }
        live.closeAll();
    }
}
