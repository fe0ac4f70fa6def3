package io.syndrop.probe;

import java.nio.ByteBuffer;
import io.syndrop.filter.NetnsAllowList;

import java.util.List;
import java.util.Optional;

/**
 * Attached kernel programs that deliver 256-byte drop records (bpf/syndrop.h) in batches: the
 * CO-RE shim ({@link ProbeSession}) or BCC ({@link BccProbe}). One thread drains; close may come
 * from another.
 */
public interface KernelProbe extends AutoCloseable {
    AttachMode mode();

    /** Copies up to buf.capacity()/128 records into buf (direct, little-endian); waits up to timeoutMs for the first. */
    int drain(ByteBuffer buf, int timeoutMs);

    /**
     * Makes a {@link #drain} that is waiting in another thread return soon (the next one, if none
     * is waiting), so a drain loop can wait long while idle and still stop promptly. Safe to call
     * from any thread, also concurrently with {@link #close()}.
     */
    void wake();

    /** Names of the places where records can be lost; {@link #lost()} counts per name, since attach. */
    List<String> lossPlaces();

    long[] lost();

    List<ProbeSession.ProgramStats> programs();

    /**
     * The kernel's allow-list of network namespaces for a workload filter, when the programs were
     * loaded with one (the filter named pods, containers or processes); empty otherwise.
     */
    default Optional<NetnsAllowList> workloadNetns() {
        return Optional.empty();
    }

    /**
     * Copies the storm map's entries (bpf/syndrop_storm.h struct syndrop_storm_entry, cumulative since
     * attach) into buf (direct, little-endian), after moving the map's epoch to now (written into
     * epochNs[0], CLOCK_MONOTONIC). Returns the number of entries, or -1 when this probe keeps no
     * storm map (summaries off). Safe to call from another thread while one drains.
     */
    default int readStorm(ByteBuffer buf, long[] epochNs) {
        return -1;
    }

    @Override
    void close();
}
