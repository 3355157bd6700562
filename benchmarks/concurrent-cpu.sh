#!/usr/bin/env bash
# What a second queue costs per operation when both queue threads really run at once, readable on a
# busy host (issue 15: "on 2 cores, 2 queue pairs >= 1.8x one").
#
#   benchmarks/concurrent-cpu.sh [OLD] [--rounds N] [-- RUNNER-ARGS...]
#
# Under load the two queue threads seldom run at the same moment, so a cell's CPU time per operation
# hides what they cost each other (cache lines one writes and the other reads only cost when both
# run). This runs the runner under SCHED_FIFO (`chrt -f 10`: its threads take both cores ahead of
# every ordinary process, so wall and CPU time read as on a quiet host; needs root or CAP_SYS_NICE)
# with DOTNET_TieredCompilation=0 (under FIFO the runtime's tiering thread gets no core, and code
# would stay unoptimised). Per round, for the work tree's runner:
#   alone:     `--bench --queues 1` in one process;
#   2 procs:   the same in two processes at once (nothing shared): the host's own cost of a second core;
#   in-proc:   `--bench --queues 1,2` in one process: 2 queues' CPU microseconds per operation
#              against 1 queue's (1.00: a second queue adds no work per operation).
# With OLD (a commit), the runner built at OLD runs `--queues 1,2` too, alternating with the work
# tree's each round, and both ratios are printed side by side. Best (least) CPU per operation over
# N rounds (default 3) per cell. RUNNER-ARGS default to `--scenario strict`.
set -euo pipefail

old=
if [[ $# -ge 1 && $1 != --* ]]; then old=$1; shift; fi
rounds=3
runner_args=(--scenario strict)
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --) shift; runner_args=("$@"); break ;;
        *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d /tmp/concurrent-cpu.XXXXXX)
cleanup() {
    [[ -d $work/src-old ]] && git -C "$repo" worktree remove --force "$work/src-old" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

build() { # build SRC OUT
    dotnet build "$1/samples/DmaDiscipline.Runner" -c Release -v quiet -nologo -p:TreatWarningsAsErrors=false -o "$2" \
        >"$2.log" 2>&1 || { cat "$2.log" >&2; exit 1; }
}
echo "building the work tree" >&2
build "$repo" "$work/new"
if [[ -n $old ]]; then
    git -C "$repo" worktree add --detach --quiet "$work/src-old" "$old"
    echo "building $old" >&2
    build "$work/src-old" "$work/old"
fi

export DOTNET_TieredCompilation=0
run() { # run DIR QUEUES OUT
    chrt -f 10 dotnet "$1/DmaDiscipline.Runner.dll" --bench --json --queues "$2" "${runner_args[@]}" >"$3" 2>/dev/null || true
}
for round in $(seq "$rounds"); do
    echo "round $round/$rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    run "$work/new" 1 "$work/alone-$round.json"
    run "$work/new" 1 "$work/pa-$round.json" & run "$work/new" 1 "$work/pb-$round.json"; wait
    run "$work/new" 1,2 "$work/new-$round.json"
    [[ -n $old ]] && run "$work/old" 1,2 "$work/old-$round.json"
done

python3 - "$work" "$rounds" "${old:+yes}" <<'PY'
import json, sys
work, rounds, with_old = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'yes'

def cells(path):
    try:
        return {(c['driver'], c['scenario']): c for c in json.load(open(path))['cells'] if c['completed'] > 0}
    except (OSError, ValueError):
        return {}

def best(prefix):
    out = {}
    for r in range(1, rounds + 1):
        for key, c in cells(f'{work}/{prefix}-{r}.json').items():
            us = c['cpuSeconds'] * 1e6 / c['completed']  # older runners have no cpuMicrosecondsPerOp
            if us > 0 and (key not in out or us < out[key]):
                out[key] = us
    return out

alone, pa, pb, new = best('alone'), best('pa'), best('pb'), best('new')
old = best('old') if with_old else {}
print('CPU microseconds per operation (least of the rounds); ratio: 2 queues in one process / 1 queue')
print('| driver | scenario | alone | two processes at once | 1 queue | 2 queues | ratio |' + (' ratio at OLD |' if with_old else ''))
print('|---|---|---:|---:|---:|---:|---:|' + ('---:|' if with_old else ''))
for (driver, scenario), one in sorted(alone.items()):
    two = (driver + '/2q', scenario)
    if two not in new or (driver, scenario) not in new:
        continue
    procs = f"{pa.get((driver, scenario), float('nan')):.3f} / {pb.get((driver, scenario), float('nan')):.3f}"
    line = f"| {driver} | {scenario} | {one:.3f} | {procs} | {new[(driver, scenario)]:.3f} | {new[two]:.3f} | {new[two] / new[(driver, scenario)]:.2f} |"
    if with_old and two in old and (driver, scenario) in old:
        line += f" {old[two] / old[(driver, scenario)]:.2f} |"
    print(line)
PY
