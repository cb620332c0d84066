#!/usr/bin/env bash
# sleeve-latency.sh: the sleeve's round trip against kernel VXLAN, in one run, container to container: ping at
# 5, 20, 100 and 500 per second, and at 20 per second beside a bulk TCP stream on the same path (with that stream's
# throughput); and what the routers cost in CPU meanwhile. Unencrypted and encrypted sleeve pairs. A benchmark: it
# prints, it asserts nothing. bench/sleeve-trace.sh shows where one ping's time goes.
#
#   sudo bench/sleeve-latency.sh                 # 3 interleaved rounds (~6 min)
#   sudo ROUNDS=1 bench/sleeve-latency.sh
#   sudo WARMUP=30 bench/sleeve-latency.sh      # seconds of TCP, then of 64-byte UDP, per path before round 1
#                                                # (default 10), and 2000 pings at 1000/s
#   sudo WEFT_ROUTER_JAVA_OPTS=... bench/sleeve-latency.sh   # JVM options for every router (an experiment's switch)
#   sudo COMPARE_JAVA_OPTS=-Dweft.gcm=JDK bench/sleeve-latency.sh   # and a second encrypted pair with these JVM
#                                                # options on hosts 7-8, measured in the same rounds
#
# Lab (scripts/lib/lab.sh): hosts 1-2 kernel VXLAN (as bench/lab.sh builds it); 3-4 Weft without a password and
# 5-6 with one, both --no-fastdp. Prints, per path, the median over the rounds of ping's average and minimum RTT
# at each rate, and the CPU seconds per second the two routers of the pair used while the 20/s ping ran.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "sleeve-latency.sh: needs root (network namespaces)" >&2
    exit 1
fi
ROUNDS=${ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "sleeve-latency.sh: ROUNDS must be a positive integer" >&2; exit 2; }
WARMUP=${WARMUP:-10}
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "sleeve-latency.sh: WARMUP must be a whole number of seconds" >&2; exit 2; }
for tool in iperf3 ping ip bridge; do command -v "$tool" >/dev/null || { echo "sleeve-latency.sh: needs $tool" >&2; exit 1; }; done
bash "$root/scripts/setup.sh" >/dev/null
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
log() { printf 'sleeve-latency: %s\n' "$*" >&2; }
trap lab_down EXIT
COMPARE_JAVA_OPTS=${COMPARE_JAVA_OPTS:-}
lab_up $([[ -n $COMPARE_JAVA_OPTS ]] && echo 8 || echo 6)

# --- kernel VXLAN on hosts 1-2, as bench/lab.sh builds it ----------------------------------------------
declare -A client=() server=() target=() label=()
client[vxlan]=$(lab_container 1 vc1) server[vxlan]=$(lab_container 2 vc2) target[vxlan]=10.99.0.2
lab_vxlan_host 1 2 "${client[vxlan]}" 10.99.0.1/24
lab_vxlan_host 2 1 "${server[vxlan]}" 10.99.0.2/24
label[vxlan]="kernel VXLAN"

# --- Weft pairs ------------------------------------------------------------------------------------------
password=sleeve-latency-bench-password
pair() {   # pair PATH FIRST_HOST ENCRYPTED(yes|no) LABEL [JAVA_OPTS]
    local p=$1 i=$2 enc=$3 opts=${5:-${WEFT_ROUTER_JAVA_OPTS:-}} made
    local -a envs=()
    [[ $enc == yes ]] && envs+=("WEFT_PASSWORD=$password")
    [[ -n $opts ]] && envs+=("WEFT_ROUTER_JAVA_OPTS=$opts")
    made=$(lab_sleeve_pair "$i" "${envs[@]}") || exit 1
    read -r "client[$p]" "server[$p]" "target[$p]" <<<"$made"
    label[$p]=$4
}
pair sleeve 3 no "Weft sleeve, unencrypted"
pair encrypted 5 yes "Weft sleeve, encrypted AES-256-GCM"
declare -A first_host=([vxlan]=1 [sleeve]=3 [encrypted]=5)
paths=(vxlan sleeve encrypted)
if [[ -n $COMPARE_JAVA_OPTS ]]; then
    pair compared 7 yes "Weft sleeve, encrypted, with $COMPARE_JAVA_OPTS" "$COMPARE_JAVA_OPTS"
    first_host[compared]=7
    paths+=(compared)
fi
for p in "${paths[@]}"; do
    lab_await_ping "${client[$p]}" "${target[$p]}" 30 >/dev/null || { log "$p: ${target[$p]} not reachable"; exit 1; }
    lab_exec "${server[$p]}" iperf3 -s -D --pidfile "$LAB_DIR/iperf3-$p.pid" >/dev/null 2>&1
done
sleep 0.5

# The routers' pids of a pair (none for VXLAN), from the hosts' API records.
router_pids() {
    local i=${first_host[$1]}
    [[ $1 == vxlan ]] && return 0
    for h in "$i" $((i + 1)); do jq -r .pid "$(lab_data_dir "$h")/api.json" 2>/dev/null || true; done
}
cpu_ticks() {   # cpu_ticks PID...: utime + stime of all, in clock ticks
    local total=0 pid
    for pid in "$@"; do
        [[ -r /proc/$pid/stat ]] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}
ping_stats() {   # ping_stats NS TARGET INTERVAL COUNT: "avg min" in ms
    lab_exec "$1" ping -q -c "$4" -i "$3" -W 1 "$2" 2>/dev/null | awk -F'[/ ]+' '/^rtt|^round-trip/ { print $8, $7 }'
}

results=$LAB_DIR/results
: >"$results"
rates=("5:0.2:20" "20:0.05:40" "100:0.01:100" "500:0.002:250")
hz=$(getconf CLK_TCK)
# Warm up the JIT on every path: the routers' code for large and small frames alike reaches C2 and settles (with
# the 3 s of TCP and 500 pings this had before, round 1 of a run came out ~1.7 times slower than round 3).
if (( WARMUP > 0 )); then
    for p in "${paths[@]}"; do
        log "warm-up: $p, $WARMUP s of TCP, $WARMUP s of 64-byte UDP, 2000 pings"
        lab_exec "${client[$p]}" iperf3 -c "${target[$p]}" -t "$WARMUP" >/dev/null 2>&1 || true
        lab_exec "${client[$p]}" iperf3 -c "${target[$p]}" -t "$WARMUP" -u -l 64 -b 0 >/dev/null 2>&1 || true
        ping_stats "${client[$p]}" "${target[$p]}" 0.001 2000 >/dev/null || true
    done
fi
for (( r = 1; r <= ROUNDS; r++ )); do
    order=("${paths[@]:r % ${#paths[@]}}" "${paths[@]:0:r % ${#paths[@]}}")
    for p in "${order[@]}"; do
        for rate in "${rates[@]}"; do
            IFS=: read -r per interval count <<<"$rate"
            mapfile -t pids < <(router_pids "$p")
            before=$(cpu_ticks "${pids[@]}")
            stats=$(ping_stats "${client[$p]}" "${target[$p]}" "$interval" "$count") || stats=
            after=$(cpu_ticks "${pids[@]}")
            echo "$p ping$per ${stats:-n/a n/a}" >>"$results"
            if [[ $per == 20 ]]; then
                # the idle cost: CPU seconds per second of the two routers while 20 pings a second go through
                awk -v t=$((after - before)) -v hz="$hz" -v s="$(awk -v c="$count" -v i="$interval" 'BEGIN { print c * i }')" \
                    -v p="$p" 'BEGIN { printf "%s cpu20 %.4f\n", p, t / hz / s }' >>"$results"
            fi
        done
        lab_exec "${client[$p]}" iperf3 -c "${target[$p]}" -t 8 -J >"$LAB_DIR/bulk-$p-$r.json" 2>/dev/null &
        bulk=$!
        sleep 1
        stats=$(ping_stats "${client[$p]}" "${target[$p]}" 0.05 100) || stats=
        wait "$bulk" || true
        echo "$p bulk ${stats:-n/a n/a}" >>"$results"
        echo "$p tcp $(jq -r '.end.sum_received.bits_per_second / 1e9' "$LAB_DIR/bulk-$p-$r.json" 2>/dev/null || echo n/a)" >>"$results"
        log "round $r $p: $(grep "^$p " "$results" | tail -n 7 | awk '{ printf "%s %s/%s  ", $2, $3, $4 }')"
    done
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print v[int((NR + 1) / 2)] }'; }
value() {   # value PATH METRIC FIELD: the median over the rounds
    awk -v p="$1" -v m="$2" -v f="$3" '$1 == p && $2 == m && $f != "n/a" { print $f }' "$results" | median
}
echo "## Sleeve round trip against kernel VXLAN ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "- \`ROUNDS=$ROUNDS WARMUP=$WARMUP bench/sleeve-latency.sh\`${WEFT_ROUTER_JAVA_OPTS:+ (WEFT_ROUTER_JAVA_OPTS=$WEFT_ROUTER_JAVA_OPTS)}${COMPARE_JAVA_OPTS:+ (COMPARE_JAVA_OPTS=$COMPARE_JAVA_OPTS)}; medians of $ROUNDS interleaved rounds; ping avg / min in ms; CPU: both routers, seconds per second, during the 20/s ping"
echo
echo "| path | 5/s | 20/s | 100/s | 500/s | 20/s beside bulk TCP | that TCP, Gbit/s | CPU at 20/s |"
echo "|---|---|---|---|---|---|---|---|"
for p in "${paths[@]}"; do
    row="| ${label[$p]} |"
    for m in ping5 ping20 ping100 ping500 bulk; do row+=" $(value "$p" "$m" 3) / $(value "$p" "$m" 4) |"; done
    tcp=$(value "$p" tcp 3)
    row+=" $([[ $tcp == n/a ]] && echo n/a || printf '%.2f' "$tcp") | $([[ $p == vxlan ]] && echo - || value "$p" cpu20 3) |"
    echo "$row"
done
