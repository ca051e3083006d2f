#!/usr/bin/env bash
# Builds the perf tools with a plain C compiler.
#   perf/build.sh [OUTDIR] [INCLUDE_DIR]
# OUTDIR defaults to perf/bin, INCLUDE_DIR to the project's include/. The tools link with
# -lzmq and pick their library at run time, so the same binaries run against our
# libzmq.so.5 (LD_LIBRARY_PATH=<dir holding it>) or the system's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/bin}
inc=${2:-$here/../include}
libdir=${LIBZMQ_LIBDIR:-}
mkdir -p "$out"
for tool in local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat proxy_thr pubsub_thr curve_thr; do
    ${CC:-cc} -O2 -Wall -Wextra -I"$inc" -I"$here" "$here/$tool.c" -o "$out/$tool" \
        ${libdir:+-L"$libdir"} -lzmq -lpthread
done
echo "perf tools built in $out"
