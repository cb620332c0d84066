#!/usr/bin/env bash
# setup.sh: makes this machine ready to build, test and demo Weft. Safe to run again.
#
#   scripts/setup.sh              # install missing tools (as root), find the JDK 25+, build if stale
#   scripts/setup.sh --no-build   # the same without building
#
# Installs with apt-get only what is missing (apt-get update only then), never prompts.
# The build is `mvn -B -q package -DskipTests`; it is skipped when cli/target/weft.jar
# is newer than every pom.xml and main source file.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/lib/jdk.sh
source "$root/scripts/lib/jdk.sh"

build=1
for arg in "$@"; do
    case $arg in
        --no-build) build=0 ;;
        -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

say() { printf 'setup: %s\n' "$*"; }

# Debian packages and a command each provides, to check without dpkg for the common case.
packages=(iproute2:ip iputils-ping:ping iperf3:iperf3 tcpdump:tcpdump procps:pkill psmisc:killall
          maven:mvn util-linux:nsenter coreutils:timeout netcat-openbsd:nc.openbsd jq:jq nftables:nft tinc:tincd
          qemu-system-x86:qemu-system-x86_64 busybox-static:busybox cpio:cpio gcc:gcc kmod:depmod
          podman:podman runc:runc containernetworking-plugins:/usr/lib/cni/portmap iptables:iptables
          debootstrap:debootstrap docker.io:dockerd containerd:containerd unzip:unzip python3:python3
          bind9-dnsutils:dig dnsmasq-base:dnsmasq dnsperf:dnsperf prometheus:promtool
          chromium:chromium chromium-driver:chromedriver)
missing=()
for entry in "${packages[@]}"; do
    command -v "${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
done

if (( ${#missing[@]} > 0 )); then
    if (( EUID != 0 )); then
        echo "setup: missing ${missing[*]}; run as root, or: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # iperf3 asks whether to start a system-wide daemon; the answer is no, and it must not prompt.
    echo 'iperf3 iperf3/start_daemon boolean false' | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    say "installed ${missing[*]}"
else
    say "tools present (ip, ping, iperf3, tcpdump, procps, psmisc, maven, qemu, busybox-static, cpio, gcc, promtool, chromium)"
fi

# A kernel with ESP for XfrmEspVmTest (this machine's has none), booted under qemu: unpacked, not installed, so
# that it never becomes this host's boot kernel. The package ships no modules.dep; depmod makes it.
vm_kernel=/var/cache/weft/vm-kernel
unpack_vm_kernel() {
    local image download
    image=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
    if [[ -z $image ]]; then
        apt-get update -qq || return 1
        image=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
    fi
    [[ -n $image ]] || return 1
    download=$(mktemp -d)
    (cd "$download" && apt-get download -qq "$image" 2>/dev/null) || { rm -rf "$download"; return 1; }
    mkdir -p "$vm_kernel" && dpkg -x "$download"/*.deb "$vm_kernel" || { rm -rf "$download"; return 1; }
    rm -rf "$download"
    depmod -b "$vm_kernel" "${image#linux-image-}" || return 1
    say "unpacked $image into $vm_kernel for the ESP test in a VM"
}
if ! compgen -G "$vm_kernel/boot/vmlinuz-*" >/dev/null; then
    if (( EUID != 0 )); then
        say "no kernel for the ESP test in a VM (XfrmEspVmTest is skipped); run as root to unpack linux-image-amd64"
    else
        # Optional: without it only XfrmEspVmTest is skipped, so a failure here is said, never fatal.
        if ! unpack_vm_kernel; then
            rm -rf "$vm_kernel"
            say "could not unpack linux-image-amd64 into $vm_kernel (XfrmEspVmTest is skipped)"
        fi
    fi
fi

weft_find_jdk || exit 1
say "JDK $(weft_jdk_feature "$WEFT_JDK") at $WEFT_JDK"

if (( build == 0 )); then
    say "build skipped (--no-build)"
    exit 0
fi
jar=$root/cli/target/weft.jar
# The CLI's class-data cache (JDK 25's AOT cache: classes loaded and linked, method profiles), trained by
# weft.cli.CliTraining, which runs `weft status`, `ps` and `attach` against replies of the API's shapes (no router runs
# here); ./weft uses it while it is newer than the jar. A failure costs only speed: ./weft runs without it.
train_cli_cache() {
    local cache log
    cache=$(weft_cli_cache "$root")
    [[ $cache -nt $jar ]] && return 0
    rm -f "$cache"
    log=$(mktemp)
    if "$WEFT_JDK/bin/java" "${WEFT_CLI_JAVA_FLAGS[@]}" "-XX:AOTCacheOutput=$cache" -cp "$jar" weft.cli.CliTraining >"$log" 2>&1 \
            && [[ -s $cache ]]; then
        say "trained the CLI's class-data cache ($cache)"
    else
        rm -f "$cache"
        say "could not train the CLI's class-data cache (the CLI starts slower): $(grep -v '^\[' "$log" | tail -n 1)"
    fi
    rm -f "$log"
}
if [[ -f $jar ]] && [[ -z $(find "$root" -path "$root/.git" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) \
        -type f -newer "$jar" -print -quit) ]]; then
    say "build up to date ($jar)"
    train_cli_cache
    exit 0
fi
say "building (mvn -B -q package -DskipTests)"
# Maven 3.8 prints bare colour resets even in batch mode: strip them (pipefail keeps its exit code).
weft_maven_env
(cd "$root" && mvn -B -q package -DskipTests) 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
touch "$jar"   # the jar plugin keeps an unchanged jar's old time; this build is up to date now
say "built $jar"
train_cli_cache
