#!/usr/bin/env bash
# chaos.sh: Weft under faults, in a lab of 3 sites of 2 hosts (scripts/lib/lab.sh with LAB_SITES): containers on
# every host ping every other host's container the whole time, containers are attached and detached all along,
# and every 20-40 s one random fault is made and healed:
#   partition   the two sites' gateways drop what goes between them (nft), 8-15 s; the third site can relay
#   loss        5-20 % of one host's underlay packets dropped both ways (nft numgen), 8-15 s
#   kill        kill -9 of one router, restarted 2-6 s later with the same command
#   gateway     one site's gateway stops forwarding (the site cut off from the others), 8-15 s
# Then it checks, and prints a report: no address on two containers (from every router's /ps, every 10 s and at
# the end), attaches that failed or took long while their router was up, how long after each heal traffic between
# the pairs that had lost it came back (goal: 10 s), each router's largest RSS against MEMORY_BOUND_MB. Not in CI.
# Needs root. The seed fixes the faults, their targets and durations and the churn's choices (not the timing).
#
#   sudo scripts/chaos.sh                      # 10 minutes, a random seed (printed)
#   sudo SEED=42 DURATION=120 scripts/chaos.sh # replays seed 42's faults, for 2 minutes
#   ENCRYPTED=1                                # a password: every pair on the encrypted sleeve
#   WEFT_ROUTER_JAVA_OPTS=...                  # the routers' JVM options; MEMORY_BOUND_MB (default 160) the bound
#   KEEP=1                                     # keep the logs in OUT (default a temp dir, printed either way)
#
# Exit status: 0 when every check held, 1 when one did not, 2 when the lab could not be set up.
set -uo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"

(( EUID == 0 )) || { echo "chaos.sh: needs root (network namespaces)" >&2; exit 2; }
SEED=${SEED:-$(( $(date +%s) % 100000 ))}
DURATION=${DURATION:-600}
MEMORY_BOUND_MB=${MEMORY_BOUND_MB:-160}
ENCRYPTED=${ENCRYPTED:-0}
for v in SEED DURATION MEMORY_BOUND_MB ENCRYPTED; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "chaos.sh: $v must be a whole number, not '${!v}'" >&2; exit 2; }
done
HOSTS=6
SITES=3
OUT=${OUT:-$(mktemp -d /tmp/weft-chaos-XXXX)}
mkdir -p "$OUT"
RANDOM=$SEED
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "chaos.sh: seed $SEED, $DURATION s, commit $commit, logs in $OUT" >&2

now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
event() { printf '%s %s\n' "$(now)" "$*" >> "$OUT/events.log"; echo "chaos: $*" >&2; }
# pick VAR LO HI: VAR gets a number between LO and HI inclusive, from the seeded sequence (never in a subshell:
# $(...) would draw from a copy of the sequence and leave this shell's where it was)
pick() { local -n into=$1; into=$(( $2 + RANDOM % ($3 - $2 + 1) )); }

declare -a launch_env=()
(( ENCRYPTED )) && launch_env+=("WEFT_PASSWORD=chaos-$SEED-secret")
[[ -n ${WEFT_ROUTER_JAVA_OPTS:-} ]] && launch_env+=("WEFT_ROUTER_JAVA_OPTS=$WEFT_ROUTER_JAVA_OPTS")
declare -a background=()

cleanup() {
    local pid
    for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    lab_down
    if [[ ${KEEP:-0} == 1 ]]; then echo "chaos.sh: logs kept in $OUT" >&2; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The router's pid in host HOST's namespace, or nothing.
router_pid() {
    local pid
    for pid in $(lab_pids_in "$(lab_host "$1")"); do
        if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'weft.cli.Weft router'; then
            echo "$pid"
            return
        fi
    done
}

launch() {
    local i=$1 j
    local -a peers=()
    for (( j = 1; j <= HOSTS; j++ )); do (( j == i )) || peers+=("$(lab_addr "$j")"); done
    lab_launch "$i" "${launch_env[@]}" "${peers[@]}" >/dev/null
}

# One router's /ps as "ADDRESS TARGET" lines (curl to its API in its namespace, no JVM per call).
router_ps() {
    local i=$1 token
    local -a auth=()
    # a router asks for its token where it made one (see the README's Security section)
    if token=$(cat "$(lab_data_dir "$i")/api-token" 2>/dev/null); then auth=(-H "Authorization: Bearer $token"); fi
    ip netns exec "$(lab_host "$i")" curl -sf --max-time 5 "${auth[@]}" http://127.0.0.1:6784/ps \
        | python3 -c '
import json, sys
for a in json.load(sys.stdin):
    for cidr in a.get("cidrs", []):
        print(cidr.split("/")[0], a.get("target"))'
}

LAB_SITES=$SITES lab_up "$HOSTS" || exit 2
export LAB_SITES=$SITES
echo "chaos.sh: launching $HOSTS routers" >&2
for (( i = 1; i <= HOSTS; i++ )); do launch "$i" || exit 2; done

declare -a resident=() address=()
for (( i = 1; i <= HOSTS; i++ )); do
    resident[i]=$(lab_container "$i" "r$i") || exit 2
    address[i]=$(lab_attach "$i" "${resident[i]}") || exit 2
done
for (( i = 1; i <= HOSTS; i++ )); do
    for (( j = 1; j <= HOSTS; j++ )); do
        (( i == j )) && continue
        lab_await_ping "${resident[i]}" "${address[j]}" 60 >/dev/null || { echo "chaos.sh: r$i cannot reach r$j before any fault" >&2; exit 2; }
    done
done
event "ready"

# Traffic: every ordered pair, 2 probes a second, each answered or reported missing (-O) with a timestamp (-D).
for (( i = 1; i <= HOSTS; i++ )); do
    for (( j = 1; j <= HOSTS; j++ )); do
        (( i == j )) && continue
        ip netns exec "${resident[i]}" ping -D -O -n -i 0.5 -W 1 "${address[j]}" > "$OUT/ping-$i-$j.log" 2>&1 &
        background+=($!)
    done
done

# Churn: attach a new container on a random host, and detach one when a host has more than 4; one at a time.
churn() {
    RANDOM=$(( SEED + 1 ))
    local n=0 i v pause ns start rc out victim
    local -a list
    declare -A live=()
    while true; do
        pick i 1 "$HOSTS"
        n=$((n + 1))
        ns=$(lab_container "$i" "ch$n") || continue
        start=$(now)
        out=$(timeout 90 ip netns exec "$(lab_host "$i")" env WEFT_DATA_DIR="$(lab_data_dir "$i")" "$WEFT" attach "netns:$ns" 2>&1)
        rc=$?
        printf '%s %s attach %s %s %s %s\n' "$start" "$(now)" "$i" "$ns" "$rc" "$(tr '\n' ' ' <<<"$out")" >> "$OUT/churn.log"
        live[$i]="${live[$i]:-} $ns"
        read -ra list <<<"${live[$i]}"
        if (( ${#list[@]} > 4 )); then
            pick v 0 $(( ${#list[@]} - 1 ))
            victim=${list[v]}
            start=$(now)
            out=$(timeout 90 ip netns exec "$(lab_host "$i")" env WEFT_DATA_DIR="$(lab_data_dir "$i")" "$WEFT" detach "netns:$victim" 2>&1)
            rc=$?
            printf '%s %s detach %s %s %s %s\n' "$start" "$(now)" "$i" "$victim" "$rc" "$(tr '\n' ' ' <<<"$out")" >> "$OUT/churn.log"
            ip netns del "$victim" 2>/dev/null
            live[$i]=$(tr ' ' '\n' <<<"${live[$i]}" | grep -vx "$victim" | tr '\n' ' ')
        fi
        pick pause 1 3
        sleep "$pause"
    done
}
churn &
churn_pid=$!
background+=("$churn_pid")

# Watch: every 10 s each running router's RSS and its attachments.
watch() {
    local i pid rss t
    while true; do
        t=$(now)
        for (( i = 1; i <= HOSTS; i++ )); do
            pid=$(router_pid "$i")
            [[ -n $pid ]] || { printf '%s %s down\n' "$t" "$i" >> "$OUT/rss.log"; continue; }
            rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
            printf '%s %s %s\n' "$t" "$i" "${rss:-0}" >> "$OUT/rss.log"
            router_ps "$i" 2>/dev/null | sed "s/^/$t $i /" >> "$OUT/ps.log"
        done
        sleep 10
    done
}
watch &
background+=($!)

# nft_in NETNS: the ruleset on stdin into that namespace; a fault that cannot be made ends the run (it would
# measure nothing and say it held)
nft_in() { ip netns exec "$1" nft -f - || { event "could not make the fault in $1"; exit 1; }; }

fault() {
    local kind=$1 a b h k p hold
    pick hold 8 15
    case $kind in
        partition)
            pick a 1 "$SITES"; b=$(( a % SITES + 1 ))
            event "fault partition site$a-site$b ${hold}s"
            for k in $a $b; do
                nft_in "$(lab_gateway "$k")" <<EOF
table inet chaos {
  chain forward {
    type filter hook forward priority 0;
    ip saddr 192.168.$((100 + a)).0/24 ip daddr 192.168.$((100 + b)).0/24 drop
    ip saddr 192.168.$((100 + b)).0/24 ip daddr 192.168.$((100 + a)).0/24 drop
  }
}
EOF
            done
            sleep "$hold"
            for k in $a $b; do ip netns exec "$(lab_gateway "$k")" nft delete table inet chaos; done
            event "heal partition site$a-site$b"
            ;;
        loss)
            pick h 1 "$HOSTS"; pick p 5 20
            event "fault loss host$h ${p}% ${hold}s"
            nft_in "$(lab_host "$h")" <<EOF
table inet chaos {
  chain in {
    type filter hook input priority 0;
    iifname "eth0" numgen random mod 100 < $p drop
  }
  chain out {
    type filter hook output priority 0;
    oifname "eth0" numgen random mod 100 < $p drop
  }
}
EOF
            sleep "$hold"
            ip netns exec "$(lab_host "$h")" nft delete table inet chaos
            event "heal loss host$h"
            ;;
        kill)
            pick h 1 "$HOSTS"; pick hold 2 6
            event "fault kill host$h restart after ${hold}s"
            kill -KILL "$(router_pid "$h")" 2>/dev/null
            sleep "$hold"
            if launch "$h"; then event "heal kill host$h"; else event "heal kill host$h FAILED to relaunch"; fi
            ;;
        gateway)
            pick k 1 "$SITES"
            event "fault gateway site$k ${hold}s"
            # it forwards nothing (its link kept up: taking it down would also take the routes through it away)
            ip netns exec "$(lab_gateway "$k")" sysctl -qw net.ipv4.ip_forward=0 || { event "could not stop the gateway"; exit 1; }
            sleep "$hold"
            ip netns exec "$(lab_gateway "$k")" sysctl -qw net.ipv4.ip_forward=1
            event "heal gateway site$k"
            ;;
    esac
}

kinds=(partition loss kill gateway)
start=$SECONDS
next=$SECONDS
while true; do
    pick gap 20 40
    next=$(( next + gap )) # faults start 20-40 s apart; each is healed within 15 s (a relaunch may take longer)
    (( next - start < DURATION )) || break
    (( next > SECONDS )) && sleep $(( next - SECONDS ))
    pick kind 0 3
    fault "${kinds[kind]}"
done
(( start + DURATION > SECONDS )) && sleep $(( start + DURATION - SECONDS ))
event "faults over"
kill "$churn_pid" 2>/dev/null # no new attach while the last checks run
sleep 15
event "end"
for (( i = 1; i <= HOSTS; i++ )); do
    router_ps "$i" 2>/dev/null | sed "s/^/final $i /" >> "$OUT/final-ps.log"
done
lost_at_end=0
for (( i = 1; i <= HOSTS; i++ )); do
    for (( j = 1; j <= HOSTS; j++ )); do
        (( i == j )) && continue
        lab_await_ping "${resident[i]}" "${address[j]}" 10 >/dev/null || { lost_at_end=$((lost_at_end + 1)); event "r$i cannot reach r$j at the end"; }
    done
done

python3 - "$OUT" "$SEED" "$DURATION" "$commit" "$MEMORY_BOUND_MB" "$lost_at_end" "$ENCRYPTED" <<'PY'
import glob, os, re, sys
out, seed, duration, commit, bound, lost_at_end, encrypted = sys.argv[1], *sys.argv[2:]
bound, lost_at_end = int(bound), int(lost_at_end)
events = [l.split(" ", 1) for l in open(os.path.join(out, "events.log")).read().splitlines()]
events = [(float(t), e) for t, e in events]
failed = False

# per pair: timestamps of answers and of misses
pairs = {}
for path in glob.glob(os.path.join(out, "ping-*.log")):
    i, j = re.match(r".*ping-(\d+)-(\d+)\.log", path).groups()
    ok, miss = [], []
    for line in open(path, errors="replace"):
        m = re.match(r"\[(\d+\.\d+)\] (.*)", line)
        if not m:
            continue
        (ok if "bytes from" in m.group(2) else miss if "no answer" in m.group(2) else []).append(float(m.group(1)))
    pairs[(int(i), int(j))] = (ok, miss)

print(f"## Chaos run: seed {seed}, {duration} s, commit {commit}{', encrypted' if encrypted == '1' else ''}\n")
print("| at s | fault | held s | pairs that lost traffic | longest gap, s | back after heal, max s | pairs > 10 s |")
print("|---|---|---|---|---|---|---|")
t0 = next(t for t, e in events if e == "ready")
faults = [(t, e) for t, e in events if e.startswith("fault ")]
heals = [(t, e) for t, e in events if e.startswith("heal ")]
worst_overall = 0.0
for (ft, fe), (ht, he) in zip(faults, heals):
    hit, worst, slow, gap = 0, 0.0, 0, 0.0
    for (i, j), (ok, miss) in pairs.items():
        if not any(ft <= m <= ht + 1 for m in miss):
            continue
        hit += 1
        after = [t for t in ok if t >= ht]
        back = (after[0] - ht) if after else float("inf")
        worst = max(worst, back)
        slow += back > 10
        # the longest time without an answer around the fault: relays and the sleeve may bridge part of it
        answered = [t for t in ok if ft - 1 <= t <= ht + 15]
        edges = [ft] + answered + [after[0] if after else ht + 15]
        gap = max(gap, max(b - a for a, b in zip(edges, edges[1:])))
    worst_overall = max(worst_overall, worst)
    failed |= slow > 0
    print(f"| {ft - t0:.0f} | {fe[6:]} | {ht - ft:.0f} | {hit} | {gap:.1f} | {worst:.1f} | {slow} |")

# attaches: failures and slow ones while the router was up (kill faults take a router down on purpose)
down = []
for (ft, fe), (ht, he) in zip(faults, heals):
    m = re.match(r"fault kill host(\d+)", fe)
    if m:
        down.append((int(m.group(1)), ft, ht + 5))
ops = [l.split(" ", 6) for l in open(os.path.join(out, "churn.log")).read().splitlines()] if os.path.exists(os.path.join(out, "churn.log")) else []
attaches = [o for o in ops if o[2] == "attach"]
durations = sorted(float(o[1]) - float(o[0]) for o in attaches)
def router_down(host, s, e):
    return any(h == host and s <= he and e >= fs for h, fs, he in down)
bad = [o for o in ops if o[5] != "0" and not router_down(int(o[3]), float(o[0]), float(o[1]))]
slow = [o for o in attaches if float(o[1]) - float(o[0]) > 30 and not router_down(int(o[3]), float(o[0]), float(o[1]))]
print()
if durations:
    print(f"Churn: {len(attaches)} attaches, {len(ops) - len(attaches)} detaches; attach median {durations[len(durations) // 2]:.2f} s, "
          f"max {durations[-1]:.2f} s; failed while their router was up: {len(bad)}; over 30 s while up: {len(slow)}")
for o in bad[:10]:
    print(f"  failed: {o[2]} host{o[3]} {o[4]} rc {o[5]}: {o[6][:160] if len(o) > 6 else ''}")
failed |= bool(bad) or bool(slow)

# duplicates: one address on two targets in two consecutive samples
samples = {}
for line in open(os.path.join(out, "ps.log")) if os.path.exists(os.path.join(out, "ps.log")) else []:
    t, host, addr, target = line.split()[:4]
    samples.setdefault(t, {}).setdefault(addr, set()).add((host, target))
dups, previous = set(), {}
for t in sorted(samples, key=float):
    current = {a for a, holders in samples[t].items() if len(holders) > 1}
    dups |= current & previous.get("dups", set())
    previous["dups"] = current
final = {}
for line in open(os.path.join(out, "final-ps.log")) if os.path.exists(os.path.join(out, "final-ps.log")) else []:
    _, host, addr, target = line.split()[:4]
    final.setdefault(addr, set()).add((host, target))
final_dups = {a for a, h in final.items() if len(h) > 1}
if not samples or not final:
    print("No attachment list was read from the routers (/ps): the duplicate check checked nothing")
    failed = True
print(f"Duplicate addresses: {len(dups)} during the run (held twice in two samples 10 s apart), {len(final_dups)} at the end"
      f" ({len(final)} addresses held at the end)")
failed |= bool(dups) or bool(final_dups)

rss = {}
for line in open(os.path.join(out, "rss.log")):
    t, host, value = line.split()
    if value != "down":
        rss[host] = max(rss.get(host, 0), int(value) // 1024)
over = {h: v for h, v in rss.items() if v > bound}
print(f"Largest RSS per router (MB): {', '.join(f'host{h} {v}' for h, v in sorted(rss.items()))}; bound {bound} MB"
      f"{'; over: ' + str(sorted(over)) if over else ''}")
failed |= bool(over)
print(f"At the end, pairs that did not answer within 10 s: {lost_at_end} of {len(pairs)}")
failed |= lost_at_end > 0
print(f"\nResult: {'FAILED' if failed else 'every check held'}")
sys.exit(1 if failed else 0)
PY
