package io.syndrop.demo;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls the test bed needs that Java has no API for: setns(2) to move one thread
 * into a network namespace, and raw sockets for crafting SYNs. Socket addresses and option
 * values travel as byte arrays laid out by the caller (see {@link SockAddr}) so that no JNA
 * Structure subclasses are needed.
 */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int CLONE_NEWNET = 0x40000000;

    int AF_INET = 2;
    int AF_INET6 = 10;
    int SOCK_STREAM = 1;
    int SOCK_RAW = 3;
    int IPPROTO_TCP = 6;
    int SOL_SOCKET = 1;
    int SO_RCVTIMEO = 20;
    int SO_RCVBUF = 8;
    int SO_SNDTIMEO = 21;
    int TCP_REPAIR = 19;
    int TCP_TIMESTAMP = 24;
    int EINPROGRESS = 115;
    int EAGAIN = 11;
    int EINTR = 4;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;

    int setsockopt(int fd, int level, int optname, byte[] optval, int optlen) throws LastErrorException;

    int getsockopt(int fd, int level, int optname, byte[] optval, int[] optlen) throws LastErrorException;

    int connect(int fd, byte[] addr, int addrlen) throws LastErrorException;

    long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

    long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

    long recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, int[] addrlen) throws LastErrorException;
}
