#!/usr/bin/env bash
# The interop tests: tracewire (Python, Node, Rust) against the OpenTelemetry SDKs
# of Python, JavaScript, Java and Go; a Java Kafka consumer continuing a trace a
# tracewire producer started over a real broker; Zipkin and OTLP exports checked by
# a real Zipkin server and by opentelemetry-proto. Needs the Python package in .venv
# and dist/tracewire-0.1.0.tgz (make dist-py dist-node). Arguments go to pytest.
#
# Installs what it needs on first use and caches it: PyPI packages into .venv, npm
# packages into tests/interop/node/node_modules, Go modules through the module
# proxy, Maven artifacts into ~/.m2 with their classpaths and the Zipkin server jar
# under ~/.cache/tracewire. The Go peer is built into target/interop, the Rust peer
# and the `tracewire` command into target/debug.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tracewire"
build="$repo/target/interop"
node_tgz="$repo/dist/tracewire-0.1.0.tgz"
zipkin_version=3.5.1

[[ -x "$venv/bin/python" ]] || { echo "no $venv: run bindings-py/build.sh first" >&2; exit 1; }
[[ -f "$node_tgz" ]] || { echo "missing $node_tgz: run bindings-node/build.sh" >&2; exit 1; }
mkdir -p "$cache" "$build"

log() { printf 'interop: %s\n' "$*" >&2; }

# Maven 3.8 prints stray colour resets even in batch mode; strip them.
mvn_quiet() { mvn -B -q "$@" </dev/null 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; }

# The runtime jars of a classpath-only POM, resolved once per POM content into
# $cache/<name>-<hash>/libs (renamed into place only when complete).
classpath() {
    local name=$1 pom=$2 dir tmp
    dir="$cache/$name-$(sha256sum "$pom" | cut -c1-12)"
    if [[ ! -f "$dir/libs/.complete" ]]; then
        log "resolving $pom"
        mkdir -p "$dir"
        tmp="$(mktemp -d "$dir/libs.tmp.XXXXXX")"
        mvn_quiet -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"
        touch "$tmp/.complete"
        rm -rf "$dir/libs"
        mv "$tmp" "$dir/libs"
    fi
    echo "$dir/libs"
}

zipkin_jar() {
    local dir="$cache/zipkin-$zipkin_version" jar="zipkin-server-$zipkin_version-exec.jar"
    if [[ ! -f "$dir/$jar" ]]; then
        log "fetching io.zipkin:zipkin-server:$zipkin_version:exec"
        mkdir -p "$dir"
        mvn_quiet org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
            -Dartifact="io.zipkin:zipkin-server:$zipkin_version:jar:exec" -DoutputDirectory="$dir.tmp"
        mv "$dir.tmp/$jar" "$dir/$jar"
        rm -rf "$dir.tmp"
    fi
    echo "$dir/$jar"
}

python_packages() {
    local stamp="$venv/.interop-requirements"
    if ! cmp -s "$here/requirements.txt" "$stamp"; then
        "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
        cp "$here/requirements.txt" "$stamp"
    fi
}

# The local tarball changes with every build, so there is no lockfile (.npmrc) and
# registry versions are exact; reinstall when package.json or the tarball changed.
node_packages() {
    local stamp
    stamp="$(cat "$here/node/package.json" "$node_tgz" | sha256sum)"
    cd "$here/node"
    if [[ ! -f node_modules/.stamp || "$(cat node_modules/.stamp)" != "$stamp" ]]; then
        rm -rf node_modules/tracewire
        npm install --no-audit --no-fund --loglevel=error >&2
        echo "$stamp" >node_modules/.stamp
    fi
}

go_peer() {
    cd "$here/go"
    [[ -z "$(gofmt -l .)" ]] || { gofmt -d . >&2; exit 1; }
    go vet ./...
    go build -o "$build/otel-go-peer" .
}

# The Rust peer is a workspace member (`make lint` checks it), and the CLI is the one
# `cargo test --all-features` builds: both mostly cached.
rust_builds() {
    cd "$repo"
    cargo build -q -p tracewire-interop-peer
    cargo build -q -p tracewire --all-features --bin tracewire
}

# Maven's local repository is not made for concurrent downloads: one at a time.
maven_artifacts() {
    classpath interop-java "$here/java/pom.xml" >/dev/null
    classpath java-consumer "$repo/examples/java/pom.xml" >/dev/null
    zipkin_jar >/dev/null
    "$repo/examples/kafka/broker.sh" fetch
}

# Downloads first, side by side (they wait on the network, not the CPU); then the
# builds, one at a time.
pids=()
for step in python_packages node_packages maven_artifacts "go -C $here/go mod download"; do
    ($step) &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

(go_peer)
(rust_builds)

export INTEROP_JAVA_LIBS JAVA_CONSUMER_LIBS ZIPKIN_JAR
INTEROP_JAVA_LIBS="$(classpath interop-java "$here/java/pom.xml")"
JAVA_CONSUMER_LIBS="$(classpath java-consumer "$repo/examples/java/pom.xml")"
ZIPKIN_JAR="$(zipkin_jar)"
export INTEROP_GO_PEER="$build/otel-go-peer"
export INTEROP_RUST_PEER="$repo/target/debug/tracewire-interop-peer"
export TRACEWIRE_CLI="$repo/target/debug/tracewire"

cd "$repo"
export RUFF_CACHE_DIR="$venv/.ruff_cache"
"$venv/bin/ruff" check --config bindings-py/pyproject.toml tests/interop
"$venv/bin/ruff" format --check --config bindings-py/pyproject.toml tests/interop
"$venv/bin/python" -m mypy --strict tests/interop
exec "$venv/bin/python" -m pytest tests/interop -q -s "$@"
