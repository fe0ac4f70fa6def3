#!/usr/bin/env bash
# Installs syndrop's .deb, checks what it put in place, starts the collector as the package's
# user, then removes and purges it and checks nothing is left. Needs root. It changes the system
# it runs on, so run it in a throw-away root:
#   scripts/deb-install-check.sh --overlay DEB   in a copy-on-write view of this machine's root
#                                                (an overlay on a tmpfs, gone afterwards; the
#                                                JRE must be installed here: nothing is fetched)
#   scripts/deb-install-check.sh DEB             here, e.g. inside a brand-new Debian 12 root
#                                                (docs/deb.md: ../shared/tools/fresh-debian.sh)
# Prints "deb-install-check: OK" and exits 0 when every check passed; exits 1 at the first failure.
set -euo pipefail
fail() { echo "deb-install-check: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (it installs a package)"

if [ "${1:-}" = --overlay ]; then
  deb=$(realpath "${2:?usage: $0 --overlay DEB}")
  [ -f "$deb" ] || fail "no such file: $deb"
  self=$(realpath "${BASH_SOURCE[0]}")
  base=$(mktemp -d /var/tmp/syndrop-deb-check.XXXXXX)
  trap 'rm -rf --one-file-system "$base"' EXIT
  export base deb self
  # A private mount namespace: the overlay and everything mounted for it vanish with it.
  unshare --mount --propagation private /bin/bash -euc '
    mount -t tmpfs -o size=2g tmpfs "$base"
    mkdir "$base/upper" "$base/work" "$base/root"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$base/root"
    r=$base/root
    mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && mount -t tmpfs tmpfs "$r/run" && mount -t tmpfs tmpfs "$r/tmp"
    cp "$deb" "$self" "$r/tmp/"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
      /bin/bash "/tmp/$(basename "$self")" "/tmp/$(basename "$deb")"'
  exit $?
fi

deb=$(realpath "${1:?usage: $0 [--overlay] DEB}")
[ -f "$deb" ] || fail "no such file: $deb"
export DEBIAN_FRONTEND=noninteractive
step() { echo "deb-install-check: $*"; }

step "apt-get install $deb"
apt-get install -y -q --no-install-recommends "$deb" >/tmp/deb-check-apt.log 2>&1 || { cat /tmp/deb-check-apt.log >&2; fail "apt-get install"; }
dpkg-query -W -f='${Status}\n' syndrop | grep -qx 'install ok installed' || fail "syndrop is not 'install ok installed'"
files=$(dpkg -L syndrop)

step "files, conffiles and user"
for f in /usr/bin/syndrop /usr/share/syndrop/syndrop.jar /usr/share/syndrop/agent.jvmopts \
         /lib/systemd/system/syndrop-agent.service /lib/systemd/system/syndrop-collector.service \
         /lib/systemd/system/syndrop-agent.service.d/syndrop-user.conf \
         /etc/syndrop/agent.yaml /etc/syndrop/collector.yaml /etc/default/syndrop-agent /etc/default/syndrop-collector \
         /usr/share/bash-completion/completions/syndrop /usr/share/doc/syndrop/copyright; do
  [ -f "$f" ] || fail "$f not installed"
done
[ -x /usr/bin/syndrop ] || fail "/usr/bin/syndrop is not executable"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' syndrop | awk 'NF {print $1}' | sort | tr '\n' ' ')
[ "$conffiles" = "/etc/default/syndrop-agent /etc/default/syndrop-collector /etc/syndrop/agent.yaml /etc/syndrop/collector.yaml " ] \
  || fail "conffiles are: $conffiles"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd syndrop) || fail "no user syndrop after install"
[ "$uid" -lt 1000 ] || fail "user syndrop has uid $uid: not a system user"
case "$shell" in */nologin|*/false) ;; *) fail "user syndrop has a login shell: $shell" ;; esac
getent group syndrop >/dev/null || fail "no group syndrop"

step "syndrop --help and version as user syndrop"
runuser -u syndrop -- syndrop --help >/tmp/deb-check-help.txt 2>&1 || { cat /tmp/deb-check-help.txt >&2; fail "syndrop --help"; }
grep -q collect /tmp/deb-check-help.txt || fail "syndrop --help does not list the collect command"
runuser -u syndrop -- syndrop version | grep -q '^syndrop ' || fail "syndrop version"
runuser -u syndrop -- syndrop --version | grep -q '^syndrop ' || fail "syndrop --version"
grep -q 'complete .*syndrop' /usr/share/bash-completion/completions/syndrop || fail "the bash completion registers no completion for syndrop"

if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify the installed units"
  for u in syndrop-agent syndrop-collector; do
    out=$(systemd-analyze verify --man=no "/lib/systemd/system/$u.service" 2>&1) || fail "systemd-analyze verify $u: $out"
    if grep -q "$u" <<<"$out"; then fail "systemd-analyze verify $u: $out"; fi
  done
else
  step "systemd-analyze is not installed here (no systemd in this root): units checked as files only"
fi

step "start the collector as user syndrop, wait for /readyz"
data=$(mktemp -d /tmp/deb-check-collector.XXXXXX)
chown syndrop:syndrop "$data"
# setpriv execs (runuser would stay as a root parent): $! is the collector's own process.
setpriv --reuid=syndrop --regid=syndrop --init-groups -- syndrop collect --listen 127.0.0.1:0 --insecure --sink "json:$data/events.jsonl" \
  --metrics 127.0.0.1:0 >"$data/log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 120); do
  port=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$data/log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/log" >&2; fail "the collector exited"; }
  sleep 0.5
done
[ -n "$port" ] || { kill "$pid"; cat "$data/log" >&2; fail "the collector did not report its metrics port"; }
probe() { exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET %s HTTP/1.0\r\n\r\n' "$1" >&3 && head -1 <&3; exec 3>&-; }
ready=$(probe /readyz | tr -d '\r')
owner=$(stat -c %U "/proc/$pid")
kill "$pid"; wait "$pid" 2>/dev/null || true
[[ $ready == *" 200"* ]] || fail "/readyz answered '$ready'"
[ "$owner" = syndrop ] || fail "the collector ran as $owner"

# What systemd would have made for the services (StateDirectory=/LogsDirectory= with a DynamicUser).
for d in /var/lib/private/syndrop-agent /var/lib/private/syndrop-collector /var/log/private/syndrop-collector; do
  install -d -o syndrop -g syndrop "$d/spool"
done

step "apt-get remove: the program goes, conffiles and the user stay"
apt-get remove -y -q syndrop >/tmp/deb-check-apt.log 2>&1 || { cat /tmp/deb-check-apt.log >&2; fail "apt-get remove"; }
[ ! -e /usr/bin/syndrop ] && [ ! -e /usr/share/syndrop/syndrop.jar ] || fail "files left after remove"
[ -f /etc/syndrop/agent.yaml ] || fail "remove took a conffile"
getent passwd syndrop >/dev/null || fail "remove took the user (only purge should)"

step "apt-get purge: nothing left"
apt-get purge -y -q syndrop >/tmp/deb-check-apt.log 2>&1 || { cat /tmp/deb-check-apt.log >&2; fail "apt-get purge"; }
dpkg-query -W -f='${Status}\n' syndrop 2>/dev/null | grep -q 'installed' && fail "syndrop still known to dpkg"
while read -r f; do
  case "$f" in /.|/etc|/etc/default|/lib|/lib/systemd|/lib/systemd/system|/usr|/usr/bin|/usr/share|/usr/share/doc|/usr/share/bash-completion|/usr/share/bash-completion/completions) continue ;; esac
  [ ! -e "$f" ] || fail "$f left after purge"
done <<<"$files"
for d in /var/lib/private/syndrop-agent /var/lib/private/syndrop-collector /var/log/private/syndrop-collector /etc/syndrop; do
  [ ! -e "$d" ] || fail "$d left after purge"
done
getent passwd syndrop >/dev/null && fail "user syndrop left after purge"
getent group syndrop >/dev/null && fail "group syndrop left after purge"
rm -rf "$data"
echo "deb-install-check: OK"
