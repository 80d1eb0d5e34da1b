"""Report sentences re-read under other seeds and on another machine (truth65): each one computed, and true.

- training_comparison said "reverse and symbolic are within noise of each other (4.92e-05–7.63e-04 s ...)":
  the spread was reverse's first epoch, 20× its others, where the compiled tier lowered its sweep at the
  second call of each batch shape, after nn.train's one-call preparation; the compilation is preparation.
- gradient_flow's headline said tanh's gradient "grows 1.05×" under seed 1 and "shrinks 1.29×" under seed 0,
  both with a 10–90 % band over seeds that straddles 1: the direction is said only where the band agrees.
- expression_swell named "the slowest preparation at the deepest level" from one cold timing a family: sin(sin(…))
  at 0.0192 s against the MLP's 0.0189 s under seed 1, the MLP at 0.0237 s against 0.0147 s under seed 7.
- jacobian_strategies' work of forward mode by chunks multiplied cost.eqns, which counts an equation once per
  tangent, by the chunk again: forward/256's "elements produced" drew 256× forward/1's for the same Jacobian.
- training_comparison said "symbolic pays the most preparation on moons, 0.0162 s" from one timing a method
  (reverse 0.0132 s); the method named changed from run to run. Preparations are listed, one timing each.
- cost_scaling's scalar-loop time ratio read "2.83–9.32, flat in n (slope 0.14)" from one median ratio a point
  (its repeats ran 0.83–9.67 at n = 1024): the slope now comes with the repeats' spread.
- The full presets' memory sentences: remat_memory's "plain reverse mode's peak is flat in depth ... checkpointing
  holds 16 states against plain's 1.01 (0.0629× less) ... 0.728× [revolve's bound]", cost_scaling's "flat in depth
  (slope 0.00), -3.05e-16 KiB per layer ...: it stores every layer for the backward sweep". Their layers (160 and
  64 KiB) are written into buffers the compiled tier keeps between calls, which a per-call tracemalloc peak never
  sees; the peak now adds what the gradient holds, and the "stores every layer" clause is computed.
"""

from __future__ import annotations

import importlib

import pytest

from difflab import nn, runner
from difflab.compile import reader, sweeps

TRAIN = importlib.import_module("difflab.nn.train")  # the module (nn.train is the function)


@pytest.fixture(scope="module")
def gradient_flow():
    return runner.load_experiment("gradient_flow").module


@pytest.fixture(scope="module")
def remat():
    return runner.load_experiment("remat_memory").module


@pytest.fixture(scope="module")
def cost_scaling():
    return runner.load_experiment("cost_scaling").module


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_training_prepares_what_the_compiled_tier_lowers_before_the_first_timed_step(monkeypatch, method):
    built, at_prepared = [], []
    get, generate, prepare = sweeps.Tier.get, reader.generate, TRAIN._prepare

    def counting_get(self, key, args, build):
        return get(self, key, args, lambda: (built.append(key), build())[1])

    def counting_generate(sig, args):
        built.append("reader")
        return generate(sig, args)

    def counted_prepare(*a, **k):
        prepare(*a, **k)
        at_prepared.append(len(built))

    monkeypatch.setattr(sweeps.Tier, "get", counting_get)
    monkeypatch.setattr(reader, "generate", counting_generate)
    monkeypatch.setattr(TRAIN, "_prepare", counted_prepare)
    data = nn.load_dataset("iris", seed=0)  # 112 training rows: batches of 32, 32, 32 and 16 (two shapes)
    h = nn.train(nn.MLP([4, 3, 3]), data, method=method, epochs=2, batch_size=32, seed=0)
    assert h.status == "completed" and h.steps == 8
    assert at_prepared == [len(built)] and len(built) >= 2, built  # on main: 0 built in preparation, all in epoch 1


def _band(median, p10, p90):
    return {"median": median, "p10": p10, "p90": p90, "seeds": 20}


def test_gradient_flow_says_a_direction_only_when_the_seeds_band_agrees(gradient_flow):
    words = gradient_flow._ratio_words
    # seed 1's quick tanh and relu bands, seed 7's relu: each straddles 1
    for b in (_band(1.05, 0.408, 3.2), _band(1 / 1.35, 0.262, 1.94), _band(1 / 2.32, 0.168, 1.06)):
        text = words(b)
        assert text.startswith("shrinks on some seeds and grows on others (median ratio"), text
        assert "×" not in text
    assert words(_band(1 / 3.31e3, 1.46e-04, 6.55e-04)).startswith("shrinks 3.31e+03× (ratio 1.46e-04–6.55e-04")
    assert words(_band(2.0, 1.2, 3.0)).startswith("grows 2× (ratio 1.2–3")


def test_the_memory_of_a_gradient_counts_the_buffers_it_keeps_between_calls(remat, cost_scaling):
    # remat_memory's full width: 20000 elements, 160 KiB a layer (kept by the compiled tier from 64 KiB)
    cell = {"depth": 16, "width": 20000, "repeat": 1}
    plain, ck = (remat.run_cell(dict(cell, mode=m), 0) for m in remat.MODES)
    assert plain["peak_bytes"] > 12 * plain["state_bytes"]  # on main: 161320 bytes, one state
    assert ck["peak_bytes"] < 0.6 * plain["peak_bytes"]
    # cost_scaling's full layers: batch 512 × width 16 = 64 KiB
    peak = [
        cost_scaling.run_cell({"part": "memory", "method": "reverse", "depth": d, "width": 16, "batch": 512}, 0)
        for d in (2, 16)
    ]
    layer = peak[0]["layer_bytes"]
    assert peak[1]["peak_bytes"] - peak[0]["peak_bytes"] > 10 * layer  # 14 more layers; on main the same bytes


def test_memory_sentences_say_what_the_numbers_show(remat, cost_scaling):
    assert remat._fewer(16.0, 1.01) == "15.8× more" and remat._fewer(14.1, 65.3) == "4.63× less"
    words = cost_scaling._stored_words
    assert (
        words(1.0, 32.1 * 1024, 32 * 1024)
        == ": for each layer of depth it keeps 1× one layer's values for the backward sweep"
    )
    flat = words(0.0, -3.05e-16 * 1024, 64 * 1024)
    assert flat == ": -4.77e-18× one layer's values per layer of depth, no tape that grows with depth"


def test_expression_swell_ranks_no_family_on_one_cold_timing():
    sw = runner.load_experiment("expression_swell").module
    nocse = dict(max_depth_run=None)
    s = {
        f: dict(nocse=nocse, max_depth=d, prepare_seconds_at_max=t)
        for f, d, t in [("nested_sin", 64, 0.0192), ("mlp", 6, 0.0189)]
    }
    text = sw._cost_text(s, ["nested_sin", "mlp"])
    assert "slowest" not in text, text
    assert "sin(sin(…sin(x))) 0.0192 s (depth 64)" in text and "0.0189 s (depth 6)" in text


def test_chunked_forward_jacobians_do_the_same_work_whatever_the_chunk():
    js = runner.load_experiment("jacobian_strategies").module
    runs = {s: js.run_cell({"strategy": s, "n": 8, "m": 4, "repeat": 1}, 0) for s in ("forward/1", "forward/4")}
    assert runs["forward/1"]["sweeps"] == 4 * runs["forward/4"]["sweeps"] == 8
    assert runs["forward/4"]["work"] == runs["forward/1"]["work"] > 0  # on main: 4× forward/1's
    results = runner.Results(
        {"index": i, "cell": {"strategy": s, "n": 8, "m": 4}, "seed": 0, "metrics": r}
        for i, (s, r) in enumerate(runs.items())
    )
    words = js._chunk_work_words(results, [1, 4], 8, [4])
    assert words.startswith("forward mode produces the same elements with every chunk (1, 4; their lines coincide)")


def test_training_comparison_ranks_no_preparation_on_one_timing():
    tc = runner.load_experiment("training_comparison").module
    per = {"symbolic": {"prepare_seconds": 0.0162}, "reverse": {"prepare_seconds": 0.0132}}
    assert tc._preparation_words(per, ["symbolic", "reverse"]) == "symbolic 0.0162 s, reverse 0.0132 s"


def test_the_scalar_loop_time_ratio_trend_carries_its_repeats_spread(cost_scaling):
    from difflab.report.stats import slope_range

    n = [4, 16, 64, 256, 1024]  # the first full run's k-th gradient call over k-th call of f, 7 repeats a point
    full = [
        [2.86, 3.85, 3.14, 3.27, 3.08, 3.29, 5.38],
        [1.82, 3.0, 2.84, 2.79, 2.91, 2.9, 3.99],
        [2.19, 2.98, 2.84, 2.95, 2.99, 2.91, 3.45],
        [24.9, 3.91, 0.12, 2.78, 2.83, 2.9, 3.27],
        [3.61, 0.83, 9.51, 9.32, 3.62, 9.24, 9.67],
    ]
    rows = [{"metrics": {"seconds": r, "f_seconds": [1.0] * len(r)}} for r in full]
    assert [cost_scaling._repeat_ratios(r) for r in rows] == full
    # (slope_range's reading of each round's ratio, kept as one_sided=False; cost_scaling now reads
    # stats.ratio_slope_range of the two timings: tests/test_timing_slopes68.py)
    words = cost_scaling._ratio_slope_words({"seconds_slope_range": list(slope_range(n, full, one_sided=False))})
    assert words == "within noise of flat (slope 0.15, repeats -0.20–0.22)"
