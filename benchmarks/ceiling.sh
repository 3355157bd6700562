#!/usr/bin/env bash
# What two cores can give at all (issue 15: "on 2 cores, 2 queue pairs >= 1.8x one"): the same
# single-threaded work run once alone, then twice at once with nothing shared, and the ratio of the
# total throughput (2.00 = the second core is worth a whole core).
#
#   benchmarks/ceiling.sh [--rounds N] [--scenario S] [--driver D]
#
# Two probes, each best of N rounds (default 3):
#   - cpu: `sha256sum` of 256 MiB of zeros (pure CPU, no memory traffic): the host's own ceiling
#     (a VM's two vCPUs may be two hardware threads of one core, or share it with other guests);
#   - runtime: the runner's `--bench --queues 1` for one scenario and driver (default strict, net),
#     in separate processes (separate machines, heaps and collectors): the ceiling of the simulated
#     machine's code on this host, with no state shared between the two queue pairs. A 2-queue
#     run of one device cannot beat it;
#   - per CPU: the same one-queue run pinned to each CPU in turn (`taskset`): a VM's vCPUs can differ
#     for memory-bound work (one 1.7-2x slower than the other at times on the 2-core test VM), and a
#     second queue always runs on both while one queue runs on whichever it gets.
# Read it only on a quiet host: the load average is printed before each round.
set -euo pipefail

rounds=3
scenario=strict
driver=net
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --scenario) scenario=$2; shift 2 ;;
        --driver) driver=$2; shift 2 ;;
        *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d /tmp/ceiling.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build "$repo/samples/DmaDiscipline.Runner" -c Release -v quiet -nologo -o "$work/runner" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }

now() { date +%s.%N; }
hash_once() { head -c 268435456 /dev/zero | sha256sum >/dev/null; }
bench_once() {
    dotnet "$work/runner/DmaDiscipline.Runner.dll" --bench --json --queues 1 --scenario "$scenario" --driver "$driver" >"$1" 2>/dev/null || true
}
throughput() {
    python3 -c 'import json,sys
cells=[c for c in json.load(open(sys.argv[1]))["cells"] if c["completed"] and c["expected"]!="not-applicable"]
print(max(c["throughput"] for c in cells))' "$1"
}

best_cpu=0; best_rt=0
best_pinned=()
for ((round = 1; round <= rounds; round++)); do
    echo "round $round/$rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    t0=$(now); hash_once; t1=$(now)
    hash_once & hash_once & wait; t2=$(now)
    cpu=$(python3 -c "print(2 * ($t1 - $t0) / ($t2 - $t1))")
    bench_once "$work/one.json"
    bench_once "$work/a.json" & bench_once "$work/b.json" & wait
    rt=$(python3 -c "
one, a, b = $(throughput "$work/one.json"), $(throughput "$work/a.json"), $(throughput "$work/b.json")
print((a + b) / one)")
    echo "  cpu ${cpu}x, runtime ($driver, $scenario) ${rt}x" >&2
    best_cpu=$(python3 -c "print(max($best_cpu, $cpu))")
    best_rt=$(python3 -c "print(max($best_rt, $rt))")
    for ((cpu = 0; cpu < $(nproc); cpu++)); do
        taskset -c "$cpu" dotnet "$work/runner/DmaDiscipline.Runner.dll" --bench --json --queues 1 --scenario "$scenario" --driver "$driver" >"$work/cpu$cpu.json" 2>/dev/null || true
        pinned=$(throughput "$work/cpu$cpu.json")
        echo "  runtime on CPU $cpu alone: $pinned" >&2
        best_pinned[$cpu]=$(python3 -c "print(max(${best_pinned[$cpu]:-0}, $pinned))")
    done
done
printf 'two at once against one (best of %d rounds): cpu %.2fx, runtime %s/%s %.2fx\n' "$rounds" "$best_cpu" "$driver" "$scenario" "$best_rt"
python3 -c "
import sys
rates = [float(x) for x in sys.argv[1:]]
print('one queue pinned to each CPU (best): ' + ', '.join(f'CPU {i} {r:,.0f}' for i, r in enumerate(rates)) + f'; slowest/fastest {min(rates) / max(rates):.2f}')" "${best_pinned[@]}"
