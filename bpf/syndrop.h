/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of what crosses from the kernel to user space. The BPF programs
 * (syndrop.bpf.c, and the BCC flavour), the C shim and Java's EventLayout all follow it;
 * Java's EventLayoutTest checks every offset below against the compiled shim.
 *
 * Plain C types only: this header is included by BPF C (after vmlinux.h), by the shim
 * (after <linux/types.h>) and by BCC-compiled text, so it must not depend on either world.
 */
#ifndef SYNDROP_H
#define SYNDROP_H

#define SYNDROP_EVENT_SIZE 256
#define SYNDROP_LAYOUT_VERSION 3 /* 2: listener_ino took the reserved bytes; 3: proof fields and
                                  * the dropped segment's headers (128..255) */
#define SYNDROP_PKT_MAX 96      /* bytes of IP + TCP header kept from the dropped segment */

/* Stable reasons: same numbers as syndrop.v1.Reason in proto/. */
enum syndrop_reason {
	SYNDROP_REASON_UNSPECIFIED = 0,
	SYNDROP_PEER_UNPROVEN = 1,
	SYNDROP_PAWS_PASSIVE_REJECTED = 2,
	SYNDROP_SYN_QUEUE_FULL = 3,
	SYNDROP_ACCEPT_QUEUE_FULL = 4,
	SYNDROP_TIMEWAIT_PAWS = 5,
	SYNDROP_CONN_REQUEST_OTHER = 6,
	SYNDROP_KERNEL_REASON = 7,
};

/* Same numbers as syndrop.v1.Probe. */
enum syndrop_probe {
	SYNDROP_PROBE_FENTRY = 1,
	SYNDROP_PROBE_KPROBE = 2,
	SYNDROP_PROBE_TRACEPOINT = 3,
	SYNDROP_PROBE_BCC = 4,
};

/* Index of the per-CPU loss counters: one slot per program that reserves ring-buffer space. */
enum syndrop_prog_slot {
	SYNDROP_SLOT_KFREE_SKB = 0,
	SYNDROP_SLOT_CONN_REQUEST = 1,
	SYNDROP_SLOT_TIMEWAIT = 2,
	SYNDROP_SLOT_SYN_RECV_SOCK = 3,
	SYNDROP_SLOT_MAX = 8,
};

/* Event flags. */
#define SYNDROP_F_IPV6       0x1  /* addresses are IPv6; else the first 4 bytes hold IPv4 */
#define SYNDROP_F_HAS_TS     0x2  /* the SYN carried a timestamp option */
#define SYNDROP_F_HAS_QUEUES 0x4  /* the queue fields were read from a listener */
#define SYNDROP_F_FINAL_ACK  0x8  /* the drop hit the handshake's final ACK, not the SYN */
#define SYNDROP_F_WALL_STAMP 0x10 /* cached_ts_stamp is wall-clock seconds (get_seconds(), kernels
                                   * before 4.19), not comparable with ktime_sec_at */
#define SYNDROP_F_LISTEN_DROPS 0x20 /* listen_drops_before/after hold this CPU's TcpExt:ListenDrops */

/* The SYN's options (syn_opts), as parsed from its TCP header. */
#define SYNDROP_OPT_MSS       0x1 /* mss holds the MSS option */
#define SYNDROP_OPT_WSCALE    0x2 /* wscale holds the window-scale shift */
#define SYNDROP_OPT_SACK_PERM 0x4 /* SACK permitted */
#define SYNDROP_OPT_TS        0x8 /* timestamps (tsval/tsecr) */

/*
 * One drop. Addresses are in network byte order; everything else in host order.
 * 256 bytes, naturally aligned, no implicit padding (checked by _Static_assert below).
 */
struct syndrop_event {
	__u64 ktime_ns;        /*   0 bpf_ktime_get_ns() at the drop (CLOCK_MONOTONIC) */
	__u64 netns_ino;       /*   8 inode of the network namespace of the socket/device */
	__u8  saddr[16];       /*  16 SYN's source address */
	__u8  daddr[16];       /*  32 SYN's destination address */
	__u16 sport;           /*  48 */
	__u16 dport;           /*  50 */
	__u8  reason;          /*  52 enum syndrop_reason */
	__u8  probe;           /*  53 enum syndrop_probe */
	__u8  flags;           /*  54 SYNDROP_F_* */
	__u8  tcp_flags;       /*  55 the dropped segment's TCP flags byte */
	__u32 tsval;           /*  56 TSval of the SYN, 0 when absent */
	__u32 tsecr;           /*  60 TSecr of the SYN, 0 when absent */
	__u32 cached_ts;       /*  64 tw_ts_recent / tcpm_ts the TSval was compared with */
	__s32 cached_ts_stamp; /*  68 kernel seconds (ktime_get_seconds) when cached_ts was recorded, 0 unknown */
	__u32 kernel_reason;   /*  72 enum skb_drop_reason value of the running kernel, 0 none */
	__u32 syn_qlen;        /*  76 listener's request-sock queue length */
	__u32 syn_qmax;        /*  80 its limit (sk_max_ack_backlog bounds both queues) */
	__u32 accept_qlen;     /*  84 sk_ack_backlog */
	__u32 accept_qmax;     /*  88 sk_max_ack_backlog */
	__u32 ifindex;         /*  92 receiving device, 0 unknown */
	__u64 ktime_sec_at;    /*  96 ktime_get_seconds() equivalent at the drop, for cached_ts age */
	__u32 drops_before;    /* 104 listener sk_drops before the call (fentry/kprobe modes) */
	__u32 drops_after;     /* 108 and after */
	__u32 max_syn_backlog; /* 112 net.ipv4.tcp_max_syn_backlog of the listener's netns, 0 unknown */
	__u8  syncookies;      /* 116 net.ipv4.tcp_syncookies of that netns (0xff unknown) */
	__u8  pad[3];          /* 117 zero */
	__u64 listener_ino;    /* 120 inode of the listening socket (socket:[ino] in /proc/PID/fd), 0 when the
	                        *     drop had no listener (TIME-WAIT, closed port) */
	__u64 listen_drops_before; /* 128 this CPU's TcpExt:ListenDrops before tcp_conn_request (F_LISTEN_DROPS) */
	__u64 listen_drops_after;  /* 136 and after it: the count that decides a tcp_conn_request drop */
	__u32 seq;             /* 144 the dropped segment's sequence number */
	__u32 ack_seq;         /* 148 its acknowledgement number */
	__u16 window;          /* 152 its raw (unscaled) receive window */
	__u16 mss;             /* 154 the SYN's MSS option (SYNDROP_OPT_MSS) */
	__u8  wscale;          /* 156 the SYN's window-scale shift (SYNDROP_OPT_WSCALE) */
	__u8  syn_opts;        /* 157 SYNDROP_OPT_* seen in the segment */
	__u8  pkt_len;         /* 158 bytes of pkt that hold the segment's headers, 0 not captured */
	__u8  pad2;            /* 159 zero */
	__u8  pkt[SYNDROP_PKT_MAX]; /* 160 the segment's IP header and TCP header (no payload), from the network
	                        *     header on, truncated to SYNDROP_PKT_MAX (pcapng LINKTYPE_RAW) */
};

#ifndef __cplusplus
_Static_assert(sizeof(struct syndrop_event) == SYNDROP_EVENT_SIZE, "syndrop_event layout changed");
#endif

/*
 * Load-time settings: the BPF object's `const volatile struct syndrop_config cfg`, written by
 * the shim into .rodata before load (the skeleton's typed rodata->cfg), so disabled filters cost
 * the verifier-pruned branch only. Java's LoadedConfig mirrors it for KernelConfigTest.
 */
#define SYNDROP_MAX_PORTS 8
struct syndrop_config {
	__u16 ports[SYNDROP_MAX_PORTS]; /* destination ports (host order); nports == 0: all */
	__u32 nports;
	__u32 src_family;               /* 0 none, 2 AF_INET, 10 AF_INET6 */
	__u8  src_addr[16];             /* network order */
	__u32 src_prefix;
	__u32 reason_mask;              /* bit (1 << reason); 0 = all */
	__u64 netns_ino;                /* 0 = all */
	__u8  kfree_reports_tw_paws;    /* kfree_skb emits TIMEWAIT_PAWS (no dedicated TIME-WAIT hook) */
	__u8  kfree_reports_overflow;   /* kfree_skb emits final-ACK ACCEPT_QUEUE_FULL */
	__u8  workload_netns;           /* emit only drops in a netns of map workload_netns (syndrop_workload.h) */
	__u8  pad;
	__s32 listen_drops_mib;         /* LINUX_MIB_LISTENDROPS in the running kernel; < 0 unknown */
	/* Storm summaries (bpf/syndrop_storm.h). */
	__u8  storm_on;                 /* count every drop per key in storm_counts */
	__u8  storm_prefix4;            /* the key's IPv4 source prefix length (0..32) */
	__u8  storm_prefix6;            /* and IPv6 (0..128) */
	__u8  pad2;
	__u32 detail_burst;             /* token bucket size; 0: no drop is sent in detail */
	__u64 detail_interval_ns;       /* 1e9 / --detail-rate; 0: every drop is sent in detail */
	__u64 detail_tolerance_ns;      /* (burst - 1) * interval */
};

#endif /* SYNDROP_H */
