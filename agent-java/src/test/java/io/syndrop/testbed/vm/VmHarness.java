package io.syndrop.testbed.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Test bed B: runs commands, or a whole JUnit test class, on Debian's stock kernel (6.1 today)
 * booted under QEMU/TCG with this machine's root file system shared read-only. Use it for tests
 * that need what the host kernel refuses (fentry/fexit, kprobes). Each call boots a fresh VM,
 * which costs 10-40 s of wall time: group checks into few calls.
 *
 * <p>The work is done by {@code scripts/vm/run.sh} (see docs/vm-harness.md); this class finds it,
 * quotes the command, and reads the guest's output and exit code back.
 */
public final class VmHarness {

  /** System property that is {@code "true"} in a JVM started by {@link #runTestClass}. */
  public static final String IN_VM_PROPERTY = "syndrop.in.vm";

  /** Covers a first-time kernel download and initramfs build before the VM's own timeout runs. */
  private static final Duration PREPARE_ALLOWANCE = Duration.ofMinutes(3);
  private static final AtomicLong RUN_COUNTER = new AtomicLong();

  private final Path runScript;
  private final int memoryMb;
  private final Map<String, String> env;
  private final Map<String, String> systemProperties;
  private final boolean kernelHeaders;
  /** A kernel from the kernel cache (run.sh --kernel), or null for Debian's packaged one. */
  private final String kernel;

  private VmHarness(Path runScript, int memoryMb, Map<String, String> env,
      Map<String, String> systemProperties, boolean kernelHeaders) {
    this(runScript, memoryMb, env, systemProperties, kernelHeaders, null);
  }

  private VmHarness(Path runScript, int memoryMb, Map<String, String> env,
      Map<String, String> systemProperties, boolean kernelHeaders, String kernel) {
    this.runScript = runScript;
    this.memoryMb = memoryMb;
    this.env = Map.copyOf(env);
    this.systemProperties = Map.copyOf(systemProperties);
    this.kernelHeaders = kernelHeaders;
    this.kernel = kernel;
  }

  /** True in a test JVM that {@link #runTestClass} started inside the VM. */
  public static boolean inVm() {
    return Boolean.getBoolean(IN_VM_PROPERTY);
  }

  /**
   * The harness of this checkout: {@code scripts/vm/run.sh} under the {@code syndrop.top} system
   * property (set by the build), else under the first parent of the working directory having it.
   */
  public static VmHarness forThisCheckout() {
    List<Path> tried = new ArrayList<>();
    String top = System.getProperty("syndrop.top");
    if (top != null) {
      tried.add(Path.of(top).resolve("scripts/vm/run.sh"));
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      tried.add(p.resolve("scripts/vm/run.sh"));
    }
    for (Path candidate : tried) {
      if (Files.isExecutable(candidate)) {
        return new VmHarness(candidate.normalize(), 1536, Map.of(), Map.of(), false);
      }
    }
    throw new IllegalStateException("scripts/vm/run.sh not found (looked at " + tried
        + "); run the tests from the syndrop checkout or set -Dsyndrop.top=<checkout>");
  }

  /** A copy that gives the guest this much memory (default 1536 MB). */
  public VmHarness withMemoryMb(int megabytes) {
    return new VmHarness(runScript, megabytes, env, systemProperties, kernelHeaders, kernel);
  }

  /** A copy that exports this variable to the guest command. */
  public VmHarness withEnv(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(env);
    copy.put(name, value);
    return new VmHarness(runScript, memoryMb, copy, systemProperties, kernelHeaders, kernel);
  }

  /** A copy whose {@link #runTestClass} JVMs get this extra {@code -Dname=value}. */
  public VmHarness withSystemProperty(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(systemProperties);
    copy.put(name, value);
    return new VmHarness(runScript, memoryMb, env, copy, kernelHeaders, kernel);
  }

  /**
   * A copy that first installs linux-headers for the guest kernel on the host (needs root), for
   * BCC inside the guest, which compiles against them through the shared root.
   */
  public VmHarness withKernelHeaders() {
    return new VmHarness(runScript, memoryMb, env, systemProperties, true, kernel);
  }

  /**
   * A copy that boots a given kernel from the kernel cache instead of Debian's (run.sh --kernel,
   * e.g. "linux-4.9.337": everything built in, its headers tree as /lib/modules/<release>/build).
   * When the cache lacks it, every run reports BOOT_FAILED with the command that fills it.
   */
  public VmHarness withKernel(String name) {
    return new VmHarness(runScript, memoryMb, env, systemProperties, kernelHeaders, name);
  }

  /**
   * Runs a program with these arguments in the guest (each argument reaches it unchanged, as with
   * ProcessBuilder), in this JVM's working directory.
   */
  public VmResult run(Duration timeout, String... command) {
    if (command.length == 0) {
      throw new IllegalArgumentException("no command given");
    }
    List<String> quoted = new ArrayList<>();
    for (String word : command) {
      quoted.add(ShellQuote.quote(word));
    }
    return runShell(timeout, String.join(" ", quoted));
  }

  /** Runs a shell script ({@code sh -c script}) in the guest, in this JVM's working directory. */
  public VmResult runShell(Duration timeout, String script) {
    Path out;
    try {
      out = Files.createTempDirectory("syndrop-vm-out-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the VM's output", e);
    }
    try {
      return runIn(out, timeout, script);
    } finally {
      deleteTree(out);
    }
  }

  /**
   * Runs one JUnit test class inside the VM with this JVM's test class path, through the JUnit
   * Platform console launcher, with {@code -Dsyndrop.in.vm=true}. The result's exit code is the
   * launcher's: 0 when every test passed, non-zero otherwise; its stdout holds the test report.
   */
  public VmResult runTestClass(Class<?> testClass, Duration timeout) {
    return runTestClasses(timeout, testClass);
  }

  /**
   * Runs several JUnit test classes, in this order, in one JVM in one boot (a boot under TCG costs
   * minutes: classes that need the same kernel share it). Exit code 0 only when all passed.
   */
  public VmResult runTestClasses(Duration timeout, Class<?>... testClasses) {
    if (testClasses.length == 0) {
      throw new IllegalArgumentException("no test class given");
    }
    String classPath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-D" + IN_VM_PROPERTY + "=true");
    for (String forwarded : List.of("syndrop.top", "syndrop.jar")) {
      String value = System.getProperty(forwarded);
      if (value != null) {
        cmd.add("-D" + forwarded + "=" + value);
      }
    }
    systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    // TCG makes the JIT's work expensive; tiered C1-only code is plenty for a short test run.
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add("org.junit.platform.console.ConsoleLauncher");
    cmd.add("execute");
    for (Class<?> testClass : testClasses) {
      cmd.add("--select-class=" + testClass.getName());
    }
    cmd.add("--fail-if-no-tests");
    cmd.add("--disable-banner");
    cmd.add("--disable-ansi-colors");
    cmd.add("--details=tree");
    VmResult result = run(timeout, cmd.toArray(String[]::new));
    System.out.print(result.stdout());
    return result;
  }

  private VmResult runIn(Path out, Duration timeout, String script) {
    Path io = out.resolve("io");
    Path runnerLog = out.resolve("runner.log");
    long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
    List<String> argv = new ArrayList<>(List.of(runScript.toString(),
        "--timeout", Long.toString(seconds),
        "--mem", Integer.toString(memoryMb),
        "--out-dir", io.toString(),
        "--name", "syndrop-vm-java-" + ProcessHandle.current().pid() + "-"
            + RUN_COUNTER.incrementAndGet()));
    if (kernelHeaders) {
      argv.add("--with-headers");
    }
    if (kernel != null) {
      argv.add("--kernel");
      argv.add(kernel);
    }
    env.forEach((k, v) -> {
      argv.add("--env");
      argv.add(k + "=" + v);
    });
    argv.add("--");
    argv.add(script);

    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectErrorStream(true)
        .redirectOutput(runnerLog.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    long started = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + runScript, e);
    }
    boolean finished;
    try {
      finished = p.waitFor(seconds + PREPARE_ALLOWANCE.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(p);
      throw new IllegalStateException("interrupted while the VM ran", e);
    }
    if (!finished) {
      // run.sh's own timeout did not fire (stuck kernel preparation?): its trap kills QEMU on TERM.
      stop(p);
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - started);
    VmResult result = readResult(io, runnerLog, finished, wall);
    // One line per boot in the test's output: where the time of a slow suite went.
    System.out.printf("syndrop-vm: %s exit=%d kernel=%s wall=%d ms: %s%n", result.status(),
        result.exitCode(), result.kernelRelease(), wall.toMillis(),
        script.length() > 160 ? script.substring(0, 160) + "..." : script);
    return result;
  }

  private static VmResult readResult(Path io, Path runnerLog, boolean finished, Duration wall) {
    Map<String, String> status = new LinkedHashMap<>();
    for (String line : readOrEmpty(io.resolve("status")).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        status.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    VmResult.Status how;
    switch (finished ? status.getOrDefault("status", "") : "timeout") {
      case "exited" -> how = VmResult.Status.EXITED;
      case "timeout" -> how = VmResult.Status.TIMEOUT;
      default -> how = VmResult.Status.BOOT_FAILED;
    }
    int exit = -1;
    try {
      exit = Integer.parseInt(status.getOrDefault("exit", "-1"));
    } catch (NumberFormatException ignored) {
      // keeps -1: the status file was cut short, the harness log says why
    }
    String harnessLog = readOrEmpty(runnerLog);
    String console = readOrEmpty(io.resolve("console.log"));
    if (!console.isEmpty() && how != VmResult.Status.EXITED) {
      harnessLog += "\n--- console.log ---\n" + console;
    }
    return new VmResult(how, exit, readOrEmpty(io.resolve("stdout")),
        readOrEmpty(io.resolve("stderr")), readOrEmpty(io.resolve("kernel-release")).trim(),
        wall, harnessLog);
  }

  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover directory under java.io.tmpdir is harmless
    }
  }
}
