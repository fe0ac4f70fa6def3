package io.syndrop.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The running kernel's BTF as bpftool dumps it, read independently of the shim, so that tests can
 * hold what the loader decided (which kfree_skb program, which reasons) to the kernel itself.
 */
final class KernelBtf {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final Pattern TYPE = Pattern.compile("^\\[(\\d+)] (\\w+) '([^']*)'(.*)$");
    private static final Pattern TYPE_ID = Pattern.compile("type_id=(\\d+)");
    private static final Pattern VLEN = Pattern.compile("vlen=(\\d+)");

    private final Map<String, Integer> typedefs = new HashMap<>();
    private final Map<Integer, String> lines = new HashMap<>();
    private final Set<String> enumerators = new HashSet<>();

    private KernelBtf() {}

    /** Fails loudly, with what to do, when the kernel has no BTF. */
    static KernelBtf read() throws IOException, InterruptedException {
        if (!Files.isReadable(VMLINUX)) {
            throw new AssertionError("kernel " + KernelRelease.running() + " exposes no BTF at " + VMLINUX
                    + " (CONFIG_DEBUG_INFO_BTF=y): the CO-RE object cannot load there, only --backend bcc or counters");
        }
        Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", VMLINUX.toString(), "format", "raw")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        KernelBtf btf = new KernelBtf();
        String enumName = null;
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = TYPE.matcher(line);
                if (m.matches()) {
                    int id = Integer.parseInt(m.group(1));
                    enumName = m.group(2).startsWith("ENUM") ? m.group(3) : null;
                    if (m.group(2).equals("TYPEDEF")) {
                        btf.typedefs.put(m.group(3), id);
                    }
                    if (m.group(2).equals("TYPEDEF") || m.group(2).equals("PTR") || m.group(2).equals("FUNC_PROTO")) {
                        btf.lines.put(id, line);
                    }
                } else if (enumName != null && line.startsWith("\t'")) {
                    btf.enumerators.add(enumName + ":" + line.substring(2, line.indexOf('\'', 2)));
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("bpftool btf dump of " + VMLINUX + " failed");
        }
        return btf;
    }

    /** Whether enum {@code type} has the enumerator {@code name} (e.g. skb_drop_reason, SKB_DROP_REASON_NO_SOCKET). */
    boolean hasEnumerator(String type, String name) {
        return enumerators.contains(type + ":" + name);
    }

    /** Arguments of a raw tracepoint as tp_btf programs see them (btf_trace_NAME without its ctx), or -1. */
    int tracepointArgs(String name) {
        Integer id = typedefs.get("btf_trace_" + name);
        String line = id == null ? null : lines.get(id);
        for (int hops = 0; line != null && hops < 4; hops++) {
            if (line.contains(" FUNC_PROTO ")) {
                Matcher v = VLEN.matcher(line);
                return v.find() ? Integer.parseInt(v.group(1)) - 1 : -1;
            }
            Matcher t = TYPE_ID.matcher(line);
            line = t.find() ? lines.get(Integer.parseInt(t.group(1))) : null;
        }
        return -1;
    }
}
