#!/usr/bin/env bash
# ward-fencing against real coordination services: scripts/services.sh [install|test|all]
#
#   install  installs what is missing: etcd (Debian package etcd-server), ZooKeeper
#            (zookeeper, with a Java runtime), protoc and its well-known types
#            (protobuf-compiler, libprotobuf-dev; etcd-client compiles etcd's .proto files)
#   test     runs the integration tests in fencing/tests/etcd.rs and zookeeper.rs; the tests
#            start each server themselves on 127.0.0.1 (free ports, temporary data
#            directories) and kill it when they end. Under CI=true a missing server fails.
#   all      both (the default)
set -euo pipefail
cd "$(dirname "$0")/.."

install() {
    local missing=()
    command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
    { [ -f /usr/share/java/zookeeper.jar ] || [ -n "${WARD_ZOOKEEPER_CLASSPATH:-}" ]; } ||
        missing+=(zookeeper)
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
    command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
    [ -f /usr/include/google/protobuf/descriptor.proto ] || missing+=(libprotobuf-dev)
    if [ "${#missing[@]}" = 0 ]; then
        echo "etcd, ZooKeeper, Java and protoc are installed"
        return
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing ${missing[*]} and no apt-get: install them by hand" >&2
        exit 1
    fi
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "missing ${missing[*]}: not root and no sudo" >&2
            exit 1
        fi
    fi
    echo "installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

run_tests() {
    cargo test -p ward-fencing --features etcd,zookeeper --test etcd --test zookeeper
}

case "${1:-all}" in
    install) install ;;
    test) run_tests ;;
    all)
        install
        run_tests
        ;;
    *)
        echo "usage: $0 [install|test|all]" >&2
        exit 2
        ;;
esac
