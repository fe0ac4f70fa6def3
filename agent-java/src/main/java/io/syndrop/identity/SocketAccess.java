package io.syndrop.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether the agent may connect to a runtime's socket. connect(2) on a unix socket needs write
 * permission on the socket file, and containerd's and CRI-O's are root:root 0660 by default, so a
 * non-root agent needs the socket's group (CAP_DAC_READ_SEARCH, which it holds, does not grant
 * writing). Checked with access(2) before each call, so the refusal names the socket, its owner
 * and mode, and the fix, instead of the transport's "connect failed".
 */
final class SocketAccess {
    private SocketAccess() {
    }

    /** Why this process cannot connect to {@code socket}, or empty when it can (or the socket is not there). */
    static Optional<String> refusal(Path socket, String runtime) {
        if (!Files.exists(socket) || Files.isWritable(socket)) {
            return Optional.empty();
        }
        String owner;
        try {
            int uid = (Integer) Files.getAttribute(socket, "unix:uid");
            int gid = (Integer) Files.getAttribute(socket, "unix:gid");
            int mode = (Integer) Files.getAttribute(socket, "unix:mode");
            owner = "uid " + uid + ", gid " + gid + ", mode " + String.format("%04o", mode & 07777);
        } catch (IOException | UnsupportedOperationException | SecurityException | ClassCastException e) {
            owner = "owner not readable";
        }
        return Optional.of("cannot connect to " + runtime + " at " + socket + ": permission denied (" + owner
                + "; connecting needs write permission on it): give the agent the socket's group (the DaemonSet's"
                + " supplementalGroups, docs/privileges.md#naming-containers-and-pods) or run it as root");
    }
}
