#!/usr/bin/env bash
# mesh-real.sh: N real routers (one JVM each) in a network-namespace lab: how long the mesh takes to become full,
# whether every container reaches every other, what each router costs when idle (RSS, heap, CPU, control bytes),
# and whether restarting some routers one after the other disturbs traffic between the others. A benchmark: it
# prints numbers and asserts nothing about them; it fails only when the lab does (a router does not start, the
# mesh does not become full, a pair of containers never pings).
#
#   sudo bench/mesh-real.sh                          # 25 routers, 5 restarts, 60 s idle (~8 min on 2 cores, of which
#                                                    # ~2.5-3 min to launch 25 JVMs)
#   sudo N=6 RESTARTS=2 IDLE=20 bench/mesh-real.sh   # a quick look
#   sudo ENCRYPTED=1 bench/mesh-real.sh              # every router with one password (WEFT_PASSWORD)
#   sudo SLEEVE=1 bench/mesh-real.sh                 # --no-fastdp: every pair on the sleeve
#   sudo WEFT_ROUTER_JAVA_OPTS='-Xmx64m' bench/mesh-real.sh   # JVM options for every router (an experiment's switch)
#   sudo WEFT=/path/to/other/weft bench/mesh-real.sh # another build's launcher
#
# Other knobs: BATCH (routers launched at once, default 5), PAIRS (untouched pairs pinged through the restarts,
# default 6), SETTLE (seconds between the pings and the idle window, default 15), CONVERGE_TIMEOUT (s, default 180).
#
# Lab (scripts/lib/lab.sh): host i launches towards host 1 and host i-1 only, with discovery on, so the mesh must
# gossip to become full; every router is told --ipalloc-init consensus=N (the same everywhere, as the README asks
# when the peers given differ). One container c<i> per host, its address from the allocator.
#
# Measured:
# - convergence: from the first launch until every router has N-1 established connections (polled through each
#   router's HTTP API once a second);
# - pings: every ordered pair of containers, one probe (1 s timeout) and up to 3 more; a pair that has not answered
#   then gets one probe a second for up to 30 s (lab_await_ping), and one that never answers fails the run;
# - idle, over IDLE seconds without container traffic, per router: RSS (VmRSS) and peak RSS (VmHWM) at the end,
#   with its anonymous and its file-backed part (the JDK's libraries and CDS archive, the jar: shared by all the
#   routers' JVMs on a host), heap used/committed and metaspace (jstat -gc, which reads the JVM's perf data and does not attach), threads,
#   CPU (utime+stime) as % of one core, and the bytes the router's host sent on the control TCP connections (port
#   6783: gossip, and the control messages beside it) and in UDP (sleeve heartbeats and probes), counted by
#   nftables in the host's namespace (IP bytes: headers and TCP ACKs included, where the router's own
#   weft_gossip_sent_bytes_total counts the TCP payload);
# - restarts: PAIRS continuous pings (5 a second) between containers of routers that are not restarted, while
#   RESTARTS routers (spread over the hosts, host 1 among them, which every other host named) are stopped
#   (`weft stop`) and launched again one after the other; per restart, how long `weft launch` took, until the
#   router had N-1 connections again, and until its container pinged another; the pings lost on the untouched pairs.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
me=mesh-real.sh
if (( EUID != 0 )); then
    echo "$me: needs root (network namespaces)" >&2
    exit 1
fi
N=${N:-25} RESTARTS=${RESTARTS:-5} IDLE=${IDLE:-60} BATCH=${BATCH:-5} PAIRS=${PAIRS:-6} SETTLE=${SETTLE:-15}
CONVERGE_TIMEOUT=${CONVERGE_TIMEOUT:-180} ENCRYPTED=${ENCRYPTED:-0} SLEEVE=${SLEEVE:-0}
for var in N RESTARTS IDLE BATCH PAIRS SETTLE CONVERGE_TIMEOUT; do
    [[ ${!var} =~ ^[0-9]+$ ]] || { echo "$me: $var must be a whole number, not ${!var}" >&2; exit 2; }
done
(( N >= 3 && N <= 250 )) || { echo "$me: N must be 3..250" >&2; exit 2; }
(( BATCH >= 1 )) || { echo "$me: BATCH must be at least 1" >&2; exit 2; }
(( RESTARTS <= N - 2 )) || { echo "$me: RESTARTS must leave at least 2 routers untouched" >&2; exit 2; }
for tool in ip nft jq curl ping jstat; do
    command -v "$tool" >/dev/null || { echo "$me: needs $tool (jstat: a JDK's bin on PATH)" >&2; exit 1; }
done
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
log() { printf '%s: %s\n' "${me%.sh}" "$*" >&2; }
now() { printf '%s\n' "${EPOCHREALTIME/[.,]/}"; }              # microseconds
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }   # secs FROM TO (microseconds)
trap lab_down EXIT

hz=$(getconf CLK_TCK)
password=mesh-real-bench-password
launch_envs=()
[[ $ENCRYPTED == 1 ]] && launch_envs+=("WEFT_PASSWORD=$password")
[[ -n ${WEFT_ROUTER_JAVA_OPTS:-} ]] && launch_envs+=("WEFT_ROUTER_JAVA_OPTS=$WEFT_ROUTER_JAVA_OPTS")
launch_args=(--ipalloc-init "consensus=$N")
[[ $SLEEVE == 1 ]] && launch_args+=(--no-fastdp)

# launch HOST: its router, towards host 1 and host HOST-1 (host 1 towards none).
launch() {
    local i=$1
    local -a peers=()
    (( i > 1 )) && peers+=("$(lab_addr 1)")
    (( i > 2 )) && peers+=("$(lab_addr $((i - 1)))")
    lab_launch "$i" "${launch_envs[@]}" "${launch_args[@]}" "${peers[@]}" >/dev/null
}
pid_of() { jq -r .pid "$(lab_data_dir "$1")/api.json"; }
# api HOST PATH: GET the router's HTTP API in its namespace, with its token.
api() {
    local dir token
    dir=$(lab_data_dir "$1")
    token=$(cat "$dir/api-token" 2>/dev/null || true)
    lab_exec "$(lab_host "$1")" curl -sf -m 5 ${token:+-H "Authorization: Bearer $token"} \
        "http://$(jq -r '"\(.host):\(.port)"' "$dir/api.json")$2"
}
established() { api "$1" /status 2>/dev/null | jq '[.connections[] | select(.state == "established")] | length' 2>/dev/null || echo 0; }
# await_full HOST... : until each has N-1 established connections or CONVERGE_TIMEOUT; returns 1 on timeout.
await_full() {
    local deadline=$((SECONDS + CONVERGE_TIMEOUT)) h full
    while (( SECONDS < deadline )); do
        full=1
        for h in "$@"; do (( $(established "$h") >= N - 1 )) || { full=0; break; }; done
        (( full )) && return 0
        sleep 1
    done
    return 1
}

# Byte counters of the control TCP and of UDP, sent and received, in each host's namespace.
count_bytes() {
    lab_exec "$(lab_host "$1")" nft -f - <<'EOF'
table inet weftbench {
    counter tcp_out {}
    counter tcp_in {}
    counter udp_out {}
    counter udp_in {}
    counter sleeve_out {}
    chain out { type filter hook output priority 0; policy accept;
        tcp sport 6783 counter name tcp_out; tcp dport 6783 counter name tcp_out; meta l4proto udp counter name udp_out;
        udp dport 6783 counter name sleeve_out; }
    chain in { type filter hook input priority 0; policy accept;
        tcp sport 6783 counter name tcp_in; tcp dport 6783 counter name tcp_in; meta l4proto udp counter name udp_in; }
}
EOF
}
read_bytes() {   # read_bytes HOST: "tcp_out tcp_in udp_out udp_in sleeve_out" in bytes
    lab_exec "$(lab_host "$1")" nft -j list counters table inet weftbench \
        | jq -r '[.nftables[] | select(.counter) | .counter | {(.name): .bytes}] | add | "\(.tcp_out) \(.tcp_in) \(.udp_out) \(.udp_in) \(.sleeve_out)"'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# heap PID: "used committed metaspace" in MB, from jstat -gc (KB columns, named by its header).
heap() {
    jstat -gc "$1" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        NR == 2 { u = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]; c = $col["S0C"] + $col["S1C"] + $col["EC"] + $col["OC"]
                  printf "%.1f %.1f %.1f\n", u / 1024, c / 1024, $col["MU"] / 1024 }'
}
# summary LABEL VALUE...: min / median / max
summary() {
    local label=$1; shift
    printf '%s\n' "$@" | sort -g | awk -v l="$label" '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "- %s: min %s, median %s, max %s\n", l, v[1], m, v[NR] }'
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
lab_up "$N"
for (( i = 1; i <= N; i++ )); do count_bytes "$i"; done

# --- launch, in batches ---------------------------------------------------------------------------------
log "launching $N routers, $BATCH at a time${WEFT_ROUTER_JAVA_OPTS:+, WEFT_ROUTER_JAVA_OPTS=$WEFT_ROUTER_JAVA_OPTS}"
t0=$(now)
for (( i = 1; i <= N; i += BATCH )); do
    pids=()
    for (( j = i; j < i + BATCH && j <= N; j++ )); do launch "$j" & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || { log "a router did not start"; exit 1; }; done
done
t_launched=$(now)
log "all launched in $(secs "$t0" "$t_launched") s; waiting for a full mesh"
await_full $(seq 1 "$N") || { log "the mesh is not full after ${CONVERGE_TIMEOUT} s:"
    for (( i = 1; i <= N; i++ )); do log "  host $i: $(established "$i") established"; done; exit 1; }
t_full=$(now)
log "full mesh $(secs "$t0" "$t_full") s after the first launch ($(secs "$t_launched" "$t_full") s after the last)"

# --- containers -------------------------------------------------------------------------------------------
declare -a cns=() addr=()
for (( i = 1; i <= N; i++ )); do cns[i]=$(lab_container "$i" "c$i"); done
t_attach=$(now)
for (( i = 1; i <= N; i += BATCH )); do
    for (( j = i; j < i + BATCH && j <= N; j++ )); do lab_attach "$j" "${cns[j]}" >"$LAB_DIR/addr-$j" 2>/dev/null & done
    wait
done
for (( i = 1; i <= N; i++ )); do
    addr[i]=$(cat "$LAB_DIR/addr-$i")
    [[ -n ${addr[i]} ]] || { log "host $i: attach gave no address"; exit 1; }
done
log "$N containers attached in $(secs "$t_attach" "$(now)") s"

# --- every ordered pair ----------------------------------------------------------------------------------
# ping_all SRC: one line per destination: "DST probes-needed" (0: never answered in 4 probes)
ping_all() {
    local s=$1 d k
    for (( d = 1; d <= N; d++ )); do
        (( d == s )) && continue
        for (( k = 1; k <= 4; k++ )); do
            lab_exec "${cns[s]}" ping -n -c 1 -W 1 "${addr[d]}" >/dev/null 2>&1 && break
        done
        (( k > 4 )) && k=0
        echo "$d $k"
    done >"$LAB_DIR/pings-$s"
}
t_ping=$(now)
for (( s = 1; s <= N; s++ )); do ping_all "$s" & done
wait
pairs_total=$((N * (N - 1)))
first=$(cat "$LAB_DIR"/pings-* | awk '$2 == 1' | wc -l)
slow=$(cat "$LAB_DIR"/pings-* | awk '$2 == 0' | wc -l)
log "pinged $pairs_total ordered pairs in $(secs "$t_ping" "$(now)") s: $first at the first probe, $slow not in 4 probes"
# the pairs that did not answer in 4 probes: once more each, one probe a second for up to 30 s
failed=0 late=()
if (( slow > 0 )); then
    t_retry=$(now)
    for (( s = 1; s <= N; s++ )); do
        while read -r d; do
            { lost=$(lab_await_ping "${cns[s]}" "${addr[d]}" 30) && echo "c$s->c$d $lost" || echo "c$s->c$d never"; } &
        done < <(awk '$2 == 0 { print $1 }' "$LAB_DIR/pings-$s")
    done >"$LAB_DIR/retries"
    wait
    failed=$(grep -c ' never$' "$LAB_DIR/retries" || true)
    mapfile -t late < <(awk '$2 != "never" { print $1 " (" $2 " more lost)" }' "$LAB_DIR/retries")
    log "of those, $((slow - failed)) answered within $(secs "$t_retry" "$(now)") s, $failed never: $(grep ' never$' "$LAB_DIR/retries" | tr '\n' ' ')"
fi
ping_fail=$(( failed > 0 ? 1 : 0 ))

# --- idle ------------------------------------------------------------------------------------------------
log "settling $SETTLE s, then $IDLE s idle"
sleep "$SETTLE"
declare -a rpid=() cpu0=() bytes0=()
for (( i = 1; i <= N; i++ )); do rpid[i]=$(pid_of "$i"); cpu0[i]=$(cpu_ticks "${rpid[i]}"); bytes0[i]=$(read_bytes "$i"); done
ti0=$(now)
sleep "$IDLE"
declare -a cpu1=() bytes1=()
for (( i = 1; i <= N; i++ )); do cpu1[i]=$(cpu_ticks "${rpid[i]}"); bytes1[i]=$(read_bytes "$i"); done
ti1=$(now)
idle_s=$(secs "$ti0" "$ti1")
table=$LAB_DIR/table
: >"$table"
declare -a c_rss=() c_anon=() c_file=() c_hwm=() c_used=() c_comm=() c_cpu=() c_tcp=() c_udp=() c_sleeve=() c_meta=() c_thr=()
for (( i = 1; i <= N; i++ )); do
    p=${rpid[i]}
    rss=$(awk -v k="$(status_kb "$p" VmRSS)" 'BEGIN { printf "%.1f", k / 1024 }')
    hwm=$(awk -v k="$(status_kb "$p" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')
    anon=$(awk -v k="$(status_kb "$p" RssAnon)" 'BEGIN { printf "%.1f", k / 1024 }')
    file=$(awk -v k="$(status_kb "$p" RssFile)" -v s="$(status_kb "$p" RssShmem)" 'BEGIN { printf "%.1f", (k + s) / 1024 }')
    threads=$(status_kb "$p" Threads)
    read -r used comm meta <<<"$(heap "$p")"
    cpu=$(awk -v t=$((cpu1[i] - cpu0[i])) -v hz="$hz" -v s="$idle_s" 'BEGIN { printf "%.2f", 100 * t / hz / s }')
    read -r to0 _ uo0 _ so0 <<<"${bytes0[i]}"
    read -r to1 _ uo1 _ so1 <<<"${bytes1[i]}"
    tcp=$(awk -v b=$((to1 - to0)) -v s="$idle_s" 'BEGIN { printf "%.0f", b / s }')
    udp=$(awk -v b=$((uo1 - uo0 - so1 + so0)) -v s="$idle_s" 'BEGIN { printf "%.0f", b / s }')
    sleeve=$(awk -v b=$((so1 - so0)) -v s="$idle_s" 'BEGIN { printf "%.0f", b / s }')
    c_rss+=("$rss") c_hwm+=("$hwm") c_anon+=("$anon") c_file+=("$file") c_used+=("${used:-0}") c_comm+=("${comm:-0}") c_meta+=("${meta:-0}") c_thr+=("$threads")
    c_cpu+=("$cpu") c_tcp+=("$tcp") c_udp+=("$udp") c_sleeve+=("$sleeve")
    printf '| host%s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %s |\n' "$i" "$rss" "$anon" "$file" "$hwm" "${used:-?}" "${comm:-?}" \
        "${meta:-?}" "$threads" "$cpu" "$tcp" "$sleeve" "$udp" >>"$table"
done

# --- restarts --------------------------------------------------------------------------------------------
declare -a victims=() untouched=()
declare -A is_victim=()
for (( k = 0; k < RESTARTS; k++ )); do v=$((1 + k * N / RESTARTS)); victims+=("$v"); is_victim[$v]=1; done
for (( i = 1; i <= N; i++ )); do [[ -n ${is_victim[$i]:-} ]] || untouched+=("$i"); done
restart_lines=()
lost_lines=()
if (( RESTARTS > 0 )); then
    # PAIRS pairs of untouched hosts, from both ends of the list towards the middle
    declare -a ping_pids=() ping_desc=()
    u=${#untouched[@]}
    for (( k = 0; k < PAIRS && k < u / 2; k++ )); do
        a=${untouched[k]} b=${untouched[u - 1 - k]}
        # not through a function: $! must be ping itself (ip netns exec execs it), so that its INT reaches ping
        ip netns exec "${cns[a]}" ping -n -i 0.2 -W 1 "${addr[b]}" >"$LAB_DIR/cont-$a-$b" 2>&1 &
        ping_pids+=($!) ping_desc+=("$a-$b")
    done
    sleep 2
    for v in "${victims[@]}"; do
        tr0=$(now)
        lab_weft "$v" stop >/dev/null 2>&1 || { log "host $v: weft stop failed"; exit 1; }
        tr1=$(now)
        launch "$v" || { log "host $v: relaunch failed"; exit 1; }
        tr2=$(now)
        await_full "$v" || { log "host $v: not back to $((N - 1)) connections in ${CONVERGE_TIMEOUT} s"; exit 1; }
        tr3=$(now)
        other=${untouched[0]}
        lab_await_ping "${cns[v]}" "${addr[other]}" 30 >/dev/null || { log "host $v: its container does not reach c$other"; exit 1; }
        tr4=$(now)
        restart_lines+=("| host$v | $(secs "$tr0" "$tr1") | $(secs "$tr1" "$tr2") | $(secs "$tr1" "$tr3") | $(secs "$tr1" "$tr4") |")
        log "host $v restarted: launch $(secs "$tr1" "$tr2") s, full $(secs "$tr1" "$tr3") s, ping $(secs "$tr1" "$tr4") s"
    done
    sleep 2
    for k in "${!ping_pids[@]}"; do
        kill -INT "${ping_pids[k]}" 2>/dev/null || true
        wait "${ping_pids[k]}" 2>/dev/null || true
        IFS=- read -r a b <<<"${ping_desc[k]}"
        # ping's summary; without one (it died), the replies it printed and the highest sequence number
        stats=$(awk '/packets transmitted/ { t = $1; r = $4 } / icmp_seq=/ { n++; sub(/.*icmp_seq=/, ""); if ($1 + 0 > m) m = $1 + 0 }
            END { if (t != "") print t, r; else print m, n + 0 }' "$LAB_DIR/cont-$a-$b")
        read -r sent got <<<"$stats"
        lost_lines+=("| c$a -> c$b | $sent | $((sent - got)) |")
    done
fi

# --- report ----------------------------------------------------------------------------------------------
echo
echo "### mesh-real: $N routers, $(date -u +%Y-%m-%d) (started $started)"
echo
echo "- \`N=$N RESTARTS=$RESTARTS IDLE=$IDLE BATCH=$BATCH bench/mesh-real.sh\`$([[ $ENCRYPTED == 1 ]] && echo ", encrypted")$([[ $SLEEVE == 1 ]] && echo ", --no-fastdp"); WEFT_ROUTER_JAVA_OPTS=${WEFT_ROUTER_JAVA_OPTS:-(none)}; $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); commit $(git -C "$(dirname "$WEFT")" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- launch: $(secs "$t0" "$t_launched") s for $N routers ($BATCH at a time); full mesh ($((N - 1)) established connections on every router) $(secs "$t0" "$t_full") s after the first launch, $(secs "$t_launched" "$t_full") s after the last"
echo "- pings: $pairs_total ordered pairs (after the full mesh and the attaches), $first answered at the first probe, $((pairs_total - first - slow)) within 4 probes (1 s timeout each), $((slow - failed)) later (one probe a second, up to 30 s), $failed never${late[0]:+; the late ones: ${late[*]}}"
echo
echo "Idle, $idle_s s without container traffic (bytes: IP bytes the host sent: the control TCP on port 6783, which"
echo "carries the gossip; UDP to port 6783, the sleeve's heartbeats and probes; other UDP, the fast path's VXLAN heartbeats):"
echo
echo "| router | RSS MB | of it anonymous | of it file-backed (shared by the JVMs) | peak RSS MB | heap used / committed MB | metaspace MB | threads | idle CPU % of a core | control TCP B/s sent | sleeve UDP B/s sent | other UDP B/s sent |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
cat "$table"
echo
summary "RSS MB" "${c_rss[@]}"
summary "RSS anonymous MB" "${c_anon[@]}"
summary "RSS file-backed MB" "${c_file[@]}"
summary "peak RSS MB" "${c_hwm[@]}"
summary "heap used MB" "${c_used[@]}"
summary "heap committed MB" "${c_comm[@]}"
summary "metaspace MB" "${c_meta[@]}"
summary "threads" "${c_thr[@]}"
summary "idle CPU % of a core" "${c_cpu[@]}"
summary "control TCP B/s sent" "${c_tcp[@]}"
summary "sleeve UDP B/s sent" "${c_sleeve[@]}"
summary "other UDP B/s sent" "${c_udp[@]}"
if (( RESTARTS > 0 )); then
    echo
    echo "Restarts, one after the other (seconds; launch, full and ping counted from the end of \`weft stop\`):"
    echo
    echo "| router | weft stop | weft launch | $((N - 1)) connections again | its container pings |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${restart_lines[@]}"
    echo
    echo "Continuous pings (5/s) between containers of routers not restarted, throughout the restarts:"
    echo
    echo "| pair | sent | lost |"
    echo "|---|---|---|"
    printf '%s\n' "${lost_lines[@]}"
fi
exit "$ping_fail"
