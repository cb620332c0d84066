#!/usr/bin/env bash
# cli-start.sh: how long `weft status`, `weft ps`, `weft attach` and `weft detach` take, end to end (the launcher, the
# JVM, the call to the router, the output), as a user waits for them: wall time of ./weft VERB in a lab host's
# namespace against the router running there. With BASELINE=/path/to/checkout (another build with its own ./weft,
# for instance a git worktree of an older commit, built and its CLI cache trained by its scripts/setup.sh), that
# build's ./weft runs the same verbs against the same router in the same rounds, alternating with this one. A
# benchmark: it prints, it asserts nothing.
#
#   sudo bench/cli-start.sh                              # 21 runs of each verb (~1 min)
#   sudo RUNS=11 BASELINE=/work/weft-old bench/cli-start.sh
#
# Prints per build and verb min / p50 / p90 in ms. attach gets a new container each time and detach takes it off.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "cli-start.sh: needs root (network namespaces)" >&2
    exit 1
fi
RUNS=${RUNS:-21}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "cli-start.sh: RUNS must be a positive integer" >&2; exit 2; }
BASELINE=${BASELINE:-}
if [[ -n $BASELINE && ! -x $BASELINE/weft ]]; then
    echo "cli-start.sh: BASELINE=$BASELINE has no ./weft" >&2
    exit 2
fi
bash "$root/scripts/setup.sh" >/dev/null # builds if needed and trains the CLI's cache
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
log() { printf 'cli-start: %s\n' "$*" >&2; }
trap lab_down EXIT
lab_up 1
lab_launch 1 >/dev/null
host=$(lab_host 1)
data=$(lab_data_dir 1)
builds=("$root")
[[ -n $BASELINE ]] && builds+=("$BASELINE")
results=$LAB_DIR/cli-start
mkdir -p "$results"

# one timed run: BUILD VERB ARGS...; appends the milliseconds to BUILD's VERB file; a failed run stops the benchmark
timed() {
    local build=$1 verb=$2 start end
    shift 2
    start=$(date +%s%N)
    ip netns exec "$host" env WEFT_DATA_DIR="$data" "$build/weft" "$verb" "$@" >"$results/out" 2>&1 \
        || { log "$build/weft $verb $* failed: $(tail -n 1 "$results/out")"; exit 1; }
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 )) >>"$results/$(basename "$build").$verb"
}

log "$RUNS runs of status, ps, attach and detach per build, alternating builds: ${builds[*]}"
for (( run = 1; run <= RUNS; run++ )); do
    for build in "${builds[@]}"; do
        timed "$build" status
        timed "$build" ps
        container=$(lab_container 1 "c$run-$(basename "$build" | tr -c 'a-z0-9\n' '-' | cut -c1-20)")
        timed "$build" attach "netns:$container"
        timed "$build" detach "netns:$container"
    done
done

printf '%-24s %-8s %8s %8s %8s\n' build verb min p50 p90
for build in "${builds[@]}"; do
    for verb in status ps attach detach; do
        sort -n "$results/$(basename "$build").$verb" | awk -v b="$(basename "$build")" -v v="$verb" \
            '{ a[NR] = $1 } END { printf "%-24s %-8s %8d %8d %8d\n", b, v, a[1], a[int((NR + 1) / 2)], a[int(NR * 0.9 + 0.5)] }'
    done
done
