package io.syndrop.bcc;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The part of libbcc (BCC 0.26, Debian's libbpfcc, {@code libbcc.so.0}) a loader needs.
 * Every declaration follows /usr/include/bcc/{bcc_common.h,libbpf.h,perf_reader.h} of 0.26
 * (package libbpfcc-dev): C {@code size_t} and {@code uint64_t} map to long, {@code bool} to
 * byte (one byte in the SysV ABI), {@code unsigned} to int. A wrong mapping here crashes the
 * JVM, so BccBindingTest calls each one.
 */
public interface LibBcc extends Library {
    /** The soname: Debian ships no unversioned libbcc.so without the -dev package. */
    String SONAME = "libbcc.so.0";

    int BPF_PROG_TYPE_KPROBE = 2;
    int BPF_PROG_TYPE_TRACEPOINT = 5;
    int BPF_PROBE_ENTRY = 0;
    int BPF_PROBE_RETURN = 1;

    static LibBcc load() {
        return Native.load(SONAME, LibBcc.class);
    }

    // ---- bcc_common.h ----
    /** void *bpf_module_create_c_from_string(const char *text, unsigned flags, const char *cflags[],
     *  int ncflags, bool allow_rlimit, const char *dev_name); NULL on a compile error. */
    Pointer bpf_module_create_c_from_string(String text, int flags, String[] cflags, int ncflags,
                                            byte allowRlimit, String devName);

    void bpf_module_destroy(Pointer program);

    /** char *bpf_module_license(void *program): owned by the module. */
    String bpf_module_license(Pointer program);

    int bpf_module_kern_version(Pointer program);

    long bpf_num_functions(Pointer program);

    String bpf_function_name(Pointer program, long id);

    Pointer bpf_function_start(Pointer program, String name);

    long bpf_function_size(Pointer program, String name);

    int bpf_table_fd(Pointer program, String tableName);

    /** int bcc_func_load(void *program, int prog_type, const char *name, const struct bpf_insn *insns,
     *  int prog_len, const char *license, unsigned kern_version, int log_level, char *log_buf,
     *  unsigned log_buf_size, const char *dev_name, int attach_type); the program fd or a negative value. */
    int bcc_func_load(Pointer program, int progType, String name, Pointer insns, int progLen,
                      String license, int kernVersion, int logLevel, byte[] logBuf, int logBufSize,
                      String devName, int attachType);

    // ---- libbpf.h ----
    /** int bpf_attach_kprobe(int progfd, enum bpf_probe_attach_type, const char *ev_name,
     *  const char *fn_name, uint64_t fn_offset, int maxactive); a perf event fd or -1. */
    int bpf_attach_kprobe(int progFd, int attachType, String evName, String fnName, long fnOffset,
                          int maxActive);

    int bpf_detach_kprobe(String evName);

    int bpf_attach_tracepoint(int progFd, String category, String name);

    int bpf_detach_tracepoint(String category, String name);

    int bpf_close_perf_event_fd(int fd);

    /** int bpf_update_elem(int fd, void *key, void *value, unsigned long long flags) */
    int bpf_update_elem(int fd, Pointer key, Pointer value, long flags);

    int bpf_lookup_elem(int fd, Pointer key, Pointer value);

    /** int bpf_delete_elem(int fd, void *key) */
    int bpf_delete_elem(int fd, Pointer key);

    /** int bpf_get_next_key(int fd, void *key, void *next_key): key NULL, or a key that does not exist, gives the first */
    int bpf_get_next_key(int fd, Pointer key, Pointer nextKey);

    /** typedef void (*perf_reader_raw_cb)(void *cb_cookie, void *raw, int raw_size); */
    interface RawCallback extends Callback {
        void invoke(Pointer cookie, Pointer raw, int size);
    }

    /** typedef void (*perf_reader_lost_cb)(void *cb_cookie, uint64_t lost); */
    interface LostCallback extends Callback {
        void invoke(Pointer cookie, long lost);
    }

    /** void *bpf_open_perf_buffer(raw_cb, lost_cb, void *cb_cookie, int pid, int cpu, int page_cnt):
     *  a struct perf_reader *, NULL on failure. */
    Pointer bpf_open_perf_buffer(RawCallback raw, LostCallback lost, Pointer cookie, int pid, int cpu,
                                 int pageCount);

    // ---- perf_reader.h ----
    /** int perf_reader_poll(int num_readers, struct perf_reader **readers, int timeout) */
    int perf_reader_poll(int numReaders, Pointer[] readers, int timeoutMs);

    void perf_reader_free(Pointer reader);

    int perf_reader_fd(Pointer reader);

    /** typedef int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size); (BPF ring buffer, 5.8+) */
    interface RingbufCallback extends Callback {
        int invoke(Pointer ctx, Pointer data, long size);
    }

    /** void *bpf_new_ringbuf(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx) */
    Pointer bpf_new_ringbuf(int mapFd, RingbufCallback cb, Pointer ctx);

    int bpf_poll_ringbuf(Pointer rb, int timeoutMs);

    int bpf_consume_ringbuf(Pointer rb);

    void bpf_free_ringbuf(Pointer rb);
}
