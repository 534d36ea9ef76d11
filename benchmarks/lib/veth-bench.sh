# shellcheck shell=bash
# The caller sets the variables this file reads and reads the ones it sets (see below), and
# `check && check || die_usage` is meant (die_usage exits):
# shellcheck disable=SC2034,SC2154,SC2015
# veth-bench.sh: helpers shared by the veth benchmarks (fwd-vs-dpdk.sh, afpacket-vs-afxdp.sh,
# gen-vs-dpdk.sh). Sourced, not run:
#
#   script_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
#   . "$script_dir/lib/veth-bench.sh"
#
# Written for `set -euo pipefail` (the callers set it; this file changes no shell options): every
# command that may fail on purpose is guarded. Sourcing defines the functions below and these
# state variables: gen_pid="" and cur_pid="" (the running generator and contender, which
# bench_cleanup stops), created_ns=0 (setup_topology sets 1), measure_failures=0, clk_tck.
#
# Variables the caller sets before calling a function that uses them (each function's comment
# names the ones it uses):
#   ns_g, ns_r        namespace names of the generator (G) and the receiver (R); unique per run
#   if_g, if_r        the veth ends, created inside G and R (e.g. vg, vr)
#   mac_g, mac_r      their MAC addresses
#   ip_g, ip_r        their IPv4 addresses (/24); empty: setup_topology adds no addresses and no
#                     static neighbours
#   pfx_g             DPDK --file-prefix of a testpmd generator
#   dpdk_prefixes     array of every DPDK --file-prefix the run may use (bench_cleanup removes
#                     their runtime files)
#   logdir, keep_logs the per-run log directory; bench_cleanup removes it unless keep_logs is 1
#                     or the run failed
#   secs, rounds, size, only, max_other, quiet_wait   the shared options (check_options;
#                     max_other and quiet_wait also wait_quiet and the report cells)
#   sluice_cmd        array: the sluice launcher command (check_host)
#   modes, contenders arrays of the modes and contenders run_rounds runs
#   other             associative array "contender,mode,round" -> other load in % (other_cells,
#                     other_mark)
#   xdp_linger        optional: tenths of a second reset_vr gives an XDP program to go away by
#                     itself before it detaches it (default 0)
#
# Functions the caller defines, called from here: start_generator (by measure_prepare and
# run_rounds; starts the generator and sets gen_pid) and measure (by run_rounds, with the
# arguments contender mode round); optionally bench_cleanup_hook (by bench_cleanup, after the
# processes are stopped, before the namespaces go: undoes what the caller changed outside them).
#
# Provided:
#   options    die_usage, need_arg, is_uint, check_options, check_host
#   processes  stop_pid, run_bounded, bench_cleanup, set_traps
#   output     log, qcmd, mpps, machine_line, load_line, topology_cmds, other_cells, other_mark
#   other load other_ticks, other_pct, wait_quiet, elapsed
#   topology   setup_topology, xdp_on, reset_vr, ns_stat
#   generator  testpmd_gen_cmd, stop_generator
#   rounds     summary_value, measure_prepare, run_rounds

[[ ${BASH_SOURCE[0]} != "$0" ]] || { echo "${0##*/}: source this file, do not run it" >&2; exit 2; }

gen_pid=""
cur_pid=""
created_ns=0
measure_failures=0

# ---------------------------------------------------------------------------------------------
# Options and preconditions

die_usage() { echo "${0##*/}: $*" >&2; echo "Try '${0##*/} --help'." >&2; exit 2; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die_usage "option $1 needs a value"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# Validates the options the benchmarks share: secs (at least min_secs), rounds, size, max_other,
# quiet_wait, only.
check_options() { # min_secs
    is_uint "$secs" && [ "$secs" -ge "$1" ] || die_usage "--seconds must be an integer >= $1"
    is_uint "$rounds" && [ "$rounds" -ge 1 ] || die_usage "--rounds must be an integer >= 1"
    is_uint "$size" && [ "$size" -ge 64 ] && [ "$size" -le 1518 ] || die_usage "--size must be 64..1518"
    is_uint "$max_other" || die_usage "--max-other must be an integer (percent of one CPU)"
    is_uint "$quiet_wait" || die_usage "--quiet-wait must be an integer (seconds)"
    case $only in ""|rxonly|macswap) ;; *) die_usage "--only takes rxonly or macswap" ;; esac
}

# Root, the tools, the sluice launcher ${sluice_cmd[0]} (when need_sluice is 1), and 2 CPUs (a
# warning only). Exits 1 when something is missing.
check_host() { # why need_sluice tool...
    local why=$1 need_sluice=$2 tool
    shift 2
    [ "$(id -u)" = 0 ] || { echo "${0##*/}: must run as root ($why)" >&2; exit 1; }
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "${0##*/}: $tool not found" >&2; exit 1; }
    done
    if [ "$need_sluice" = 1 ] && ! command -v "${sluice_cmd[0]}" >/dev/null && [ ! -x "${sluice_cmd[0]}" ]; then
        echo "${0##*/}: sluice launcher not found: ${sluice_cmd[0]} (use --sluice or SLUICE_CMD)" >&2
        exit 1
    fi
    [ "$(nproc)" -ge 2 ] || echo "warning: fewer than 2 CPUs; generator and receiver will share a core" >&2
}

# ---------------------------------------------------------------------------------------------
# Processes

# Ends a process we started: SIGTERM first (testpmd handles it like SIGINT: it stops its ports and
# its PMD detaches the XDP program; the JVM runs its shutdown hooks: fwd and gen print their
# summary, detach, remove their counters files), SIGKILL after a grace period.
# Not SIGINT: a non-interactive bash starts background jobs with SIGINT ignored, so a testpmd still
# in EAL init (no handler yet) or a JVM would ignore it.
stop_pid() { # pid [grace seconds, default 10]
    local pid=$1 grace=${2:-10} i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "warning: pid $pid ignored SIGTERM, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Runs cmd in the background as $cur_pid (so that bench_cleanup can stop it), stdout and stderr to
# log, and waits until it exits or limit seconds have passed; then it is stopped (status 124).
# Sets run_rc to its exit status. Call it in the main shell, not in $(...).
run_bounded() { # name limit log cmd...
    local name=$1 limit=$2 lg=$3 i
    shift 3
    run_rc=0
    : >"$lg"   # exists before the background job opens it (callers may poll it at once)
    "$@" >"$lg" 2>&1 &
    cur_pid=$!
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$cur_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$cur_pid" 2>/dev/null; then
        log "error: $name still running after ${limit}s; stopping it"
        stop_pid "$cur_pid" 10; run_rc=124
    else
        wait "$cur_pid" || run_rc=$?
    fi
    cur_pid=""
}

# The EXIT trap: stops the contender and the generator, deletes the namespaces (which destroys the
# veth pair and any XDP program still attached), removes DPDK's runtime files and the logs (kept
# with --keep-logs or when the run failed). Uses cur_pid, gen_pid, created_ns, ns_g, ns_r,
# dpdk_prefixes, keep_logs, logdir.
bench_cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    stop_pid "$cur_pid" 5
    stop_pid "$gen_pid" 5
    ! declare -F bench_cleanup_hook >/dev/null || bench_cleanup_hook
    if [ "$created_ns" = 1 ]; then
        ip netns del "$ns_r" 2>/dev/null || true
        ip netns del "$ns_g" 2>/dev/null || true
    fi
    # --no-huge keeps DPDK memory anonymous; what remains is the runtime dir per file prefix
    # (and hugepage map files, should somebody drop --no-huge).
    for p in "${dpdk_prefixes[@]}"; do
        rm -rf "/var/run/dpdk/$p"
        rm -f /dev/hugepages/"$p"map_* 2>/dev/null || true
    done
    if [ "$keep_logs" = 1 ] || [ $rc != 0 ]; then
        echo "logs kept in $logdir" >&2
    else
        rm -rf "$logdir"
    fi
    exit $rc
}
# bench_cleanup on exit; Ctrl-C and SIGTERM exit (with 130 and 143), which runs it.
set_traps() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# ---------------------------------------------------------------------------------------------
# Output

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# Prints a command line that can be pasted into a shell: plain words as they are, others quoted.
qcmd() {
    local out="" a
    for a in "$@"; do
        if [[ $a =~ ^[][A-Za-z0-9_@%+=:,./-]+$ ]]; then out+="$a "; else out+="'${a//\'/\'\\\'\'}' "; fi
    done
    printf '%s' "${out% }"
}
mpps() { awk -v v="$1" 'BEGIN {if (v == "nan" || v == "") printf "n/a"; else printf "%.3f", v / 1e6}'; }

# Report lines: the machine, and the load average before/after the run.
machine_line() {
    echo "- machine: nproc=$(nproc), kernel $(uname -r), CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
}
load_line() { # before after
    echo "- load average before/after: $1 / $2 (other work on this shared machine skews results)"
}

# The topology as commands, for the report's command lines section.
topology_cmds() {
    echo "ip netns add $ns_g; ip netns add $ns_r"
    echo "ip link add $if_g netns $ns_g numtxqueues 1 numrxqueues 1 address $mac_g type veth peer name $if_r netns $ns_r numtxqueues 1 numrxqueues 1 address $mac_r"
    echo "ip -n $ns_g addr add $ip_g/24 dev $if_g; ip -n $ns_r addr add $ip_r/24 dev $if_r; (links up, static neighbours)"
}

# Table cells from ${other[contender,mode,round]}: other_cells gives every round's percentage,
# "12 / 30! / 0", with '!' where it is >= max_other; other_mark gives " !" for such a round.
other_cells() { # contender mode
    local r s=""
    for ((r = 1; r <= rounds; r++)); do
        s+="${other[$1,$2,$r]}"
        [ "${other[$1,$2,$r]}" -lt "$max_other" ] || s+="!"
        [ $r = "$rounds" ] || s+=" / "
    done
    printf '%s' "$s"
}
other_mark() { # contender mode round
    [ "${other[$1,$2,$3]}" -lt "$max_other" ] || printf ' !'
}

# ---------------------------------------------------------------------------------------------
# Other load: CPU ticks (user+system, plus reaped children) of every process that is neither this
# script nor one of its descendants nor a kernel thread (ksoftirqd may be working for our veth).
# Other builds and tests on this shared 2-CPU machine halve the numbers when they run.
clk_tck=$(getconf CLK_TCK)
other_ticks() {
    # (cat fails when a process exits while we read: ignore that, pipefail is on)
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v me=$$ '
        {
            p = 0; while ((q = index(substr($0, p + 1), ")")) > 0) p += q
            n = split(substr($0, p + 2), f, " ")
            if (n < 15) next
            pid = $1; pp[pid] = f[2]; t[pid] = f[12] + f[13] + f[14] + f[15]
        }
        END {
            for (pid in pp) {
                if (pid == 2 || pp[pid] == 2) continue
                x = pid; ours = 0
                for (d = 0; d < 64 && x > 1; d++) { if (x == me) { ours = 1; break } x = pp[x] }
                if (!ours) s += t[pid]
            }
            printf "%d\n", s
        }'
}
other_pct() { # ticks0 ticks1 seconds -> percent of one CPU
    awk -v a="$1" -v b="$2" -v s="$3" -v hz="$clk_tck" 'BEGIN {v = (s > 0 ? 100 * (b - a) / hz / s : 0); printf "%.0f", (v < 0 ? 0 : v)}'
}
# Waits (at most quiet_wait seconds) until other processes use less than max_other % of a CPU.
wait_quiet() {
    local t0 t1 pct waited=0
    while :; do
        t0=$(other_ticks); sleep 2; t1=$(other_ticks)
        pct=$(other_pct "$t0" "$t1" 2)
        [ "$pct" -ge "$max_other" ] || return 0
        if [ $waited -ge "$quiet_wait" ]; then
            log "warning: other processes still use ${pct}% of a CPU; measuring anyway"; return 0
        fi
        [ $waited -gt 0 ] || log "other processes use ${pct}% of a CPU; waiting up to ${quiet_wait}s for quiet"
        waited=$((waited + 2))
    done
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {print b - a}'; } # EPOCHREALTIME0 EPOCHREALTIME1

# ---------------------------------------------------------------------------------------------
# Topology: namespaces ns_g and ns_r, the veth pair if_g (in G) <-> if_r (in R) with one queue
# pair each (everything the generator sends lands on if_r's RX queue 0), MACs mac_g/mac_r, and
# unless ip_g is empty the addresses ip_g/24, ip_r/24 and static neighbours (no ARP traffic while
# an XDP program owns if_r). The ends are created inside the namespaces, so their short names never
# appear in (or collide in) the root namespace.
# Offloads: veth has GRO/LRO off by default, and copy-mode AF_XDP RX (native or generic XDP) needs
# no change. AF_XDP copy-mode TX out of vr needs neither an XDP program nor GRO on vg. So nothing
# is disabled.
setup_topology() {
    ip netns add "$ns_g"
    created_ns=1
    ip netns add "$ns_r"
    ip link add "$if_g" netns "$ns_g" numtxqueues 1 numrxqueues 1 address "$mac_g" type veth \
        peer name "$if_r" netns "$ns_r" numtxqueues 1 numrxqueues 1 address "$mac_r"
    if [ -n "$ip_g" ]; then
        ip -n "$ns_g" addr add "$ip_g/24" dev "$if_g"
        ip -n "$ns_r" addr add "$ip_r/24" dev "$if_r"
    fi
    ip -n "$ns_g" link set lo up
    ip -n "$ns_r" link set lo up
    ip -n "$ns_g" link set "$if_g" up
    ip -n "$ns_r" link set "$if_r" up
    if [ -n "$ip_g" ]; then
        ip -n "$ns_g" neigh replace "$ip_r" lladdr "$mac_r" dev "$if_g" nud permanent
        ip -n "$ns_r" neigh replace "$ip_g" lladdr "$mac_g" dev "$if_r" nud permanent
    fi
}

xdp_on() { ip -n "$1" link show dev "$2" | grep -qE ' (xdp|xdpgeneric|xdpdrv|xdpoffload)( |$)|prog/xdp'; } # ns dev

# Makes sure no XDP program is left on if_r between contenders (a crashed contender could leave a
# netlink-attached one; a bpf_link one goes away with its process): waits xdp_linger tenths of a
# second for it to go, then detaches it. Also resets promiscuous mode, which testpmd enables, so
# that every contender starts from the same interface state.
reset_vr() { # who ran last (for the warning)
    local i
    for ((i = 0; i < ${xdp_linger:-0}; i++)); do xdp_on "$ns_r" "$if_r" || break; sleep 0.1; done
    if xdp_on "$ns_r" "$if_r"; then
        log "warning: an XDP program was left on $if_r after $1; detaching it"
        ip -n "$ns_r" link set dev "$if_r" xdpgeneric off 2>/dev/null || true
        ip -n "$ns_r" link set dev "$if_r" xdpdrv off 2>/dev/null || true
        ip -n "$ns_r" link set dev "$if_r" xdp off 2>/dev/null || true
        if xdp_on "$ns_r" "$if_r"; then log "error: cannot detach the XDP program from $if_r"; exit 1; fi
    fi
    ip -n "$ns_r" link set dev "$if_r" promisc off
}

ns_stat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; } # ns dev counter

# ---------------------------------------------------------------------------------------------
# Generator: dpdk-testpmd txonly on CPU 0 in namespace G, one flow (no --txonly-multi-flow),
# --txpkts = frame size without FCS, destination MAC = mac_r, UDP 9 -> 9 from ip_g to dst_ip.
# testpmd needs a main lcore plus one forwarding lcore: --lcores '(0,1)@0' maps both to CPU 0
# (the main lcore only sleeps and prints the stats once a second).
# --total-num-mbufs: the default pool (~155k mbufs) does not fit in -m 512 without hugepages.
# Sets gen_cmd. Uses ns_g, if_g, pfx_g, size, mac_r, ip_g.
testpmd_gen_cmd() { # af_packet|af_xdp dst_ip [extra devargs]
    local vdev
    if [ "$1" = af_packet ]; then
        vdev="net_af_packet0,iface=$if_g"
    else
        vdev="net_af_xdp0,iface=$if_g,start_queue=0,queue_count=1,busy_budget=0"
    fi
    [ -z "${3:-}" ] || vdev+=",$3"
    # shellcheck disable=SC2054 # the commas are inside testpmd's arguments
    gen_cmd=(ip netns exec "$ns_g" taskset -c 0 stdbuf -oL
        dpdk-testpmd --lcores '(0,1)@0' --no-huge -m 512 --no-pci --file-prefix "$pfx_g"
        --vdev "$vdev" --
        --total-num-mbufs=16384 --forward-mode=txonly --txpkts=$((size - 4))
        --eth-peer=0,"$mac_r" --tx-ip="$ip_g,$2" --stats-period=1 --auto-start)
}

stop_generator() { stop_pid "$gen_pid" 10; gen_pid=""; rm -rf "/var/run/dpdk/$pfx_g"; }

# ---------------------------------------------------------------------------------------------
# Runs

# Summary contract of sluice fwd: the last line whose first word is "summary"; key=value words
# after it. Prints the value of key, a number rounded to an integer; "nan" when it is missing or
# not a number, or with "text" a non-numeric value as it is.
summary_value() { # logfile key [text]
    awk -v key="$2" -v text="${3:-}" '
        $1 == "summary" { line = $0 }
        END {
            n = split(line, w, /[ \t]+/)
            for (i = 2; i <= n; i++)
                if (index(w[i], key "=") == 1) { v = substr(w[i], length(key) + 2) }
            if (v ~ /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/) printf "%.0f", v + 0
            else if (text != "" && v != "") printf "%s", v
            else printf "nan"
        }' "$1"
}

# Before a measurement: no XDP program on if_r, the generator still running, a quiet machine.
measure_prepare() {
    reset_vr "the previous contender"
    kill -0 "$gen_pid" 2>/dev/null || { log "warning: generator died; restarting it"; start_generator; }
    wait_quiet
}

# The rounds: per round start the generator, then for every mode measure every contender (in the
# listed order in odd rounds, reversed in even ones: A/B alternation), stop the generator.
run_rounds() { # what the round's log line calls the generator
    local round mode c i order
    for ((round = 1; round <= rounds; round++)); do
        log "round $round/$rounds: starting $1"
        start_generator
        order=("${contenders[@]}")
        if ((round % 2 == 0)); then
            order=(); for ((i = ${#contenders[@]} - 1; i >= 0; i--)); do order+=("${contenders[i]}"); done
        fi
        for mode in "${modes[@]}"; do
            for c in "${order[@]}"; do measure "$c" "$mode" "$round"; done
        done
        stop_generator
    done
}
