#!/usr/bin/env bash
# docker-proxy.sh: what the Docker API proxy costs a `docker run`: RUNS runs of `docker run --rm busybox true` each way,
# interleaved, against one engine in a lab host: to the engine directly (Docker's bridge only), through the proxy with
# WEFT_CIDR=none (the proxy alone), and through the proxy onto the overlay (the proxy, the weft network's endpoint and
# an address from the allocator). Prints p50, p99 and the slowest of each. A benchmark: it prints, it asserts nothing.
#
#   sudo bench/docker-proxy.sh            # 50 runs each
#   sudo RUNS=10 bench/docker-proxy.sh
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "docker-proxy.sh: needs root (network namespaces, dockerd)" >&2
    exit 1
fi
RUNS=${RUNS:-50}
bash "$root/scripts/setup.sh" >/dev/null
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"
dockerd_pid= engine=
stop() {
    if [[ -n $dockerd_pid ]]; then
        docker --host "unix://$engine" rm -f $(docker --host "unix://$engine" ps -aq) >/dev/null 2>&1 || true
        kill "$dockerd_pid" 2>/dev/null || true
        wait "$dockerd_pid" 2>/dev/null || true
    fi
    lab_down
}
trap stop EXIT
lab_up 1
host=$(lab_host 1) dir=$(lab_data_dir 1)
engine=$dir/docker/docker.sock proxy=$dir/weft-proxy.sock
lab_dockerd 1 > "$dir/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 120); do docker --host "unix://$engine" version >/dev/null 2>&1 && break; sleep 0.5; done
mkdir -p "$dir/root/bin" && cp /bin/busybox "$dir/root/bin/" && ln -sf busybox "$dir/root/bin/true"
tar -C "$dir/root" -c . | docker --host "unix://$engine" import - bench/busybox:1 >/dev/null
lab_launch 1 --no-fastdp --docker-api "unix://$engine" >/dev/null

# one run against $1 with the extra options after it: prints its wall time in milliseconds
run() {
    local at=$1 start end
    shift
    start=$(date +%s%N)
    lab_exec "$host" docker --host "unix://$at" run --rm "$@" bench/busybox:1 /bin/true >/dev/null
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}
summary() {
    sort -n | awk '{ v[NR] = $1 } END { p50 = v[int((NR + 1) * 0.50)]; i = int(NR * 0.99 + 0.999); if (i > NR) i = NR;
        printf "p50 %d ms, p99 %d ms, max %d ms (%d runs)", p50, v[i], v[NR], NR }'
}
run "$proxy" >/dev/null # the first run through the proxy makes the network weft
direct=() alone=() overlay=()
for _ in $(seq 1 "$RUNS"); do
    direct+=("$(run "$engine")")
    alone+=("$(run "$proxy" -e WEFT_CIDR=none)")
    overlay+=("$(run "$proxy")")
done
echo "## docker run --rm busybox true ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "- to the engine directly: $(printf '%s\n' "${direct[@]}" | summary)"
echo "- through the proxy, WEFT_CIDR=none: $(printf '%s\n' "${alone[@]}" | summary)"
echo "- through the proxy, on the overlay: $(printf '%s\n' "${overlay[@]}" | summary)"
