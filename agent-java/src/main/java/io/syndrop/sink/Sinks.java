package io.syndrop.sink;

import io.syndrop.input.Durations;
import io.syndrop.input.Sizes;
import io.syndrop.input.UsageException;
import io.syndrop.kafka.KafkaSettings;
import io.syndrop.pcap.PcapngFile;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses `--sink` specifications:
 * <ul>
 * <li>{@code json:FILE[?max-bytes=N&max-age=DURATION]} and {@code json:-} (stdout)</li>
 * <li>{@code pcapng:FILE[?max-bytes=N&max-age=DURATION&max-total=N]} (also {@code pcapng:///FILE}): the
 *     dropped segments as pcapng, rotated like the JSON file, at most max-total bytes of files kept</li>
 * <li>{@code syslog+tcp://HOST:PORT}, {@code syslog+udp://HOST:PORT},
 *     {@code syslog+tls://HOST:PORT[?ca=FILE&cert=FILE&key=FILE]}, each with an optional
 *     {@code timeout=DURATION} (default 30s) after which a write or acknowledgement that makes
 *     no progress gives the connection up</li>
 * <li>{@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC[?format=json|ecs|cef&timeout=DURATION]}: one
 *     Kafka record per item, keyed by node (plaintext; the collector's --kafka-* security options apply)</li>
 * </ul>
 */
public final class Sinks {
    static final Duration SYSLOG_TIMEOUT = Duration.ofSeconds(30);

    private Sinks() {}

    public static Sink open(String spec, boolean ecs, PrintStream stdout) throws IOException {
        return open(spec, ecs, stdout, null);
    }

    /**
     * @param kafkaSecurity the collector's Kafka security options (their bootstrap is replaced by
     *     the sink's), or null for plaintext
     */
    public static Sink open(String spec, boolean ecs, PrintStream stdout, KafkaSettings kafkaSecurity) throws IOException {
        if (spec.startsWith("kafka://")) {
            return kafka(spec, ecs, kafkaSecurity);
        }
        if (spec.startsWith("json:")) {
            String rest = spec.substring(5);
            Map<String, String> q = new LinkedHashMap<>();
            int qm = rest.indexOf('?');
            if (qm >= 0) {
                q = query(spec, rest.substring(qm + 1));
                rest = rest.substring(0, qm);
            }
            if (rest.isEmpty()) {
                throw new UsageException("--sink json: needs a file name or - for stdout");
            }
            long maxBytes = 0;
            Duration maxAge = null;
            for (Map.Entry<String, String> e : q.entrySet()) {
                switch (e.getKey()) {
                    case "max-bytes" -> maxBytes = parseBytes(spec, e.getValue());
                    case "max-age" -> maxAge = Durations.parse("--sink " + spec + " max-age", e.getValue());
                    default -> throw new UsageException("--sink " + spec + ": unknown parameter '" + e.getKey() + "' (max-bytes, max-age)");
                }
            }
            return new JsonFileSink(rest.equals("-") ? null : Path.of(rest), stdout, ecs, maxBytes, maxAge);
        }
        if (spec.startsWith("pcapng:")) {
            return pcapng(spec);
        }
        if (spec.startsWith("syslog+")) {
            URI u;
            try {
                u = new URI(spec);
            } catch (URISyntaxException e) {
                throw new UsageException("--sink " + spec + ": not a syslog URI like syslog+tcp://host:514");
            }
            if (u.getHost() == null || u.getPort() < 0) {
                throw new UsageException("--sink " + spec + ": needs HOST:PORT, e.g. syslog+tcp://127.0.0.1:514");
            }
            Map<String, String> q = u.getRawQuery() == null ? Map.of() : query(spec, u.getRawQuery());
            SyslogSink.Transport t = switch (u.getScheme()) {
                case "syslog+tcp" -> SyslogSink.Transport.TCP;
                case "syslog+udp" -> SyslogSink.Transport.UDP;
                case "syslog+tls" -> SyslogSink.Transport.TLS;
                default -> throw new UsageException("--sink " + spec + ": transport must be syslog+tcp, syslog+tls or syslog+udp");
            };
            Duration timeout = SYSLOG_TIMEOUT;
            for (String k : q.keySet()) {
                if (k.equals("timeout")) {
                    timeout = Durations.parse("--sink " + spec + " timeout", q.get(k));
                    if (timeout.isNegative() || timeout.isZero()) {
                        throw new UsageException("--sink " + spec + ": timeout must be positive, e.g. timeout=30s");
                    }
                } else if (!k.equals("ca") && !k.equals("cert") && !k.equals("key")) {
                    throw new UsageException("--sink " + spec + ": unknown parameter '" + k + "' (timeout, and for syslog+tls ca, cert, key)");
                } else if (t != SyslogSink.Transport.TLS) {
                    throw new UsageException("--sink " + spec + ": ca/cert/key only apply to syslog+tls");
                }
            }
            return new SyslogSink(t, u.getHost(), u.getPort(),
                    q.containsKey("ca") ? Path.of(q.get("ca")) : null,
                    q.containsKey("cert") ? Path.of(q.get("cert")) : null,
                    q.containsKey("key") ? Path.of(q.get("key")) : null, timeout);
        }
        throw new UsageException("--sink " + spec + ": expected json:FILE, json:-, pcapng:FILE, syslog+tcp://H:P, syslog+tls://H:P, syslog+udp://H:P"
                + " or kafka://H:P/TOPIC");
    }

    private static Sink pcapng(String spec) throws IOException {
        String rest = spec.substring("pcapng:".length());
        if (rest.startsWith("//")) {
            rest = rest.substring(2); // pcapng:///var/log/x.pcapng, the URI form
        }
        Map<String, String> q = new LinkedHashMap<>();
        int qm = rest.indexOf('?');
        if (qm >= 0) {
            q = query(spec, rest.substring(qm + 1));
            rest = rest.substring(0, qm);
        }
        if (rest.isEmpty() || rest.equals("-")) {
            throw new UsageException("--sink " + spec + ": needs a file name, e.g. pcapng:/var/log/syndrop/drops.pcapng");
        }
        long maxBytes = 0;
        long maxTotal = 0;
        Duration maxAge = null;
        for (Map.Entry<String, String> e : q.entrySet()) {
            switch (e.getKey()) {
                case "max-bytes" -> maxBytes = parseBytes(spec, e.getValue());
                case "max-age" -> maxAge = Durations.parse("--sink " + spec + " max-age", e.getValue());
                case "max-total" -> maxTotal = parseBytes(spec, e.getValue());
                default -> throw new UsageException("--sink " + spec + ": unknown parameter '" + e.getKey() + "' (max-bytes, max-age, max-total)");
            }
        }
        return new PcapngSink(Path.of(rest), pcapBounds("--sink " + spec, maxBytes, maxAge, maxTotal));
    }

    /** Rotation and total bound of a pcapng file, checked: a total bound needs rotation, and room for one whole file. */
    public static PcapngFile.Bounds pcapBounds(String what, long maxBytes, Duration maxAge, long maxTotal) {
        if (maxTotal > 0 && maxBytes <= 0 && (maxAge == null || maxAge.isZero())) {
            throw new UsageException(what + ": max-total needs max-bytes or max-age (only rotated files can be deleted to keep it)");
        }
        if (maxTotal > 0 && maxBytes > maxTotal) {
            throw new UsageException(what + ": max-bytes (" + maxBytes + ") must not exceed max-total (" + maxTotal + ")");
        }
        return new PcapngFile.Bounds(maxBytes, maxAge, maxTotal);
    }

    private static Sink kafka(String spec, boolean ecs, KafkaSettings security) throws IOException {
        String rest = spec.substring("kafka://".length());
        Map<String, String> q = Map.of();
        int qm = rest.indexOf('?');
        if (qm >= 0) {
            q = query(spec, rest.substring(qm + 1));
            rest = rest.substring(0, qm);
        }
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new UsageException("--sink " + spec + ": needs kafka://HOST:PORT[,HOST:PORT...]/TOPIC");
        }
        String bootstrap = rest.substring(0, slash);
        String topic = rest.substring(slash + 1);
        if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw new UsageException("--sink " + spec + ": '" + topic + "' is not a Kafka topic name (letters, digits, . _ -)");
        }
        KafkaSink.Format format = ecs ? KafkaSink.Format.ECS : KafkaSink.Format.JSON;
        Duration timeout = SYSLOG_TIMEOUT;
        for (Map.Entry<String, String> e : q.entrySet()) {
            switch (e.getKey()) {
                case "format" -> {
                    try {
                        format = KafkaSink.Format.parse(e.getValue());
                    } catch (IllegalArgumentException bad) {
                        throw new UsageException("--sink " + spec + ": " + bad.getMessage());
                    }
                }
                case "timeout" -> {
                    timeout = Durations.parse("--sink " + spec + " timeout", e.getValue());
                    if (timeout.isNegative() || timeout.isZero()) {
                        throw new UsageException("--sink " + spec + ": timeout must be positive, e.g. timeout=30s");
                    }
                }
                default -> throw new UsageException("--sink " + spec + ": unknown parameter '" + e.getKey() + "' (format, timeout)");
            }
        }
        KafkaSettings s;
        try {
            s = security == null ? KafkaSettings.plain(bootstrap)
                    : new KafkaSettings(bootstrap, security.securityProtocol(), security.caPem(), security.certPem(), security.keyPem(),
                            security.saslMechanism(), security.saslJaasFile(), security.configFile());
        } catch (IllegalArgumentException bad) {
            throw new UsageException("--sink " + spec + ": " + bad.getMessage());
        }
        return new KafkaSink(s, topic, format, timeout);
    }

    private static Map<String, String> query(String spec, String q) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--sink " + spec + ": parameters are name=value separated by &");
            }
            m.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    static long parseBytes(String spec, String v) {
        try {
            return Sizes.parse(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--sink " + spec + ": '" + v + "' is not a size like 100M");
        }
    }
}
