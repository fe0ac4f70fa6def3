package io.syndrop.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a process's cgroup path alone says about its container: the runtime (when the path names
 * it), the container id, the pod UID (kubelet paths) and, for containerd's own {@code ctr}
 * layout {@code /<namespace>/<id>}, the containerd namespace. Read from {@code /proc/PID/cgroup}
 * (cgroup v1 and v2, the kubelet's and the runtimes' systemd and cgroupfs drivers).
 *
 * @param runtime             "containerd", "docker", "cri-o", or "" when the path does not say
 *                            (the kubelet's cgroupfs layout names only the id)
 * @param containerId         the runtime's container id
 * @param podUid              the pod UID with dashes, "" outside a kubepods hierarchy
 * @param containerdNamespace the containerd namespace the path names, "" when it names none
 */
public record CgroupContainer(String runtime, String containerId, String podUid, String containerdNamespace) {

    /** /proc/PID/cgroup is a few lines; anything much longer is not one and is not parsed. */
    static final int MAX_CGROUP_FILE = 64 * 1024;

    private static final String HEX64 = "([0-9a-f]{64})";
    /** systemd scopes: docker-<id>.scope, crio-<id>.scope, cri-containerd-<id>.scope. */
    private static final Pattern SCOPE = Pattern.compile("(docker|crio|cri-containerd)-" + HEX64 + "\\.scope");
    /** CRI-O under the cgroupfs driver: crio-<id>; its conmon (crio-conmon-<id>) is no container. */
    private static final Pattern CRIO_CGROUPFS = Pattern.compile("crio-" + HEX64);
    /**
     * A systemd-style "slice:prefix:id" cgroup parent that a runtime on the cgroupfs driver took
     * literally (kubelet on systemd, containerd on cgroupfs): ...slice:cri-containerd:<id>.
     */
    private static final Pattern COLON = Pattern.compile(".*:(docker|crio|cri-containerd):" + HEX64);
    private static final Pattern BARE_ID = Pattern.compile(HEX64);
    /**
     * cgroupfs: pod<uid>; systemd: [kubelet-]kubepods[-qos]-pod<uid, '_' for '-'>.slice (the
     * kubelet- prefix where the kubelet's cgroup root is kubelet.slice, as in kind nodes). Static
     * pods' uids are 32 hex digits without dashes.
     */
    private static final Pattern POD_CGROUPFS = Pattern.compile("pod([0-9a-f][0-9a-f-]{30,35}[0-9a-f])");
    private static final Pattern POD_SYSTEMD =
            Pattern.compile("(?:[a-z]+-)?kubepods(?:-[a-z]+)?-pod([0-9a-f][0-9a-f_]{30,35}[0-9a-f])\\.slice");
    /** containerd's identifier rule (identifiers.Validate): what ctr accepts as a container id. */
    private static final Pattern CONTAINERD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,75}");

    public CgroupContainer {
        runtime = runtime == null ? "" : runtime;
        podUid = podUid == null ? "" : podUid;
        containerdNamespace = containerdNamespace == null ? "" : containerdNamespace;
    }

    /**
     * The container the {@code /proc/PID/cgroup} text places its process in: the first line
     * (hierarchy) whose path names a container; empty for a host process.
     *
     * @param containerdNamespaces the namespaces whose {@code /<namespace>/<id>} paths are
     *                             containerd's (ctr's), e.g. "default" and "k8s.io"
     */
    public static Optional<CgroupContainer> fromProcCgroup(String text, Set<String> containerdNamespaces) {
        if (text.length() > MAX_CGROUP_FILE) {
            return Optional.empty();
        }
        for (String line : text.split("\n")) {
            // hierarchy-ID:controller-list:path; the path itself may hold ':' (the COLON shape).
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            Optional<CgroupContainer> c = fromPath(line.substring(second + 1), containerdNamespaces);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /** The container one cgroup path names; the innermost one when containers nest (kind nodes). */
    public static Optional<CgroupContainer> fromPath(String path, Set<String> containerdNamespaces) {
        List<String> segments = List.of(path.replaceAll("^/+|/+$", "").split("/+"));
        if (segments.size() == 2 && containerdNamespaces.contains(segments.get(0))
                && CONTAINERD_ID.matcher(segments.get(1)).matches()) {
            return Optional.of(new CgroupContainer("containerd", segments.get(1), "", segments.get(0)));
        }
        for (int i = segments.size() - 1; i >= 0; i--) {
            String[] runtimeAndId = containerIn(segments.get(i), i > 0 ? segments.get(i - 1) : "");
            if (runtimeAndId != null) {
                List<String> podSide = new ArrayList<>(segments.subList(0, i));
                int colon = segments.get(i).indexOf(':');
                if (colon > 0) {
                    podSide.add(segments.get(i).substring(0, colon));
                }
                return Optional.of(new CgroupContainer(runtimeAndId[0], runtimeAndId[1], podUidIn(podSide), ""));
            }
        }
        return Optional.empty();
    }

    private static String[] containerIn(String segment, String parent) {
        Matcher m = SCOPE.matcher(segment);
        if (m.matches() || (m = COLON.matcher(segment)).matches()) {
            return new String[] {runtimeOf(m.group(1)), m.group(2)};
        }
        if ((m = CRIO_CGROUPFS.matcher(segment)).matches()) {
            return new String[] {"cri-o", m.group(1)};
        }
        if (BARE_ID.matcher(segment).matches()) {
            // Docker's cgroupfs layout /docker/<id>; CRI-O's without a kubelet parent, /crio/<id>
            if (parent.equals("docker") || parent.equals("crio")) {
                return new String[] {runtimeOf(parent), segment};
            }
            // kubelet cgroupfs layout: .../pod<uid>/<id>, the runtime (containerd or Docker) unnamed
            if (POD_CGROUPFS.matcher(parent).matches()) {
                return new String[] {"", segment};
            }
        }
        return null;
    }

    private static String podUidIn(List<String> ancestors) {
        for (int i = ancestors.size() - 1; i >= 0; i--) {
            String s = ancestors.get(i);
            Matcher m = POD_SYSTEMD.matcher(s);
            if (m.matches()) {
                return m.group(1).replace('_', '-');
            }
            if ((m = POD_CGROUPFS.matcher(s)).matches()) {
                return m.group(1);
            }
        }
        return "";
    }

    private static String runtimeOf(String prefix) {
        return switch (prefix) {
            case "docker" -> "docker";
            case "crio" -> "cri-o";
            default -> "containerd";
        };
    }
}
