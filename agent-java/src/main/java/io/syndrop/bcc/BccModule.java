package io.syndrop.bcc;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import io.syndrop.os.Libc;

/**
 * One BCC module: C text compiled by libbcc against the running kernel's headers, its maps
 * created. Programs are loaded one by one ({@link #load}); their fds are closed with the module.
 */
public final class BccModule implements AutoCloseable {
    private static final int LOG_BUF_SIZE = 1 << 20;

    private final LibBcc lib;
    private Pointer module;
    private final List<Integer> progFds = new ArrayList<>();
    private final String compilerOutput;

    private BccModule(LibBcc lib, Pointer module, String compilerOutput) {
        this.lib = lib;
        this.module = module;
        this.compilerOutput = compilerOutput;
    }

    /** Compiles text with the given clang flags (e.g. -DNAME=VALUE). */
    public static BccModule compile(LibBcc lib, String text, List<String> cflags) throws BccException {
        // libbcc 0.26 prints "Unable to find kernel headers" and compiles on regardless; with the storm
        // map's struct key left undefined its rewriter then dies in clang (SIGABRT, the JVM with it).
        // So the headers are looked for first, where libbcc itself will look.
        if (BccAvailability.headersDir(Libc.INSTANCE.getenv("BCC_KERNEL_SOURCE"), KernelInfo.release()) == null) {
            throw compileFailure("Unable to find kernel headers (looked where libbcc looks: $BCC_KERNEL_SOURCE, /lib/modules/"
                    + KernelInfo.release() + "/build and /source, /sys/kernel/kheaders.tar.xz)");
        }
        NativeOutputCapture.Result<Pointer> r = create(lib, text, cflags);
        if (r.value() == null) {
            // A kernel newer than libbcc: BCC replaces the kernel's uapi/linux/bpf.h with its own older
            // copy, which lacks the opaque structs (bpf_wq, bpf_rb_root, ...) that the kernel's internal
            // linux/bpf.h takes the size of, so every program that includes net/sock.h fails (bcc issues
            // 5231, 5451). Those structs are never used here: declared opaque in front, the text compiles.
            // Only on that failure, so a libbcc that has them never sees a second definition.
            String prelude = OpaqueUapiStructs.prelude(r.output());
            if (!prelude.isEmpty()) {
                NativeOutputCapture.Result<Pointer> again = create(lib, prelude + text, cflags);
                if (again.value() != null) {
                    return new BccModule(lib, again.value(), again.output());
                }
                r = again;
            }
            throw compileFailure(r.output());
        }
        return new BccModule(lib, r.value(), r.output());
    }

    private static NativeOutputCapture.Result<Pointer> create(LibBcc lib, String text, List<String> cflags) {
        String[] flags = cflags.toArray(new String[0]);
        // stdout too: BCC prints "Unable to find kernel headers" with std::cout.
        return NativeOutputCapture.run(true,
                () -> lib.bpf_module_create_c_from_string(text, 0, flags, flags.length, (byte) 1, null));
    }

    static BccException compileFailure(String said) {
        String release = KernelInfo.release();
        if (said.contains("Unable to find kernel headers")) {
            return new BccException("BCC cannot compile syndrop's probes: no kernel headers for " + release, said,
                    "install the headers of the running kernel: apt-get install linux-headers-" + release
                            + " (Debian/Ubuntu) or yum install kernel-devel-" + release
                            + " (RHEL), or load the kheaders module (CONFIG_IKHEADERS); "
                            + "or use the CO-RE backend where /sys/kernel/btf/vmlinux exists");
        }
        return new BccException("BCC failed to compile syndrop's probes against the headers of kernel " + release,
                said.isBlank() ? "(libbcc printed nothing)" : said,
                "check that the installed kernel headers match the running kernel (uname -r = " + release
                        + "); if they do, report this message to syndrop's developers");
    }

    /** Warnings clang printed while compiling (empty when none). */
    public String compilerOutput() {
        return compilerOutput;
    }

    public List<String> functionNames() {
        long n = lib.bpf_num_functions(live());
        List<String> names = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            names.add(lib.bpf_function_name(module, i));
        }
        return names;
    }

    public String license() {
        return lib.bpf_module_license(live());
    }

    public int kernelVersion() {
        return lib.bpf_module_kern_version(live());
    }

    /** Loads function `name` as a program of progType (LibBcc.BPF_PROG_TYPE_*); returns its fd. */
    public int load(String name, int progType) throws BccException {
        Pointer start = lib.bpf_function_start(live(), name);
        if (start == null) {
            throw new BccException("BCC module has no function " + name, null,
                    "this is a bug in syndrop's BCC program text; functions present: " + functionNames());
        }
        int size = (int) lib.bpf_function_size(module, name);
        byte[] log = new byte[LOG_BUF_SIZE];
        String license = lib.bpf_module_license(module);
        int kver = lib.bpf_module_kern_version(module);
        NativeOutputCapture.Result<Integer> r = NativeOutputCapture.run(() -> lib.bcc_func_load(module, progType,
                name, start, size, license, kver, 0, log, log.length, null, -1));
        int fd = r.value();
        if (fd < 0 && Native.toString(log, StandardCharsets.UTF_8.name()).isBlank()) {
            // At log level 0 the kernel explains nothing: load again with the verifier's log on.
            NativeOutputCapture.Result<Integer> again = NativeOutputCapture.run(() -> lib.bcc_func_load(module, progType,
                    name, start, size, license, kver, 1, log, log.length, null, -1));
            if (again.value() >= 0) {
                progFds.add(again.value());
                return again.value();
            }
        }
        if (fd < 0) {
            String verifier = Native.toString(log, StandardCharsets.UTF_8.name());
            throw new BccException("the kernel refused to load BPF program " + name + " (" + Errno.describe(-fd) + ")",
                    (r.output() + "\n" + tail(verifier, 4000)).strip(),
                    "run as root (or with CAP_BPF and CAP_PERFMON); if the verifier rejected the program, "
                            + "report this message with the kernel version (" + KernelInfo.release() + ")");
        }
        progFds.add(fd);
        return fd;
    }

    /** The fd of map `name`. */
    public int tableFd(String name) throws BccException {
        int fd = lib.bpf_table_fd(live(), name);
        if (fd < 0) {
            throw new BccException("BCC module has no map " + name, null,
                    "this is a bug in syndrop's BCC program text");
        }
        return fd;
    }

    private Pointer live() {
        if (module == null) {
            throw new IllegalStateException("BCC module already closed");
        }
        return module;
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    @Override
    public void close() {
        for (int fd : progFds) {
            Libc.closeQuietly(fd);
        }
        progFds.clear();
        if (module != null) {
            lib.bpf_module_destroy(module);
            module = null;
        }
    }
}
