/*
 * connrate: a TCP server on ADDR:PORT that accepts and closes, and THREADS clients that
 * connect() and close with SO_LINGER 0 (RST, no TIME-WAIT to exhaust ports) for SECONDS.
 * Prints the number of connections the server accepted. Run it inside a namespace the
 * benchmark created.
 *   connrate ADDR PORT THREADS SECONDS
 * Output: accepted=N seconds=S rate=R
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr;
static atomic_int stop;
static atomic_ulong accepted;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *server(void *arg)
{
	int lfd = *(int *)arg;
	while (!atomic_load(&stop)) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		atomic_fetch_add(&accepted, 1);
		close(c);
	}
	return NULL;
}

static void *client(void *arg)
{
	(void)arg;
	struct linger lg = {1, 0};
	while (!atomic_load(&stop)) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		connect(fd, (struct sockaddr *)&addr, sizeof(addr));
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: connrate ADDR PORT THREADS SECONDS\n");
		return 2;
	}
	int threads = atoi(argv[3]);
	double secs = atof(argv[4]);
	if (threads < 1 || threads > 64 || secs <= 0 || secs > 600) {
		fprintf(stderr, "connrate: 1 <= THREADS <= 64, 0 < SECONDS <= 600\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(argv[2]));
	addr.sin_addr.s_addr = inet_addr(argv[1]);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct timeval tv = {0, 100000};
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* accept wakes up to see stop */
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 4096)) {
		perror("connrate: bind/listen");
		return 1;
	}
	pthread_t s, c[64];
	pthread_create(&s, NULL, server, &lfd);
	double start = now();
	for (int i = 0; i < threads; i++)
		pthread_create(&c[i], NULL, client, NULL);
	struct timespec ts = {(time_t)secs, (long)((secs - (time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
	unsigned long n = atomic_load(&accepted);
	double el = now() - start;
	atomic_store(&stop, 1);
	for (int i = 0; i < threads; i++)
		pthread_join(c[i], NULL);
	pthread_join(s, NULL);
	printf("accepted=%lu seconds=%.3f rate=%.0f\n", n, el, n / el);
	return 0;
}
