package io.syndrop.wire;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.syndrop.collector.CollectorServer;
import io.syndrop.metrics.Metrics;
import io.syndrop.proto.v1.AgentGrpc;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.Filter;
import io.syndrop.proto.v1.WatchItem;
import io.syndrop.proto.v1.WatchRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.syndrop.agent.Agent;

/**
 * A remote viewer's filter is input like any other: Collector.Subscribe and Agent.Watch refuse a bad
 * one with INVALID_ARGUMENT naming the field, and a host name in src_cidrs is refused, not resolved.
 */
class RemoteFilterTest {
    private static final List<Filter> BAD = List.of(
            Filter.newBuilder().addSrcCidrs("999.1.1.1").build(),
            Filter.newBuilder().addSrcCidrs("12345").build(),
            Filter.newBuilder().addSrcCidrs("10.0.0.0/8").addSrcCidrs("collector.example").build(),
            Filter.newBuilder().addSrcCidrs("10.0.0.0/33").build(),
            Filter.newBuilder().addPorts(70000).build(),
            Filter.newBuilder().addPorts(0).build(),
            Filter.newBuilder().addReasonsValue(99).build());
    private static final List<String> FIELD = List.of("src_cidrs", "src_cidrs", "src_cidrs", "src_cidrs", "ports", "ports", "reasons");

    @Test
    void subscribeAndWatchRefuseABadFilterNamingTheField(@TempDir Path tmp) throws Exception {
        Metrics cm = new Metrics();
        CollectorServer c = WireTestKit.insecureCollector(tmp.resolve("sink.json"), null, cm);
        Agent.Config base = WireTestKit.agentConfig("filters", c.port(), tmp.resolve("spool"));
        Agent.Config cfg = new Agent.Config(base.agentId(), base.node(), base.collector(), base.spoolDir(), base.spoolMaxBytes(),
                base.spoolFsync(), base.queueMax(), base.batchMax(), base.batchLinger(), base.window(), new HostPort("127.0.0.1", 0));
        Agent a = new Agent(cfg, new Metrics());
        ManagedChannel toCollector = NettyChannelBuilder.forAddress("127.0.0.1", c.port()).usePlaintext().build();
        ManagedChannel toAgent = NettyChannelBuilder.forAddress("127.0.0.1", a.watchPort()).usePlaintext().build();
        try {
            check("Collector.Subscribe", r -> CollectorGrpc.newBlockingStub(toCollector).withDeadlineAfter(10, TimeUnit.SECONDS).subscribe(r));
            check("Agent.Watch", r -> AgentGrpc.newBlockingStub(toAgent).withDeadlineAfter(10, TimeUnit.SECONDS).watch(r));
        } finally {
            toCollector.shutdownNow();
            toAgent.shutdownNow();
            a.close();
            c.close();
        }
    }

    private static void check(String rpc, Function<WatchRequest, Iterator<WatchItem>> call) {
        for (int i = 0; i < BAD.size(); i++) {
            WatchRequest req = WatchRequest.newBuilder().setFilter(BAD.get(i)).build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call.apply(req).hasNext(),
                    rpc + " accepted " + BAD.get(i));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), rpc + ": " + e.getStatus());
            String d = e.getStatus().getDescription();
            assertTrue(d != null && d.contains(FIELD.get(i) + ":"), rpc + " did not name " + FIELD.get(i) + ": " + d);
        }
    }
}
