#!/usr/bin/env bash
# Is the host quiet enough for two-core benchmarks? Runs SpscRingPerf's two-core loop briefly (bulk
# 32, three short rounds) and prints its median in ns per descriptor (enqueuer's + dequeuer's):
# about 0.7-0.8 ns on a quiet 2-vCPU EPYC VM, 6-7 ns when the host's other tenants take the cores
# (the "slow state" of benchmarks/README.md). Exit status 0 when the figure is below LIMIT_NS
# (default 1.0), 1 otherwise, so scripts can wait for quiet:
#
#   until benchmarks/host-probe.sh; do sleep 20; done; benchmarks/jmh XskPathBenchmark -f 4
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/bin/jdk.sh"
. "$root/benchmarks/lib/benchmarks-jar.sh"
# --tsc-mhz 1000 turns SpscRingPerf's cycles into nanoseconds.
ns=$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.sluice.benchmarks.ring.SpscRingPerf \
    --tsc-mhz 1000 --sizes 32 --rounds 3 --warmups 2 --iter-shift 21 | sed -n 's/^result size=32 api=bulk median=\([0-9.]*\).*/\1/p')
echo "host-probe: ${ns} ns per descriptor (two-core SPSC bulk 32; quiet is below ${LIMIT_NS:-1.0})"
awk -v n="$ns" -v l="${LIMIT_NS:-1.0}" 'BEGIN { exit !(n != "" && n < l) }'
