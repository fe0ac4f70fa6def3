package io.syndrop.bcc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * libbcc finds tracepoints and kprobe_events through tracefs, which this machine kind does not
 * mount by default. Mounts it at /sys/kernel/tracing when neither that nor the debugfs path is
 * there, and unmounts it again on close if this test mounted it (best effort: a busy mount,
 * used by someone else meanwhile, stays).
 */
final class TracefsMount implements AutoCloseable {
    private static final Path TRACING = Path.of("/sys/kernel/tracing");
    private final boolean mounted;

    private TracefsMount(boolean mounted) {
        this.mounted = mounted;
    }

    static TracefsMount ensure() {
        if (Files.exists(Path.of("/sys/kernel/debug/tracing/events")) || Files.exists(TRACING.resolve("events"))) {
            return new TracefsMount(false);
        }
        KernelHeadersFixture.run(List.of("mount", "-t", "tracefs", "tracefs", TRACING.toString()));
        return new TracefsMount(true);
    }

    @Override
    public void close() {
        if (mounted) {
            try {
                KernelHeadersFixture.run(List.of("umount", TRACING.toString()));
            } catch (IllegalStateException busy) {
                // someone else is using it now; leaving tracefs mounted is harmless
            }
        }
    }
}
