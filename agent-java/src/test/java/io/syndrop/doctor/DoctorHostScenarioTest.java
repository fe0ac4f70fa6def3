package io.syndrop.doctor;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.syndrop.cli.Cli;
import io.syndrop.it.RequireRoot;
import io.syndrop.demo.CloseFirstServer;
import io.syndrop.demo.Syn;
import io.syndrop.demo.SynCrafter;
import io.syndrop.demo.TinyBacklogListener;
import io.syndrop.demo.Topology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `syndrop doctor` live against real namespaces: the finding, with the evidence from events. */
class DoctorHostScenarioTest {
    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void timeWaitPawsIsReportedWithTheSourceAddress() throws Exception {
        try (Topology t = Topology.pair().build();
             CloseFirstServer server = CloseFirstServer.start(t.server(), t.serverAddress(), 0)) {
            CloseFirstServer.TimeWaitConnection tw = server.connectAndLeaveTimeWait(t.client(), t.clientAddress(), 0);
            SynCrafter.dropOutgoingRsts(t.client());
            CountDownLatch sampling = new CountDownLatch(1);
            CompletableFuture<JsonObject> doctor = doctor(t.server().name(), "5s", sampling);
            awaitSampling(sampling, doctor);
            try (SynCrafter c = SynCrafter.open(t.client(), t.clientAddress())) {
                for (int i = 0; i < 3; i++) {
                    c.send(Syn.to(t.serverAddress(), server.port(), tw.client().getPort(), 7 + i,
                            (tw.lastClientTsVal() - 500 + i) & 0xffffffffL));
                }
            }
            JsonObject finding = finding(doctor.get(), "timewait-paws");
            assertEquals("CRITICAL", finding.get("severity").getAsString(), finding.toString());
            JsonArray events = finding.getAsJsonObject("evidence").getAsJsonArray("events");
            assertTrue(events.size() >= 1, "example events as evidence: " + finding);
            JsonObject e = events.get(0).getAsJsonObject();
            assertEquals(t.clientAddress().getHostAddress(), e.get("srcAddr").getAsString());
            assertEquals("TIMEWAIT_PAWS", e.get("reason").getAsString());
            assertEquals((tw.lastClientTsVal() - 500) & 0xffffffffL, e.get("tsval").getAsLong());
        }
    }

    @Test
    void acceptQueueOverflowIsReported() throws Exception {
        try (Topology t = Topology.pair().build();
             TinyBacklogListener l = TinyBacklogListener.open(t.server(), t.serverAddress(), 0, 1)) {
            CountDownLatch sampling = new CountDownLatch(1);
            CompletableFuture<JsonObject> doctor = doctor(t.server().name(), "5s", sampling);
            awaitSampling(sampling, doctor);
            List<SocketChannel> clients = l.connectMany(t.client(), t.serverAddress(), 6);
            JsonObject finding = finding(doctor.get(), "accept-queue-overflow");
            assertTrue(finding.toString().contains("ListenOverflows"), finding.toString());
            for (SocketChannel ch : clients) {
                ch.close();
            }
        }
    }

    /**
     * The drops must fall inside doctor's window: wait for its "sampling" line (printed once the probes are
     * attached and the first sample is taken) rather than guessing how long that takes on a loaded machine.
     */
    private static void awaitSampling(CountDownLatch sampling, CompletableFuture<JsonObject> doctor) throws Exception {
        while (!sampling.await(100, TimeUnit.MILLISECONDS)) {
            if (doctor.isDone()) {
                doctor.get(); // rethrows why doctor ended before sampling
                throw new AssertionError("doctor ended without printing its sampling line");
            }
        }
    }

    private static CompletableFuture<JsonObject> doctor(String netns, String duration, CountDownLatch sampling) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream() {
                @Override
                public synchronized void flush() {
                    if (toString(StandardCharsets.UTF_8).contains("syndrop doctor: sampling")) {
                        sampling.countDown();
                    }
                }
            };
            int rc = Cli.run(new String[] {"doctor", "--duration", duration, "--netns", netns, "--json"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            if (rc != 0) {
                throw new AssertionError("doctor exited " + rc + ": " + err.toString(StandardCharsets.UTF_8));
            }
            return JsonParser.parseString(text).getAsJsonObject();
        });
    }

    private static JsonObject finding(JsonObject diagnosis, String id) {
        for (JsonElement f : diagnosis.getAsJsonArray("findings")) {
            if (f.getAsJsonObject().get("id").getAsString().equals(id)) {
                return f.getAsJsonObject();
            }
        }
        throw new AssertionError("no finding " + id + " in " + diagnosis);
    }
}
