"""The reports' timing sentences beside a competing load (slopes68): which of them change their class.

Runs the experiments that make timing claims at the quick preset, pinned to one CPU, with nothing added ("idle"),
beside a busy loop pinned to the same CPU ("busy") and beside a loop that spins and sleeps in 50 ms bursts
("bursty"), under seeds 0 and 1; then prints each timing clause's class (flat / linear / quadratic / a power,
"within noise", who is fastest) per run, flagging the clauses whose class changes.

    python bench/loaded_claims.py OUT [--cpu 1] [--reference reports]   # OUT: a scratch folder

Classes only: the numbers in a clause are dropped, the class words kept. Work counts are deterministic and not
read. Needs taskset (util-linux).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

EXPERIMENTS = (
    "second_order",
    "cost_scaling",
    "jacobian_strategies",
    "expression_swell",
    "training_comparison",
    "remat_memory",
)
LOADS = {
    "idle": None,
    "busy": "while 1: pass",
    "bursty": "import time\nwhile 1:\n t = time.perf_counter()\n while time.perf_counter() - t < 0.05: pass\n"
    " time.sleep(0.05)",
}
CLASS = re.compile(
    r"(within noise of (?:flat|linear|quadratic)|about (?:flat|linear|quadratic) in \w+ \(slope [^)]*\) but "
    r"(?:below|above)|(?:flat|linear|quadratic) in \w+|(?:growing|falling) like \S+?, (?:between \w+ and \w+|steeper "
    r"than \w+|below \w+)|(?:growing|falling) like [^ ,]+|is fastest|are within noise of each other)"
)
NAMES = r"(sparse |dense )?(forward/\d+|reverse|forward|numeric|symbolic|plain|checkpointed)( and)?"
TIMING = r"in time|fastest|within noise|repeats|time ratio|Per gradient"


def clauses(report: Path) -> list:
    """(key, class) of every timing clause of a report's conclusions, in order."""
    out = []
    for line in report.read_text().splitlines():
        if not line.startswith("*What to conclude.*"):
            continue
        for c in re.split(r"; |\. (?=[A-Z])", line[len("*What to conclude.* ") :]):
            m = CLASS.search(c) if re.search(TIMING, c) else None
            if not m:
                continue
            key, cls = re.sub(r"\(.*?\)", "", c[: m.start()]).strip(), m.group(1)
            cls = re.sub(r"\^-?[\d.]+", "^p", re.sub(r" ?\(slope [^)]*\)", "", cls))
            if "fastest" in cls or "each other" in cls:
                who = re.findall(NAMES, key)
                cls = f"{''.join(who[0][:2]) if who else '?'} fastest" if "fastest" in cls else "within noise"
                key = re.sub(NAMES, "", key)
            key = re.sub(r"time ratio is [\d.–]+", "time ratio", key)
            key = re.sub(r".*repeats: |^H v: |^the full Hessian: |.*separate\): ", "", key)
            key = f"{report.parent.name}: {re.sub(r'[ ,:]+$', '', key.strip())}"
            seen = sum(k == key or k.startswith(key + " #") for k, _ in out)
            out.append((key + (f" #{seen + 1}" if seen else ""), cls))  # (H v's and the Hessian's forward/reverse)
    return out


def run(out: Path, cpu: int) -> list:
    folders = []
    for load, code in LOADS.items():
        for seed in (0, 1):
            d = out / f"{load}_s{seed}"
            spinner = subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-c", code]) if code else None
            try:
                time.sleep(0.3)
                t0 = time.perf_counter()
                subprocess.run(
                    [
                        "taskset",
                        "-c",
                        str(cpu),
                        sys.executable,
                        "-m",
                        "difflab",
                        "run",
                        *EXPERIMENTS,
                        "--seed",
                        str(seed),
                    ]
                    + ["--out", str(d / "runs"), "--report", str(d / "reports"), "--quiet"],
                    check=True,
                )
                print(f"{load} seed {seed}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            finally:
                if spinner is not None:
                    spinner.kill()
            folders.append(d / "reports")
    return folders


def table(folders) -> str:
    rows: dict = {}
    for k, d in enumerate(folders):
        for exp in EXPERIMENTS:
            if (Path(d) / exp / "report.md").exists():
                for key, cls in clauses(Path(d) / exp / "report.md"):
                    rows.setdefault(key, ["-"] * len(folders))[k] = cls
    lines = ["| clause | " + " | ".join(Path(d).parent.name or str(d) for d in folders) + " |"]
    lines.append("|---" * (len(folders) + 1) + "|")
    for key, classes in rows.items():
        flag = "" if len(set(classes) - {"-"}) <= 1 else " **(changes)**"
        lines.append(f"| {key}{flag} | " + " | ".join(classes) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--reference", type=Path, help="a reports/ folder shown first (e.g. the committed one)")
    ap.add_argument("--table-only", action="store_true", help="read OUT's earlier runs, run nothing")
    args = ap.parse_args()
    if args.table_only:
        found = [args.out / f"{load}_s{seed}" / "reports" for load in LOADS for seed in (0, 1)]
    else:
        found = run(args.out, args.cpu)
    print(table(([args.reference] if args.reference else []) + found))
