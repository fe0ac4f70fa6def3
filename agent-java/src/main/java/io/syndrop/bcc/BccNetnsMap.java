package io.syndrop.bcc;

import com.sun.jna.Memory;
import io.syndrop.filter.NetnsAllowList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The BCC flavour's workload_netns map (BPF_HASH u64 -> u8, bpf/syndrop_workload.h) through libbcc's
 * map calls. The map lives as long as the module: once {@link #close()}d (before the module is), every
 * call is a no-op, so a late update from the resolver thread never reaches a reused file descriptor.
 */
public final class BccNetnsMap implements NetnsAllowList {
    public static final String TABLE = "workload_netns";

    private final LibBcc lib;
    private final int fd;
    private boolean closed;

    public BccNetnsMap(LibBcc lib, int fd) {
        this.lib = lib;
        this.fd = fd;
    }

    @Override
    public synchronized void allow(Collection<Long> netnsInos) {
        if (closed) {
            return;
        }
        Memory key = new Memory(8);
        Memory one = new Memory(1);
        one.setByte(0, (byte) 1);
        for (long ino : netnsInos) {
            key.setLong(0, ino);
            if (lib.bpf_update_elem(fd, key, one, 0L) < 0) {
                throw new IllegalStateException("adding netns " + ino + " to the kernel's workload map failed (it holds "
                        + MAX_ENTRIES + " namespaces at most)");
            }
        }
    }

    @Override
    public synchronized void disallow(Collection<Long> netnsInos) {
        if (closed) {
            return;
        }
        Memory key = new Memory(8);
        for (long ino : netnsInos) {
            key.setLong(0, ino);
            lib.bpf_delete_elem(fd, key); // absent already: nothing to do
        }
    }

    @Override
    public synchronized Set<Long> contents() {
        Set<Long> out = new HashSet<>();
        if (closed) {
            return out;
        }
        Memory key = new Memory(8);
        Memory next = new Memory(8);
        int r = lib.bpf_get_next_key(fd, null, next);
        while (r == 0 && out.size() <= MAX_ENTRIES) {
            out.add(next.getLong(0));
            key.setLong(0, next.getLong(0));
            r = lib.bpf_get_next_key(fd, key, next);
        }
        return out;
    }

    /** Called by the backend before the module (and the map's fd) goes. */
    synchronized void close() {
        closed = true;
    }
}
