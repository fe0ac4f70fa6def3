package io.syndrop.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs a command with captured output and a deadline; the host-side half of the test bed. */
public final class Shell {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private Shell() {}

    public static ExecResult run(Duration timeout, List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command)
                    + " (is iproute2/iptables installed? scripts/install-deps.sh --test)", e);
        }
        // Read both pipes concurrently so a chatty command cannot block on a full pipe.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            return new ExecResult(List.copyOf(command), finished ? p.exitValue() : -1,
                    out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS), !finished);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + String.join(" ", command), e);
        }
    }

    public static ExecResult run(List<String> command) {
        return run(DEFAULT_TIMEOUT, command);
    }

    /** Runs and throws unless the command exits 0. */
    public static ExecResult check(String... command) {
        return run(List.of(command)).orThrow();
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
