#!/usr/bin/env bash
# demo.sh: three hosts, one router each, one container each; the containers ping each other.
#
#   sudo scripts/demo.sh        # runs setup.sh (installs tools, builds if stale) first
#
# Every host and container is a network namespace (scripts/lib/lab.sh); all of it is removed on
# exit, also after a failure or Ctrl-C. Exit code: 0 if every container answered every other, else 1.
# WEFT=/path/to/weft runs another launcher instead of this repository's.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if (( EUID != 0 )); then
    echo "demo.sh: needs root (network namespaces)" >&2
    exit 1
fi
section() { printf '\n=== %s ===\n' "$*"; }

section "Setup"
bash "$root/scripts/setup.sh"
# shellcheck source=scripts/lib/lab.sh
source "$root/scripts/lib/lab.sh"

cleanup() {
    local rc=$?
    trap "" INT TERM   # a second Ctrl-C must not interrupt the clean-up
    trap - EXIT
    section "Cleaning up"
    if ! lab_down && (( rc == 0 )); then rc=1; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

HOSTS=3
# Every router gets the same password: control connections and container traffic are encrypted.
export WEFT_PASSWORD=${WEFT_PASSWORD:-weft-demo-password}
section "Lab: $HOSTS hosts on the underlay 192.168.77.0/24"
lab_up "$HOSTS"
for (( i = 1; i <= HOSTS; i++ )); do
    echo "host $i: netns $(lab_host "$i"), eth0 $(lab_addr "$i"), data dir $(lab_data_dir "$i")"
done

section "Launching a router on each host"
for (( i = 1; i <= HOSTS; i++ )); do
    peers=()
    for (( j = 1; j <= HOSTS; j++ )); do (( j == i )) || peers+=("$(lab_addr "$j")"); done
    peer=$(lab_launch "$i" "${peers[@]}") || exit 1
    echo "host $i: weft launch ${peers[*]} -> peer $peer"
done

section "Attaching a container on each host (addresses from Weft's allocator, names on Weft DNS)"
containers=()
addresses=()
for (( i = 1; i <= HOSTS; i++ )); do
    # the host's overlay address on the bridge, where its Weft DNS answers the containers
    dns=$(lab_weft "$i" expose | lab_first_address)
    echo "host $i: weft expose -> Weft DNS on $dns:53"
    containers[i]=$(lab_container "$i" "c$i")
    lab_resolver "${containers[i]}" "$dns"
    # `weft attach` without an address asks the allocator (lab_attach shows what it printed); --name puts c<i> on Weft DNS
    addresses[i]=$(lab_attach "$i" "${containers[i]}" --name "c$i")
done

section "Waiting for the mesh (container 1 reaches the others, up to 30 s)"
for (( j = 2; j <= HOSTS; j++ )); do
    if lost=$(lab_await_ping "${containers[1]}" "${addresses[j]}" 30); then
        echo "${addresses[j]}: reachable after $lost lost probes"
    else
        echo "${addresses[j]}: NOT reachable"
    fi
done

# ping_all COUNT TARGET...: each container pings the others' TARGET (indexed by host) COUNT times; counts failures
failed=0
ping_all() {
    local count=$1 i j
    shift
    local -a targets=("" "$@")
    for (( i = 1; i <= HOSTS; i++ )); do
        for (( j = 1; j <= HOSTS; j++ )); do
            (( i != j )) || continue
            printf -- '--- container %s -> %s\n' "$i" "${targets[j]}"
            if ! lab_exec "${containers[i]}" ping -c "$count" -W 2 "${targets[j]}"; then
                echo "FAILED: container $i cannot reach ${targets[j]}"
                failed=$((failed + 1))
            fi
        done
    done
}

section "Pings between containers"
ping_all 3 "${addresses[@]:1}"

section "Pings by name (Weft DNS: c1, c2, ... through the search domain weft.local)"
names=()
for (( i = 1; i <= HOSTS; i++ )); do names+=("c$i"); done
ping_all 1 "${names[@]}"

section "weft status (host 1)"
lab_weft 1 status || echo "(weft status exited $?)"
section "weft status peers (host 1)"
lab_weft 1 status peers || echo "(weft status peers exited $?)"
section "weft status ipam (host 1)"
lab_weft 1 status ipam || echo "(weft status ipam exited $?)"
section "weft status dns (host 3)"
lab_weft 3 status dns || echo "(weft status dns exited $?)"
section "weft ps (host 1)"
lab_weft 1 ps || echo "(weft ps exited $?)"

section "Stopping the routers"
for (( i = 1; i <= HOSTS; i++ )); do
    lab_weft "$i" stop && echo "host $i: stopped" || echo "host $i: weft stop exited $? (lab_down kills what is left)"
done

section "Result"
if (( failed > 0 )); then
    echo "$failed of $((2 * HOSTS * (HOSTS - 1))) pings FAILED"
    exit 1
fi
echo "all $((2 * HOSTS * (HOSTS - 1))) container-to-container pings answered, by address and by name"
