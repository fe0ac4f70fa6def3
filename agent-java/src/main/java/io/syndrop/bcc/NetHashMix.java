package io.syndrop.bcc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which net_hash_mix() the kernel headers have. Stable kernels since 2019 (5.1, and backports to
 * 4.4.179, 4.9.168, 4.14.111, 4.19.34, ...) read a random {@code net->hash_mix}; older ones shift the
 * struct net pointer. BCC compiles the kernel's inline function as it is, and a plain load from a
 * kernel pointer is refused by the verifier, so the BCC program reads the field itself with
 * bpf_probe_read when the headers say it exists.
 */
final class NetHashMix {
    static final String FIELD_FLAG = "-DSYNDROP_NET_HASH_MIX_FIELD=1";

    private NetHashMix() {
    }

    /** The cflag for a headers tree (a directory; the kheaders tarball is not looked into). */
    static List<String> cflags(String headers) {
        if (headers == null) {
            return List.of();
        }
        Path h = Path.of(headers, "include/net/netns/hash.h");
        try {
            return Files.isRegularFile(h) && readsField(Files.readString(h)) ? List.of(FIELD_FLAG) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    static boolean readsField(String hashH) {
        return hashH.contains("net->hash_mix");
    }
}
