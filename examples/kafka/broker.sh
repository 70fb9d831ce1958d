#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft: broker and controller in one
# JVM) on 127.0.0.1, for the demo and the end-to-end tests.
#
#   broker.sh fetch    resolve the broker's jars from Maven into a cache
#                      directory outside the repository (once; then instant)
#   broker.sh start    fetch if needed, start a FRESH broker in the background,
#                      wait until it serves requests, create $KAFKA_TOPICS and
#                      print the bootstrap address (the only line on stdout)
#   broker.sh stop     stop the broker and delete its state (idempotent)
#   broker.sh status   exit 0 and describe it if running, else exit 3
#
# Environment (defaults in brackets):
#   KAFKA_VERSION          [4.4.0] Kafka release (org.apache.kafka:kafka_2.13)
#   KAFKA_PORT             [19092] client (PLAINTEXT) port
#   KAFKA_CONTROLLER_PORT  [KAFKA_PORT+1] KRaft controller port
#   KAFKA_TOPICS           [user-orders,orders,inventory,payments,spans]
#                          comma-separated, 1 partition each; set it empty
#                          to create none
#   KAFKA_CACHE_DIR        [${XDG_CACHE_HOME:-$HOME/.cache}/tracewire/kafka-$KAFKA_VERSION]
#   KAFKA_STATE_DIR        [${TMPDIR:-/tmp}/tracewire-kafka-$KAFKA_PORT]
#                          pid file, broker.log, config and data; deleted by stop
#   KAFKA_HEAP_OPTS        [-Xms256m -Xmx512m]
#   KAFKA_JVM_OPTS         [-XX:+UseSerialGC ...] extra JVM flags for the broker
#   KAFKA_START_TIMEOUT    [60] seconds until start gives up
#   KAFKA_STOP_TIMEOUT     [20] seconds between SIGTERM and SIGKILL
#   KAFKA_LOG_LEVEL        [INFO] broker log level
#
# Typical use:
#   bootstrap=$(examples/kafka/broker.sh start)
#   ... run clients against "$bootstrap" ...
#   examples/kafka/broker.sh stop
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
KAFKA_HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-19092}
# Checked before any arithmetic: bash would evaluate a non-number as an
# expression (KAFKA_PORT=abc reads a variable named abc).
check_port() {
    if ! [[ $2 =~ ^[0-9]{1,5}$ ]] || ((10#$2 < 1 || 10#$2 > 65535)); then
        echo "broker.sh: error: $1 is not a port number: '$2'" >&2
        exit 1
    fi
}
check_port KAFKA_PORT "$KAFKA_PORT"
KAFKA_PORT=$((10#$KAFKA_PORT))
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
check_port KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
KAFKA_CONTROLLER_PORT=$((10#$KAFKA_CONTROLLER_PORT))
# No colon: an explicitly empty KAFKA_TOPICS means "create no topics".
KAFKA_TOPICS=${KAFKA_TOPICS-user-orders,orders,inventory,payments,spans}
KAFKA_CACHE_DIR=${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tracewire/kafka-$KAFKA_VERSION}
# One state dir per port, so brokers on different ports can run side by side.
KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/tracewire-kafka-$KAFKA_PORT}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
# Serial GC: a throwaway broker on a small machine does not need G1's threads.
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:--XX:+UseSerialGC -Djava.awt.headless=true}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-20}

LIBS=$KAFKA_CACHE_DIR/libs
STATE=$KAFKA_STATE_DIR
PID_FILE=$STATE/broker.pid
LOG_FILE=$STATE/broker.log
CONFIG=$STATE/server.properties
# Written into every state dir we create; stop/start only ever delete a
# directory that carries it, never whatever KAFKA_STATE_DIR happens to name.
MARKER=$STATE/.tracewire-kafka-state
BOOTSTRAP=$KAFKA_HOST:$KAFKA_PORT

log() { printf 'broker.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"
}

# True if something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp,
# so no nc/ss needed).
port_open() {
    (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

# True if $1 is a live (not zombie) process. A broker whose starting shell has
# exited is re-parented, and in a container PID 1 may never reap it, so a
# killed broker can linger as a zombie that `kill -0` still reports.
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # Field 3 is the state; the command name in field 2 may contain spaces.
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# True if $1 is the broker JVM started for this state dir (guards against a
# stale pid file whose pid was reused by an unrelated process).
is_our_broker() {
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *" kafka.Kafka $CONFIG"* ]]
}

# Pids of brokers started for this state dir: the pid file, plus a search by
# the config path in case the pid file was lost.
broker_pids() {
    local pid candidates=()
    if [[ -f $PID_FILE ]]; then
        candidates+=("$(<"$PID_FILE")")
    fi
    while read -r pid; do
        candidates+=("$pid")
    done < <(pgrep -f -- "kafka\\.Kafka $CONFIG" || true)
    for pid in "${candidates[@]+"${candidates[@]}"}"; do
        if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && is_our_broker "$pid"; then
            echo "$pid"
        fi
    done | sort -u
}

remove_state() {
    if [[ -f $MARKER ]]; then
        rm -rf -- "$STATE"
    elif [[ -d $STATE ]] && [[ -n $(ls -A -- "$STATE") ]]; then
        die "$STATE exists but was not created by broker.sh; not deleting it (set KAFKA_STATE_DIR)"
    fi
}

cmd_fetch() {
    if [[ -f $LIBS/.complete ]]; then
        log "Kafka $KAFKA_VERSION jars already in $LIBS"
        return 0
    fi
    need mvn "install Maven 3.8+"
    mkdir -p "$KAFKA_CACHE_DIR"
    # Parallel test workers may all start a broker at once: one fetches, the
    # others wait for it and then find the jars in place. The lock lives on
    # fd 9 of this subshell only, so the broker JVM never inherits it.
    (
        if command -v flock >/dev/null 2>&1; then
            flock 9
        fi
        if [[ -f $LIBS/.complete ]]; then
            log "Kafka $KAFKA_VERSION jars already in $LIBS"
        else
            fetch_jars
        fi
    ) 9>"$KAFKA_CACHE_DIR/.fetch.lock"
}

fetch_jars() {
    log "resolving Kafka $KAFKA_VERSION jars from Maven into $LIBS"
    # Copy into a scratch dir and rename at the end, so an interrupted fetch
    # never leaves a half-filled libs/ that later runs would trust.
    rm -rf -- "$KAFKA_CACHE_DIR"/libs.tmp.*
    local tmp
    tmp=$(mktemp -d "$KAFKA_CACHE_DIR/libs.tmp.XXXXXX")
    # Maven 3.8 prints stray colour resets even in batch mode; strip them.
    if ! mvn -B -q -f "$HERE/pom.xml" \
        dependency:copy-dependencies \
        -Dkafka.version="$KAFKA_VERSION" \
        -DincludeScope=runtime \
        -DoutputDirectory="$tmp" </dev/null 2>&1 |
        sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; then
        rm -rf -- "$tmp"
        die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
    fi
    touch "$tmp/.complete"
    rm -rf -- "$LIBS"
    mv -- "$tmp" "$LIBS"
    log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars"
}

write_config() {
    cat >"$CONFIG" <<EOF
# Generated by broker.sh: single-node KRaft broker, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$STATE/data

# One node: every internal topic has one replica, and one partition is plenty
# (the default 50 partitions of __consumer_offsets slow the first group join).
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Consumers join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics are created explicitly by broker.sh; a typo must not make a new one.
auto.create.topics.enable=false
EOF
}

# A KRaft cluster id is 16 random bytes in URL-safe base64 without padding;
# making it here saves a JVM start (kafka-storage random-uuid). Like Kafka's
# own generator, reject ids starting with '-': the storage tool would read
# one as an option ("argument --cluster-id/-t: expected one argument").
new_cluster_id() {
    local id=-
    while [[ $id == -* ]]; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    echo "$id"
}

# Pid of the CreateTopics JVM while `start` waits for it.
CREATOR_PID=

# Kill a broker whose start failed (no graceful shutdown: it never served
# anyone), keeping its state dir for the log. Waits until it is gone so that
# its ports are free again when this script exits.
abort_start() {
    local pid deadline=$((SECONDS + 10))
    if [[ -n $CREATOR_PID ]]; then
        kill -KILL "$CREATOR_PID" 2>/dev/null || true
        # Reap it here, quietly, or bash reports the killed job on exit.
        wait "$CREATOR_PID" 2>/dev/null || true
    fi
    for pid in $(broker_pids); do
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid" && ((SECONDS < deadline)); do
            sleep 0.1
        done
    done
    rm -f -- "$PID_FILE"
}

fail_start() {
    log "error: $*"
    if [[ -f $LOG_FILE ]]; then
        log "last lines of $LOG_FILE:"
        tail -n 40 "$LOG_FILE" >&2
    fi
    abort_start
    log "the broker was killed; its state is kept in $STATE (broker.sh stop deletes it)"
    exit 1
}

cmd_start() {
    cmd_fetch
    need java "Kafka $KAFKA_VERSION needs Java 17+"

    # Always a fresh broker: stop one left running from an earlier start.
    stop_broker
    remove_state
    local port
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        if port_open "$port"; then
            die "port $port on $KAFKA_HOST is already in use (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
        fi
    done

    mkdir -p "$STATE/data"
    touch "$MARKER"
    write_config

    local -a jvm=(java -cp "$LIBS/*" "-Dlog4j2.configurationFile=$HERE/log4j2.properties")
    log "formatting $STATE/data"
    if ! "${jvm[@]}" kafka.tools.StorageTool format \
        -t "$(new_cluster_id)" -c "$CONFIG" </dev/null >>"$LOG_FILE" 2>&1; then
        fail_start "formatting the log dir failed"
    fi

    trap 'fail_start "interrupted"' INT TERM
    log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller port $KAFKA_CONTROLLER_PORT)"
    local -a opts
    read -r -a opts <<<"$KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS"
    # The JVM ignores SIGINT, so a Ctrl-C meant for `make` or a test runner does
    # not take it down: only `broker.sh stop` does. (The trap above would make
    # bash reset INT to its default in the child, so the subshell ignores it
    # explicitly before exec.) It runs in the state dir so that whatever a JVM
    # drops in its working directory (hs_err_pid*.log) goes away on stop.
    (trap '' INT && cd "$STATE" && exec "${jvm[@]}" "${opts[@]}" kafka.Kafka "$CONFIG" \
        </dev/null >>"$LOG_FILE" 2>&1) &
    local pid=$!
    echo "$pid" >"$PID_FILE"

    # Create the topics (and wait for the broker to serve requests) in one JVM,
    # see CreateTopics.java. It starts right away, so its own start-up and
    # compilation overlap the broker's; meanwhile watch that the broker lives.
    local -a topics=()
    IFS=, read -r -a topics <<<"$KAFKA_TOPICS"
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$LIBS/*" \
        "$HERE/CreateTopics.java" "$BOOTSTRAP" "$KAFKA_START_TIMEOUT" \
        "${topics[@]+"${topics[@]}"}" </dev/null >&2 &
    CREATOR_PID=$!
    while alive "$CREATOR_PID"; do
        alive "$pid" || fail_start "the broker exited during start-up"
        sleep 0.2
    done
    if ! wait "$CREATOR_PID"; then
        fail_start "the broker did not become ready within ${KAFKA_START_TIMEOUT}s or the topics could not be created"
    fi
    CREATOR_PID=
    trap - INT TERM

    log "ready in ${SECONDS}s (pid $pid, log $LOG_FILE)"
    echo "$BOOTSTRAP"
}

# Stop every broker of this state dir: SIGTERM (a controlled shutdown), then
# SIGKILL after KAFKA_STOP_TIMEOUT seconds. Leaves the state dir alone.
stop_broker() {
    local pids pid
    pids=$(broker_pids)
    [[ -n $pids ]] || return 0
    log "stopping broker (pid ${pids//$'\n'/ })"
    for pid in $pids; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
    for pid in $pids; do
        while alive "$pid" && ((SECONDS < deadline)); do
            sleep 0.1
        done
        if alive "$pid"; then
            log "pid $pid still running after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            local killed_at=$SECONDS
            while alive "$pid"; do
                ((SECONDS < killed_at + 10)) || die "pid $pid survived SIGKILL"
                sleep 0.1
            done
        fi
    done
}

cmd_stop() {
    stop_broker
    remove_state
    log "stopped"
}

cmd_status() {
    local pids
    pids=$(broker_pids)
    if [[ -n $pids ]]; then
        echo "running: pid ${pids//$'\n'/ }, bootstrap $BOOTSTRAP, state $STATE"
        return 0
    fi
    echo "not running (bootstrap would be $BOOTSTRAP)"
    return 3
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

case ${1:-} in
fetch) cmd_fetch ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
