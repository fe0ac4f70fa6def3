package io.syndrop.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syndrop.ProjectVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package, built by the same script as the Maven build (scripts/build-deb.sh) from the
 * packaged jar: its control data and contents read back with dpkg-deb, lintian without errors, and
 * installed, started and purged for real by scripts/deb-install-check.sh in a copy-on-write view of
 * this machine's root (needs root; the JRE comes from this machine).
 */
class DebPackageIT {
    private static final Path TOP = Path.of(System.getProperty("syndrop.top", "..")).toAbsolutePath().normalize();
    private static final Path JAR = Path.of(System.getProperty("syndrop.jar", "target/syndrop.jar")).toAbsolutePath();

    @TempDir
    static Path tmp;
    static Path deb;

    record Result(int code, String output) {}

    static Result run(Path dir, long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String ok(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Result r = run(TOP, timeoutSeconds, cmd);
        assertEquals(0, r.code, String.join(" ", cmd) + ":\n" + r.output);
        return r.output;
    }

    @BeforeAll
    static void build() throws Exception {
        String out = ok(120, "bash", TOP.resolve("scripts/build-deb.sh").toString(), JAR.toString(), ProjectVersion.VALUE,
                tmp.toString());
        deb = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        assertEquals("syndrop_" + ProjectVersion.VALUE.replace('-', '~') + "_amd64.deb", deb.getFileName().toString());
    }

    static Map<String, String> control() throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        String last = null;
        for (String line : ok(30, "dpkg-deb", "--field", deb.toString()).split("\n")) {
            if (line.startsWith(" ") && last != null) {
                fields.put(last, fields.get(last) + "\n" + line);
            } else if (!line.isBlank()) {
                int colon = line.indexOf(':');
                last = line.substring(0, colon);
                fields.put(last, line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    @Test
    void controlDataNamesTheJreAndTheConffiles() throws Exception {
        Map<String, String> c = control();
        assertEquals("syndrop", c.get("Package"));
        assertEquals(ProjectVersion.VALUE.replace('-', '~'), c.get("Version"));
        assertEquals("amd64", c.get("Architecture"));
        List<String> depends = List.of(c.get("Depends").split(",\\s*"));
        assertTrue(depends.contains("default-jre-headless (>= 2:1.17) | openjdk-17-jre-headless"), c.get("Depends"));
        assertTrue(depends.contains("adduser"), "postinst creates the user with adduser: " + c.get("Depends"));
        String info = ok(30, "dpkg-deb", "--info", deb.toString());
        for (String script : List.of("postinst", "prerm", "postrm", "conffiles", "md5sums")) {
            assertTrue(info.contains(" " + script), "control member " + script + " in:\n" + info);
        }
        Path ctl = tmp.resolve("control");
        ok(30, "dpkg-deb", "--control", deb.toString(), ctl.toString());
        assertEquals(Set.of("/etc/default/syndrop-agent", "/etc/default/syndrop-collector", "/etc/syndrop/agent.yaml",
                "/etc/syndrop/collector.yaml"), new TreeSet<>(Files.readAllLines(ctl.resolve("conffiles"))));
    }

    @Test
    void contentsAreTheBuildsFilesWithTheirModes() throws Exception {
        Map<String, String> modes = new LinkedHashMap<>();
        for (String line : ok(30, "dpkg-deb", "--contents", deb.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            assertEquals("root/root", f[1], line);
            modes.put(f[5].substring(1).replaceAll("/$", ""), f[0]);
        }
        assertEquals("-rwxr-xr-x", modes.get("/usr/bin/syndrop"));
        for (String f : List.of("/usr/share/syndrop/syndrop.jar", "/usr/share/syndrop/agent.jvmopts",
                "/lib/systemd/system/syndrop-agent.service", "/lib/systemd/system/syndrop-collector.service",
                "/lib/systemd/system/syndrop-agent.service.d/syndrop-user.conf",
                "/lib/systemd/system/syndrop-collector.service.d/syndrop-user.conf",
                "/usr/share/bash-completion/completions/syndrop", "/usr/share/doc/syndrop/copyright",
                "/usr/share/doc/syndrop/changelog.gz")) {
            assertEquals("-rw-r--r--", modes.get(f), f + " in " + modes.keySet());
        }
        Path x = tmp.resolve("extracted");
        ok(60, "dpkg-deb", "--extract", deb.toString(), x.toString());
        // The files the tests check are the files shipped, byte for byte.
        assertArrayEquals(Files.readAllBytes(JAR), Files.readAllBytes(x.resolve("usr/share/syndrop/syndrop.jar")));
        assertArrayEquals(Files.readAllBytes(TOP.resolve("scripts/agent.jvmopts")),
                Files.readAllBytes(x.resolve("usr/share/syndrop/agent.jvmopts")));
        for (String u : List.of("syndrop-agent.service", "syndrop-collector.service")) {
            assertArrayEquals(Files.readAllBytes(TOP.resolve("deploy/systemd").resolve(u)),
                    Files.readAllBytes(x.resolve("lib/systemd/system").resolve(u)), u);
            String unit = Files.readString(x.resolve("lib/systemd/system").resolve(u));
            assertTrue(unit.contains("/usr/share/syndrop/syndrop.jar"), u + " runs the jar the package installs");
        }
        assertArrayEquals(Files.readAllBytes(JAR.resolveSibling("syndrop-completion.bash")),
                Files.readAllBytes(x.resolve("usr/share/bash-completion/completions/syndrop")), "the generated completion");
        assertTrue(Files.readString(x.resolve("lib/systemd/system/syndrop-agent.service.d/syndrop-user.conf"))
                .contains("\nUser=syndrop\n"));
    }

    @Test
    void lintianFindsNoError() throws Exception {
        Result r = run(TOP, 300, "lintian", "--tag-display-limit", "0", deb.toString());
        System.out.println("lintian:\n" + r.output);
        List<String> errors = new ArrayList<>();
        r.output.lines().filter(l -> l.startsWith("E: ")).forEach(errors::add);
        assertEquals(List.of(), errors, r.output);
        assertEquals(0, r.code, "lintian exit status (non-zero on errors or when it cannot run):\n" + r.output);
    }

    @Test
    void installsStartsRemovesAndPurgesCleanly() throws Exception {
        Result r = run(TOP, 600, "bash", TOP.resolve("scripts/deb-install-check.sh").toString(), "--overlay", deb.toString());
        System.out.println(r.output);
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("deb-install-check: OK"), r.output);
    }
}
