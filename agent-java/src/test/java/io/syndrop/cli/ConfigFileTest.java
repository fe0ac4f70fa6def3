package io.syndrop.cli;

import io.syndrop.config.OptionLayers;
import io.syndrop.input.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /etc/syndrop/agent.yaml and collector.yaml: the examples in deploy/config, precedence, and refusals. */
class ConfigFileTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("syndrop.top"), "deploy", "config");

    private static CliRun run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void refused(Map<String, String> env, List<String> named, String... argv) {
        CliRun r = run(env, argv);
        assertEquals(2, r.code(), r.toString());
        for (String n : named) {
            assertTrue(r.err().contains(n), "the message does not name " + n + ":\n" + r);
        }
    }

    @Test
    void theCommittedExamplesAreValidConfigs() {
        AgentCommand agent = (AgentCommand) Cli.validated(new String[] {"agent", "--config", EXAMPLES.resolve("agent.yaml").toString()}, Map.of());
        assertEquals("syndrop-collector.syndrop.svc", agent.collector.host());
        assertEquals(65536, agent.queueMax);
        assertEquals(Path.of("/var/lib/syndrop/spool"), agent.spoolDir);
        CollectCommand collect = (CollectCommand) Cli.validated(new String[] {"collect", "--config", EXAMPLES.resolve("collector.yaml").toString()}, Map.of());
        assertEquals(2, collect.sinkSpecs.size());
        assertEquals(List.of("siem-viewer"), collect.subscriberCns);
        assertEquals(4L << 20, collect.maxMessageBytes);
    }

    @Test
    void everyOptionHasAKeyInTheExamples() throws Exception {
        for (String[] c : List.of(new String[] {"agent", "agent.yaml"}, new String[] {"collect", "collector.yaml"})) {
            String text = Files.readString(EXAMPLES.resolve(c[1]));
            var spec = Cli.commands().get(c[0]).getCommandSpec();
            var options = OptionLayers.configurable(spec, Cli.CONFIG_OPTIONS);
            assertTrue(options.size() > 10, c[0] + ": " + options.size() + " options");
            for (var o : options) {
                String key = OptionLayers.key(o);
                assertTrue(Pattern.compile("(?m)^(# )?" + Pattern.quote(key) + ":").matcher(text).find(),
                        c[1] + " does not document key " + key);
            }
        }
    }

    @Test
    void commandLineOverEnvironmentOverFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("agent.yaml");
        Files.writeString(f, "collector: 127.0.0.1:9\ninsecure: true\nqueue-max: 1000\nport: [80, 443]\nwindow: 4\n");
        String[] argv = {"agent", "--config", f.toString()};
        AgentCommand fromFile = (AgentCommand) Cli.validated(argv, Map.of());
        assertEquals(1000, fromFile.queueMax);
        assertTrue(fromFile.insecure);
        assertEquals(List.of(80, 443), fromFile.filters.ports);
        AgentCommand fromEnv = (AgentCommand) Cli.validated(argv, Map.of("SYNDROP_AGENT_QUEUE_MAX", "2000", "SYNDROP_AGENT_PORT", "22,23"));
        assertEquals(2000, fromEnv.queueMax);
        assertEquals(List.of(22, 23), fromEnv.filters.ports);
        assertEquals(4, fromEnv.window);
        AgentCommand fromArgs = (AgentCommand) Cli.validated(new String[] {"agent", "--config", f.toString(), "--queue-max", "3000", "--port", "8080"},
                Map.of("SYNDROP_AGENT_QUEUE_MAX", "2000"));
        assertEquals(3000, fromArgs.queueMax);
        assertEquals(List.of(8080), fromArgs.filters.ports, "the command line's values replace the file's list");
    }

    @Test
    void badKeysAndValuesAreRefusedWithKeyAndFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("agent.yaml");
        String base = "collector: 127.0.0.1:9\ninsecure: true\nspool-dir: " + tmp.resolve("spool") + "\nduration: 1s\n";
        Files.writeString(f, base + "queue-maxx: 5\n");
        refused(Map.of(), List.of("'queue-maxx'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "queue-max: 99999999999\n");
        refused(Map.of(), List.of("--queue-max", "'queue-max'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "batch-linger: -1ms\n");
        refused(Map.of(), List.of("--batch-linger", "'batch-linger'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "metrics: localhost:9464\n");
        refused(Map.of(), List.of("--metrics", "'metrics'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "print: sometimes\n");
        refused(Map.of(), List.of("--print", "'print'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "window: [1, 2]\n");
        refused(Map.of(), List.of("--window", "'window'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "node: {name: a}\n");
        refused(Map.of(), List.of("'node'", f.toString()), "agent", "--config", f.toString());
        Files.writeString(f, base + "config: /etc/other.yaml\n");
        refused(Map.of(), List.of("'config'", f.toString()), "agent", "--config", f.toString());
        // YAML may not make Java objects: SafeConstructor refuses the tag.
        Files.writeString(f, "collector: !!java.net.URL [\"http://127.0.0.1/\"]\n");
        refused(Map.of(), List.of(f.toString(), "java.net.URL"), "agent", "--config", f.toString());
        Files.writeString(f, base);
        refused(Map.of("SYNDROP_AGENT_WINDOW", "0"), List.of("--window", "SYNDROP_AGENT_WINDOW"), "agent", "--config", f.toString());
        refused(Map.of(), List.of("--config", "no-such.yaml"), "agent", "--config", tmp.resolve("no-such.yaml").toString());
        Path c = tmp.resolve("collector.yaml");
        Files.writeString(c, "listen: 127.0.0.1:0\ninsecure: true\nsink: [json:-]\nwindow: 99999999999\n");
        refused(Map.of(), List.of("--window", "'window'", c.toString()), "collect", "--config", c.toString());
    }

    @Test
    void aMissingDefaultFileIsFine() {
        assertFalse(Files.exists(Path.of("/etc/syndrop/agent.yaml")), "this test expects no /etc/syndrop/agent.yaml on the test machine");
        AgentCommand a = (AgentCommand) Cli.validated(new String[] {"agent", "--collector", "127.0.0.1:9", "--insecure"}, Map.of());
        assertEquals(65536, a.queueMax);
        assertThrows(UsageException.class, () -> Cli.validated(new String[] {"agent", "--insecure"}, Map.of()),
                "still: --collector is required");
    }
}
