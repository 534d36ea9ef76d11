#!/usr/bin/env bash
# afpacket-vs-afxdp.sh: what AF_PACKET (TPACKET_V3) costs against AF_XDP on the receive side:
# `sluice fwd --driver afpacket` against `sluice fwd --driver afxdp` on a veth pair, same generator,
# same CPUs, same run, alternating.
#
#   netns G (generator)                      netns R (receiver)
#   vg 02:c9:03:00:00:01 10.203.0.1/24  <->  vr 02:c9:03:00:00:02 10.203.0.2/24
#   sluice gen (or testpmd txonly), CPU 0     sluice fwd --driver afxdp | afpacket, CPU 1
#
# Run `afpacket-vs-afxdp.sh --help` for the options. Needs root, iproute2, taskset, stdbuf, awk
# (and dpdk-testpmd for --gen af_packet|af_xdp). Modelled on fwd-vs-dpdk.sh.
set -euo pipefail

script_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/veth-bench.sh
. "$script_dir/lib/veth-bench.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} [options]

Benchmarks the receive side of Sluice's two kernel drivers on a veth pair: \`sluice fwd --driver
afxdp\` (AF_XDP, copy mode on veth, XDP program attached through a bpf_link) against \`sluice fwd
--driver afpacket\` (AF_PACKET TPACKET_V3 ring), in the modes rxonly (received packets per second)
and macswap (packets forwarded back out per second). A generator runs on CPU 0 in namespace G; the
contender runs on CPU 1 in namespace R. Rounds alternate the order of the contenders (A/B, then
B/A, ...). Prints, per mode, Mpps per contender and round, the median, and the ratio
afpacket / afxdp of the medians.

Options:
  --seconds N      seconds each contender runs per round and mode (default 10, at least 3; the
                   first second is not counted, see below)
  --rounds N       rounds (default 3)
  --sluice PATH    sluice launcher (default: \$SLUICE_CMD if set, else $repo_root/sluice);
                   may be a command with arguments
  --size N         frame size on the wire including the 4-byte FCS (default 64; 64..1518)
  --only MODE      run only rxonly or only macswap
  --gen KIND       generator: sluice (\`sluice gen\`, AF_XDP TX, default), af_packet or af_xdp
                   (dpdk-testpmd txonly on net_af_packet / net_af_xdp busy_budget=0, as
                   fwd-vs-dpdk.sh runs it)
  --dst-ip A       destination address of the generated packets (default 10.203.0.2, vr's own:
                   R's kernel stack receives every packet AF_PACKET also gets, see below). An
                   address in 10.203.0.0/24 that vr does not have (e.g. 10.203.0.99) makes the
                   stack drop them at routing: closer to the cost of the AF_PACKET copy alone
  --keep-logs      keep the per-run logs (their directory is printed)
  --max-other N    the machine is shared: before each measurement wait until processes that
                   are not ours use less than N% of one CPU (sampled over 2 s), and mark
                   measurements during which they used more with '!' (default 25)
  --quiet-wait N   wait at most N seconds for that (default 120; 0 = do not wait)
  -h, --help       this text

What is measured: each contender's per-second rx (rxonly) or tx (macswap) rates as \`sluice fwd\`
prints them, mean over the seconds after the first. The first second is left out because fwd
warms its AF_XDP loop up on a simulated kernel before attaching and has no such warm-up for
AF_PACKET. If fwd printed fewer than two per-second lines, its summary's rx_pps/tx_pps is used.
"generator sent" is the growth of vg's tx_packets over the contender's whole run (JVM start
included): the offered load, for context.

Where the work happens on veth: the generator's transmit runs vr's receive path in the same
softirq, on CPU 0: the XDP program and the copy into the UMEM for AF_XDP; for AF_PACKET the skb,
the copy into the TPACKET ring (tpacket_rcv), and the kernel's own IP/UDP receive of every packet
(AF_PACKET taps, it does not steal: the stack still gets each packet; UDP to port 9 of vr's own
address, answered by rate-limited ICMP port unreachable; see --dst-ip). So the generator and both kernel receive
paths share CPU 0; a slower receive path shows as a lower rate even when the receiver thread on
CPU 1 idles. A rate equal to what the generator sent means the generator was the limit.

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
gen_kind=sluice
dst_ip=10.203.0.2
keep_logs=0
max_other=25
quiet_wait=120

while [ $# -gt 0 ]; do
    case $1 in
        --seconds) need_arg "$@"; secs=$2; shift 2 ;;
        --rounds) need_arg "$@"; rounds=$2; shift 2 ;;
        --sluice) need_arg "$@"; sluice=$2; shift 2 ;;
        --size) need_arg "$@"; size=$2; shift 2 ;;
        --only) need_arg "$@"; only=$2; shift 2 ;;
        --gen) need_arg "$@"; gen_kind=$2; shift 2 ;;
        --dst-ip) need_arg "$@"; dst_ip=$2; shift 2 ;;
        --keep-logs) keep_logs=1; shift ;;
        --max-other) need_arg "$@"; max_other=$2; shift 2 ;;
        --quiet-wait) need_arg "$@"; quiet_wait=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die_usage "unknown argument: $1" ;;
    esac
done
check_options 3
case $gen_kind in sluice|af_packet|af_xdp) ;; *) die_usage "--gen takes sluice, af_packet or af_xdp" ;; esac
[[ $dst_ip =~ ^10\.203\.0\.([0-9]{1,3})$ ]] && [ "${BASH_REMATCH[1]}" -ge 2 ] && [ "${BASH_REMATCH[1]}" -le 254 ] \
    || die_usage "--dst-ip must be in 10.203.0.2..10.203.0.254 (the veth subnet; .1 is the generator)"
if [ -n "$only" ]; then modes=("$only"); else modes=(rxonly macswap); fi
read -r -a sluice_cmd <<<"$sluice"

tools=(ip taskset stdbuf awk)
[ "$gen_kind" = sluice ] || tools+=(dpdk-testpmd)
check_host "namespaces, XDP, AF_PACKET" 1 "${tools[@]}"

# ---------------------------------------------------------------------------------------------
# Names, unique per run (other benchmarks and tests may run concurrently). The veth ends are
# created inside the namespaces, so their short names never appear in the root namespace.
id=$$
ns_g=sluiceapG$id
ns_r=sluiceapR$id
if_g=vg
if_r=vr
mac_g=02:c9:03:00:00:01
mac_r=02:c9:03:00:00:02
ip_g=10.203.0.1
ip_r=10.203.0.2
pfx_g=sluiceap-gen-$id    # DPDK --file-prefix (testpmd generators only)
logdir=$(mktemp -d /tmp/afpacket-vs-afxdp.$id.XXXXXX)
dpdk_prefixes=("$pfx_g")
xdp_linger=30   # reset_vr: up to 3 s for an XDP program to go by itself (fwd detaches through a bpf_link)
set_traps

# ---------------------------------------------------------------------------------------------
# Generator on CPU 0 in namespace G: one flow, UDP to vr's address, port 9.
gen_cmd=()
build_gen_cmd() {
    case $gen_kind in
        sluice)
            gen_cmd=(ip netns exec "$ns_g" taskset -c 0 "${sluice_cmd[@]}" gen --iface "$if_g" --dst-mac "$mac_r"
                --src-ip "$ip_g" --dst-ip "$dst_ip" --dst-port 9 --size "$size" --cpu 0) ;;
        af_packet|af_xdp) testpmd_gen_cmd "$gen_kind" "$dst_ip" ;;
    esac
}

gen_round=0
start_generator() {
    local i a b
    gen_round=$((gen_round + 1))
    local lg=$logdir/generator.$gen_round.log
    "${gen_cmd[@]}" >"$lg" 2>&1 &
    gen_pid=$!
    # Ready when vg's tx_packets grew by more than 1000 in each of two consecutive seconds.
    local ok=0
    a=$(ns_stat "$ns_g" "$if_g" tx_packets)
    for ((i = 0; i < 180; i++)); do
        sleep 1
        kill -0 "$gen_pid" 2>/dev/null || { log "error: generator died:"; tail -20 "$lg" >&2; exit 1; }
        b=$(ns_stat "$ns_g" "$if_g" tx_packets)
        if [ $((b - a)) -gt 1000 ]; then ok=$((ok + 1)); else ok=0; fi
        a=$b
        [ $ok -ge 2 ] && return 0
    done
    log "error: generator shows no traffic after 180 s"; tail -20 "$lg" >&2; exit 1
}

# ---------------------------------------------------------------------------------------------
# Contenders: sluice fwd with --driver afxdp or afpacket, CPU 1, namespace R.
fwd_cmdline() { # driver mode
    fwd_run=(ip netns exec "$ns_r" taskset -c 1 "${sluice_cmd[@]}" fwd --driver "$1" --iface "$if_r" --queue 0
        --mode "$2" --duration "$secs" --cpu 1)
}

# Mean of the per-second rx or tx rates after the first second; "nan" if fewer than 2 lines.
# Live line: "   3s  rx    912,114 pps 437.8 Mb/s  tx          0 pps ..."
steady_rate() { # logfile rx|tx
    awk -v dir="$2" '
        $1 ~ /^[0-9]+(\.[0-9]+)?s$/ && $2 == "rx" {
            n++
            for (i = 2; i < NF; i++) if ($i == dir) { v = $(i + 1); gsub(",", "", v); break }
            if (n > 1) { s += v; k++ }
        }
        END { if (k > 0) printf "%.0f", s / k; else printf "nan" }' "$1"
}

res=nan
res_note=""
run_fwd_once() { # driver mode round
    local driver=$1 mode=$2 round=$3 lg dir
    lg=$logdir/fwd-$driver.$mode.$round.log
    fwd_cmdline "$driver" "$mode"
    # first use may build; the JVM needs time to start
    run_bounded "sluice fwd" $((secs + 180)) "$lg" "${fwd_run[@]}"
    if [ $run_rc != 0 ]; then
        log "error: sluice fwd --driver $driver exited with status $run_rc (log: $lg):"; tail -5 "$lg" | sed 's/^/    /' >&2
        res=nan; res_note=""; return
    fi
    dir=rx; [ "$mode" = rxonly ] || dir=tx
    res=$(steady_rate "$lg" "$dir")
    [ "$res" != nan ] || res=$(summary_value "$lg" "${dir}_pps" text)
    res_note="xdp=$(summary_value "$lg" xdp text) copy=$(summary_value "$lg" copy text) dropped=$(summary_value "$lg" dropped text)"
}

# ---------------------------------------------------------------------------------------------
contenders=(afxdp afpacket)
declare -A rate offered other note   # key: contender,mode,round

measure() { # contender mode round
    local c=$1 mode=$2 round=$3 o0 o1 w0 w1 t0 t1
    measure_prepare
    o0=$(other_ticks); w0=$EPOCHREALTIME; t0=$(ns_stat "$ns_g" "$if_g" tx_packets)
    run_fwd_once "$c" "$mode" "$round"
    o1=$(other_ticks); w1=$EPOCHREALTIME; t1=$(ns_stat "$ns_g" "$if_g" tx_packets)
    local wall
    wall=$(elapsed "$w0" "$w1")
    other[$c,$mode,$round]=$(other_pct "$o0" "$o1" "$wall")
    offered[$c,$mode,$round]=$(awk -v a="$t0" -v b="$t1" -v s="$wall" 'BEGIN {printf "%.0f", (b - a) / s}')
    reset_vr "$c"
    rate[$c,$mode,$round]=$res
    note[$c,$mode,$round]=$res_note
    [ "$res" != nan ] || measure_failures=$((measure_failures + 1))
    log "round $round $mode $c: $res pps ($res_note; generator sent ~${offered[$c,$mode,$round]} pps; other processes ${other[$c,$mode,$round]}% CPU)"
}

# ---------------------------------------------------------------------------------------------
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
setup_topology
build_gen_cmd

# The launcher builds on first use; do that outside the measured rounds.
log "warming up the sluice launcher (builds if needed) ..."
"${sluice_cmd[@]}" fwd --help >"$logdir/sluice-help.log" 2>&1 || { log "error: '${sluice_cmd[*]} fwd --help' failed:"; tail -5 "$logdir/sluice-help.log" >&2; exit 1; }

run_rounds "the generator ($gen_kind)"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report
median_of() { # values... ("nan" if any is nan)
    printf '%s\n' "$@" | sort -g | awk '
        $1 == "nan" { bad = 1 } { v[NR] = $1 }
        END { if (bad || NR == 0) { print "nan"; exit }
              if (NR % 2) printf "%.0f\n", v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
label() { case $1 in afxdp) echo "sluice fwd --driver afxdp" ;; afpacket) echo "sluice fwd --driver afpacket" ;; esac; }

echo
echo "## AF_PACKET vs AF_XDP receive on veth (sluice fwd), ${size}-byte frames"
echo
echo "- date: $started; rounds: $rounds; seconds per contender and round: $secs (first second not counted); order alternates per round"
machine_line
echo "- generator: $gen_kind on CPU 0 (namespace G), UDP to $dst_ip port 9 ($([ "$dst_ip" = "$ip_r" ] && echo "vr's address: R's stack receives every packet too" || echo "not vr's address: R's stack drops at routing")); receiver: CPU 1 (namespace R)"
load_line "$load_before" "$load_after"
echo

for mode in "${modes[@]}"; do
    if [ "$mode" = rxonly ]; then
        echo "### rxonly: packets received per second (Mpps)"
    else
        echo "### macswap: packets forwarded back out per second (Mpps)"
    fi
    echo
    hdr="| contender | median |"; sep="|---|---|"
    for ((r = 1; r <= rounds; r++)); do hdr+=" round $r |"; sep+="---|"; done
    echo "$hdr generator sent (median) | other CPU% per round |"; echo "$sep---|---|"
    declare -A med=()
    for c in "${contenders[@]}"; do
        vals=(); ovals=()
        for ((r = 1; r <= rounds; r++)); do
            vals+=("${rate[$c,$mode,$r]}"); ovals+=("${offered[$c,$mode,$r]}")
        done
        m=$(median_of "${vals[@]}"); med[$c]=$m
        line="| $(label "$c") | **$(mpps "$m")** |"
        for ((r = 1; r <= rounds; r++)); do
            line+=" $(mpps "${vals[r - 1]}")$(other_mark "$c" "$mode" "$r") |"
        done
        echo "$line $(mpps "$(median_of "${ovals[@]}")") | $(other_cells "$c" "$mode") |"
    done
    echo
    if [ "${med[afxdp]}" = nan ] || [ "${med[afpacket]}" = nan ]; then
        echo "ratio afpacket / afxdp ($mode, medians): n/a (a measurement failed)"
    else
        echo "ratio afpacket / afxdp ($mode, medians): **$(awk -v a="${med[afpacket]}" -v b="${med[afxdp]}" 'BEGIN {printf "%.3f", a / b}')**"
    fi
    echo
    for c in "${contenders[@]}"; do
        line="- $(label "$c"):"
        for ((r = 1; r <= rounds; r++)); do line+=" round $r: ${note[$c,$mode,$r]};"; done
        echo "${line%;}"
    done
    echo
    unset med
done

echo "'!' marks a measurement during which processes outside this benchmark used >= ${max_other}% of a CPU."
echo "A rate within a few % of what the generator sent means the generator (CPU 0) was the limit."
echo
echo "### Command lines"
echo
echo '```'
topology_cmds
echo "# generator"
qcmd "${gen_cmd[@]}"; echo
for mode in "${modes[@]}"; do
    for c in "${contenders[@]}"; do fwd_cmdline "$c" "$mode"; qcmd "${fwd_run[@]}"; echo; done
done
echo '```'

[ $measure_failures = 0 ] || exit 1
exit 0
