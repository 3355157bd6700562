#!/usr/bin/env bash
# The runtime at two commits, measured in one run (issue 15: "the locks cost single-thread
# throughput <= 5 % against today's code"; "on 2 cores, 2 queue pairs >= 1.8x one in every
# translated scenario").
#
#   benchmarks/compare-runtime.sh OLD [NEW] [--rounds N] [--pairs-only | --scaling [--queues 1,2]] [-- RUNNER-ARGS...]
#
# OLD, NEW: commits (NEW defaults to the work tree, uncommitted changes included). Each is built
# once (the runner, Release) into a temporary directory; the two binaries then run the runner's
# `--bench --json` alternately, N rounds (default 3), the order of the pair swapped every round, so
# that a change of load on the host hits both alike. RUNNER-ARGS filter the cells, e.g.
# `-- --scenario strict --driver net` (both runners must know them: check `--help` on each).
# Every `--bench` already keeps, per cell, the best of its own 7 rounds; this script keeps the best
# over its rounds, per binary. The load average is printed before each round: read ratios only
# from a quiet host.
# Single thread (the default): first the hot operations alone (compare-runtime/Pairs.cs: map+unmap
# per platform, 8-byte device reads and writes), built against each runtime, alternated N rounds,
# best thread CPU time in ns per operation (--pairs-only stops there); then the runner with one
# queue (a runner with a queues dimension gets `--queues 1`): per driver and scenario the ratio
# NEW/OLD of throughput by the simulation thread's CPU time (the figure the goal is read on) and,
# in parentheses, by wall time.
# --scaling: both runners need --queues; they run `--queues 1,2` (or --queues Q), and per driver and
# scenario, OLD -> NEW, it prints wall: best throughput with N queues / best with 1 (the goal's
# figure; only on a quiet host whose both cores the run gets) and cpu: the same per CPU second
# (1.00 = a second queue adds no work per operation; under load, when the threads seldom run at
# once, the one to read). Translated scenarios are marked *.
set -euo pipefail

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage
old=$1; shift
new=
if [[ $# -ge 1 && $1 != --* ]]; then new=$1; shift; fi
rounds=3
pairs_only=false
scaling=false
queues=1,2
runner_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --pairs-only) pairs_only=true; shift ;;
        --scaling) scaling=true; shift ;;
        --queues) queues=$2; shift 2 ;;
        --) shift; runner_args=("$@"); break ;;
        *) usage ;;
    esac
done

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d /tmp/compare-runtime.XXXXXX)
cleanup() {
    for tree in "$work"/src-*; do
        [[ -d $tree ]] && git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# build LABEL COMMIT|'' -> $work/LABEL/DmaDiscipline.Runner.dll and $work/pairs-LABEL/out/Pairs.dll
build() {
    local label=$1 commit=$2 src
    if [[ -z $commit ]]; then
        src=$repo
    else
        src=$work/src-$label
        git -C "$repo" worktree add --detach --quiet "$src" "$commit"
    fi
    echo "building $label (${commit:-work tree} $(git -C "$src" rev-parse --short HEAD))" >&2
    if ! $scaling; then
        mkdir -p "$work/pairs-$label"
        cp "$repo/benchmarks/compare-runtime/Pairs.cs" "$repo/benchmarks/compare-runtime/Pairs.csproj" "$work/pairs-$label/"
        dotnet build "$work/pairs-$label/Pairs.csproj" -c Release -v quiet -nologo -o "$work/pairs-$label/out" \
            -p:RuntimeProject="$src/sim-runtime/DmaDiscipline.Runtime/DmaDiscipline.Runtime.csproj" \
            >"$work/build-pairs-$label.log" 2>&1 || { cat "$work/build-pairs-$label.log" >&2; exit 1; }
        $pairs_only && return
    fi
    dotnet build "$src/samples/DmaDiscipline.Runner" -c Release -v quiet -nologo \
        -p:TreatWarningsAsErrors=false -o "$work/$label" >"$work/build-$label.log" 2>&1 \
        || { cat "$work/build-$label.log" >&2; exit 1; }
    if $scaling; then
        dotnet "$work/$label/DmaDiscipline.Runner.dll" --help | grep -q -- '--queues' \
            || { echo "$label has no --queues: nothing to compare" >&2; exit 1; }
    fi
}
build old "$old"
build new "$new"

$scaling || for ((round = 1; round <= rounds; round++)); do
    order=(old new)
    (( round % 2 == 0 )) && order=(new old)
    echo "pairs round $round/$rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    for label in "${order[@]}"; do
        dotnet "$work/pairs-$label/out/Pairs.dll" 3 >"$work/pairs-$label-$round.tsv"
    done
done

$scaling || python3 - "$work" "$rounds" <<'EOF'
import sys
work, rounds = sys.argv[1], int(sys.argv[2])
best, order = {}, []
for label in ("old", "new"):
    for r in range(1, rounds + 1):
        for line in open(f"{work}/pairs-{label}-{r}.tsv"):
            what, ns = line.rstrip("\n").split("\t")
            if what not in order: order.append(what)
            best[(label, what)] = min(best.get((label, what), float("inf")), float(ns))
print("Hot operations, best thread CPU time per operation (ns)")
print("| operation | old | new | new/old |")
print("|---|---:|---:|---:|")
for what in order:
    o, n = best[("old", what)], best[("new", what)]
    print(f"| {what} | {o:.1f} | {n:.1f} | {n/o:.2f}x |")
print()
EOF
$pairs_only && exit 0

for ((round = 1; round <= rounds; round++)); do
    order=(old new)
    (( round % 2 == 0 )) && order=(new old)
    echo "round $round/$rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    for label in "${order[@]}"; do
        # Single thread: a runner with a queues dimension runs one queue per driver.
        q=()
        if $scaling; then
            q=(--queues "$queues")
        elif dotnet "$work/$label/DmaDiscipline.Runner.dll" --help | grep -q -- '--queues'; then
            q=(--queues 1)
        fi
        dotnet "$work/$label/DmaDiscipline.Runner.dll" --bench --json "${q[@]}" "${runner_args[@]}" \
            >"$work/$label-$round.json" 2>/dev/null || true # the exit code is the matrix verdict
    done
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if $scaling; then
python3 - "$work" "$rounds" <<'PY'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
translated = {"strict", "lazy", "hv-internal", "userspace"}
best = {}  # (label, scenario, driver) -> [wall throughput, cpu throughput]
for label in ("old", "new"):
    for r in range(1, rounds + 1):
        for c in json.load(open(f"{work}/{label}-{r}.json"))["cells"]:
            if not c["completed"] or c["expected"] == "not-applicable" or c["family"] != "disciplined":
                continue
            cur = best.setdefault((label, c["scenario"], c["driver"]), [0.0, 0.0])
            cur[0] = max(cur[0], c["throughput"])
            cur[1] = max(cur[1], c["cpuThroughput"])
scenarios, drivers = [], []
for (_, s, d) in best:
    if s not in scenarios: scenarios.append(s)
    if "/" in d and d not in drivers: drivers.append(d)
def ratio(label, s, d, i):
    one, many = best.get((label, s, d.split("/")[0])), best.get((label, s, d))
    return many[i] / one[i] if one and many and one[i] else None
def cell(s, d):
    parts = []
    for label in ("old", "new"):
        w, c = ratio(label, s, d, 0), ratio(label, s, d, 1)
        parts.append("n/a" if w is None else f"{w:.2f}x/{c:.2f}")
    return " -> ".join(parts)
print("N queues against 1, old -> new, each as wall ratio x / CPU-time ratio (best of %d runs x 7 rounds); * translated" % rounds)
print("| driver | " + " | ".join(s + ("*" if s in translated else "") for s in scenarios) + " |")
print("|---|" + "---|" * len(scenarios))
for d in drivers:
    print(f"| {d} | " + " | ".join(cell(s, d) for s in scenarios) + " |")
PY
exit 0
fi

python3 - "$work" "$rounds" <<'EOF'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
best = {}   # (label, scenario, driver) -> [cpu throughput, wall throughput, unit]
for label in ("old", "new"):
    for r in range(1, rounds + 1):
        for c in json.load(open(f"{work}/{label}-{r}.json"))["cells"]:
            if not c["completed"] or c["expected"] == "not-applicable":
                continue
            key = (label, c["scenario"], c["driver"])
            cur = best.setdefault(key, [0.0, 0.0, c["unit"]])
            cur[0] = max(cur[0], c["cpuThroughput"])
            cur[1] = max(cur[1], c["throughput"])
scenarios, drivers = [], []
for (_, s, d) in best:
    if s not in scenarios: scenarios.append(s)
    if d not in drivers: drivers.append(d)
def rate(x): return f"{x/1e6:.2f}M" if x >= 1e6 else f"{x/1e3:.1f}k"
print("NEW/OLD, thread CPU time (wall time); best of %d runs x 7 rounds each" % rounds)
print("| driver | " + " | ".join(scenarios) + " |")
print("|---|" + "---|" * len(scenarios))
for d in drivers:
    row = []
    for s in scenarios:
        o, n = best.get(("old", s, d)), best.get(("new", s, d))
        row.append("n/a" if not o or not n or not o[0] else f"{n[0]/o[0]:.1%} ({n[1]/o[1]:.0%})")
    print(f"| {d} | " + " | ".join(row) + " |")
print()
print("Absolute, by thread CPU time: old -> new")
for d in drivers:
    cells = []
    for s in scenarios:
        o, n = best.get(("old", s, d)), best.get(("new", s, d))
        if o and n: cells.append(f"{s} {rate(o[0])} -> {rate(n[0])} {o[2]}")
    print(f"- {d}: " + "; ".join(cells))
EOF
