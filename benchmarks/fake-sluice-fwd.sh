#!/usr/bin/env bash
# Stand-in for `sluice fwd`, to test fwd-vs-dpdk.sh before the real command exists:
#   SLUICE_CMD=benchmarks/fake-sluice-fwd.sh benchmarks/fwd-vs-dpdk.sh --rounds 1 --seconds 3
# It accepts the same arguments, attaches nothing, and reports the interface's kernel counters
# (packets the kernel stack received / sent) once per second, then the summary line in the format
# fwd-vs-dpdk.sh parses:  summary key=value ...  with rx_pps= and tx_pps= (mean over the seconds
# with traffic). FAKE_SLUICE_EXIT=N makes it exit with status N; FAKE_SLUICE_NO_SUMMARY=1 omits
# the summary line.
set -euo pipefail
[ "${1:-}" = fwd ] || { echo "usage: $0 fwd --iface IF --queue Q --mode rxonly|macswap --duration S --cpu C" >&2; exit 2; }
shift
iface="" queue=0 mode=rxonly duration=10 cpu=1
while [ $# -gt 0 ]; do
    case $1 in
        --iface) iface=$2; shift 2 ;;
        --queue) queue=$2; shift 2 ;;
        --mode) mode=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --cpu) cpu=$2; shift 2 ;;
        --help) echo "fake sluice fwd"; exit 0 ;;
        *) echo "fake sluice: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$iface" ] || { echo "fake sluice: --iface is required" >&2; exit 2; }
stats=/sys/class/net/$iface/statistics
sleep 0.5 # "JVM start"
rx0=$(<"$stats/rx_packets") tx0=$(<"$stats/tx_packets")
sum_rx=0 sum_tx=0 n=0
for ((s = 1; s <= duration; s++)); do
    sleep 1
    rx1=$(<"$stats/rx_packets") tx1=$(<"$stats/tx_packets")
    drx=$((rx1 - rx0)) dtx=$((tx1 - tx0))
    echo "t=${s}s rx_pps=$drx tx_pps=$dtx mode=$mode queue=$queue cpu=$cpu"
    if [ $drx -gt 0 ]; then sum_rx=$((sum_rx + drx)); sum_tx=$((sum_tx + dtx)); n=$((n + 1)); fi
    rx0=$rx1 tx0=$tx1
done
[ "${FAKE_SLUICE_NO_SUMMARY:-0}" = 1 ] ||
    awk -v r=$sum_rx -v t=$sum_tx -v n=$n -v m="$mode" -v d="$duration" 'BEGIN {
        printf "summary mode=%s seconds=%d traffic_seconds=%d rx_pps=%.1f tx_pps=%.1f drops=0\n",
            m, d, n, n ? r / n : 0, n ? t / n : 0 }'
exit "${FAKE_SLUICE_EXIT:-0}"
