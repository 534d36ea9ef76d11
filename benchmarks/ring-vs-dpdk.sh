#!/usr/bin/env bash
# Sluice's SPSC descriptor ring beside DPDK's rte_ring, both on two cores, in TSC cycles per element.
#
#   benchmarks/ring-vs-dpdk.sh            # DPDK_RUNS=3 runs of ring_perf_autotest, one JMH run
#   DPDK_RUNS=5 JMH_ARGS="-f 3" benchmarks/ring-vs-dpdk.sh
#
# What is compared
#   DPDK: `dpdk-test` ring_perf_autotest, section "Testing using two physical cores", lines
#   "legacy APIs: SP/SC: bulk (size: 8|32)" (8-byte pointers, like our 64-bit descriptors; ring of
#   4096). One lcore enqueues 2^15 bulks, the other dequeues them; each times its own loop with rdtsc
#   and divides by the elements it moved; the number printed is the SUM of the two (enqueuer's
#   cycles/element + dequeuer's cycles/element, see run_on_core_pair in app/test/test_ring_perf.c).
#   Both loops run over the same interval, so that sum is about twice the wall-clock cycles per
#   element. The run is short (about a millisecond for size 8), hence noisy: we run it DPDK_RUNS
#   times and take the median.
#   Sluice: the JMH group SpscRingBenchmark.sluice (one producer thread, one consumer thread, ring
#   of 4096, burst offer/poll of 8 or 32, backoff=pause: one Thread.onSpinWait(), i.e. PAUSE, after
#   a call that moved nothing, as DPDK's loop calls rte_pause()). Its `:polled` score is descriptors
#   received per microsecond over whole iterations: wall-clock ns/element = 1000 / polled. We use
#   the median over all measured iterations of all forks (and print JMH's mean beside it): the
#   two-thread ring is bimodal on this machine, a consumer right behind the producer bounces every
#   slot line between the cores, one that trails behind streams them, and a fork may sit in the
#   slow mode for a few seconds.
#
# Converting ns to cycles
#   cycles = ns * TSC GHz. DPDK counts with rdtsc, so we need the TSC frequency, not the current
#   core clock. Sources, best first: the kernel's "tsc: Refined TSC clocksource calibration" or
#   "tsc: Detected ... MHz" (dmesg, needs root), DPDK's own estimate ("EAL: TSC frequency is ~N KHz"
#   at EAL debug log level), and last /proc/cpuinfo "cpu MHz" (equal to the TSC rate only with
#   constant_tsc, which we check). Override with TSC_MHZ=... .
#   Sluice wall cycles/element = ns/element * TSC GHz; "Sluice as DPDK counts" = 2 * that (enqueuer
#   and dequeuer both busy for the whole interval), which is the column to hold against DPDK's.
#   ratio = Sluice (as DPDK counts) / DPDK: below 1 means Sluice moves a descriptor in fewer cycles.
#
# Caveats: DPDK's bulk calls are all-or-nothing; Sluice's offer/poll take what fits, so a consumer
# that keeps up moves smaller bursts. JMH adds its loop and counter increments to every call.
# The machine is shared and noisy: compare medians of several runs, never single numbers.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/bin/jdk.sh"

DPDK_RUNS=${DPDK_RUNS:-3}
JMH_ARGS=${JMH_ARGS:-"-f 3 -wi 5 -w 1s -i 5 -r 1s"}
jar="$root/benchmarks/target/benchmarks.jar"
work=$(mktemp -d "${TMPDIR:-/tmp}/ring-vs-dpdk.XXXXXX")
prefix="ringperf$$"
cleanup() {
    rm -rf "$work"
    rm -rf "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$prefix" 2>/dev/null || true
}
trap cleanup EXIT

dpdk_test=$(command -v dpdk-test || true)
if [ -z "$dpdk_test" ]; then
    echo "ring-vs-dpdk: dpdk-test not found; install it with 'apt-get install dpdk dpdk-dev' (Debian 12: DPDK 22.11)." >&2
    exit 1
fi
command -v python3 >/dev/null || { echo "ring-vs-dpdk: needs python3 to read JMH's JSON (apt-get install python3)." >&2; exit 1; }

# --- TSC frequency --------------------------------------------------------------------------
tsc_mhz=${TSC_MHZ:-}
tsc_source="TSC_MHZ"
if [ -z "$tsc_mhz" ]; then
    d=$(dmesg 2>/dev/null || true)
    tsc_mhz=$(sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' <<<"$d" | tail -1)
    tsc_source="dmesg (refined calibration)"
    if [ -z "$tsc_mhz" ]; then
        tsc_mhz=$(sed -n 's/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' <<<"$d" | tail -1)
        tsc_source="dmesg (tsc: Detected)"
    fi
fi
if [ -z "$tsc_mhz" ]; then
    khz=$(echo quit | "$dpdk_test" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0 --log-level=lib.eal:debug 2>&1 \
        | sed -n 's/.*TSC frequency is ~\([0-9]*\) KHz.*/\1/p' | head -1 || true)
    if [ -n "$khz" ]; then
        tsc_mhz=$(awk -v k="$khz" 'BEGIN { printf "%.3f", k / 1000 }')
        tsc_source="DPDK EAL estimate"
    fi
fi
if [ -z "$tsc_mhz" ] && grep -q -w constant_tsc /proc/cpuinfo; then
    tsc_mhz=$(sed -n 's/^cpu MHz[[:space:]]*: *\([0-9.]*\).*/\1/p' /proc/cpuinfo | head -1)
    tsc_source="/proc/cpuinfo cpu MHz (constant_tsc)"
fi
if [ -z "$tsc_mhz" ]; then
    echo "ring-vs-dpdk: cannot find the TSC frequency (no dmesg, no DPDK estimate, no constant_tsc); set TSC_MHZ." >&2
    exit 1
fi

# --- DPDK ------------------------------------------------------------------------------------
# Prints "size value" for the legacy SP/SC bulk lines of the two-core section of one run's output.
dpdk_two_core() {
    awk '
        /^### Testing using two physical cores ###/ { in2 = 1; next }
        /^###/ { in2 = 0 }
        in2 && /^legacy APIs: SP\/SC: bulk \(size: [0-9]+\):/ {
            size = $0; sub(/.*size: /, "", size); sub(/\).*/, "", size)
            v = $NF; print size, v
        }' "$1"
}

echo "ring-vs-dpdk: TSC ${tsc_mhz} MHz from ${tsc_source}; ${DPDK_RUNS} DPDK runs; JMH ${JMH_ARGS}" >&2
for i in $(seq 1 "$DPDK_RUNS"); do
    out="$work/dpdk.$i.log"
    echo "ring-vs-dpdk: $dpdk_test ring_perf_autotest, run $i/$DPDK_RUNS" >&2
    DPDK_TEST=ring_perf_autotest "$dpdk_test" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 \
        </dev/null >"$out" 2>&1 || { echo "ring-vs-dpdk: dpdk-test failed, output:" >&2; tail -20 "$out" >&2; exit 1; }
    if ! grep -q "### Testing using two physical cores ###" "$out"; then
        echo "ring-vs-dpdk: dpdk-test found no two physical cores (lcores 0,1 are hyperthreads of one core?)" >&2
        exit 1
    fi
    dpdk_two_core "$out" >>"$work/dpdk.values"
done

# --- Sluice ----------------------------------------------------------------------------------
if [ ! -f "$jar" ] || [ -n "${REBUILD:-}" ]; then
    echo "ring-vs-dpdk: building $jar" >&2
    (cd "$root" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi
echo "ring-vs-dpdk: java -jar $jar SpscRingBenchmark.sluice -p burst=8,32 -p backoff=pause $JMH_ARGS" >&2
# shellcheck disable=SC2086 # JMH_ARGS is a list of options
java -jar "$jar" 'dev.sluice.benchmarks.ring.SpscRingBenchmark.sluice$' -p burst=8,32 -p backoff=pause $JMH_ARGS \
    -rf json -rff "$work/sluice.json" >"$work/jmh.log" 2>&1 \
    || { echo "ring-vs-dpdk: JMH failed, output:" >&2; tail -30 "$work/jmh.log" >&2; exit 1; }

# --- Side by side ------------------------------------------------------------------------------
python3 - "$tsc_mhz" "$work/dpdk.values" "$work/sluice.json" <<'EOF'
import json, statistics, sys
tsc_ghz = float(sys.argv[1]) / 1000.0
dpdk = {}
for line in open(sys.argv[2]):
    size, value = line.split()
    dpdk.setdefault(int(size), []).append(float(value))
sluice = {}
for result in json.load(open(sys.argv[3])):
    burst = int(result["params"]["burst"])
    polled = result["secondaryMetrics"]["polled"]
    iterations = [v for fork in polled["rawData"] for v in fork]
    sluice[burst] = (statistics.median(iterations), polled["score"], min(iterations), max(iterations))

print("SP/SC bulk, two cores, TSC %.3f GHz. DPDK: enqueuer + dequeuer cycles/element, median of runs." % tsc_ghz)
print("Sluice: wall ns/element, median of JMH iterations (mean and fastest-slowest iteration beside it);")
print("        as DPDK counts = 2 x wall cycles; ratio = Sluice / DPDK, from the medians.")
print("%-5s %-22s %11s %12s %10s %14s %13s %14s %6s" % ("size", "DPDK runs", "DPDK median", "Sluice ns/el", "(mean)", "(iter range)", "Sluice cyc/el", "Sluice as DPDK", "ratio"))
summary = []
for size in (8, 32):
    runs = dpdk.get(size, [])
    if size not in sluice or not runs:
        print("%-5d missing result (dpdk runs=%s, sluice=%s)" % (size, runs, sluice.get(size)))
        continue
    med = statistics.median(runs)
    median_ops, mean_ops, slowest, fastest = sluice[size]
    ns = 1000.0 / median_ops
    wall_cycles = ns * tsc_ghz
    as_dpdk = 2 * wall_cycles
    ratio = as_dpdk / med
    print("%-5d %-22s %11.2f %12.3f %10.3f %14s %13.2f %14.2f %6.2f" % (
        size, ",".join("%.2f" % r for r in runs), med, ns, 1000.0 / mean_ops,
        "%.2f-%.2f" % (1000.0 / fastest, 1000.0 / slowest), wall_cycles, as_dpdk, ratio))
    summary += ["dpdk_bulk%d_cycles=%.2f" % (size, med), "sluice_bulk%d_ns=%.3f" % (size, ns),
                "sluice_bulk%d_cycles=%.2f" % (size, as_dpdk), "ratio_bulk%d=%.2f" % (size, ratio)]
print("tsc_mhz=%.3f " % (tsc_ghz * 1000) + " ".join(summary))
EOF
