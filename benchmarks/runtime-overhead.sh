#!/usr/bin/env bash
# What the pipeline runtime costs over a plain forwarding loop (PipelineBenchmark's RTC1 against
# LOOP), with the host's swings taken out: RuntimeOverhead runs the two contenders in alternating
# 20 ms slices within one JVM, first on one thread (--drive invoked: the runtime's own cost, also
# in ns per packet), then on threads of their own as PipelineBenchmark runs them (--drive threads:
# wire on CPU 0, contender on CPU 1). Prints one "result" line per drive: the median, quartiles and
# extremes of the per-pair ratio RTC1 / LOOP. Issue 10's target: median >= 0.97.
#
#   benchmarks/runtime-overhead.sh                 # both drives, 400 pairs each
#   benchmarks/runtime-overhead.sh --pairs 100     # options go to RuntimeOverhead (both drives)
#
# Compare two builds by running each one's jar alternately (OLD.jar, NEW.jar, OLD.jar, ...):
#   java --enable-native-access=ALL-UNNAMED -cp OLD.jar dev.sluice.benchmarks.pipeline.RuntimeOverhead --drive threads
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/bin/jdk.sh"
. "$root/benchmarks/lib/benchmarks-jar.sh"
for drive in invoked threads; do
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.sluice.benchmarks.pipeline.RuntimeOverhead \
        --drive "$drive" "$@"
done
