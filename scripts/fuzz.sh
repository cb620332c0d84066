#!/usr/bin/env bash
# fuzz.sh: runs Weft's coverage-guided fuzz targets (Jazzer; the @FuzzTest methods of the *FuzzTest classes), each for
# MINUTES, one after the other, and prints per target the executions, the coverage reached and the findings.
#
#   scripts/fuzz.sh [MINUTES] [PATTERN]     # default 10 minutes each; PATTERN (grep -E) picks targets by
#                                           # module/Class#method, e.g. scripts/fuzz.sh 1 'gossip|Sleeve'
#   scripts/fuzz.sh --list                  # the targets, without running them
#
# A finding is an input that made a decoder throw what its contract does not allow (or hang, or exhaust a 1 GB heap).
# Jazzer saves it as src/test/resources/<package>/<Class>Inputs/<method>/crash-<sha1>, where the regression run of
# every build (`mvn test`, the fuzz-regression execution) replays it from then on: fix the bug, rename the input to say
# what it is, commit both. What each target learnt is kept in <module>/.cifuzz-corpus/ (git-ignored) and is where the
# next run starts. Logs: target/fuzz/<Class>.<method>.log. Exit status: 1 when a target found something or failed.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

list_targets() { # prints "module Class method" per @FuzzTest method
    grep -rl --include='*FuzzTest.java' '@FuzzTest' -- */src/test/java | sort | while read -r file; do
        awk -v module="${file%%/*}" -v class="$(basename "$file" .java)" '
            /@FuzzTest/ { pending = 1; next }
            pending && match($0, /void [A-Za-z0-9_]+\(/) {
                print module, class, substr($0, RSTART + 5, RLENGTH - 6); pending = 0
            }' "$file"
    done
}

if [[ ${1:-} == --list ]]; then
    list_targets | awk '{ printf "%-12s %s#%s\n", $1, $2, $3 }'
    exit 0
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi
minutes=${1:-10}
pattern=${2:-.}
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: MINUTES must be a whole number of minutes, not '$minutes'" >&2; exit 2; }

# shellcheck source=scripts/lib/jdk.sh
source "$root/scripts/lib/jdk.sh"
weft_find_jdk || exit 1
weft_maven_env

mapfile -t targets < <(list_targets | while read -r module class method; do
    [[ "$module/$class#$method" =~ $pattern ]] && echo "$module $class $method"; done)
(( ${#targets[@]} > 0 )) || { echo "fuzz.sh: no target matches '$pattern' (scripts/fuzz.sh --list)" >&2; exit 2; }
echo "fuzz.sh: ${#targets[@]} target(s), $minutes min each, on $(nproc) CPU(s), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); building" >&2
mvn -B -q install -DskipTests >&2
mkdir -p target/fuzz

failed=0
printf '%-12s %-44s %14s %10s %8s %8s %s\n' module target executions 'exec/s' cov ft result
for target in "${targets[@]}"; do
    read -r module class method <<<"$target"
    log=target/fuzz/$class.$method.log
    status=0
    # the build's own bound is minutes past the fuzzing's, for the JVM's start and the corpus it replays first
    JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${minutes}m" timeout $(( minutes * 60 + 600 )) \
        mvn -B -o -pl "$module" test-compile surefire:test@fuzz-regression -Dtest="$class#$method" \
        -Dweft.fuzz.timeout="$(( minutes + 5 )) m" >"$log" 2>&1 || status=$?
    done_line=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -n 1)
    executions=${runs% *}; seconds=${runs#* }
    rate=-
    [[ -n $runs && $seconds -gt 0 ]] && rate=$(( executions / seconds ))
    cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$done_line")
    ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$done_line")
    if (( status == 0 )); then
        result=ok
    elif grep -aqE '== Java Exception|(crash|timeout|oom)-[0-9a-f]{40}|libFuzzer: (timeout|out-of-memory)' "$log"; then
        result="FINDING (see $log; the input is in $module/src/test/resources)"
        failed=1
    else
        result="FAILED to run (exit $status, see $log)"
        failed=1
    fi
    printf '%-12s %-44s %14s %10s %8s %8s %s\n' "$module" "$class#$method" "${executions:--}" "$rate" "${cov:--}" "${ft:--}" "$result"
done
exit $failed
