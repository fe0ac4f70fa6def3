/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The dropped segment, for the CO-RE programs (syndrop.bpf.c includes it after vmlinux.h,
 * syndrop.h and the libbpf headers): its addresses, ports, flags, sequence/ack/window, the SYN's
 * options (MSS, window scale, SACK permitted, timestamps), its IP + TCP headers copied into
 * e->pkt, and the namespace settings (syncookies, max_syn_backlog) read from a struct net.
 *
 * The BCC flavour (syndrop_bcc.c) does the same with its own reads: 4.9's helpers write only to
 * the stack and take constant sizes, which this file does not restrict itself to.
 *
 * The caller provides struct scratch (the event followed by a 64-byte options buffer in the same
 * map value, where the verifier accepts bounded variable offsets) and bounded().
 */
#ifndef SYNDROP_SEGMENT_H
#define SYNDROP_SEGMENT_H

#define SEG_IPPROTO_TCP 6
#define SEG_TCPOPT_EOL 0
#define SEG_TCPOPT_NOP 1
#define SEG_TCPOPT_MSS 2
#define SEG_TCPOPT_WINDOW 3
#define SEG_TCPOPT_SACK_PERM 4
#define SEG_TCPOPT_TIMESTAMP 8
#define SEG_TCPOLEN_MSS 4
#define SEG_TCPOLEN_WINDOW 3
#define SEG_TCPOLEN_SACK_PERM 2
#define SEG_TCPOLEN_TIMESTAMP 10
#define SEG_WSCALE_MAX 14 /* RFC 7323: larger shifts are treated as 14; we report what was sent */

/* A new event starts with the namespace settings unknown: 0 is a valid tcp_syncookies value. */
static __always_inline void segment_event_init(struct syndrop_event *e)
{
	e->syncookies = 0xff;
}

/* net.ipv4.tcp_syncookies and tcp_max_syn_backlog of a namespace (int before 5.17's u8 for the
 * first; BPF_CORE_READ sizes the read from the running kernel's BTF). */
static __always_inline void segment_read_netns(struct net *net, struct syndrop_event *e)
{
	if (!net)
		return;
	e->max_syn_backlog = (__u32)BPF_CORE_READ(net, ipv4.sysctl_max_syn_backlog);
	e->syncookies = (__u8)BPF_CORE_READ(net, ipv4.sysctl_tcp_syncookies);
	if (!e->netns_ino)
		e->netns_ino = BPF_CORE_READ(net, ns.inum);
}

/*
 * The receiving device: skb_iif is set when the stack received the packet; skb->dev is the
 * device it came in on (also for loopback). Without a listener or TIME-WAIT socket, the device's
 * namespace is the one whose settings applied to the segment.
 */
static __always_inline void segment_read_device(struct sk_buff *skb, struct syndrop_event *e, int netns_from_dev)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);

	e->ifindex = BPF_CORE_READ(skb, skb_iif);
	if (!dev)
		return;
	if (!e->ifindex)
		e->ifindex = BPF_CORE_READ(dev, ifindex);
	if (netns_from_dev) {
		struct net *net = BPF_CORE_READ(dev, nd_net.net);

		e->netns_ino = BPF_CORE_READ(net, ns.inum);
		segment_read_netns(net, e);
	}
}

/* The IP header and TCP header, no payload: from the network header, (transport - network)
 * bytes of IP (IPv6 extension headers included) and doff * 4 of TCP, at most SYNDROP_PKT_MAX. */
static __always_inline void segment_capture(const unsigned char *head, __u16 nh, __u16 th_off, __u8 doff,
					    struct syndrop_event *e)
{
	__u32 len;

	if (th_off <= nh)
		return;
	len = (__u32)(th_off - nh) + (__u32)doff * 4;
	if (len > SYNDROP_PKT_MAX)
		len = SYNDROP_PKT_MAX;
	/* Keep the bound visible to the verifier on the register the helper receives. */
	asm volatile("%0 &= 127" : "+r"(len));
	if (len > SYNDROP_PKT_MAX || len < 40)
		return;
	if (bpf_probe_read_kernel(e->pkt, len, head + nh) == 0)
		e->pkt_len = (__u8)len;
}

/* Big-endian 16 and 32 bits from the options buffer. */
#define SEG_BE16(o, i) (((__u16)(o)[bounded((i))] << 8) | (o)[bounded((i) + 1)])
#define SEG_BE32(o, i) (((__u32)(o)[bounded((i))] << 24) | ((__u32)(o)[bounded((i) + 1)] << 16) | \
			((__u32)(o)[bounded((i) + 2)] << 8) | (o)[bounded((i) + 3)])

/* Reads addresses, ports, flags, seq/ack/window, the options and the headers of the TCP segment in skb. */
static __always_inline int parse_tcp(struct sk_buff *skb, struct syndrop_event *e)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th_off = BPF_CORE_READ(skb, transport_header);
	__u8 *opts = ((struct scratch *)e)->opts;
	struct tcphdr th;
	__u8 ver = 0;
	int optlen, j;
	__u32 i = 0;

	if (!head || nh == (__u16)~0U || th_off == (__u16)~0U)
		return -1;
	if (bpf_probe_read_kernel(&ver, 1, head + nh))
		return -1;
	ver >>= 4;
	if (ver == 4) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh) || ip.protocol != SEG_IPPROTO_TCP)
			return -1;
		__builtin_memcpy(e->saddr, &ip.saddr, 4);
		__builtin_memcpy(e->daddr, &ip.daddr, 4);
	} else if (ver == 6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh) || ip6.nexthdr != SEG_IPPROTO_TCP)
			return -1;
		__builtin_memcpy(e->saddr, &ip6.saddr, 16);
		__builtin_memcpy(e->daddr, &ip6.daddr, 16);
		e->flags |= SYNDROP_F_IPV6;
	} else {
		return -1;
	}
	if (bpf_probe_read_kernel(&th, sizeof(th), head + th_off))
		return -1;
	e->sport = bpf_ntohs(th.source);
	e->dport = bpf_ntohs(th.dest);
	e->tcp_flags = ((__u8 *)&th)[13];
	e->seq = bpf_ntohl(th.seq);
	e->ack_seq = bpf_ntohl(th.ack_seq);
	e->window = bpf_ntohs(th.window);
	segment_capture(head, nh, th_off, th.doff, e);

	optlen = th.doff * 4 - (int)sizeof(th);
	if (optlen <= 0)
		return 0;
	if (optlen > 40)
		optlen = 40;
	/* 64-byte buffer, 40 bytes used: indexes are masked with 63 so the verifier sees them bounded. */
	if (bpf_probe_read_kernel(opts, 40, head + th_off + sizeof(th)))
		return 0;
	/*
	 * At most 20 options (a SYN carries five or six). The offset goes through bounded() on
	 * every round so the verifier tracks it as a range, not as one constant per path: older
	 * verifiers (6.1) otherwise explore every NOP/option combination and give up at 1M insns.
	 * Values are stored into the event (map memory), never kept in registers across rounds.
	 */
	for (j = 0; j < 20; j++) {
		__u8 kind, len;

		i = bounded(i);
		if (i >= (__u32)optlen)
			break;
		kind = opts[i];
		if (kind == SEG_TCPOPT_EOL)
			break;
		if (kind == SEG_TCPOPT_NOP) {
			i++;
			continue;
		}
		len = opts[bounded(i + 1)];
		if (len < 2 || i + len > (__u32)optlen)
			break;
		if (kind == SEG_TCPOPT_TIMESTAMP && len == SEG_TCPOLEN_TIMESTAMP) {
			e->tsval = SEG_BE32(opts, i + 2);
			e->tsecr = SEG_BE32(opts, i + 6);
			e->flags |= SYNDROP_F_HAS_TS;
			e->syn_opts |= SYNDROP_OPT_TS;
		} else if (kind == SEG_TCPOPT_MSS && len == SEG_TCPOLEN_MSS) {
			e->mss = SEG_BE16(opts, i + 2);
			e->syn_opts |= SYNDROP_OPT_MSS;
		} else if (kind == SEG_TCPOPT_WINDOW && len == SEG_TCPOLEN_WINDOW) {
			e->wscale = opts[bounded(i + 2)];
			e->syn_opts |= SYNDROP_OPT_WSCALE;
		} else if (kind == SEG_TCPOPT_SACK_PERM && len == SEG_TCPOLEN_SACK_PERM) {
			e->syn_opts |= SYNDROP_OPT_SACK_PERM;
		}
		i += len;
	}
	return 0;
}

#endif /* SYNDROP_SEGMENT_H */
