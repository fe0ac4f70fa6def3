#!/usr/bin/env bash
# Builds syndrop_<version>_amd64.deb from the packaged jar; the Maven build calls it (module
# packaging/), and so does DebPackageIT. Files come from deploy/ (units, packaging scripts) and
# scripts/agent.jvmopts; docs/deb.md lists what goes where.
#   scripts/build-deb.sh JAR MAVEN_VERSION OUTDIR     -> prints the .deb's path
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 JAR MAVEN_VERSION OUTDIR" >&2; exit 2; }
jar=$1; mvn_version=$2; out=$3
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$top/deploy/debian
[ -f "$jar" ] || { echo "build-deb: no jar at $jar: build it first (mvn -B -DskipTests package)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-deb: dpkg-deb missing: apt-get install dpkg" >&2; exit 1; }

# 0.1.0-SNAPSHOT -> 0.1.0~SNAPSHOT: a snapshot sorts before its release, as in Maven.
version=${mvn_version//-/\~}
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "build-deb: '$mvn_version' gives no Debian version" >&2; exit 1; }

# The config examples ship when this tree has them (docs/deb.md); the completion always.
config_dir=$top/deploy/config
completion=$top/agent-java/target/syndrop-completion.bash

mkdir -p "$out"
root=$(mktemp -d "$out/deb-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"   # the package's ./ (mktemp made it 0700)
install -d -m 755 "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/syndrop" "$root/usr/share/doc/syndrop" \
  "$root/lib/systemd/system/syndrop-agent.service.d" "$root/lib/systemd/system/syndrop-collector.service.d" \
  "$root/etc/syndrop" "$root/etc/default" "$root/usr/share/bash-completion/completions"
install -m 644 "$jar" "$root/usr/share/syndrop/syndrop.jar"
install -m 644 "$top/scripts/agent.jvmopts" "$root/usr/share/syndrop/agent.jvmopts"
install -m 755 "$src/syndrop" "$root/usr/bin/syndrop"
for u in syndrop-agent syndrop-collector; do
  install -m 644 "$top/deploy/systemd/$u.service" "$root/lib/systemd/system/$u.service"
  install -m 644 "$src/syndrop-user.conf" "$root/lib/systemd/system/$u.service.d/syndrop-user.conf"
  install -m 644 "$src/default-$u" "$root/etc/default/$u"
done
for c in agent collector; do
  if [ -f "$config_dir/$c.yaml" ]; then
    # Shipped with every setting commented out: the example's values (a collector address, TLS
    # files) do not exist on a fresh install and would override nothing the user typed, but
    # would conflict with it (e.g. `collect --insecure` against the example's tls-cert).
    { echo "# Every key is commented out: uncomment and edit what this host needs (docs/config.md)."
      sed -E '/^[[:space:]]*(#|$)/!s/^/# /' "$config_dir/$c.yaml"; } > "$root/etc/syndrop/$c.yaml"
    chmod 644 "$root/etc/syndrop/$c.yaml"
  else
    echo "build-deb: no $config_dir/$c.yaml in this tree: shipping a placeholder /etc/syndrop/$c.yaml" >&2
    install -m 644 "$src/config-placeholder.yaml" "$root/etc/syndrop/$c.yaml"
  fi
done
[ -f "$completion" ] || { echo "build-deb: no $completion: the agent-java build generates it (picocli), build it first" >&2; exit 1; }
install -m 644 "$completion" "$root/usr/share/bash-completion/completions/syndrop"
install -m 644 "$src/copyright" "$root/usr/share/doc/syndrop/copyright"
date=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'syndrop (%s) unstable; urgency=medium\n\n  * Built from the syndrop sources (Maven version %s).\n\n -- syndrop developers <syndrop@example.org>  %s\n' \
  "$version" "$mvn_version" "$date" | gzip -9n > "$root/usr/share/doc/syndrop/changelog.gz"
chmod 644 "$root/usr/share/doc/syndrop/changelog.gz"

for s in postinst prerm postrm; do install -m 755 "$src/$s" "$root/DEBIAN/$s"; done
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) > "$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" "$src/control.in" > "$root/DEBIAN/control"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

deb=$out/syndrop_${version}_amd64.deb
# The jar is compressed already: gzip costs little time and xz would gain little.
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
