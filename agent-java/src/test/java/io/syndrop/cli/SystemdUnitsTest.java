package io.syndrop.cli;

import io.syndrop.probe.AgentCapabilities;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/systemd's units: accepted by `systemd-analyze verify` without a warning, scored "OK" or
 * better by `systemd-analyze security --offline=yes`, the agent holding exactly the capabilities of
 * agent-capabilities.txt and the collector none, and their command lines options the CLI accepts.
 */
class SystemdUnitsTest {
    private static final Path DIR = Path.of(System.getProperty("syndrop.top", ".."), "deploy", "systemd");
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for (\\S+): ([0-9.]+) (\\w+)");
    /** systemd's categories, best first; "OK" is the worst one accepted. */
    private static final List<String> GOOD_ENOUGH = List.of("SAFE", "OK");

    @Test
    void unitsVerifyWithoutWarnings() throws Exception {
        for (String unit : List.of("syndrop-agent.service", "syndrop-collector.service")) {
            Result r = run("systemd-analyze", "verify", "--man=no", DIR.resolve(unit).toString());
            assertEquals(0, r.code, r.output);
            // verify only warns about unknown keys and bad values: any line naming the unit is one.
            assertTrue(r.output.lines().noneMatch(l -> l.contains(unit)), unit + ": " + r.output);
        }
    }

    @Test
    void securityExposureIsOkOrBetter() throws Exception {
        for (String unit : List.of("syndrop-agent.service", "syndrop-collector.service")) {
            Result r = run("systemd-analyze", "security", "--offline=yes", "--no-pager", DIR.resolve(unit).toString());
            Matcher m = EXPOSURE.matcher(r.output);
            assertTrue(m.find(), "no exposure level in: " + r.output);
            System.out.println(unit + ": exposure " + m.group(2) + " " + m.group(3));
            assertTrue(GOOD_ENOUGH.contains(m.group(3)), unit + " is " + m.group(2) + " " + m.group(3) + ":\n" + r.output);
        }
    }

    @Test
    void theAgentHoldsExactlyTheDocumentedCapabilitiesAndTheCollectorNone() throws Exception {
        Set<String> documented = new TreeSet<>(AgentCapabilities.granted().keySet());
        String agent = Files.readString(DIR.resolve("syndrop-agent.service"));
        assertEquals(documented, values(agent, "AmbientCapabilities"));
        assertEquals(documented, values(agent, "CapabilityBoundingSet"));
        String collector = Files.readString(DIR.resolve("syndrop-collector.service"));
        assertEquals(Set.of(), values(collector, "AmbientCapabilities"));
        assertEquals(Set.of(), values(collector, "CapabilityBoundingSet"));
        for (String unit : List.of(agent, collector)) {
            assertEquals(Set.of("yes"), values(unit, "NoNewPrivileges"));
            assertEquals(Set.of("yes"), values(unit, "DynamicUser"));
            assertEquals(Set.of("strict"), values(unit, "ProtectSystem"));
        }
    }

    @Test
    void commandLinesAreOptionsTheCommandsAccept() throws Exception {
        check("syndrop-agent.service", "agent", "SYNDROP_AGENT_ARGS");
        check("syndrop-collector.service", "collect", "SYNDROP_COLLECTOR_ARGS");
    }

    private static void check(String unit, String verb, String envVar) throws Exception {
        String text = Files.readString(DIR.resolve(unit));
        String exec = single(text, "ExecStart");
        List<String> words = new ArrayList<>(Arrays.asList(exec.split("\\s+")));
        int jar = words.indexOf("-jar");
        assertTrue(jar > 0 && words.get(jar + 2).equals(verb), exec);
        List<String> args = new ArrayList<>(words.subList(jar + 3, words.size()));
        // $VAR (unbraced) is split into words by systemd: substitute the unit's default for it.
        String dflt = single(text, "Environment").replaceFirst("^\"?" + envVar + "=", "").replaceAll("\"$", "");
        assertTrue(args.remove("$" + envVar), exec);
        args.addAll(Arrays.asList(dflt.split("\\s+")));
        // picocli refuses unknown options, bad values and stray arguments of the command.
        Cli.parseOnly(verb, args);
    }

    private static Set<String> values(String unit, String key) {
        String v = single(unit, key);
        return v.isBlank() ? Set.of() : new TreeSet<>(Arrays.asList(v.trim().split("\\s+")));
    }

    private static String single(String unit, String key) {
        List<String> found = unit.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).toList();
        assertEquals(1, found.size(), key + "= lines: " + found);
        return found.get(0);
    }

    private record Result(int code, String output) {}

    private static Result run(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError(cmd[0] + " is not installed (scripts/install-deps.sh --test installs systemd): " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
