/* A server that listens and never accepts: once its accept queue is full the kernel drops the
 * handshakes it is offered (ListenOverflows). Built static so it runs in the busybox image:
 *   listen_never_accept PORT BACKLOG */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT BACKLOG\n", argv[0]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
        || bind(fd, (struct sockaddr *) &a, sizeof a) != 0 || listen(fd, atoi(argv[2])) != 0) {
        perror("listen_never_accept");
        return 1;
    }
    for (;;) {
        pause();
    }
}
