package io.syndrop.bcc;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Declarations of the uapi structs a kernel's {@code include/linux/bpf.h} takes the size of but
 * libbcc's own copy of {@code uapi/linux/bpf.h} is too old to define, read from clang's errors.
 * Only {@code bpf_*} structs named in such an error, so no other failure is papered over.
 */
final class OpaqueUapiStructs {
    private static final Pattern INCOMPLETE = Pattern.compile(
            "include/linux/bpf\\.h:\\d+:\\d+: error: invalid application of '(?:sizeof|__alignof)' to an incomplete type 'struct (bpf_[a-z0-9_]+)'");

    private OpaqueUapiStructs() {
    }

    /** C declarations to put in front of the program text; empty when the errors are of another kind. */
    static String prelude(String clangOutput) {
        Set<String> names = new TreeSet<>();
        Matcher m = INCOMPLETE.matcher(clangOutput);
        while (m.find()) {
            names.add(m.group(1));
        }
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            // 32 bytes, 8-aligned: the largest of them (bpf_rb_node); their size is never used here
            sb.append("struct ").append(n).append(" { unsigned long long __opaque[4]; };\n");
        }
        return sb.toString();
    }
}
