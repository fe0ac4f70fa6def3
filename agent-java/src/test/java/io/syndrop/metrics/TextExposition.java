package io.syndrop.metrics;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4, for tests: it throws on anything a scraper
 * could misread (a HELP with a raw backslash escape it does not know, a family described twice, a
 * sample before or outside its TYPE, a label set that does not parse, a series twice, a value that
 * is not a float). The Java client has writers only, so this is the independent check.
 */
public final class TextExposition {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|summary|histogram|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

    /** One family: its HELP (unescaped), TYPE and samples keyed by their full series text. */
    public record Family(String name, String help, String type, Map<String, Double> samples) {}

    private final Map<String, Family> families = new LinkedHashMap<>();

    private TextExposition() {}

    public static TextExposition parse(String body) {
        TextExposition t = new TextExposition();
        Set<String> series = new HashSet<>();
        String helpName = null;
        String help = null;
        Family current = null;
        List<String> lines = List.of(body.split("\n", -1));
        if (!body.isEmpty() && !body.endsWith("\n")) {
            throw new IllegalArgumentException("exposition does not end with a newline");
        }
        for (String line : lines.subList(0, lines.size() - 1)) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                helpName = m.group(1);
                help = unescapeHelp(m.group(2), line);
            } else if ((m = TYPE.matcher(line)).matches()) {
                String name = m.group(1);
                if (t.families.containsKey(name)) {
                    throw new IllegalArgumentException("family " + name + " described twice");
                }
                if (!name.equals(helpName)) {
                    throw new IllegalArgumentException("TYPE " + name + " without its HELP line before it");
                }
                current = new Family(name, help, m.group(2), new LinkedHashMap<>());
                t.families.put(name, current);
                helpName = null;
            } else if (line.startsWith("#")) {
                throw new IllegalArgumentException("unexpected comment line: " + line);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                if (current == null || !belongs(current, name)) {
                    throw new IllegalArgumentException("sample " + name + " outside its family: " + line);
                }
                String labels = m.group(2) == null ? "" : m.group(2);
                checkLabels(labels, line);
                String key = m.group(2) == null ? name : name + "{" + labels + "}";
                if (!series.add(key)) {
                    throw new IllegalArgumentException("series twice: " + key);
                }
                current.samples().put(key, value(m.group(3), line));
            } else {
                throw new IllegalArgumentException("not a 0.0.4 line: '" + line + "'");
            }
        }
        return t;
    }

    public Map<String, Family> families() {
        return families;
    }

    /** Every sample of every family, by series text ({@code name{labels}}). */
    public Map<String, Double> samples() {
        Map<String, Double> all = new LinkedHashMap<>();
        families.values().forEach(f -> all.putAll(f.samples()));
        return all;
    }

    private static boolean belongs(Family f, String sample) {
        if (sample.equals(f.name())) {
            return true;
        }
        List<String> suffixes = switch (f.type()) {
            case "summary" -> List.of("_sum", "_count");
            case "histogram" -> List.of("_bucket", "_sum", "_count");
            default -> List.of();
        };
        return suffixes.stream().anyMatch(s -> sample.equals(f.name() + s));
    }

    private static void checkLabels(String labels, String line) {
        if (labels.isEmpty()) {
            return;
        }
        Set<String> names = new HashSet<>();
        Matcher m = LABEL.matcher(labels);
        int at = 0;
        while (at < labels.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("bad label set at " + at + ": " + line);
            }
            if (!names.add(m.group(1))) {
                throw new IllegalArgumentException("label " + m.group(1) + " twice: " + line);
            }
            at = m.end();
            if (at < labels.length()) {
                if (labels.charAt(at) != ',') {
                    throw new IllegalArgumentException("labels not separated by ',': " + line);
                }
                at++;
            }
        }
    }

    private static String unescapeHelp(String text, String line) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                char e = i + 1 < text.length() ? text.charAt(++i) : 0;
                if (e == '\\') {
                    sb.append('\\');
                } else if (e == 'n') {
                    sb.append('\n');
                } else {
                    throw new IllegalArgumentException("HELP escape other than \\\\ or \\n: " + line);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static double value(String v, String line) {
        switch (v) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("value is not a float: " + line);
                }
        }
    }
}
