// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syndrop's BCC flavour: the probes of syndrop.bpf.c for kernels without BTF, compiled on the
 * node by libbcc against that kernel's headers. Java (io.syndrop.bcc.BccProgram) prepends
 * its -D settings and bpf/syndrop.h, so the events are exactly struct syndrop_event, and inlines
 * bpf/syndrop_classify.h (the reason decisions syndrop.bpf.c shares) at its #include below.
 *
 * Version differences go through LINUX_VERSION_CODE. Only headers that every kernel since
 * 3.10 ships are included, and fields are read with explicit bpf_probe_read() calls of a
 * fixed size (BCC's rewriter leaves those alone; the size follows the field's type on the
 * kernel in question). Kernel-facing entry points take their arguments from PT_REGS_PARMn.
 *
 * Settings Java passes (-D): SYNDROP_REASON_MASK, SYNDROP_NETNS_INO (0 = all),
 * SYNDROP_TCPM_HASH_ADDR / SYNDROP_TCPM_HASH_LOG_ADDR (addresses of tcp_metrics.c's static
 * tcp_metrics_hash and tcp_metrics_hash_log from /proc/kallsyms, 0 when unknown),
 * SYNDROP_PER_CPU_OFFSET_ADDR (__per_cpu_offset, for this CPU's ListenDrops; 0 when unknown),
 * SYNDROP_WORKLOAD_NETNS (1: only namespaces in the workload_netns map, syndrop_workload.h), and the
 * storm settings of bpf/syndrop_storm.h (SYNDROP_STORM_ON, _KEYS, _PREFIX4/6, SYNDROP_DETAIL_*).
 */
#ifndef SYNDROP_SYNTAX_CHECK
#include <uapi/linux/ptrace.h>
#include <linux/version.h>
#include <linux/hash.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/inet_connection_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/netns/hash.h>
#include <net/net_namespace.h>
#include <net/snmp.h>
#include <linux/tcp.h>
#endif
#include "syndrop_classify.h"
#define SYNDROP_BCC 1
#include "syndrop_workload.h"

#ifndef SYNDROP_REASON_MASK
#define SYNDROP_REASON_MASK 0
#endif
#ifndef SYNDROP_NETNS_INO
#define SYNDROP_NETNS_INO 0
#endif
#ifndef SYNDROP_TCPM_HASH_ADDR
#define SYNDROP_TCPM_HASH_ADDR 0
#endif
#ifndef SYNDROP_TCPM_HASH_LOG_ADDR
#define SYNDROP_TCPM_HASH_LOG_ADDR 0
#endif
#ifndef SYNDROP_PER_CPU_OFFSET_ADDR
#define SYNDROP_PER_CPU_OFFSET_ADDR 0
#endif

#define SD_AF_INET 2
#define SD_IPPROTO_TCP 6
#define SD_TCPOPT_EOL 0
#define SD_TCPOPT_NOP 1
#define SD_TCPOPT_MSS 2
#define SD_TCPOPT_WINDOW 3
#define SD_TCPOPT_SACK_PERM 4
#define SD_TCPOPT_TIMESTAMP 8
#define SD_TCPOLEN_TIMESTAMP 10
#define SD_TCP_STATE_TIME_WAIT 6
#define SD_NSEC_PER_SEC 1000000000ULL
#define SD_TCPM_CHAIN_MAX 8

BPF_PERF_OUTPUT(events);

/* Storm summaries and the detail rate limit (Java inlines the header here, as syndrop_classify.h). */
#define SYNDROP_STORM_BCC 1
#include "syndrop_storm.h"
/* Events lost because perf_submit failed (ring full), per program slot, as in the CO-RE path. */
BPF_ARRAY(lost, u64, SYNDROP_SLOT_MAX);

/* Entry-to-exit state of tcp_conn_request, keyed by CPU: the call runs in softirq and does not
 * nest on one CPU. A hash keyed by CPU, not a per-CPU array, so kernels before 4.6 work too. */
struct conn_req_state {
	struct sock *sk;
	struct sk_buff *skb;
	struct request_sock *req;
	u64 listen_drops_slot;	/* 0: unknown, fall back to sk_drops */
	u64 listen_drops_before;
	u32 drops_before;
	u32 syn_qlen;
	u32 accept_qlen;
	u32 max_ack_backlog;
	u32 ts_recent;
	u32 cached_ts;
	s32 cached_ts_stamp;
	u8 unproven;
	u8 paws_check;
	u8 paws_rejected;
	u8 active;
};
BPF_HASH(conn_req, u32, struct conn_req_state, 1024);

/* ---- reads whose width depends on the kernel ----------------------------------------------- */

static __always_inline u32 sd_sk_drops(struct sock *sk)
{
	int v = 0;

	bpf_probe_read(&v, sizeof(v), &sk->sk_drops);
	return (u32)v;
}

static __always_inline u32 sd_ack_backlog(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 5, 0)
	u32 v = 0;
#else
	u16 v = 0;
#endif
	bpf_probe_read(&v, sizeof(v), &sk->sk_ack_backlog);
	return v;
}

static __always_inline u32 sd_max_ack_backlog(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 5, 0)
	u32 v = 0;
#else
	u16 v = 0;
#endif
	bpf_probe_read(&v, sizeof(v), &sk->sk_max_ack_backlog);
	return v;
}

static __always_inline u32 sd_syn_qlen(struct sock *sk)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	int v = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 4, 0)
	bpf_probe_read(&v, sizeof(v), &icsk->icsk_accept_queue.qlen);
#else
	struct listen_sock *lopt = NULL;

	bpf_probe_read(&lopt, sizeof(lopt), &icsk->icsk_accept_queue.listen_opt);
	if (lopt)
		bpf_probe_read(&v, sizeof(v), &lopt->qlen);
#endif
	return (u32)v;
}

/* skc_net is possible_net_t (4.1+) or a struct net * (older): one pointer either way. */
static __always_inline struct net *sd_sock_net(struct sock_common *skc)
{
	struct net *net = NULL;

	bpf_probe_read(&net, sizeof(net), &skc->skc_net);
	return net;
}

/*
 * This CPU's copy of the namespace's TcpExt:ListenDrops. Every SYN tcp_conn_request drops raises
 * it, on this CPU; the listener's sk_drops is raised by other CPUs meanwhile too (an RST against a
 * pending request is discarded there), so only this counter proves the call dropped its SYN.
 * Returns the slot's address (0 when unknown): the return probe reads it again without the walk.
 */
static __always_inline u64 sd_listen_drops_slot(struct sock *sk)
{
#if SYNDROP_PER_CPU_OFFSET_ADDR
	struct net *net = sd_sock_net((struct sock_common *)sk);
	u64 mib = 0, off = 0;
	u32 cpu = bpf_get_smp_processor_id();

	if (!net)
		return 0;
	bpf_probe_read(&mib, sizeof(mib), &net->mib.net_statistics);
	if (!mib)
		return 0;
	if (bpf_probe_read(&off, sizeof(off), (void *)(SYNDROP_PER_CPU_OFFSET_ADDR + cpu * sizeof(u64))))
		return 0;
	return mib + off + LINUX_MIB_LISTENDROPS * sizeof(unsigned long);
#else
	return 0;
#endif
}

static __always_inline u64 sd_net_ino(struct net *net)
{
	unsigned int ino = 0;

	if (!net)
		return 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(3, 19, 0)
	bpf_probe_read(&ino, sizeof(ino), &net->ns.inum);
#else
	bpf_probe_read(&ino, sizeof(ino), &net->proc_inum);
#endif
	return ino;
}

/* ---- the segment ----------------------------------------------------------------------------- */

/*
 * The IP + TCP headers (no payload) into e->pkt, at most SYNDROP_PKT_MAX bytes, in fixed 4-byte
 * reads to constant stack offsets: 4.9's bpf_probe_read() takes a constant size and writes only to
 * the stack. IP and TCP header lengths are multiples of 4, so the copy is exact.
 */
static __always_inline void sd_capture(unsigned char *head, u32 nh, u32 th_off, u8 doff, struct syndrop_event *e)
{
	u32 len;

	if (th_off <= nh)
		return;
	len = th_off - nh + (u32)(doff >> 4) * 4;
	if (len > SYNDROP_PKT_MAX)
		len = SYNDROP_PKT_MAX;
	if (len < 40)
		return;
#pragma unroll
	for (int k = 0; k < SYNDROP_PKT_MAX / 4; k++) {
		if (k * 4 >= len)
			break;
		if (bpf_probe_read(&e->pkt[k * 4], 4, head + nh + k * 4))
			return;
	}
	e->pkt_len = (u8)len;
}

/* Addresses, ports, flags, seq/ack/window, the options (MSS, window scale, SACK permitted,
 * timestamps) and the headers of the TCP segment in skb. Options are read byte by byte from
 * kernel memory: old verifiers refuse variable offsets into the stack. */
static __always_inline int sd_parse_tcp(struct sk_buff *skb, struct syndrop_event *e)
{
	unsigned char *head = NULL;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(3, 11, 0)
	u16 nh = 0, th_off = 0;
#else
	u32 nh = 0, th_off = 0;
#endif
	u8 ver = 0, doff = 0, proto = 0;
	unsigned char *opt;
	int optlen, i;

	bpf_probe_read(&head, sizeof(head), &skb->head);
	bpf_probe_read(&nh, sizeof(nh), &skb->network_header);
	bpf_probe_read(&th_off, sizeof(th_off), &skb->transport_header);
	if (!head || nh == (typeof(nh))~0U || th_off == (typeof(th_off))~0U)
		return -1;
	if (bpf_probe_read(&ver, 1, head + nh))
		return -1;
	ver >>= 4;
	if (ver == 4) {
		bpf_probe_read(&proto, 1, head + nh + 9);
		if (proto != SD_IPPROTO_TCP)
			return -1;
		bpf_probe_read(e->saddr, 4, head + nh + 12);
		bpf_probe_read(e->daddr, 4, head + nh + 16);
	} else if (ver == 6) {
		bpf_probe_read(&proto, 1, head + nh + 6);
		if (proto != SD_IPPROTO_TCP)
			return -1;
		bpf_probe_read(e->saddr, 16, head + nh + 8);
		bpf_probe_read(e->daddr, 16, head + nh + 24);
		e->flags |= SYNDROP_F_IPV6;
	} else {
		return -1;
	}
	/* Read into the event's own fields and byte-swapped in place: every stack slot counts on 4.9,
	 * where the 256-byte event itself is half of the 512-byte stack. */
	bpf_probe_read(&e->sport, 2, head + th_off);
	e->sport = ntohs(e->sport);
	bpf_probe_read(&e->dport, 2, head + th_off + 2);
	e->dport = ntohs(e->dport);
	bpf_probe_read(&e->seq, 4, head + th_off + 4);
	e->seq = ntohl(e->seq);
	bpf_probe_read(&e->ack_seq, 4, head + th_off + 8);
	e->ack_seq = ntohl(e->ack_seq);
	bpf_probe_read(&doff, 1, head + th_off + 12);
	bpf_probe_read(&e->tcp_flags, 1, head + th_off + 13);
	bpf_probe_read(&e->window, 2, head + th_off + 14);
	e->window = ntohs(e->window);
	sd_capture(head, nh, th_off, doff, e);

	optlen = (doff >> 4) * 4 - 20;
	opt = head + th_off + 20;
	i = 0;
#pragma unroll
	for (int n = 0; n < 10; n++) {
		u8 kind = 0, len = 0;

		if (i >= optlen || i >= 40)
			break;
		bpf_probe_read(&kind, 1, opt + i);
		if (kind == SD_TCPOPT_EOL)
			break;
		if (kind == SD_TCPOPT_NOP) {
			i++;
			continue;
		}
		bpf_probe_read(&len, 1, opt + i + 1);
		if (len < 2 || i + len > optlen)
			break;
		if (kind == SD_TCPOPT_TIMESTAMP && len == SD_TCPOLEN_TIMESTAMP) {
			bpf_probe_read(&e->tsval, 4, opt + i + 2);
			e->tsval = ntohl(e->tsval);
			bpf_probe_read(&e->tsecr, 4, opt + i + 6);
			e->tsecr = ntohl(e->tsecr);
			e->flags |= SYNDROP_F_HAS_TS;
			e->syn_opts |= SYNDROP_OPT_TS;
		} else if (kind == SD_TCPOPT_MSS && len == 4) {
			bpf_probe_read(&e->mss, 2, opt + i + 2);
			e->mss = ntohs(e->mss);
			e->syn_opts |= SYNDROP_OPT_MSS;
		} else if (kind == SD_TCPOPT_WINDOW && len == 3) {
			bpf_probe_read(&e->wscale, 1, opt + i + 2);
			e->syn_opts |= SYNDROP_OPT_WSCALE;
		} else if (kind == SD_TCPOPT_SACK_PERM && len == 2) {
			e->syn_opts |= SYNDROP_OPT_SACK_PERM;
		}
		i += len;
	}
	return 0;
}

/* The listener's socket inode (socket:[ino] in /proc/PID/fd): struct socket_alloc puts the socket
 * and its inode side by side on every kernel, so no file pointer needs to be followed. */
static __always_inline u64 sd_socket_ino(struct sock *sk)
{
	struct socket *sock = NULL;
	unsigned long ino = 0;

	bpf_probe_read(&sock, sizeof(sock), &sk->sk_socket);
	if (!sock)
		return 0;
	/* container_of's arithmetic spelled out, with the compiler's own offsetof (no header needed):
	 * 5.10's container_of is a statement expression with a type check that BCC's clang refuses
	 * inside bpf_probe_read's argument */
	struct socket_alloc *sa = (struct socket_alloc *)((char *)sock - __builtin_offsetof(struct socket_alloc, socket));
	bpf_probe_read(&ino, sizeof(ino), &sa->vfs_inode.i_ino);
	return ino;
}

/* net.ipv4.tcp_syncookies (0xff when unknown) and tcp_max_syn_backlog of a namespace. */
static __always_inline void sd_read_netns(struct net *net, struct syndrop_event *e)
{
	e->netns_ino = sd_net_ino(net);
	e->syncookies = 0xff;
	if (net) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 15, 0)
		/* an int in the kernel, as wide as the field */
		bpf_probe_read(&e->max_syn_backlog, sizeof(e->max_syn_backlog), &net->ipv4.sysctl_max_syn_backlog);
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 6, 0)
		/* int before 5.17, u8 since: the first byte is the value on little-endian either way. */
		bpf_probe_read(&e->syncookies, 1, &net->ipv4.sysctl_tcp_syncookies);
#endif
	}
}

static __always_inline void sd_read_listener(struct sock *sk, struct syndrop_event *e)
{
	e->syn_qlen = sd_syn_qlen(sk);
	e->syn_qmax = sd_max_ack_backlog(sk);
	e->accept_qlen = sd_ack_backlog(sk);
	e->accept_qmax = e->syn_qmax;
	sd_read_netns(sd_sock_net(&sk->__sk_common), e);
	e->listener_ino = sd_socket_ino(sk);
	e->flags |= SYNDROP_F_HAS_QUEUES;
}

static __always_inline int sd_filtered_out(const struct syndrop_event *e)
{
	if (SYNDROP_REASON_MASK && !(SYNDROP_REASON_MASK & (1U << e->reason)))
		return 1;
	if (SYNDROP_NETNS_INO && e->netns_ino != SYNDROP_NETNS_INO)
		return 1;
	if (sd_workload_filtered_out(e->netns_ino))
		return 1;
	return 0;
}

static __always_inline void sd_emit(struct pt_regs *ctx, struct syndrop_event *e, u32 slot)
{
	struct syndrop_storm_value *storm;
	int detail;
	u64 now;

	if (sd_filtered_out(e))
		return;
	now = bpf_ktime_get_ns();
	e->ktime_ns = now;
	e->ktime_sec_at = now / SD_NSEC_PER_SEC;
	e->probe = SYNDROP_PROBE_BCC;
	storm = syndrop_storm_count(e, now, &detail);
	if (!detail)
		return;
	if (events.perf_submit(ctx, e, sizeof(*e)) < 0)
		lost.increment(slot);
	else
		syndrop_storm_detailed(storm);
}

/* ---- tcp_conn_request: SYNs consumed without a SYN-ACK --------------------------------------- */

static __always_inline void sd_conn_request_enter(struct sock *sk, struct sk_buff *skb)
{
	struct conn_req_state st = {};
	u32 cpu = bpf_get_smp_processor_id();

	st.sk = sk;
	st.skb = skb;
	st.drops_before = sd_sk_drops(sk);
	st.listen_drops_slot = sd_listen_drops_slot(sk);
	if (st.listen_drops_slot &&
	    bpf_probe_read(&st.listen_drops_before, sizeof(u64), (void *)st.listen_drops_slot))
		st.listen_drops_slot = 0;
	st.syn_qlen = sd_syn_qlen(sk);
	st.accept_qlen = sd_ack_backlog(sk);
	st.max_ack_backlog = sd_max_ack_backlog(sk);
	st.active = 1;
	conn_req.update(&cpu, &st);
}

/* 3.17+: tcp_conn_request(rsk_ops, af_ops, sk, skb) serves both families. */
int conn_request_entry(struct pt_regs *ctx)
{
	sd_conn_request_enter((struct sock *)PT_REGS_PARM3(ctx), (struct sk_buff *)PT_REGS_PARM4(ctx));
	return 0;
}

/* Older kernels: tcp_v4_conn_request(sk, skb) / tcp_v6_conn_request(sk, skb). */
int af_conn_request_entry(struct pt_regs *ctx)
{
	sd_conn_request_enter((struct sock *)PT_REGS_PARM1(ctx), (struct sk_buff *)PT_REGS_PARM2(ctx));
	return 0;
}

int conn_request_return(struct pt_regs *ctx)
{
	struct syndrop_event e = {};
	struct conn_req_state *st;
	u32 cpu = bpf_get_smp_processor_id();
	u32 after;
	u64 listen_drops = 0, listen_drops_before;
	int have_mib, dropped;
	struct sock *sk;

	st = conn_req.lookup(&cpu);
	if (!st || !st->active)
		return 0;
	st->active = 0;
	sk = st->sk;
	/* Copied out as a scalar now: 4.9's verifier loses a spilled pointer into the map value
	 * across the helper calls below ("R2 invalid mem access 'inv'"). */
	listen_drops_before = st->listen_drops_before;
	after = sd_sk_drops(sk);
	have_mib = st->listen_drops_slot &&
		   bpf_probe_read(&listen_drops, sizeof(listen_drops), (void *)st->listen_drops_slot) == 0;
	dropped = syndrop_conn_request_dropped(have_mib, listen_drops_before, listen_drops, st->drops_before, after);
	/* Without the per-CPU counter, kernels before 4.7 do not count listener drops in sk_drops:
	 * the peer checks, which always end in a drop when they fail, are the signal there. */
	if (!dropped && !st->unproven && !st->paws_rejected)
		return 0;
	if (sd_parse_tcp(st->skb, &e))
		return 0;
	sd_read_listener(sk, &e);
	/* The queue state that decided the drop is the one at entry. */
	e.syn_qlen = st->syn_qlen;
	e.accept_qlen = st->accept_qlen;
	e.drops_before = st->drops_before;
	e.drops_after = after;
	if (have_mib) {
		e.listen_drops_before = listen_drops_before;
		e.listen_drops_after = listen_drops;
		e.flags |= SYNDROP_F_LISTEN_DROPS;
	}
	bpf_probe_read(&e.ifindex, sizeof(e.ifindex), &st->skb->skb_iif);
	e.reason = syndrop_conn_request_reason(st->paws_rejected, st->unproven, st->syn_qlen, st->accept_qlen,
					       st->max_ack_backlog, e.syncookies);
	if (st->paws_rejected) {
		e.cached_ts = st->cached_ts;
		e.cached_ts_stamp = st->cached_ts_stamp;
		/* tcpm_ts_stamp is get_seconds() on every kernel that has it (before 4.12). */
		e.flags |= SYNDROP_F_WALL_STAMP;
		if (!(e.flags & SYNDROP_F_HAS_TS))
			e.tsval = st->ts_recent;
	}
	sd_emit(ctx, &e, SYNDROP_SLOT_CONN_REQUEST);
	return 0;
}

/* ---- tcp_peer_is_proven ------------------------------------------------------------------------ */

#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 12, 0)
/*
 * struct tcp_metrics_block is private to net/ipv4/tcp_metrics.c, so its head is mirrored here
 * (the fields up to tcpm_ts_stamp, unchanged from 3.6 to 4.11 except that 4.1 added tcpm_net
 * when the table became global). inetpeer_addr is 16 address bytes and a u16 family.
 */
struct sd_peer_addr {
	u32 a[4];
	u16 family;
};

struct sd_tcpm_block {
	void *tcpm_next;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 1, 0)
	void *tcpm_net;
#endif
	struct sd_peer_addr tcpm_saddr;
	struct sd_peer_addr tcpm_daddr;
	unsigned long tcpm_stamp;
	u32 tcpm_ts;
	u32 tcpm_ts_stamp;
};

/* net_hash_mix(): stable kernels since 2019 read net->hash_mix, which the kernel's inline function
 * would load without bpf_probe_read (refused by the verifier); Java says which one the headers have. */
static __always_inline u32 sd_net_hash_mix(struct net *net)
{
#ifdef SYNDROP_NET_HASH_MIX_FIELD
	u32 mix = 0;

	bpf_probe_read(&mix, sizeof(mix), &net->hash_mix);
	return mix;
#else
	return net_hash_mix(net);
#endif
}

/*
 * The kernel's __tcp_get_metrics_req() for IPv4, redone: bucket hash_32(rmt ^ net_hash_mix(net),
 * log), then the chain. net_hash_mix() and hash_32() come from this kernel's own headers.
 * IPv6 peers are not looked up (cached_ts stays 0).
 */
static __always_inline void sd_tcpm_lookup(struct conn_req_state *st, struct request_sock *req)
{
	struct inet_request_sock *ireq = (struct inet_request_sock *)req;
	struct net *net = sd_sock_net(&st->sk->__sk_common);
	struct sd_tcpm_block tm = {};
	void *table = NULL, *cur = NULL;
	unsigned int log = 0;
	const struct request_sock_ops *ops = NULL;
	u32 loc = 0, rmt = 0, hash;
	int family = 0;

	/* The family of the SYN, as __tcp_get_metrics_req() takes it: an IPv4 SYN to a dual-stack
	 * (AF_INET6) listener, such as any Java server, is an AF_INET request with ops of IPv4,
	 * while its skc_family is the listener's AF_INET6. */
	bpf_probe_read(&ops, sizeof(ops), &req->rsk_ops);
	if (!ops)
		return;
	bpf_probe_read(&family, sizeof(family), &ops->family);
	if (family != SD_AF_INET)
		return;
	bpf_probe_read(&loc, sizeof(loc), &ireq->ir_loc_addr);
	bpf_probe_read(&rmt, sizeof(rmt), &ireq->ir_rmt_addr);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 1, 0)
	if (!SYNDROP_TCPM_HASH_ADDR || !SYNDROP_TCPM_HASH_LOG_ADDR)
		return;
	bpf_probe_read(&table, sizeof(table), (void *)SYNDROP_TCPM_HASH_ADDR);
	bpf_probe_read(&log, sizeof(log), (void *)SYNDROP_TCPM_HASH_LOG_ADDR);
#else
	bpf_probe_read(&table, sizeof(table), &net->ipv4.tcp_metrics_hash);
	bpf_probe_read(&log, sizeof(log), &net->ipv4.tcp_metrics_hash_log);
#endif
	if (!table || log == 0 || log > 31)
		return;
	hash = rmt ^ sd_net_hash_mix(net);
	hash = hash_32(hash, log);
	/* struct tcpm_hash_bucket is a single chain pointer. */
	bpf_probe_read(&cur, sizeof(cur), (char *)table + (u64)hash * sizeof(void *));
#pragma unroll
	for (int n = 0; n < SD_TCPM_CHAIN_MAX; n++) {
		if (!cur)
			return;
		bpf_probe_read(&tm, sizeof(tm), cur);
		if (tm.tcpm_saddr.family == SD_AF_INET && tm.tcpm_saddr.a[0] == loc &&
		    tm.tcpm_daddr.a[0] == rmt
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 1, 0)
		    && tm.tcpm_net == (void *)net
#endif
		    ) {
			st->cached_ts = tm.tcpm_ts;
			st->cached_ts_stamp = (s32)tm.tcpm_ts_stamp;
			return;
		}
		cur = tm.tcpm_next;
	}
}
#endif

/* Entry: remembers req, and before 4.12 the paws_check argument (tcp_tw_recycle's PAWS test). */
int peer_is_proven_entry(struct pt_regs *ctx)
{
	struct conn_req_state *st;
	u32 cpu = bpf_get_smp_processor_id();

	st = conn_req.lookup(&cpu);
	if (!st || !st->active)
		return 0;
	st->req = (struct request_sock *)PT_REGS_PARM1(ctx);
#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 12, 0)
	st->paws_check = (u8)(PT_REGS_PARM3(ctx) & 0xff);
#endif
	return 0;
}

int peer_is_proven_return(struct pt_regs *ctx)
{
	struct conn_req_state *st;
	u32 cpu = bpf_get_smp_processor_id();

	if (PT_REGS_RC(ctx) & 0xff)
		return 0;
	st = conn_req.lookup(&cpu);
	if (!st || !st->active)
		return 0;
#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 12, 0)
	if (st->paws_check) {
		struct request_sock *req = st->req;

		/* tcp_v4_conn_request(): tw_recycle, the peer's cached timestamp is newer than
		 * this SYN's (req->ts_recent) and younger than TCP_PAWS_MSL: PAWSPassive. */
		st->paws_rejected = 1;
		if (req) {
			u32 ts_recent = 0;

			/* Through the stack: before 4.12 helpers write only there, not into map values. */
			bpf_probe_read(&ts_recent, sizeof(ts_recent), &req->ts_recent);
			st->ts_recent = ts_recent;
			sd_tcpm_lookup(st, req);
		}
		return 0;
	}
#endif
	st->unproven = 1;
	return 0;
}

/* ---- TIME-WAIT: a SYN whose TSval is older than the TIME-WAIT socket's tw_ts_recent ---------- */

/* tcp_timewait_state_process(tw, skb, th): the kernel's tcp_paws_reject() rule, decided at entry. */
int timewait_entry(struct pt_regs *ctx)
{
	struct inet_timewait_sock *tw = (struct inet_timewait_sock *)PT_REGS_PARM1(ctx);
	struct sk_buff *skb = (struct sk_buff *)PT_REGS_PARM2(ctx);
	struct tcp_timewait_sock *tcptw = (struct tcp_timewait_sock *)tw;
	struct syndrop_event e = {};
	u8 substate = 0;
	u32 recent = 0;
	s32 stamp = 0;

	bpf_probe_read(&substate, 1, (void *)&tw->tw_substate);
	if (substate != SD_TCP_STATE_TIME_WAIT)
		return 0;
	bpf_probe_read(&recent, sizeof(recent), &tcptw->tw_ts_recent);
	/* long before 4.19, int since: the low 32 bits first on little-endian either way. */
	bpf_probe_read(&stamp, sizeof(stamp), &tcptw->tw_ts_recent_stamp);
	if (!recent)
		return 0;
	if (sd_parse_tcp(skb, &e))
		return 0;
	if (!syndrop_timewait_paws_rejects(recent, e.tcp_flags, e.flags, e.tsval))
		return 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 19, 0)
	/* Since 4.19 the stamp is ktime_get_seconds(), comparable with our clock: skip stale ones.
	 * Before, it is wall-clock get_seconds(), which BPF cannot read; the 24-day rule is skipped. */
	{
		u64 now_sec = bpf_ktime_get_ns() / SD_NSEC_PER_SEC;

		if (syndrop_ts_recent_stale(now_sec, stamp))
			return 0;
	}
#endif
	e.reason = SYNDROP_TIMEWAIT_PAWS;
	e.cached_ts = recent;
	e.cached_ts_stamp = stamp;
#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 19, 0)
	e.flags |= SYNDROP_F_WALL_STAMP;
#endif
	sd_read_netns(sd_sock_net((struct sock_common *)tw), &e);
	bpf_probe_read(&e.ifindex, sizeof(e.ifindex), &skb->skb_iif);
	sd_emit(ctx, &e, SYNDROP_SLOT_TIMEWAIT);
	return 0;
}

/* ---- final ACK: *_syn_recv_sock with a full accept queue ------------------------------------- */

/* tcp_v4/v6_syn_recv_sock(sk, skb, ...) test sk_acceptq_is_full() first and drop on it. */
int syn_recv_sock_entry(struct pt_regs *ctx)
{
	struct sock *sk = (struct sock *)PT_REGS_PARM1(ctx);
	struct sk_buff *skb = (struct sk_buff *)PT_REGS_PARM2(ctx);
	struct syndrop_event e = {};

	if (!syndrop_accept_queue_full(sd_ack_backlog(sk), sd_max_ack_backlog(sk)))
		return 0;
	if (sd_parse_tcp(skb, &e))
		return 0;
	sd_read_listener(sk, &e);
	e.reason = SYNDROP_ACCEPT_QUEUE_FULL;
	e.flags |= SYNDROP_F_FINAL_ACK;
	bpf_probe_read(&e.ifindex, sizeof(e.ifindex), &skb->skb_iif);
	sd_emit(ctx, &e, SYNDROP_SLOT_SYN_RECV_SOCK);
	return 0;
}
