# Scenarios 3-5 of bench/run.sh (sourced by it): they drive syndrop's Java classes through
# bench/Bench.java, compiled once against the shaded jar (not by Maven, not in CI).

bench_java() {
    if [[ ! -f $WORK/classes/Bench.class ]]; then
        mkdir -p "$WORK/classes"
        javac -nowarn -cp "$JAR" -d "$WORK/classes" bench/Bench.java
    fi
    # Kernel runs start with a warm-up load (20k SYN/s for 10 s), left out of every figure.
    java ${BENCH_JAVA_OPTS:-} -Dbench.warmup="${BENCH_WARMUP:-20000,10}" -cp "$JAR:$WORK/classes" Bench "$@"
}

# json_field JSON KEY
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }


# ---- scenario 3b: the pipeline's ceiling without the kernel --------------------------------------
scenario_pipeline() {
    local n rnd sink res
    # Timed records after the warm-up: enough for a few seconds at the rates seen here.
    if [[ $QUICK == 1 ]]; then n=2000000; else n=5000000; fi
    for rnd in $(seq 1 "$ROUNDS"); do
        # json: today's object path; json-encoded: the byte path (kernel record -> protobuf bytes -> JSON); alternating in each round.
        for sink in json json-encoded null-sink; do
            res=$(bench_java pipeline "$n" "$sink" 2>>"$WORK/java.err" | grep '^{')
            record pipeline_ceiling events_per_s "$sink" "$rnd" "$(json_field "$res" events_per_s)" events/s "\"detail\":$res"
            log "pipeline $sink round $rnd: $res"
        done
    done
    note pipeline_ceiling "recorded kernel records (bpf/syndrop.h layout, 128 bytes, stamped with the current monotonic time) decoded 512 at a time by the drain's EventDecoder, as DrainLoop does with what the shim hands over, into EventPipeline (paced on the queue depth so none is refused) -> batcher (BatchEncoder) -> spool (fsync per batch, product defaults) -> Publisher (gRPC, plaintext loopback, spooled bytes sent as they are) -> CollectorServer -> Committer -> JSON file sink (fsync per group); agent and collector in one JVM on the same 2 CPUs. Each run first pushes the same load as a warm-up for at least 15 s and half as many records (a fresh JVM spends ~40% of the CPU compiling in its first seconds and keeps compiling for ~15 s), then times the measured records from the first offer to the last acknowledgement. json-encoded: the same records on the byte path (EventWireEncoder writes each 512 as protobuf bytes, EventPipeline.offerEncoded; the collector indexes the batch bytes and the JSON sink writes each event from its bytes, format/WireJson). null-sink: the object path without JSON formatting, to isolate it."
}

# ---- scenario 3a + 4: kernel -> agent -> collector -> JSON sink; latency ---------------------------
scenario_kernel_to_sink() {
    local rnd peer peers ns ino res out sent lines lost
    for rnd in $(seq 1 "$ROUNDS"); do
        if (( rnd % 2 )); then peers="syndrop bpftrace"; else peers="bpftrace syndrop"; fi
        for peer in $peers; do
            ns=$(new_ns)
            ino=$(stat -L -c %i "/run/netns/$ns")
            if [[ $peer == syndrop ]]; then
                res=$(bench_java kernel "$ino" "$DUR" -- ip netns exec "$ns" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 0 "$DUR" 2>>"$WORK/java.err" | grep '^{')
                record sink_max_rate generated_per_s syndrop "$rnd" "$(json_field "$res" load_rate)" events/s
                record sink_max_rate delivered_per_s syndrop "$rnd" "$(json_field "$res" delivered_per_s)" events/s "\"detail\":$res"
                record sink_max_rate lost syndrop "$rnd" $(( $(json_field "$res" generated) - $(json_field "$res" delivered) )) events
                record sink_max_rate unaccounted syndrop "$rnd" "$(json_field "$res" unaccounted)" events
            else
                out=$WORK/s3-bpftrace-$rnd.out
                start_peer bpftrace "$out"
                sent=$(ip netns exec "$ns" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 0 "$DUR")
                sleep 1
                stop_peer
                lines=$(grep -c "netns=$ino " "$out" || true)
                lost=$(grep -o 'Lost [0-9]* events' "$out" | awk '{s+=$2} END {print s+0}')
                local gen=${sent#sent=}; gen=${gen%% *}
                local rate=${sent##*rate=}
                res="{\"generated\":$gen,\"load_rate\":$rate,\"delivered\":$lines,\"lost_reported\":$lost,\"unaccounted\":$((gen - lines - lost))}"
                record sink_max_rate generated_per_s bpftrace "$rnd" "$rate" events/s
                record sink_max_rate delivered_per_s bpftrace "$rnd" "$(awk -v l="$lines" -v d="$DUR" 'BEGIN {printf "%.0f", l / d}')" events/s "\"detail\":$res"
                record sink_max_rate lost bpftrace "$rnd" $((gen - lines)) events
                record sink_max_rate unaccounted bpftrace "$rnd" $((gen - lines - lost)) events
            fi
            ip netns del "$ns"
            log "kernel->sink $peer round $rnd: $res"
        done
        for rate in 1000 10000 100000; do
            ns=$(new_ns)
            ino=$(stat -L -c %i "/run/netns/$ns")
            res=$(bench_java kernel "$ino" "$DUR" -- ip netns exec "$ns" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 "$rate" "$DUR" 2>>"$WORK/java.err" | grep '^{')
            ip netns del "$ns"
            for q in p50 p99 max; do
                record "latency_${rate}_per_s" "steady_${q}_ms" syndrop "$rnd" "$(awk -v u="$(json_field "$res" steady_lat_${q}_us)" 'BEGIN {printf "%.1f", u / 1000}')" ms
            done
            for q in p50 p99 max; do
                record "latency_${rate}_per_s" "cold_${q}_ms" syndrop "$rnd" "$(awk -v u="$(json_field "$res" lat_${q}_us)" 'BEGIN {printf "%.1f", u / 1000}')" ms
            done
            record "latency_${rate}_per_s" lost syndrop "$rnd" $(( $(json_field "$res" generated) - $(json_field "$res" delivered) )) events "\"detail\":$res"
            log "latency at $rate/s round $rnd: $res"
        done
    done
    note sink_max_rate "load: bench/synflood.c, raw-socket SYNs (sendmmsg, 64 a call) from one thread to a closed port on a fresh namespace's loopback (NO_SOCKET drops). syndrop: tracepoint mode filtered in the kernel to that namespace -> EventPipeline -> spool -> gRPC -> collector -> JSON file (agent and collector in one JVM, product defaults), after a warm-up load of 20k SYN/s for 10 s that no figure includes (a running agent, not a JVM compiling its hot path). lost = generated - delivered; unaccounted = lost minus the losses syndrop reported by stage (kernel ring buffer, agent queue, agent spool), which must be 0. bpftrace: bench/syndrop.bt printing to a file (-o); its losses are its 'Lost N events' lines."
    note latency "kernel time of the drop (bpf_ktime_get_ns at the drop, turned into wall-clock nanoseconds by the agent's decoder: timeUnixNano) against the wall clock (Instant.now) in the collector's JSON sink right after JsonFileSink.write returned for the group holding the event (before its fsync). Same host, same clock. Product defaults (--batch-linger 2ms, spool fsync per batch). Each run starts with a warm-up load (20k SYN/s for 10 s) left out of every figure; steady_*: drops from the measured run's second second on; cold_*: all of the measured run's drops."
}

# ---- scenario 5: footprint of a lone agent process ------------------------------------------------
# cpu_ticks PID, rss_kib PID
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# The product as it runs on a node: `java <JVM options> -jar syndrop.jar agent`, publishing to a
# separate `syndrop collect`. Peers: `agent` with the options the product ships (scripts/agent.jvmopts,
# which the `syndrop` launcher uses), `agent-jvm-defaults` with none (a bare `java -jar`), and, when
# BENCH_BASELINE_JAR names another build of the jar, `baseline-jar` (that jar, no options): before/after.
scenario_footprint() {
    local rnd port coll peer peers ns jpid tpid hz t0 c0 t1 c1 rss maxrss phase load opts jar
    local shipped; shipped=$(grep -v '^#' scripts/agent.jvmopts | xargs)
    hz=$(getconf CLK_TCK)
    for rnd in $(seq 1 "${BENCH_FOOTPRINT_ROUNDS:-$(( ROUNDS < 2 ? ROUNDS : 2 ))}"); do
        port=$((17400 + RANDOM % 1000))
        java -jar "$JAR" collect --listen "127.0.0.1:$port" --insecure --sink "json:$WORK/fp-$rnd.json" > /dev/null 2> "$WORK/fp-coll-$rnd.err" &
        coll=$!
        for _ in $(seq 1 120); do grep -q "listening" "$WORK/fp-coll-$rnd.err" && break; sleep 0.25; done
        peers="agent agent-jvm-defaults${BENCH_BASELINE_JAR:+ baseline-jar}"
        if (( rnd % 2 == 0 )); then peers=$(echo "$peers" | tr ' ' '\n' | tac | xargs); fi
        for peer in $peers; do
            case $peer in
                agent) jar=$JAR; opts="@scripts/agent.jvmopts" ;;
                agent-jvm-defaults) jar=$JAR; opts="" ;;
                baseline-jar) jar=$BENCH_BASELINE_JAR; opts="" ;;
            esac
            ns=$(new_ns)
            # shellcheck disable=SC2086 # opts is zero or one word
            java $opts -jar "$jar" agent --collector "127.0.0.1:$port" --insecure --netns "$ns" \
                --spool-dir "$WORK/fp-spool-$peer-$rnd" --duration "$((3 * IDLE + 60))s" \
                > "$WORK/fp-$peer-$rnd.out" 2> "$WORK/fp-$peer-$rnd.err" &
            jpid=$!
            for _ in $(seq 1 240); do grep -q "^attached" "$WORK/fp-$peer-$rnd.err" && break; sleep 0.25; done
            grep -q "^attached" "$WORK/fp-$peer-$rnd.err" || { echo "bench/run.sh: agent ($peer) did not attach:" >&2; cat "$WORK/fp-$peer-$rnd.err" >&2; exit 1; }
            sleep 5
            # idle: the first minute after attaching (the JIT still compiles); idle_steady: the next one.
            for phase in idle idle_steady 10k_per_s; do
                c0=$(cpu_ticks "$jpid"); t0=$(date +%s.%N); maxrss=0
                load=""
                if [[ $phase == 10k_per_s ]]; then
                    ip netns exec "$ns" "$WORK/bin/synflood" 127.0.0.1 127.0.0.1 9 20000 20000 0 10000 "$IDLE" > /dev/null &
                    load=$!
                else
                    # which threads spent the idle CPU (raw file only; it reads /proc twice, costs nothing)
                    python3 bench/threadcpu.py "$jpid" "$IDLE" > "$WORK/fp-threads-$peer-$rnd-$phase.txt" 2>&1 &
                fi
                for _ in $(seq 1 "$IDLE"); do
                    sleep 1
                    rss=$(rss_kib "$jpid")
                    if (( rss > maxrss )); then maxrss=$rss; fi
                done
                if [[ -n $load ]]; then wait "$load" || true; fi
                c1=$(cpu_ticks "$jpid"); t1=$(date +%s.%N)
                record "footprint_$phase" cpu_pct_of_one_core "$peer" "$rnd" "$(awk -v c=$((c1 - c0)) -v hz="$hz" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", 100 * c / hz / (b - a)}')" "%"
                record "footprint_$phase" rss_max "$peer" "$rnd" "$(awk -v r="$maxrss" 'BEGIN {printf "%.1f", r / 1024}')" MiB
                log "footprint $peer $phase round $rnd: cpu ticks $((c1 - c0)) rss max ${maxrss} KiB"
            done
            for phase in idle idle_steady; do
                log "footprint $peer round $rnd, $phase CPU by thread:"; sed 's/^/    /' "$WORK/fp-threads-$peer-$rnd-$phase.txt" >&2
            done
            kill -TERM "$jpid" 2>/dev/null || true
            wait "$jpid" 2>/dev/null || true
            ip netns del "$ns"
        done
        kill -TERM "$coll" 2>/dev/null || true
        wait "$coll" 2>/dev/null || true
    done
    note footprint "the product's agent process (java -jar syndrop.jar agent, attach mode auto, filtered to a fresh namespace with --netns, counter samples of it every 10 s, spool with fsync) publishing to a separate 'syndrop collect' process (JSON sink). Peer agent: the JVM options the product ships (scripts/agent.jvmopts, used by the syndrop launcher and documented in the README): ${shipped}. Peer agent-jvm-defaults: the same jar with no JVM option (here the heap may grow to a quarter of RAM).${BENCH_BASELINE_JAR:+ Peer baseline-jar: $(basename "$BENCH_BASELINE_JAR") (an earlier build) with no JVM option.} CPU from /proc/PID/stat utime+stime over the phase; RSS sampled every second, maximum. idle: ${IDLE} s with no drops, starting 5 s after the agent attached (the JIT is still compiling then); idle_steady: the ${IDLE} s after that. 10k/s: synflood at 10,000 SYN/s to a closed port for ${IDLE} s. Peers one at a time, order alternating per round."
}
