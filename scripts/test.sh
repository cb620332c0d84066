#!/usr/bin/env bash
# test.sh: runs every Weft test, unit and integration (`mvn -B verify`), on a JDK 25+.
#
#   scripts/test.sh [MAVEN ARGS...]     # e.g. scripts/test.sh -pl cli -am -Dit.test=LabIT
#
# Runs scripts/setup.sh --no-build first (verify builds anyway). The lab integration tests
# need root; as another user they are skipped. Exit code: Maven's.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
bash "$root/scripts/setup.sh" --no-build
# shellcheck source=scripts/lib/jdk.sh
source "$root/scripts/lib/jdk.sh"
weft_find_jdk || exit 1

cd "$root"
weft_maven_env
exec mvn -B verify "$@"
