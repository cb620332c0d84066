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
    # Output goes to a file, not a pipe: a daemon that inherits the pipe would keep $(...) waiting.
    out=$LAB_DIR/launch-h$i.out
    if ! lab_exec "$(lab_host "$i")" timeout 90 env WEFT_DATA_DIR="$(lab_data_dir "$i")" \
            "$WEFT" launch --data-dir "$(lab_data_dir "$i")" --nickname "host$i" "${peers[@]}" >"$out" 2>&1; then
        echo "host $i: weft launch failed:"; sed 's/^/  /' "$out"
        exit 1
    fi
    echo "host $i: weft launch ${peers[*]} -> peer $(tail -n 1 "$out")"
done

section "Attaching a container on each host (addresses from Weft's allocator)"
containers=()
addresses=()
for (( i = 1; i <= HOSTS; i++ )); do
    containers[i]=$(lab_container "$i" "c$i")
    # `weft attach` without an address asks the allocator; it prints: target MAC address/prefix
    attached=$(lab_weft "$i" attach "netns:${containers[i]}")
    addresses[i]=$(awk '{ split($3, a, "/"); print a[1] }' <<<"$attached")
    echo "host $i: $attached"
done

section "Waiting for the mesh (container 1 reaches the others, up to 30 s)"
for (( j = 2; j <= HOSTS; j++ )); do
    for (( t = 0; t < 30; t++ )); do
        lab_exec "${containers[1]}" ping -c 1 -W 1 "${addresses[j]}" >/dev/null 2>&1 && break
    done
    echo "${addresses[j]}: $( (( t < 30 )) && echo "reachable after ${t} lost probes" || echo "NOT reachable")"
done

section "Pings between containers"
failed=0
for (( i = 1; i <= HOSTS; i++ )); do
    for (( j = 1; j <= HOSTS; j++ )); do
        (( i != j )) || continue
        printf -- '--- container %s -> %s\n' "$i" "${addresses[j]}"
        if ! lab_exec "${containers[i]}" ping -c 3 -W 2 "${addresses[j]}"; then
            echo "FAILED: container $i cannot reach ${addresses[j]}"
            failed=$((failed + 1))
        fi
    done
done

section "weft status (host 1)"
lab_weft 1 status || echo "(weft status exited $?)"
section "weft status peers (host 1)"
lab_weft 1 status peers || echo "(weft status peers exited $?)"
section "weft status ipam (host 1)"
lab_weft 1 status ipam || echo "(weft status ipam exited $?)"
section "weft ps (host 1)"
lab_weft 1 ps || echo "(weft ps exited $?)"

section "Stopping the routers"
for (( i = 1; i <= HOSTS; i++ )); do
    lab_weft "$i" stop && echo "host $i: stopped" || echo "host $i: weft stop exited $? (lab_down kills what is left)"
done

section "Result"
if (( failed > 0 )); then
    echo "$failed of $((HOSTS * (HOSTS - 1))) pings FAILED"
    exit 1
fi
echo "all $((HOSTS * (HOSTS - 1))) container-to-container pings answered"
