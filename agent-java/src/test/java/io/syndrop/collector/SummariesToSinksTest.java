package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.syndrop.format.JsonBytes;
import io.syndrop.format.RecordJson;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Ack;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.DropSummary;
import io.syndrop.proto.v1.Filter;
import io.syndrop.proto.v1.Reason;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.sink.Sink;
import io.syndrop.sink.Sinks;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storm summaries published in a Batch (field 9, numbered in the agent's sequence with its events)
 * reach every sink of a real collector: one CEF line each in a real rsyslogd over syslog+tcp, one
 * {"type":"summary"} line each in the JSON file sink, and a Subscribe viewer whose filter matches
 * their key. A batch whose range does not count its summaries is refused.
 */
class SummariesToSinksTest {
    @TempDir
    Path tmp;

    static DropSummary summary(long seq, String prefix, int port, long count, long detailed) {
        long start = 1_795_800_000_000_000_000L + seq * 1_000_000_000L;
        return DropSummary.newBuilder().setSeq(seq).setTimeUnixNano(start + 1_000_000_000L)
                .setWindowStartUnixNano(start).setWindowEndUnixNano(start + 1_000_000_000L)
                .setReason(Reason.SYN_QUEUE_FULL).setNetnsIno(4026531840L).setDstPort(port).setSrcPrefix(prefix)
                .setCount(count).setDetailed(detailed).build();
    }

    @Test
    void summariesReachRsyslogTheJsonSinkAndASubscriber() throws Exception {
        Path json = tmp.resolve("out/events.json");
        try (Rsyslog rs = Rsyslog.start(tmp.resolve("rs"), null)) {
            List<Sink> sinks = List.of(Sinks.open("syslog+tcp://127.0.0.1:" + rs.tcpPort, false, System.out),
                    new JsonFileSink(json, System.out, false, 0, null));
            Metrics m = new Metrics();
            try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null,
                    null, null, 0, null, 0), sinks, m)) {
                ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", c.port()).usePlaintext().build();
                try {
                    LinkedBlockingQueue<WatchItem> seen = new LinkedBlockingQueue<>();
                    CollectorGrpc.newStub(ch).subscribe(WatchRequest.newBuilder().setFilter(Filter.newBuilder().addPorts(80)
                            .addSrcCidrs("198.51.100.0/26")).build(), new StreamObserver<>() {
                        public void onNext(WatchItem it) {
                            seen.add(it);
                        }

                        public void onError(Throwable t) {}

                        public void onCompleted() {}
                    });
                    Thread.sleep(1000); // the subscription reaches the server before anything is published

                    List<DropSummary> sums = new ArrayList<>();
                    Batch.Builder b = Batch.newBuilder().setAgentId("storm-agent").setAgentBoot(7).setNode("node-storm")
                            .setFirstSeq(1).setLastSeq(5);
                    b.addEvents(TestEvents.event(0).toBuilder().setSeq(1).setDstPort(80).setSrcAddr("198.51.100.7"));
                    sums.add(summary(2, "198.51.100.0/24", 80, 120_000, 100));
                    sums.add(summary(3, "203.0.113.0/24", 80, 5_000, 100));
                    b.addEvents(TestEvents.event(1).toBuilder().setSeq(4).setDstPort(80).setSrcAddr("198.51.100.8"));
                    sums.add(summary(5, "198.51.100.0/24", 443, 7, 7));
                    b.addAllSummaries(sums);

                    LinkedBlockingQueue<Object> acks = new LinkedBlockingQueue<>();
                    StreamObserver<Batch> up = CollectorGrpc.newStub(ch).publish(new StreamObserver<>() {
                        public void onNext(Ack ack) {
                            acks.add(ack);
                        }

                        public void onError(Throwable t) {
                            acks.add(t);
                        }

                        public void onCompleted() {}
                    });
                    // First a batch whose range leaves its summaries out: refused, with why.
                    up.onNext(b.clone().setLastSeq(2).clearSummaries().addSummaries(sums.get(0).toBuilder().setSeq(2)).addSummaries(sums.get(1).toBuilder().setSeq(2)).build());
                    Object refusal = acks.poll(10, TimeUnit.SECONDS);
                    assertTrue(refusal instanceof Throwable && refusal.toString().contains("batch holds 4 records"), String.valueOf(refusal));

                    up = CollectorGrpc.newStub(ch).publish(new StreamObserver<>() {
                        public void onNext(Ack ack) {
                            acks.add(ack);
                        }

                        public void onError(Throwable t) {
                            acks.add(t);
                        }

                        public void onCompleted() {}
                    });
                    up.onNext(b.build());
                    Object ack = acks.poll(30, TimeUnit.SECONDS);
                    assertTrue(ack instanceof Ack, String.valueOf(ack));
                    assertEquals(5, ((Ack) ack).getAckedSeq(), "summaries are acknowledged in the sequence with the events");
                    up.onCompleted();

                    // Subscriber: port 80 and 198.51.100.0/26: both events and the first summary (its /24 holds the /26);
                    // the 203.0.113.0/24 one and the port-443 one are filtered out.
                    List<WatchItem> got = new ArrayList<>();
                    for (WatchItem it; got.size() < 3 && (it = seen.poll(10, TimeUnit.SECONDS)) != null; ) {
                        got.add(it);
                    }
                    assertEquals(3, got.size(), got.toString());
                    assertEquals(List.of(1L, 2L, 4L), got.stream().map(Batches::seq).toList());
                    assertEquals("node-storm", got.get(1).getSummary().getNode(), "agent id, boot and node filled from the batch");
                    assertEquals("storm-agent", got.get(1).getSummary().getAgentId());
                    Thread.sleep(300);
                    assertTrue(seen.isEmpty(), "nothing else matched: " + seen);
                } finally {
                    ch.shutdownNow();
                }
            }
            WireTestKit.await("5 lines in rsyslog", 15_000, () -> {
                try {
                    return Rsyslog.lines(rs.out).size() >= 5;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            List<String> lines = Rsyslog.lines(rs.out);
            assertEquals(5, lines.size(), String.join("\n", lines));
            List<String> summaries = lines.stream().filter(l -> l.split("\\|", 6)[4].equals("summary")).toList();
            assertEquals(3, summaries.size(), String.join("\n", lines));
            CefParser first = CefParser.parse(body(summaries.get(0)));
            assertEquals("SUMMARY_SYN_QUEUE_FULL", first.header.get(4), summaries.get(0));
            assertEquals("120000", first.ext.get("cnt"));
            assertEquals("100", first.ext.get("cn1"));
            assertEquals("119900", first.ext.get("cn2"));
            assertEquals("notDetailed", first.ext.get("cn2Label"));
            assertEquals("198.51.100.0/24", first.ext.get("cs2"));
            assertEquals("storm-agent:7:2", first.ext.get("externalId"));
            assertEquals("node-storm", summaries.get(0).split("\\|", 6)[1], "rsyslog parsed the RFC 5424 hostname");
            assertEquals("0", CefParser.parse(body(summaries.get(2))).ext.get("cn2"), "all 7 of the port-443 key were detailed");
        }
        List<String> out = new ArrayList<>();
        try (var files = Files.list(json.getParent())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                out.addAll(Files.readAllLines(p));
            }
        }
        List<JsonObject> sums = out.stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                .filter(o -> o.get("type").getAsString().equals("summary")).toList();
        assertEquals(3, sums.size(), String.join("\n", out));
        JsonObject s0 = sums.get(0).deepCopy();
        s0.remove("type");
        JsonBytes o = new JsonBytes();
        RecordJson.summary(o, summary(2, "198.51.100.0/24", 80, 120_000, 100).toBuilder().setAgentId("storm-agent").setAgentBoot(7)
                .setNode("node-storm").build(), false, null);
        assertEquals(JsonParser.parseString(o.toString()), s0);
    }

    private static String body(String rsyslogLine) {
        String msg = rsyslogLine.split("\\|", 6)[5];
        return msg.startsWith(" ") ? msg.substring(1) : msg;
    }
}
