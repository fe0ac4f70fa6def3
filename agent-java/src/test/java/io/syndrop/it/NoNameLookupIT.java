package io.syndrop.it;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.syndrop.proto.v1.AgentGrpc;
import io.syndrop.proto.v1.CollectorGrpc;
import io.syndrop.proto.v1.Filter;
import io.syndrop.proto.v1.WatchRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No input makes syndrop resolve a name it was not asked to connect to. The jar runs with
 * -Djdk.net.hosts.file: the JVM then answers every lookup from that file alone, so a lookup shows
 * (a name in the file resolves) and a missing name fails as it does on a host whose /etc/hosts lacks
 * it, with no DNS traffic either way.
 */
class NoNameLookupIT {
    @Test
    void aSourceFilterThatLooksLikeAnAddressIsRefusedNotResolved(@TempDir Path tmp) throws Exception {
        // If syndrop looked 999.1.1.1 up it would get 10.1.2.3 and run: a usage error proves it did not.
        Path hosts = Files.writeString(tmp.resolve("hosts"), "10.1.2.3 999.1.1.1\n10.1.2.4 12345\n");
        for (String src : List.of("999.1.1.1", "12345")) {
            try (JarProcess p = JarProcess.startWithJvmFlags(List.of("-Djdk.net.hosts.file=" + hosts),
                    "watch", "--backend", "counters", "--duration", "2s", "--src", src)) {
                int rc = p.waitFor(60_000);
                assertEquals(2, rc, "--src " + src + " was accepted:\n" + p.logText());
                assertTrue(p.logText().contains("--src: '" + src + "' is not an IP address"), p.logText());
            }
        }
    }

    @Test
    void theAgentTakesItsNameFromTheKernelNotFromALookup(@TempDir Path tmp) throws Exception {
        // A hosts file without this machine's name: InetAddress.getLocalHost() fails here, as in a bare container.
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 not-this-host\n");
        Path replay = Files.write(tmp.resolve("empty.replay"), new byte[0]);
        String kernelName = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        try (JarProcess p = JarProcess.startWithJvmFlags(List.of("-Djdk.net.hosts.file=" + hosts),
                "agent", "--collector", "127.0.0.1:9", "--insecure", "--replay", replay.toString(),
                "--spool-dir", tmp.resolve("spool").toString(), "--duration", "2s")) {
            int rc = p.waitFor(60_000);
            assertEquals(0, rc, p.logText());
            assertTrue(p.logText().contains("syndrop agent: id " + kernelName + " "), p.logText());
        }
    }

    @Test
    void aListenAddressMustBeAnAddress(@TempDir Path tmp) throws Exception {
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 collector-name\n");
        try (JarProcess p = JarProcess.startWithJvmFlags(List.of("-Djdk.net.hosts.file=" + hosts),
                "collect", "--listen", "collector-name:0", "--insecure", "--sink", "json:-")) {
            int rc = p.waitFor(60_000);
            assertEquals(2, rc, p.logText());
            assertTrue(p.logText().contains("--listen expects an IP address"), p.logText());
        }
    }

    @Test
    void aRemoteFilterIsRefusedNotResolved(@TempDir Path tmp) throws Exception {
        // Were 999.1.1.1 looked up, it would resolve (to 10.1.2.3) and the stream would stay open.
        // This host's own name is listed so that only the filter, not the agent's start, is on trial here.
        Path hosts = Files.writeString(tmp.resolve("hosts"), "10.1.2.3 999.1.1.1\n127.0.0.1 "
                + Files.readString(Path.of("/proc/sys/kernel/hostname")).trim() + "\n");
        List<String> flags = List.of("-Djdk.net.hosts.file=" + hosts);
        try (JarProcess c = JarProcess.startWithJvmFlags(flags, "collect", "--listen", "127.0.0.1:0", "--insecure", "--sink", "json:-")) {
            int collectorPort = Integer.parseInt(c.awaitLog("listening on port (\\d+)", 60_000));
            try (JarProcess a = JarProcess.startWithJvmFlags(flags, "agent", "--collector", "127.0.0.1:" + collectorPort, "--insecure",
                    "--replay", Files.write(tmp.resolve("empty.replay"), new byte[0]).toString(),
                    "--spool-dir", tmp.resolve("spool").toString(), "--watch-listen", "127.0.0.1:0")) {
                int watchPort = Integer.parseInt(a.awaitLog("watch on port (\\d+)", 60_000));
                WatchRequest req = WatchRequest.newBuilder().setFilter(Filter.newBuilder().addSrcCidrs("999.1.1.1")).build();
                ManagedChannel toCollector = NettyChannelBuilder.forAddress("127.0.0.1", collectorPort).usePlaintext().build();
                ManagedChannel toAgent = NettyChannelBuilder.forAddress("127.0.0.1", watchPort).usePlaintext().build();
                try {
                    refused(() -> CollectorGrpc.newBlockingStub(toCollector).withDeadlineAfter(5, TimeUnit.SECONDS).subscribe(req).hasNext());
                    refused(() -> AgentGrpc.newBlockingStub(toAgent).withDeadlineAfter(5, TimeUnit.SECONDS).watch(req).hasNext());
                } finally {
                    toCollector.shutdownNow();
                    toAgent.shutdownNow();
                }
            }
        }
    }

    private static void refused(org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains("src_cidrs: '999.1.1.1'"), e.getStatus().toString());
    }
}
