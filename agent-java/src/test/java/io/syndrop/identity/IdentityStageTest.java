package io.syndrop.identity;

import io.syndrop.proto.v1.DropEvent;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stage against this JVM's own listener (no BPF): the first event of an unknown inode flows
 * unnamed and queues the lookup; later ones carry the process and what the container lookup says,
 * and a failing lookup costs the container names only.
 */
class IdentityStageTest {
    private static final ContainerInfo POD = new ContainerInfo("containerd", "3f4e5d6c7b8a9f", "web", "nginx:1.25",
            "uid-1", "shop", "web-7d9");

    @Test
    void unknownFlowsAtOnceThenTheListenerIsNamedWithItsContainer() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        ContainerLookup lookup = new ContainerLookup() {
            @Override
            public Optional<ContainerInfo> byPid(int pid) {
                return pid == ProcessHandle.current().pid() ? Optional.of(POD) : Optional.empty();
            }

            @Override
            public Optional<ContainerInfo> byNetns(long netnsInode) {
                return Optional.empty();
            }
        };
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
             IdentityStage stage = new IdentityStage(Path.of("/proc"), lookup, warnings::add)) {
            long ino = inode(s.getLocalPort());
            DropEvent first = enrich(stage, ino);
            assertEquals(0, first.getProcessPid(), "not known yet: sent as is");
            assertEquals(ino, first.getListenerIno());
            DropEvent later = awaitNamed(stage, ino);
            assertEquals(ProcessHandle.current().pid(), later.getProcessPid());
            assertEquals(Files.readString(Path.of("/proc/self/comm")).strip(), later.getProcessComm());
            assertEquals("web", later.getContainerName());
            assertEquals("shop", later.getPodNamespace());
            assertEquals("web-7d9", later.getPodName());
            assertEquals("nginx:1.25", later.getContainerImage());
            // The wire variant adds the same fields, as the bytes the built event holds them in.
            DropEvent.Builder ids = later.toBuilder().clearListenerIno().clearNetnsIno();
            assertEquals(com.google.protobuf.ByteString.copyFrom(stage.identityWire(ino, 4026531840L)), ids.build().toByteString());
            assertTrue(stage.identityWire(ino, 4026531840L) == stage.identityWire(ino, 4026531840L), "encoded once, then cached");
            assertTrue(stage.scans() >= 1 && stage.misses() >= 1);
            assertTrue(warnings.isEmpty(), warnings.toString());
        }
    }

    @Test
    void aFailingContainerLookupStillNamesTheProcessAndSaysWhy() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        ContainerLookup broken = new ContainerLookup() {
            @Override
            public Optional<ContainerInfo> byPid(int pid) {
                throw new IllegalStateException("containerd.sock: connection refused");
            }

            @Override
            public Optional<ContainerInfo> byNetns(long netnsInode) {
                throw new IllegalStateException("containerd.sock: connection refused");
            }
        };
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
             IdentityStage stage = new IdentityStage(Path.of("/proc"), broken, warnings::add)) {
            long ino = inode(s.getLocalPort());
            enrich(stage, ino);
            DropEvent later = awaitNamed(stage, ino);
            assertEquals(ProcessHandle.current().pid(), later.getProcessPid());
            assertEquals("", later.getContainerId());
            assertTrue(warnings.stream().anyMatch(w -> w.contains("connection refused")), warnings.toString());
        }
    }

    @Test
    void anInodeNoProcessHoldsIsNotScannedForAgainAtOnce() throws Exception {
        try (IdentityStage stage = new IdentityStage(Path.of("/proc"), ContainerLookup.NONE, w -> { })) {
            long nobody = 1L << 40; // socket inodes are 32-bit on Linux
            enrich(stage, nobody);
            long end = System.nanoTime() + 5_000_000_000L;
            while (stage.scans() == 0 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals(1, stage.scans());
            for (int i = 0; i < 50; i++) {
                assertEquals(0, enrich(stage, nobody).getProcessPid());
            }
            Thread.sleep(600); // longer than the scan interval: a re-queued inode would have been scanned
            assertEquals(1, stage.scans(), "not found is remembered");
        }
    }

    private static DropEvent enrich(IdentityStage stage, long ino) {
        DropEvent.Builder b = DropEvent.newBuilder().setListenerIno(ino).setNetnsIno(4026531840L);
        stage.enrich(b);
        return b.build();
    }

    private static DropEvent awaitNamed(IdentityStage stage, long ino) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (stage.known(ino).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertTrue(stage.known(ino).isPresent(), "resolved inode " + ino);
        return enrich(stage, ino);
    }

    /** The inode column of this namespace's /proc/net/tcp(6) for the listener on {@code port}. */
    private static long inode(int port) throws Exception {
        String hexPort = String.format(":%04X", port);
        // Java's sockets are AF_INET6 (dual stack) unless java.net.preferIPv4Stack: look in both tables.
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                    return Long.parseLong(f[9]);
                }
            }
        }
        throw new AssertionError("no listener on port " + port + " in /proc/net/tcp or tcp6");
    }
}
