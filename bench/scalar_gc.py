"""Why the scalar net's time ratio to micrograd and its instruction ratio differ: the collector.

    python bench/scalar_gc.py [--batches 1,8] [--rounds 21]

callgrind (bench/fresh_counts.py) counts instructions with the collector off; bench/scalar.py times
both contenders with it on, as users run them. micrograd's graph is cyclic (each node's `_backward`
closure holds the node), so only the collector frees it, and its allocations start collections that
it pays for; difflab's tape holds no cycle and is freed by reference counting, and a fresh call
pauses the collector while it runs. This script times, in one process, interleaved, a fresh
`dl.grad` of bench/scalar.py's net and micrograd's forward + backward per call, with the collector
on and off, and counts the collections each triggers (gc.callbacks: per call, by generation, and
their time), and prints the unit counts behind the per equation ÷ per node ratio (equations;
micrograd's nodes, leaves included, and its nodes with arguments).
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import scalar as S  # noqa: E402

import difflab as dl  # noqa: E402


class _Collections:
    """gc.callbacks: collections by generation and their time, since the last `reset`."""

    def __init__(self):
        self.t0 = 0.0
        self.reset()

    def reset(self):
        self.by_gen, self.seconds = [0, 0, 0], 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self.t0 = time.perf_counter()
        else:
            self.by_gen[info["generation"]] += 1
            self.seconds += time.perf_counter() - self.t0


def run(batch: int, rounds: int, reps: int = 200) -> None:
    params, (X, Y) = S.init(), S.data(batch)
    n = len(dl.prepare(S.loss, params, X, Y).graph.eqns)
    _, step, count, count_ops = S.micrograd_setup(params, X, Y)
    out = step()
    fns = {"difflab": lambda: dl.grad(S.loss)(params, X, Y), "micrograd": step}
    seen = _Collections()
    gc.callbacks.append(seen)
    try:
        for fn in fns.values():
            for _ in range(50):
                fn()
        print(f"B={batch}: {n} difflab equations; micrograd {count(out)} nodes, {count_ops(out)} with arguments")
        for mode in ("collector on", "collector off"):
            per = {k: [] for k in fns}
            gens = {k: [0, 0, 0] for k in fns}
            spent = dict.fromkeys(fns, 0.0)
            for r in range(rounds):
                for k in list(fns) if r % 2 else list(fns)[::-1]:
                    gc.collect()
                    if mode == "collector off":
                        gc.disable()
                    seen.reset()
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        fns[k]()
                    per[k].append((time.perf_counter() - t0) / reps)
                    # (read before the collector is back on: its first allocation then collects the batch's garbage)
                    gens[k] = [a + b for a, b in zip(gens[k], seen.by_gen)]
                    spent[k] += seen.seconds
                    gc.enable()
            ratios = sorted(a / b for a, b in zip(per["difflab"], per["micrograd"]))
            q = len(ratios) // 4
            calls = rounds * reps
            print(
                f"  {mode}: per call difflab {statistics.median(per['difflab']) * 1e6:.1f} µs, micrograd "
                f"{statistics.median(per['micrograd']) * 1e6:.1f} µs; difflab ÷ micrograd {ratios[len(ratios) // 2]:.2f} "
                f"({ratios[q]:.2f}–{ratios[-q - 1]:.2f})"
            )
            for k in fns:
                print(
                    f"    {k}: {sum(gens[k]) / calls:.2f} collections per call (by generation "
                    f"{' / '.join(f'{g / calls:.3f}' for g in gens[k])}), {spent[k] / calls * 1e6:.1f} µs per call in them"
                )
    finally:
        gc.callbacks.remove(seen)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", default="1,8")
    p.add_argument("--rounds", type=int, default=21)
    opts = p.parse_args()
    for b in opts.batches.split(","):
        run(int(b), opts.rounds)


if __name__ == "__main__":
    main()
