// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libsyndrop: loads syndrop.bpf.o with libbpf (linked statically), attaches the programs of
 * one mode, and drains the ring buffer in batches into memory that Java owns. The object is
 * built into this library through its bpftool skeleton (syndrop.skel.h, generated at build
 * time), so the config struct, the programs and the maps are typed fields checked by the
 * compiler: shim and object cannot disagree about them at run time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../bpf/syndrop.h"
#include "../bpf/syndrop_storm.h"
#include "syndrop_shim.h"
#include "syndrop.skel.h"

/* Kernel functions hooked in the fentry and kprobe modes; see plan_hooks(). */
#define NHOOKS 6
/* At most one kfree_skb tracepoint program and one program per hook are attached. */
#define MAX_LINKS (1 + NHOOKS)
#define LIBBPF_LOG_KEEP 4096

/* Every program of syndrop.bpf.c has its place in the attach plan: the two kfree_skb
 * tracepoint variants and an fentry/kprobe pair per hook. A program added to the BPF side
 * without a place here would load unasked in every mode, so the build stops instead. */
_Static_assert(sizeof(((struct syndrop_bpf *)0)->progs) == (2 + 2 * NHOOKS) * sizeof(struct bpf_program *),
	       "syndrop.bpf.c's programs and the shim's attach plan (plan_hooks) differ");

struct syndrop {
	struct syndrop_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *attached[MAX_LINKS]; /* the program behind links[i] */
	int nlinks;
	int ringbuf_fd;
	int lost_fd;
	int epoll_fd;
	int wake_fd;               /* eventfd in the epoll set: syndrop_wake() ends a waiting drain */
	void *consumer_page;
	void *producer_pages;
	size_t ring_size;
	size_t page_size;
};

/* libbpf's messages of the current open/attach, so that an error carries the kernel's words. */
static __thread char libbpf_log[LIBBPF_LOG_KEEP];
static __thread size_t libbpf_log_len;
static int libbpf_debug;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !libbpf_debug)
		return 0;
	if (libbpf_debug) {
		va_list copy;
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_DEBUG && libbpf_log_len < sizeof(libbpf_log) - 1) {
		int n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, args);
		if (n > 0)
			libbpf_log_len += (size_t)n;
		if (libbpf_log_len >= sizeof(libbpf_log))
			libbpf_log_len = sizeof(libbpf_log) - 1;
	}
	return 0;
}

static void fail(char *errbuf, int errlen, int err, const char *what, ...)
{
	int n;
	va_list ap;

	if (!errbuf || errlen <= 0)
		return;
	va_start(ap, what);
	n = vsnprintf(errbuf, (size_t)errlen, what, ap);
	va_end(ap);
	if (n < 0 || n >= errlen)
		return;
	n += snprintf(errbuf + n, (size_t)(errlen - n), " (errno %d: %s)", -err, strerror(-err));
	if (libbpf_log_len && n < errlen)
		snprintf(errbuf + n, (size_t)(errlen - n), "\nlibbpf: %s", libbpf_log);
}

/*
 * The running kernel's BTF (~5 MiB parsed) is needed while a session opens and to name drop
 * reasons. It is loaded on demand and freed once syndrop_open returns, keeping only the small
 * table of skb_drop_reason names: a long-running agent should not carry it in its RSS.
 * btf_lock serializes opens with name lookups from a drain thread.
 */
static pthread_mutex_t btf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct btf *vmlinux;
static int vmlinux_tried;

struct reason_name {
	uint32_t value;
	char *name;               /* without the SKB_DROP_REASON_ prefix */
};
static struct reason_name *reason_names;
static int nreason_names = -1; /* -1: not read yet */

static const struct btf *vmlinux_btf(void)
{
	if (!vmlinux_tried) {
		vmlinux_tried = 1;
		vmlinux = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux))
			vmlinux = NULL;
	}
	return vmlinux;
}

static void release_vmlinux_btf(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	vmlinux_tried = 0;
}

/* Copies the enumerators of enum skb_drop_reason out of the kernel's BTF (none when it has no such enum). */
static void read_reason_names(void)
{
	const struct btf *btf = vmlinux_btf();
	const struct btf_enum *e;
	const struct btf_type *t;
	int id, i, n;

	if (nreason_names >= 0 || !btf)
		return;
	nreason_names = 0;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0)
		return;
	t = btf__type_by_id(btf, id);
	n = btf_vlen(t);
	reason_names = calloc((size_t)n, sizeof(*reason_names));
	if (!reason_names)
		return;
	e = btf_enum(t);
	for (i = 0; i < n; i++, e++) {
		const char *name = btf__name_by_offset(btf, e->name_off);

		if (!strncmp(name, "SKB_DROP_REASON_", 16))
			name += 16;
		reason_names[nreason_names].value = (uint32_t)e->val;
		reason_names[nreason_names].name = strdup(name);
		if (reason_names[nreason_names].name)
			nreason_names++;
	}
}

/* Number of arguments of a raw tracepoint's BTF prototype (btf_trace_<name>), minus the ctx. */
static int tp_btf_nargs(const char *tp)
{
	const struct btf *btf = vmlinux_btf();
	const struct btf_type *t;
	char name[128];
	int id;

	if (!btf)
		return -1;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type); /* pointer */
	t = btf__type_by_id(btf, t->type);                          /* func proto */
	if (!btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

static int drop_reason_value(const char *suffix)
{
	const struct btf *btf = vmlinux_btf();
	const struct btf_enum *e;
	const struct btf_type *t;
	char want[96];
	int id, i;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	snprintf(want, sizeof(want), "SKB_DROP_REASON_%s", suffix);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), want))
			return (int)e->val;
	return -1;
}

/* Value of an enumerator of any enum in the kernel's BTF (anonymous ones included), or -1. */
static int enumerator_value(const char *want)
{
	const struct btf *btf = vmlinux_btf();
	int id, n, i;

	if (!btf)
		return -1;
	n = (int)btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), want))
				return (int)e->val;
	}
	return -1;
}

int syndrop_drop_reason_name(uint32_t value, char *buf, int len)
{
	int i, ret = -ENOENT;

	pthread_mutex_lock(&btf_lock);
	if (nreason_names < 0) {
		read_reason_names();
		release_vmlinux_btf();
	}
	for (i = 0; i < nreason_names; i++) {
		if (reason_names[i].value == value) {
			ret = snprintf(buf, (size_t)len, "%s", reason_names[i].name);
			break;
		}
	}
	pthread_mutex_unlock(&btf_lock);
	return ret;
}

static int kernel_has_func(const char *fn)
{
	const struct btf *btf = vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) > 0;
}

/*
 * One kernel function syndrop hooks in the fentry and kprobe modes: its fentry/fexit program,
 * the kprobe/kretprobe twin with the same logic, and whether this kernel needs the hook at all.
 */
struct hook {
	struct bpf_program *fentry;
	struct bpf_program *kprobe;
	int wanted;
};

/* The hooks in attach order (a call's entry before its exit). */
static void plan_hooks(struct syndrop_bpf *skel, const struct syndrop_config *cfg, struct hook h[NHOOKS])
{
	/* With kfree_skb reporting them (6.16+), the dedicated TIME-WAIT and final-ACK hooks would
	 * count the same drops twice. */
	int want_syn_recv_sock = !cfg->kfree_reports_overflow;

	h[0] = (struct hook){ skel->progs.fe_conn_request, skel->progs.kp_conn_request, 1 };
	h[1] = (struct hook){ skel->progs.fe_conn_request_exit, skel->progs.kp_conn_request_exit, 1 };
	h[2] = (struct hook){ skel->progs.fe_peer_is_proven, skel->progs.kp_peer_is_proven,
			      kernel_has_func("tcp_peer_is_proven") };
	h[3] = (struct hook){ skel->progs.fe_timewait, skel->progs.kp_timewait, !cfg->kfree_reports_tw_paws };
	h[4] = (struct hook){ skel->progs.fe_syn_recv_sock_v4, skel->progs.kp_syn_recv_sock_v4, want_syn_recv_sock };
	h[5] = (struct hook){ skel->progs.fe_syn_recv_sock_v6, skel->progs.kp_syn_recv_sock_v6,
			      want_syn_recv_sock && kernel_has_func("tcp_v6_syn_recv_sock") };
}

/*
 * Decides, for every program of the object, whether it is loaded. The kfree_skb program that
 * matches the tracepoint's prototype loads in every mode. fentry mode also loads the kprobe
 * twins: a function that refuses a trampoline (ENOTSUPP on some builds) falls back to a kprobe
 * for that hook alone.
 */
static void set_autoload(struct syndrop_bpf *skel, const struct hook h[NHOOKS], uint32_t mode, int kfree_nargs)
{
	int i;

	bpf_program__set_autoload(skel->progs.tp_kfree_skb, kfree_nargs >= 4);
	bpf_program__set_autoload(skel->progs.tp_kfree_skb_noskarg, kfree_nargs == 3);
	for (i = 0; i < NHOOKS; i++) {
		bpf_program__set_autoload(h[i].fentry, mode == SYNDROP_MODE_FENTRY && h[i].wanted);
		bpf_program__set_autoload(h[i].kprobe, mode != SYNDROP_MODE_TRACEPOINT && h[i].wanted);
	}
}

/* Attaches prog, or its twin when prog fails and there is one; names prog when both fail. */
static int attach_program(struct syndrop *s, struct bpf_program *prog, struct bpf_program *twin,
			  char *errbuf, int errlen)
{
	struct bpf_link *link = bpf_program__attach(prog);
	int err = (int)libbpf_get_error(link);

	s->attached[s->nlinks] = prog;
	if (err && twin) {
		struct bpf_link *fallback = bpf_program__attach(twin);

		if (!libbpf_get_error(fallback)) {
			link = fallback;
			err = 0;
			s->attached[s->nlinks] = twin;
		}
	}
	if (err) {
		fail(errbuf, errlen, err, "attaching %s (%s) failed", bpf_program__name(prog),
		     bpf_program__section_name(prog));
		return err;
	}
	s->links[s->nlinks++] = link;
	return 0;
}

static int attach_mode(struct syndrop *s, const struct hook h[NHOOKS], uint32_t mode, char *errbuf, int errlen)
{
	struct bpf_program *kfree = bpf_program__autoload(s->skel->progs.tp_kfree_skb) ? s->skel->progs.tp_kfree_skb
			: bpf_program__autoload(s->skel->progs.tp_kfree_skb_noskarg) ? s->skel->progs.tp_kfree_skb_noskarg
			: NULL;
	int i, err;

	if (kfree) {
		err = attach_program(s, kfree, NULL, errbuf, errlen);
		if (err)
			return err;
	} else if (mode == SYNDROP_MODE_TRACEPOINT) {
		fail(errbuf, errlen, -EOPNOTSUPP, "this kernel's kfree_skb tracepoint has no drop reason (needs 5.17+)");
		return -EOPNOTSUPP;
	}
	if (mode == SYNDROP_MODE_TRACEPOINT)
		return 0;
	for (i = 0; i < NHOOKS; i++) {
		if (!h[i].wanted)
			continue;
		if (mode == SYNDROP_MODE_FENTRY)
			err = attach_program(s, h[i].fentry, h[i].kprobe, errbuf, errlen);
		else
			err = attach_program(s, h[i].kprobe, NULL, errbuf, errlen);
		if (err)
			return err;
	}
	return 0;
}

#define EPOLL_TAG_RING 0
#define EPOLL_TAG_WAKE 1

static int map_ringbuf(struct syndrop *s, char *errbuf, int errlen)
{
	struct bpf_map *rb = s->skel->maps.events;
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	s->ringbuf_fd = bpf_map__fd(rb);
	s->lost_fd = bpf_map__fd(s->skel->maps.lost);
	s->page_size = (size_t)sysconf(_SC_PAGESIZE);
	s->ring_size = bpf_map__max_entries(rb);
	s->consumer_page = mmap(NULL, s->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->ringbuf_fd, 0);
	if (s->consumer_page == MAP_FAILED) {
		err = -errno;
		s->consumer_page = NULL;
		fail(errbuf, errlen, err, "mmap of the ring buffer's consumer page failed");
		return err;
	}
	/* The data area is mapped twice in a row by the kernel, so a record never wraps. */
	s->producer_pages = mmap(NULL, s->page_size + 2 * s->ring_size, PROT_READ, MAP_SHARED,
				 s->ringbuf_fd, (off_t)s->page_size);
	if (s->producer_pages == MAP_FAILED) {
		err = -errno;
		s->producer_pages = NULL;
		fail(errbuf, errlen, err, "mmap of the ring buffer's data pages failed");
		return err;
	}
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u32 = EPOLL_TAG_RING;
	if (s->epoll_fd < 0 || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->ringbuf_fd, &ev) < 0) {
		err = -errno;
		fail(errbuf, errlen, err, "epoll on the ring buffer failed");
		return err;
	}
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.u32 = EPOLL_TAG_WAKE;
	if (s->wake_fd < 0 || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &ev) < 0) {
		err = -errno;
		fail(errbuf, errlen, err, "creating the drain's wake-up eventfd failed");
		return err;
	}
	return 0;
}

/* One overflow key per reason, before attach: a full map then counts on them, never evicts (syndrop_storm.h). */
static int insert_overflow_keys(struct syndrop *s, char *errbuf, int errlen)
{
	int fd = bpf_map__fd(s->skel->maps.storm_counts);
	struct syndrop_storm_value zero = {0};
	int r;

	for (r = 0; r < SYNDROP_STORM_REASONS; r++) {
		struct syndrop_storm_key k = {0};

		k.reason = (__u8)r;
		k.flags = SYNDROP_STORM_OVERFLOW;
		if (bpf_map_update_elem(fd, &k, &zero, BPF_NOEXIST)) {
			int err = -errno;

			fail(errbuf, errlen, err, "inserting the storm map's overflow key for reason %d failed", r);
			return err;
		}
	}
	return 0;
}

static struct syndrop *open_session(const struct syndrop_options *o, int *errp, char *errbuf, int errlen)
{
	struct syndrop_config cfg = {0};
	struct hook hooks[NHOOKS];
	struct syndrop *s;
	int err = 0, kfree_nargs;

	libbpf_log_len = 0;
	libbpf_log[0] = 0;
	libbpf_debug = o->libbpf_debug;
	libbpf_set_print(print_fn);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);

	if (o->mode < SYNDROP_MODE_FENTRY || o->mode > SYNDROP_MODE_TRACEPOINT) {
		err = -EINVAL;
		fail(errbuf, errlen, err, "unknown attach mode %u", o->mode);
		goto out_err_nofree;
	}
	if (!vmlinux_btf()) {
		err = -ENOENT;
		fail(errbuf, errlen, err, "this kernel exposes no BTF at /sys/kernel/btf/vmlinux "
		     "(CONFIG_DEBUG_INFO_BTF=y is needed for CO-RE); use --backend bcc or --backend counters");
		goto out_err_nofree;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		fail(errbuf, errlen, err, "out of memory");
		goto out_err_nofree;
	}
	s->ringbuf_fd = s->lost_fd = s->epoll_fd = s->wake_fd = -1;

	memcpy(cfg.ports, o->ports, sizeof(cfg.ports));
	cfg.nports = o->nports > SYNDROP_MAX_PORTS ? SYNDROP_MAX_PORTS : o->nports;
	cfg.src_family = o->src_family;
	memcpy(cfg.src_addr, o->src_addr, sizeof(cfg.src_addr));
	cfg.src_prefix = o->src_prefix;
	cfg.reason_mask = o->reason_mask;
	cfg.netns_ino = o->netns_ino;
	cfg.workload_netns = o->workload_netns ? 1 : 0;
	if (o->storm_on) {
		cfg.storm_on = 1;
		cfg.storm_prefix4 = (__u8)(o->storm_prefix4 > 32 ? 32 : o->storm_prefix4);
		cfg.storm_prefix6 = (__u8)(o->storm_prefix6 > 128 ? 128 : o->storm_prefix6);
		cfg.detail_burst = o->detail_burst;
		cfg.detail_interval_ns = o->detail_rate ? 1000000000ULL / o->detail_rate : 0;
		if (o->detail_rate && !cfg.detail_interval_ns)
			cfg.detail_interval_ns = 1;
		cfg.detail_tolerance_ns = o->detail_burst ? (__u64)(o->detail_burst - 1) * cfg.detail_interval_ns : 0;
	}

	/* The TcpExt MIB enum is anonymous and grew in the middle (6.13+ inserted PAWS counters before
	 * ListenDrops), so its index comes from the running kernel, not from the build's vmlinux.h. */
	cfg.listen_drops_mib = enumerator_value("LINUX_MIB_LISTENDROPS");
	kfree_nargs = tp_btf_nargs("kfree_skb");
	/* With rx_sk (6.12+) and the reason names (6.16+), kfree_skb alone proves a TIME-WAIT PAWS
	 * reject and a final-ACK overflow, so the dedicated hooks stay detached to avoid double counts. */
	cfg.kfree_reports_tw_paws = kfree_nargs >= 4 && drop_reason_value("TCP_RFC7323_TW_PAWS") >= 0;
	cfg.kfree_reports_overflow = kfree_nargs >= 4 && drop_reason_value("TCP_LISTEN_OVERFLOW") >= 0;
	if (o->mode == SYNDROP_MODE_TRACEPOINT) {
		cfg.kfree_reports_tw_paws = drop_reason_value("TCP_RFC7323_TW_PAWS") >= 0;
		cfg.kfree_reports_overflow = drop_reason_value("TCP_LISTEN_OVERFLOW") >= 0;
	}

	s->skel = syndrop_bpf__open();
	if (!s->skel) {
		err = -errno;
		fail(errbuf, errlen, err, "cannot open the BPF object built into libsyndrop.so");
		goto out_err;
	}
	s->skel->rodata->cfg = cfg;
	if (o->ringbuf_bytes) {
		err = bpf_map__set_max_entries(s->skel->maps.events, o->ringbuf_bytes);
		if (err) {
			fail(errbuf, errlen, err, "ring buffer size %u refused (a power of two >= page size is needed)",
			     o->ringbuf_bytes);
			goto out_err;
		}
	}
	err = bpf_map__set_max_entries(s->skel->maps.storm_counts,
				       (o->storm_keys ? o->storm_keys : SYNDROP_STORM_KEYS_DEFAULT) + SYNDROP_STORM_REASONS);
	if (err) {
		fail(errbuf, errlen, err, "storm map size %u refused", o->storm_keys);
		goto out_err;
	}
	plan_hooks(s->skel, &cfg, hooks);
	set_autoload(s->skel, hooks, o->mode, kfree_nargs);

	err = syndrop_bpf__load(s->skel);
	if (err) {
		fail(errbuf, errlen, err, "loading the BPF programs failed");
		goto out_err;
	}
	err = insert_overflow_keys(s, errbuf, errlen);
	if (err)
		goto out_err;
	err = attach_mode(s, hooks, o->mode, errbuf, errlen);
	if (err)
		goto out_err;
	err = map_ringbuf(s, errbuf, errlen);
	if (err)
		goto out_err;
	*errp = 0;
	return s;

out_err:
	syndrop_close(s);
out_err_nofree:
	*errp = err ? err : -EINVAL;
	return NULL;
}

/*
 * glibc raises its mmap threshold to the size of the largest mmapped block freed so far (up to
 * 32 MiB) and its trim threshold to twice that. Opening a session frees several such blocks (the
 * vmlinux BTF, 5.5 MiB on 6.18, read several times per attach attempt; libbpf's 16 MiB verifier
 * log after a failed load, which every fallback from fentry causes), so from then on blocks of
 * many MiB come from the per-thread heaps, and the free space they leave at the top of a heap
 * stays resident: malloc_trim does not return a thread heap's top. In the agent that was ~23 MiB
 * of RSS idle and ~30 MiB more at its peak under 10k drops/s. Pinning both thresholds to glibc's
 * defaults keeps big blocks in mmap (returned on free) and lets heaps shrink. Once per process,
 * before the first load; the call only tunes glibc's malloc, so another allocator is unaffected.
 */
static pthread_once_t malloc_pinned = PTHREAD_ONCE_INIT;

static void pin_malloc_thresholds(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}

struct syndrop *syndrop_open(const struct syndrop_options *o, int *errp, char *errbuf, int errlen)
{
	struct syndrop *s;

	pthread_once(&malloc_pinned, pin_malloc_thresholds);
	pthread_mutex_lock(&btf_lock);
	s = open_session(o, errp, errbuf, errlen);
	read_reason_names(); /* while the BTF is loaded anyway, for syndrop_drop_reason_name */
	release_vmlinux_btf();
	pthread_mutex_unlock(&btf_lock);
	return s;
}

void syndrop_wake(struct syndrop *s)
{
	uint64_t one = 1;

	/* Nonblocking: fails only when the counter is saturated, i.e. a wake-up is pending anyway. */
	if (write(s->wake_fd, &one, sizeof(one)) < 0) {
		/* nothing to do */
	}
}

int syndrop_drain(struct syndrop *s, void *buf, int max_events, int timeout_ms)
{
	unsigned long *consumer = s->consumer_page;
	unsigned long *producer = s->producer_pages;
	char *data = (char *)s->producer_pages + s->page_size;
	unsigned long mask = s->ring_size - 1;
	unsigned long cons, prod;
	int n = 0, waited = 0;

	for (;;) {
		cons = __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
		prod = __atomic_load_n(producer, __ATOMIC_ACQUIRE);
		while (cons < prod && n < max_events) {
			__u32 *hdr = (__u32 *)(data + (cons & mask));
			__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				break;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				__u32 l = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
				char *dst = (char *)buf + (size_t)n * SYNDROP_EVENT_SIZE;

				memcpy(dst, hdr + 2, l < SYNDROP_EVENT_SIZE ? l : SYNDROP_EVENT_SIZE);
				if (l < SYNDROP_EVENT_SIZE)
					memset(dst + l, 0, SYNDROP_EVENT_SIZE - l);
				n++;
			}
			cons += ((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
			__atomic_store_n(consumer, cons, __ATOMIC_RELEASE);
			if (cons == prod)
				prod = __atomic_load_n(producer, __ATOMIC_ACQUIRE);
		}
		if (n > 0 || waited || timeout_ms == 0)
			return n;
		struct epoll_event ev;
		int r = epoll_wait(s->epoll_fd, &ev, 1, timeout_ms);
		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		if (r > 0 && ev.data.u32 == EPOLL_TAG_WAKE) {
			uint64_t count;

			if (read(s->wake_fd, &count, sizeof(count)) < 0) {
				/* already reset: nothing to do */
			}
		}
		waited = 1;
	}
}

int syndrop_lost(struct syndrop *s, uint64_t *per_slot, int nslots)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 key;

	if (ncpu <= 0)
		return ncpu;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (nslots > SYNDROP_SLOT_MAX)
		nslots = SYNDROP_SLOT_MAX;
	for (key = 0; key < (__u32)nslots; key++) {
		int cpu;

		per_slot[key] = 0;
		if (bpf_map_lookup_elem(s->lost_fd, &key, vals)) {
			int err = -errno;
			free(vals);
			return err;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			per_slot[key] += vals[cpu];
	}
	free(vals);
	return nslots;
}

int syndrop_programs(struct syndrop *s, char *buf, int len)
{
	int i, off = 0;

	if (len <= 0)
		return 0;
	buf[0] = 0;
	for (i = 0; i < s->nlinks; i++) {
		struct bpf_program *p = s->attached[i];
		struct bpf_prog_info info;
		__u32 info_len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_len))
			continue;
		off += snprintf(buf + off, (size_t)(len - off), "%s %s %llu %llu\n",
				bpf_program__name(p), bpf_program__section_name(p),
				(unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
		if (off >= len)
			return len - 1;
	}
	return off;
}

int syndrop_storm_read(struct syndrop *s, void *buf, int max_entries, uint64_t *epoch_ns)
{
	struct syndrop_storm_entry *out = buf;
	struct syndrop_storm_key key, next;
	struct timespec ts;
	__u32 zero = 0;
	__u64 now;
	int fd, efd, n = 0, err;
	void *prev = NULL;

	if (!s->skel->rodata->cfg.storm_on)
		return -ENODATA;
	fd = bpf_map__fd(s->skel->maps.storm_counts);
	efd = bpf_map__fd(s->skel->maps.storm_epoch);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	if (bpf_map_update_elem(efd, &zero, &now, BPF_ANY))
		return -errno;
	*epoch_ns = now;
	/* Keys are never deleted, so the walk sees every key that existed when it started. */
	while (n < max_entries) {
		err = bpf_map_get_next_key(fd, prev, &next);
		if (err)
			return errno == ENOENT ? n : -errno;
		if (bpf_map_lookup_elem(fd, &next, &out[n].val) == 0) {
			out[n].key = next;
			n++;
		}
		key = next;
		prev = &key;
	}
	return n;
}

void syndrop_close(struct syndrop *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->consumer_page)
		munmap(s->consumer_page, s->page_size);
	if (s->producer_pages)
		munmap(s->producer_pages, s->page_size + 2 * s->ring_size);
	syndrop_bpf__destroy(s->skel);
	free(s);
}

int syndrop_loaded_config(struct syndrop *s, void *buf, int len)
{
	struct syndrop_bpf__rodata rodata;
	__u32 zero = 0;

	if (len < (int)sizeof(rodata.cfg))
		return -ENOSPC;
	if (bpf_map__value_size(s->skel->maps.rodata) != sizeof(rodata))
		return -EPROTO;
	/* From the kernel's copy of .rodata, not from the skeleton's: what the programs read. */
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.rodata), &zero, &rodata))
		return -errno;
	memcpy(buf, &rodata.cfg, sizeof(rodata.cfg));
	return (int)sizeof(rodata.cfg);
}

int syndrop_workload_update(struct syndrop *s, const uint64_t *inos, int n, int allow)
{
	int fd = bpf_map__fd(s->skel->maps.workload_netns);
	int i, err, changed = 0;
	__u8 one = 1;

	/* libbpf 1.x returns -errno from these (and sets errno) */
	for (i = 0; i < n; i++) {
		__u64 key = inos[i];

		err = allow ? bpf_map_update_elem(fd, &key, &one, BPF_NOEXIST) : bpf_map_delete_elem(fd, &key);
		if (!err)
			changed++;
		else if (err != (allow ? -EEXIST : -ENOENT))
			return err;
	}
	return changed;
}

int syndrop_workload_list(struct syndrop *s, uint64_t *buf, int max)
{
	int fd = bpf_map__fd(s->skel->maps.workload_netns);
	__u64 key, next;
	int n = 0, err;

	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		if (n < max)
			buf[n] = next;
		n++;
		key = next;
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	return err == -ENOENT ? n : err;
}

int syndrop_event_size(void)
{
	return (int)sizeof(struct syndrop_event);
}

int syndrop_layout_version(void)
{
	return SYNDROP_LAYOUT_VERSION;
}

#define FIELD(f) { #f, offsetof(struct syndrop_event, f) }
int syndrop_field_offset(const char *field)
{
	static const struct { const char *name; size_t off; } fields[] = {
		FIELD(ktime_ns), FIELD(netns_ino), FIELD(saddr), FIELD(daddr), FIELD(sport),
		FIELD(dport), FIELD(reason), FIELD(probe), FIELD(flags), FIELD(tcp_flags),
		FIELD(tsval), FIELD(tsecr), FIELD(cached_ts), FIELD(cached_ts_stamp),
		FIELD(kernel_reason), FIELD(syn_qlen), FIELD(syn_qmax), FIELD(accept_qlen),
		FIELD(accept_qmax), FIELD(ifindex), FIELD(ktime_sec_at), FIELD(drops_before),
		FIELD(drops_after), FIELD(max_syn_backlog), FIELD(syncookies), FIELD(pad), FIELD(listener_ino),
		FIELD(listen_drops_before), FIELD(listen_drops_after), FIELD(seq), FIELD(ack_seq), FIELD(window),
		FIELD(mss), FIELD(wscale), FIELD(syn_opts), FIELD(pkt_len), FIELD(pad2), FIELD(pkt),
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].name, field))
			return (int)fields[i].off;
	return -1;
}
