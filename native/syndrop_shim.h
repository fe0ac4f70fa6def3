/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libsyndrop: the small C API Java calls through JNA. Batch-oriented on purpose: one
 * syndrop_drain() crossing copies many fixed-size events (struct syndrop_event, bpf/syndrop.h)
 * into a caller-owned buffer; C never calls back into Java.
 *
 * Every call that can fail returns a negative errno and writes libbpf's message (or ours)
 * into the handle's error text, readable with syndrop_last_error().
 */
#ifndef SYNDROP_SHIM_H
#define SYNDROP_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Attach modes, best first. */
#define SYNDROP_MODE_FENTRY     1
#define SYNDROP_MODE_KPROBE     2
#define SYNDROP_MODE_TRACEPOINT 3

/* Keep in step with io.syndrop.probe.ShimOptions (a JNA Structure). */
struct syndrop_options {
	uint32_t mode;            /* SYNDROP_MODE_* */
	uint32_t ringbuf_bytes;   /* power of two, >= 4096; 0 = default (4 MiB) */
	uint32_t nports;          /* destination-port filter; 0 = all */
	uint16_t ports[8];
	uint32_t src_family;      /* 0 = no source filter, 2 = AF_INET, 10 = AF_INET6 */
	uint8_t  src_addr[16];    /* network order */
	uint32_t src_prefix;      /* prefix length */
	uint64_t netns_ino;       /* 0 = every namespace */
	uint32_t reason_mask;     /* bit (1 << reason); 0 = all */
	uint32_t libbpf_debug;    /* 1 = libbpf debug output to stderr */
	uint32_t workload_netns;  /* 1 = only drops in a netns of the workload map (syndrop_workload_update) */
	/* Storm summaries (bpf/syndrop_storm.h). */
	uint32_t storm_on;        /* 1 = count drops per key in the kernel map */
	uint32_t storm_keys;      /* keys the map holds besides the overflow keys; 0 = default (16384) */
	uint32_t storm_prefix4;   /* source prefix length of the key: IPv4 0..32, */
	uint32_t storm_prefix6;   /* IPv6 0..128 */
	uint32_t detail_rate;     /* detailed events per key per second; 0 = every drop */
	uint32_t detail_burst;    /* token bucket size; 0 = no detailed events (summaries only) */
};

struct syndrop;

/* Opens the BPF object built into this library, sets filters, loads and attaches the programs
 * of `mode`. On failure returns NULL, sets *err to a negative errno and writes a message into errbuf. */
struct syndrop *syndrop_open(const struct syndrop_options *opts, int *err, char *errbuf, int errlen);

/* Copies up to max_events events (SYNDROP_EVENT_SIZE bytes each) into buf, waiting up to
 * timeout_ms for the first one (0 = no wait). Returns the number copied, or -errno.
 * Events that do not fit stay in the ring buffer for the next call. */
int syndrop_drain(struct syndrop *s, void *buf, int max_events, int timeout_ms);

/* Makes a drain that is waiting in another thread return now (0 events unless some arrived), or
 * the next drain if none is waiting. Safe to call concurrently with syndrop_drain, not with
 * syndrop_close. Lets a drain loop wait long when idle and still stop at once. */
void syndrop_wake(struct syndrop *s);

/* Sum over CPUs of events lost at ring-buffer reserve, per program slot
 * (enum syndrop_prog_slot). Fills up to nslots entries; returns the number filled or -errno. */
int syndrop_lost(struct syndrop *s, uint64_t *per_slot, int nslots);

/* Per attached program: writes "name type run_cnt run_time_ns\n" lines (run stats need
 * kernel.bpf_stats_enabled=1). Returns bytes written or -errno. */
int syndrop_programs(struct syndrop *s, char *buf, int len);

/* Copies the load-time settings (struct syndrop_config, bpf/syndrop.h) as the kernel holds them
 * in the object's .rodata map into buf, so a test can prove every option reached the programs.
 * Returns the struct's size, or -errno (-ENOSPC when len is smaller). */
int syndrop_loaded_config(struct syndrop *s, void *buf, int len);

/* Adds (allow = 1) or removes (allow = 0) network-namespace inodes in the workload filter's map
 * (bpf/syndrop_workload.h); with options.workload_netns set, only drops in its namespaces are
 * emitted. Safe beside a running drain, not beside syndrop_close. Returns how many entries
 * changed, or -errno (-E2BIG: the map is full).  */
int syndrop_workload_update(struct syndrop *s, const uint64_t *inos, int n, int allow);

/* Copies up to max inodes the workload map holds into buf, as the kernel holds them (for tests and
 * doctor). Returns how many there are (may exceed max), or -errno. */
int syndrop_workload_list(struct syndrop *s, uint64_t *buf, int max);
/* Copies every key of the storm map (struct syndrop_storm_entry, bpf/syndrop_storm.h: cumulative
 * values, never reset) into buf, up to max_entries, after setting the map's epoch to now: the next
 * drop of each key starts its first_ns anew. *epoch_ns gets that ktime (CLOCK_MONOTONIC). Returns the
 * number of entries, or -errno (-ENODATA when summaries are off). Safe to call while another thread
 * drains; not with syndrop_close. */
int syndrop_storm_read(struct syndrop *s, void *buf, int max_entries, uint64_t *epoch_ns);

/* Detaches everything and frees the handle. */
void syndrop_close(struct syndrop *s);

/* Layout introspection for Java's drift test. */
int syndrop_event_size(void);
int syndrop_layout_version(void);
/* Offset of a field of struct syndrop_event, or -1 when there is no such field. */
int syndrop_field_offset(const char *field);

/* Name of an enum skb_drop_reason value on the running kernel, read from its BTF
 * ("NO_SOCKET", without the SKB_DROP_REASON_ prefix). Returns length or -errno. */
int syndrop_drop_reason_name(uint32_t value, char *buf, int len);

#ifdef __cplusplus
}
#endif
#endif
