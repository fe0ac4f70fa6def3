package io.syndrop.testbed.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The VM harness against a real QEMU boot of Debian's stock kernel. Each test boots one VM
 * (10-40 s of wall time, a Java run inside about a minute), so checks are grouped.
 */
class VmHarnessTest {

  private static final Duration BOOT = Duration.ofMinutes(4);
  private static final Duration JAVA_RUN = Duration.ofMinutes(8);
  private static final String HOST_RELEASE = System.getProperty("os.version");

  private final VmHarness vm = VmHarness.forThisCheckout();

  @Test
  void commandRunsOnTheStockKernelAndItsExitCodeAndOutputComeBack() {
    VmResult r = vm.run(BOOT, "sh", "-c",
        "uname -r; echo \"in-vm=$SYNDROP_IN_VM\"; pwd; printf '%s|' \"$@\"; echo;"
            + " echo to-stderr >&2; exit 3",
        "sh", "a b", "it's", "$HOME");

    assertEquals(VmResult.Status.EXITED, r.status(), r::describe);
    assertEquals(3, r.exitCode(), r::describe);
    List<String> lines = r.stdout().lines().toList();
    assertEquals(4, lines.size(), () -> "expected exactly the command's 4 lines\n" + r.describe());
    String guestRelease = lines.get(0);
    assertTrue(guestRelease.startsWith("6.1."), () -> "guest kernel is not 6.1.x\n" + r.describe());
    assertNotEquals(HOST_RELEASE, guestRelease, "the guest ran the host's kernel");
    assertEquals(guestRelease, r.kernelRelease());
    assertEquals("in-vm=1", lines.get(1));
    assertEquals(Path.of("").toAbsolutePath().toString(), lines.get(2), "working directory");
    assertEquals("a b|it's|$HOME|", lines.get(3), "arguments must reach the guest unchanged");
    assertEquals("to-stderr\n", r.stderr(), "guest stderr, with no kernel or boot messages in it");
  }

  @Test
  void timeoutIsReportedAndLeavesNoQemuBehind() throws IOException {
    VmResult r = vm.run(Duration.ofSeconds(8), "sleep", "600");

    assertEquals(VmResult.Status.TIMEOUT, r.status(), r::describe);
    List<String> left = qemuProcessesOfThisJvm();
    assertTrue(left.isEmpty(), () -> "QEMU still running after the timeout: " + left);
  }

  @Test
  void bpfAndKprobesWorkInTheGuest() {
    // The host kernel has no kprobes and refuses fentry: the guest must offer both. bpftool's
    // probe loads a trivial program of each type; the pinned map shows bpffs is where libbpf
    // looks; a kprobe event on tcp_conn_request shows the kernel has CONFIG_KPROBES.
    VmResult r = vm.runShell(BOOT, String.join("\n",
        "set -e",
        "bpftool feature probe kernel > /tmp/features",
        "grep -E 'program_type (tracing|kprobe) is available' /tmp/features",
        "bpftool map create /sys/fs/bpf/syndrop_vm_check type array key 4 value 4 entries 1"
            + " name vmcheck",
        "bpftool map show pinned /sys/fs/bpf/syndrop_vm_check",
        "echo 'p:syndrop_vm_check tcp_conn_request' > /sys/kernel/tracing/kprobe_events",
        "cat /sys/kernel/tracing/kprobe_events"));

    assertTrue(r.succeeded(), r::describe);
    String out = r.stdout();
    assertTrue(out.contains("eBPF program_type tracing is available"), r::describe);
    assertTrue(out.contains("eBPF program_type kprobe is available"), r::describe);
    assertTrue(out.contains("name vmcheck"), r::describe);
    assertTrue(out.contains("syndrop_vm_check tcp_conn_request"), r::describe);
  }

  @Test
  void testClassRunsInsideTheVmAndPasses() {
    VmResult r = vm.withSystemProperty(InsideVmCheck.HOST_RELEASE_PROPERTY, HOST_RELEASE)
        .runTestClass(InsideVmCheck.class, JAVA_RUN);

    r.assertSucceeded();
    assertTrue(r.kernelRelease().startsWith("6.1."), r::describe);
    assertTrue(r.stdout().contains("seesItRunsInTheVmOnAnotherKernel()"), r::describe);
  }

  @Test
  void failingTestClassInsideTheVmFailsTheOuterAssertion() {
    VmResult r = vm.withSystemProperty(InsideVmCheck.HOST_RELEASE_PROPERTY, HOST_RELEASE)
        .withSystemProperty(InsideVmCheck.FAIL_PROPERTY, "true")
        .runTestClass(InsideVmCheck.class, JAVA_RUN);

    assertEquals(VmResult.Status.EXITED, r.status(), r::describe);
    assertFalse(r.succeeded(), r::describe);
    AssertionError outer = assertThrows(AssertionError.class, r::assertSucceeded);
    assertTrue(outer.getMessage().contains("failing on purpose"),
        () -> "the inner failure is not in the outer message:\n" + outer.getMessage());
  }

  /**
   * A checkout cloned under /tmp: the guest's /tmp is a fresh tmpfs, so run.sh must show the
   * working directory there through a share of its own, read-only like the rest of the host.
   */
  @Test
  void workingDirectoryUnderTmpIsShownInTheGuestReadOnly() throws Exception {
    Path top = Files.createTempDirectory(Path.of("/tmp"), "syndrop-vm-cwd-");
    try {
      Path work = Files.createDirectories(top.resolve("clone/agent-java"));
      Files.writeString(work.resolve("seen.txt"), "written on the host\n");
      Path runScript = Path.of(System.getProperty("syndrop.top", "..")).resolve("scripts/vm/run.sh");
      Path log = top.resolve("run.log");
      Process p = new ProcessBuilder(runScript.toString(), "--timeout", "240",
          "--name", "syndrop-vm-java-" + ProcessHandle.current().pid() + "-tmpcwd", "--",
          "pwd; cat seen.txt; ls -A /tmp; if touch new 2>/dev/null; then echo writable; else echo read-only; fi")
          .directory(work.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError("run.sh did not end within 5 minutes:\n" + Files.readString(log));
      }
      String out = Files.readString(log);
      assertEquals(0, p.exitValue(), out);
      List<String> lines = out.lines().filter(l -> !l.startsWith("syndrop-vm:")).toList();
      assertEquals(List.of(work.toRealPath().toString(), "written on the host",
          top.getFileName().toString(), "read-only"), lines,
          "the guest must see the working directory, its files, a /tmp holding only that share,"
              + " and no way to write to it");
    } finally {
      deleteTree(top);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** QEMU processes started for this JVM (run.sh names them syndrop-vm-java-PID-N). */
  private static List<String> qemuProcessesOfThisJvm() throws IOException {
    String marker = "syndrop-vm-java-" + ProcessHandle.current().pid() + "-";
    List<String> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        String cmdline;
        try {
          cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
              .replace('\0', ' ');
        } catch (IOException gone) {
          continue;
        }
        if (cmdline.contains("qemu-system") && cmdline.contains(marker)) {
          found.add(p.getFileName() + ": " + cmdline);
        }
      }
    }
    return found;
  }
}
