#!/usr/bin/env bash
# foundation.sh: Weft's sleeve data path against plain kernel VXLAN, container to container.
#
#   sudo bench/foundation.sh              # 3 interleaved rounds (a few minutes)
#   sudo ROUNDS=5 bench/foundation.sh     # more rounds
#   sudo UNDERLAY=0 bench/foundation.sh   # without the underlay host->host row
#
# Builds ONE lab of 2 hosts (scripts/lib/lab.sh) and in it:
#   weft:  a Weft router on each host, containers wc1 (10.98.0.1/24) on host 1 and wc2 (10.98.0.2/24)
#          on host 2 attached with `weft attach` (the userspace sleeve: TAP -> UDP 6783 -> TAP);
#   vxlan: in each host a bridge vxb with a VXLAN port (id 42, dstport 4789, local = the host's
#          underlay address, nolearning, a static all-zeros FDB entry to the other host, MTU 1450)
#          and containers vc1 (10.99.0.1/24) / vc2 (10.99.0.2/24) attached to vxb through a veth;
#   underlay (optional): host 1 -> host 2 on eth0, no container, no encapsulation.
# Each round measures every path in turn, from host 1's container to host 2's: ping -c 20 -i 0.05
# (RTT avg) and iperf3 TCP, one stream, 10 s (server in the target container). Prints a markdown
# table of the medians over the rounds and the Weft/VXLAN throughput ratio. Progress goes to
# stderr, the table to stdout. Everything is removed on exit (trap -> lab_down). Exit 0 when the
# table could be printed (a failed measurement shows as n/a).
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "foundation.sh: needs root (network namespaces)" >&2
    exit 1
fi
ROUNDS=${ROUNDS:-3}
UNDERLAY=${UNDERLAY:-1}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "foundation.sh: ROUNDS must be a positive integer" >&2; exit 2; }
command_line="ROUNDS=$ROUNDS UNDERLAY=$UNDERLAY bench/foundation.sh"

log() { printf 'bench: %s\n' "$*" >&2; }

bash "$root/scripts/setup.sh" >&2
for tool in jq iperf3 ping ip bridge; do
    command -v "$tool" >/dev/null || { echo "foundation.sh: $tool missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"

# shellcheck disable=SC2317 # called by the trap
cleanup() {
    local rc=$?
    trap "" INT TERM   # a second Ctrl-C must not interrupt the clean-up
    trap - EXIT
    lab_down
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab_up 2
h1=$(lab_host 1) h2=$(lab_host 2)

# --- (a) Weft sleeve -------------------------------------------------------------------------------
for i in 1 2; do
    other=$(lab_addr $(( 3 - i )))
    out=$LAB_DIR/launch-h$i.out
    # Output to a file, not a pipe: the daemon would inherit the pipe and keep a reader waiting.
    if ! lab_exec "$(lab_host "$i")" timeout 90 env WEFT_DATA_DIR="$(lab_data_dir "$i")" \
            "$WEFT" launch --data-dir "$(lab_data_dir "$i")" --nickname "host$i" "$other" >"$out" 2>&1; then
        log "host $i: weft launch failed:"; sed 's/^/  /' "$out" >&2
        exit 1
    fi
    log "host $i: weft router up ($(tail -n 1 "$out"))"
done
wc1=$(lab_container 1 wc1) wc2=$(lab_container 2 wc2)
lab_weft 1 attach 10.98.0.1/24 "netns:$wc1" >&2
lab_weft 2 attach 10.98.0.2/24 "netns:$wc2" >&2

# --- (b) kernel VXLAN ------------------------------------------------------------------------------
vc1=$(lab_container 1 vc1) vc2=$(lab_container 2 vc2)
vxlan_host() {   # vxlan_host I CONTAINER_NS ADDRESS
    local i=$1 cns=$2 addr=$3 h other
    h=$(lab_host "$i") other=$(lab_addr $(( 3 - i )))
    ip -n "$h" link add vxb mtu 1450 type bridge
    ip -n "$h" link add vx42 mtu 1450 type vxlan id 42 dstport 4789 local "$(lab_addr "$i")" dev eth0 nolearning
    ip -n "$h" link set vx42 master vxb
    bridge -n "$h" fdb append 00:00:00:00:00:00 dev vx42 dst "$other"
    ip -n "$h" link add vxv mtu 1450 type veth peer name eth0 netns "$cns"
    ip -n "$h" link set vxv master vxb
    ip -n "$h" link set vxv up
    ip -n "$h" link set vx42 up
    ip -n "$h" link set vxb up
    ip -n "$cns" addr add "$addr" dev eth0
    ip -n "$cns" link set eth0 mtu 1450 up
}
vxlan_host 1 "$vc1" 10.99.0.1/24
vxlan_host 2 "$vc2" 10.99.0.2/24

# Paths: name, client netns, server netns, target address.
paths=(weft vxlan)
declare -A client=([weft]=$wc1 [vxlan]=$vc1 [underlay]=$h1)
declare -A server=([weft]=$wc2 [vxlan]=$vc2 [underlay]=$h2)
declare -A target=([weft]=10.98.0.2 [vxlan]=10.99.0.2 [underlay]=$(lab_addr 2))
declare -A label=([weft]="Weft sleeve (MTU 1410)" [vxlan]="kernel VXLAN (MTU 1450)" [underlay]="underlay host→host")
(( UNDERLAY )) && paths+=(underlay)

# Reachability (the Weft mesh needs a moment after launch), then an iperf3 server per target.
for p in "${paths[@]}"; do
    for (( t = 0; t < 30; t++ )); do
        lab_exec "${client[$p]}" ping -c 1 -W 1 "${target[$p]}" >/dev/null 2>&1 && break
    done
    if (( t == 30 )); then log "$p: ${target[$p]} NOT reachable after 30 probes"; else log "$p: ${target[$p]} reachable ($t lost probes)"; fi
    lab_exec "${server[$p]}" iperf3 -s -D --pidfile "$LAB_DIR/iperf3-$p.pid" >/dev/null 2>&1
done
sleep 0.5

fmt() { [[ $1 == n/a ]] && echo n/a || printf "%.${2}f" "$1"; }

# Results: one line per measurement, "path metric value" (value n/a when it failed).
results=$LAB_DIR/results
: >"$results"
measure() {   # measure PATH ROUND
    local p=$1 r=$2 rtt gbps json
    json=$LAB_DIR/iperf3-$p-$r.json
    rtt=$(lab_exec "${client[$p]}" ping -q -c 20 -i 0.05 -W 1 "${target[$p]}" 2>/dev/null \
          | awk -F'/' '/^rtt|^round-trip/ { print $5 }') || true
    [[ -n $rtt ]] || rtt=n/a
    if lab_exec "${client[$p]}" timeout 40 iperf3 -J -c "${target[$p]}" -t 10 >"$json" 2>&1; then
        gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$json" 2>/dev/null) || gbps=n/a
    else
        gbps=n/a
        log "$p round $r: iperf3 failed: $(jq -r '.error // empty' "$json" 2>/dev/null | head -c 200)"
    fi
    printf '%s rtt %s\n%s gbps %s\n' "$p" "$rtt" "$p" "$gbps" >>"$results"
    log "round $r $p: $(fmt "$gbps" 2) Gbit/s, ping avg ${rtt} ms"
}
for (( r = 1; r <= ROUNDS; r++ )); do
    # Interleaved, and the order rotates each round so that no path always runs first.
    n=${#paths[@]}
    for (( k = 0; k < n; k++ )); do measure "${paths[(k + r - 1) % n]}" "$r"; done
done

median() {   # median PATH METRIC: median of the numeric values, n/a when there are none
    awk -v p="$1" -v m="$2" '$1 == p && $2 == m && $3 != "n/a" { print $3 }' "$results" | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a";
                 else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "## Weft foundation benchmark: container on host 1 → container on host 2"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- nproc: $(nproc), kernel: $(uname -r), commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- command: \`sudo $command_line\`"
echo "- medians of $ROUNDS interleaved rounds; iperf3 TCP 1 stream 10 s; ping -c 20 -i 0.05"
echo
echo "| path | TCP 1 stream Gbit/s | ping RTT avg ms |"
echo "|---|---|---|"
for p in "${paths[@]}"; do
    printf '| %s | %s | %s |\n' "${label[$p]}" "$(fmt "$(median "$p" gbps)" 2)" "$(fmt "$(median "$p" rtt)" 3)"
done
w=$(median weft gbps) v=$(median vxlan gbps)
echo
if [[ $w != n/a && $v != n/a ]]; then
    echo "Weft sleeve / kernel VXLAN throughput: $(awk -v w="$w" -v v="$v" 'BEGIN { printf "%.3f (%.1f %%)", w / v, 100 * w / v }')"
else
    echo "Weft sleeve / kernel VXLAN throughput: n/a (a path has no measurement)"
fi
echo
echo "Per round (Gbit/s, ms):"
for p in "${paths[@]}"; do
    printf -- '- %s: %s Gbit/s; %s ms\n' "$p" \
        "$(awk -v p="$p" '$1 == p && $2 == "gbps" { printf "%s%s", (n++ ? ", " : ""), ($3 == "n/a" ? $3 : sprintf("%.2f", $3)) }' "$results")" \
        "$(awk -v p="$p" '$1 == p && $2 == "rtt" { printf "%s%s", (n++ ? ", " : ""), $3 }' "$results")"
done
exit 0
