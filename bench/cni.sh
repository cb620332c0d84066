#!/usr/bin/env bash
# cni.sh: how long the CNI plugin weft-net takes per pod, as a runtime calls it: ADD then DEL of PODS pods, one after
# another, against a router in a lab host, with the launcher and AOT cache `weft setup-cni` installs. Each series runs
# twice in the same run: handed to the router (what the launcher does), and in the launcher's JVM of its own (what it
# falls back to, and what every call cost before; a configuration with httpAddr sends it there). Prints p50, p99 and
# the slowest of each, and the same for VERSION. A benchmark: it prints, it asserts nothing.
#
#   sudo bench/cni.sh              # 100 pods
#   sudo PODS=20 bench/cni.sh
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "cni.sh: needs root (network namespaces)" >&2
    exit 1
fi
PODS=${PODS:-100}
bash "$root/scripts/setup.sh" >/dev/null
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
trap lab_down EXIT
lab_up 1
lab_launch 1 >/dev/null
host=$(lab_host 1)
bin=$LAB_DIR/cni-bin
lab_weft 1 setup-cni --bin-dir "$bin" --conf-dir "$LAB_DIR/cni-conf" >&2
config=$(printf '{"cniVersion":"1.1.0","name":"weft","type":"weft-net","dataDir":"%s"}' "$(lab_data_dir 1)")
port=$(sed -n 's/.*"port" *: *\([0-9]*\).*/\1/p' "$(lab_data_dir 1)/api.json")
jvm_config=$(printf '{"cniVersion":"1.1.0","name":"weft","type":"weft-net","dataDir":"%s","httpAddr":"127.0.0.1:%s"}' "$(lab_data_dir 1)" "$port")

# one call with $config: prints its wall time in milliseconds; fails the run if the plugin fails
call() {
    local command=$1 id=$2 netns=$3 start end
    start=$(date +%s%N)
    if ! printf '%s' "$config" | lab_exec "$host" env CNI_COMMAND="$command" CNI_CONTAINERID="$id" CNI_IFNAME=eth0 \
            CNI_NETNS="$netns" CNI_PATH="$bin" "$bin/weft-net" >/dev/null; then
        echo "cni.sh: $command $id failed" >&2
        exit 1
    fi
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}

# p50, p99 and max of the numbers on stdin
summary() {
    sort -n | awk '{ v[NR] = $1 } END { p50 = v[int((NR + 1) * 0.50)]; i = int(NR * 0.99 + 0.999); if (i > NR) i = NR;
        printf "p50 %d ms, p99 %d ms, max %d ms (%d calls)", p50, v[i], v[NR], NR }'
}

pods=()
for i in $(seq 1 "$PODS"); do pods+=("$(lab_container 1 "p$i")"); done
# ADD and DEL of every pod, then VERSION 20 times, with $config: prints the three summaries
series() {
    local add=() del=() version=() i
    for i in $(seq 1 "$PODS"); do add+=("$(call ADD "pod$i" "/run/netns/${pods[i-1]}")"); done
    for i in $(seq 1 "$PODS"); do del+=("$(call DEL "pod$i" "/run/netns/${pods[i-1]}")"); done
    for i in $(seq 1 20); do version+=("$(call VERSION x /)"); done
    echo "  - ADD: $(printf '%s\n' "${add[@]}" | summary)"
    echo "  - DEL: $(printf '%s\n' "${del[@]}" | summary)"
    echo "  - VERSION: $(printf '%s\n' "${version[@]}" | summary)"
}

echo "## weft-net, the CNI plugin: time per call ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "- handed to the router by the launcher:"
series
echo "- in a JVM of the launcher's own (its fallback; every call before):"
config=$jvm_config series
