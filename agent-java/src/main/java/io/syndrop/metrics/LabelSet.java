package io.syndrop.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the label text {@link Metrics#label} writes ({@code a="x",b="y\"z"}) back into names and
 * unescaped values, so the registry gets them as Prometheus label names and values.
 */
record LabelSet(String[] names, String[] values) {
    static LabelSet parse(String text) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        int i = 0;
        int n = text == null ? 0 : text.length();
        while (i < n) {
            int eq = text.indexOf("=\"", i);
            if (eq <= i) {
                throw bad(text);
            }
            names.add(text.substring(i, eq));
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            while (true) {
                if (j >= n) {
                    throw bad(text);
                }
                char c = text.charAt(j);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    if (j + 1 >= n) {
                        throw bad(text);
                    }
                    char e = text.charAt(++j);
                    v.append(e == 'n' ? '\n' : e);
                } else {
                    v.append(c);
                }
                j++;
            }
            values.add(v.toString());
            i = j + 1;
            if (i < n) {
                if (text.charAt(i) != ',') {
                    throw bad(text);
                }
                i++;
            }
        }
        return new LabelSet(names.toArray(String[]::new), values.toArray(String[]::new));
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("labels must be written as name=\"value\",... (Metrics.label), got: " + text);
    }
}
