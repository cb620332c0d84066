#!/usr/bin/env bash
# lab.sh: Weft's data paths — the kernel fast path, the sleeve plain and encrypted — against the
# underlay, plain kernel VXLAN and tinc 1.0, container to container, on TCP, TCP x4, small-packet UDP
# and ping.
#
#   sudo bench/lab.sh                       # 3 interleaved rounds, 10 s per iperf3 test (~10 min)
#   sudo ROUNDS=3 DURATION=5 bench/lab.sh   # shorter (~5 min)
#   sudo TINC_CIPHER=blowfish TINC_DIGEST=sha1 bench/lab.sh   # tinc 1.0's own defaults
#   sudo JFR_DIR=/tmp/jfr bench/lab.sh      # also a flight recording of the encrypted routers
#   sudo WARMUP=0 bench/lab.sh              # no warm-up of the Weft routers before the first round
#   sudo BASELINE=/work/weft-old bench/lab.sh   # and another build's Weft pairs in the same rounds, to compare
#   sudo PATHS="vxlan weftenc" bench/lab.sh     # only these paths (of: underlay vxlan weftfast weft weftenc tinc)
#
# Builds ONE lab of 6 hosts (12 with BASELINE, below; scripts/lib/lab.sh, all on one underlay bridge) and in it:
#   underlay:  host 1 -> host 2 on eth0, no container, no encapsulation;
#   vxlan:     hosts 1-2: bridge vxb with a VXLAN port (id 42, dstport 4789, nolearning, a static
#              all-zeros FDB entry to the other host, MTU 1450), containers vc1 10.99.0.1/24 and
#              vc2 10.99.0.2/24 on vxb through a veth;
#   weft:      hosts 1-2: Weft routers WITHOUT a password and with --no-fastdp (unencrypted sleeve),
#              containers wc1 and wc2 attached with `weft attach` (addresses from Weft's allocator);
#   weft-fast: hosts 5-6: Weft routers WITHOUT a password, fast path on (the default): the pair
#              runs on the kernel VXLAN port weft-vxlan; containers fc5 and fc6, attached the same way;
#   weft-enc:  hosts 3-4: a separate Weft mesh WITH a password (WEFT_PASSWORD, default a fixed
#              bench password; AES-256-GCM sleeve), containers ec3 and ec4, attached the same way;
#   tinc:      hosts 3-4: tincd 1.0 in switch mode, encrypted (Cipher TINC_CIPHER, default
#              aes-256-cbc; Digest TINC_DIGEST, default sha256), UDP port 655, tap device tinc0 with
#              MTU 1400 as a port of a bridge tb; containers tc3 10.98.0.3/24 and tc4 10.98.0.4/24
#              on tb through a veth (MTU 1400) — the same container -> veth -> bridge shape as the
#              VXLAN path, not addresses on the tap itself. Config, keys (tincd -K), pid and log
#              files live in the lab directory; nothing is written to /etc/tinc.
# Before the first round, each sleeve path carries WARMUP s (default 5) of TCP and of small UDP packets that
# are not measured: a router that has run for a while has its hot code compiled (JIT), a fresh one does not.
# The routers and tincd of the paths not being measured sit idle. Each round measures every path
# in turn (the order rotates each round), from host 1's (or 3's) container to host 2's (or 4's):
#   ping -c 20 -i 0.05 (RTT avg); iperf3 TCP 1 stream and -P 4, DURATION s each;
#   iperf3 UDP -l 64 -b 0 (unlimited), DURATION s: packets per second the receiver got, and loss %.
# During the TCP 1-stream test of each sleeve path the script also counts what the path's two routers spent: CPU
# seconds (user + system, from /proc/PID/stat) and system calls (perf stat -e raw_syscalls:sys_enter, when perf
# can count tracepoints here; else n/a), each divided by the gigabytes iperf3 carried (10^9 bytes received):
# machine-independent figures of the cost per byte, in a second table.
# Prints a markdown table of the medians over the rounds, the ratios Weft encrypted / kernel VXLAN
# and Weft encrypted / tinc, and the per-round values. Progress goes to stderr, the table to stdout.
# Everything is removed on exit (trap -> tincd stopped, lab_down). A failed measurement shows as n/a.
# With BASELINE, a directory with its own built ./weft launcher (for instance `git worktree add /work/weft-old
# <commit>` built with scripts/setup.sh; only that launcher is used, so a checkout of any layout works), the lab
# has 12 hosts: 7-8, 9-10 and 11-12 run the baseline build's unencrypted sleeve, encrypted sleeve and fast path
# pairs, set up as 1-2, 3-4 and 5-6 are (same options, password and attach). The baseline pairs warm up as the
# current ones do, each is measured right next to its current counterpart in every round (which of the two goes
# first alternates by round), their rows say "(baseline <commit>)", and the summary adds the ratios current /
# baseline, of the medians and round by round. A baseline pair that does not reach the fast path is left out,
# and stderr says so. Without BASELINE nothing changes.
# With JFR_DIR, the encrypted mesh's routers (hosts 3 and 4) run with a JFR recording (settings=profile),
# written to JFR_DIR/host3.jfr and host4.jfr when the lab goes down; the script then prints their hottest
# methods, allocation sites and CPU load (`jfr view`). The recording costs a few per cent of throughput.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "lab.sh: needs root (network namespaces)" >&2
    exit 1
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
TINC_CIPHER=${TINC_CIPHER:-aes-256-cbc}
TINC_DIGEST=${TINC_DIGEST:-sha256}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "lab.sh: ROUNDS must be a positive integer" >&2; exit 2; }
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "lab.sh: DURATION must be a positive integer (seconds)" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "lab.sh: WARMUP must be a whole number of seconds" >&2; exit 2; }
command_line="ROUNDS=$ROUNDS DURATION=$DURATION bench/lab.sh"
(( WARMUP == 5 )) || command_line="WARMUP=$WARMUP $command_line"
[[ $TINC_CIPHER == aes-256-cbc && $TINC_DIGEST == sha256 ]] \
    || command_line="TINC_CIPHER=$TINC_CIPHER TINC_DIGEST=$TINC_DIGEST $command_line"
JFR_DIR=${JFR_DIR:-}
if [[ -n $JFR_DIR ]]; then
    mkdir -p "$JFR_DIR" || { echo "lab.sh: cannot create JFR_DIR $JFR_DIR" >&2; exit 2; }
    JFR_DIR=$(cd "$JFR_DIR" && pwd)
    # shellcheck source=scripts/lib/jdk.sh
    source "$root/scripts/lib/jdk.sh"
    command_line="JFR_DIR=$JFR_DIR $command_line"
fi
BASELINE=${BASELINE:-}
base_commit=''
if [[ -n $BASELINE ]]; then
    BASELINE=$(cd "$BASELINE" 2>/dev/null && pwd) || { echo "lab.sh: BASELINE=$BASELINE is not a directory" >&2; exit 2; }
    [[ -x $BASELINE/weft ]] || { echo "lab.sh: BASELINE $BASELINE has no ./weft launcher" >&2; exit 2; }
    "$BASELINE/weft" --help >/dev/null 2>&1 \
        || { echo "lab.sh: $BASELINE/weft --help fails: is that checkout built (scripts/setup.sh)?" >&2; exit 2; }
    base_commit=$(git -C "$BASELINE" describe --always --dirty 2>/dev/null || echo unknown)
    command_line="BASELINE=$BASELINE $command_line"
fi
# The paths measured, all unless PATHS names some; checked here, before the lab is built.
paths=(underlay vxlan weftfast weft weftenc tinc)
measured() { [[ " ${paths[*]} " == *" $1 "* ]]; }   # measured PATH: whether this run measures PATH
if [[ -n ${PATHS:-} ]]; then
    read -r -a wanted <<<"$PATHS"
    (( ${#wanted[@]} > 0 )) || { echo "lab.sh: PATHS names no path (of: ${paths[*]})" >&2; exit 2; }
    for p in "${wanted[@]}"; do
        measured "$p" || { echo "lab.sh: PATHS: no path $p (there are: ${paths[*]})" >&2; exit 2; }
    done
    paths=("${wanted[@]}")
    command_line="PATHS=\"$PATHS\" $command_line"
fi
ENC_PASSWORD=${WEFT_PASSWORD:-weft-bench-password}
unset WEFT_PASSWORD   # only the encrypted mesh gets it, explicitly

log() { printf 'bench: %s\n' "$*" >&2; }

bash "$root/scripts/setup.sh" >&2
for tool in jq iperf3 ping ip bridge tincd; do
    command -v "$tool" >/dev/null || { echo "lab.sh: $tool missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"

# shellcheck disable=SC2317 # called by cleanup
tinc_stop() {   # stops the tincd processes this script started (by their pid files)
    local f pid
    [[ -n $LAB_DIR ]] || return 0
    for f in "$LAB_DIR"/tinc/*.pid; do
        [[ -f $f ]] || continue
        pid=$(head -n 1 "$f" 2>/dev/null | awk '{ print $1 }')
        if [[ $pid =~ ^[0-9]+$ ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    return 0
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    local rc=$?
    trap "" INT TERM   # a second Ctrl-C must not interrupt the clean-up
    trap - EXIT
    tinc_stop
    if ! lab_down && (( rc == 0 )); then rc=1; fi
    [[ -n $JFR_DIR ]] && jfr_summary
    exit "$rc"
}
# shellcheck disable=SC2317 # called by cleanup
jfr_summary() {   # the encrypted routers' recordings, once the lab is down and they are written
    local i f
    for i in 3 4; do
        f=$JFR_DIR/host$i.jfr
        weft_find_jdk || return 0
        [[ -s $f ]] || { log "no recording at $f"; continue; }
        echo
        echo "### JFR, host $i (encrypted mesh): $f"
        for view in hot-methods allocation-by-site cpu-load; do
            "$WEFT_JDK/bin/jfr" view --width 160 "$view" "$f" 2>&1 | head -n 28 || true
        done
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

hosts=6
[[ -z $BASELINE ]] || hosts=12
lab_up "$hosts"
for (( i = 7; i <= hosts; i++ )); do lab_use_weft "$i" "$BASELINE/weft"; done
h1=$(lab_host 1) h2=$(lab_host 2)

# --- Weft: hosts 1-2 (and 7-8) without a password, 3-4 (9-10) with one, 5-6 (11-12) fast ------------------------
launch() {   # launch I PEER [PASSWORD [OPTION...]]: a Weft router in host I, its only peer PEER
    local i=$1 peer=$2 pw=${3:-} name
    shift 3 2>/dev/null || shift $#
    local -a envs=()
    [[ -n $pw ]] && envs+=("WEFT_PASSWORD=$pw")
    if [[ -n $pw && -n $JFR_DIR ]] && (( i == 3 || i == 4 )); then
        envs+=("WEFT_ROUTER_JAVA_OPTS=-XX:StartFlightRecording=filename=$JFR_DIR/host$i.jfr,settings=profile,dumponexit=true")
    fi
    name=$(lab_launch "$i" "${envs[@]}" --no-discovery "$@" "$peer") || exit 1
    log "host $i: weft router up${pw:+ (encrypted)} ($name)"
}
# Each mesh must really be what its row says: `weft status` shows "Encryption: enabled (...)" or not.
check_encryption() {   # check_encryption I yes|no
    local enc
    enc=$(lab_weft "$1" status 2>/dev/null | awk -F': *' '$1 ~ /Encryption$/ { print $2 }') || true
    log "host $1: encryption: ${enc:-unknown}"
    if [[ $2 == yes ]]; then
        [[ $enc == enabled* ]] || { log "host $1: the sleeve should be encrypted here"; exit 1; }
    else
        [[ -n $enc && $enc != enabled* ]] || { log "host $1: the sleeve should be unencrypted here"; exit 1; }
    fi
}
# The sets of pairs: first host of the pair, container name prefix; the baseline's sit 6 hosts further on.
sets=(0)
[[ -z $BASELINE ]] || sets+=(6)
for o in "${sets[@]}"; do
    launch $((o + 1)) "$(lab_addr $((o + 2)))" "" --no-fastdp
    launch $((o + 2)) "$(lab_addr $((o + 1)))" "" --no-fastdp
    launch $((o + 3)) "$(lab_addr $((o + 4)))" "$ENC_PASSWORD"
    launch $((o + 4)) "$(lab_addr $((o + 3)))" "$ENC_PASSWORD"
    launch $((o + 5)) "$(lab_addr $((o + 6)))" ""
    launch $((o + 6)) "$(lab_addr $((o + 5)))" ""
    check_encryption $((o + 1)) no
    check_encryption $((o + 3)) yes
done
# Containers attached with `weft attach` (addresses from Weft's allocator): the client's, then the server's.
declare -A client=() server=() target=()
attach_pair() {   # attach_pair PATH FIRST_HOST NAME: containers NAME<i> on the pair's two hosts
    local p=$1 i=$2 name=$3
    client[$p]=$(lab_container "$i" "$name$i")
    server[$p]=$(lab_container $((i + 1)) "$name$((i + 1))")
    target[$p]=$(lab_attach $((i + 1)) "${server[$p]}") || exit 1
    lab_attach "$i" "${client[$p]}" >/dev/null || exit 1
}
attach_pair weft 1 wc
attach_pair weftenc 3 ec
attach_pair weftfast 5 fc
if [[ -n $BASELINE ]]; then
    attach_pair bweft 7 bwc
    attach_pair bweftenc 9 bec
    attach_pair bweftfast 11 bfc
fi

# --- kernel VXLAN on hosts 1-2 ----------------------------------------------------------------------
vc1=$(lab_container 1 vc1) vc2=$(lab_container 2 vc2)
lab_vxlan_host 1 2 "$vc1" 10.99.0.1/24
lab_vxlan_host 2 1 "$vc2" 10.99.0.2/24

# --- tinc 1.0 on hosts 3-4 ----------------------------------------------------------------------------
tc3=$(lab_container 3 tc3) tc4=$(lab_container 4 tc4)
mkdir -p "$LAB_DIR/tinc"
tinc_host() {   # tinc_host I OTHER CONTAINER_NS ADDRESS: config, keys, bridge and container of host I
    local i=$1 o=$2 cns=$3 addr=$4 h dir
    h=$(lab_host "$i") dir=$LAB_DIR/tinc/h$i
    mkdir -p "$dir/hosts"
    cat >"$dir/tinc.conf" <<EOF
Name = h$i
Mode = switch
DeviceType = tap
Device = /dev/net/tun
Interface = tinc0
AddressFamily = ipv4
BindToAddress = $(lab_addr "$i")
ConnectTo = h$o
EOF
    printf 'Address = %s\nPort = 655\nCipher = %s\nDigest = %s\n' "$(lab_addr "$i")" "$TINC_CIPHER" "$TINC_DIGEST" \
        >"$dir/hosts/h$i"
    # tinc-up: the tap becomes a port of the bridge tb, with the tinc path's MTU.
    # shellcheck disable=SC2016 # $INTERFACE is for the script, set by tincd
    printf '#!/bin/sh\nip link set "$INTERFACE" mtu 1400 master tb up\n' >"$dir/tinc-up"
    chmod +x "$dir/tinc-up"
    # -K asks where to put the keys only on a terminal; with stdin not a tty it takes the defaults
    # (rsa_key.priv in the config dir, the public key appended to hosts/h$i).
    if ! tincd --config "$dir" --generate-keys=2048 </dev/null >"$LAB_DIR/tinc/keygen-h$i.out" 2>&1; then
        log "host $i: tincd -K failed:"; sed 's/^/  /' "$LAB_DIR/tinc/keygen-h$i.out" >&2
        exit 1
    fi
    ip -n "$h" link add tb mtu 1400 type bridge
    ip -n "$h" link add tv mtu 1400 type veth peer name eth0 netns "$cns"
    ip -n "$h" link set tv master tb
    ip -n "$h" link set tv up
    ip -n "$h" link set tb up
    ip -n "$cns" addr add "$addr" dev eth0
    ip -n "$cns" link set eth0 mtu 1400 up
}
tinc_host 3 4 "$tc3" 10.98.0.3/24
tinc_host 4 3 "$tc4" 10.98.0.4/24
cp "$LAB_DIR/tinc/h3/hosts/h3" "$LAB_DIR/tinc/h4/hosts/h3"
cp "$LAB_DIR/tinc/h4/hosts/h4" "$LAB_DIR/tinc/h3/hosts/h4"
for i in 3 4; do
    # Without -D tincd detaches; its pid file and log stay in the lab directory.
    if ! lab_exec "$(lab_host "$i")" tincd --config "$LAB_DIR/tinc/h$i" --pidfile "$LAB_DIR/tinc/h$i.pid" \
            --logfile="$LAB_DIR/tinc/h$i.log" </dev/null >"$LAB_DIR/tinc/start-h$i.out" 2>&1; then
        log "host $i: tincd failed to start:"; sed 's/^/  /' "$LAB_DIR/tinc/start-h$i.out" "$LAB_DIR/tinc/h$i.log" >&2
        exit 1
    fi
    log "host $i: tincd up (pid $(head -n 1 "$LAB_DIR/tinc/h$i.pid" | awk '{ print $1 }'), cipher $TINC_CIPHER, digest $TINC_DIGEST)"
done

# --- paths: client netns, server netns, target address --------------------------------------------
client+=([underlay]=$h1 [vxlan]=$vc1 [tinc]=$tc3)
server+=([underlay]=$h2 [vxlan]=$vc2 [tinc]=$tc4)
target+=([underlay]=$(lab_addr 2) [vxlan]=10.99.0.2 [tinc]=10.98.0.4)
# The routers each sleeve path runs through, by host number (their JVMs are found in the hosts' namespaces).
declare -A routers_of=([weft]="1 2" [weftenc]="3 4" [bweft]="7 8" [bweftenc]="9 10")
router_pids() {   # router_pids PATH: the pids of the path's router JVMs, comma-separated
    local -a namespaces=() pids=()
    local i pid
    for i in ${routers_of[$1]}; do namespaces+=("$(lab_host "$i")"); done
    for pid in $(lab_pids_in "${namespaces[@]}"); do
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == java ]] && pids+=("$pid")
    done
    local IFS=,
    echo "${pids[*]}"
}
cpu_ticks() {   # cpu_ticks PID,PID...: user + system clock ticks of those processes so far
    local pid total=0 stat
    for pid in ${1//,/ }; do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        stat=${stat##*) }   # after the command name, which may hold spaces: field 3 on
        read -r -a f <<<"$stat"
        total=$(( total + f[11] + f[12] ))   # utime and stime are fields 14 and 15
    done
    echo "$total"
}
perf_counts=0
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -x, -- true >/dev/null 2>&1; then perf_counts=1; fi
mtu_of() { ip -n "${client[$1]}" -o link show ethwe 2>/dev/null | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
declare -A label=(
    [underlay]="underlay host→host"
    [vxlan]="kernel VXLAN (MTU 1450)"
    [weftfast]="Weft fast path, kernel VXLAN programmed by the router (MTU $(mtu_of weftfast))"
    [weft]="Weft sleeve, unencrypted (MTU $(mtu_of weft))"
    [weftenc]="Weft sleeve, encrypted AES-256-GCM (MTU $(mtu_of weftenc))"
    [tinc]="tinc 1.0 switch mode, encrypted $TINC_CIPHER/$TINC_DIGEST (MTU 1400)"
)
declare -A baseline_of=()   # a current Weft path -> the baseline build's same path
if [[ -n $BASELINE ]]; then
    baseline_of=([weftfast]=bweftfast [weft]=bweft [weftenc]=bweftenc)
    for p in weftfast weft weftenc; do
        b=${baseline_of[$p]}
        label[$b]="${label[$p]/(MTU */(MTU $(mtu_of "$b"))} (baseline $base_commit)"
    done
fi

# The fast path rows must really be on the fast path: host 5 says "fast" for its connection to host 6 (11, 12).
await_fast() {   # await_fast I: host I's connection to host I+1 is on the fast path within 30 s
    local i=$1 t
    for (( t = 0; t < 60; t++ )); do
        lab_weft "$i" status connections 2>/dev/null | grep -q "(host$((i + 1))) fast," && break
        sleep 0.5
    done
    if (( t == 60 )); then
        log "host $i: the pair never reached the fast path:"; lab_weft "$i" status connections >&2
        return 1
    fi
    log "host $i: $(lab_weft "$i" status connections 2>/dev/null | grep "(host$((i + 1)))")"
}
await_fast 5 || exit 1
if [[ -n $BASELINE ]] && ! await_fast 11; then
    log "the baseline's fast path pair is left out of the measurements"
    unset 'baseline_of[weftfast]'
fi
rows=()   # the table's order: each baseline row under its current one
for p in "${paths[@]}"; do
    rows+=("$p")
    [[ -z ${baseline_of[$p]:-} ]] || rows+=("${baseline_of[$p]}")
done

# Reachability (the meshes need a moment after launch), then an iperf3 server per target.
for p in "${rows[@]}"; do
    if lost=$(lab_await_ping "${client[$p]}" "${target[$p]}" 30); then
        log "$p: ${target[$p]} reachable ($lost lost probes)"
    else
        log "$p: ${target[$p]} NOT reachable within 30 s"
    fi
    lab_exec "${server[$p]}" iperf3 -s -D --pidfile "$LAB_DIR/iperf3-$p.pid" >/dev/null 2>&1
done
sleep 0.5

fmt() { [[ $1 == n/a ]] && echo n/a || printf "%.${2}f" "$1"; }

# Results: one line per measurement, "path metric value" (value n/a when it failed).
results=$LAB_DIR/results
: >"$results"
record() { printf '%s %s %s %s\n' "$1" "$2" "${3:-n/a}" "$4" >>"$results"; }   # PATH METRIC VALUE ROUND
iperf() {   # iperf PATH ROUND NAME ARGS...: runs the client, prints the JSON file (empty on failure); round 0 is the warm-up
    local p=$1 r=$2 name=$3 json seconds=$DURATION
    shift 3
    (( r == 0 )) && seconds=$WARMUP
    json=$LAB_DIR/iperf3-$p-$r-$name.json
    if lab_exec "${client[$p]}" timeout $(( seconds + 30 )) iperf3 -J -c "${target[$p]}" -t "$seconds" "$@" >"$json" 2>&1; then
        printf '%s\n' "$json"
    else
        log "$p round $r $name: iperf3 failed: $(jq -r '.error // empty' "$json" 2>/dev/null | head -c 200)"
        sleep 1   # let the server notice and get ready for the next test
    fi
}
measure() {   # measure PATH ROUND
    local p=$1 r=$2 rtt json tcp1=n/a tcp4=n/a pps=n/a loss=n/a
    rtt=$(lab_exec "${client[$p]}" ping -q -c 20 -i 0.05 -W 1 "${target[$p]}" 2>/dev/null \
          | awk -F'/' '/^rtt|^round-trip/ { print $5 }') || true
    local pids="" ticks=0 perf_pid="" perf_out=$LAB_DIR/perf-$p-$r.csv cpu=n/a calls=n/a gb
    if [[ -n ${routers_of[$p]:-} ]]; then
        pids=$(router_pids "$p")
        ticks=$(cpu_ticks "$pids")
        if (( perf_counts )) && [[ -n $pids ]]; then
            perf stat -e raw_syscalls:sys_enter -x, -o "$perf_out" -p "$pids" &
            perf_pid=$!
        fi
    fi
    json=$(iperf "$p" "$r" tcp1)
    [[ -n $json ]] && tcp1=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$json" 2>/dev/null || echo n/a)
    if [[ -n $pids ]]; then
        ticks=$(( $(cpu_ticks "$pids") - ticks ))
        if [[ -n $perf_pid ]]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
        gb=$( [[ -n $json ]] && jq -r '.end.sum_received.bytes / 1e9' "$json" 2>/dev/null || echo 0)
        if awk -v g="$gb" 'BEGIN { exit !(g > 0) }'; then
            cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v g="$gb" 'BEGIN { printf "%.3f", t / hz / g }')
            [[ -s $perf_out ]] && calls=$(awk -F, -v g="$gb" '$3 ~ /raw_syscalls:sys_enter/ && $1 ~ /^[0-9]+$/ { printf "%.0f", $1 / g }' "$perf_out")
        fi
        record "$p" cpu_per_gb "$cpu" "$r"; record "$p" calls_per_gb "${calls:-n/a}" "$r"
    fi
    json=$(iperf "$p" "$r" tcp4 -P 4)
    [[ -n $json ]] && tcp4=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$json" 2>/dev/null || echo n/a)
    json=$(iperf "$p" "$r" udp64 -u -l 64 -b 0)
    if [[ -n $json ]]; then
        # .end.sum holds the receiver's counts (the server reports them back): received = sent - lost.
        pps=$(jq -r '.end.sum | (.packets - .lost_packets) / .seconds' "$json" 2>/dev/null || echo n/a)
        loss=$(jq -r '.end.sum.lost_percent' "$json" 2>/dev/null || echo n/a)
    fi
    record "$p" rtt "$rtt" "$r"; record "$p" tcp1 "$tcp1" "$r"; record "$p" tcp4 "$tcp4" "$r"
    record "$p" pps "$pps" "$r"; record "$p" loss "$loss" "$r"
    log "round $r $p: TCP $(fmt "$tcp1" 2) / x4 $(fmt "$tcp4" 2) Gbit/s${pids:+ (routers $cpu CPU s and ${calls:-n/a} system calls per GB)}, UDP 64 B $(fmt "$pps" 0) pps rx ($(fmt "$loss" 1) % loss), ping ${rtt:-n/a} ms"
}
if (( WARMUP > 0 )); then
    for p in weft weftenc; do
        measured "$p" || continue
        for q in "$p" ${baseline_of[$p]:-}; do
            log "warm-up: $q, $WARMUP s of TCP and $WARMUP s of 64-byte UDP, not measured"
            iperf "$q" 0 warmup-tcp >/dev/null
            iperf "$q" 0 warmup-udp -u -l 64 -b 0 >/dev/null
        done
    done
fi
log "measuring: $ROUNDS rounds x ${#rows[@]} paths, iperf3 $DURATION s per test"
for (( r = 1; r <= ROUNDS; r++ )); do
    # Interleaved, and the order rotates each round so that no path always runs first; a baseline path runs
    # right next to its current one, after it in odd rounds and before it in even ones.
    n=${#paths[@]}
    for (( k = 0; k < n; k++ )); do
        p=${paths[(k + r - 1) % n]}
        b=${baseline_of[$p]:-}
        if [[ -z $b ]]; then
            measure "$p" "$r"
        elif (( r % 2 == 1 )); then
            measure "$p" "$r"; measure "$b" "$r"
        else
            measure "$b" "$r"; measure "$p" "$r"
        fi
    done
done

median() {   # median PATH METRIC: median of the numeric values, n/a when there are none
    awk -v p="$1" -v m="$2" '$1 == p && $2 == m && $3 != "n/a" && $3 != "null" { print $3 }' "$results" | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a";
                 else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() {   # ratio A B: "A/B (x %)" of two medians, or n/a
    if [[ $1 != n/a && $2 != n/a ]]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f (%.1f %%)", a / b, 100 * a / b; else print "n/a" }'
    else
        echo "n/a (a path has no measurement)"
    fi
}
kpps() { if [[ $1 == n/a ]]; then echo n/a; else awk -v v="$1" 'BEGIN { printf "%.1fk", v / 1000 }'; fi; }

echo
echo "## Weft sleeve at line rate: container on host 1 → container on host 2"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- nproc: $(nproc), kernel: $(uname -r), commit: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)${BASELINE:+, baseline: $base_commit ($BASELINE)}"
echo "- command: \`sudo $command_line\`"
echo "- medians of $ROUNDS interleaved rounds; iperf3 $DURATION s per test (TCP 1 stream, TCP -P 4, UDP -l 64 -b 0); ping -c 20 -i 0.05; the sleeve paths warmed up for ${WARMUP} s of TCP and ${WARMUP} s of UDP first"
echo "- lab: $hosts hosts on one underlay bridge; underlay, VXLAN and unencrypted Weft sleeve on hosts 1-2, encrypted Weft and tinc on hosts 3-4, Weft fast path on hosts 5-6${BASELINE:+; the baseline build: unencrypted sleeve, encrypted sleeve and fast path on hosts 7-8, 9-10 and 11-12, each measured next to its current counterpart}"
echo
echo "| path | TCP 1 stream Gbit/s | TCP 4 streams Gbit/s | UDP 64 B rx pps (loss %) | ping RTT ms |"
echo "|---|---|---|---|---|"
for p in "${rows[@]}"; do
    printf '| %s | %s | %s | %s (%s %%) | %s |\n' "${label[$p]}" \
        "$(fmt "$(median "$p" tcp1)" 2)" "$(fmt "$(median "$p" tcp4)" 2)" \
        "$(kpps "$(median "$p" pps)")" "$(fmt "$(median "$p" loss)" 1)" "$(fmt "$(median "$p" rtt)" 3)"
done
echo
echo "Cost per byte of the sleeve paths, during the TCP 1-stream test: both routers together, per GB (10^9 bytes) received:"
echo
echo "| path | router CPU s / GB | system calls / GB |"
echo "|---|---|---|"
for p in "${rows[@]}"; do
    [[ -n ${routers_of[$p]:-} ]] || continue
    printf '| %s | %s | %s |\n' "${label[$p]}" "$(fmt "$(median "$p" cpu_per_gb)" 3)" "$(median "$p" calls_per_gb)"
done
echo
echo "- Weft fast path / kernel VXLAN, TCP 1 stream: $(ratio "$(median weftfast tcp1)" "$(median vxlan tcp1)")"
echo "- Weft encrypted / kernel VXLAN, TCP 1 stream: $(ratio "$(median weftenc tcp1)" "$(median vxlan tcp1)")"
echo "- Weft encrypted / tinc, TCP 1 stream: $(ratio "$(median weftenc tcp1)" "$(median tinc tcp1)")"
round_ratios() {   # round_ratios A B METRIC: A/B round by round (the two ran next to each other in each round)
    awk -v a="$1" -v b="$2" -v m="$3" '$2 == m && ($1 == a || $1 == b) && $3 != "n/a" && $3 != "null" { v[$1, $4] = $3; if ($4 > last) last = $4 }
        END { for (r = 1; r <= last; r++) printf "%s%s", (r > 1 ? ", " : ""),
                  (((a, r) in v) && ((b, r) in v) && v[b, r] > 0 ? sprintf("%.3f", v[a, r] / v[b, r]) : "n/a") }' "$results"
}
declare -A short=([weftfast]="fast path" [weft]="sleeve, unencrypted" [weftenc]="sleeve, encrypted")
for p in weftfast weft weftenc; do
    b=${baseline_of[$p]:-}
    [[ -n $b ]] && measured "$p" || continue
    echo "- Weft ${short[$p]}, current / baseline $base_commit: TCP 1 stream $(ratio "$(median "$p" tcp1)" "$(median "$b" tcp1)"), TCP 4 streams $(ratio "$(median "$p" tcp4)" "$(median "$b" tcp4)"), UDP 64 B rx pps $(ratio "$(median "$p" pps)" "$(median "$b" pps)"); TCP 1 stream round by round: $(round_ratios "$p" "$b" tcp1)"
    if [[ -n ${routers_of[$p]:-} ]]; then
        echo "  router CPU per GB $(ratio "$(median "$p" cpu_per_gb)" "$(median "$b" cpu_per_gb)"), round by round: $(round_ratios "$p" "$b" cpu_per_gb)"
    fi
done
echo
echo "Per round (TCP 1 / TCP 4 Gbit/s; UDP rx pps; ping ms; for the sleeve: router CPU s / GB):"
per_round() {   # per_round PATH METRIC DECIMALS
    awk -v p="$1" -v m="$2" -v d="$3" '$1 == p && $2 == m {
        printf "%s%s", (n++ ? ", " : ""), ($3 == "n/a" || $3 == "null" ? "n/a" : sprintf("%." d "f", $3)) }' "$results"
}
for p in "${rows[@]}"; do
    printf -- '- %s: %s / %s; %s; %s%s\n' "$p" "$(per_round "$p" tcp1 2)" "$(per_round "$p" tcp4 2)" \
        "$(per_round "$p" pps 0)" "$(per_round "$p" rtt 3)" "${routers_of[$p]:+; $(per_round "$p" cpu_per_gb 3)}"
done
exit 0
