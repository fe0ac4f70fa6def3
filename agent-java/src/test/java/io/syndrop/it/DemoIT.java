package io.syndrop.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `syndrop demo` from the jar: real TIME-WAIT PAWS drops behind a NAT, diagnosed, then cleaned up. */
class DemoIT {
    @BeforeAll
    static void root() {
        RequireRoot.check();
    }

    @Test
    void demoShowsTimewaitPawsDropsAndTheDiagnosisAndLeavesNoNamespace() throws Exception {
        try (JarProcess p = JarProcess.start(null, "demo", "--rounds", "6", "--json")) {
            String line = p.awaitStdout(l -> l.startsWith("{"), Duration.ofSeconds(90));
            JsonObject e = JsonParser.parseString(line).getAsJsonObject();
            assertEquals("TIMEWAIT_PAWS", e.get("reason").getAsString());
            assertEquals("198.51.100.1", e.get("srcAddr").getAsString(), "the server sees the NAT router");
            assertTrue(Integer.compareUnsigned(e.get("cachedTs").getAsInt(), e.get("tsval").getAsInt()) != 0);
            p.awaitStdout(l -> l.contains("timewait-paws"), Duration.ofSeconds(60));
            assertTrue(p.process().waitFor(60, TimeUnit.SECONDS), "demo ends by itself");
            assertEquals(0, p.process().exitValue(), p.stderrSoFar());
            long pid = p.process().pid();
            try (Stream<Path> ns = Files.list(Path.of("/var/run/netns"))) {
                assertTrue(ns.noneMatch(n -> n.getFileName().toString().startsWith("sdt-" + pid + "-")),
                        "the demo removed its namespaces");
            }
        }
    }
}
