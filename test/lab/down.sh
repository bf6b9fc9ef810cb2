#!/bin/bash
# Stops what up.sh started (by PID file and process group), newest first. Keeps the data.
set -uo pipefail
PIDS=${LAB_PIDS:-/run/nodepool-lab}
starttime() { awk '{sub(/^.*\) /,""); print $20}' "/proc/$1/stat" 2>/dev/null; }
for name in nova-compute neutron-server nova-scheduler nova-conductor nova-api placement glance-api keystone rabbitmq epmd mariadb; do
  f=$PIDS/$name.pid
  [ -s "$f" ] || continue
  read -r pid st <"$f"
  if [ "$(starttime "$pid")" = "$st" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do [ "$(starttime "$pid")" = "$st" ] || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
done
