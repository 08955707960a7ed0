#!/usr/bin/env bash
# Side-by-side comparison of wsproxy with nginx and HAProxy (issue 4).
#
# Runs the same workloads (128 B echo, fixed-rate latency, 64 KiB echo, handshake churn, idle connections, scale) with no
# proxy, through nginx (one worker), HAProxy (one thread), wsproxy with one event loop and with its default loops,
# samples each proxy's CPU (utime+stime of all its processes, /proc/PID/stat) and RSS (VmRSS), prints one table and
# saves the results as JSON in benchmarks/compare/results/. With --tls every proxy terminates TLS (wss://) on its
# client hop with the same certificate; results go to results/latest-tls.json. Not run by CI. See
# benchmarks/README.md, "Comparison" and "TLS comparison".
#
# Usage: benchmarks/compare/run.sh [--quick] [--only NAME]... [--workloads LIST] [--no-direct] [--no-install]
#                                  [--build] [--base-port P] [--keep] [--tls [--tls-resume]] [--results DIR]
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNNER_JAR=${RUNNER_JAR:-$ROOT/examples/target/wsproxy.jar}
BENCH_JAR=$ROOT/benchmarks/target/wsproxy-benchmarks.jar
LOAD_CLASS=io.wsproxy.benchmarks.load.LoadTool
BACKEND_CLASS=io.wsproxy.benchmarks.load.EchoServerMain
RESULTS=$HERE/results
ALL_TARGETS=(direct nginx haproxy wsproxy-1 wsproxy-N)
ALL_WORKLOADS=(echo128 rate echo64k churn idle scale)

# JVM options. wsproxy: the flags the README recommends for the runner (section "JVM flags"): -XX:AutoBoxCacheMax=65536
# (the JDK's epoll selector boxes file descriptors > 127; a larger Integer cache removes that garbage), the serial
# collector with a 4 MiB young generation (the relay allocates nothing per message, so the heap is the connections'
# state plus handshake garbage) and a native-heap trim every second (returns the JIT compiler's freed arenas to the
# OS); and logging at WARN, as nginx (access_log off) and haproxy (no log) log nothing per connection either.
# WSPROXY_FLAGS replaces them (e.g. WSPROXY_FLAGS="-XX:AutoBoxCacheMax=65536" for G1 defaults); WSPROXY_JAVA_OPTS adds.
WSPROXY_FLAGS=${WSPROXY_FLAGS:-"-XX:AutoBoxCacheMax=65536 -XX:+UseSerialGC -Xmn4m -XX:TrimNativeHeapInterval=1000 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}
WSPROXY_JAVA_OPTS=${WSPROXY_JAVA_OPTS:-}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:-}
LOAD_EXTRA_ARGS=${LOAD_EXTRA_ARGS:-}        # e.g. "--threads 1", passed to every LoadTool run
BACKEND_EXTRA_ARGS=${BACKEND_EXTRA_ARGS:-}  # e.g. "--threads 1"
SOURCES=${SOURCES:-127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4}  # client source addresses for churn and idle

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

Options:
  --quick           smoke run: 5 s runs (2 s warm-up), fewer connections, 1,000 idle connections
  --only NAME       run only this target (repeatable): direct, nginx, haproxy, wsproxy-1, wsproxy-N;
                    direct is added as the latency baseline unless --no-direct
  --workloads LIST  comma-separated subset of: echo128,rate,echo64k,churn,idle,scale (default: all)
  --no-direct       do not add the direct (no proxy) baseline to --only
  --no-install      do not apt-get install nginx/haproxy when missing (fail instead)
  --build           build both jars first (mvn -B -q install -DskipTests [-Pbenchmarks])
  --base-port P     first of the 6 consecutive ports used on 127.0.0.1 (default 18400)
  --keep            keep the temporary directory (configs, logs, raw load-tool JSON)
  --tls             wss:// on the client hop of every proxy (TLS 1.3, one ECDSA P-256 certificate for localhost,
                    made with openssl in the temporary directory); the backend hop stays ws://, direct stays plain.
                    Results in results/latest-tls.json; compare.py prints the wss vs ws table when both exist
  --tls-resume      with --tls: the load tool resumes TLS sessions (default: a full handshake per connection);
                    results in results/latest-tls-resume.json
  --results DIR     where the results JSON and raw output go (default benchmarks/compare/results), e.g. for
                    smoke runs that must not replace the committed latest*.json
Environment: WSPROXY_FLAGS, WSPROXY_JAVA_OPTS, LOAD_JAVA_OPTS, LOAD_EXTRA_ARGS, BACKEND_EXTRA_ARGS, SOURCES,
RUNNER_JAR (the wsproxy runner, default examples/target/wsproxy.jar).
EOF
}

QUICK=0; ONLY=(); WORKLOADS_ARG=""; NO_DIRECT=0; NO_INSTALL=0; BUILD=0; BASE_PORT=18400; KEEP=0; TLS=0; TLS_RESUME=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --only) [ $# -ge 2 ] || { usage >&2; exit 2; }; ONLY+=("$2"); shift ;;
        --workloads) [ $# -ge 2 ] || { usage >&2; exit 2; }; WORKLOADS_ARG=$2; shift ;;
        --no-direct) NO_DIRECT=1 ;;
        --no-install) NO_INSTALL=1 ;;
        --build) BUILD=1 ;;
        --base-port) [ $# -ge 2 ] || { usage >&2; exit 2; }; BASE_PORT=$2; shift ;;
        --keep) KEEP=1 ;;
        --tls) TLS=1 ;;
        --tls-resume) TLS_RESUME=1 ;;
        --results) [ $# -ge 2 ] || { usage >&2; exit 2; }; RESULTS=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ $TLS_RESUME -eq 0 ] || [ $TLS -eq 1 ] || die "--tls-resume needs --tls"

# ---------------------------------------------------------------------------------------------------------------
# Targets and workloads

if [ ${#ONLY[@]} -eq 0 ]; then
    TARGETS=("${ALL_TARGETS[@]}")
else
    for t in "${ONLY[@]}"; do
        [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown target $t (one of: ${ALL_TARGETS[*]})"
    done
    TARGETS=()
    if [ $NO_DIRECT -eq 0 ] && [[ " ${ONLY[*]} " != *" direct "* ]]; then TARGETS+=(direct); fi
    for t in "${ALL_TARGETS[@]}"; do [[ " ${ONLY[*]} " == *" $t "* ]] && TARGETS+=("$t"); done
fi
if [ -z "$WORKLOADS_ARG" ]; then
    WORKLOADS=("${ALL_WORKLOADS[@]}")
else
    IFS=, read -r -a WORKLOADS <<<"$WORKLOADS_ARG"
    for w in "${WORKLOADS[@]}"; do
        [[ " ${ALL_WORKLOADS[*]} " == *" $w "* ]] || die "unknown workload $w (one of: ${ALL_WORKLOADS[*]})"
    done
fi
has_workload() { [[ " ${WORKLOADS[*]} " == *" $1 "* ]]; }

# Parameters: full run as specified in issue 4; --quick is a smoke run.
if [ $QUICK -eq 1 ]; then
    DUR=5; WARM=2
    ECHO_C=10; ECHO_W=16; ECHO_S=128
    RATE_C=20; RATE_R=5000; RATE_S=128
    BIG_C=4; BIG_W=4; BIG_S=65536
    CHURN_K=4
    IDLE_N=1000; IDLE_STEPS=2
    SCALE_N=2000; SCALE_STEPS=2; SCALE_HOLD=10
else
    DUR=15; WARM=5
    ECHO_C=50; ECHO_W=16; ECHO_S=128
    RATE_C=100; RATE_R=20000; RATE_S=128
    BIG_C=10; BIG_W=4; BIG_S=65536
    CHURN_K=16
    IDLE_N=5000; IDLE_STEPS=4
    # As many proxied connections as a process may hold with 20,000 files (2 per connection plus the process's own).
    SCALE_N=9900; SCALE_STEPS=6; SCALE_HOLD=60
fi
SETTLE_BEFORE=3   # s after a fresh proxy starts, before the "before" RSS reading of the idle workload
SETTLE_AFTER=5    # s after "ready N", before the "with N" RSS reading
SCALE_PING=1s     # wsproxy's heartbeat interval in the scale workload (both hops); nginx and HAProxy have none
SCALE_PING_TIMEOUT=5s
# idle and scale with --tls: TLS handshakes the load tool runs at a time while opening (plain: its default, 200). A
# full handshake costs the JDK client and a JVM proxy milliseconds of CPU, so 200 at once queue for seconds and,
# on a busy 2-core machine, run into wsproxy's 10 s handshake timeout; the same limit applies to every target.
TLS_OPENING=32

PORT_BACKEND=$BASE_PORT
# The load tool's target: a proxy with --tls is wss:// (TLS on the client hop); direct is always the plain backend.
target_args() {
    local port
    port=$(port_of "$1")
    if [ $TLS -eq 1 ] && [ "$1" != direct ]; then
        echo "--target wss://127.0.0.1:$port/ --tls $([ $TLS_RESUME -eq 1 ] && echo --tls-resume)"
    else
        echo "--target ws://127.0.0.1:$port/"
    fi
}

port_of() {
    case "$1" in
        direct) echo "$PORT_BACKEND" ;;
        nginx) echo $((BASE_PORT + 1)) ;;
        haproxy) echo $((BASE_PORT + 2)) ;;
        wsproxy-1) echo $((BASE_PORT + 3)) ;;
        wsproxy-N) echo $((BASE_PORT + 4)) ;;
    esac
}

# ---------------------------------------------------------------------------------------------------------------
# Process bookkeeping: everything we start is recorded by PID and stopped on exit.

STARTED=()
WORK=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do stop_pid "$pid" quiet; done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ $KEEP -eq 1 ] || [ $rc -ne 0 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

alive() { kill -0 "$1" 2>/dev/null; }

# Stops one process by PID: TERM, up to 10 s, then KILL. nginx's master stops its workers; they are also killed by
# PID if they outlive it.
stop_pid() {
    local pid=$1 quiet=${2:-} kids i
    alive "$pid" || return 0
    kids=$(children "$pid")
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then [ -z "$quiet" ] && log "PID $pid ignored TERM; KILL"; kill -KILL "$pid" 2>/dev/null; fi
    wait "$pid" 2>/dev/null
    for k in $kids; do alive "$k" && kill -KILL "$k" 2>/dev/null; done
    return 0
}

children() {  # direct children of a PID
    local pid=$1 f
    for f in /proc/"$pid"/task/*/children; do [ -r "$f" ] && cat "$f" 2>/dev/null; done | tr ' ' '\n' | grep -v '^$' || true
}

forget() {  # drop a PID from STARTED once stopped
    local pid=$1 keep=() p
    for p in "${STARTED[@]}"; do [ "$p" != "$pid" ] && keep+=("$p"); done
    STARTED=("${keep[@]+"${keep[@]}"}")
}

# ---------------------------------------------------------------------------------------------------------------
# /proc sampling

CLK_TCK=$(getconf CLK_TCK)

# PIDs that make up a target's proxy: the main PID plus its children (nginx master + worker).
proxy_pids() {
    local pid=$1
    alive "$pid" || return 0
    echo "$pid"
    children "$pid"
}

cpu_ticks() {  # sum of utime+stime (clock ticks) of the given PIDs
    local t=0 p v
    for p in "$@"; do
        v=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/"$p"/stat 2>/dev/null) || v=0
        t=$((t + ${v:-0}))
    done
    echo $t
}

rss_kib() {  # sum of VmRSS (KiB) of the given PIDs
    local t=0 p v
    for p in "$@"; do
        v=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null) || v=0
        t=$((t + ${v:-0}))
    done
    echo $t
}

machine_busy_ticks() {  # "busy total" jiffies from /proc/stat (busy = all but idle and iowait)
    awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat
}

# ---------------------------------------------------------------------------------------------------------------
# Setup: packages, jars, ports, limits

find_bin() { command -v "$1" 2>/dev/null || { [ -x /usr/sbin/"$1" ] && echo /usr/sbin/"$1"; } || true; }

install_proxies() {
    local need=() nginx_pkg created_policy=0
    [ -n "$(find_bin nginx)" ] || need+=(nginx)
    [ -n "$(find_bin haproxy)" ] || need+=(haproxy)
    [ ${#need[@]} -eq 0 ] && return 0
    [ $NO_INSTALL -eq 1 ] && die "missing: ${need[*]} (and --no-install)"
    [ "$(id -u)" -eq 0 ] || die "missing: ${need[*]}; run as root or install them: apt-get install -y nginx-light haproxy"
    log "installing ${need[*]} from Debian packages"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    local pkgs=()
    if [[ " ${need[*]} " == *" nginx "* ]]; then
        # nginx-light (fewest modules) where the release has it, else nginx.
        # (In Debian 12 nginx-light is nginx plus the echo module; the binary is the same.)
        local policy
        policy=$(apt-cache policy nginx-light 2>/dev/null)
        if [[ "$policy" == *"Candidate: "[0-9]* ]]; then nginx_pkg=nginx-light; else nginx_pkg=nginx; fi
        pkgs+=("$nginx_pkg")
    fi
    [[ " ${need[*]} " == *" haproxy "* ]] && pkgs+=(haproxy)
    # Never start the system services: a policy-rc.d that forbids it (Debian's mechanism), only if none exists.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && created_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$WORK/apt.log" 2>&1
    local rc=$?
    [ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || { tail -20 "$WORK/apt.log" >&2; die "apt-get install ${pkgs[*]} failed"; }
}

check_port_free() {
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then die "port $1 is in use (try --base-port)"; fi
}

wait_port() {  # wait until something accepts on 127.0.0.1:$1 (and PID $2 is alive)
    local port=$1 pid=$2 i
    for i in $(seq 300); do
        alive "$pid" || return 1
        if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

WORK=$(mktemp -d /tmp/wsproxy-compare.XXXXXX)
chmod 755 "$WORK"   # nginx's worker runs as nobody

NEEDS_NGINX=0; NEEDS_HAPROXY=0; NEEDS_WSPROXY=0
for t in "${TARGETS[@]}"; do
    case $t in nginx) NEEDS_NGINX=1 ;; haproxy) NEEDS_HAPROXY=1 ;; wsproxy-*) NEEDS_WSPROXY=1 ;; esac
done
install_proxies
NGINX=$(find_bin nginx); HAPROXY=$(find_bin haproxy)

if [ $BUILD -eq 1 ]; then
    log "building (mvn -B -q install -DskipTests; then -Pbenchmarks)"
    (cd "$ROOT" && mvn -B -q install -DskipTests && mvn -B -q install -DskipTests -Pbenchmarks) || die "build failed"
fi
[ -f "$RUNNER_JAR" ] || die "$RUNNER_JAR missing: mvn -B -q install -DskipTests (or --build)"
[ -f "$BENCH_JAR" ] || die "$BENCH_JAR missing: mvn -B -q install -DskipTests -Pbenchmarks (or --build)"
for c in $LOAD_CLASS $BACKEND_CLASS; do
    unzip -l "$BENCH_JAR" "${c//.//}.class" >/dev/null 2>&1 \
        || die "$c not in $BENCH_JAR (the load tool is not built yet?)"
done

# Every process may open at most 20,000 files (issue 4): lower a higher soft limit to that.
NOFILE=$(ulimit -n)
if [ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 20000 ]; then ulimit -S -n 20000; NOFILE=20000; fi
HAPROXY_NOFILE=$NOFILE
[ "$NOFILE" -ge $((2 * IDLE_N + 200)) ] \
    || die "ulimit -n is $NOFILE: the proxy holds 2 fds per connection, $IDLE_N idle connections need $((2 * IDLE_N + 200))"
! has_workload scale || [ "$NOFILE" -ge $((2 * SCALE_N + 100)) ] \
    || die "ulimit -n is $NOFILE: the scale workload's $SCALE_N connections need $((2 * SCALE_N + 100))"
for i in 0 1 2 3 4; do check_port_free $((BASE_PORT + i)); done

# TLS: one key and self-signed certificate for localhost (ECDSA P-256, as most sites serve now), used by every proxy;
# HAProxy wants certificate and key in one PEM file.
TLS_DIR=$WORK/tls
TLS_CERT=$TLS_DIR/cert.pem
TLS_KEY=$TLS_DIR/key.pem
TLS_BUNDLE=$TLS_DIR/cert-and-key.pem
make_certificate() {
    command -v openssl >/dev/null || die "--tls needs openssl (apt-get install openssl)"
    mkdir -p "$TLS_DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$TLS_KEY" -out "$TLS_CERT" \
        >"$TLS_DIR/openssl.log" 2>&1 \
        || { cat "$TLS_DIR/openssl.log" >&2; die "openssl could not make the certificate"; }
    cat "$TLS_CERT" "$TLS_KEY" >"$TLS_BUNDLE"
    chmod 600 "$TLS_KEY" "$TLS_BUNDLE"
    log "TLS: $(openssl x509 -in "$TLS_CERT" -noout -subject -ext subjectAltName 2>/dev/null | tr '\n' ' ' | tr -s ' ')"
}
if [ $TLS -eq 1 ]; then
    make_certificate
    # The runner serves wss:// with --tls-cert/--tls-key; an older runner has no such flags.
    if [ $NEEDS_WSPROXY -eq 1 ] && ! java -jar "$RUNNER_JAR" --help 2>&1 | grep -q -- '--tls-cert'; then
        die "$RUNNER_JAR has no --tls-cert (a runner without TLS): rebuild it, or leave out the wsproxy targets"
    fi
fi

# ---------------------------------------------------------------------------------------------------------------
# Configs

write_nginx_conf() {
    local port=$1 dir=$WORK/nginx listen tls=""
    listen=127.0.0.1:$port
    if [ $TLS -eq 1 ]; then
        listen+=" ssl"
        printf -v tls '        ssl_certificate %s;\n        ssl_certificate_key %s;\n        ssl_protocols TLSv1.3;' \
            "$TLS_CERT" "$TLS_KEY"
    fi
    mkdir -p "$dir/tmp" && chmod 755 "$dir" "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
# The usual nginx WebSocket reverse proxy, one worker.
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;

events {
    worker_connections 20000;
    use epoll;
    multi_accept on;
}

http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;

    server {
        listen $listen;
$tls
        location / {
            proxy_pass http://127.0.0.1:$PORT_BACKEND;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_buffering off;
        }
    }
}
EOF
}

write_haproxy_cfg() {
    local port=$1 dir=$WORK/haproxy maxconn
    mkdir -p "$dir"
    # HAProxy needs 2 fds per connection plus a few and, since 2.3, refuses to start (strict-limits) when it cannot
    # raise the fd limit to that: "maxconn 20000" asks for 40,014 fds. So maxconn is what the 20,000-file limit
    # allows, (limit - 100) / 2 = 9,950, the same ceiling every proxy here has.
    maxconn=$(( (HAPROXY_NOFILE - 100) / 2 ))
    cat >"$dir/haproxy.cfg" <<EOF
# The usual HAProxy WebSocket reverse proxy, one thread.
global
    nbthread 1
    maxconn $maxconn

defaults
    mode http
    maxconn $maxconn
    timeout connect 5s
    timeout client 3600s
    timeout server 3600s
    timeout tunnel 3600s
    option forwardfor

frontend ws_in
    bind 127.0.0.1:$port$([ $TLS -eq 1 ] && echo " ssl crt $TLS_BUNDLE ssl-min-ver TLSv1.3 alpn http/1.1")
    default_backend ws_echo

backend ws_echo
    server echo1 127.0.0.1:$PORT_BACKEND
EOF
}

# ---------------------------------------------------------------------------------------------------------------
# Starting and stopping targets. PROXY_PID is the main PID (nginx master, haproxy, java), empty for direct.

PROXY_PID=""
start_target() {  # start_target TARGET [scale]: "scale" turns on wsproxy's heartbeat at SCALE_PING
    local t=$1 port log hb="" tls=""
    [ "${2:-}" = scale ] && hb="--ping-interval $SCALE_PING --ping-timeout $SCALE_PING_TIMEOUT --ping-side both"
    [ $TLS -eq 1 ] && tls="--tls-cert $TLS_CERT --tls-key $TLS_KEY"
    port=$(port_of "$t")
    log=$WORK/$t.log
    PROXY_PID=""
    case $t in
        direct) return 0 ;;
        nginx)
            write_nginx_conf "$port"
            "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >>"$log" 2>&1 &
            ;;
        haproxy)
            write_haproxy_cfg "$port"
            "$HAPROXY" -f "$WORK/haproxy/haproxy.cfg" -db >>"$log" 2>&1 &
            ;;
        wsproxy-1)
            # shellcheck disable=SC2086
            java $WSPROXY_FLAGS $WSPROXY_JAVA_OPTS -jar "$RUNNER_JAR" \
                --listen 127.0.0.1:"$port" --upstream ws://127.0.0.1:"$PORT_BACKEND" --event-loops 1 $tls $hb \
                >>"$log" 2>&1 &
            ;;
        wsproxy-N)
            # shellcheck disable=SC2086
            java $WSPROXY_FLAGS $WSPROXY_JAVA_OPTS -jar "$RUNNER_JAR" \
                --listen 127.0.0.1:"$port" --upstream ws://127.0.0.1:"$PORT_BACKEND" $tls $hb >>"$log" 2>&1 &
            ;;
    esac
    PROXY_PID=$!
    STARTED+=("$PROXY_PID")
    if ! wait_port "$port" "$PROXY_PID"; then
        tail -20 "$log" >&2
        die "$t did not start listening on 127.0.0.1:$port"
    fi
    sleep 0.5
    [ "$t" = nginx ] && [ -z "$(children "$PROXY_PID")" ] && die "nginx master $PROXY_PID has no worker"
    log "$t: PID $PROXY_PID $(children "$PROXY_PID" | tr '\n' ' ')on 127.0.0.1:$port$([ $TLS -eq 1 ] && echo ' (wss)')"
}

# tls_probe TARGET: once per target, what it negotiates with openssl s_client (TLS 1.3, SNI localhost, the
# certificate verified against ours): protocol, cipher suite, key-exchange group, signature. The load tool records
# what the JDK client negotiated (protocol and suite) in its JSON. One handshake, outside every measured window.
TLS_PROBES=$WORK/tls-probe.env
: >"$TLS_PROBES"
tls_probe() {
    local t=$1 port out proto suite group sig verify
    [ $TLS -eq 1 ] && [ "$t" != direct ] || return 0
    grep -q "^$t=" "$TLS_PROBES" && return 0
    port=$(port_of "$t")
    out=$(timeout 10 openssl s_client -connect 127.0.0.1:"$port" -servername localhost -tls1_3 -CAfile "$TLS_CERT" \
        -verify_hostname localhost -brief </dev/null 2>&1)
    printf '%s\n' "$out" >"$WORK/$t-tls-probe.out"
    proto=$(awk -F': ' '/^Protocol version/ {print $2; exit}' <<<"$out")
    suite=$(awk -F': ' '/^Ciphersuite/ {print $2; exit}' <<<"$out")
    group=$(awk -F': ' '/^Server Temp Key/ {print $2; exit}' <<<"$out")
    sig=$(awk -F': ' '/^Signature type/ {print $2; exit}' <<<"$out")
    verify=$(awk -F': ' '/^Verification/ {print $2; exit}' <<<"$out")
    echo "$t=${proto:-?}, ${suite:-?}, key exchange ${group:-?}, signature ${sig:-?}, verification ${verify:-failed}" \
        >>"$TLS_PROBES"
    log "$t: s_client negotiated ${proto:-?} ${suite:-?}, ${group:-?}, ${sig:-?}; certificate ${verify:-not verified}"
    [ -n "$proto" ] || { tail -5 "$WORK/$t-tls-probe.out" >&2; die "$t: no TLS handshake with openssl s_client"; }
}

stop_target() {
    [ -n "$PROXY_PID" ] || return 0
    stop_pid "$PROXY_PID"
    forget "$PROXY_PID"
    PROXY_PID=""
}

BACKEND_PID=""
start_backend() {
    local log=$WORK/backend.log i
    # shellcheck disable=SC2086
    java $LOAD_JAVA_OPTS -cp "$BENCH_JAR" $BACKEND_CLASS --listen 127.0.0.1:"$PORT_BACKEND" $BACKEND_EXTRA_ARGS \
        >"$log" 2>&1 &
    BACKEND_PID=$!
    STARTED+=("$BACKEND_PID")
    for i in $(seq 300); do
        grep -q 'listening on' "$log" 2>/dev/null && break
        alive "$BACKEND_PID" || { cat "$log" >&2; die "backend exited"; }
        sleep 0.1
    done
    grep -q 'listening on' "$log" || { cat "$log" >&2; die "backend did not print 'listening on'"; }
    log "backend: PID $BACKEND_PID, $(grep -m1 'listening on' "$log")"
}

# ---------------------------------------------------------------------------------------------------------------
# Running the load tool

RECORDS=$WORK/records.jsonl
: >"$RECORDS"

# load NAME MODE ARGS... : runs the load tool once (foreground, but tracked by PID), output in $WORK/NAME.{out,json}
load() {
    local name=$1 mode=$2 limit
    shift 2
    limit=$((DUR + WARM + 120))
    # shellcheck disable=SC2086
    timeout -k 5 "$limit" java $LOAD_JAVA_OPTS -cp "$BENCH_JAR" $LOAD_CLASS "$mode" "$@" --json "$WORK/$name.json" \
        $LOAD_EXTRA_ARGS >"$WORK/$name.out" 2>&1 &
    local pid=$!
    STARTED+=("$pid")
    wait "$pid"
    local rc=$?
    forget "$pid"
    grep '^RESULT' "$WORK/$name.out" | tail -1 | sed 's/^/    /' >&2
    if [ $rc -ne 0 ]; then log "  $name: load tool exit status $rc"; tail -5 "$WORK/$name.out" | sed 's/^/    /' >&2; fi
    return $rc
}

# record TARGET WORKLOAD NAME RC key=value... : one JSON line (values numeric or null) plus the load tool's JSON path
record() {
    local t=$1 w=$2 name=$3 rc=$4 kv line
    shift 4
    line="{\"target\":\"$t\",\"workload\":\"$w\",\"exitStatus\":$rc,\"loadJson\":\"$WORK/$name.json\",\"loadOut\":\"$WORK/$name.out\""
    for kv in "$@"; do line+=",\"${kv%%=*}\":${kv#*=}"; done
    echo "$line}" >>"$RECORDS"
}

# sample: sets S_PROXY S_BACKEND S_BUSY S_TOTAL S_TIME (proxy CPU ticks, backend CPU ticks, machine jiffies, ns)
sample() {
    local pids
    pids=$(proxy_pids "${PROXY_PID:-0}")
    # shellcheck disable=SC2086
    S_PROXY=$([ -n "$PROXY_PID" ] && cpu_ticks $pids || echo null)
    S_BACKEND=$(cpu_ticks "$BACKEND_PID")
    read -r S_BUSY S_TOTAL < <(machine_busy_ticks)
    S_TIME=$(date +%s%N)
}

# measured TARGET WORKLOAD MODE ARGS...: a warm-up run (WARM s), then the measured run (DUR s) between two samples.
# The load tool runs with --warmup 0 both times, so the CPU window is exactly one load-tool run (JVM start, connect,
# DUR s of traffic, close); the proxy does next to nothing outside the DUR s.
measured() {
    local t=$1 w=$2 mode=$3 rc target
    shift 3
    target=$(target_args "$t")
    log "$t / $w: warm-up ${WARM}s"
    # shellcheck disable=SC2086
    load "$t-$w-warmup" "$mode" $target "$@" --duration "${WARM}s" --warmup 0s || true
    log "$t / $w: measuring ${DUR}s"
    sample; local p0=$S_PROXY b0=$S_BACKEND busy0=$S_BUSY tot0=$S_TOTAL t0=$S_TIME
    # shellcheck disable=SC2086
    load "$t-$w" "$mode" $target "$@" --duration "${DUR}s" --warmup 0s
    rc=$?
    sample
    local rss
    rss=$([ -n "$PROXY_PID" ] && rss_kib $(proxy_pids "$PROXY_PID") || echo null)
    record "$t" "$w" "$t-$w" "$rc" proxyTicksBefore="$p0" proxyTicksAfter="$S_PROXY" \
        backendTicksBefore="$b0" backendTicksAfter="$S_BACKEND" machineBusyBefore="$busy0" machineBusyAfter="$S_BUSY" \
        machineTotalBefore="$tot0" machineTotalAfter="$S_TOTAL" windowNanos=$((S_TIME - t0)) durationSeconds="$DUR" \
        proxyRssKibAfter="$rss"
}

# live_heap TARGET: the JVM's live heap in bytes (the total of GC.class_histogram, which collects first), for the
# wsproxy targets; null for the others. Read only after the RSS readings, since the collection can shrink the heap.
live_heap() {
    local bytes
    case $1 in wsproxy-*) ;; *) echo null; return ;; esac
    bytes=$(jcmd "$PROXY_PID" GC.class_histogram 2>/dev/null | awk '$1 == "Total" {print $3}')
    echo "${bytes:-null}"
}

# held TARGET WORKLOAD N STEPS HOLD: on a fresh proxy, RSS before; then N connections opened in STEPS equal batches,
# one load-tool process per batch, each holding its connections until its stdin closes. RSS is read after each batch
# is upgraded and SETTLE_AFTER s have passed, and once more after all N have been held HOLD s more. The first batch
# carries one-time costs (a JVM compiles its connection path then, for instance), so the batches after it give the
# marginal RSS per connection and show whether memory grows linearly. Each load tool then reports how many of its
# connections the proxy closed.
held_run() {
    local t=$1 w=$2 n=$3 steps=$4 hold=$5 target per rss0 b_rss0 rc=0 i pids name fifo ready t0 fd
    local rss_steps=() load_pids=() load_fds=() names=() rss_held=null b_rss1=null open_fds=null
    target=$(target_args "$t")
    per=$((n / steps))
    sleep "$SETTLE_BEFORE"
    rss0=$([ -n "$PROXY_PID" ] && rss_kib $(proxy_pids "$PROXY_PID") || echo null)
    b_rss0=$(rss_kib "$BACKEND_PID")
    local heap0 heap1=null
    heap0=$(live_heap "$t")
    log "$t / $w: $n connections in $steps batches of $per, then held ${hold}s (RSS before: ${rss0} KiB)"
    for i in $(seq 1 "$steps"); do
        name=$t-$w-$i
        fifo=$WORK/$name.stdin
        rm -f "$fifo"; mkfifo "$fifo"
        # shellcheck disable=SC2086
        timeout -k 5 900 java $LOAD_JAVA_OPTS -cp "$BENCH_JAR" $LOAD_CLASS idle $target \
            $([ $TLS -eq 1 ] && echo "--handshakes-in-flight $TLS_OPENING") \
            --connections "$per" --hold 0 --sources "$SOURCES" --json "$WORK/$name.json" $LOAD_EXTRA_ARGS \
            <"$fifo" >"$WORK/$name.out" 2>&1 &
        load_pids+=($!); names+=("$name")
        STARTED+=($!)
        exec {fd}>"$fifo"   # the load tool holds until this closes
        load_fds+=("$fd")
        ready=0; t0=$(date +%s)
        while alive "${load_pids[-1]}" && [ $(($(date +%s) - t0)) -lt 300 ]; do
            if grep -q '^ready' "$WORK/$name.out" 2>/dev/null; then ready=1; break; fi
            sleep 0.2
        done
        if [ $ready -ne 1 ]; then
            log "$t / $w: batch $i: no 'ready' line"; tail -5 "$WORK/$name.out" | sed 's/^/    /' >&2
            rc=1; break
        fi
        sleep "$SETTLE_AFTER"
        if [ -n "$PROXY_PID" ]; then
            # shellcheck disable=SC2086
            rss_steps+=("$(rss_kib $(proxy_pids "$PROXY_PID"))")
        else
            rss_steps+=(null)
        fi
        log "$t / $w: $((i * per)) connections, RSS ${rss_steps[-1]} KiB"
    done
    if [ $rc -eq 0 ] && [ "$hold" -gt 0 ]; then
        log "$t / $w: holding all $n for ${hold}s"
        sleep "$hold"
    fi
    if [ -n "$PROXY_PID" ]; then
        pids=$(proxy_pids "$PROXY_PID")
        # shellcheck disable=SC2086
        rss_held=$(rss_kib $pids)
        open_fds=0
        for i in $pids; do open_fds=$((open_fds + $(ls /proc/"$i"/fd 2>/dev/null | wc -l))); done
    fi
    b_rss1=$(rss_kib "$BACKEND_PID")
    [ $rc -eq 0 ] && heap1=$(live_heap "$t")
    log "$t / $w: RSS after the hold ${rss_held} KiB, fds ${open_fds}, live heap ${heap1} B (before: ${heap0} B)"
    for fd in "${load_fds[@]}"; do exec {fd}>&-; done
    local load_rc jsons=()
    for i in "${!load_pids[@]}"; do
        wait "${load_pids[$i]}"; load_rc=$?
        forget "${load_pids[$i]}"
        grep '^RESULT' "$WORK/${names[$i]}.out" | tail -1 | sed 's/^/    /' >&2
        [ $load_rc -ne 0 ] && rc=$load_rc
        jsons+=("\"$WORK/${names[$i]}.json\"")
    done
    local last=""
    [ ${#rss_steps[@]} -gt 0 ] && last=${rss_steps[-1]}
    local IFS=,
    record "$t" "$w" "${names[0]}" "$rc" connections="$n" steps="$steps" holdSeconds="$hold" \
        proxyRssKibBefore="$rss0" proxyRssKibSteps="[${rss_steps[*]}]" proxyRssKibWith="${last:-null}" \
        proxyRssKibAfterHold="$rss_held" proxyFdsWith="$open_fds" backendRssKibBefore="$b_rss0" \
        backendRssKibWith="$b_rss1" liveHeapBytesBefore="$heap0" liveHeapBytesWith="$heap1" loadJsons="[${jsons[*]}]"
}

# ---------------------------------------------------------------------------------------------------------------
# Machine info

machine_info() {
    local f=$WORK/machine.env
    {
        echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "nproc=$(nproc)"
        echo "kernel=$(uname -sr)"
        echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
        echo "memTotalKib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
        echo "ulimitNofile=$NOFILE"
        echo "clkTck=$CLK_TCK"
        echo "java=$(java -version 2>&1 | tr '\n' ' ')"
        [ -n "$NGINX" ] && echo "nginx=$("$NGINX" -v 2>&1 | tr '\n' ' ')"
        [ -n "$HAPROXY" ] && echo "haproxy=$("$HAPROXY" -v 2>&1 | head -1)"
        [ $TLS -eq 1 ] && echo "openssl=$(openssl version 2>&1)"
        [ $TLS -eq 1 ] && [ -n "$HAPROXY" ] && echo "haproxySsl=$("$HAPROXY" -vv 2>&1 | grep -m1 'Running on OpenSSL')"
        echo "gitCommit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null)"
        echo "gitDirty=$([ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] && echo true || echo false)"
        echo "loadavgBefore=$(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$f"
}

# ---------------------------------------------------------------------------------------------------------------
# Main

RUN_KIND="$([ $QUICK -eq 1 ] && echo quick || echo full) run"
[ $TLS -eq 1 ] && RUN_KIND+=", wss:// on the client hop$([ $TLS_RESUME -eq 1 ] && echo ', sessions resumed')"
log "targets: ${TARGETS[*]}; workloads: ${WORKLOADS[*]}; $RUN_KIND; work dir $WORK"
machine_info
start_backend

for t in "${TARGETS[@]}"; do
    if has_workload echo128 || has_workload rate || has_workload echo64k || has_workload churn; then
        start_target "$t"
        tls_probe "$t"
        has_workload echo128 && measured "$t" echo128 echo --connections "$ECHO_C" --size "$ECHO_S" --window "$ECHO_W"
        has_workload rate && measured "$t" rate rate --connections "$RATE_C" --size "$RATE_S" --rate "$RATE_R"
        has_workload echo64k && measured "$t" echo64k echo --connections "$BIG_C" --size "$BIG_S" --window "$BIG_W"
        has_workload churn && measured "$t" churn churn --concurrency "$CHURN_K" --sources "$SOURCES"
        stop_target
    fi
    if has_workload idle; then
        start_target "$t"   # a fresh process, so "RSS before" is the proxy's baseline
        held_run "$t" idle "$IDLE_N" "$IDLE_STEPS" 0
        tls_probe "$t"   # after the readings; a no-op when the first block probed already
        stop_target
    fi
    if has_workload scale && [ "$t" != direct ]; then
        start_target "$t" scale   # wsproxy: with a heartbeat every SCALE_PING on both hops
        held_run "$t" scale "$SCALE_N" "$SCALE_STEPS" "$SCALE_HOLD"
        tls_probe "$t"
        stop_target
    fi
done

stop_pid "$BACKEND_PID"; forget "$BACKEND_PID"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
SUFFIX=""
[ $TLS -eq 1 ] && SUFFIX=-tls
[ $TLS_RESUME -eq 1 ] && SUFFIX=-tls-resume
mkdir -p "$RESULTS"
# With --tls the plain results (latest.json) are the "ws" side of the wss vs ws table compare.py prints.
TLS_REPORT=()
[ $TLS -eq 1 ] && TLS_REPORT=(--tls-probes "$TLS_PROBES" --plain "$RESULTS/latest.json")
python3 "$HERE/compare.py" report --records "$RECORDS" --machine "$WORK/machine.env" \
    --out "$RESULTS/$STAMP$SUFFIX.json" --latest "$RESULTS/latest$SUFFIX.json" ${TLS_REPORT[@]+"${TLS_REPORT[@]}"} \
    --params "quick=$QUICK" "tls=$TLS" "tlsResume=$TLS_RESUME" "durationSeconds=$DUR" "warmupSeconds=$WARM" \
    "echo128=C$ECHO_C,S$ECHO_S,W$ECHO_W" "rate=C$RATE_C,S$RATE_S,R$RATE_R" "echo64k=C$BIG_C,S$BIG_S,W$BIG_W" \
    "churn=K$CHURN_K" "idle=N$IDLE_N/$IDLE_STEPS" "scale=N$SCALE_N/$SCALE_STEPS,hold${SCALE_HOLD}s,ping$SCALE_PING" "clkTck=$CLK_TCK" "targets=${TARGETS[*]}" "workloads=${WORKLOADS[*]}" \
    "wsproxyJavaOpts=$WSPROXY_FLAGS $WSPROXY_JAVA_OPTS" "loadExtraArgs=$LOAD_EXTRA_ARGS" \
    "tlsHandshakesInFlight=$([ $TLS -eq 1 ] && echo $TLS_OPENING || echo null)" \
    "sources=$SOURCES" "settleBeforeSeconds=$SETTLE_BEFORE" "settleAfterSeconds=$SETTLE_AFTER" \
    || die "compare.py failed"
# Raw load-tool output next to the results (gitignored).
RAW=$RESULTS/raw-$STAMP$SUFFIX
mkdir -p "$RAW" && cp "$WORK"/*.out "$WORK"/*.json "$WORK"/*.log "$WORK"/*.env "$RAW/" 2>/dev/null
cp -r "$WORK/nginx" "$WORK/haproxy" "$RAW/" 2>/dev/null
[ $TLS -eq 1 ] && cp "$TLS_CERT" "$RAW/" 2>/dev/null   # the certificate, never the key
log "results: $RESULTS/$STAMP$SUFFIX.json (and latest$SUFFIX.json); raw output in $RAW"
