package io.syndrop.bcc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * This process's file descriptors that are BPF objects or perf events, counted by kind from the
 * /proc/self/fd links ({@code anon_inode:bpf-prog}, {@code anon_inode:[perf_event]}, ...). A leak
 * test compares these and not every fd: the JVM opens and closes jars, sockets and pipes of its
 * own at any moment, and only these kinds are what a BPF backend opens.
 */
final class BpfAndPerfFds {
    private static final String ANON = "anon_inode:";

    private BpfAndPerfFds() {
    }

    /** Kind (bpf-prog, bpf-map, bpf_link, btf, [perf_event], ...) to how many are open now. */
    static Map<String, Integer> count() throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith(ANON)) {
                    String kind = target.substring(ANON.length());
                    if (kind.startsWith("bpf") || kind.equals("btf") || kind.equals("[perf_event]")) {
                        kinds.merge(kind, 1, Integer::sum);
                    }
                }
            }
        }
        return kinds;
    }
}
