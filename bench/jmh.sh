#!/usr/bin/env bash
# jmh.sh: single-core throughput of Weft's sealing paths, sleeve codec, MAC table and IP allocator, with JMH (benchmarks/ module).
#
#   bench/jmh.sh                                  # all benchmarks, short settings (about 2 minutes)
#   bench/jmh.sh -f 1 -wi 3 -i 5 -prof gc Sleeve  # any JMH arguments instead of the defaults (-h lists them)
#
# Builds benchmarks/target/benchmarks.jar (mvn -pl benchmarks -am package, tests skipped), runs it with the
# arguments given or "-f 1 -wi 2 -i 3 -w 1s -r 2s -prof gc", and always adds "-rf json -rff $JMH_JSON"
# (default benchmarks/target/jmh-result.json), so do not pass -rf/-rff yourself. JMH's own output and results
# table go to stdout, then a summary: per benchmark and payload, ops/s, MB/s (10^6 bytes of payload per second,
# = ops/s x payload, divided by the thread count so it is per core) and, with -prof gc, the allocation rate.
# The sealing and sleeve benchmarks have a "payload" parameter: the plaintext or frame bytes one operation handles;
# benchmarks without one (AllocatorBenchmark: allocations per second) show n/a for MB/s.
# Numbers are for comparing runs on the same idle machine; nothing here asserts a timing.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/jdk.sh
source "$root/scripts/lib/jdk.sh"
weft_find_jdk || exit 1
weft_maven_env
command -v python3 >/dev/null || { echo "jmh.sh: python3 missing (needed for the summary)" >&2; exit 1; }

json=${JMH_JSON:-$root/benchmarks/target/jmh-result.json}
if (( $# == 0 )); then
    set -- -f 1 -wi 2 -i 3 -w 1s -r 2s -prof gc
fi

echo "jmh.sh: building benchmarks/target/benchmarks.jar with $WEFT_JDK" >&2
mvn -B -q -pl benchmarks -am package -DskipTests >&2

"$WEFT_JDK/bin/java" --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar "$@" -rf json -rff "$json"

echo
echo "Summary (per core; MB/s = ops/s x payload / threads / 10^6; from $json):"
python3 - "$json" <<'PY'
import json, sys

rows = []
for run in json.load(open(sys.argv[1])):
    payload = int(run.get("params", {}).get("payload", 0))
    threads = run.get("threads", 1) or 1
    metric = run["primaryMetric"]
    ops = metric["score"]
    err = metric.get("scoreError")
    unit = metric["scoreUnit"]
    if unit != "ops/s":
        print(f"  {run['benchmark']}: unit {unit}, not ops/s; rerun without -bm/-tu for MB/s", file=sys.stderr)
        continue
    # JMH 1.37 names them "gc.alloc.rate"; older versions put a middle dot in front.
    gc = {k.lstrip("\u00b7"): v["score"] for k, v in run.get("secondaryMetrics", {}).items()}
    # the other parameters (an engine, say) go with the benchmark's name, so that their rows can be told apart
    others = ",".join(f"{k}={v}" for k, v in sorted(run.get("params", {}).items()) if k != "payload")
    rows.append((
        run["benchmark"].removeprefix("weft.benchmarks.") + (f" {others}" if others else ""),
        str(payload),
        f"{ops:,.0f}",
        "" if err is None or err != err else f"{err:,.0f}",
        f"{ops * payload / threads / 1e6:,.1f}" if payload else "n/a",
        f"{gc['gc.alloc.rate']:,.1f}" if "gc.alloc.rate" in gc else "-",
        f"{gc['gc.alloc.rate.norm']:,.0f}" if "gc.alloc.rate.norm" in gc else "-",
    ))
header = ("benchmark", "payload", "ops/s", "+-", "MB/s/core", "alloc MB/s", "alloc B/op")
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
for r in [header] + rows:
    print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
PY
