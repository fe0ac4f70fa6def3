/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Workload filters in the kernel (--pod, --k8s-namespace, --container, --process): the map
 * workload_netns holds the inodes of the network namespaces of the pods, containers and processes
 * the filter names, kept current by user space (the identity stage's resolver thread, never the
 * drain). With the filter on, a drop in any other namespace is not emitted at all; Java applies
 * the exact filter again (a hostNetwork pod shares the host's namespace with everything else there,
 * and a process filter reduces only to the namespaces that process's threads are in).
 *
 * Off (no workload filter), the CO-RE flavour pays the verifier-pruned branch on the const
 * volatile cfg.workload_netns only, and the BCC flavour compiles the lookup out
 * (SYNDROP_WORKLOAD_NETNS=0). Both keep the map so that user space finds it by name either way.
 *
 * The CO-RE flavour #includes this after `cfg`; the BCC loader (io.syndrop.bcc.BccProgram)
 * inlines it where syndrop_bcc.c #includes it, with SYNDROP_BCC defined. The key is copied to the
 * stack before the lookup: BCC on old kernels (4.9) accepts map keys only from there.
 */
#ifndef SYNDROP_WORKLOAD_H
#define SYNDROP_WORKLOAD_H

/* Java: io.syndrop.probe.WorkloadNetnsMap.MAX_ENTRIES. More pods than a node runs (110 by default). */
#define SYNDROP_WORKLOAD_NETNS_MAX 4096

#ifdef SYNDROP_BCC

#ifndef SYNDROP_WORKLOAD_NETNS
#define SYNDROP_WORKLOAD_NETNS 0
#endif

BPF_HASH(workload_netns, u64, u8, SYNDROP_WORKLOAD_NETNS_MAX);

static __always_inline int sd_workload_filtered_out(u64 netns_ino)
{
#if SYNDROP_WORKLOAD_NETNS
	u64 key = netns_ino;

	return workload_netns.lookup(&key) == 0;
#else
	(void)netns_ino;
	return 0;
#endif
}

#else /* CO-RE */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYNDROP_WORKLOAD_NETNS_MAX);
	__type(key, __u64);
	__type(value, __u8);
} workload_netns SEC(".maps");

static __always_inline int workload_filtered_out(__u64 netns_ino)
{
	__u64 key = netns_ino;

	if (!cfg.workload_netns)
		return 0;
	return bpf_map_lookup_elem(&workload_netns, &key) == NULL;
}

#endif /* SYNDROP_BCC */
#endif /* SYNDROP_WORKLOAD_H */
