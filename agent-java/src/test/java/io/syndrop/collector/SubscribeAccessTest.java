package io.syndrop.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.syndrop.cli.Cli;
import io.syndrop.sink.JsonFileSink;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.Ack;
import io.syndrop.proto.v1.AgentGrpc;
import io.syndrop.proto.v1.Batch;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;
import io.syndrop.agent.Agent;
import io.syndrop.wire.CollectorChannel;
import io.syndrop.wire.HostPort;
import io.syndrop.wire.TestCerts;
import io.syndrop.wire.TestEvents;
import io.syndrop.wire.WireTestKit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing is not reading: through real gRPC servers on loopback, the publish credential (token
 * or client certificate) is refused on Collector.Subscribe and on Agent.Watch, the subscriber
 * credential is refused on Publish, and each credential works for its own call.
 */
class SubscribeAccessTest {
    private static final String PUBLISH_TOKEN = "publish-token-1";
    private static final String SUBSCRIBE_TOKEN = "subscribe-token-2";
    private static final String WATCH_TOKEN = "watch-token-3";

    @TempDir
    static Path pki;
    static TestCerts certs;
    static Path[] viewer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCerts() throws Exception {
        certs = TestCerts.make(pki);
        viewer = certs.issueClient("viewer", "siem-viewer");
    }

    private Path token(String t) throws Exception {
        Path f = Files.createTempFile(tmp, "token", "");
        Files.writeString(f, t + "\n");
        return f;
    }

    private CollectorServer collector(Path clientCa, String publishToken, CollectorServer.Subscribers subs, Metrics m) throws Exception {
        return new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), false, certs.serverCert(), certs.serverKey(),
                clientCa, publishToken, 0, null, 0).withSubscribers(subs),
                List.of(new JsonFileSink(tmp.resolve("sink.json"), System.out, false, 0, null)), m);
    }

    /** A live stream's items and its end, as a test reads them. */
    private static final class Stream implements StreamObserver<WatchItem> {
        final LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();

        @Override
        public void onNext(WatchItem item) {
            got.add(item);
        }

        @Override
        public void onError(Throwable t) {
            got.add(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            got.add(Status.OK.withDescription("completed"));
        }

        Status refusal() throws InterruptedException {
            Object o = got.poll(20, TimeUnit.SECONDS);
            assertTrue(o instanceof Status, "expected the call to be refused, got " + o);
            return (Status) o;
        }

        WatchItem item() throws InterruptedException {
            Object o = got.poll(20, TimeUnit.SECONDS);
            assertTrue(o instanceof WatchItem, "expected an item, got " + o);
            return (WatchItem) o;
        }
    }

    private static final WatchRequest ALL = WatchRequest.getDefaultInstance();

    private Stream subscribe(Channel ch) {
        Stream s = new Stream();
        CollectorGrpc.newStub(ch).subscribe(ALL, s);
        return s;
    }

    /** Publishes one valid batch directly; returns how the collector answered. */
    private static Status publishOnce(Channel ch) throws InterruptedException {
        LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        StreamObserver<Batch> out = CollectorGrpc.newStub(ch).publish(new StreamObserver<Ack>() {
            @Override
            public void onNext(Ack a) {
                got.add(Status.OK.withDescription("acked " + a.getAckedSeq()));
            }

            @Override
            public void onError(Throwable t) {
                got.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {}
        });
        out.onNext(Batch.newBuilder().setAgentId("direct").setAgentBoot(1).setFirstSeq(1).setLastSeq(1)
                .addEvents(TestEvents.event(1).toBuilder().setSeq(1)).build());
        Object o = got.poll(20, TimeUnit.SECONDS);
        out.onCompleted();
        assertTrue(o instanceof Status, "no answer to Publish");
        return (Status) o;
    }

    private static void assertRefused(Status.Code code, String mentions, Status s) {
        assertEquals(code, s.getCode(), String.valueOf(s));
        assertTrue(String.valueOf(s.getDescription()).contains(mentions), "the refusal should say what to configure: " + s);
    }

    /** Publishes events through a real agent with the publish credential and returns the first item the subscriber sees. */
    private WatchItem publishAndReceive(String id, CollectorChannel agentCh, Stream sub, IntSupplier viewers) throws Exception {
        WireTestKit.await("subscriber registered", 20_000, () -> viewers.getAsInt() >= 1);
        Metrics am = new Metrics();
        try (Agent a = new Agent(WireTestKit.agentConfig(id, agentCh, tmp.resolve("spool-" + id)), am)) {
            for (int i = 0; i < 10; i++) {
                a.pipeline().offer(TestEvents.event(i));
            }
            WireTestKit.await(id + " acknowledged", 20_000, () -> am.value("syndrop_agent_acknowledged_total") == 10);
        }
        return sub.item();
    }

    @Test
    void tokensPublishTokenCannotSubscribeAndSubscribeTokenCannotPublish() throws Exception {
        Metrics cm = new Metrics();
        try (LogCapture logs = new LogCapture();
             CollectorServer c = collector(null, PUBLISH_TOKEN, new CollectorServer.Subscribers(SUBSCRIBE_TOKEN, Set.of()), cm)) {
            HostPort at = new HostPort("127.0.0.1", c.port());
            CollectorChannel publisher = new CollectorChannel(at, false, certs.ca(), null, null, token(PUBLISH_TOKEN));
            CollectorChannel reader = new CollectorChannel(at, false, certs.ca(), null, null, token(SUBSCRIBE_TOKEN));
            CollectorChannel stranger = new CollectorChannel(at, false, certs.ca(), null, null, token("guess"));
            CollectorChannel anonymous = new CollectorChannel(at, false, certs.ca(), null, null, null);
            ManagedChannel p = publisher.open();
            ManagedChannel r = reader.open();
            ManagedChannel x = stranger.open();
            ManagedChannel n = anonymous.open();
            try {
                assertRefused(Status.Code.PERMISSION_DENIED, "--subscribe-token-file", subscribe(publisher.withToken(p)).refusal());
                assertTrue(logs.any("refused syndrop.v1.Collector/Subscribe", "may publish but not subscribe"), logs.messages.toString());
                assertRefused(Status.Code.UNAUTHENTICATED, "bearer token not accepted", subscribe(stranger.withToken(x)).refusal());
                assertRefused(Status.Code.UNAUTHENTICATED, "bearer token required", subscribe(anonymous.withToken(n)).refusal());

                assertRefused(Status.Code.PERMISSION_DENIED, "--token-file", publishOnce(reader.withToken(r)));
                assertTrue(logs.any("refused syndrop.v1.Collector/Publish", "subscribe token"), logs.messages.toString());
                assertEquals(2, cm.value("syndrop_collector_rejected_total", "reason=\"permission\""));

                Stream sub = subscribe(reader.withToken(r));
                WatchItem item = publishAndReceive("token-agent", publisher, sub, () -> c.live().viewers());
                assertEquals("token-agent", item.getEvent().getAgentId());
            } finally {
                for (ManagedChannel ch : List.of(p, r, x, n)) {
                    ch.shutdownNow();
                }
            }
        }
        assertFalse(Files.readString(tmp.resolve("sink.json")).contains("\"agentId\":\"direct\""), "the subscriber's batch reached the sink");
    }

    @Test
    void certificatesAgentIdentityCannotSubscribeAndSubscriberIdentityCannotPublish() throws Exception {
        Metrics cm = new Metrics();
        try (LogCapture logs = new LogCapture();
             CollectorServer c = collector(certs.ca(), null, new CollectorServer.Subscribers(null, Set.of("siem-viewer")), cm)) {
            HostPort at = new HostPort("127.0.0.1", c.port());
            CollectorChannel agentCert = new CollectorChannel(at, false, certs.ca(), certs.clientCert(), certs.clientKey(), null);
            CollectorChannel viewerCert = new CollectorChannel(at, false, certs.ca(), viewer[0], viewer[1], null);
            ManagedChannel a = agentCert.open();
            ManagedChannel v = viewerCert.open();
            try {
                assertRefused(Status.Code.PERMISSION_DENIED, "--subscriber-cn", subscribe(a).refusal());
                assertTrue(logs.any("refused syndrop.v1.Collector/Subscribe", "CN=agent-1"), logs.messages.toString());

                assertRefused(Status.Code.PERMISSION_DENIED, "subscriber identity", publishOnce(v));
                assertTrue(logs.any("refused syndrop.v1.Collector/Publish", "CN=siem-viewer"), logs.messages.toString());
                assertEquals(2, cm.value("syndrop_collector_rejected_total", "reason=\"permission\""));

                Stream sub = subscribe(v);
                WatchItem item = publishAndReceive("cert-agent", agentCert, sub, () -> c.live().viewers());
                assertEquals("cert-agent", item.getEvent().getAgentId());
            } finally {
                a.shutdownNow();
                v.shutdownNow();
            }
        }
    }

    @Test
    void withoutSubscriberCredentialsSubscribeIsRefusedAndSaysWhatToConfigure() throws Exception {
        try (CollectorServer c = collector(null, PUBLISH_TOKEN, CollectorServer.Subscribers.NONE, new Metrics())) {
            CollectorChannel publisher = new CollectorChannel(new HostPort("127.0.0.1", c.port()), false, certs.ca(), null, null, token(PUBLISH_TOKEN));
            ManagedChannel p = publisher.open();
            try {
                Status s = subscribe(publisher.withToken(p)).refusal();
                assertRefused(Status.Code.PERMISSION_DENIED, "--subscribe-token-file FILE or --subscriber-cn NAME", s);
                assertEquals(Status.Code.OK, publishOnce(publisher.withToken(p)).getCode(), "the publish token still publishes");
            } finally {
                p.shutdownNow();
            }
        }
    }

    @Test
    void misconfigurationsAreRefusedAtStart() throws Exception {
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> collector(null, PUBLISH_TOKEN, new CollectorServer.Subscribers(PUBLISH_TOKEN, Set.of()), new Metrics()));
        assertTrue(same.getMessage().contains("must differ"), same.getMessage());
        IllegalArgumentException noCa = assertThrows(IllegalArgumentException.class,
                () -> collector(null, null, new CollectorServer.Subscribers(null, Set.of("siem-viewer")), new Metrics()));
        assertTrue(noCa.getMessage().contains("--client-ca"), noCa.getMessage());

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true);
        assertEquals(2, Cli.run(new String[] {"collect", "--listen", "127.0.0.1:0", "--sink", "json:-", "--tls-cert", certs.serverCert().toString(),
                "--tls-key", certs.serverKey().toString(), "--subscriber-cn", "siem-viewer"}, ps, ps));
        assertTrue(err.toString().contains("--subscriber-cn needs mutual TLS"), err.toString());

        Agent.Config base = WireTestKit.agentConfig("w", 1, tmp.resolve("spool-w"));
        Agent.Config wildcard = new Agent.Config(base.agentId(), base.node(), base.collector(), base.spoolDir(), base.spoolMaxBytes(), false,
                base.queueMax(), base.batchMax(), base.batchLinger(), base.window(), new HostPort("0.0.0.0", 0));
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> new Agent(wildcard, new Metrics()));
        assertTrue(open.getMessage().contains("--watch-token-file"), open.getMessage());
        assertFalse(Files.exists(tmp.resolve("spool-w")), "a refused agent left a spool behind");

        Agent.Config sameToken = new Agent.Config(base.agentId(), base.node(),
                new CollectorChannel(new HostPort("127.0.0.1", 1), true, null, null, null, token(WATCH_TOKEN)), base.spoolDir(), base.spoolMaxBytes(),
                false, base.queueMax(), base.batchMax(), base.batchLinger(), base.window(), new HostPort("127.0.0.1", 0)).withWatchToken(WATCH_TOKEN);
        IllegalArgumentException reuse = assertThrows(IllegalArgumentException.class, () -> new Agent(sameToken, new Metrics()));
        assertTrue(reuse.getMessage().contains("must differ"), reuse.getMessage());
    }

    @Test
    void agentWatchTakesItsOwnTokenNotThePublishToken() throws Exception {
        Metrics cm = new Metrics();
        try (CollectorServer c = new CollectorServer(new CollectorServer.Config(new HostPort("127.0.0.1", 0), true, null, null, null,
                PUBLISH_TOKEN, 0, null, 0), List.of(new JsonFileSink(tmp.resolve("sink.json"), System.out, false, 0, null)), cm)) {
            Agent.Config base = WireTestKit.agentConfig("watched",
                    new CollectorChannel(new HostPort("127.0.0.1", c.port()), true, null, null, null, token(PUBLISH_TOKEN)), tmp.resolve("spool"));
            Agent.Config cfg = new Agent.Config(base.agentId(), base.node(), base.collector(), base.spoolDir(), base.spoolMaxBytes(), false,
                    base.queueMax(), base.batchMax(), base.batchLinger(), base.window(), new HostPort("127.0.0.1", 0)).withWatchToken(WATCH_TOKEN);
            Metrics am = new Metrics();
            try (Agent a = new Agent(cfg, am)) {
                HostPort watch = new HostPort("127.0.0.1", a.watchPort());
                CollectorChannel withPublish = new CollectorChannel(watch, true, null, null, null, token(PUBLISH_TOKEN));
                CollectorChannel withWatch = new CollectorChannel(watch, true, null, null, null, token(WATCH_TOKEN));
                CollectorChannel without = new CollectorChannel(watch, true, null, null, null, null);
                ManagedChannel p = withPublish.open();
                ManagedChannel w = withWatch.open();
                ManagedChannel n = without.open();
                try {
                    Stream s = new Stream();
                    AgentGrpc.newStub(withPublish.withToken(p)).watch(ALL, s);
                    assertRefused(Status.Code.PERMISSION_DENIED, "--watch-token-file", s.refusal());
                    s = new Stream();
                    AgentGrpc.newStub(without.withToken(n)).watch(ALL, s);
                    assertRefused(Status.Code.UNAUTHENTICATED, "--watch-token-file", s.refusal());
                    assertEquals(2, am.value("syndrop_agent_watch_refused_total"));

                    Stream ok = new Stream();
                    AgentGrpc.newStub(withWatch.withToken(w)).watch(ALL, ok);
                    WireTestKit.await("watcher registered", 20_000, () -> am.value("syndrop_agent_watch_viewers") == 1);
                    a.pipeline().offer(TestEvents.event(5));
                    assertEquals("watched", ok.item().getEvent().getAgentId());
                    WireTestKit.await("published with the publish token", 20_000, () -> am.value("syndrop_agent_acknowledged_total") == 1);
                } finally {
                    for (ManagedChannel ch : List.of(p, w, n)) {
                        ch.shutdownNow();
                    }
                }
            }
        }
    }
}
