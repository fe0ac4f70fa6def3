package io.syndrop.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The one binding of the C library (JNA), for what Java has no API for: setns(2) into a network
 * namespace, raw and TCP_REPAIR sockets for the test bed, and fd juggling to capture what libbcc
 * prints. Calls declared with LastErrorException throw it with errno; the others return -1 as C
 * does, for callers that look at the result themselves. Socket addresses and option values travel
 * as byte arrays laid out by the caller, so no JNA Structure is needed. Constants are x86-64 Linux.
 */
public interface Libc extends Library {
    /** Loaded on first use, so code that never reaches libc never loads JNA's native part. */
    Libc INSTANCE = Native.load("c", Libc.class);

    int O_RDONLY = 0;
    int O_WRONLY = 01;
    int O_CREAT = 0100;
    int O_TRUNC = 01000;
    int O_CLOEXEC = 02000000;
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

    long SYS_GETTID_X86_64 = 186;

    /** capget(2)/capset(2) on a v3 header (PermittedCapabilities); return -1 with errno on refusal. */
    int capget(Pointer header, Pointer data);

    int capset(Pointer header, Pointer data);

    int open(String path, int flags) throws LastErrorException;

    /** open(2) with a mode for O_CREAT; -1 on failure. */
    int open(String path, int flags, int mode);

    int close(int fd) throws LastErrorException;

    int POSIX_FADV_DONTNEED = 4;

    /** posix_fadvise(2): returns 0 or the error number itself (it does not set errno). */
    int posix_fadvise(int fd, long offset, long len, int advice);

    /** if_indextoname(3): the name of interface {@code ifindex} in the calling thread's network
     * namespace into {@code name} (IF_NAMESIZE bytes), or null (ENXIO: no such device). */
    Pointer if_indextoname(int ifindex, byte[] name);

    int IF_NAMESIZE = 16;
    /** isatty(3): 1 when fd is a terminal (watch draws its storm block in place only then), else 0. */
    int isatty(int fd);

    /** For fds whose close cannot fail in a way the caller could act on (cleanup paths). */
    static void closeQuietly(int fd) {
        try {
            INSTANCE.close(fd);
        } catch (LastErrorException ignored) {
            // already closed or never valid: nothing is left to release
        }
    }

    int setns(int fd, int nstype) throws LastErrorException;

    int dup(int fd);

    int dup2(int oldFd, int newFd);

    /** fflush(NULL) flushes every C stdio stream, including the one std::cout writes through. */
    int fflush(Pointer stream);

    int setenv(String name, String value, int overwrite);

    /** getenv(3): what native code (libbcc) sees, including setenv(3) calls Java's System.getenv never shows. */
    String getenv(String name);

    int unsetenv(String name);

    long syscall(long number);

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;

    int setsockopt(int fd, int level, int optname, byte[] optval, int optlen) throws LastErrorException;

    int getsockopt(int fd, int level, int optname, byte[] optval, int[] optlen) throws LastErrorException;

    int connect(int fd, byte[] addr, int addrlen) throws LastErrorException;

    long recv(int fd, byte[] buf, long len, int flags) throws LastErrorException;

    long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

    long recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, int[] addrlen) throws LastErrorException;
}
