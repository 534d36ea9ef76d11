#!/usr/bin/env bash
# gen-vs-dpdk.sh: how hard does `sluice gen` drive a veth, against dpdk-testpmd txonly on
# net_af_packet (the issue's reference) and on net_af_xdp, same frames, same CPU, same run.
#
#   netns G (generator, CPU 0)  vg <-veth-> vr  netns R (counts what arrives: vr's rx_packets)
#
# Rounds alternate the order of the contenders (A B C, then C B A, ...). The rate of a contender is
# the growth of vr's rx_packets over the measured seconds (after a warm-up second), i.e. what the
# generator actually put through the veth, whatever the generator itself claims.
# Needs root, dpdk-testpmd (Debian dpdk, librte-net-af-xdp23), iproute2, taskset.
set -euo pipefail
script_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$script_dir/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/veth-bench.sh
. "$script_dir/lib/veth-bench.sh"
secs=${SECONDS_PER_RUN:-8}
rounds=${ROUNDS:-3}
size=${SIZE:-64}
sluice=${SLUICE_CMD:-$root/sluice}
tag=$$
ns_g=sluicegenG$tag
ns_r=sluicegenR$tag
if_g=vg
if_r=vr
mac_g=02:c9:02:00:00:01
mac_r=02:c9:02:00:00:02
ip_g=""   # no addresses: the rate is vr's rx_packets, nothing needs to reach R's stack
ip_r=""

# On exit, also after Ctrl-C or SIGTERM (their traps exit, which runs it; bash runs them once the
# measurement under way has ended, or at once when Ctrl-C ended that too): stops whatever still
# runs in the namespaces (e.g. a `sluice gen` whose measure() was interrupted: it ignores SIGINT
# as a background job) and deletes them.
ns_pids() { { ip netns pids "$ns_g"; ip netns pids "$ns_r"; } 2>/dev/null || true; }
cleanup() {
    local -a pids
    pkill -f "file-prefix sluicegen-$tag" 2>/dev/null || true
    mapfile -t pids < <(ns_pids)
    if [ ${#pids[@]} -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        sleep 1
        mapfile -t pids < <(ns_pids)
        [ ${#pids[@]} = 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    ip netns del "$ns_g" 2>/dev/null || true
    ip netns del "$ns_r" 2>/dev/null || true
    rm -rf /var/run/dpdk/sluicegen-$tag* /tmp/sluicegen-$tag-*.log 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

setup_topology

rx_packets() { ns_stat "$ns_r" "$if_r" rx_packets; }

# Runs "$@" in the background in G, waits a warm-up second, measures vr's rx growth over $secs.
measure() {
    local name=$1; shift
    ip netns exec "$ns_g" "$@" >"/tmp/sluicegen-$tag-$name.log" 2>&1 &
    local pid=$!
    # wait until traffic flows (startup of JVM/EAL excluded), then one warm-up second
    local before after t0 t1 waited=0
    before=$(rx_packets)
    while [ "$(rx_packets)" = "$before" ] && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    sleep 1
    before=$(rx_packets); t0=$(date +%s.%N)
    sleep "$secs"
    after=$(rx_packets); t1=$(date +%s.%N)
    kill -TERM $pid 2>/dev/null || true
    pkill -TERM -f "file-prefix sluicegen-$tag" 2>/dev/null || true   # testpmd under bash -c
    sleep 1
    kill -KILL $pid 2>/dev/null || true
    pkill -KILL -f "file-prefix sluicegen-$tag" 2>/dev/null || true
    # the next contender starts only when this one is gone (an AF_XDP socket or EAL lock may linger)
    local w=0
    while pgrep -f "file-prefix sluicegen-$tag" >/dev/null && [ $w -lt 50 ]; do sleep 0.2; w=$((w + 1)); done
    while ip -n "$ns_g" link show "$if_g" | grep -q xdp && [ $w -lt 100 ]; do sleep 0.2; w=$((w + 1)); done
    wait $pid 2>/dev/null || true
    awk -v a="$after" -v b="$before" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (a - b) / (t1 - t0) }'
}

pmd_txonly() { # $1: vdev
    taskset -c 0 dpdk-testpmd --lcores '(0,1)@0' --no-huge -m 512 --no-pci --file-prefix "sluicegen-$tag-$BASHPID" \
        --vdev "$1" -- --total-num-mbufs=16384 --forward-mode=txonly --txpkts=$((size - 4)) \
        --eth-peer=0,$mac_r --stats-period=1 --auto-start
}

sluice_gen=( $sluice gen --iface vg --dst-mac $mac_r --size "$size" --cpu 0 )
dpdk_packet=( pmd_txonly "net_af_packet0,iface=vg" )
dpdk_xdp=( pmd_txonly "net_af_xdp0,iface=vg,start_queue=0,queue_count=1,busy_budget=0" )
export -f pmd_txonly
export size tag mac_r

"$sluice" gen --help >/dev/null # build once before measuring
declare -A sum
names=(sluice-gen dpdk-af_packet dpdk-af_xdp)
for name in "${names[@]}"; do sum[$name]=0; done
echo "# $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $size-byte frames, $secs s per measurement, $rounds rounds, alternating order"
for r in $(seq 1 "$rounds"); do
    order=("${names[@]}")
    if [ $((r % 2)) -eq 0 ]; then order=(dpdk-af_xdp dpdk-af_packet sluice-gen); fi
    for name in "${order[@]}"; do
        case $name in
            sluice-gen) pps=$(measure "$name" "${sluice_gen[@]}") ;;
            dpdk-af_packet) pps=$(measure "$name" bash -c "pmd_txonly net_af_packet0,iface=vg") ;;
            dpdk-af_xdp) pps=$(measure "$name" bash -c "pmd_txonly net_af_xdp0,iface=vg,start_queue=0,queue_count=1,busy_budget=0") ;;
        esac
        echo "round $r $name: $pps pps through the veth"
        sum[$name]=$(( ${sum[$name]} + pps ))
    done
done
echo
for name in "${names[@]}"; do
    printf "%-16s %8.3f Mpps (mean of %d)\n" "$name" "$(awk -v s="${sum[$name]}" -v n="$rounds" 'BEGIN { print s / n / 1e6 }')" "$rounds"
done
awk -v s="${sum[sluice-gen]}" -v d="${sum[dpdk-af_packet]}" 'BEGIN { r = s / d; printf "sluice gen / testpmd txonly net_af_packet = %.2fx (%s)\n", r, (r > 1 ? "PASS: drives the veth harder" : "MISS") }'
awk -v s="${sum[sluice-gen]}" -v d="${sum[dpdk-af_xdp]}" 'BEGIN { printf "sluice gen / testpmd txonly net_af_xdp    = %.2fx\n", s / d }'
