#!/usr/bin/env bash
# sleeve-cpus.sh: does the sleeve's round trip suffer from the routers' other threads? One lab, one sleeve pair, and
# ping through it in alternating blocks: the routers' threads where the kernel puts them ("shared"), then both routers'
# sleeve threads on the last CPU and all their other threads (mesh loop, link warden, HTTP, the JVM's compilers and
# collector) on the others ("split"). A diagnosis tool: it prints, it asserts nothing.
#
#   sudo bench/sleeve-cpus.sh                   # unencrypted pair, 4 blocks of each placement
#   sudo ENCRYPTED=1 BLOCKS=6 bench/sleeve-cpus.sh
#
# Each block: 100 pings at 5/s, then 500 at 500/s; avg / min ms as ping reports them. The pair is warmed up first
# (10 s of TCP, 10 s of 64-byte UDP, 2000 pings) so that the JIT has settled.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "sleeve-cpus.sh: needs root (network namespaces, thread affinity)" >&2
    exit 1
fi
ENCRYPTED=${ENCRYPTED:-}
BLOCKS=${BLOCKS:-4}
[[ $BLOCKS =~ ^[1-9][0-9]*$ ]] || { echo "sleeve-cpus.sh: BLOCKS must be a positive integer" >&2; exit 2; }
cpus=$(nproc)
(( cpus >= 2 )) || { echo "sleeve-cpus.sh: needs 2 CPUs or more to split the threads" >&2; exit 1; }
for tool in iperf3 ping taskset; do command -v "$tool" >/dev/null || { echo "sleeve-cpus.sh: needs $tool" >&2; exit 1; }; done
bash "$root/scripts/setup.sh" >/dev/null
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
log() { printf 'sleeve-cpus: %s\n' "$*" >&2; }
trap lab_down EXIT
lab_up 2
envs=()
[[ -n $ENCRYPTED ]] && envs+=("WEFT_PASSWORD=sleeve-cpus-password")
pair=$(lab_sleeve_pair 1 "${envs[@]}") || exit 1
read -r c1 c2 target <<<"$pair"
lab_await_ping "$c1" "$target" 30 >/dev/null
lab_exec "$c2" iperf3 -s -D --pidfile "$LAB_DIR/iperf3.pid" >/dev/null 2>&1
sleep 0.5
log "warm-up: 10 s of TCP, 10 s of 64-byte UDP, 2000 pings"
lab_exec "$c1" iperf3 -c "$target" -t 10 >/dev/null 2>&1 || true
lab_exec "$c1" iperf3 -c "$target" -t 10 -u -l 64 -b 0 >/dev/null 2>&1 || true
lab_exec "$c1" ping -q -c 2000 -i 0.001 "$target" >/dev/null 2>&1 || true

routers=()
for pid in $(lab_pids_in "$(lab_host 1)" "$(lab_host 2)"); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == java ]] && routers+=("$pid")
done
(( ${#routers[@]} == 2 )) || { log "expected 2 router JVMs, found ${#routers[@]}"; exit 1; }
last=$((cpus - 1))
others=0
(( last > 1 )) && others="0-$((last - 1))"
place() {   # place shared|split: sets the affinity of every thread of both routers
    local pid tid comm
    for pid in "${routers[@]}"; do
        for tid in $(ls "/proc/$pid/task"); do
            comm=$(cat "/proc/$pid/task/$tid/comm" 2>/dev/null) || continue   # a thread that just ended
            if [[ $1 == shared ]]; then taskset -pc "0-$last" "$tid" >/dev/null 2>&1 || true
            elif [[ $comm == weft-sleeve* ]]; then taskset -pc "$last" "$tid" >/dev/null 2>&1 || true
            else taskset -pc "$others" "$tid" >/dev/null 2>&1 || true; fi
        done
    done
}
ping_stats() {   # ping_stats COUNT INTERVAL: "avg / min" in ms
    lab_exec "$c1" ping -q -c "$1" -i "$2" -W 1 "$target" 2>/dev/null | awk -F'[/ ]+' '/^rtt|^round-trip/ { print $8 " / " $7 }'
}

echo "## Sleeve round trip, router threads shared or split across CPUs${ENCRYPTED:+ (encrypted)} ($(date -u '+%Y-%m-%d %H:%M UTC'), $cpus cores, commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "- \`${ENCRYPTED:+ENCRYPTED=1 }BLOCKS=$BLOCKS bench/sleeve-cpus.sh\`; split: the sleeve threads on CPU $last, the routers' other threads on CPU $others; ping avg / min in ms"
echo
echo "| block | placement | 5/s | 500/s |"
echo "|---|---|---|---|"
for (( b = 1; b <= BLOCKS; b++ )); do
    # the order alternates so that neither placement always runs first
    order=(shared split)
    (( b % 2 == 0 )) && order=(split shared)
    for placement in "${order[@]}"; do
        place "$placement"
        sleep 1
        slow=$(ping_stats 100 0.2) || true
        fast=$(ping_stats 500 0.002) || true
        slow=${slow:-n/a} fast=${fast:-n/a}
        echo "| $b | $placement | $slow | $fast |"
        echo "$placement ${slow%% *} ${fast%% *}" >>"$LAB_DIR/averages"
    done
done
place shared
median() { sort -n | awk '$1 != "n/a" { v[++n] = $1 } END { if (n == 0) print "n/a"; else print v[int((n + 1) / 2)] }'; }
echo
for placement in shared split; do
    echo "- $placement: median of the blocks' averages $(awk -v p="$placement" '$1 == p { print $2 }' "$LAB_DIR/averages" | median) ms at 5/s, $(awk -v p="$placement" '$1 == p { print $3 }' "$LAB_DIR/averages" | median) ms at 500/s"
done
