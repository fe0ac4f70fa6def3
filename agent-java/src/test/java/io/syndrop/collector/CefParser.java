package io.syndrop.collector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An independent reading of CEF as a SIEM would do it: seven escaped header fields, then key=value pairs. */
final class CefParser {
    final List<String> header = new ArrayList<>();
    final Map<String, String> ext = new LinkedHashMap<>();

    static CefParser parse(String s) {
        CefParser p = new CefParser();
        if (!s.startsWith("CEF:")) {
            throw new IllegalArgumentException("not CEF: " + s);
        }
        int i = 0;
        StringBuilder cur = new StringBuilder();
        while (p.header.size() < 7) {
            if (i >= s.length()) {
                throw new IllegalArgumentException("CEF header has fewer than 8 fields: " + s);
            }
            char c = s.charAt(i++);
            if (c == '\\' && i < s.length() && (s.charAt(i) == '|' || s.charAt(i) == '\\')) {
                cur.append(s.charAt(i++));
            } else if (c == '|') {
                p.header.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        String ext = s.substring(i);
        // Keys are the words right before an unescaped '='.
        List<int[]> eqs = new ArrayList<>();
        for (int j = 0; j < ext.length(); j++) {
            if (ext.charAt(j) == '\\') {
                j++;
                continue;
            }
            if (ext.charAt(j) == '=') {
                int k = j - 1;
                while (k >= 0 && ext.charAt(k) != ' ') {
                    k--;
                }
                eqs.add(new int[] {k + 1, j});
            }
        }
        for (int n = 0; n < eqs.size(); n++) {
            String key = ext.substring(eqs.get(n)[0], eqs.get(n)[1]);
            int vEnd = n + 1 < eqs.size() ? eqs.get(n + 1)[0] - 1 : ext.length();
            String raw = ext.substring(eqs.get(n)[1] + 1, Math.max(eqs.get(n)[1] + 1, vEnd));
            p.ext.put(key, raw.replace("\\=", "=").replace("\\n", "\n").replace("\\\\", "\\"));
        }
        return p;
    }
}
