#!/usr/bin/env bash
# lb-vs-nftables.sh: `sluice lb` against the same DSR balancing done in the kernel by nftables, and
# against `sluice fwd --mode macswap` (our ceiling on this path), on a veth pair.
#
# Topology (both ends in private namespaces created here, nothing touches the host's interfaces):
#
#   netns G (generator)                        netns R (balancer)
#   vg 02:c9:02:00:00:01 10.202.0.1/24   <->   vr 02:c9:02:00:00:02 10.202.0.2/24
#   sluice gen --flows N, CPU 0                contender, CPU 1:
#     UDP 10.202.0.1:1024.. -> VIP 10.202.0.100:9    sluice lb (dsr, B backends)
#   returning frames are dropped at vg's              | nftables netdev ingress (jhash -> MAC, fwd)
#   ingress by a netdev "sink" chain (counted         | sluice fwd --mode macswap
#   first: vg's rx_packets is the score)
#
# Where vr's receive work runs (--vr-napi). veth hands a frame sent on vg to vr's NAPI when vr has
# one (an XDP program or GRO), and NAPI runs in the softirq of the CPU that scheduled it: the
# sending CPU 0. So with veth's defaults (--vr-napi softirq) the XDP program and the copy into the UMEM of the sluice
# contenders run beside the generator, on CPU 0, while nftables (vr without NAPI) is moved to CPU 1
# by RPS: the generator, slowed by a different amount per contender, is what gets measured.
# --vr-napi thread (the default) turns GRO on for vr (so that veth gives it a NAPI whatever the
# contender: nftables runs in it as well) and makes that NAPI threaded, its kthread napi/vr-<id>
# pinned to CPU 1: every contender then does all of its receive work on CPU 1, and CPU 0 only
# sends (vg's transmit ends with putting the frame on vr's ring and waking the kthread). veth puts
# a frame on that ring only when the sender, vg, has TSO off (or the frame could be aggregated),
# which attaching an XDP program to vr does by itself: the script turns vg's TSO off for the
# whole run, so that nftables' frames take the same path (the generator sends no TCP).
# The frames coming back (vr's transmit) are received by vg on CPU 1 as well (vg has no NAPI: the
# backlog of the transmitting CPU), for every contender.
#
# Cost per frame: besides the rate, each measurement reports the receive side's CPU time per
# returned frame: CPU 1's busy time plus CPU 0's softirq time (/proc/stat; the latter is vr's NAPI
# with --vr-napi softirq, about 0 with thread). A sluice worker busy-polls (CPU 1 is always 100 %
# busy), so its idle polls are taken out: its thread's run time (schedstat) minus its busy_ns
# counter (read from its --metrics endpoint). The NAPI kthread's run time per frame is shown on
# its own. With --rate (a fixed offered rate every contender sustains) the costs compare the
# contenders even when the generator is the limit (--vr-napi softirq).
#
# Run `lb-vs-nftables.sh --help` for the options. Needs root, nft (apt-get install nftables),
# iproute2, taskset, awk.
set -euo pipefail

script_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/veth-bench.sh
. "$script_dir/lib/veth-bench.sh"

usage() {
    cat <<EOF
Usage: ${0##*/} [options]

Benchmarks a DSR load balancer for one UDP VIP on a veth pair: \`sluice lb\` against an nftables
netdev-ingress rule set doing the same job in the kernel (a jhash of the 5-tuple picks one of the
backends' MACs, the frame goes back out with \`fwd\`), and against \`sluice fwd --mode macswap\`.
A \`sluice gen --flows N\` flood runs on CPU 0 in namespace G for the whole round; each contender
runs on CPU 1 in namespace R. Rounds alternate the order of the contenders (A/B/C, then C/B/A, ...).
Score: frames that came back to vg per second (vg's rx_packets over the measured seconds), and
the receive side's CPU nanoseconds per returned frame (CPU 1 busy + CPU 0 softirq, a sluice
worker's idle polls excluded). Prints a table you can paste into benchmarks/README.md.

Options:
  --seconds N       measured seconds per contender and round (default 10)
  --rounds N        rounds (default 3)
  --flows N         flows of the flood (source ports 1024..1024+N-1; default 10000)
  --backends N      backends of the VIP, 1..200 (default 3)
  --size N          frame size on the wire including the 4-byte FCS (default 64; 64..1518)
  --contenders LIST comma-separated subset of lb,nft,fwd (default: all three; lb is left out with
                    a note when the sluice launcher has no \`lb\` command yet)
  --sluice PATH     sluice launcher (default: \$SLUICE_CMD if set, else $repo_root/sluice)
  --rate PPS        offered rate of the generator (default 0: as fast as it can); a rate every
                    contender sustains makes the cost columns the comparison
  --vr-napi MODE    where vr's receive work (XDP program, copy into the UMEM, nftables) runs:
                    thread (default): GRO on for vr, its NAPI threaded and the kthread pinned to
                    CPU 1, for every contender: CPU 0 only generates (needs ethtool); a sluice
                    worker then takes turns on CPU 1 with that kthread (the log gives their
                    shares of CPU 1 and the XSK's fill_empty drops);
                    softirq: veth's default, NAPI in the sender's (CPU 0's) softirq, nftables moved
                    to CPU 1 by RPS (--nft-rps): the generator's CPU limits every contender
  --nft-rps 0|1     with --vr-napi softirq: 1 (default) steers vr's receive processing to CPU 1
                    with RPS while nftables runs; 0: it runs on CPU 0, in the generator's softirq
  --nice N          run the generator, the sluice contenders and vr's NAPI kthread at this nice
                    value, and give this script's session (its scheduler autogroup, restored at
                    exit) the same (default 0); on a machine shared with other work, e.g. -10 keeps
                    that work from taking much CPU time from them (it still shows as '!')
  --keep-logs       keep the per-run logs (their directory is printed)
  --perf            record a call-graph profile of CPU 1 (perf record -e cpu-clock -C 1 -g: a
                    software clock, no PMU needed) during each measured interval, write it to
                    perf.<contender>.<round>.data in the log directory with a summary beside it
                    (perf.<contender>.<round>.txt: CPU share and ns per returned frame of each
                    step of the path, by lib/perf-buckets.py, then self time per symbol and per
                    command; a sluice contender's JIT code named through jcmd Compiler.perfmap),
                    and keep the logs (needs perf; python3 for the steps)
  --max-other N     the machine is shared: before each measurement wait until processes that
                    are not ours use less than N% of one CPU (sampled over 2 s; default 25), and
                    mark measurements during which they used more with '!'
  --quiet-wait N    wait at most N seconds for that (default 120; 0 = do not wait)
  --idle STRATEGY   the sluice contenders' --idle (default backoff, lb's own default; fwd's is spin,
                    which on a CPU shared with vr's NAPI kthread keeps the kthread from refilling
                    its fill ring: both sluice contenders get the same strategy)
  --sluice-opts S   more options for both sluice contenders, e.g. deep rings:
                    "--frames 4096 --ring-size 8192 --umem-frames 16384"
  -h, --help        this text

Exit status: 0 when every measurement produced a number, 1 otherwise, 2 on usage errors.
EOF
}

# ---------------------------------------------------------------------------------------------
# Options (check_options also validates \$only, which this script leaves empty)
secs=10
rounds=3
flows=10000
backends=3
size=64
only=""
contender_list=lb,nft,fwd
sluice=${SLUICE_CMD:-$repo_root/sluice}
nft_rps=1
rate=0
vr_napi=thread
nice_n=0
keep_logs=0
perf_rec=0
max_other=25
quiet_wait=120
idle=backoff
sluice_opts=""
warm_secs=2     # seconds between "frames come back" and the measured interval

while [ $# -gt 0 ]; do
    case $1 in
        --seconds) need_arg "$@"; secs=$2; shift 2 ;;
        --rounds) need_arg "$@"; rounds=$2; shift 2 ;;
        --flows) need_arg "$@"; flows=$2; shift 2 ;;
        --backends) need_arg "$@"; backends=$2; shift 2 ;;
        --size) need_arg "$@"; size=$2; shift 2 ;;
        --contenders) need_arg "$@"; contender_list=$2; shift 2 ;;
        --sluice) need_arg "$@"; sluice=$2; shift 2 ;;
        --nft-rps) need_arg "$@"; nft_rps=$2; shift 2 ;;
        --rate) need_arg "$@"; rate=$2; shift 2 ;;
        --vr-napi) need_arg "$@"; vr_napi=$2; shift 2 ;;
        --nice) need_arg "$@"; nice_n=$2; shift 2 ;;
        --keep-logs) keep_logs=1; shift ;;
        --perf) perf_rec=1; keep_logs=1; shift ;;
        --max-other) need_arg "$@"; max_other=$2; shift 2 ;;
        --quiet-wait) need_arg "$@"; quiet_wait=$2; shift 2 ;;
        --idle) need_arg "$@"; idle=$2; shift 2 ;;
        --sluice-opts) need_arg "$@"; sluice_opts=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die_usage "unknown argument: $1" ;;
    esac
done
check_options 2
is_uint "$flows" && [ "$flows" -ge 1 ] && [ "$flows" -le 64512 ] || die_usage "--flows must be 1..64512"
is_uint "$backends" && [ "$backends" -ge 1 ] && [ "$backends" -le 200 ] || die_usage "--backends must be 1..200"
case $nft_rps in 0|1) ;; *) die_usage "--nft-rps takes 0 or 1" ;; esac
is_uint "$rate" || die_usage "--rate must be an integer (packets per second; 0: unlimited)"
[[ $nice_n =~ ^-?[0-9]+$ ]] && [ "$nice_n" -ge -20 ] && [ "$nice_n" -le 19 ] || die_usage "--nice must be -20..19"
case $idle in spin|yield|backoff|sleep) ;; *) die_usage "--idle takes spin, yield, backoff or sleep" ;; esac
case $vr_napi in thread) nft_rps=0 ;; softirq) ;; *) die_usage "--vr-napi takes thread or softirq" ;; esac
contenders=()
IFS=, read -r -a wanted <<<"$contender_list"
for c in "${wanted[@]}"; do
    case $c in lb|nft|fwd) contenders+=("$c") ;; *) die_usage "--contenders takes lb, nft and fwd, not '$c'" ;; esac
done
[ ${#contenders[@]} -ge 1 ] || die_usage "--contenders needs at least one of lb,nft,fwd"
read -r -a sluice_cmd <<<"$sluice"

check_host "namespaces, XDP, nftables" 1 ip taskset awk

command -v nft >/dev/null || { echo "${0##*/}: nft not found (apt-get install nftables)" >&2; exit 1; }
if [ "$vr_napi" = thread ] && ! command -v ethtool >/dev/null; then
    echo "${0##*/}: ethtool not found (apt-get install ethtool; or --vr-napi softirq)" >&2; exit 1
fi
if [ $perf_rec = 1 ]; then
    command -v perf >/dev/null || { echo "${0##*/}: perf not found (--perf; apt-get install linux-perf)" >&2; exit 1; }
    jcmd=$(command -v jcmd || (. "$repo_root/bin/jdk.sh" && echo "$JAVA_HOME/bin/jcmd"))
fi
command -v curl >/dev/null || { echo "${0##*/}: curl not found (reads the sluice contenders' --metrics)" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Names, unique per run. The veth ends are created inside the namespaces.
id=$$
ns_g=sluicelbG$id
ns_r=sluicelbR$id
if_g=vg
if_r=vr
mac_g=02:c9:02:00:00:01
mac_r=02:c9:02:00:00:02
ip_g=10.202.0.1
ip_r=10.202.0.2
vip=10.202.0.100
vip_port=9
metrics_port=9464   # the sluice contenders' --metrics, on lo in namespace R
logdir=$(mktemp -d /tmp/lb-vs-nftables.$id.XXXXXX)
dpdk_prefixes=()
set_traps
# --nice: the scheduler splits CPU time between sessions (autogroups) before it looks at nice
# values, so the session's own weight is raised too, and put back when the script ends.
autogroup_nice=""
if [ "$nice_n" != 0 ] && [ -w /proc/$$/autogroup ]; then
    autogroup_nice=$(awk '{print $NF}' /proc/$$/autogroup)
    echo "$nice_n" >/proc/$$/autogroup
fi
bench_cleanup_hook() { [ -z "$autogroup_nice" ] || echo "$autogroup_nice" >/proc/$$/autogroup 2>/dev/null || true; }

backend_ip() { echo "10.202.1.$(($1 + 1))"; }
backend_mac() { printf '02:c9:02:00:01:%02x' "$1"; }

# The launcher builds on first use; do that (and find out whether it has `lb`) outside the rounds.
if [ -z "${SLUICE_CMD:-}" ] && [ "${sluice_cmd[0]}" = "$repo_root/sluice" ]; then
    log "warming up the sluice launcher (builds if needed) ..."
fi
have_lb=1
# (an unknown command makes the launcher print its general usage, with status 0)
"${sluice_cmd[@]}" lb --help >"$logdir/sluice-lb-help.log" 2>&1 || have_lb=0
grep -q -- '--config' "$logdir/sluice-lb-help.log" || have_lb=0
if [ $have_lb = 0 ]; then
    kept=()
    for c in "${contenders[@]}"; do [ "$c" = lb ] || kept+=("$c"); done
    if [ ${#kept[@]} -lt ${#contenders[@]} ]; then
        log "note: '${sluice_cmd[*]} lb --help' failed (no lb command yet?); measuring without sluice lb"
    fi
    contenders=("${kept[@]}")
    [ ${#contenders[@]} -ge 1 ] || { echo "${0##*/}: nothing left to measure" >&2; exit 1; }
fi

# ---------------------------------------------------------------------------------------------
# Configuration of the two balancers: the same VIP, backends and MACs.
lb_yaml=$logdir/lb.yaml
{
    echo "interface: $if_r"
    echo "workers: 1"
    echo "vips:"
    echo "  - name: flood"
    echo "    address: $vip"
    echo "    protocol: udp"
    echo "    port: $vip_port"
    echo "    forwarding: dsr"
    echo "    hash: 5-tuple"
    echo "    backends:"
    for ((b = 0; b < backends; b++)); do
        echo "      - {address: $(backend_ip $b), weight: 100, mac: \"$(backend_mac $b)\"}"
    done
} >"$lb_yaml"

lb_nft=$logdir/lb.nft
{
    echo "table netdev lb {"
    echo "  chain in {"
    echo "    type filter hook ingress device \"$if_r\" priority 0;"
    printf '    ip daddr %s udp dport %s ether saddr set %s ether daddr set jhash ip saddr . udp sport . ip daddr . udp dport mod %s map { ' \
        "$vip" "$vip_port" "$mac_r" "$backends"
    for ((b = 0; b < backends; b++)); do
        [ $b = 0 ] || printf ', '
        printf '%s : %s' "$b" "$(backend_mac $b)"
    done
    echo " } fwd to \"$if_r\""
    echo "  }"
    echo "}"
} >"$lb_nft"

# Frames that come back to vg are counted (rx_packets) and dropped at once, the same way for every
# contender: a backend's MAC (lb, nft) and vg's own MAC (fwd macswap) cost G the same.
sink_nft=$logdir/sink.nft
printf 'table netdev sink {\n  chain in {\n    type filter hook ingress device "%s" priority 0; policy drop;\n  }\n}\n' "$if_g" >"$sink_nft"

# ---------------------------------------------------------------------------------------------
# Generator: sluice gen on CPU 0 in namespace G, for the whole round.
gen_cmd=(ip netns exec "$ns_g" nice -n "$nice_n" taskset -c 0 "${sluice_cmd[@]}" gen --iface "$if_g" --dst-mac "$mac_r"
    --src-ip "$ip_g" --dst-ip "$vip" --dst-port "$vip_port" --src-port 1024 --flows "$flows"
    --size "$size" --cpu 0)
[ "$rate" = 0 ] || gen_cmd+=(--rate "$rate")
gen_log=""
gen_round=0
start_generator() {
    local i s0 s1
    gen_round=$((gen_round + 1))
    gen_log=$logdir/generator.$gen_round.log
    : >"$gen_log"
    "${gen_cmd[@]}" >"$gen_log" 2>&1 &
    gen_pid=$!
    # Wait (JVM start, attach) until vg has sent for a second.
    s0=$(ns_stat "$ns_g" "$if_g" tx_packets)
    for ((i = 0; i < 1800; i++)); do
        kill -0 "$gen_pid" 2>/dev/null || { log "error: generator died:"; tail -20 "$gen_log" >&2; exit 1; }
        s1=$(ns_stat "$ns_g" "$if_g" tx_packets)
        [ $((s1 - s0)) -gt 1000 ] && { sleep 1; return 0; }
        sleep 0.1
    done
    log "error: generator shows no traffic after 180 s"; tail -20 "$gen_log" >&2; exit 1
}
stop_generator() { stop_pid "$gen_pid" 10; gen_pid=""; }

# ---------------------------------------------------------------------------------------------
# Contenders: start_<c> makes it forward (in the background for sluice: $cur_pid), stop_<c> ends it.
contender_cmd() { # contender -> sets run_cmd
    case $1 in
        lb) run_cmd=(ip netns exec "$ns_r" nice -n "$nice_n" taskset -c 1 "${sluice_cmd[@]}" lb --config "$lb_yaml" --cpu 1
                --metrics "127.0.0.1:$metrics_port" --idle "$idle" $sluice_opts) ;;
        fwd) run_cmd=(ip netns exec "$ns_r" nice -n "$nice_n" taskset -c 1 "${sluice_cmd[@]}" fwd --iface "$if_r" --queue 0
                --mode macswap --cpu 1 --metrics "127.0.0.1:$metrics_port" --idle "$idle" $sluice_opts) ;;
        nft) run_cmd=(ip netns exec "$ns_r" nft -f "$lb_nft") ;;
    esac
}
rps_cpus() { ip netns exec "$ns_r" sh -c "echo $1 > /sys/class/net/$if_r/queues/rx-0/rps_cpus"; } # mask

start_contender() { # contender round -> 0 when started
    local c=$1 round=$2
    contender_cmd "$c"
    cur_log=$logdir/$c.$round.log
    if [ "$c" = nft ]; then
        [ "$nft_rps" = 0 ] || rps_cpus 2
        "${run_cmd[@]}" >"$cur_log" 2>&1 || { log "error: nft -f failed:"; cat "$cur_log" >&2; return 1; }
        return 0
    fi
    : >"$cur_log"
    "${run_cmd[@]}" >"$cur_log" 2>&1 &
    cur_pid=$!
}
stop_contender() { # contender
    if [ "$1" = nft ]; then
        ip netns exec "$ns_r" nft delete table netdev lb 2>/dev/null || true
        rps_cpus 0
    else
        stop_pid "$cur_pid" 15; cur_pid=""
    fi
}

# Waits until frames come back to vg (the contender forwards), at most 180 s. 0 when they do.
await_forwarding() { # contender
    local i s0 s1
    s0=$(ns_stat "$ns_g" "$if_g" rx_packets)
    for ((i = 0; i < 1800; i++)); do
        if [ "$1" != nft ] && ! kill -0 "$cur_pid" 2>/dev/null; then
            log "error: $1 exited before forwarding (log: $cur_log):"; tail -8 "$cur_log" | sed 's/^/    /' >&2
            return 1
        fi
        s1=$(ns_stat "$ns_g" "$if_g" rx_packets)
        [ $((s1 - s0)) -gt 1000 ] && return 0
        sleep 0.1
    done
    log "error: nothing came back in 180 s with $1 (log: $cur_log)"
    return 1
}

# ---------------------------------------------------------------------------------------------
# --vr-napi thread: vr gets a NAPI of its own (GRO on), threaded, its kthread(s) pinned to CPU 1.
# GRO stays on for the whole run, so the NAPI (and its kthread) outlives every contender's XDP
# program. The kthread is found as the napi/<if_r>-* thread that setting `threaded` created.
napi_pids=()
setup_vr_napi() {
    local before p
    ip netns exec "$ns_r" ethtool -K "$if_r" gro on >/dev/null
    ip netns exec "$ns_g" ethtool -K "$if_g" tso off >/dev/null
    before=" $(pgrep -d ' ' "^napi/$if_r-" || true) "
    ip netns exec "$ns_r" sh -c "echo 1 > /sys/class/net/$if_r/threaded" ||
        { log "error: cannot make $if_r's NAPI threaded"; exit 1; }
    for p in $(pgrep "^napi/$if_r-" || true); do
        [[ $before == *" $p "* ]] || napi_pids+=("$p")
    done
    [ ${#napi_pids[@]} -ge 1 ] || { log "error: no NAPI kthread appeared for $if_r"; exit 1; }
    for p in "${napi_pids[@]}"; do renice -n "$nice_n" -p "$p" >/dev/null; done
    log "$if_r's NAPI is threaded: kthread(s) ${napi_pids[*]} ($(cat "/proc/${napi_pids[0]}/comm")) pinned to CPU 1, nice $nice_n"
}
# Before every measurement: the kthread(s) still there, threaded, on CPU 1 only.
check_vr_napi() {
    local p
    [ "$vr_napi" = thread ] || return 0
    [ "$(ip netns exec "$ns_r" cat "/sys/class/net/$if_r/threaded")" = 1 ] ||
        { log "error: $if_r's NAPI is no longer threaded"; exit 1; }
    for p in "${napi_pids[@]}"; do
        taskset -p -c 1 "$p" >/dev/null 2>&1 || { log "error: NAPI kthread $p of $if_r is gone"; exit 1; }
    done
}

# Cost counters. CPU 1's busy ticks (user nice system irq softirq steal), the run time in ns of a
# thread (schedstat), the NAPI kthreads' run time, and a sluice contender's counters (its --metrics).
cpu1_ticks() { awk '$1 == "cpu1" {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
cpu0_softirq_ticks() { awk '$1 == "cpu0" {print $8}' /proc/stat; }   # where the receive work must not be
run_ns() { { cat "$1" 2>/dev/null || echo 0; } | awk '{print $1}'; } # schedstat file
napi_ns() {
    local p s=0
    for p in "${napi_pids[@]}"; do s=$((s + $(run_ns "/proc/$p/schedstat"))); done
    echo "$s"
}
worker_tid() { # pid -> the tid of its first sluice-worker thread (empty if none)
    local f
    for f in /proc/"$1"/task/*/comm; do
        if [[ $(cat "$f" 2>/dev/null) == sluice-worker* ]]; then f=${f%/comm}; echo "${f##*/}"; return; fi
    done
}
# Prints "busy_ns fill_empty rx_ring_full" of worker 0 / the XSK ("nan" for a missing one).
sluice_counters() {
    { ip netns exec "$ns_r" curl -s --max-time 3 "http://127.0.0.1:$metrics_port/metrics" || true; } | awk '
        $1 ~ /^sluice_worker_busy_ns_total\{/ { b += $2; fb = 1 }
        $1 ~ /^sluice_xsk_rx_fill_empty_total\{/ { f += $2; ff = 1 }
        $1 ~ /^sluice_xsk_rx_ring_full_total\{/ { r += $2; fr = 1 }
        END { printf "%s %s %s\n", fb ? sprintf("%.0f", b) : "nan", ff ? sprintf("%.0f", f) : "nan",
            fr ? sprintf("%.0f", r) : "nan" }'
}

# --perf: a summary of the measurement's CPU-1 profile: its samples sorted into the steps of the
# path, in ns per returned frame (lib/perf-buckets.py), then self time per symbol and per command.
# While the sluice contender still runs, its JIT code's symbols are written to /tmp/perf-<pid>.map
# (where perf looks for them).
perf_summary() { # contender round
    local c=$1 round=$2 data=$logdir/perf.$1.$2.data
    [ -s "$data" ] || return 0
    # ($cur_pid is the JVM: ip netns exec, nice, taskset and the launcher exec one another.)
    [ "$c" = nft ] || [ -z "$cur_pid" ] || "$jcmd" "$cur_pid" Compiler.perfmap >/dev/null 2>&1 || true
    {
        echo "# $c round $round: ${fwd_pps[$c,$round]} frames/s came back over ${secs} s (CPU 1, cpu-clock)"
        if [ "${fwd_pps[$c,$round]}" != nan ] && command -v python3 >/dev/null; then
            python3 "$script_dir/lib/perf-buckets.py" "$data" "${fwd_pps[$c,$round]}" "$secs" 2>&1 || true
        fi
        perf report -i "$data" --no-children --sort sym --percent-limit 0.3 --stdio 2>/dev/null | grep -v '^$'
        perf report -i "$data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^$'
    } >"$logdir/perf.$c.$round.txt"
}

declare -A fwd_pps offered other backs cost napic   # key: contender,round

measure() { # contender round
    local c=$1 round=$2 r0 r1 t0 t1 w0 w1 o0 o1 dt c0 c1 z0 z1 k0 k1 tid="" wr0=0 wr1=0 s0="nan nan nan" s1="nan nan nan" detail=""
    reset_vr "the previous contender"
    check_vr_napi
    kill -0 "$gen_pid" 2>/dev/null || { log "warning: generator died; restarting it"; start_generator; }
    wait_quiet
    fwd_pps[$c,$round]=nan; offered[$c,$round]=nan; other[$c,$round]=0; cost[$c,$round]=nan; napic[$c,$round]=nan
    if start_contender "$c" "$round" && await_forwarding "$c"; then
        sleep "$warm_secs"
        if [ "$c" != nft ]; then tid=$(worker_tid "$cur_pid"); s0=$(sluice_counters); fi
        o0=$(other_ticks); w0=$EPOCHREALTIME
        r0=$(ns_stat "$ns_g" "$if_g" rx_packets); t0=$(ns_stat "$ns_g" "$if_g" tx_packets)
        c0=$(cpu1_ticks); z0=$(cpu0_softirq_ticks); k0=$(napi_ns); [ -z "$tid" ] || wr0=$(run_ns "/proc/$cur_pid/task/$tid/schedstat")
        if [ $perf_rec = 1 ]; then
            perf record -e cpu-clock -C 1 -g -o "$logdir/perf.$c.$round.data" -- sleep "$secs" \
                >"$logdir/perf.$c.$round.log" 2>&1 || log "warning: perf record failed (log: $logdir/perf.$c.$round.log)"
        else
            sleep "$secs"
        fi
        c1=$(cpu1_ticks); z1=$(cpu0_softirq_ticks); k1=$(napi_ns); [ -z "$tid" ] || wr1=$(run_ns "/proc/$cur_pid/task/$tid/schedstat")
        r1=$(ns_stat "$ns_g" "$if_g" rx_packets); t1=$(ns_stat "$ns_g" "$if_g" tx_packets)
        o1=$(other_ticks); w1=$EPOCHREALTIME
        [ "$c" = nft ] || s1=$(sluice_counters)
        dt=$(elapsed "$w0" "$w1")
        fwd_pps[$c,$round]=$(awk -v a="$r0" -v b="$r1" -v t="$dt" 'BEGIN {printf "%.0f", (b - a) / t}')
        offered[$c,$round]=$(awk -v a="$t0" -v b="$t1" -v t="$dt" 'BEGIN {printf "%.0f", (b - a) / t}')
        other[$c,$round]=$(other_pct "$o0" "$o1" "$dt")
        # CPU 1 busy + CPU 0 softirq ns per returned frame; a sluice worker's idle polls (its run time minus its
        # busy_ns, at least 0) are not work. busy_ns is wall time, so a busy poll that CPU 1's
        # other work interrupts counts that work twice: the idle part is then underestimated and
        # the cost overestimated, never the reverse.
        read -r -a sa <<<"$s0"; read -r -a sb <<<"$s1"
        cost[$c,$round]=$(awk -v c0="$c0" -v c1="$c1" -v z0="$z0" -v z1="$z1" -v hz="$clk_tck" -v w0="$wr0" -v w1="$wr1" \
            -v b0="${sa[0]}" -v b1="${sb[0]}" -v sl="$([ "$c" = nft ] && echo 0 || echo 1)" -v f=$((r1 - r0)) '
            BEGIN {
                if (f <= 0) { print "nan"; exit }
                busy = (c1 - c0 + z1 - z0) * 1e9 / hz
                if (sl) { if (b0 == "nan" || b1 == "nan" || w1 == 0) { print "nan"; exit }
                          idle = (w1 - w0) - (b1 - b0); if (idle > 0) busy -= idle }
                printf "%.0f", busy / f }')
        napic[$c,$round]=$(awk -v a="$k0" -v b="$k1" -v f=$((r1 - r0)) -v m="$vr_napi" \
            'BEGIN {if (m != "thread" || f <= 0) print "nan"; else printf "%.0f", (b - a) / f}')
        detail=$(awk -v a="$z0" -v b="$z1" -v hz="$clk_tck" -v t="$dt" 'BEGIN {printf "; CPU 0 softirq %.0f%%", 100 * (b - a) / hz / t}')
        if [ "$c" != nft ]; then
            detail+=$(awk -v w0="$wr0" -v w1="$wr1" -v b0="${sa[0]}" -v b1="${sb[0]}" -v f0="${sa[1]}" -v f1="${sb[1]}" \
                -v q0="${sa[2]}" -v q1="${sb[2]}" -v t="$dt" -v k0="$k0" -v k1="$k1" 'BEGIN {
                printf "; worker ran %.0f%% of CPU 1, busy_ns %.0f%% of that; NAPI kthread %.0f%%", \
                    100 * (w1 - w0) / 1e9 / t, (w1 > w0 ? 100 * (b1 - b0) / (w1 - w0) : 0), 100 * (k1 - k0) / 1e9 / t
                if (f0 != "nan" && f1 != "nan") printf "; xsk fill_empty %.0f/s, rx_ring_full %.0f/s", (f1 - f0) / t, (q1 - q0) / t }')
        fi
    fi
    [ $perf_rec = 0 ] || perf_summary "$c" "$round"
    stop_contender "$c"
    [ "${fwd_pps[$c,$round]}" != nan ] || measure_failures=$((measure_failures + 1))
    log "round $round $c: came back ${fwd_pps[$c,$round]} pps (generator sent ${offered[$c,$round]} pps; other processes ${other[$c,$round]}% CPU); receive side ${cost[$c,$round]} ns/frame, NAPI kthread ${napic[$c,$round]} ns/frame$detail"
}

# Which backend MACs the contender's output went to: a short capture on vg after the rounds, as a
# check that lb and nft really balance (and fwd really swaps).
spread() { # contender -> "MAC:count ..." of 2000 returned frames
    local c=$1 cap=$logdir/spread.$1.txt
    reset_vr "the previous contender"
    start_contender "$c" spread && await_forwarding "$c" || { stop_contender "$c"; echo "n/a"; return; }
    ip netns exec "$ns_g" timeout 20 tcpdump -Q in -e -n -c 2000 -i "$if_g" udp >"$cap" 2>/dev/null || true
    stop_contender "$c"
    grep -oE '> ([0-9a-f]{2}:){5}[0-9a-f]{2},' "$cap" | cut -c3-19 | sort | uniq -c |
        awk '{printf "%s:%s ", $2, $1}'
}

# ---------------------------------------------------------------------------------------------
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
setup_topology
ip netns exec "$ns_g" nft -f "$sink_nft"
[ "$vr_napi" = softirq ] || setup_vr_napi

for ((round = 1; round <= rounds; round++)); do
    log "round $round/$rounds: starting the generator"
    start_generator
    order=("${contenders[@]}")
    if ((round % 2 == 0)); then
        order=(); for ((i = ${#contenders[@]} - 1; i >= 0; i--)); do order+=("${contenders[i]}"); done
    fi
    for c in "${order[@]}"; do measure "$c" "$round"; done
    if [ "$round" = "$rounds" ] && command -v tcpdump >/dev/null; then
        for c in "${contenders[@]}"; do backs[$c]=$(spread "$c"); done
    fi
    stop_generator
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report
mean_of() {
    awk 'BEGIN {for (i = 1; i < ARGC; i++) {if (ARGV[i] == "nan") {print "nan"; exit} s += ARGV[i]}
        printf "%.0f", s / (ARGC - 1)}' "$@"
}
label() {
    case $1 in
        lb) echo "sluice lb (dsr)" ;;
        nft) echo "nftables netdev ingress$([ "$vr_napi" = thread ] && echo "" ||
            { [ "$nft_rps" = 1 ] && echo ", RPS to CPU 1" || echo ", CPU 0"; })" ;;
        fwd) echo "sluice fwd --mode macswap" ;;
    esac
}

echo
echo "## sluice lb vs nftables vs sluice fwd macswap on veth, UDP flood of $flows flows, ${size}-byte frames, $backends backends"
echo
echo "- date: $started; rounds: $rounds; seconds per contender and round: $secs (after $warm_secs s of warm-up); order alternates per round"
machine_line
echo "- $(nft --version); generator: sluice gen --flows $flows$([ "$rate" = 0 ] || echo " --rate $rate") on CPU 0; contender: CPU 1"
if [ "$vr_napi" = thread ]; then
    echo "- vr's receive work: threaded NAPI (GRO on), kthread $(cat "/proc/${napi_pids[0]}/comm" 2>/dev/null || echo "napi/$if_r-?") pinned to CPU 1, for every contender (--vr-napi thread)"
else
    echo "- vr's receive work: veth's NAPI in CPU 0's softirq (sluice contenders); nftables $([ "$nft_rps" = 1 ] && echo "moved to CPU 1 by RPS" || echo "on CPU 0") (--vr-napi softirq)"
fi
load_line "$load_before" "$load_after"
echo
echo "Frames that came back to the generator's side per second (Mpps)"
echo
hdr="| contender | mean |"; sep="|---|---|"
for ((r = 1; r <= rounds; r++)); do hdr+=" round $r |"; sep+="---|"; done
echo "$hdr generator sent (mean) | receive-side ns/frame (mean) | NAPI kthread ns/frame (mean) | other CPU% per round |"
echo "$sep---|---|---|---|"
declare -A mean_c=()
for c in "${contenders[@]}"; do
    vals=(); ovals=(); cvals=(); kvals=(); cells=""
    for ((r = 1; r <= rounds; r++)); do
        vals+=("${fwd_pps[$c,$r]}"); ovals+=("${offered[$c,$r]}"); cvals+=("${cost[$c,$r]}"); kvals+=("${napic[$c,$r]}")
        cells+="${other[$c,$r]}"; [ "${other[$c,$r]}" -lt "$max_other" ] || cells+="!"
        [ $r = "$rounds" ] || cells+=" / "
    done
    m=$(mean_of "${vals[@]}"); mean_c[$c]=$m
    line="| $(label "$c") | **$(mpps "$m")** |"
    for ((r = 1; r <= rounds; r++)); do
        line+=" $(mpps "${vals[r - 1]}")"; [ "${other[$c,$r]}" -lt "$max_other" ] || line+=" !"; line+=" |"
    done
    kmean=$(mean_of "${kvals[@]}"); [ "$kmean" != nan ] || kmean=n/a
    cmean=$(mean_of "${cvals[@]}"); [ "$cmean" != nan ] || cmean=n/a
    echo "$line $(mpps "$(mean_of "${ovals[@]}")") | $cmean | $kmean | $cells |"
done
echo
ratio_line() { # a b name target
    local a=${mean_c[$1]:-nan} b=${mean_c[$2]:-nan} ratio verdict
    if [ "$a" = nan ] || [ "$b" = nan ]; then return; fi
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')
    verdict=$(awk -v r="$ratio" -v t="$4" 'BEGIN {print (r >= t ? "PASS" : "MISS")}')
    echo "- $3: **$ratio** (target >= $4: **$verdict**)"
}
ratio_line lb nft "sluice lb / nftables" 1.0
ratio_line lb fwd "sluice lb / sluice fwd macswap" 0.95
ratio_line nft fwd "nftables / sluice fwd macswap" 0
echo
if [ ${#backs[@]} -gt 0 ]; then
    echo "Destination MACs of 2000 returned frames per contender (last round):"
    echo
    for c in "${contenders[@]}"; do echo "- $(label "$c"): ${backs[$c]:-n/a}"; done
    echo
fi
echo "Note: a rate within a few % of what the generator sent means the generator (CPU 0) was the"
if [ "$vr_napi" = thread ]; then
    echo "limit. Every contender's receive work (vr's NAPI: XDP program and copy into the UMEM, or"
    echo "nftables) runs in vr's NAPI kthread on CPU 1."
else
    echo "limit. The sluice contenders' XDP program and copy into the UMEM run in CPU 0's softirq"
    echo "(veth's NAPI), beside the generator; nftables runs where vr's receive processing runs (CPU 1"
    echo "with RPS)."
fi
echo "Receive-side ns/frame: CPU 1's busy time plus CPU 0's softirq time (/proc/stat) per returned"
echo "frame, a sluice worker's idle polls (its thread's run time - busy_ns) excluded; meaningful"
echo "only without '!'."
echo "'!' marks a measurement during which other processes used >= ${max_other}% of a CPU."
echo
echo "### Command lines"
echo
echo '```'
echo "# topology"
topology_cmds
echo "ip netns exec $ns_g nft -f sink.nft   # $(tr '\n' ' ' <"$sink_nft")"
if [ "$vr_napi" = thread ]; then
    echo "ip netns exec $ns_r ethtool -K $if_r gro on; ip netns exec $ns_g ethtool -K $if_g tso off"
    echo "ip netns exec $ns_r sh -c 'echo 1 > /sys/class/net/$if_r/threaded'"
    echo "taskset -p -c 1 <pid of napi/$if_r-*>$([ "$nice_n" = 0 ] || echo "; renice -n $nice_n -p <that pid>")"
fi
echo "# generator"
qcmd "${gen_cmd[@]}"; echo
for c in "${contenders[@]}"; do
    echo "# $c"
    contender_cmd "$c"; qcmd "${run_cmd[@]}"; echo
    [ "$c" != nft ] || [ "$nft_rps" = 0 ] || echo "echo 2 > /sys/class/net/$if_r/queues/rx-0/rps_cpus   # in $ns_r, while nft runs"
done
echo '```'
echo
echo "lb.yaml:"; echo; echo '```yaml'; cat "$lb_yaml"; echo '```'
echo
echo "lb.nft:"; echo; echo '```'; cat "$lb_nft"; echo '```'

status=0
[ $measure_failures = 0 ] || status=1
exit $status
