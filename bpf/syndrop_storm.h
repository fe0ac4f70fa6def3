/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Storm summaries: exact per-key drop counts in a BPF hash map, and a per-key token bucket that
 * limits how many drops are sent as full events. Shared by the CO-RE programs (syndrop.bpf.c,
 * which defines SYNDROP_STORM_CORE before including this) and the BCC flavour (syndrop_bcc.c,
 * SYNDROP_STORM_BCC; Java inlines this file there). The shim includes it for the layouts only.
 *
 * Exactness, whatever the rate:
 *  - counts are cumulative since load and raised with atomic adds on a shared (not per-CPU)
 *    value, so no increment is lost between CPUs; user space never deletes or resets an entry, it
 *    reads the cumulative values and computes each window's delta itself (no delete-then-read race);
 *  - a full map never evicts: a drop whose key does not fit is counted on its reason's overflow
 *    key (SYNDROP_STORM_OVERFLOW, every other field zero), which user space inserts before attach;
 *  - `detailed` is raised only after the event was submitted to the ring (perf) buffer, so an event
 *    lost at reserve is "not detailed" and covered by its summary: detailed events received plus the
 *    sum over summaries of (count - detailed) equals what the kernel counted, exactly.
 *
 * The token bucket is GCRA (a virtual-scheduling bucket) on the shared value, with atomic adds
 * only: every detailed drop adds one interval (1/rate) to the key's theoretical arrival time
 * (tat); a drop is detailed while tat - now <= (burst - 1) intervals. Tracing programs cannot take
 * bpf_spin_lock and 4.9 has no compare-and-swap, so two CPUs may pass the test at the same instant:
 * over any window, detailed <= burst + rate * window + (CPUs - 1) per key (docs/cli.md).
 *
 * Plain C types only, as syndrop.h.
 */
#ifndef SYNDROP_STORM_H
#define SYNDROP_STORM_H

#define SYNDROP_STORM_IPV6     0x1 /* prefix holds an IPv6 prefix; else its first 4 bytes an IPv4 one */
#define SYNDROP_STORM_OVERFLOW 0x2 /* the map was full: this reason's drops whose key did not fit */
#define SYNDROP_STORM_KEYS_DEFAULT 16384
#define SYNDROP_STORM_REASONS 8    /* overflow keys: one per enum syndrop_reason value */

/* 32 bytes, no implicit padding. */
struct syndrop_storm_key {
	__u64 netns_ino;     /*  0 the drop's network namespace */
	__u8  prefix[16];    /*  8 source address masked to the configured prefix (network order) */
	__u32 kernel_reason; /* 24 enum skb_drop_reason of the running kernel, 0 none */
	__u16 dport;         /* 28 destination (listener) port, host order */
	__u8  reason;        /* 30 enum syndrop_reason */
	__u8  flags;         /* 31 SYNDROP_STORM_* */
};

/* 40 bytes. Every field is written by the BPF side only; user space reads. */
struct syndrop_storm_value {
	__u64 count;    /*  0 drops of this key since load (atomic adds: exact) */
	__u64 detailed; /*  8 of them submitted as events */
	__u64 first_ns; /* 16 ktime of the first drop after the reader's last epoch (storm_epoch) */
	__u64 last_ns;  /* 24 ktime of the latest drop */
	__u64 tat_ns;   /* 32 token bucket: theoretical arrival time */
};

/* What the shim's syndrop_storm_read() copies out per key. */
struct syndrop_storm_entry {
	struct syndrop_storm_key key;
	struct syndrop_storm_value val;
};

#ifndef __cplusplus
_Static_assert(sizeof(struct syndrop_storm_key) == 32, "syndrop_storm_key layout changed");
_Static_assert(sizeof(struct syndrop_storm_value) == 40, "syndrop_storm_value layout changed");
#endif

/* ---- the programs' side ------------------------------------------------------------------------ */

#if defined(SYNDROP_STORM_CORE)
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYNDROP_STORM_KEYS_DEFAULT); /* the shim sets --summary-keys + the overflow keys */
	__type(key, struct syndrop_storm_key);
	__type(value, struct syndrop_storm_value);
} storm_counts SEC(".maps");

/* [0]: ktime when the reader last read storm_counts: a drop after it starts a new window's first_ns. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} storm_epoch SEC(".maps");

#define SD_STORM_ON               (cfg.storm_on)
#define SD_STORM_PREFIX4          (cfg.storm_prefix4)
#define SD_STORM_PREFIX6          (cfg.storm_prefix6)
#define SD_DETAIL_BURST           (cfg.detail_burst)
#define SD_DETAIL_INTERVAL_NS     (cfg.detail_interval_ns)
#define SD_DETAIL_TOLERANCE_NS    (cfg.detail_tolerance_ns)
#define SD_STORM_ENABLED 1

static __always_inline struct syndrop_storm_value *sd_storm_lookup(struct syndrop_storm_key *k)
{
	return bpf_map_lookup_elem(&storm_counts, k);
}

static __always_inline void sd_storm_insert(struct syndrop_storm_key *k, struct syndrop_storm_value *v)
{
	bpf_map_update_elem(&storm_counts, k, v, BPF_NOEXIST);
}

static __always_inline __u64 *sd_storm_epoch(int *zero)
{
	return bpf_map_lookup_elem(&storm_epoch, zero);
}

#elif defined(SYNDROP_STORM_BCC)
/* Settings Java passes (-D); the defaults keep a syntax check compiling. */
#ifndef SYNDROP_STORM_ON
#define SYNDROP_STORM_ON 0
#endif
#ifndef SYNDROP_STORM_KEYS
#define SYNDROP_STORM_KEYS (SYNDROP_STORM_KEYS_DEFAULT + SYNDROP_STORM_REASONS)
#endif
#ifndef SYNDROP_STORM_PREFIX4
#define SYNDROP_STORM_PREFIX4 24
#endif
#ifndef SYNDROP_STORM_PREFIX6
#define SYNDROP_STORM_PREFIX6 64
#endif
#ifndef SYNDROP_DETAIL_BURST
#define SYNDROP_DETAIL_BURST 0
#endif
#ifndef SYNDROP_DETAIL_INTERVAL_NS
#define SYNDROP_DETAIL_INTERVAL_NS 0ULL
#endif
#ifndef SYNDROP_DETAIL_TOLERANCE_NS
#define SYNDROP_DETAIL_TOLERANCE_NS 0ULL
#endif
BPF_HASH(storm_counts, struct syndrop_storm_key, struct syndrop_storm_value, SYNDROP_STORM_KEYS);
BPF_ARRAY(storm_epoch, u64, 1);

#define SD_STORM_ON               SYNDROP_STORM_ON
#define SD_STORM_PREFIX4          SYNDROP_STORM_PREFIX4
#define SD_STORM_PREFIX6          SYNDROP_STORM_PREFIX6
#define SD_DETAIL_BURST           SYNDROP_DETAIL_BURST
#define SD_DETAIL_INTERVAL_NS     SYNDROP_DETAIL_INTERVAL_NS
#define SD_DETAIL_TOLERANCE_NS    SYNDROP_DETAIL_TOLERANCE_NS
#define SD_STORM_ENABLED 1

/* Functions, not macros: BCC's rewriter refuses map calls inside a macro. */
static __always_inline struct syndrop_storm_value *sd_storm_lookup(struct syndrop_storm_key *k)
{
	return storm_counts.lookup(k);
}

static __always_inline void sd_storm_insert(struct syndrop_storm_key *k, struct syndrop_storm_value *v)
{
	storm_counts.insert(k, v);
}

static __always_inline u64 *sd_storm_epoch(int *zero)
{
	return storm_epoch.lookup(zero);
}
#endif

#ifdef SD_STORM_ENABLED
/* The source address masked to `bits`, byte by byte (unrolled: old verifiers have no loops). */
static __always_inline void syndrop_storm_mask(__u8 *dst, const __u8 *src, __u32 bits, int nbytes)
{
	int i;

#pragma unroll
	for (i = 0; i < 16; i++) {
		__u8 m = bits >= 8 ? 0xff : bits == 0 ? 0 : (__u8)(0xff << (8 - bits));

		if (i < nbytes)
			dst[i] = src[i] & m;
		bits = bits >= 8 ? bits - 8 : 0;
	}
}

/*
 * Counts one drop of event e (after the filters) at ktime `now`. Returns the key's value, on which
 * the caller raises `detailed` once the event is submitted, or NULL when the drop is not to be sent
 * (the bucket is empty) - then *detail is 0. Returns NULL with *detail 1 when summaries are off (or
 * no value could be found: then the event itself is its only record, which still reconciles).
 */
static __always_inline struct syndrop_storm_value *syndrop_storm_count(const struct syndrop_event *e, __u64 now,
								     int *detail)
{
	struct syndrop_storm_key k = {};
	struct syndrop_storm_value *v;
	int zero = 0; /* int: BCC's BPF_ARRAY lookup takes an int key */
	__u64 *epoch, tat;

	*detail = 1;
	if (!SD_STORM_ON)
		return NULL;
	k.netns_ino = e->netns_ino;
	k.kernel_reason = e->kernel_reason;
	k.dport = e->dport;
	k.reason = e->reason;
	if (e->flags & SYNDROP_F_IPV6) {
		k.flags = SYNDROP_STORM_IPV6;
		syndrop_storm_mask(k.prefix, e->saddr, SD_STORM_PREFIX6, 16);
	} else {
		syndrop_storm_mask(k.prefix, e->saddr, SD_STORM_PREFIX4, 4);
	}
	v = sd_storm_lookup(&k);
	if (!v) {
		struct syndrop_storm_value init = {};

		init.first_ns = now;
		init.last_ns = now;
		/* NOEXIST: a CPU that lost the race to insert must not zero the winner's count. */
		sd_storm_insert(&k, &init);
		v = sd_storm_lookup(&k);
	}
	if (!v) {
		/* Full: this reason's overflow key (inserted by user space before attach). */
		__builtin_memset(&k, 0, sizeof(k));
		k.reason = e->reason;
		k.flags = SYNDROP_STORM_OVERFLOW;
		v = sd_storm_lookup(&k);
		if (!v)
			return NULL;
	}
	__sync_fetch_and_add(&v->count, 1);
	epoch = sd_storm_epoch(&zero);
	if (epoch && v->last_ns < *epoch)
		v->first_ns = now;
	v->last_ns = now;

	if (!SD_DETAIL_INTERVAL_NS)
		return v; /* --detail-rate 0: every drop is sent */
	if (!SD_DETAIL_BURST) {
		*detail = 0; /* --detail-burst 0: summaries only */
		return NULL;
	}
	tat = v->tat_ns;
	if (tat < now) {
		/* Idle long enough for a full bucket. */
		tat = now;
		v->tat_ns = now;
	}
	if (tat - now > SD_DETAIL_TOLERANCE_NS) {
		*detail = 0;
		return NULL;
	}
	__sync_fetch_and_add(&v->tat_ns, SD_DETAIL_INTERVAL_NS);
	return v;
}

/* After the event of a syndrop_storm_count() that returned v was submitted. */
static __always_inline void syndrop_storm_detailed(struct syndrop_storm_value *v)
{
	if (v)
		__sync_fetch_and_add(&v->detailed, 1);
}
#endif /* SD_STORM_ENABLED */

#endif /* SYNDROP_STORM_H */
