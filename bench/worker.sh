#!/bin/bash
# imm-convert workers on Redis Streams vs the same tasks run one by one.
# Prints tasks per minute, the speed-up over plain imm-convert and the queue
# overhead per task.
#
# usage: [RUNS=N] bench/worker.sh [TASKS]
#   TASKS  short tasks per row (default 40): two 160x120 JPEG snapshots of
#          a 3 s 320x240 H.264 clip each, a typical thumbnail request
#   RUNS   rounds over all rows, the best time of each row counts
#          (default 3): rounds interleave the rows, so a burst of load
#          from elsewhere hits them alike
# Needs: a build in ./build, redis-server, redis-cli, ffmpeg, bc.
#
# How it measures:
# - "plain": the tasks run one after the other as `imm-convert REQUEST`, as
#   a shell loop would; that is the baseline (1.00x).
# - Worker rows: a fresh redis-server (--save "" --appendonly no), every
#   task submitted with --submit (timed apart: "submit ms/task", the
#   client's cost, one process start and one XADD each), then the workers
#   started; the time runs from their start to the last result entry
#   (polled every 20 ms with XLEN imm:results by one redis-cli), worker
#   start-up included.
# - "queue ms/task" = (row time - plain time) / TASKS for the one-worker
#   row: what the queue adds to a task on the worker's side (XAUTOCLAIM,
#   XREADGROUP, the child's fork+exec, the result write, XACK), on top of
#   running it. For parallel rows it is not meaningful and left out. It
#   is the difference of two noisy times; "queue alone" measures the same
#   directly: one worker whose task process (IMM_WORKER_CHILD) reads the
#   request and prints a result, nothing else.
# - The machine's load average is printed: other work on the same cores
#   slows the parallel rows first.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-40}
runs=${RUNS:-3}
ic=$PWD/build/gst/tools/imm-convert
export GST_PLUGIN_PATH=$PWD/build/plugins
tmp=$(mktemp -d /tmp/imm-bench-worker-XXXXXX)
root=$tmp/root
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$root/b"
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 3 \
  -c:v libx264 -pix_fmt yuv420p -g 25 "$root/b/v.mp4"
for i in $(seq 1 "$n"); do
  cat > "$tmp/req$i.json" <<JSON
{"Sources":[{"URI":"oss://b/v.mp4"}],"Targets":[{"Image":{"Snapshots":[
 {"Format":"jpg","URI":"oss://out/t$i/{index}.jpg","Interval":1,"Number":2,
  "Width":160,"Height":120}]}}]}
JSON
done
now() { date +%s.%N; }

# one warm-up run: the registry and the page cache
"$ic" --quiet --storage-root "$root" "$tmp/req1.json" > /dev/null

# run_plain: prints the seconds the tasks took one by one
run_plain() {
  local t0 i
  t0=$(now)
  for i in $(seq 1 "$n"); do
    "$ic" --quiet --storage-root "$root" "$tmp/req$i.json" > /dev/null
  done
  echo "$(now) - $t0" | bc -l
}

# run_workers WORKERS JOBS [CHILD]: prints the seconds the tasks took;
# CHILD replaces the task process (IMM_WORKER_CHILD)
run_workers() {
  local workers=$1 jobs=$2 child=${3:-} port t1 w rpid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$tmp" > /dev/null &
  rpid=$!
  pids+=("$rpid")
  until redis-cli -p "$port" ping > /dev/null 2>&1; do sleep 0.05; done
  t1=$(now)
  for i in $(seq 1 "$n"); do
    "$ic" --submit "redis://127.0.0.1:$port" "$tmp/req$i.json" > /dev/null
  done
  echo "$(now) - $t1" | bc -l > "$tmp/submit-secs"
  t1=$(now)
  for w in $(seq 1 "$workers"); do
    IMM_WORKER_CHILD=$child "$ic" --worker "redis://127.0.0.1:$port" \
      --consumer "bench$w" --storage-root "$root" --jobs "$jobs" --quiet &
    pids+=($!)
  done
  # one redis-cli asking every 20 ms: a process per poll would cost the
  # workers a good part of a core
  redis-cli -p "$port" -r -1 -i 0.02 xlen imm:results | while read -r c; do
    [ "$c" -ge "$n" ] && break
  done
  echo "$(now) - $t1" | bc -l
  if [ "$(redis-cli -p "$port" xrange imm:results - + |
    grep -c '^Succeeded$')" -ne "$n" ]; then
    echo "not every task succeeded" >&2
    exit 1
  fi
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  pids=()
}

min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
# a task process that does nothing: the queue's own cost per task
cat > "$tmp/noop-child" <<'SH'
#!/bin/sh
cat > /dev/null
echo '{"Status":"Succeeded"}'
SH
chmod +x "$tmp/noop-child"
plain=1000000 one=1000000 two=1000000 jobs2=1000000 noop=1000000
for r in $(seq 1 "$runs"); do
  noop=$(min "$noop" "$(run_workers 1 1 "$tmp/noop-child")")
  plain=$(min "$plain" "$(run_plain)")
  one=$(min "$one" "$(run_workers 1 1)")
  two=$(min "$two" "$(run_workers 2 1)")
  jobs2=$(min "$jobs2" "$(run_workers 1 2)")
done

echo "imm-convert workers, $n tasks (2 JPEG snapshots each), $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-26s | %7s | %9s | %8s | %13s |\n' mode seconds tasks/min \
  speed-up "queue ms/task"
printf '| %-26s | %7s | %9s | %8s | %13s |\n' --- ---: ---: ---: ---:
row() {
  local label=$1 secs=$2 overhead=${3:--}
  printf '| %-26s | %7.2f | %9.1f | %7.2fx | %13s |\n' "$label" "$secs" \
    "$(echo "$n * 60 / $secs" | bc -l)" "$(echo "$plain / $secs" | bc -l)" \
    "$overhead"
}
row "plain imm-convert, 1 by 1" "$plain"
row "1 worker" "$one" "$(printf '%.0f' "$(echo "($one - $plain) * 1000 / $n" | bc -l)")"
row "2 workers" "$two"
row "1 worker --jobs 2" "$jobs2"
printf '2 workers / 1 worker: %.2fx; submit: %.0f ms/task; queue alone (a\n' \
  "$(echo "$one / $two" | bc -l)" \
  "$(echo "$(cat "$tmp/submit-secs") * 1000 / $n" | bc -l)"
printf 'task process that does nothing, 1 worker): %.1f ms/task\n' \
  "$(echo "$noop * 1000 / $n" | bc -l)"
