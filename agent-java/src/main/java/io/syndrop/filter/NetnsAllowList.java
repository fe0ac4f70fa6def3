package io.syndrop.filter;

import java.util.Collection;
import java.util.Set;

/**
 * The kernel's half of a workload filter: the network-namespace inodes whose drops the BPF
 * programs still emit (map workload_netns, bpf/syndrop_workload.h). The identity stage keeps it
 * current from its resolver thread; Java applies the exact {@link WorkloadFilter} afterwards.
 */
public interface NetnsAllowList {
    /** Entries the kernel map holds at most (SYNDROP_WORKLOAD_NETNS_MAX). */
    int MAX_ENTRIES = 4096;

    /** Adds these inodes; those present already are left alone. Throws IllegalStateException when the map refuses. */
    void allow(Collection<Long> netnsInos);

    /** Removes these inodes; absent ones are ignored. */
    void disallow(Collection<Long> netnsInos);

    /** What the kernel map holds now, read back from it. */
    Set<Long> contents();
}
