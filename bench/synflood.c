/*
 * synflood: sends crafted TCP SYNs from a raw socket as fast as it can (or at a given rate) for
 * a bounded time, then prints how many it sent. Benchmark load only: run it inside a network
 * namespace the benchmark created, aimed at that namespace's loopback.
 *
 *   synflood SRC DST DPORT SPORT_BASE SPORT_COUNT TSVAL RATE SECONDS
 *     RATE 0 = as fast as possible; TSVAL 0 = random-ish (counter)
 * Output (stdout, one line): sent=N seconds=S rate=R
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PKT 60 /* 20 IP + 20 TCP + 20 options, like a Linux SYN */

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void build(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t tsval)
{
	memset(p, 0, PKT);
	p[0] = 0x45;
	p[2] = PKT >> 8; p[3] = PKT & 0xff;
	p[6] = 0x40; /* DF */
	p[8] = 64; p[9] = IPPROTO_TCP;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	uint8_t *t = p + 20;
	t[0] = sport >> 8; t[1] = sport & 0xff;
	t[2] = dport >> 8; t[3] = dport & 0xff;
	t[4] = seq >> 24; t[5] = seq >> 16; t[6] = seq >> 8; t[7] = seq;
	t[12] = (40 / 4) << 4;
	t[13] = 0x02; /* SYN */
	t[14] = 0xfa; t[15] = 0xf0; /* window 64240 */
	uint8_t *o = t + 20;
	o[0] = 2; o[1] = 4; o[2] = 0x05; o[3] = 0xb4;           /* MSS 1460 */
	o[4] = 4; o[5] = 2;                                     /* SACK permitted */
	o[6] = 8; o[7] = 10;                                    /* timestamps */
	o[8] = tsval >> 24; o[9] = tsval >> 16; o[10] = tsval >> 8; o[11] = tsval;
	o[16] = 1;                                              /* NOP */
	o[17] = 3; o[18] = 3; o[19] = 7;                        /* wscale 7 */
	uint8_t pseudo[12];
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0; pseudo[9] = IPPROTO_TCP; pseudo[10] = 0; pseudo[11] = 40;
	uint32_t s = 0;
	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)pseudo[i] << 8 | pseudo[i + 1];
	uint16_t c = csum(t, 40, s);
	t[16] = c >> 8; t[17] = c & 0xff;
}

int main(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr, "usage: synflood SRC DST DPORT SPORT_BASE SPORT_COUNT TSVAL RATE SECONDS\n");
		return 2;
	}
	uint32_t src = inet_addr(argv[1]), dst = inet_addr(argv[2]);
	int dport = atoi(argv[3]), sbase = atoi(argv[4]), scount = atoi(argv[5]);
	uint32_t tsval = (uint32_t)strtoul(argv[6], NULL, 10);
	double rate = atof(argv[7]), secs = atof(argv[8]);
	if (scount < 1 || secs <= 0 || secs > 600) {
		fprintf(stderr, "synflood: SPORT_COUNT >= 1 and 0 < SECONDS <= 600\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("synflood: raw socket (needs root)");
		return 1;
	}
	static uint8_t pkts[BATCH][PKT];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = dst};
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = pkts[i];
		iov[i].iov_len = PKT;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	uint64_t sent = 0;
	double start = now(), end = start + secs;
	int batch = BATCH;
	if (rate > 0 && rate < 20000)
		batch = rate < 640 ? 1 : 8; /* small batches keep a low rate smooth */
	for (;;) {
		double t = now();
		if (t >= end)
			break;
		if (rate > 0) {
			double due = (t - start) * rate;
			if ((double)sent >= due) {
				double wait = ((double)sent + batch - due) / rate;
				if (wait > 0.0005) {
					struct timespec ts = {0, (long)(wait * 1e9)};
					if (wait > 0.01)
						ts.tv_nsec = 10000000;
					nanosleep(&ts, NULL);
				}
				continue;
			}
		}
		for (int i = 0; i < batch; i++) {
			uint64_t k = sent + i;
			build(pkts[i], src, dst, (uint16_t)(sbase + k % scount), dport, (uint32_t)k * 7919u,
			      tsval ? tsval : (uint32_t)(k + 1000000));
		}
		int n = sendmmsg(fd, msgs, batch, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("synflood: sendmmsg");
			return 1;
		}
		sent += n;
	}
	double el = now() - start;
	printf("sent=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)sent, el, sent / el);
	return 0;
}
