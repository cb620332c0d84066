# shellcheck shell=bash
# lab.sh: a lab of simulated hosts in network namespaces. The one implementation of the lab's layout:
# the demo and the benchmarks source it, the Java fixture of the lab tests (cli/src/test/java/weft/lab/Lab.java)
# runs it through scripts/lab. Needs root. Source it, then:
#
#   lab_up 3                      # hosts <prefix>-h1..h3, eth0 = 192.168.77.<i>/24 on an underlay bridge
#   c1=$(lab_container 1 c1)      # a bare netns <prefix>-c1 for a container of host 1 (nothing attached yet)
#   lab_link_mtu 2 1280           # host 2's link to the underlay, both ends
#   lab_exec "$(lab_host 2)" ping -c1 192.168.77.1
#   lab_launch 1 192.168.77.2     # `weft launch` in host 1 with its data dir and nickname host1; prints the peer name
#   a=$(lab_attach 2 "$c2")       # `weft attach netns:$c2` in host 2; prints the address it got
#   read -r c1 c2 a <<<"$(lab_sleeve_pair 1)"   # Weft on hosts 1 and 2 towards each other, a container on each
#   lab_await_ping "$c1" "$a"     # until one ping answers (30 s); prints how many went unanswered
#   lab_weft 1 status             # ./weft inside host 1's netns, WEFT_DATA_DIR = its data dir
#   lab_down                      # kills every process in the lab's namespaces, deletes them and LAB_DIR
#
# Layout: an underlay netns <prefix>-u with bridge br0; each host netns <prefix>-h<i> has a veth eth0
# (192.168.77.<i>/24) whose peer h<i> is a port of br0, and a data dir LAB_DIR/h<i>. Containers are netns
# <prefix>-<name>. Nothing is created in the root namespace except the netns files in /run/netns.
# Set LAB_MTU (e.g. 9000) before lab_up for jumbo frames on every link; lab_link_mtu changes one link.
#
# Sites: with LAB_SITES=S (2..9) set before lab_up, the hosts are split into S sites of consecutive hosts, each a
# routed subnet 192.168.(100+k).0/24 behind a gateway netns <prefix>-g<k> (lab_gateway K; .254 on its bridge lan,
# whose ports h<i> are the site's hosts), and the gateways meet on the underlay's br0 as 10.99.0.<k>/24 (their
# link wan): traffic between sites is routed through two gateways, as between datacenters. lab_site HOST says
# a host's site. Without LAB_SITES the layout is the flat one above.
#
# Owner and sweeping: a lab belongs to a process, LAB_OWNER (default: this shell, $$; the Java fixture
# passes its JVM's pid through scripts/lab). The prefix is wl<owner pid>x<4 hex digits> and LAB_DIR is
# ${TMPDIR:-/tmp}/weft-lab-<prefix>, so that lab_up (and `scripts/lab sweep`) can remove every lab whose
# owner is gone, also one whose owner was killed before it could clean up (kill -9 skips traps and
# shutdown hooks). Use `trap lab_down EXIT` in the calling script.
#
# The launcher: WEFT (default this repository's ./weft) for every host, or per host with lab_use_weft,
# e.g. another build's launcher to compare two builds in one lab.

LAB_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
: "${WEFT:=$LAB_ROOT/weft}"    # the weft launcher; override to try another build
LAB_PREFIX=''
LAB_DIR=''
LAB_HOSTS=0
declare -gA LAB_WEFT_OF=()    # host index -> launcher, where it is not $WEFT
LAB_TERM_GRACE_SECONDS=5      # between TERM and KILL when a lab goes down

lab_log() { printf 'lab: %s\n' "$*" >&2; }

lab_host() { printf '%s-h%s\n' "$LAB_PREFIX" "$1"; }
lab_underlay() { printf '%s-u\n' "$LAB_PREFIX"; }
lab_addr() {
    if (( ${LAB_SITES:-0} > 0 )); then printf '192.168.%s.%s\n' $((100 + $(lab_site "$1"))) "$1"; else printf '192.168.77.%s\n' "$1"; fi
}
# The site of host HOST (1..LAB_SITES; consecutive hosts share a site), in a lab with sites.
lab_site() { local per=$(( (LAB_HOSTS + LAB_SITES - 1) / LAB_SITES )); printf '%s\n' $(( ($1 - 1) / per + 1 )); }
lab_gateway() { printf '%s-g%s\n' "$LAB_PREFIX" "$1"; }
lab_data_dir() { printf '%s/h%s\n' "$LAB_DIR" "$1"; }
lab_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# lab_use_weft HOST LAUNCHER: host HOST runs this weft launcher (lab_weft, lab_launch) instead of $WEFT.
lab_use_weft() { LAB_WEFT_OF[${1:?usage: lab_use_weft HOST LAUNCHER}]=${2:?usage: lab_use_weft HOST LAUNCHER}; }
lab_weft_of() { printf '%s\n' "${LAB_WEFT_OF[$1]:-$WEFT}"; }

lab_weft() {
    local i=$1; shift
    ip netns exec "$(lab_host "$i")" env WEFT_DATA_DIR="$(lab_data_dir "$i")" "$(lab_weft_of "$i")" "$@"
}

# Names a lab that exists already, by its prefix, for the commands of scripts/lab after `up`: lab_container,
# lab_link_mtu, lab_down. (LAB_HOSTS stays 0: counting would list every namespace, and IpamIT has hundreds.)
lab_use() {
    local prefix=${1:?usage: lab_use PREFIX}
    [[ $prefix =~ ^wl[0-9]+x[0-9a-f]+$ ]] || { lab_log "not a lab prefix: $prefix"; return 2; }
    LAB_PREFIX=$prefix
    LAB_DIR=${TMPDIR:-/tmp}/weft-lab-$prefix
    LAB_HOSTS=0
}

# The lab as the Java fixture reads it: one item a line (the format is documented in scripts/lab).
lab_describe() {
    local i
    printf 'prefix %s\ndir %s\nunderlay %s\n' "$LAB_PREFIX" "$LAB_DIR" "$(lab_underlay)"
    for (( i = 1; i <= LAB_HOSTS; i++ )); do
        printf 'host %s %s %s %s\n' "$i" "$(lab_host "$i")" "$(lab_addr "$i")" "$(lab_data_dir "$i")"
    done
}

# This lab's namespaces that exist right now.
lab_namespaces() {
    [[ -n $LAB_PREFIX ]] || return 0
    ip netns list | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 { print $1 }'
}

# The pids of the processes in the named namespaces, in one pass over /proc (a lab may have hundreds of
# namespaces: `ip netns pids` for each would walk /proc that many times). A namespace is known by the device
# and inode of its nsfs file, as `ip netns pids` compares them.
lab_pids_in() {
    (( $# > 0 )) || return 0
    local -a files=("${@/#//run/netns/}")
    # stat fails for the processes that exited since the glob: expected, and must not fail the pipeline (pipefail)
    { stat -L -c 'ns %d:%i' "${files[@]}" 2>/dev/null || true
      stat -L -c '%n %d:%i' /proc/[0-9]*/ns/net 2>/dev/null || true
    } | awk '$1 == "ns" { wanted[$2] = 1; next } ($2 in wanted) { split($1, path, "/"); print path[3] }'
}

# Kills every process in the named namespaces: TERM, up to LAB_TERM_GRACE_SECONDS to exit, then KILL.
lab_kill_in() {
    local pids signalled=0 deadline
    deadline=$(lab_micros_from_now "$LAB_TERM_GRACE_SECONDS")
    while pids=$(lab_pids_in "$@") && [[ -n $pids ]]; do
        if (( signalled == 0 )); then
            # shellcheck disable=SC2086 # a list of pids
            kill -TERM $pids 2>/dev/null || true
            signalled=1
        elif (( $(lab_micros_from_now 0) > deadline )); then
            lab_log "killing what ignored TERM for $LAB_TERM_GRACE_SECONDS s: $(tr '\n' ' ' <<<"$pids")"
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
            deadline=$(lab_micros_from_now 1)   # and a second to be gone
            while [[ -n $(lab_pids_in "$@") ]] && (( $(lab_micros_from_now 0) < deadline )); do sleep 0.1; done
            return 0
        fi
        sleep 0.1
    done
}

# The wall clock SECONDS whole seconds from now, in microseconds (EPOCHREALTIME, bash 5).
lab_micros_from_now() {
    local now=${EPOCHREALTIME/[.,]/}
    printf '%s\n' $(( now + $1 * 1000000 ))
}

# Removes the namespaces and dirs of labs whose owner process no longer exists.
lab_sweep_stale() {
    local ns pid dir
    local -a stale=()
    for ns in $(ip netns list | awk '$1 ~ /^wl[0-9]+x[0-9a-f]+-/ { print $1 }'); do
        pid=${ns#wl}; pid=${pid%%x*}
        [[ -d /proc/$pid ]] && continue
        lab_log "removing stale $ns (its owner, process $pid, is gone)"
        stale+=("$ns")
    done
    if (( ${#stale[@]} > 0 )); then
        lab_kill_in "${stale[@]}"
        for ns in "${stale[@]}"; do
            ip netns del "$ns" 2>/dev/null || lab_log "could not delete $ns"
            rm -rf "/etc/netns/$ns" # a resolv.conf of lab_resolver's
        done
    fi
    for dir in "${TMPDIR:-/tmp}"/weft-lab-wl*; do
        [[ -d $dir ]] || continue
        pid=${dir##*/weft-lab-wl}; pid=${pid%%x*}
        [[ $pid =~ ^[0-9]+$ && ! -d /proc/$pid ]] && rm -rf "$dir"
    done
    return 0
}

# Runs ip; on failure says which command failed (lab_up stops at the first).
lab_ip() {
    ip "$@" || { lab_log "failed: ip $*"; return 1; }
}

lab_up() {
    local n=${1:?usage: lab_up HOSTS} owner=${LAB_OWNER:-$$} mtu=${LAB_MTU:-1500} tries
    [[ $n =~ ^[0-9]+$ ]] && (( n >= 1 && n <= 250 )) || { lab_log "lab_up: 1..250 hosts, not $n"; return 2; }
    [[ $owner =~ ^[0-9]+$ && -d /proc/$owner ]] || { lab_log "lab_up: the owner $owner is not a running process"; return 2; }
    [[ $mtu =~ ^[0-9]+$ ]] || { lab_log "lab_up: LAB_MTU must be a number, not $mtu"; return 2; }
    [[ ${LAB_SITES:-0} =~ ^[0-9]$ ]] && (( ${LAB_SITES:-0} != 1 && ${LAB_SITES:-0} <= n )) \
        || { lab_log "lab_up: LAB_SITES is 2..9 and at most the hosts, not ${LAB_SITES:-}"; return 2; }
    [[ -z $LAB_PREFIX ]] || { lab_log "lab_up: lab $LAB_PREFIX is up; lab_down first"; return 1; }
    lab_sweep_stale
    # mkdir fails if the name is taken (by a live lab of the same owner): then another suffix.
    for (( tries = 0; tries < 20; tries++ )); do
        LAB_PREFIX=$(printf 'wl%dx%04x' "$owner" "$RANDOM")
        LAB_DIR=${TMPDIR:-/tmp}/weft-lab-$LAB_PREFIX
        mkdir -m 700 "$LAB_DIR" 2>/dev/null && break
        LAB_PREFIX='' LAB_DIR=''
    done
    [[ -n $LAB_PREFIX ]] || { lab_log "lab_up: cannot create a lab directory in ${TMPDIR:-/tmp}"; return 1; }
    LAB_HOSTS=$n
    if ! lab_build "$mtu"; then
        lab_log "lab_up: building $LAB_PREFIX failed; removing what was built"
        lab_down
        return 1
    fi
    if (( ${LAB_SITES:-0} > 0 )); then
        lab_log "up: $n hosts $(lab_host 1)..$(lab_host "$n") in $LAB_SITES sites 192.168.101.0/24.. (mtu $mtu), data in $LAB_DIR"
    else
        lab_log "up: $n hosts $(lab_host 1)..$(lab_host "$n") on 192.168.77.0/24 (mtu $mtu), data in $LAB_DIR"
    fi
}

lab_build() {
    local mtu=$1 i k j host underlay gateway switch bridge
    underlay=$(lab_underlay)
    lab_ip netns add "$underlay" || return 1
    lab_ip -n "$underlay" link set lo up || return 1
    # No MTU of its own: a bridge takes the smallest of its ports'.
    lab_ip -n "$underlay" link add br0 type bridge || return 1
    lab_ip -n "$underlay" link set br0 up || return 1
    for (( k = 1; k <= ${LAB_SITES:-0}; k++ )); do
        gateway=$(lab_gateway "$k")
        lab_ip netns add "$gateway" || return 1
        lab_ip -n "$gateway" link set lo up || return 1
        lab_ip -n "$underlay" link add "g$k" mtu "$mtu" type veth peer name wan netns "$gateway" || return 1
        lab_ip -n "$underlay" link set "g$k" master br0 up || return 1
        lab_ip -n "$gateway" addr add "10.99.0.$k/24" dev wan || return 1
        lab_ip -n "$gateway" link set wan mtu "$mtu" up || return 1
        lab_ip -n "$gateway" link add lan type bridge || return 1
        lab_ip -n "$gateway" addr add "192.168.$((100 + k)).254/24" dev lan || return 1
        lab_ip -n "$gateway" link set lan up || return 1
        ip netns exec "$gateway" sysctl -qw net.ipv4.ip_forward=1 || return 1
        for (( j = 1; j <= LAB_SITES; j++ )); do
            (( j == k )) || lab_ip -n "$gateway" route add "192.168.$((100 + j)).0/24" via "10.99.0.$j" || return 1
        done
    done
    for (( i = 1; i <= LAB_HOSTS; i++ )); do
        host=$(lab_host "$i")
        lab_ip netns add "$host" || return 1
        lab_ip -n "$host" link set lo up || return 1
        # Created inside the underlay (or the site's gateway) and the host: no interface ever exists in the root
        # namespace.
        switch=$underlay bridge=br0
        if (( ${LAB_SITES:-0} > 0 )); then switch=$(lab_gateway "$(lab_site "$i")") bridge=lan; fi
        lab_ip -n "$switch" link add "h$i" mtu "$mtu" type veth peer name eth0 netns "$host" || return 1
        lab_ip -n "$switch" link set "h$i" master "$bridge" up || return 1
        lab_ip -n "$host" addr add "$(lab_addr "$i")/24" dev eth0 || return 1
        lab_ip -n "$host" link set eth0 mtu "$mtu" up || return 1
        if (( ${LAB_SITES:-0} > 0 )); then
            lab_ip -n "$host" route add default via "192.168.$((100 + $(lab_site "$i"))).254" || return 1
        fi
        mkdir -p "$(lab_data_dir "$i")" || return 1
    done
}

# lab_container HOST NAME: a bare netns <prefix>-NAME (lo up) for a container of host HOST; prints its name.
lab_container() {
    local host=${1:?usage: lab_container HOST NAME} name=${2:?usage: lab_container HOST NAME} ns
    [[ -n $LAB_PREFIX ]] || { lab_log "lab_container: no lab is up"; return 1; }
    [[ $host =~ ^[0-9]+$ && -e /run/netns/$(lab_host "$host") ]] || { lab_log "lab_container: no host $host in $LAB_PREFIX"; return 2; }
    [[ $name =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] \
        || { lab_log "lab_container: a container name is lower-case letters, digits and '-', not '$name'"; return 2; }
    ns=$LAB_PREFIX-$name
    lab_ip netns add "$ns" || return 1
    lab_ip -n "$ns" link set lo up || return 1
    printf '%s\n' "$ns"
}

# lab_link_mtu HOST MTU: the MTU of host HOST's link to the underlay, at both ends (its eth0 and its port h<HOST>
# on br0). Frames larger than a port's MTU are dropped at that port without an ICMP, as a switch does.
lab_link_mtu() {
    local host=${1:?usage: lab_link_mtu HOST MTU} mtu=${2:?usage: lab_link_mtu HOST MTU}
    [[ $host =~ ^[0-9]+$ && -e /run/netns/$(lab_host "$host") ]] || { lab_log "lab_link_mtu: no host $host in $LAB_PREFIX"; return 2; }
    [[ $mtu =~ ^[0-9]+$ ]] || { lab_log "lab_link_mtu: not an MTU: $mtu"; return 2; }
    local switch
    switch=$(lab_underlay)
    if (( ${LAB_SITES:-0} > 0 )); then switch=$(lab_gateway "$(lab_site "$host")"); fi
    lab_ip -n "$(lab_host "$host")" link set eth0 mtu "$mtu" || return 1
    lab_ip -n "$switch" link set "h$host" mtu "$mtu" || return 1
}

# lab_launch HOST [NAME=VALUE...] [ARG...]: `weft launch --data-dir <its data dir> --nickname host<HOST> ARG...`
# in host HOST, with the environment assignments NAME=VALUE (e.g. WEFT_PASSWORD=...) added; prints the router's
# peer name. On failure says why and returns 1.
lab_launch() {
    local i=${1:?usage: lab_launch HOST [NAME=VALUE...] [ARG...]} out
    shift
    # the hosts share the machine's /run: each serves its Docker plugin and proxy from its own data dir
    local -a envs=("WEFT_DATA_DIR=$(lab_data_dir "$i")" "WEFT_PLUGIN_SOCKET=$(lab_data_dir "$i")/plugins/weft.sock"
        "WEFT_PROXY_ADDR=unix://$(lab_data_dir "$i")/weft-proxy.sock")
    while (( $# > 0 )) && [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do envs+=("$1"); shift; done
    out=$LAB_DIR/launch-h$i.out
    # Output to a file, not a pipe: the daemon inherits it, and a pipe would keep its reader waiting.
    if ! ip netns exec "$(lab_host "$i")" timeout 90 env "${envs[@]}" "$(lab_weft_of "$i")" launch \
            --data-dir "$(lab_data_dir "$i")" --nickname "host$i" "$@" >"$out" 2>&1; then
        lab_log "host $i: weft launch failed:"
        sed 's/^/  /' "$out" >&2
        return 1
    fi
    tail -n 1 "$out"
}

# lab_attach HOST CONTAINER_NS [ARG...]: `weft attach [ARG...] netns:CONTAINER_NS` in host HOST (CIDRs, --name NAME; without CIDR the
# allocator picks the address); logs what it printed and prints the container's (first) address without prefix.
lab_attach() {
    local i=${1:?usage: lab_attach HOST CONTAINER_NS [CIDR...]} ns=${2:?usage: lab_attach HOST CONTAINER_NS [CIDR...]} out
    shift 2
    # `weft attach` prints: target MAC address/prefix
    out=$(lab_weft "$i" attach "$@" "netns:$ns") || { lab_log "host $i: weft attach netns:$ns failed"; return 1; }
    lab_log "host $i: $out"
    lab_first_address <<<"$out" # after it, the names --name put on Weft DNS
}

# lab_first_address: the first address, without its prefix length, of what `weft attach` or `weft expose` printed on
# stdin (target MAC address/prefix).
lab_first_address() { awk 'NR == 1 { split($3, a, "/"); print a[1] }'; }

# lab_resolver CONTAINER_NS NAMESERVER: the container's resolv.conf (for `ip netns exec`): NAMESERVER, Weft DNS's
# domain as the search domain. lab_down removes it with the namespace.
lab_resolver() {
    local ns=${1:?usage: lab_resolver CONTAINER_NS NAMESERVER} server=${2:?usage: lab_resolver CONTAINER_NS NAMESERVER}
    mkdir -p "/etc/netns/$ns"
    printf 'nameserver %s\nsearch weft.local\noptions timeout:1 attempts:2\n' "$server" > "/etc/netns/$ns/resolv.conf"
}

# lab_sleeve_pair HOST [NAME=VALUE...]: Weft on hosts HOST and HOST+1, each launched towards the other with
# --no-discovery --no-fastdp (the NAME=VALUE pairs go into both launches' environment, as lab_launch takes them), and a
# container c<N> attached on each; prints "CLIENT_NS SERVER_NS SERVER_ADDRESS" (the container on HOST, the one on
# HOST+1 and its address). The sleeve benchmarks' lab: the caller waits for the first ping itself.
lab_sleeve_pair() {
    local i=${1:?usage: lab_sleeve_pair HOST [NAME=VALUE...]} j client server address
    shift
    j=$((i + 1))
    lab_launch "$i" "$@" --no-discovery --no-fastdp "$(lab_addr "$j")" >/dev/null || return 1
    lab_launch "$j" "$@" --no-discovery --no-fastdp "$(lab_addr "$i")" >/dev/null || return 1
    client=$(lab_container "$i" "c$i") && server=$(lab_container "$j" "c$j") || return 1
    address=$(lab_attach "$j" "$server") && lab_attach "$i" "$client" >/dev/null || return 1
    printf '%s %s %s\n' "$client" "$server" "$address"
}

# lab_await_ping NS ADDRESS [SECONDS]: pings ADDRESS from netns NS, one probe at a time, until one is answered or
# SECONDS (default 30) have passed: a new mesh loses its first frames to connecting and ARP. Prints how many
# probes went unanswered; returns 1 if none was answered.
lab_await_ping() {
    local ns=${1:?usage: lab_await_ping NS ADDRESS [SECONDS]} address=${2:?usage: lab_await_ping NS ADDRESS [SECONDS]}
    local seconds=${3:-30} lost=0 start=$SECONDS sent
    while (( SECONDS - start < seconds )); do
        sent=$SECONDS
        if ip netns exec "$ns" ping -c 1 -W 1 "$address" >/dev/null 2>&1; then
            printf '%s\n' "$lost"
            return 0
        fi
        lost=$((lost + 1))
        # an immediate failure (no route yet) must not spin: one probe a second at most
        (( SECONDS > sent )) || sleep 1
    done
    printf '%s\n' "$lost"
    return 1
}

# lab_vxlan_host HOST OTHER CONTAINER_NS CIDR: plain kernel VXLAN between lab hosts, the benchmarks' yardstick: in
# host HOST a bridge vxb with a VXLAN port vx42 (id 42, dstport 4789, nolearning, one all-zeros FDB entry to host
# OTHER, MTU 1450) and a veth to CONTAINER_NS, whose eth0 gets CIDR.
lab_vxlan_host() {
    local i=${1:?usage: lab_vxlan_host HOST OTHER CONTAINER_NS CIDR} other=${2:?} cns=${3:?} cidr=${4:?} h
    h=$(lab_host "$i")
    ip -n "$h" link add vxb mtu 1450 type bridge
    ip -n "$h" link add vx42 mtu 1450 type vxlan id 42 dstport 4789 local "$(lab_addr "$i")" dev eth0 nolearning
    ip -n "$h" link set vx42 master vxb
    bridge -n "$h" fdb append 00:00:00:00:00:00 dev vx42 dst "$(lab_addr "$other")"
    ip -n "$h" link add vxv mtu 1450 type veth peer name eth0 netns "$cns"
    ip -n "$h" link set vxv master vxb
    ip -n "$h" link set vxv up
    ip -n "$h" link set vx42 up
    ip -n "$h" link set vxb up
    ip -n "$cns" addr add "$cidr" dev eth0
    ip -n "$cns" link set eth0 mtu 1450 up
}

# lab_dockerd HOST: becomes (exec) Debian's dockerd for lab host HOST, so run it in the background. It runs in the
# host's network namespace, entered with nsenter (ip netns exec would mount a /sys of the namespace over the cgroup
# mounts dockerd needs), in a mount namespace of its own where /run/docker/plugins is the host's plugins dir, in
# which the host's router serves its Docker plugin: several engines on one machine each find their own router's
# drivers. Its data, state and socket are under $(lab_data_dir HOST)/docker (the socket: docker.sock); storage vfs,
# which works on any file system. lab_down kills it with the host's other processes.
lab_dockerd() {
    local dir
    dir=$(lab_data_dir "${1:?usage: lab_dockerd HOST}")
    mkdir -p "$dir/plugins" "$dir/docker" /run/docker/plugins || return
    # shellcheck disable=SC2016 # $0 and $1 are the inner shell's
    exec nsenter --net="/run/netns/$(lab_host "$1")" unshare --mount --propagation private sh -c \
        'mount --bind "$0" /run/docker/plugins && exec dockerd --data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/dockerd.pid" --host "unix://$1/docker.sock" --storage-driver vfs' \
        "$dir/plugins" "$dir/docker"
}

lab_down() {
    local ns rc=0
    local -a namespaces=()
    [[ -n $LAB_PREFIX ]] || return 0
    mapfile -t namespaces < <(lab_namespaces)
    if (( ${#namespaces[@]} > 0 )); then
        lab_kill_in "${namespaces[@]}"
        for ns in "${namespaces[@]}"; do
            ip netns del "$ns" 2>/dev/null || { lab_log "could not delete $ns"; rc=1; }
            rm -rf "/etc/netns/$ns" # a resolv.conf of lab_resolver's
        done
    fi
    if [[ -n $LAB_DIR ]]; then rm -rf "$LAB_DIR" || rc=1; fi
    lab_log "down: $LAB_PREFIX removed"
    LAB_PREFIX='' LAB_DIR='' LAB_HOSTS=0
    LAB_WEFT_OF=()
    return "$rc"
}
