# shellcheck shell=bash
# lab.sh: a lab of simulated hosts in network namespaces, for the demo and the benchmarks.
# Needs root. Source it, then:
#
#   lab_up 3                    # hosts <prefix>-h1..h3, eth0 = 192.168.77.<i>/24 on an underlay bridge
#   lab_container 1 c1          # prints the new netns name, <prefix>-c1 (not yet attached to anything)
#   lab_exec "$(lab_host 2)" ping -c1 192.168.77.1
#   lab_weft 1 status           # ./weft inside host 1's netns, WEFT_DATA_DIR = its data dir
#   lab_down                    # kills every process in the lab's namespaces, deletes them and LAB_DIR
#
# Layout: an underlay netns <prefix>-u with bridge br0; each host netns has a veth eth0 whose peer
# h<i> is a port of br0. Nothing is created in the root namespace except the netns files in
# /run/netns. Set LAB_MTU (e.g. 9000) before lab_up for jumbo frames on the underlay.
# The prefix is wls<pid>x<hex>; lab_up first removes namespaces of labs whose shell has died.
# Use `trap lab_down EXIT` in the calling script.

LAB_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
: "${WEFT:=$LAB_ROOT/weft}"    # the weft launcher; override to try another build
LAB_PREFIX=''
LAB_DIR=''
LAB_HOSTS=0

lab_log() { printf 'lab: %s\n' "$*" >&2; }

lab_host() { printf '%s-h%s\n' "$LAB_PREFIX" "$1"; }
lab_addr() { printf '192.168.77.%s\n' "$1"; }
lab_data_dir() { printf '%s/h%s\n' "$LAB_DIR" "$1"; }
lab_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
lab_weft() {
    local i=$1; shift
    ip netns exec "$(lab_host "$i")" env WEFT_DATA_DIR="$(lab_data_dir "$i")" "$WEFT" "$@"
}

# This lab's namespaces that exist right now.
lab_namespaces() {
    [[ -n $LAB_PREFIX ]] || return 0
    ip netns list | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 { print $1 }'
}

# Kills every process in netns $1: TERM, up to 5 s to exit, then KILL.
lab_kill_netns() {
    local ns=$1 pids tries
    for (( tries = 0; tries < 50; tries++ )); do
        pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
        [[ -n $pids ]] || return 0
        # shellcheck disable=SC2086 # a list of pids
        if (( tries == 0 )); then kill -TERM $pids 2>/dev/null || true; fi
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
}

# Deletes the namespaces (and temp dirs) of bash labs whose creating shell no longer exists.
lab_sweep_stale() {
    local ns pid dir
    for ns in $(ip netns list | awk '$1 ~ /^wls[0-9]+x[0-9a-f]+-/ { print $1 }'); do
        pid=${ns#wls}; pid=${pid%%x*}
        [[ -d /proc/$pid ]] && continue
        lab_log "removing stale $ns (its shell $pid is gone)"
        lab_kill_netns "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    for dir in "${TMPDIR:-/tmp}"/weft-lab-wls*; do
        [[ -d $dir ]] || continue
        pid=${dir##*/weft-lab-wls}; pid=${pid%%x*}
        [[ $pid =~ ^[0-9]+$ && ! -d /proc/$pid ]] && rm -rf "$dir"
    done
    return 0
}

lab_up() {
    local n=${1:?usage: lab_up HOSTS} i host underlay mtu=${LAB_MTU:-1500}
    (( n >= 1 && n <= 250 )) || { lab_log "lab_up: 1..250 hosts, not $n"; return 1; }
    [[ -z $LAB_PREFIX ]] || { lab_log "lab_up: lab $LAB_PREFIX is up; lab_down first"; return 1; }
    lab_sweep_stale
    LAB_PREFIX=$(printf 'wls%dx%04x' "$$" "$RANDOM")
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/weft-lab-$LAB_PREFIX.XXXX")
    LAB_HOSTS=$n
    underlay=$LAB_PREFIX-u
    ip netns add "$underlay"
    ip -n "$underlay" link set lo up
    ip -n "$underlay" link add br0 mtu "$mtu" type bridge
    ip -n "$underlay" link set br0 up
    for (( i = 1; i <= n; i++ )); do
        host=$(lab_host "$i")
        ip netns add "$host"
        ip -n "$host" link set lo up
        # Created inside the underlay and the host: no interface ever exists in the root namespace.
        ip -n "$underlay" link add "h$i" mtu "$mtu" type veth peer name eth0 netns "$host"
        ip -n "$underlay" link set "h$i" master br0 up
        ip -n "$host" addr add "$(lab_addr "$i")/24" dev eth0
        ip -n "$host" link set eth0 mtu "$mtu" up
        mkdir -p "$(lab_data_dir "$i")"
    done
    lab_log "up: $n hosts $(lab_host 1)..$(lab_host "$n") on 192.168.77.0/24 (mtu $mtu), data in $LAB_DIR"
}

# lab_container HOST NAME: a bare netns (lo up) for a container of host HOST; prints its name.
lab_container() {
    local host=${1:?usage: lab_container HOST NAME} name=${2:?usage: lab_container HOST NAME}
    [[ -n $LAB_PREFIX ]] || { lab_log "lab_container: no lab is up"; return 1; }
    (( host >= 1 && host <= LAB_HOSTS )) || { lab_log "lab_container: no host $host"; return 1; }
    ip netns add "$LAB_PREFIX-$name"
    ip -n "$LAB_PREFIX-$name" link set lo up
    printf '%s\n' "$LAB_PREFIX-$name"
}

lab_down() {
    local ns
    [[ -n $LAB_PREFIX ]] || return 0
    for ns in $(lab_namespaces); do lab_kill_netns "$ns"; done
    for ns in $(lab_namespaces); do ip netns del "$ns" 2>/dev/null || lab_log "could not delete $ns"; done
    [[ -n $LAB_DIR ]] && rm -rf "$LAB_DIR"
    lab_log "down: $LAB_PREFIX removed"
    LAB_PREFIX='' LAB_DIR='' LAB_HOSTS=0
}
