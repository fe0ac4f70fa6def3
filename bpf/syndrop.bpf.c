// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syndrop's CO-RE programs: one event per SYN or handshake a listener drops, with its cause.
 *
 * Program names carry their attach mode; the shim loads one mode's set through the bpftool
 * skeleton's fields (native/shim.c, plan_hooks: a program it does not list stops the build):
 *   tp_*  tp_btf/kfree_skb, loaded in every mode (KERNEL_REASON drops, and on 6.16+ the
 *         TIME-WAIT PAWS and final-ACK overflow drops, which carry their own reasons there)
 *   fe_*  fentry/fexit (BTF trampolines)
 *   kp_*  kprobe/kretprobe, same logic for kernels that refuse trampolines
 * SYNs dropped inside tcp_conn_request() are consumed, not freed, so kfree_skb never sees
 * them; the fe_/kp_ pairs compare this CPU's TcpExt:ListenDrops before and after the call
 * instead (the listener's sk_drops where that cannot be read).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "syndrop.h"
#include "syndrop_classify.h"

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define NSEC_PER_SEC 1000000000ULL

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct syndrop_config cfg = {};

#include "syndrop_workload.h"
#define SYNDROP_STORM_CORE 1
#include "syndrop_storm.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Events lost at reserve, per CPU and per program slot: delivered + lost = what was seen. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNDROP_SLOT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* State carried from the entry of tcp_conn_request to its exit, on the CPU running it.
 * The call runs in softirq and does not nest on one CPU, so one slot per CPU suffices. */
struct conn_req_state {
	struct sock *sk;
	struct sk_buff *skb;
	__u64 listen_drops_slot;	/* 0: unknown, fall back to sk_drops */
	__u64 listen_drops_before;
	__u32 drops_before;
	__u32 syn_qlen;
	__u32 accept_qlen;
	__u32 max_ack_backlog;
	__u8 unproven;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn_req_state);
} conn_req SEC(".maps");

/* Scratch space, so the stack stays small: the event being built, and the TCP options it is
 * parsed from (in a map value, where the verifier accepts bounded variable offsets). */
struct scratch {
	struct syndrop_event e;
	__u8 opts[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Keeps an index masked where the compiler would otherwise drop the mask as redundant. */
static __always_inline __u32 bounded(__u32 i)
{
	asm volatile("%0 &= 63" : "+r"(i));
	return i;
}

/* kernel 6.18 renamed nothing we read, but older kernels lack sk_drop_counters: read what exists. */
static __always_inline __u32 sk_drops_read(struct sock *sk)
{
	if (bpf_core_field_exists(sk->sk_drops))
		return (__u32)BPF_CORE_READ(sk, sk_drops.counter);
	return 0;
}

/* The per-CPU offsets of the kernel's percpu areas (x86: __per_cpu_offset[NR_CPUS]). */
extern const void __per_cpu_offset __ksym __weak;

/*
 * This CPU's copy of the namespace's TcpExt:ListenDrops. tcp_listendrop() raises it together
 * with the listener's sk_drops for every SYN tcp_conn_request() drops; but sk_drops is shared,
 * and other CPUs raise it meanwhile (an RST discarded against a pending request does), so a
 * change of sk_drops over the call is not proof of this call's drop. The per-CPU MIB is: the
 * call runs in softirq on one CPU, and nothing else on that CPU runs until it returns.
 * Returns the slot's address (0 when unknown), so the exit reads it again without the walk.
 */
static __always_inline __u64 listen_drops_slot(struct sock *sk)
{
	__u64 base = (__u64)&__per_cpu_offset, off = 0, mib;
	__s32 idx = cfg.listen_drops_mib;

	if (!base || idx < 0 || idx > 255)
		return 0;
	mib = (__u64)BPF_CORE_READ(sk, __sk_common.skc_net.net, mib.net_statistics);
	if (!mib)
		return 0;
	if (bpf_probe_read_kernel(&off, sizeof(off), (const void *)(base + bpf_get_smp_processor_id() * sizeof(off))))
		return 0;
	return mib + off + (__u64)idx * sizeof(unsigned long);
}

static __always_inline __u64 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

#include "syndrop_segment.h"

static __always_inline struct syndrop_event *scratch_event(void)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);

	if (!sc)
		return NULL;
	__builtin_memset(&sc->e, 0, sizeof(sc->e));
	segment_event_init(&sc->e);
	return &sc->e;
}

static __always_inline void read_listener(struct sock *sk, struct syndrop_event *e)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	struct net *net = BPF_CORE_READ(sk, __sk_common.skc_net.net);

	e->syn_qlen = (__u32)BPF_CORE_READ(icsk, icsk_accept_queue.qlen.counter);
	e->syn_qmax = BPF_CORE_READ(sk, sk_max_ack_backlog);
	e->accept_qlen = BPF_CORE_READ(sk, sk_ack_backlog);
	e->accept_qmax = BPF_CORE_READ(sk, sk_max_ack_backlog);
	e->netns_ino = BPF_CORE_READ(net, ns.inum);
	segment_read_netns(net, e);
	/* Who owns the listener is resolved in user space from this inode (socket:[ino] in /proc/PID/fd). */
	e->listener_ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	e->flags |= SYNDROP_F_HAS_QUEUES;
}

static __always_inline int prefix_match(const __u8 *addr, int nbytes)
{
	__u32 bits = cfg.src_prefix;
	int i;

	for (i = 0; i < 16 && i < nbytes; i++) {
		__u8 mask;

		if (bits == 0)
			return 1;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((addr[i] & mask) != (cfg.src_addr[i] & mask))
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}

static __always_inline int filtered_out(const struct syndrop_event *e)
{
	if (cfg.reason_mask && !(cfg.reason_mask & (1U << e->reason)))
		return 1;
	if (cfg.netns_ino && e->netns_ino != cfg.netns_ino)
		return 1;
	if (workload_filtered_out(e->netns_ino))
		return 1;
	if (cfg.nports) {
		int i, hit = 0;

		for (i = 0; i < SYNDROP_MAX_PORTS; i++)
			if (i < cfg.nports && cfg.ports[i] == e->dport)
				hit = 1;
		if (!hit)
			return 1;
	}
	if (cfg.src_family) {
		int v6 = (e->flags & SYNDROP_F_IPV6) != 0;

		if (v6 != (cfg.src_family == AF_INET6))
			return 1;
		if (!prefix_match(e->saddr, v6 ? 16 : 4))
			return 1;
	}
	return 0;
}

static __always_inline void emit(struct syndrop_event *e, __u32 slot)
{
	struct syndrop_storm_value *storm;
	struct syndrop_event *out;
	__u64 now;
	int detail;

	if (filtered_out(e))
		return;
	now = bpf_ktime_get_ns();
	e->ktime_ns = now;
	e->ktime_sec_at = now / NSEC_PER_SEC;
	storm = syndrop_storm_count(e, now, &detail);
	if (!detail)
		return;
	out = bpf_ringbuf_reserve(&events, sizeof(*out), 0);
	if (!out) {
		__u64 *cnt = bpf_map_lookup_elem(&lost, &slot);

		if (cnt)
			__sync_fetch_and_add(cnt, 1);
		return;
	}
	__builtin_memcpy(out, e, sizeof(*out));
	bpf_ringbuf_submit(out, 0);
	syndrop_storm_detailed(storm);
}

/* ---- kfree_skb: drops the kernel names itself ------------------------------------------------ */

/*
 * The value of a drop reason on the running kernel, or -1 where it does not exist. The value's
 * relocation must stay inside the existence check: libbpf poisons it on kernels that lack the
 * name, and the verifier accepts the poison only on a branch it can prove dead.
 */
#define DROP_REASON(name) ({						\
	int __v = -1;							\
	if (bpf_core_enum_value_exists(enum skb_drop_reason, name))	\
		__v = bpf_core_enum_value(enum skb_drop_reason, name);	\
	__v; })

static __always_inline void handle_kfree_skb(struct sk_buff *skb, __u32 reason, struct sock *rx_sk)
{
	struct syndrop_event *e;
	int tw_paws, overflow;
	__u8 fl;

	/* Cheap rejections first: this tracepoint fires for every freed packet on the node.
	 * Reason numbers differ between kernels (6.1 has no SKB_CONSUMED, so NO_SOCKET is 2 there):
	 * compare with the running kernel's values, never with the build machine's. */
	if ((int)reason <= DROP_REASON(SKB_DROP_REASON_NOT_SPECIFIED))
		return;
	tw_paws = (int)reason == DROP_REASON(SKB_DROP_REASON_TCP_RFC7323_TW_PAWS);
	overflow = (int)reason == DROP_REASON(SKB_DROP_REASON_TCP_LISTEN_OVERFLOW);
	if (tw_paws && !cfg.kfree_reports_tw_paws)
		return;
	if (overflow && !cfg.kfree_reports_overflow)
		return;

	e = scratch_event();
	if (!e || parse_tcp(skb, e))
		return;
	fl = e->tcp_flags;
	e->kernel_reason = reason;
	e->probe = SYNDROP_PROBE_TRACEPOINT;
	segment_read_device(skb, e, 1);

	if (tw_paws) {
		e->reason = SYNDROP_TIMEWAIT_PAWS;
		if (rx_sk && BPF_CORE_READ(rx_sk, __sk_common.skc_state) == TCP_TIME_WAIT) {
			struct tcp_timewait_sock *tw = (struct tcp_timewait_sock *)rx_sk;

			e->cached_ts = BPF_CORE_READ(tw, tw_ts_recent);
			e->cached_ts_stamp = BPF_CORE_READ(tw, tw_ts_recent_stamp);
			e->netns_ino = sk_netns(rx_sk);
			segment_read_netns(BPF_CORE_READ(rx_sk, __sk_common.skc_net.net), e);
		}
	} else if (overflow) {
		e->reason = SYNDROP_ACCEPT_QUEUE_FULL;
		e->flags |= SYNDROP_F_FINAL_ACK;
		if (rx_sk && BPF_CORE_READ(rx_sk, __sk_common.skc_state) == TCP_LISTEN)
			read_listener(rx_sk, e);
	} else if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN) {
		e->reason = SYNDROP_KERNEL_REASON;
		if (rx_sk && BPF_CORE_READ(rx_sk, __sk_common.skc_state) == TCP_LISTEN)
			read_listener(rx_sk, e);
	} else {
		return;
	}
	emit(e, SYNDROP_SLOT_KFREE_SKB);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	handle_kfree_skb(skb, reason, rx_sk);
	return 0;
}

/* 5.17 .. 6.11: the tracepoint has no rx_sk argument. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_kfree_skb_noskarg, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	handle_kfree_skb(skb, reason, NULL);
	return 0;
}

/* ---- tcp_conn_request: SYNs consumed without a SYN-ACK ---------------------------------------- */

static __always_inline void conn_request_enter(struct sock *sk, struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	struct conn_req_state *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&conn_req, &zero);
	if (!st)
		return;
	st->sk = sk;
	st->skb = skb;
	st->drops_before = sk_drops_read(sk);
	st->listen_drops_slot = listen_drops_slot(sk);
	if (st->listen_drops_slot &&
	    bpf_probe_read_kernel(&st->listen_drops_before, sizeof(__u64), (const void *)st->listen_drops_slot))
		st->listen_drops_slot = 0;
	st->syn_qlen = (__u32)BPF_CORE_READ(icsk, icsk_accept_queue.qlen.counter);
	st->accept_qlen = BPF_CORE_READ(sk, sk_ack_backlog);
	st->max_ack_backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	st->unproven = 0;
}

static __always_inline void conn_request_exit(struct sock *sk, __u8 probe)
{
	struct conn_req_state *st;
	struct sk_buff *skb;
	struct syndrop_event *e;
	__u32 zero = 0, after;
	__u64 listen_drops = 0;
	int have_mib;

	st = bpf_map_lookup_elem(&conn_req, &zero);
	if (!st || st->sk != sk)
		return;
	st->sk = NULL;
	after = sk_drops_read(sk);
	have_mib = st->listen_drops_slot &&
		   bpf_probe_read_kernel(&listen_drops, sizeof(listen_drops), (const void *)st->listen_drops_slot) == 0;
	if (!syndrop_conn_request_dropped(have_mib, st->listen_drops_before, listen_drops, st->drops_before, after))
		return;

	skb = st->skb;
	e = scratch_event();
	if (!e || parse_tcp(skb, e))
		return;
	read_listener(sk, e);
	/* The queue state that decided the drop is the one at entry. */
	e->syn_qlen = st->syn_qlen;
	e->accept_qlen = st->accept_qlen;
	e->drops_before = st->drops_before;
	e->drops_after = after;
	if (have_mib) {
		e->listen_drops_before = st->listen_drops_before;
		e->listen_drops_after = listen_drops;
		e->flags |= SYNDROP_F_LISTEN_DROPS;
	}
	e->probe = probe;
	segment_read_device(skb, e, 0);
	/* No tw_recycle PAWS test on kernels with BTF (it went in 4.12). */
	e->reason = syndrop_conn_request_reason(0, st->unproven, st->syn_qlen, st->accept_qlen, st->max_ack_backlog,
						e->syncookies);
	emit(e, SYNDROP_SLOT_CONN_REQUEST);
}

static __always_inline void peer_is_proven_ret(int proven)
{
	struct conn_req_state *st;
	__u32 zero = 0;

	if (proven)
		return;
	st = bpf_map_lookup_elem(&conn_req, &zero);
	if (st && st->sk)
		st->unproven = 1;
}

/* ---- TIME-WAIT: a SYN whose TSval is older than the TIME-WAIT socket's tw_ts_recent ------------ */

/*
 * Decided at entry with the kernel's own rule (tcp_paws_reject() with paws_win 0, as
 * tcp_timewait_state_process() applies it): a SYN without RST, a timestamp option, a cached
 * tw_ts_recent younger than 24 days, and (s32)(tw_ts_recent - tsval) > 0. The kernel then
 * answers with an ACK and counts PAWSEstab (PAWSTimewait on 6.16+).
 */
static __always_inline void timewait_enter(struct inet_timewait_sock *tw, struct sk_buff *skb, __u8 probe)
{
	struct tcp_timewait_sock *tcptw = (struct tcp_timewait_sock *)tw;
	struct syndrop_event *e;
	__u32 recent;
	__s32 stamp;
	__u64 now_sec;

	if (BPF_CORE_READ(tw, tw_substate) != TCP_TIME_WAIT)
		return;
	recent = BPF_CORE_READ(tcptw, tw_ts_recent);
	stamp = BPF_CORE_READ(tcptw, tw_ts_recent_stamp);
	if (!recent)
		return;
	e = scratch_event();
	if (!e || parse_tcp(skb, e))
		return;
	if (!syndrop_timewait_paws_rejects(recent, e->tcp_flags, e->flags, e->tsval))
		return;
	now_sec = bpf_ktime_get_ns() / NSEC_PER_SEC;
	if (syndrop_ts_recent_stale(now_sec, stamp))
		return;
	e->reason = SYNDROP_TIMEWAIT_PAWS;
	e->cached_ts = recent;
	e->cached_ts_stamp = stamp;
	e->probe = probe;
	e->netns_ino = BPF_CORE_READ(tw, __tw_common.skc_net.net, ns.inum);
	segment_read_netns(BPF_CORE_READ(tw, __tw_common.skc_net.net), e);
	segment_read_device(skb, e, 0);
	emit(e, SYNDROP_SLOT_TIMEWAIT);
}

/* ---- final ACK: *_syn_recv_sock with a full accept queue --------------------------------------- */

/* tcp_v4/v6_syn_recv_sock() test sk_acceptq_is_full() first and drop on it (ListenOverflows). */
static __always_inline void syn_recv_sock_enter(struct sock *sk, struct sk_buff *skb, __u8 probe)
{
	struct syndrop_event *e;

	if (!syndrop_accept_queue_full(BPF_CORE_READ(sk, sk_ack_backlog), BPF_CORE_READ(sk, sk_max_ack_backlog)))
		return;
	e = scratch_event();
	if (!e || parse_tcp(skb, e))
		return;
	read_listener(sk, e);
	e->reason = SYNDROP_ACCEPT_QUEUE_FULL;
	e->flags |= SYNDROP_F_FINAL_ACK;
	e->probe = probe;
	segment_read_device(skb, e, 0);
	emit(e, SYNDROP_SLOT_SYN_RECV_SOCK);
}

/* ---- fentry/fexit ------------------------------------------------------------------------------ */

SEC("fentry/tcp_conn_request")
int BPF_PROG(fe_conn_request, struct request_sock_ops *rsk_ops, const struct tcp_request_sock_ops *af_ops,
	     struct sock *sk, struct sk_buff *skb)
{
	conn_request_enter(sk, skb);
	return 0;
}

SEC("fexit/tcp_conn_request")
int BPF_PROG(fe_conn_request_exit, struct request_sock_ops *rsk_ops,
	     const struct tcp_request_sock_ops *af_ops, struct sock *sk, struct sk_buff *skb, int ret)
{
	conn_request_exit(sk, SYNDROP_PROBE_FENTRY);
	return 0;
}

SEC("fexit/tcp_peer_is_proven")
int BPF_PROG(fe_peer_is_proven, struct request_sock *req, struct dst_entry *dst, bool ret)
{
	peer_is_proven_ret(ret);
	return 0;
}

SEC("fentry/tcp_timewait_state_process")
int BPF_PROG(fe_timewait, struct inet_timewait_sock *tw, struct sk_buff *skb)
{
	timewait_enter(tw, skb, SYNDROP_PROBE_FENTRY);
	return 0;
}

SEC("fentry/tcp_v4_syn_recv_sock")
int BPF_PROG(fe_syn_recv_sock_v4, struct sock *sk, struct sk_buff *skb)
{
	syn_recv_sock_enter(sk, skb, SYNDROP_PROBE_FENTRY);
	return 0;
}

SEC("fentry/tcp_v6_syn_recv_sock")
int BPF_PROG(fe_syn_recv_sock_v6, struct sock *sk, struct sk_buff *skb)
{
	syn_recv_sock_enter(sk, skb, SYNDROP_PROBE_FENTRY);
	return 0;
}

/* ---- kprobe/kretprobe -------------------------------------------------------------------------- */

SEC("kprobe/tcp_conn_request")
int BPF_KPROBE(kp_conn_request, struct request_sock_ops *rsk_ops, const struct tcp_request_sock_ops *af_ops,
	       struct sock *sk, struct sk_buff *skb)
{
	conn_request_enter(sk, skb);
	return 0;
}

SEC("kretprobe/tcp_conn_request")
int BPF_KRETPROBE(kp_conn_request_exit)
{
	struct conn_req_state *st;
	__u32 zero = 0;

	/* kretprobes do not see the arguments: the entry recorded the listener. */
	st = bpf_map_lookup_elem(&conn_req, &zero);
	if (st && st->sk)
		conn_request_exit(st->sk, SYNDROP_PROBE_KPROBE);
	return 0;
}

SEC("kretprobe/tcp_peer_is_proven")
int BPF_KRETPROBE(kp_peer_is_proven, bool ret)
{
	peer_is_proven_ret(ret);
	return 0;
}

SEC("kprobe/tcp_timewait_state_process")
int BPF_KPROBE(kp_timewait, struct inet_timewait_sock *tw, struct sk_buff *skb)
{
	timewait_enter(tw, skb, SYNDROP_PROBE_KPROBE);
	return 0;
}

SEC("kprobe/tcp_v4_syn_recv_sock")
int BPF_KPROBE(kp_syn_recv_sock_v4, struct sock *sk, struct sk_buff *skb)
{
	syn_recv_sock_enter(sk, skb, SYNDROP_PROBE_KPROBE);
	return 0;
}

SEC("kprobe/tcp_v6_syn_recv_sock")
int BPF_KPROBE(kp_syn_recv_sock_v6, struct sock *sk, struct sk_buff *skb)
{
	syn_recv_sock_enter(sk, skb, SYNDROP_PROBE_KPROBE);
	return 0;
}
