#!/usr/bin/env bash
# policy.sh: the NetworkPolicy controller at cluster size (weft.kube.policy.PolicyBenchmark, benchmarks/ module):
# 1000 pods on the measured node, 20 namespaces, 200 policies. Prints the time to read the cluster and generate the
# node's nftables table, to replace the table through libnftables (the controller's way) and through one nft -f
# process per change, and from a change in the API (fabric8's CRUD mock server) to the new table in the kernel (a
# fresh anonymous network namespace's), for policies created, pods relabelled and policies deleted. A benchmark: it
# prints, it asserts nothing.
#
#   sudo bench/policy.sh
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
if (( EUID != 0 )); then
    echo "policy.sh: needs root (a network namespace and its nftables)" >&2
    exit 1
fi
# shellcheck source=scripts/lib/jdk.sh
source "$root/scripts/lib/jdk.sh"
weft_find_jdk || exit 1
weft_maven_env
command -v nft >/dev/null || { echo "policy.sh: needs nft (Debian's nftables), for the process-per-change comparison" >&2; exit 1; }
echo "policy.sh: building benchmarks/target/benchmarks.jar with $WEFT_JDK" >&2
mvn -B -q -pl benchmarks -am package -DskipTests >&2
# the mock server and the controller log every request and table: only the benchmark's lines are wanted
"$WEFT_JDK/bin/java" --enable-native-access=ALL-UNNAMED -Djava.util.logging.config.file=/dev/null \
    -cp benchmarks/target/benchmarks.jar weft.kube.policy.PolicyBenchmark 2>/dev/null
