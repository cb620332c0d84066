#!/usr/bin/env bash
# mesh-scaling.sh: the topology gossip's cost against the number of routers, from the deterministic in-memory
# simulation (weft.gossip.topology.TopologyScaling; seeded, so the same table every run). Prints a markdown table.
#
#   bench/mesh-scaling.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/lib/jdk.sh
source "$root/scripts/lib/jdk.sh"
weft_find_jdk || exit 1
weft_maven_env
cd "$root"
mvn -B -q -pl crypto,gossip -am install -DskipTests
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT
mvn -B -q -pl gossip dependency:build-classpath -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test
"$WEFT_JDK/bin/java" -cp "gossip/target/classes:gossip/target/test-classes:$(cat "$classpath_file")" weft.gossip.topology.TopologyScaling
