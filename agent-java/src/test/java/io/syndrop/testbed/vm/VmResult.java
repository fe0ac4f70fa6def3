package io.syndrop.testbed.vm;

import java.time.Duration;

/**
 * What one VM run gave back: how it ended, the guest command's exit code and output, and the
 * kernel release the guest ran (so a test can show it really ran on the second kernel).
 */
public record VmResult(
    Status status,
    int exitCode,
    String stdout,
    String stderr,
    String kernelRelease,
    Duration wallTime,
    String harnessLog) {

  /** How the run ended. */
  public enum Status {
    /** The command ran in the guest and returned {@link #exitCode()}. */
    EXITED,
    /** The timeout hit; QEMU was killed. */
    TIMEOUT,
    /** The VM never ran the command (kernel preparation or boot failed); see {@link #harnessLog()}. */
    BOOT_FAILED
  }

  public boolean succeeded() {
    return status == Status.EXITED && exitCode == 0;
  }

  /** Everything a failure message needs: how it ended, the guest kernel and the guest output. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("VM run ").append(status);
    if (status == Status.EXITED) {
      b.append(" with exit code ").append(exitCode);
    }
    b.append(" (guest kernel ").append(kernelRelease.isEmpty() ? "unknown" : kernelRelease)
        .append(", ").append(wallTime.toMillis()).append(" ms wall)\n");
    b.append("--- guest stdout ---\n").append(stdout);
    b.append("--- guest stderr ---\n").append(stderr);
    if (status != Status.EXITED && !harnessLog.isBlank()) {
      b.append("--- harness (scripts/vm/run.sh, console) ---\n").append(harnessLog);
    }
    return b.toString();
  }

  /** Fails with the whole guest output unless the command exited 0. */
  public VmResult assertSucceeded() {
    if (!succeeded()) {
      throw new AssertionError(describe());
    }
    return this;
  }
}
