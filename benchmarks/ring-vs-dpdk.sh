#!/usr/bin/env bash
# Sluice's SPSC descriptor ring beside DPDK's rte_ring, both on two cores, in TSC cycles per element.
#
#   benchmarks/ring-vs-dpdk.sh            # RUNS=5 alternating runs of ring_perf_autotest and SpscRingPerf
#   RUNS=9 PERF_ARGS="--rounds 7" benchmarks/ring-vs-dpdk.sh
#
# What is compared
#   DPDK: `dpdk-test` ring_perf_autotest, section "Testing using two physical cores", lines
#   "legacy APIs: SP/SC: bulk (size: 8|32)" (8-byte pointers, like our 64-bit descriptors; ring of
#   4096). One lcore enqueues bulks, the other dequeues them, retrying after rte_pause() when a
#   bulk does not fit; each times its own loop with rdtsc and divides by the elements it moved; the
#   number printed is the SUM of the two (see run_on_core_pair in app/test/test_ring_perf.c).
#   Sluice: dev.sluice.benchmarks.ring.SpscRingPerf, the same loop on SpscDescriptorRing (threads
#   pinned to CPUs 0 and 1, a barrier, each times its own loop with System.nanoTime, one
#   Thread.onSpinWait() = PAUSE after a call that moved nothing, the sum of the two converted to TSC
#   cycles). `--api bulk` uses offerBulk/pollBulk (all or nothing, DPDK's bulk semantics: the
#   column held against DPDK); `--api burst` uses offer/poll (as many as fit), shown beside it.
#   No JMH on either side, so neither pays for a harness the other does not.
#   The two-core rings are bimodal on this machine (a consumer right behind the producer bounces
#   slot lines between the cores, one that trails streams them), DPDK's short run the most: we run
#   RUNS alternating rounds (DPDK, Sluice bulk, Sluice burst) and compare medians.
#
# Converting ns to cycles
#   cycles = ns * TSC GHz. DPDK counts with rdtsc, so we need the TSC frequency, not the current
#   core clock. Sources, best first: the kernel's "tsc: Refined TSC clocksource calibration" or
#   "tsc: Detected ... MHz" (dmesg, needs root), DPDK's own estimate ("EAL: TSC frequency is ~N KHz"
#   at EAL debug log level), and last /proc/cpuinfo "cpu MHz" (equal to the TSC rate only with
#   constant_tsc, which we check). Override with TSC_MHZ=... .
#
# The machine is shared and noisy: compare medians of several runs, never single numbers.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/bin/jdk.sh"

RUNS=${RUNS:-${DPDK_RUNS:-5}}
PERF_ARGS=${PERF_ARGS:-"--rounds 5 --warmups 3"}
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

# --- DPDK and Sluice, alternating -------------------------------------------------------------
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

. "$root/benchmarks/lib/benchmarks-jar.sh"

echo "ring-vs-dpdk: TSC ${tsc_mhz} MHz from ${tsc_source}; ${RUNS} alternating runs of each" >&2
for i in $(seq 1 "$RUNS"); do
    out="$work/dpdk.$i.log"
    echo "ring-vs-dpdk: run $i/$RUNS: $dpdk_test ring_perf_autotest" >&2
    DPDK_TEST=ring_perf_autotest "$dpdk_test" --no-huge -m 512 --no-pci --file-prefix "$prefix" -l 0,1 \
        </dev/null >"$out" 2>&1 || { echo "ring-vs-dpdk: dpdk-test failed, output:" >&2; tail -20 "$out" >&2; exit 1; }
    if ! grep -q "### Testing using two physical cores ###" "$out"; then
        echo "ring-vs-dpdk: dpdk-test found no two physical cores (lcores 0,1 are hyperthreads of one core?)" >&2
        exit 1
    fi
    dpdk_two_core "$out" >>"$work/dpdk.values"
    for api in bulk burst; do
        echo "ring-vs-dpdk: run $i/$RUNS: SpscRingPerf --api $api" >&2
        # shellcheck disable=SC2086 # PERF_ARGS is a list of options
        java --enable-native-access=ALL-UNNAMED -cp "$jar" dev.sluice.benchmarks.ring.SpscRingPerf \
            --tsc-mhz "$tsc_mhz" --sizes 8,32 --api "$api" $PERF_ARGS >"$work/sluice.$api.$i.log" 2>&1 \
            || { echo "ring-vs-dpdk: SpscRingPerf failed, output:" >&2; tail -20 "$work/sluice.$api.$i.log" >&2; exit 1; }
        sed -n "s/^result size=\([0-9]*\) api=$api median=\([0-9.]*\).*/\1 \2/p" "$work/sluice.$api.$i.log" >>"$work/sluice.$api.values"
    done
done

# --- Side by side ------------------------------------------------------------------------------
python3 - "$tsc_mhz" "$work/dpdk.values" "$work/sluice.bulk.values" "$work/sluice.burst.values" <<'EOF'
import statistics, sys
def load(path):
    values = {}
    for line in open(path):
        size, value = line.split()
        values.setdefault(int(size), []).append(float(value))
    return values
tsc_mhz = float(sys.argv[1])
dpdk, bulk, burst = load(sys.argv[2]), load(sys.argv[3]), load(sys.argv[4])
print("SP/SC, two cores (CPU 0 enqueues, CPU 1 dequeues), ring of 4096, TSC %.1f MHz." % tsc_mhz)
print("cycles/element as DPDK counts them (enqueuer's + dequeuer's), one value per run and the median.")
print("Sluice bulk = offerBulk/pollBulk (all or nothing, what DPDK measures); burst = offer/poll (as many as fit).")
print("%-5s %-30s %7s %-30s %7s %-30s %7s %10s %s" % ("size", "DPDK runs", "median", "Sluice bulk runs", "median", "Sluice burst runs", "median", "bulk ratio", "paired"))
summary = []
for size in (8, 32):
    d, b, u = dpdk.get(size, []), bulk.get(size, []), burst.get(size, [])
    if not d or not b or not u:
        print("%-5d missing result (dpdk=%s, bulk=%s, burst=%s)" % (size, d, b, u))
        continue
    dm, bm, um = statistics.median(d), statistics.median(b), statistics.median(u)
    fmt = lambda xs: ",".join("%.2f" % x for x in xs)
    # Run i of each side ran back to back: their ratio cancels the machine's slow drifts
    # between runs (on this VM the two cores' figures change by 2-5x from minute to minute).
    paired = [x / y for x, y in zip(b, d)]
    pm, wins = statistics.median(paired), sum(1 for r in paired if r <= 1)
    print("%-5d %-30s %7.2f %-30s %7.2f %-30s %7.2f %10.2f median %.2f of %s (Sluice <= DPDK in %d of %d)"
          % (size, fmt(d), dm, fmt(b), bm, fmt(u), um, bm / dm, pm, fmt(paired), wins, len(paired)))
    summary += ["dpdk_bulk%d_cycles=%.2f" % (size, dm), "sluice_bulk%d_cycles=%.2f" % (size, bm),
                "sluice_burst%d_cycles=%.2f" % (size, um), "ratio_bulk%d=%.2f" % (size, bm / dm),
                "paired_ratio_bulk%d=%.2f" % (size, pm), "wins_bulk%d=%d/%d" % (size, wins, len(paired))]
print("ratio = Sluice bulk / DPDK bulk, from the medians: below 1 means Sluice moves a descriptor in fewer cycles.")
print("paired = the same ratio per run (DPDK and Sluice bulk of one run ran back to back), and their median.")
print("tsc_mhz=%.3f " % tsc_mhz + " ".join(summary))
EOF
