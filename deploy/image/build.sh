#!/usr/bin/env bash
# Builds the syndrop container image from this machine's own Debian packages, with no registry:
# a jlink'ed Java 17 runtime holding only the modules the jar uses, the shared libraries that
# runtime and the jar's native code link against (copied from the host), the jar, the JVM options
# of scripts/agent.jvmopts and a non-root default user. The agent's capabilities come from file
# capabilities on the image's java (docs/privileges.md, "In a container": a non-root process in a
# container gets capabilities no other way).
#
#   deploy/image/build.sh JAR OUTDIR [VERSION] [REVISION]
#
# Writes OUTDIR/syndrop-image.oci.tar (OCI image layout: `ctr images import`), and
# OUTDIR/syndrop-image.docker.tar (docker-archive: `docker load`, Docker 20.10 and newer).
# Needs umoci, jlink (JDK 17), setcap (libcap2-bin) and python3; run as root (file capabilities).
set -euo pipefail

die() { echo "deploy/image/build.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: deploy/image/build.sh JAR OUTDIR [VERSION] [REVISION]"
jar=$(readlink -f "$1"); out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
version=${3:-0.1.0}
revision=${4:-$(git -C "$top" rev-parse HEAD 2>/dev/null || echo unknown)}
# Where the source is: the checkout's remote, or what the caller says (SYNDROP_SOURCE_URL).
source=${SYNDROP_SOURCE_URL:-$(git -C "$top" remote get-url origin 2>/dev/null || echo "unpublished (commit $revision)")}
[ -f "$jar" ] || die "no jar at $1: build it first (mvn -B -q -DskipTests package)"
[ "$(id -u)" = 0 ] || die "run as root: setting file capabilities on the image's java needs CAP_SETFCAP"
for t in umoci jlink setcap python3 ldconfig; do
  command -v "$t" >/dev/null || die "$t is missing: run scripts/install-deps.sh --test"
done

# The modules `jdeps --print-module-deps` finds in the jar, less java.desktop (only JNA's optional
# AWT window helpers use it, and it would pull X11 and font libraries in), plus the ones reached
# only through service loaders or reflection: TLS with EC keys (jdk.crypto.ec), JMX.
modules=java.base,java.naming,java.sql,jdk.httpserver,jdk.jfr,jdk.unsupported,java.logging,java.management,jdk.crypto.ec
caps=$(grep -v '^#' "$top/agent-java/src/main/resources/io/syndrop/probe/agent-capabilities.txt" \
       | awk 'NF {sub(/^CAP_/, "", $1); printf "%scap_%s", sep, tolower($1); sep=","}')
[ -n "$caps" ] || die "no capabilities read from agent-capabilities.txt"
uid=10001

mkdir -p "$out"; out=$(readlink -f "$out")
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs"/{opt/syndrop,etc,tmp,var/lib/syndrop/spool,lib64,usr/lib/x86_64-linux-gnu}
ln -s usr/lib "$rootfs/lib"

jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
      --output "$rootfs/opt/java"
# The agent's capabilities as permitted file capabilities on java, without the effective bit: with
# it, a container lacking one of them could not exec java at all (capabilities(7), "safety
# checking for capability-dumb binaries") and nothing would say which one is missing. The agent
# makes them effective itself (io.syndrop.os.PermittedCapabilities); a container that grants none
# (the collector) runs the same java with none.
setcap "$caps+p" "$rootfs/opt/java/bin/java"

install -m 0644 "$jar" "$rootfs/opt/syndrop/syndrop.jar"
install -m 0644 "$top/scripts/agent.jvmopts" "$rootfs/opt/syndrop/agent.jvmopts"

# Every shared library the runtime and the jar's native code (the BPF shim, JNA, Netty's epoll
# transport for the container runtimes' unix sockets: it needs libdl.so.2) link against,
# copied from the host's Debian packages. The loader follows symbolic links, so real files.
natives=$work/natives
mkdir -p "$natives"
(cd "$natives" && python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n) for n in ("native/linux-x86_64/libsyndrop.so", "com/sun/jna/linux-x86-64/libjnidispatch.so", "META-INF/native/libnetty_transport_native_epoll_x86_64.so")]' "$jar")
libs=$( { find "$rootfs/opt/java" -name '*.so' -o -path '*/bin/*' -type f; find "$natives" -name '*.so'; } \
        | xargs -r ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib64\// {print $1}' | sort -u)
for l in $libs; do
  case $l in "$rootfs"/*) continue ;; esac
  real=$(readlink -f "$l")
  case $l in
    /lib64/*) install -m 0755 "$real" "$rootfs/lib64/$(basename "$l")" ;;
    *) install -m 0755 "$real" "$rootfs/usr/lib/x86_64-linux-gnu/$(basename "$l")" ;;
  esac
done
# A capability-raised process runs in secure-execution mode: the loader ignores the launcher's
# $ORIGIN run path, so the runtime's own libraries must be in the loader's cache.
printf '%s\n' /opt/java/lib /opt/java/lib/server /usr/lib/x86_64-linux-gnu > "$rootfs/etc/ld.so.conf"
ldconfig -r "$rootfs"

printf 'root:x:0:0:root:/:/sbin/nologin\nsyndrop:x:%s:%s:syndrop:/var/lib/syndrop:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n' "$uid" "$uid" > "$rootfs/etc/passwd"
printf 'root:x:0:\nsyndrop:x:%s:\nnogroup:x:65534:\n' "$uid" > "$rootfs/etc/group"
# No name service at all: the agent never resolves names, and a lookup must not leave the node.
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs/etc/hosts"
chmod 1777 "$rootfs/tmp"
chown -R "$uid:$uid" "$rootfs/var/lib/syndrop"

layout=$work/layout
tag=$version
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci unpack --rootless=false --image "$layout:$tag" "$work/bundle" >/dev/null
rmdir "$work/bundle/rootfs"
mv "$rootfs" "$work/bundle/rootfs"
umoci repack --image "$layout:$tag" "$work/bundle"
umoci config --image "$layout:$tag" \
  --config.user "$uid:$uid" \
  --config.workingdir /var/lib/syndrop \
  --config.env PATH=/opt/java/bin:/usr/bin:/bin \
  --config.entrypoint /opt/java/bin/java --config.entrypoint @/opt/syndrop/agent.jvmopts \
  --config.entrypoint -jar --config.entrypoint /opt/syndrop/syndrop.jar \
  --config.cmd --help \
  --config.label org.opencontainers.image.title=syndrop \
  --config.label org.opencontainers.image.description="one event per dropped TCP SYN" \
  --config.label org.opencontainers.image.version="$version" \
  --config.label org.opencontainers.image.revision="$revision" \
  --config.label org.opencontainers.image.source="$source" \
  --manifest.annotation org.opencontainers.image.version="$version" \
  --manifest.annotation org.opencontainers.image.revision="$revision" \
  --history.created_by "deploy/image/build.sh"
umoci gc --layout "$layout"
tar -C "$layout" -cf "$out/syndrop-image.oci.tar" .

# docker-archive: Docker 20.10 loads a manifest.json naming the config and the layer files; it
# cannot load the OCI layout. The same blobs, so both archives hold the same image.
python3 - "$layout" "$tag" "$out/syndrop-image.docker.tar" "$version" <<'PY'
import json, os, sys, tarfile
layout, tag, dest, version = sys.argv[1:]
index = json.load(open(os.path.join(layout, "index.json")))
desc = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
blob = lambda d: os.path.join("blobs", *d["digest"].split(":"))
manifest = json.load(open(os.path.join(layout, blob(desc))))
entry = {"Config": blob(manifest["config"]), "RepoTags": ["syndrop:" + version],
         "Layers": [blob(l) for l in manifest["layers"]]}
with tarfile.open(dest, "w") as t:
    for name in [entry["Config"]] + entry["Layers"]:
        t.add(os.path.join(layout, name), arcname=name)
    data = json.dumps([entry]).encode()
    info = tarfile.TarInfo("manifest.json"); info.size = len(data)
    import io; t.addfile(info, io.BytesIO(data))
PY
echo "syndrop image $version ($revision): $(du -m "$out/syndrop-image.oci.tar" | cut -f1) MB archive," \
     "$(python3 -c 'import json,sys,os; l=sys.argv[1]; i=json.load(open(l+"/index.json")); m=json.load(open(os.path.join(l,"blobs",*i["manifests"][0]["digest"].split(":")))); print(sum(x["size"] for x in m["layers"])//1048576)' "$layout") MB compressed layer" >&2
