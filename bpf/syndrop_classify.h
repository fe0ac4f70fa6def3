/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which reason a drop gets: the decisions both flavours make, over plain values, from one source.
 * syndrop.bpf.c #includes this header; the BCC flavour's loader (io.syndrop.bcc.BccProgram)
 * inlines it where syndrop_bcc.c #includes it, because BCC compiles a string with no include
 * path of ours. Reading kernel memory stays in the flavours: they read it differently (CO-RE
 * relocations there, fixed-size bpf_probe_read() against the node's headers here).
 *
 * Needs syndrop.h before it and nothing else: plain C types and its own inline attribute, so it
 * means the same whichever headers come first (BCC's clang 14 crashed on a function declared with
 * the kernel's __always_inline and unsigned char when the node had no kernel headers to define them).
 */
#ifndef SYNDROP_CLASSIFY_H
#define SYNDROP_CLASSIFY_H

#define SYNDROP_TCP_SYN 0x02
#define SYNDROP_TCP_RST 0x04
#define SYNDROP_TCP_PAWS_24DAYS (60 * 60 * 24 * 24)
#define SYNDROP_INLINE static inline __attribute__((always_inline))

/*
 * Whether tcp_conn_request() dropped its SYN. This CPU's TcpExt:ListenDrops proves it when it
 * could be read before and after the call (have_mib); otherwise a change of the listener's
 * sk_drops, which other CPUs raise too, is the best signal there is.
 */
SYNDROP_INLINE int syndrop_conn_request_dropped(int have_mib, unsigned long long mib_before,
						unsigned long long mib_after, unsigned int drops_before,
						unsigned int drops_after)
{
	if (have_mib)
		return mib_after != mib_before;
	return drops_after != drops_before;
}

/* tcp_v4/v6_syn_recv_sock() and tcp_conn_request() test sk_acceptq_is_full() this way. */
SYNDROP_INLINE int syndrop_accept_queue_full(unsigned int ack_backlog, unsigned int max_ack_backlog)
{
	return ack_backlog > max_ack_backlog;
}

/*
 * The reason of a SYN tcp_conn_request() dropped, from the queue state at its entry, in the same
 * order of checks as the kernel: the peer checks (tw_recycle's PAWS test before 4.12, then
 * tcp_peer_is_proven), the SYN queue, the accept queue. A full SYN queue drops only with
 * syncookies 0: 1 sends a cookie once the queue is full, 2 for every SYN; unknown (0xff, BCC on
 * kernels before 4.6) claims no SYN-queue drop.
 */
SYNDROP_INLINE unsigned char syndrop_conn_request_reason(int paws_rejected, int unproven, unsigned int syn_qlen,
							 unsigned int accept_qlen, unsigned int max_ack_backlog,
							 unsigned char syncookies)
{
	if (paws_rejected)
		return SYNDROP_PAWS_PASSIVE_REJECTED;
	if (unproven)
		return SYNDROP_PEER_UNPROVEN;
	if (syn_qlen >= max_ack_backlog && syncookies == 0)
		return SYNDROP_SYN_QUEUE_FULL;
	if (syndrop_accept_queue_full(accept_qlen, max_ack_backlog))
		return SYNDROP_ACCEPT_QUEUE_FULL;
	return SYNDROP_CONN_REQUEST_OTHER;
}

/*
 * The kernel's tcp_paws_reject() with paws_win 0, as tcp_timewait_state_process() applies it: a
 * SYN without RST whose timestamp option (event flags) carries a TSval older, modulo 2^32, than
 * the TIME-WAIT socket's tw_ts_recent.
 */
SYNDROP_INLINE int syndrop_timewait_paws_rejects(unsigned int ts_recent, unsigned char tcp_flags,
						 unsigned char event_flags, unsigned int tsval)
{
	if ((tcp_flags & (SYNDROP_TCP_SYN | SYNDROP_TCP_RST)) != SYNDROP_TCP_SYN || !(event_flags & SYNDROP_F_HAS_TS))
		return 0;
	return (int)(ts_recent - tsval) > 0;
}

/* A cached timestamp counts for 24 days after its stamp (both in the kernel's seconds clock). */
SYNDROP_INLINE int syndrop_ts_recent_stale(unsigned long long now_sec, int stamp)
{
	return (int)((unsigned int)now_sec - (unsigned int)(stamp + SYNDROP_TCP_PAWS_24DAYS)) >= 0;
}

#endif /* SYNDROP_CLASSIFY_H */
