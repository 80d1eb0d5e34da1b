"""The benchmarks' baseline is right: hand-written NumPy backprop gives difflab reverse's gradient.

(Speed itself is measured in bench/, never here; this runs bench/hand_numpy.py as a user would.)
"""

import pathlib
import re
import subprocess
import sys

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench"


def test_hand_numpy_baseline_matches_difflab():
    out = subprocess.run(
        [sys.executable, str(BENCH / "hand_numpy.py")], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    diffs = [float(d) for d in re.findall(r"max relative gradient difference ([0-9.e+-]+)", out)]
    assert len(diffs) == 3 and max(diffs) <= 1e-12, out


def _bench_module(name):
    import importlib.util

    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(BENCH))


def test_issue17_baselines_match_difflab():
    """The hand-written baselines of the issue-17 rows (vectorised f + ∇f, the checkpointed chain,
    the long scalar tape) give difflab's numbers, on small sizes."""
    import numpy as np

    import difflab as dl

    cheap = _bench_module("cheap_gradient")
    x = np.random.default_rng(0).normal(size=50)
    v, g = dl.value_and_grad(cheap.vec_f)(x)
    vh, gh = cheap.vec_hand_grad(x)
    assert abs(v - vh) <= 1e-12 * abs(vh) and np.abs(g - gh).max() <= 1e-12 * np.abs(gh).max()
    assert abs(cheap.vec_hand(x) - vh) <= 1e-12 * abs(vh)

    deep = _bench_module("deep")
    hand = _bench_module("hand_numpy")
    params, X, Y = hand.problem([8] * 5 + [3], 16)
    ref_v, ref = hand.loss_and_grad(params, X, Y)
    for segments in (None, 2):  # plain chain and checkpoint_sequential: the same gradient as hand NumPy
        v, g = dl.value_and_grad(deep.chain_loss(4, segments))(params, X, Y)
        assert abs(v - ref_v) <= 1e-12 * abs(ref_v)
        assert max(np.abs(g[k] - ref[k]).max() for k in ref) <= 1e-12 * max(np.abs(a).max() for a in ref.values())

    tape = _bench_module("scalar_tape")
    f = tape.make(20)
    w = [0.1 * i - 3.0 for i in range(tape.K)]
    g = dl.grad(f)(w)
    for i, r in zip((0, tape.K - 1), tape.reference_grad(f, w)):
        assert abs(g[i] - r) <= 1e-6 * max(1.0, abs(r))


def test_matrix_hessian_baselines_match_difflab():
    """bench/matrix_hessian.py's closed forms (A + Aᵀ, Xᵀ diag(σ') X / N) and the undeclared loss of
    bench/symbolic.py give difflab's numbers, on small sizes."""
    import numpy as np

    import difflab as dl

    bench = _bench_module("matrix_hessian")
    for name, (f, args, hand) in bench.problems(12).items():
        H = dl.hessian(f, method="symbolic")(*args)
        assert np.abs(H - hand()).max() <= 1e-12 * np.abs(hand()).max(), name
    symbolic, hand_numpy = _bench_module("symbolic"), _bench_module("hand_numpy")
    params, X, Y = hand_numpy.problem((2, 4, 2), 8)
    v, g = dl.value_and_grad(symbolic.user_loss)(params, X, Y)
    vh, gh = hand_numpy.loss_and_grad(params, X, Y)
    assert abs(v - vh) <= 1e-12 and max(np.abs(g[k] - gh[k]).max() for k in gh) <= 1e-12
