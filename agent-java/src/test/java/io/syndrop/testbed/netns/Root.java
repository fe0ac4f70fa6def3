package io.syndrop.testbed.netns;

/** The test bed needs root; say so loudly instead of letting tests skip or half-run. */
final class Root {
    private Root() {}

    static void require() {
        int euid = LibC.INSTANCE.geteuid();
        if (euid != 0) {
            throw new IllegalStateException("the netns test bed needs root (creating namespaces, veth, iptables, setns, raw sockets);"
                    + " running as euid " + euid + ": run the tests as root, e.g. sudo scripts/test.sh");
        }
    }
}
