package io.syndrop.demo;

/**
 * Child-JVM helper for {@link TeardownTest}: builds a pair topology without closing it, prints
 * the namespace names, then either hangs (to be killed with -9: no shutdown hook runs) or exits
 * (the shutdown hook must delete the namespaces).
 */
public final class LeftoverMaker {
    private LeftoverMaker() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "hang";
        Topology t = Topology.pair().build();
        for (Netns ns : t.namespaces()) {
            System.out.println("NS " + ns.name());
        }
        System.out.println("READY");
        System.out.flush();
        if (mode.equals("exit")) {
            System.exit(0);
        }
        Thread.sleep(60_000); // the parent kills us long before
        System.exit(3);
    }
}
