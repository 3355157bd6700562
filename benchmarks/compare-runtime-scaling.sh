#!/usr/bin/env bash
# Multiqueue scaling of the runtime at two commits, measured in one run (issue 15: "on 2 cores,
# 2 queue pairs >= 1.8x one in every translated scenario").
#
#   benchmarks/compare-runtime-scaling.sh OLD [NEW] [--rounds N] [--queues 1,2] [-- RUNNER-ARGS...]
#
# OLD, NEW: commits (NEW defaults to the work tree, uncommitted changes included); both must have the
# runner's --queues. Each is built once (the runner, Release) into a temporary directory; the two
# binaries then run `--bench --json --queues 1,2` alternately, N rounds (default 3), the order of the
# pair swapped every round. RUNNER-ARGS filter the cells (`-- --scenario strict --driver net`).
# Per driver and scenario, for OLD and NEW, it prints:
#   - wall: best throughput with 2 queues / best with 1 (the goal's figure; read it only on a quiet
#     host whose both cores the run gets: the load average is printed before each round);
#   - cpu: best throughput per CPU second with 2 queues / with 1 (1.00 = a second queue adds no work
#     per operation; shared cache lines and lock waits lower it). Under load the two threads seldom
#     run at once, so this is the figure to read there, and even it only shows a part of the cost.
# Translated scenarios are marked *.
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage
old=$1; shift
new=
if [[ $# -ge 1 && $1 != --* ]]; then new=$1; shift; fi
rounds=3
queues=1,2
runner_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --queues) queues=$2; shift 2 ;;
        --) shift; runner_args=("$@"); break ;;
        *) usage ;;
    esac
done

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d /tmp/compare-runtime-scaling.XXXXXX)
cleanup() {
    for tree in "$work"/src-*; do
        [[ -d $tree ]] && git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

build() {
    local label=$1 commit=$2 src
    if [[ -z $commit ]]; then
        src=$repo
    else
        src=$work/src-$label
        git -C "$repo" worktree add --detach --quiet "$src" "$commit"
    fi
    echo "building $label (${commit:-work tree} $(git -C "$src" rev-parse --short HEAD))" >&2
    dotnet build "$src/samples/DmaDiscipline.Runner" -c Release -v quiet -nologo \
        -p:TreatWarningsAsErrors=false -o "$work/$label" >"$work/build-$label.log" 2>&1 \
        || { cat "$work/build-$label.log" >&2; exit 1; }
    dotnet "$work/$label/DmaDiscipline.Runner.dll" --help | grep -q -- '--queues' \
        || { echo "$label has no --queues: nothing to compare" >&2; exit 1; }
}
build old "$old"
build new "$new"

for ((round = 1; round <= rounds; round++)); do
    order=(old new)
    (( round % 2 == 0 )) && order=(new old)
    echo "round $round/$rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    for label in "${order[@]}"; do
        dotnet "$work/$label/DmaDiscipline.Runner.dll" --bench --json --queues "$queues" "${runner_args[@]}" \
            >"$work/$label-$round.json" 2>/dev/null || true # the exit code is the matrix verdict
    done
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2

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
