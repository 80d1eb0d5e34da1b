"""Timing claims on a shared machine (slopes68): a preempted repeat only adds time, so it must not change a class.

- `stats.slope_range` read the median's slope and each repeat index's curve: one repeat a size slowed 1.5–5× (a
  different one at each size) made "about linear in n (slope 1.01) but above it in every repeat (repeats
  1.01–1.54)" of a linear cost; with up to two of five repeats slowed, 252 of 300 draws read "within noise" of
  their class and 9 a wrong class. Now the slope is the fastest repeats' and the
  range is that of curves through each size's faster half (`stats.faster_half`).
- `stats.ordering` said "within noise" when the leader's one slowed repeat reached over the runner-up's fastest.
- The experiments timed each size's repeats back to back in its own cell, so a burst of other work slowed all of one
  size's repeats: a quick run beside a busy loop read H v "falling like n^-0.22". Every size and contender of a
  timing claim is now called round-robin in one cell (`runner.measure.interleaved_times`), in the process's CPU time
  (a busy loop on the same core doubled the wall time of every call longer than a time slice: forward mode's
  gradient read "growing like n^2.33" from n = 64 to 256, 1.01 in CPU time), each timed call after an untimed one
  of the same function (without it H v's 70 µs calls read 160 µs in about half the rounds beside a busy loop).
"""

from __future__ import annotations

import numpy as np
import pytest

from difflab import runner
from difflab.report.stats import faster_half, noisy_slope_words, ordering, ratio_slope_range, slope_range
from difflab.runner import Results
from difflab.runner.measure import interleaved_times, round_robin

N = [4, 16, 64]


def _class_of(words: str) -> str:
    return words.split(" (")[0]


@pytest.mark.parametrize(
    "truth, times, main_said",
    [
        # one repeat a size slowed by other work, a different one at each size (linear cost 1e-4·n/4)
        (
            "linear",
            [[9.81e-05, 9.94e-05, 9.7e-05], [3.943e-04, 1.198e-03, 3.905e-04], [1.6128e-03, 7.2049e-03, 1.6216e-03]],
            "about linear in n (slope 1.01) but above it in every repeat (repeats 1.01–1.54)",
        ),
        (
            "linear",
            [
                [1.027e-04, 3.309e-04, 1.001e-04],
                [3.915e-04, 1.2475e-03, 3.946e-04],
                [1.5649e-03, 1.5564e-03, 1.5688e-03],
            ],
            "about linear in n (slope 0.98) but below it in every repeat (repeats 0.56–0.99)",
        ),
        (
            "flat",
            [[9.93e-05, 1.007e-04, 1.0e-04], [9.72e-05, 3.108e-04, 9.73e-05], [3.098e-04, 1.019e-04, 1.025e-04]],
            "about flat in n (slope 0.01) but above it in every repeat (repeats 0.00–0.41)",
        ),
    ],
)
def test_one_slowed_repeat_a_size_does_not_change_the_class(truth, times, main_said):
    words = noisy_slope_words(*slope_range(N, times))
    assert _class_of(words) == f"{truth} in n", (words, main_said)  # on main: main_said


def test_minority_outliers_never_change_the_class_over_many_draws():
    rng = np.random.default_rng(68)
    wrong = []
    for trial in range(300):
        truth, p = (("flat", 0.0), ("linear", 1.0), ("quadratic", 2.0))[trial % 3]
        t = np.array([[1e-4 * (n / 4) ** p * (1 + rng.uniform(-0.03, 0.03)) for _ in range(5)] for n in N])
        for i in range(len(N)):  # up to two of five repeats a size slowed, at random
            for k in rng.choice(5, size=rng.integers(0, 3), replace=False):
                t[i, k] *= rng.uniform(1.2, 20.0)
        words = noisy_slope_words(*slope_range(N, t))
        if _class_of(words) != f"{truth} in n":
            wrong.append((truth, words))
    # on main: 261 of 300, 252 'within noise of' the class (e.g. 'within noise of flat (slope -0.01, repeats -0.94–0.01)')
    # and 9 a wrong class ('about quadratic in n (slope 2.01) but above it in every repeat (repeats 2.01–2.99)')
    assert not wrong, wrong[:3]


def test_real_spread_is_still_said():
    # a majority of one size's repeats slower: the faster half disagrees, said as noise (no class is hidden)
    t = [[1.0, 3.0, 2.9], [1.0, 1.02, 0.99], [1.0, 1.01, 0.98]]
    assert noisy_slope_words(*slope_range(N, t)).startswith("within noise of flat")
    # noise on both sides of the cost (not one-sided): the range says it
    t = [[1.0, 0.5, 1.0], [1.0, 1.0, 1.0], [1.0, 2.0, 1.0]]
    assert noisy_slope_words(*slope_range(N, t)).startswith("within noise of flat")
    assert faster_half([5.0, 1.0, 2.0, 9.0, 3.0]) == (1.0, 3.0)
    assert faster_half([1.0, 9.0]) == (1.0, 9.0)  # two repeats: neither can be set aside


def test_ratio_slope_reads_each_timings_faster_half():
    n = [4, 16, 64, 256]
    grad = [[3.0, 3.1, 9.0], [3.0, 3.05, 3.1], [3.1, 30.0, 3.0], [3.0, 3.0, 3.2]]
    f = [[1.0, 1.0, 1.02], [1.0, 0.99, 1.0], [1.0, 1.0, 1.01], [1.0, 1.0, 9.0]]  # bursts on both, one repeat each
    slope, lo, hi = ratio_slope_range(n, grad, f)
    assert noisy_slope_words(slope, lo, hi).startswith("flat in n"), (slope, lo, hi)
    ratios = [[g / d for g, d in zip(a, b)] for a, b in zip(grad, f)]
    # each round's ratio (as cost_scaling read it): a burst on f's call lowers the ratio, one on the gradient's raises it
    assert noisy_slope_words(*slope_range(n, ratios, one_sided=False)).startswith("within noise of")


def test_ordering_is_not_undone_by_one_slowed_repeat():
    o = ordering({"a": [1.0, 1.1, 9.0], "b": [2.0, 2.1, 2.2]}, " s")
    assert o["separated"] is True and o["fastest"] == "a"  # on main: 'a and b are within noise of each other'
    assert o["text"] == "a is fastest (1–9 s vs next b 2–2.2 s)"  # every repeat's range is still shown
    # the leader's majority over the other's fastest: not separated
    o = ordering({"a": [1.0, 2.5, 2.6], "b": [2.0, 2.1, 2.2]})
    assert o["separated"] is False


def test_round_robin_order_rotates_every_round():
    assert round_robin(["a", "b"], 3) == ["a", "b", "b", "a", "a", "b"]
    order = round_robin([4, 16, 64], 3)
    assert [order[3 * r : 3 * r + 3] for r in range(3)] == [[4, 16, 64], [16, 64, 4], [64, 4, 16]]
    assert round_robin([], 3) == []


def test_interleaved_times_calls_each_once_a_round_after_warming():
    seen = []
    fake = iter(float(k) for k in range(100))
    calls = {k: (lambda k=k: seen.append(k)) for k in "xyz"}
    t = interleaved_times(calls, 2, warm=1, clock=lambda: next(fake), rewarm=False)
    assert seen == ["x", "y", "z", "x", "y", "z", "y", "z", "x"]  # warming in order, then two rounds
    assert t == {"x": [1.0, 1.0], "y": [1.0, 1.0], "z": [1.0, 1.0]}
    seen.clear()
    interleaved_times(calls, 2, warm=0)  # (rewarm: an untimed call of the same function before each timed one)
    assert seen == ["x", "x", "y", "y", "z", "z", "y", "y", "z", "z", "x", "x"]


@pytest.fixture(scope="module")
def exps():
    names = ("second_order", "cost_scaling", "jacobian_strategies", "remat_memory")
    return {n: runner.load_experiment(n).module for n in names}


def test_each_timing_claim_is_timed_round_robin_in_one_cell(exps):
    so = exps["second_order"]
    cells = so.cells(so.PRESETS["quick"])
    timing = {c["of"]: c for c in cells if c["part"] == "time"}
    for part in ("hvp", "hessian"):
        assert sorted(map(tuple, timing[part]["points"])) == sorted(
            (c["strategy"], c["n"]) for c in cells if c["part"] == part
        )
    cs = exps["cost_scaling"]
    cells = cs.cells(cs.PRESETS["quick"])
    assert {(c["of"], c["method"]): c["n"] for c in cells if c["part"] == "time"}[("gradient", "reverse")] == [
        c["n"] for c in cells if c["part"] == "gradient" and c["method"] == "reverse"
    ]
    js = exps["jacobian_strategies"]
    cells = js.cells(js.PRESETS["quick"])
    dense = [c for c in cells if c["part"] == "time" and c["of"] == "dense"][0]
    assert len(dense["points"]) == sum(c["part"] == "dense" for c in cells)
    rm = exps["remat_memory"]
    cells = rm.cells(rm.PRESETS["quick"])
    assert len(cells[-1]["points"]) == len(cells) - 1 and cells[-1]["mode"] == "time"


def _row(cell, metrics):
    return {"index": 0, "cell": cell, "seed": 0, "seconds": 0.0, "metrics": metrics}


def test_second_order_reads_its_slopes_from_the_round_robin_cell(exps):
    so = exps["second_order"]
    rows = [
        _row({"part": "hvp", "strategy": "forward/reverse", "n": n, "repeat": 3}, {"eqns": 34, "error": 1e-16})
        for n in N
    ]
    # a burst slowed two of n = 4's repeats, and one of n = 64's: the per-n cells' median read "falling"
    seconds = [[3e-4, 1.0e-4, 2.9e-4], [1.01e-4, 1.0e-4, 0.99e-4], [1.0e-4, 1.02e-4, 6e-4]]
    points = [["forward/reverse", n] for n in N]
    rows.append(_row({"part": "time", "of": "hvp", "points": points, "repeat": 3}, {"seconds": seconds}))
    rows += [_row({"part": "step", "log10_h": -3, "n": 4}, {"h": 1e-3, "error": 1e-6, "warned": False})]
    s = so.summarize(Results(rows))["hvp"]["forward/reverse"]
    assert s["n"] == N and s["fastest_seconds_at_max_n"] == 1.0e-4
    words = noisy_slope_words(s["time_slope"], s["time_slope_lo"], s["time_slope_hi"])
    assert words.startswith("within noise of flat"), words  # the faster half of n = 4 (1e-4, 2.9e-4) disagrees
