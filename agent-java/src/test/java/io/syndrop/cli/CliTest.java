package io.syndrop.cli;

import io.syndrop.ProjectVersion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command tree as picocli parses it: versions, help, and values refused by their type before anything runs. */
class CliTest {
    private static void usageError(String named, String... argv) {
        CliRun r = CliRun.of(argv);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(named), "the message does not name " + named + ":\n" + r);
        assertTrue(r.err().contains("Usage: syndrop"), "no usage after the error:\n" + r);
    }

    @Test
    void versionFlagAndVerbPrintVersionAndCommit() {
        String expected = "syndrop " + ProjectVersion.VALUE + " (commit " + ProjectVersion.COMMIT + ")\n";
        for (String v : List.of("--version", "-V", "version")) {
            CliRun r = CliRun.of(v);
            assertEquals(0, r.code(), r.toString());
            assertEquals(expected, r.out(), r.toString());
        }
        assertEquals(expected, CliRun.of("watch", "--version").out());
        usageError("'x'", "version", "x");
    }

    @Test
    void helpListsEveryCommandAndEveryOption() {
        CliRun none = CliRun.of();
        assertEquals(2, none.code(), none.toString());
        CliRun help = CliRun.of("help");
        assertEquals(0, help.code(), help.toString());
        assertEquals(none.err(), help.out(), "no command: the same list, on stderr");
        for (String verb : List.of("watch", "agent", "collect", "counters", "doctor", "demo", "version")) {
            assertTrue(help.out().contains("\n  " + verb + " "), verb + " missing from\n" + help.out());
            CliRun h = CliRun.of(verb, "--help");
            assertEquals(0, h.code(), h.toString());
            assertEquals(h.out(), CliRun.of("help", verb).out());
            for (String option : Cli.commands().get(verb).getCommandSpec().optionsMap().keySet()) {
                assertTrue(h.out().contains(option), verb + " --help does not show " + option + ":\n" + h.out());
            }
        }
    }

    @Test
    void unknownCommandsAndOptionsAreNamed() {
        usageError("unknown command 'wtach'", "wtach");
        usageError("--queue-maximum", "agent", "--collector", "127.0.0.1:9", "--insecure", "--queue-maximum", "5");
        usageError("--duration", "watch", "--duration");
        usageError("'stray'", "watch", "stray");
        usageError("--json", "collect", "--json");
    }

    @Test
    void valuesAreRefusedByTheirType() {
        String[] agent = {"agent", "--insecure", "--duration", "1s", "--collector"};
        usageError("--collector", concat(agent, "no-port"));
        usageError("--collector", concat(agent, "127.0.0.1:99999"));
        usageError("--metrics", concat(agent, "127.0.0.1:9", "--metrics", "localhost:9"));
        usageError("--watch-listen", concat(agent, "127.0.0.1:9", "--watch-listen", "1.2.3:9"));
        usageError("--src", "watch", "--src", "10.0.0.0/33");
        usageError("--src", "watch", "--src", "10.0.0.0/8,example.com");
        usageError("--reason", "watch", "--reason", "PEER_UNPROVEN,NOT_A_REASON");
        usageError("--port", "watch", "--port", "80,70000");
        usageError("--port", "watch", "--port", "http");
        usageError("--count", "counters", "--interval", "1s", "--count", "99999999999999999999");
        usageError("--rounds", "demo", "--rounds", "1");
        usageError("--batch-linger", concat(agent, "127.0.0.1:9", "--batch-linger", "11s"));
        usageError("--listen", "collect", "--listen", "localhost:0", "--insecure", "--sink", "json:-");
    }

    @Test
    void theLastValueOfASingleValuedOptionWinsAndNoBadValuePasses() {
        // As before picocli: a later value overrides an earlier one (unit files append options)...
        CliRun r = CliRun.of("counters", "--interval", "100ms", "--count", "3", "--count", "1", "Tcp:ActiveOpens");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("# ")).count(), "--count 1 won:\n" + r);
        // ...but a bad value is refused wherever it stands, not only when it is the last.
        usageError("--duration", "watch", "--duration", "1s", "--duration", "-5s");
        usageError("--duration", "watch", "--duration", "-5s", "--duration", "1s");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void agentTakesTheKafkaOptions() {
        // The s6 merge once dropped the agent's @Mixin for them: every --kafka* option was "Unknown".
        CliRun r = CliRun.of("agent", "--kafka", "127.0.0.1:9", "--collector", "127.0.0.1:9", "--kafka-security-protocol", "SSL");
        assertTrue(r.code() != 0 && r.err().contains("--collector and --kafka exclude each other") && !r.err().contains("Unknown option"),
                r.toString());
    }
}
