# Shared by the scripts that run inside the VM (vm-kernel-cost.sh, vm-jit-stress.sh); sourced, with
# W (a scratch directory) and die() defined by the caller.

# listener NS BACKLOG PREFILL: listens on 127.0.0.1:8080 in NS, connects PREFILL clients it never
# accepts, and stays until killed; sets LISTENER_PID once it is ready.
listener() {
    local ready=$W/ready-$1
    ip netns exec "$1" python3 - "$2" "$3" "$ready" <<'PY' &
import socket, sys, time
backlog, prefill, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 8080)); srv.listen(backlog)
clients = []
for _ in range(prefill):
    c = socket.socket(); c.connect(("127.0.0.1", 8080)); clients.append(c)
time.sleep(0.2)
open(ready, "w").close()
time.sleep(3600)
PY
    LISTENER_PID=$!
    local i
    for i in $(seq 1 120); do [[ -f $ready ]] && return 0; sleep 0.25; done
    die "listener in $1 not ready after 30 s"
}
