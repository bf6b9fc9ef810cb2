#!/usr/bin/env bash
# Runs every benchmark in turn (`npm run bench`). Each prints its own figures; see bench/README.md.
# A benchmark that fails is reported and the others still run; the exit status says if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
run() {
  local name=$1; shift
  echo; echo "=== $name: $*"; echo "    load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  local start=$SECONDS
  if "$@"; then echo "=== $name done in $((SECONDS - start)) s"; else failed+=("$name"); echo "=== $name FAILED"; fi
}
run zk              npx tsx bench/zk/run.ts
run config          npx tsx bench/config/run.ts
run store           npx tsx bench/store/run.ts
run cli             npx tsx bench/cli/run.ts
run launcher        npx tsx bench/launcher/run.ts
run launcher-rss    npx tsx bench/launcher/rss.ts
run care            npx tsx bench/care/run.ts
run upload          npx tsx bench/upload/run.ts
run list-servers    npx tsx bench/upload/list-servers.ts
run builder-upload  npx tsx bench/builder-upload/run.ts
run sim-upload      npx tsx bench/cloud-sim/upload.ts
echo
if [ ${#failed[@]} -gt 0 ]; then echo "failed: ${failed[*]}"; exit 1; fi
echo "all benchmarks ran"
