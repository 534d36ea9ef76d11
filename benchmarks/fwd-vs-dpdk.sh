#!/usr/bin/env bash
# fwd-vs-dpdk.sh: compare `sluice fwd` with DPDK's dpdk-testpmd (net_af_xdp PMD) on a veth pair.
#
# Topology (both ends in private namespaces created here, nothing touches the host's interfaces):
#
#   netns G (generator)                      netns R (receiver)
#   vg 02:c9:01:00:00:01 10.201.0.1/24  <->  vr 02:c9:01:00:00:02 10.201.0.2/24
#   dpdk-testpmd txonly, CPU 0                contender, CPU 1 (sluice fwd | testpmd net_af_xdp)
#
# Run `fwd-vs-dpdk.sh --help` for the options. Needs root, dpdk-testpmd (Debian's DPDK 22.11 with
# librte-net-af-xdp23), iproute2, taskset, stdbuf, awk.
set -euo pipefail

script_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/veth-bench.sh
. "$script_dir/lib/veth-bench.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} [options]

Benchmarks \`sluice fwd\` against dpdk-testpmd's net_af_xdp PMD (busy_budget=0 and default busy
polling) on a veth pair, for the modes rxonly and macswap. A dpdk-testpmd txonly generator runs on
CPU 0 in namespace G; the contender runs on CPU 1 in namespace R. Rounds alternate the order of
the contenders (A/B/C, then C/B/A, ...). Prints a table you can paste into benchmarks/README.md.

Options:
  --seconds N      measured seconds per contender and round (default 10)
  --rounds N       rounds (default 3)
  --sluice PATH    sluice launcher (default: \$SLUICE_CMD if set, else $repo_root/sluice).
                   May be a command with arguments, e.g. "bash benchmarks/fake-sluice-fwd.sh".
  --size N         frame size on the wire including the 4-byte FCS (default 64; 64..1518)
  --only MODE      run only rxonly or only macswap
  --gen KIND       generator PMD: af_packet (net_af_packet, default) or af_xdp (net_af_xdp,
                   busy_budget=0; faster on veth, see the note at the end of the output)
  --gen-args ARGS  extra devargs for the generator PMD, e.g. "busy_budget=0" with --gen af_xdp (default none)
  --no-sluice      measure only the DPDK contenders
  --no-dpdk        measure only sluice
  --keep-logs      keep the per-run logs (their directory is printed)
  --max-other N    the machine is shared: before each measurement wait until processes that
                   are not ours use less than N% of one CPU (sampled over 2 s; default 25), and
                   mark measurements during which they used more with '!' (default 25)
  --quiet-wait N   wait at most N seconds for that (default 120; 0 = do not wait)
  -h, --help       this text

Contract with sluice: the command
  ip netns exec R taskset -c 1 SLUICE fwd --iface vr --queue 0 --mode MODE --duration N --cpu 1
must exit 0 and print (last such line wins) a line whose first word is \`summary\` followed by
space-separated key=value pairs, including rx_pps=<number> and tx_pps=<number> (packets per second,
decimal, e.g. 912345 or 912345.7 or 9.1e5; mean over the seconds with traffic). Other keys and
lines are ignored.

Exit status: 0 when every measurement produced a number, 1 otherwise, 2 on usage errors.
EOF
}

# ---------------------------------------------------------------------------------------------
# Options
secs=10
rounds=3
sluice=${SLUICE_CMD:-$repo_root/sluice}
size=64
only=""
gen_kind=af_packet
gen_args=""
run_sluice=1
run_dpdk=1
keep_logs=0
max_other=25
quiet_wait=120
warmup=1     # DPDK: 1-second stats samples skipped after the first (baseline) sample

while [ $# -gt 0 ]; do
    case $1 in
        --seconds) need_arg "$@"; secs=$2; shift 2 ;;
        --rounds) need_arg "$@"; rounds=$2; shift 2 ;;
        --sluice) need_arg "$@"; sluice=$2; shift 2 ;;
        --size) need_arg "$@"; size=$2; shift 2 ;;
        --only) need_arg "$@"; only=$2; shift 2 ;;
        --gen) need_arg "$@"; gen_kind=$2; shift 2 ;;
        --gen-args) need_arg "$@"; gen_args=$2; shift 2 ;;
        --no-sluice) run_sluice=0; shift ;;
        --no-dpdk) run_dpdk=0; shift ;;
        --keep-logs) keep_logs=1; shift ;;
        --max-other) need_arg "$@"; max_other=$2; shift 2 ;;
        --quiet-wait) need_arg "$@"; quiet_wait=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die_usage "unknown argument: $1" ;;
    esac
done
check_options 2
case $gen_kind in af_packet|af_xdp) ;; *) die_usage "--gen takes af_packet or af_xdp" ;; esac
[ $run_sluice = 1 ] || [ $run_dpdk = 1 ] || die_usage "--no-sluice and --no-dpdk exclude each other"
if [ -n "$only" ]; then modes=("$only"); else modes=(rxonly macswap); fi
read -r -a sluice_cmd <<<"$sluice"

check_host "namespaces, XDP" "$run_sluice" dpdk-testpmd ip taskset stdbuf awk

# ---------------------------------------------------------------------------------------------
# Names, unique per run (tests may run concurrently). The veth ends are created directly inside
# the namespaces, so their short names never appear in (or collide in) the root namespace.
id=$$
ns_g=sluicebenchG$id
ns_r=sluicebenchR$id
if_g=vg
if_r=vr
mac_g=02:c9:01:00:00:01
mac_r=02:c9:01:00:00:02
ip_g=10.201.0.1
ip_r=10.201.0.2
pfx_g=sluicebench-gen-$id    # DPDK --file-prefix values: /var/run/dpdk/<prefix>
pfx_r=sluicebench-rcv-$id
logdir=$(mktemp -d /tmp/fwd-vs-dpdk.$id.XXXXXX)
dpdk_prefixes=("$pfx_g" "$pfx_r")
set_traps

# ---------------------------------------------------------------------------------------------
# Generator: dpdk-testpmd txonly on CPU 0 in namespace G (see testpmd_gen_cmd), to vr's address.
build_gen_cmd() { testpmd_gen_cmd "$gen_kind" "$ip_r" "$gen_args"; }

gen_log=""
gen_round=0
start_generator() {
    local n i
    gen_round=$((gen_round + 1))
    gen_log=$logdir/generator.$gen_round.log
    : >"$gen_log"   # exists before the background job opens it (we poll it at once)
    "${gen_cmd[@]}" >"$gen_log" 2>&1 &
    gen_pid=$!
    # Wait until it reports traffic twice (stats every second).
    for ((i = 0; i < 600; i++)); do
        kill -0 "$gen_pid" 2>/dev/null || { log "error: generator died:"; tail -20 "$gen_log" >&2; exit 1; }
        n=$(awk '/Tx-pps:/ && $2 > 0 {n++} END {print n + 0}' "$gen_log")
        [ "$n" -ge 2 ] && return 0
        sleep 0.1
    done
    log "error: generator shows no traffic after 60 s"; tail -20 "$gen_log" >&2; exit 1
}

gen_samples() { grep -c 'Tx-pps:' "$gen_log" || true; }
# Mean Tx-pps of the generator's stats samples number $1+1..$2 (the offered load meanwhile).
gen_mean() {
    awk -v a="$1" -v b="$2" '/Tx-pps:/ {n++; if (n > a && n <= b) {s += $2; k++}}
        END {if (k) printf "%.0f", s / k; else printf "nan"}' "$gen_log"
}

# ---------------------------------------------------------------------------------------------
# Contenders. Each sets res_rx and res_tx (pps, or "nan" when it failed); logs go to $logdir.
# They run in the main shell (not in $(...)) so that bench_cleanup sees $cur_pid.
res_rx=nan
res_tx=nan
sluice_cmdline() { # mode
    sluice_run=(ip netns exec "$ns_r" taskset -c 1 "${sluice_cmd[@]}" fwd --iface "$if_r" --queue 0
        --mode "$1" --duration "$secs" --cpu 1)
}

run_sluice_once() { # mode round
    local mode=$1 round=$2 lg
    lg=$logdir/sluice.$mode.$round.log
    sluice_cmdline "$mode"
    # The launcher may build on first use and the JVM needs time to start: allow a generous
    # margin before giving up; sluice itself stops after --duration.
    run_bounded sluice $((secs + 180)) "$lg" "${sluice_run[@]}"
    if [ $run_rc != 0 ]; then
        log "error: sluice exited with status $run_rc (log: $lg):"; tail -5 "$lg" | sed 's/^/    /' >&2
        res_rx=nan; res_tx=nan; return
    fi
    res_rx=$(summary_value "$lg" rx_pps)
    res_tx=$(summary_value "$lg" tx_pps)
}

# DPDK receiver: testpmd with net_af_xdp on vr, both lcores on CPU 1, stats every second.
# Measuring the steady interval: testpmd prints "Rx-pps"/"Tx-pps" per stats period, computed by
# testpmd itself from the counter deltas over the TSC-measured time since the previous print.
# The first print only sets the baseline (it always shows 0 pps); the next $warmup prints cover
# the start of traffic after the PMD attached its XDP program; the following $secs prints are the
# measurement, and we stop testpmd as soon as they exist. Mean of those per-second rates = packets
# / time over the steady interval (the periods are ~equal, 1 s + a few ms). testpmd's own startup
# (EAL init, mempool, XDP attach: ~3-5 s here) is thereby excluded.
dpdk_cmdline() { # mode variant
    local vdev="net_af_xdp0,iface=$if_r,start_queue=0,queue_count=1"
    [ "$2" = bb0 ] && vdev+=",busy_budget=0"
    dpdk_run=(ip netns exec "$ns_r" taskset -c 1 stdbuf -oL
        dpdk-testpmd --lcores '(0,1)@1' --no-huge -m 512 --no-pci --file-prefix "$pfx_r"
        --vdev "$vdev" --
        --total-num-mbufs=16384 --forward-mode="$1" --stats-period=1 --auto-start)
}

run_dpdk_once() { # mode variant round
    local mode=$1 variant=$2 round=$3 lg n i want limit
    lg=$logdir/dpdk-$variant.$mode.$round.log
    dpdk_cmdline "$mode" "$variant"
    want=$((1 + warmup + secs))
    limit=$((want + 90))
    : >"$lg"   # exists before the background job opens it (we poll it at once)
    "${dpdk_run[@]}" >"$lg" 2>&1 &
    cur_pid=$!
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$cur_pid" 2>/dev/null || break
        n=$(grep -c 'Rx-pps:' "$lg" || true)
        [ "$n" -ge "$want" ] && break
        sleep 0.1
    done
    if ! kill -0 "$cur_pid" 2>/dev/null; then
        wait "$cur_pid" || true; cur_pid=""
        log "error: testpmd ($variant, $mode) exited early (log: $lg):"; tail -8 "$lg" | sed 's/^/    /' >&2
        res_rx=nan; res_tx=nan; return
    fi
    stop_pid "$cur_pid" 15; cur_pid=""
    rm -rf "/var/run/dpdk/$pfx_r"
    read -r res_rx res_tx < <(awk -v a=$((1 + warmup)) -v b="$want" '
        /Rx-pps:/ {r++; if (r > a && r <= b) {rs += $2; rk++}}
        /Tx-pps:/ {t++; if (t > a && t <= b) {ts += $2; tk++}}
        END {
            if (rk == b - a) printf "%.0f ", rs / rk; else printf "nan "
            if (tk == b - a) printf "%.0f\n", ts / tk; else printf "nan\n"
        }' "$lg")
}

# ---------------------------------------------------------------------------------------------
contenders=()
[ $run_sluice = 1 ] && contenders+=(sluice)
[ $run_dpdk = 1 ] && contenders+=(dpdk-bb0 dpdk-busy)
label() {
    case $1 in
        sluice) echo "sluice fwd" ;;
        dpdk-bb0) echo "DPDK af_xdp busy_budget=0" ;;
        dpdk-busy) echo "DPDK af_xdp default (busy poll)" ;;
    esac
}

declare -A rx tx offered other   # key: contender,mode,round

measure() { # contender mode round
    local c=$1 mode=$2 round=$3 g0 g1 o0 o1 w0 w1
    measure_prepare
    g0=$(gen_samples)
    o0=$(other_ticks); w0=$EPOCHREALTIME
    case $c in
        sluice) run_sluice_once "$mode" "$round" ;;
        dpdk-bb0) run_dpdk_once "$mode" bb0 "$round" ;;
        dpdk-busy) run_dpdk_once "$mode" busy "$round" ;;
    esac
    g1=$(gen_samples)
    o1=$(other_ticks); w1=$EPOCHREALTIME
    other[$c,$mode,$round]=$(other_pct "$o0" "$o1" "$(elapsed "$w0" "$w1")")
    reset_vr "$c"
    rx[$c,$mode,$round]=$res_rx
    tx[$c,$mode,$round]=$res_tx
    # Offered load: the generator's samples of (about) the contender's measured seconds, i.e. the
    # last $secs before the contender stopped (the last sample overlaps its shutdown).
    local ga=$((g1 - secs - 1))
    [ $ga -ge "$g0" ] || ga=$g0
    offered[$c,$mode,$round]=$(gen_mean "$ga" $((g1 - 1)))
    [ "${rx[$c,$mode,$round]}" != nan ] || measure_failures=$((measure_failures + 1))
    log "round $round $mode $c: rx_pps=${rx[$c,$mode,$round]} tx_pps=${tx[$c,$mode,$round]} (generator sent ~${offered[$c,$mode,$round]} pps; other processes ${other[$c,$mode,$round]}% CPU)"
}

# ---------------------------------------------------------------------------------------------
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
setup_topology
build_gen_cmd

if [ $run_sluice = 1 ] && [ -z "${SLUICE_CMD:-}" ] && [ "${sluice_cmd[0]}" = "$repo_root/sluice" ]; then
    # The launcher builds on first use; do that outside the measured rounds.
    log "warming up the sluice launcher (builds if needed) ..."
    "${sluice_cmd[@]}" fwd --help >"$logdir/sluice-help.log" 2>&1 || true
fi

run_rounds "the generator"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report
mean_of() { # values...
    awk 'BEGIN {for (i = 1; i < ARGC; i++) {if (ARGV[i] == "nan") {print "nan"; exit} s += ARGV[i]}
        printf "%.0f", s / (ARGC - 1)}' "$@"
}

echo
echo "## sluice fwd vs DPDK testpmd (net_af_xdp) on veth, ${size}-byte frames"
echo
echo "- date: $started; rounds: $rounds; seconds per contender and round: $secs; order alternates per round"
machine_line
echo "- DPDK: $(dpkg-query -W -f '${Version}' dpdk 2>/dev/null || echo unknown); generator: testpmd txonly on $gen_kind, CPU 0; receiver: CPU 1"
load_line "$load_before" "$load_after"
echo

status=0
for mode in "${modes[@]}"; do
    if [ "$mode" = rxonly ]; then
        metric=rx; target=1.05
        echo "### rxonly: packets received per second (Mpps)"
    else
        metric=tx; target=1.00
        echo "### macswap: packets forwarded back per second (Mpps; tx, with rx in brackets)"
    fi
    echo
    hdr="| contender | mean |"; sep="|---|---|"
    for ((r = 1; r <= rounds; r++)); do hdr+=" round $r |"; sep+="---|"; done
    echo "$hdr generator sent (mean) | other CPU% per round |"; echo "$sep---|---|"
    best_dpdk=nan; best_name=""
    declare -A mean_m=()
    for c in "${contenders[@]}"; do
        vals=(); rvals=(); ovals=()
        for ((r = 1; r <= rounds; r++)); do
            if [ $metric = rx ]; then vals+=("${rx[$c,$mode,$r]}"); else vals+=("${tx[$c,$mode,$r]}"); fi
            rvals+=("${rx[$c,$mode,$r]}"); ovals+=("${offered[$c,$mode,$r]}")
        done
        m=$(mean_of "${vals[@]}"); mean_m[$c]=$m
        line="| $(label "$c") | **$(mpps "$m")**"
        [ $metric = tx ] && line+=" ($(mpps "$(mean_of "${rvals[@]}")"))"
        line+=" |"
        for ((r = 1; r <= rounds; r++)); do
            line+=" $(mpps "${vals[r - 1]}")"
            [ $metric = tx ] && line+=" ($(mpps "${rvals[r - 1]}"))"
            line+="$(other_mark "$c" "$mode" "$r") |"
        done
        echo "$line $(mpps "$(mean_of "${ovals[@]}")") | $(other_cells "$c" "$mode") |"
        if [ "$c" != sluice ] && [ "$m" != nan ]; then
            if [ "$best_dpdk" = nan ] || awk -v a="$m" -v b="$best_dpdk" 'BEGIN {exit !(a > b)}'; then
                best_dpdk=$m; best_name=$(label "$c")
            fi
        fi
    done
    echo
    if [ $run_sluice = 1 ] && [ $run_dpdk = 1 ]; then
        s=${mean_m[sluice]}
        if [ "$s" = nan ] || [ "$best_dpdk" = nan ]; then
            echo "ratio sluice / best DPDK: n/a (a measurement failed); target >= $target: MISS"
        else
            ratio=$(awk -v a="$s" -v b="$best_dpdk" 'BEGIN {printf "%.3f", a / b}')
            verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r >= t ? "PASS" : "MISS")}')
            echo "ratio sluice / best DPDK ($best_name): **$ratio**; target >= $target: **$verdict**"
        fi
        echo
    fi
    unset mean_m
done

echo "Note: if a contender's rate is within a few % of what the generator sent, the generator (CPU 0)"
echo "was the limit in that measurement and the ratio understates the difference. '!' marks a"
echo "measurement during which processes outside this benchmark used >= ${max_other}% of a CPU."
echo
echo "### Command lines"
echo
echo '```'
echo "# topology"
topology_cmds
echo "# offloads on $if_r: $(ip netns exec "$ns_r" ethtool -k "$if_r" 2>/dev/null | awk -F': ' '/^(generic-receive-offload|large-receive-offload|rx-checksumming|tx-checksumming):/ {printf "%s=%s ", $1, $2}')"
echo "# generator"
qcmd "${gen_cmd[@]}"; echo
for mode in "${modes[@]}"; do
    echo "# $mode"
    if [ $run_sluice = 1 ]; then sluice_cmdline "$mode"; qcmd "${sluice_run[@]}"; echo; fi
    if [ $run_dpdk = 1 ]; then
        dpdk_cmdline "$mode" bb0; qcmd "${dpdk_run[@]}"; echo
        dpdk_cmdline "$mode" busy; qcmd "${dpdk_run[@]}"; echo
    fi
done
echo '```'
echo
echo "DPDK rates: mean of testpmd's per-second Rx-pps/Tx-pps over $secs seconds after skipping the"
echo "baseline sample and $warmup warm-up second(s). Sluice rates: rx_pps/tx_pps of its summary line."
echo
echo "Generator: net_af_packet's TX ring builds skbs whose payload sits in ring pages; the veth"
echo "forward copies them (skb_copy_ubufs, a page allocation per packet), so on this machine kind it"
echo "tops out near 0.5 Mpps on CPU 0 and both contenders may be generator-bound. --gen af_xdp"
echo "(copy-mode AF_XDP TX, linear skbs) sent ~0.79 Mpps; use it when the rates equal what the"
echo "generator sent."

[ $measure_failures = 0 ] || status=1
exit $status
