#!/usr/bin/env bash
# scripts/image.sh: builds Weft's container image, weft:<version>, on this machine from Debian's packages and
# this checkout alone (no registry):
#   - a minimal Debian 12 root (debootstrap --variant=minbase) with libnftables1, which the router loads;
#   - a Java 25 runtime cut down by jlink to the modules Weft's jars use (jdeps says which);
#   - the jars and the launcher, as the checkout lays them out, under /opt/weft (so /opt/weft/weft runs them);
# imported into the local Docker engine (started for the import when none runs, and stopped again), and saved
# as a docker-archive beside the cached root for `ctr -n k8s.io images import`.
#
#   sudo bash scripts/image.sh            # prints the image, its size and the time each step took
#
# The Debian root is cached in $WEFT_IMAGE_CACHE (default /var/cache/weft/image), so only the first build
# downloads packages. Needs root (debootstrap, dockerd); installs debootstrap and docker.io when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${WEFT_IMAGE_CACHE:-/var/cache/weft/image}
suite=bookworm
mirror=${WEFT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { printf 'image: %s\n' "$*"; }
fail() { printf 'image: %s\n' "$*" >&2; exit 1; }
step_start=$SECONDS
step() { say "$1 ($(( SECONDS - step_start )) s)"; step_start=$SECONDS; }

[[ $(id -u) -eq 0 ]] || fail "run as root: debootstrap and the Docker engine need it"
# shellcheck source=lib/jdk.sh
source "$here/scripts/lib/jdk.sh"
weft_find_jdk || exit 1
jar=$here/cli/target/weft.jar
[[ -f $jar ]] || fail "$jar is missing: run scripts/setup.sh first"
version=$(unzip -p "$jar" META-INF/maven/weft/weft-cli/pom.properties 2>/dev/null | sed -n 's/^version=//p')
version=${version%-SNAPSHOT}
[[ -n $version ]] || fail "cannot read the version from $jar"
tag=weft:$version

missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v dockerd >/dev/null || missing+=(docker.io)
if (( ${#missing[@]} )); then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/weft-image.XXXXXX)
started_dockerd=
cleanup() {
    rm -rf "$work"
    if [[ -n $started_dockerd ]]; then
        kill "$started_dockerd" 2>/dev/null || true
        wait "$started_dockerd" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# 1. The Debian root, once per cache
root_tar=$cache/debian-$suite-minbase.tar
if [[ ! -f $root_tar ]]; then
    mkdir -p "$cache"
    say "debootstrap $suite (minbase, libnftables1) from $mirror"
    debootstrap --variant=minbase --include=libnftables1 "$suite" "$work/debian" "$mirror" > "$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
    rm -rf "$work/debian/var/cache/apt/archives"/*.deb "$work/debian/var/lib/apt/lists"/*
    tar -C "$work/debian" -cf "$root_tar.tmp" . && mv "$root_tar.tmp" "$root_tar"
    rm -rf "$work/debian"
    step "Debian root cached in $root_tar"
fi
root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$root_tar"
step "Debian root unpacked"

# 2. The runtime: the modules the jars need, and those they load by reflection (fabric8's JDK HTTP client)
modules=$("$WEFT_JDK/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps \
    --class-path "$here/cli/target/lib/*" "$jar" 2>/dev/null | tail -n 1)
[[ $modules == java.base* ]] || fail "jdeps found no modules: '$modules'"
modules=$modules,java.net.http,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs
"$WEFT_JDK/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$root/opt/weft/java"
step "Java runtime linked: $modules"

# 3. Weft: the launcher, its JDK finder, the jars
mkdir -p "$root/opt/weft/scripts/lib" "$root/opt/weft/cli/target"
cp "$here/weft" "$root/opt/weft/weft"
cp "$here/scripts/lib/jdk.sh" "$root/opt/weft/scripts/lib/jdk.sh"
cp "$jar" "$root/opt/weft/cli/target/weft.jar"
cp -r "$here/cli/target/lib" "$root/opt/weft/cli/target/lib"
"$root/opt/weft/java/bin/java" -version > /dev/null 2>&1 || fail "the linked runtime does not start"
JAVA_HOME=$root/opt/weft/java "$root/opt/weft/weft" version > "$work/version.out" 2>&1 || true
grep -q . "$work/version.out" || fail "the image's weft does not run"
step "Weft installed under /opt/weft"

# 4. The image
if ! docker info > /dev/null 2>&1; then
    # an import needs no network: no docker0 and no iptables chains (nor FORWARD's DROP policy) left on this host
    dockerd --host unix:///var/run/docker.sock --bridge=none --iptables=false --ip-masq=false > "$work/dockerd.log" 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do docker info > /dev/null 2>&1 && break; sleep 0.5; done
    docker info > /dev/null 2>&1 || { tail -n 20 "$work/dockerd.log" >&2; fail "dockerd did not start"; }
fi
tar -C "$root" -c . | docker import \
    --change 'ENV JAVA_HOME=/opt/weft/java' \
    --change 'ENV PATH=/opt/weft/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENTRYPOINT ["/opt/weft/weft"]' \
    --message "Weft $version, built by scripts/image.sh" - "$tag" > /dev/null
docker save "$tag" -o "$cache/weft-$version.tar"
step "imported as $tag, saved as $cache/weft-$version.tar"
say "$tag: $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}'), in ${SECONDS} s"
