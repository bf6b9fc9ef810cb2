#!/usr/bin/env bash
# `npm run demo` ends here (after setup-machine.sh and the build). Extra flags go to the demo:
#   npm run demo -- --real-dib    build the image with the real diskimage-builder (minutes)
#   npm run demo -- --keep        leave everything running until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *" --real-dib "* ]]; then bash scripts/setup-dib.sh; fi
exec node --import tsx scripts/demo.ts "$@"
