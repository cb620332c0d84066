#!/usr/bin/env bash
# sleeve-trace.sh: where one ping's round trip goes through two sleeve routers: a timestamped trace (perf, kernel
# tracepoints: scheduler wake-ups and switches, the frame on each device, and the routers' system calls) of one
# ping from host 1's container to host 2's, printed in microseconds from the moment the request enters host 1's TAP.
# A diagnosis tool: it prints, it asserts nothing.
#
#   sudo bench/sleeve-trace.sh                  # unencrypted pair, after 2000 pings of warm-up
#   sudo ENCRYPTED=1 bench/sleeve-trace.sh
#   sudo WARMUP=0 bench/sleeve-trace.sh         # a cold router
#
# How to read it: "wakeup" names the thread woken and "switch" when it gets a CPU; "read"/"write" are the TAP,
# "poll" the wait, "recvmmsg"/"sendmmsg" the UDP socket; net_dev_queue/netif_receive_skb show the frame on each
# device (weft-sleeve is the TAP, eth0/h1/h2 the underlay, vethwl*/ethwe the container's link). The time between a
# thread's system calls is its own work.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "sleeve-trace.sh: needs root (network namespaces, perf)" >&2
    exit 1
fi
command -v perf >/dev/null || { echo "sleeve-trace.sh: needs perf (Debian: linux-perf)" >&2; exit 1; }
ENCRYPTED=${ENCRYPTED:-}
WARMUP=${WARMUP:-2000}
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "sleeve-trace.sh: WARMUP must be a number of pings" >&2; exit 2; }
bash "$root/scripts/setup.sh" >/dev/null
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
work=$(mktemp -d /tmp/weft-trace.XXXXXX)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
lab_up 2
envs=()
[[ -n $ENCRYPTED ]] && envs+=("WEFT_PASSWORD=sleeve-trace-password")
pair=$(lab_sleeve_pair 1 "${envs[@]}") || exit 1
read -r c1 c2 target <<<"$pair"
lab_await_ping "$c1" "$target" 30 >/dev/null
(( WARMUP == 0 )) || lab_exec "$c1" ping -q -c "$WARMUP" -i 0.005 "$target" >/dev/null 2>&1 || true
sleep 1 # quiet before the traced ping
perf record -q -a -o "$work/perf.data" -e sched:sched_wakeup,sched:sched_switch,net:net_dev_queue,net:netif_receive_skb,raw_syscalls:sys_exit \
    -- ip netns exec "$c1" ping -c 1 -W 1 "$target" >"$work/ping.out" 2>&1
echo "## One ping through two Weft sleeve routers${ENCRYPTED:+ (encrypted)} ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "$(grep -o 'time=.*' "$work/ping.out" || echo 'no reply') as ping saw it; microseconds from the request's entry into host 1's TAP:"
echo
# The syscalls a sleeve thread makes: 0 read, 1 write, 7 poll, 299 recvmmsg, 307 sendmmsg; the spin's empty polls are left out.
perf script -i "$work/perf.data" -F comm,tid,time,event,trace 2>/dev/null | awk '
    function name(nr) { return nr == 0 ? "read" : nr == 1 ? "write" : nr == 7 ? "poll" : nr == 299 ? "recvmmsg" : nr == 307 ? "sendmmsg" : "" }
    $4 !~ /^(sched|net|raw_syscalls):/ { next } # a thread name with a space shifts the fields: not one of ours
    /net_dev_queue: dev=weft-sleeve/ && /ping/ && start == 0 { start = $3 + 0 }
    start == 0 || done { next } # read to the end all the same: leaving early would fail perf script with SIGPIPE
    {
        t = ($3 + 0 - start) * 1e6; what = ""
        if ($4 ~ /sys_exit/) {
            if ($1 !~ /^weft-sleeve/) next
            match($0, /NR [0-9]+ = -?[0-9]+/); split(substr($0, RSTART, RLENGTH), f, " ")
            if (name(f[2]) == "" || (f[2] == 7 && f[4] == 0)) next
            what = name(f[2]) " = " f[4]
        } else if ($4 ~ /sched_wakeup/) {
            match($0, /comm=[^ ]+ pid=[0-9]+/); what = "wakeup " substr($0, RSTART, RLENGTH)
        } else if ($4 ~ /sched_switch/) {
            match($0, /next_comm=[^ ]+ next_pid=[0-9]+/); what = "switch to " substr($0, RSTART + 5, RLENGTH - 5)
            if (what !~ /weft-sleeve|ping/) next
        } else {
            match($0, /dev=[^ ]+/); what = $4 " " substr($0, RSTART, RLENGTH)
        }
        printf "%8.1f  %-16s %-7s %s\n", t, $1, $2, what
        if ($4 ~ /sched_wakeup/ && $0 ~ /comm=ping/) done = 1
    }'
