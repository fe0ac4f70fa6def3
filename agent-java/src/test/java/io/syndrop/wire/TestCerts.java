package io.syndrop.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test PKI made with Debian's openssl: a CA, a server certificate for 127.0.0.1/localhost, a client
 * certificate from the same CA, and a client certificate from an impostor CA with the same name but
 * another key (the wrong one: a TLS client offers it, since its issuer name matches, and only the
 * signature check can refuse it).
 * Keys are PKCS#8 PEM (what `openssl genpkey` writes).
 */
public record TestCerts(Path dir, Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
                        Path rogueClientCert, Path rogueClientKey) {
    public static TestCerts make(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
        openssl(dir, "req", "-x509", "-new", "-key", "ca.key", "-days", "2", "-subj", "/CN=syndrop test CA", "-out", "ca.pem");
        issue(dir, "server", "ca", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
        issue(dir, "client", "ca", "/CN=agent-1", "extendedKeyUsage=clientAuth");
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "rogue-ca.key");
        openssl(dir, "req", "-x509", "-new", "-key", "rogue-ca.key", "-days", "2", "-subj", "/CN=syndrop test CA", "-out", "rogue-ca.pem");
        issue(dir, "rogue", "rogue-ca", "/CN=intruder", "extendedKeyUsage=clientAuth");
        return new TestCerts(dir, dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("client.pem"), dir.resolve("client.key"), dir.resolve("rogue.pem"), dir.resolve("rogue.key"));
    }

    /** Another client certificate from the test CA, with this subject CN: {certificate, key}. */
    public Path[] issueClient(String name, String cn) throws IOException, InterruptedException {
        issue(dir, name, "ca", "/CN=" + cn, "extendedKeyUsage=clientAuth");
        return new Path[] {dir.resolve(name + ".pem"), dir.resolve(name + ".key")};
    }

    private static void issue(Path dir, String name, String ca, String subj, String ext) throws IOException, InterruptedException {
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        openssl(dir, "req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr");
        Files.writeString(dir.resolve(name + ".ext"), "basicConstraints=CA:FALSE\n" + ext + "\n");
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed (is Debian's openssl installed?):\n" + out);
        }
    }
}
