package io.syndrop.bcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OpaqueUapiStructsTest {
    @Test
    void declaresEachBpfStructTheKernelsBpfHeaderCouldNotSizeOnce() {
        String clang = """
                include/linux/bpf.h:368:10: error: invalid application of 'sizeof' to an incomplete type 'struct bpf_wq'
                include/linux/bpf.h:378:10: error: invalid application of 'sizeof' to an incomplete type 'struct bpf_rb_root'
                include/linux/bpf.h:397:10: error: invalid application of '__alignof' to an incomplete type 'struct bpf_wq'
                """;
        assertEquals("struct bpf_rb_root { unsigned long long __opaque[4]; };\n"
                + "struct bpf_wq { unsigned long long __opaque[4]; };\n", OpaqueUapiStructs.prelude(clang));
    }

    @Test
    void otherErrorsGetNoPrelude() {
        assertEquals("", OpaqueUapiStructs.prelude(
                "/virtual/main.c:12:3: error: invalid application of 'sizeof' to an incomplete type 'struct bpf_wq'\n"));
        assertEquals("", OpaqueUapiStructs.prelude(
                "include/linux/bpf.h:3:1: error: invalid application of 'sizeof' to an incomplete type 'struct sock'\n"));
        assertEquals("", OpaqueUapiStructs.prelude("Unable to find kernel headers"));
    }
}
