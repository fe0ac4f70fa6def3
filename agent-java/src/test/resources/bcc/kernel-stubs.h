/*
 * Stand-ins for what BCC and a kernel's headers give bpf/syndrop_bcc.c, for a syntax check
 * with plain clang (BccLegacySyntaxTest). Only the members the program reads, with the names
 * and types the kernel of LINUX_VERSION_CODE has for them, so each version branch of the
 * program is compiled against the shape it was written for. Layouts are not real; this checks
 * that the text compiles, not what it reads.
 */
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))

#define __always_inline inline __attribute__((always_inline))
#define NULL ((void *)0)

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __u32 __be32;
typedef __u16 __be16;

/* BCC's helpers.h */
static long (*bpf_probe_read)(void *dst, u32 size, const void *src) = (void *)4;
static u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static inline u16 ntohs(u16 v) { return __builtin_bswap16(v); }
static inline u32 ntohl(u32 v) { return __builtin_bswap32(v); }

struct pt_regs {
	unsigned long di, si, dx, cx, r8, r9, ax;
};
#define PT_REGS_PARM1(x) ((x)->di)
#define PT_REGS_PARM2(x) ((x)->si)
#define PT_REGS_PARM3(x) ((x)->dx)
#define PT_REGS_PARM4(x) ((x)->cx)
#define PT_REGS_RC(x) ((x)->ax)

#define BPF_PERF_OUTPUT(name) \
	struct { int (*perf_submit)(void *ctx, void *data, u32 size); } name
#define BPF_ARRAY(name, leaf, n) \
	struct { leaf *(*lookup)(int *key); void (*increment)(u32 key); } name
#define BPF_HASH(name, key, leaf, n) \
	struct { leaf *(*lookup)(key *k); int (*update)(key *k, leaf *v); int (*insert)(key *k, leaf *v); } name

/* linux/hash.h, net/netns/hash.h (pre-5.1 shape: the pointer value is the mix) */
static inline u32 hash_32(u32 val, unsigned int bits) { return (val * 0x61C88647u) >> (32 - bits); }
struct net;
static inline u32 net_hash_mix(const struct net *net) { return (u32)((unsigned long)net >> 6); }

typedef struct { int counter; } atomic_t;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(3, 19, 0)
struct ns_common { unsigned int inum; };
#endif

struct tcpm_hash_bucket;

struct netns_ipv4 {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
	u8 sysctl_tcp_syncookies;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(4, 6, 0)
	int sysctl_tcp_syncookies;
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 15, 0)
	int sysctl_max_syn_backlog;
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 1, 0)
	struct tcpm_hash_bucket *tcp_metrics_hash;
	unsigned int tcp_metrics_hash_log;
#endif
};

enum { LINUX_MIB_LISTENOVERFLOWS = 20, LINUX_MIB_LISTENDROPS = 21 };
struct linux_mib { unsigned long mibs[128]; };
struct netns_mib { struct linux_mib *net_statistics; };

struct net {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(3, 19, 0)
	struct ns_common ns;
#else
	unsigned int proc_inum;
#endif
	struct netns_ipv4 ipv4;
	struct netns_mib mib;
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 1, 0)
typedef struct { struct net *net; } possible_net_t;
#endif

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	unsigned short skc_family;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 1, 0)
	possible_net_t skc_net;
#else
	struct net *skc_net;
#endif
};

struct inode { unsigned long i_ino; };
struct socket { int state; };
/* include/net/sock.h: the socket and its inode allocated together. */
struct socket_alloc { struct socket socket; struct inode vfs_inode; };
#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))
#endif

struct sock {
	struct sock_common __sk_common;
	struct socket *sk_socket;
	atomic_t sk_drops;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 5, 0)
	u32 sk_ack_backlog;
	u32 sk_max_ack_backlog;
#else
	unsigned short sk_ack_backlog;
	unsigned short sk_max_ack_backlog;
#endif
};

#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 4, 0)
struct listen_sock { int qlen; };
#endif

struct request_sock_queue {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 4, 0)
	atomic_t qlen;
#else
	struct listen_sock *listen_opt;
#endif
};

struct inet_connection_sock {
	struct sock icsk_inet;
	struct request_sock_queue icsk_accept_queue;
};

struct request_sock_ops {
	int family;
};

struct request_sock {
	struct sock_common __req_common;
	const struct request_sock_ops *rsk_ops;
	u32 ts_recent;
};

struct inet_request_sock {
	struct request_sock req;
};
#define ir_loc_addr req.__req_common.skc_rcv_saddr
#define ir_rmt_addr req.__req_common.skc_daddr

struct inet_timewait_sock {
	struct sock_common __tw_common;
	volatile unsigned char tw_substate;
};

struct tcp_timewait_sock {
	struct inet_timewait_sock tw_sk;
	u32 tw_ts_recent;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 19, 0)
	int tw_ts_recent_stamp;
#else
	long tw_ts_recent_stamp;
#endif
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(3, 11, 0)
typedef u16 skb_header_t;
#else
typedef unsigned int skb_header_t;
#endif
struct sk_buff {
	unsigned char *head;
	skb_header_t network_header;
	skb_header_t transport_header;
	int skb_iif;
};
