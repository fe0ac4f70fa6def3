package io.syndrop.pcap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's tshark (Wireshark 4.0) reading a pcapng file: one map of the asked fields per packet.
 * A file tshark calls damaged, or any complaint on its stderr, fails the read. Without tshark the
 * test fails and says how to install it (scripts/install-deps.sh --test).
 */
public final class Tshark {
    private Tshark() {}

    public static List<Map<String, String>> read(Path file, String... fields) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/tshark"))) {
            throw new AssertionError("tshark is not installed: run scripts/install-deps.sh --test (Debian package tshark)");
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/tshark", "-n", "-r", file.toString(), "-T", "fields", "-E", "separator=/t"));
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Path errFile = Files.createTempFile("tshark", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tshark did not finish reading " + file + " in 60 s");
            }
            String err = Files.readString(errFile).lines()
                    .filter(l -> !l.startsWith("Running as user \"root\"")).reduce("", (a, b) -> a + b + "\n");
            if (p.exitValue() != 0 || !err.isBlank()) {
                throw new AssertionError("tshark -r " + file + " exited " + p.exitValue() + ": " + err);
            }
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] v = line.split("\t", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < fields.length; i++) {
                    row.put(fields[i], i < v.length ? v[i] : "");
                }
                rows.add(row);
            }
            return rows;
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
