#!/usr/bin/env bash
# dns.sh: Weft DNS against dnsmasq serving the same 1000 names (dnsmasq from a hosts file), on one lab host, same
# machine, same run: dnsperf at its default 100 queries outstanding (the most each server answers per second) and
# at a fixed 5000 queries per second (latency where neither is saturated), in interleaved rounds. Prints queries
# per second, loss, and latency percentiles for each. A benchmark: it prints, it asserts nothing.
#
#   sudo bench/dns.sh                 # 3 rounds of 10 s per server and load
#   sudo ROUNDS=1 DURATION=5 bench/dns.sh
#
# Lab (scripts/lib/lab.sh): one host; its router answers on 127.0.0.1:53 (--dns-listen-address), dnsmasq on
# 127.0.0.1:5353; dnsperf runs in the same namespace, querying the 1000 names in random order.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "dns.sh: needs root (network namespaces)" >&2
    exit 1
fi
ROUNDS=${ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "dns.sh: ROUNDS must be a positive integer" >&2; exit 2; }
DURATION=${DURATION:-10}
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "dns.sh: DURATION must be a positive number of seconds" >&2; exit 2; }
NAMES=1000
bash "$root/scripts/setup.sh" >/dev/null
for tool in dnsperf dnsmasq curl; do command -v "$tool" >/dev/null || { echo "dns.sh: needs $tool" >&2; exit 1; }; done
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
log() { printf 'dns: %s\n' "$*" >&2; }
dnsmasq_pid=
stop() {
    [[ -n $dnsmasq_pid ]] && { kill "$dnsmasq_pid" 2>/dev/null || true; wait "$dnsmasq_pid" 2>/dev/null || true; }
    lab_down
}
trap stop EXIT
lab_up 1
host=$(lab_host 1) dir=$(lab_data_dir 1)
lab_launch 1 --no-fastdp --dns-listen-address 127.0.0.1:53 >/dev/null

hosts=$dir/bench-hosts queries=$dir/bench-queries
: > "$hosts"
log "putting $NAMES names on Weft DNS (the router's API) and in dnsmasq's hosts file"
for i in $(seq 1 "$NAMES"); do
    address="10.40.$((i / 256)).$((i % 256))"
    printf '%s name-%d.weft.local\n' "$address" "$i" >> "$hosts"
    lab_exec "$host" curl -sf -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"name\":\"name-$i\",\"addresses\":[\"$address\"]}" http://127.0.0.1:6784/dns/add \
        || { log "adding name-$i through the API failed"; exit 1; }
done
seq 1 "$NAMES" | shuf --random-source=<(yes) | awk '{ printf "name-%d.weft.local A\n", $1 }' > "$queries"
lab_exec "$host" dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$hosts" --listen-address=127.0.0.1 \
    --bind-interfaces --port=5353 --user=root --pid-file="$dir/dnsmasq.pid" > "$dir/dnsmasq.log" 2>&1 &
dnsmasq_pid=$!
for server in 53 5353; do # both answer before measuring; and a warm-up for the JIT
    lab_exec "$host" dnsperf -s 127.0.0.1 -p "$server" -d "$queries" -l 5 > /dev/null 2>&1 \
        || { log "dnsperf against port $server failed"; exit 1; }
done

# one dnsperf run: PORT [dnsperf options]; prints "QPS LOST_PERCENT P50_MS P99_MS MAX_MS"
measure() {
    local port=$1 out qps lost
    shift
    out=$dir/dnsperf.out
    lab_exec "$host" dnsperf -s 127.0.0.1 -p "$port" -d "$queries" -l "$DURATION" -v "$@" > "$out" 2>/dev/null
    qps=$(awk '/Queries per second:/ { print $4 }' "$out")
    lost=$(awk '/Queries lost:/ { gsub(/[()%]/, "", $4); print $4 }' "$out")
    awk '/^> / { print $NF * 1000 }' "$out" | sort -n | awk -v qps="$qps" -v lost="$lost" '{ v[NR] = $1 }
        END { printf "%.0f %s %.3f %.3f %.3f\n", qps, lost, v[int(NR * 0.50) + 1], v[int(NR * 0.99) + 1], v[NR] }'
}
declare -A results=()
for round in $(seq 1 "$ROUNDS"); do
    for load in max fixed; do
        for server in weft dnsmasq; do
            port=$([[ $server == weft ]] && echo 53 || echo 5353)
            opts=()
            [[ $load == fixed ]] && opts=(-Q 5000)
            row=$(measure "$port" "${opts[@]}")
            log "round $round, $load load, $server: $row"
            results[$server,$load]+="$row"$'\n'
        done
    done
done

median() { awk 'NF' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "## Weft DNS and dnsmasq, the same $NAMES names ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD), $ROUNDS rounds of ${DURATION} s)"
printf '%-8s %-28s %10s %7s %9s %9s %9s\n' server load "queries/s" "lost %" "p50 ms" "p99 ms" "max ms"
for load in max fixed; do
    for server in weft dnsmasq; do
        rows=${results[$server,$load]}
        printf '%-8s %-28s %10s %7s %9s %9s %9s\n' "$server" \
            "$([[ $load == max ]] && echo "100 outstanding (saturated)" || echo "5000 queries/s")" \
            "$(cut -d' ' -f1 <<<"$rows" | median)" "$(cut -d' ' -f2 <<<"$rows" | median)" "$(cut -d' ' -f3 <<<"$rows" | median)" \
            "$(cut -d' ' -f4 <<<"$rows" | median)" "$(cut -d' ' -f5 <<<"$rows" | median)"
    done
done
echo "(medians over the rounds; per round on stderr)"
