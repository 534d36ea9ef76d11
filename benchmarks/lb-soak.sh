#!/usr/bin/env bash
# lb-soak.sh: the load balancer's reliability figures. `sluice demo`'s network (a client, the
# balancer, three python http.server backends on one bridge, the real `sluice lb` in DSR mode with
# an HTTP health check every second, rise 2, fall 2) under steady HTTP load for a long time, while
# the second backend flaps (stopped every --flap-every seconds, started again half a period later)
# and the configuration is rewritten and reloaded (SIGHUP) every --reload-every seconds, with slow
# downloads that span stops and reloads. Prints the demo's closing lines:
#
#   summary requests=N ok=N failed=N
#   backend b1 10.0.1.11 requests=N   (one per backend)
#   soak seconds=N stops=N reloads_sent=N reloads_applied=N reloads_refused=N
#   soak failed=N in_detection=N outside_detection=N
#   soak detections=N undetected=N detection_ms_max=N detection_ms_mean=N
#   soak downloads=N complete=N lost_with_stopped_backend=N broken=N resets=N
#   soak frames rx=N tx=N lb_dropped=N ring_dropped=N unaccounted=N
#   soak counters_file bytes_before=N bytes_after=N records_before=N records_after=N
#
# and exits with the demo's code: 0 when every failed request was in flight during a detection
# window (a backend's stop until the balancer marked it down, plus one health interval) and no
# download from a backend that kept running broke. Needs root, iproute2, python3, curl, ethtool.
set -euo pipefail

script_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

duration=600
flap_every=20
reload_every=5
rate=30
downloads=2
log=

usage() {
    cat <<EOF
Usage: ${0##*/} [--duration SECONDS] [--flap-every SECONDS] [--reload-every SECONDS] [--rate REQUESTS]
                [--downloads N] [--log FILE]

Runs \`sluice demo\` as a soak: --duration $duration s of HTTP load at --rate $rate requests a second
(a new connection each) and --downloads $downloads slow downloads at a time, the second backend
stopped every --flap-every $flap_every s (started again half a period later), the configuration
reloaded every --reload-every $reload_every s. The live view goes to --log FILE (default: a
temporary file, removed on success); the closing summary and soak lines to stdout.
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --flap-every) flap_every=$2; shift 2 ;;
        --reload-every) reload_every=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --downloads) downloads=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "${0##*/}: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

keep_log=1
if [ -z "$log" ]; then
    log=$(mktemp --suffix=.lb-soak.log)
    keep_log=0
fi

echo "lb-soak: $duration s, flap every $flap_every s, reload every $reload_every s, $rate requests/s," \
    "$downloads downloads; live view in $log" >&2
set +e
"$repo_root/sluice" demo --duration "$duration" --flap-every "$flap_every" --reload-every "$reload_every" \
    --rate "$rate" --downloads "$downloads" >"$log" 2>&1
code=$?
set -e
grep -E '^(summary|backend|soak|demo: )' "$log" || true
if [ "$code" -ne 0 ]; then
    echo "lb-soak: sluice demo exited $code; the whole output is in $log" >&2
elif [ "$keep_log" -eq 0 ]; then
    rm -f "$log"
fi
exit "$code"
