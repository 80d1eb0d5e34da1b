"""graph.Cost's rule for second-order calls, counted by hand: W_g = the equations of the traced derivative the outer
method differentiates (its listing below: `print` of the Hessian's prepared graph); forward outer n·W_g (one sweep of n
tangents), reverse outer W_g + n·B_g (B_g: W_g and each checkpoint's interior run again), numeric outer W_g per point
(2n + 1, and 2 more for each direction, at most stencils.PROBED = 4, whose difference holds an exact 0 it judges);
the symbolic method's closed form 0 equations, one evaluation a product; tracing (a fresh call's) charges nothing.
The same with compiled=True and False, on a fresh operator and on every call of a kept one.

On main: a fresh call charged the inner gradient run while tracing (dl.hessian's first call, every dl.hvp: reverse
(2, 18) for (1, 12)); numeric outer charged the graphs it evaluated in f's stead (f with its pieces held: (7, 66) for
(7, 84)), interpreted on the first call and lowered later; reverse outer over a checkpoint skipped the interior's
recomputation where no cotangent reached it, interpreted (150 for 180), but charged it lowered; the symbolic Hessian
charged its matrix-level form's forward values and second partials (2, 6) where its gradient charges (1, 0).
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import counting

A = np.linspace(-1.0, 1.0, 12).reshape(4, 3)


def scalar(w):  # W = 3: mul, sin, add; n = 2 float leaves
    return w[0] * w[1] + dnp.sin(w[0])


def vector(x):  # W = 3: matmul, tanh, sum; n = 3
    return dnp.sum(dnp.tanh(A @ x))


def _layers(x):
    for _ in range(2):
        x = dnp.tanh(x) * 0.9 + 0.1  # 3 equations a layer
    return x


CK = dl.checkpoint(_layers)


def ckpt(x):  # W = 8: the checkpoint as its 6 interior equations, mul, sum; n = 5
    return dnp.sum(CK(x) * 2.0)


# f: (x, v, n, W, W_g by a reverse inner, its B_g, W_g by a forward inner, its B_g, numeric outer's points)
#   scalar, reverse inner (12): mul sin add cos add | finite_or_nan(f) mul finite_or_nan(w0) mul | mul finite_or_nan mul
#   scalar, forward inner (25): its sweep of 2 tangents, recorded; numeric outer: 5 points + 2 (∂g1/∂w1 = 0 exactly)
#   vector, reverse inner (12): matmul tanh sum | mul sub reshape strong_matmul reshape | 2 finite_or_nan, 2 mul
#   vector, forward inner (16); numeric outer: 7 points (H dense: no exact 0)
#   ckpt, reverse inner (25): checkpoint (6) mul sum | the interior recorded again (6) | its rules (7) | 2 finite_or_nan,
#   2 mul; B_g = 25 + 6. Forward inner (33: checkpoint (6) and 27), B_g = 39. numeric outer: 11 points + 4·2 (H diagonal)
FUNS = {
    "scalar": ([0.5, 2.0], [1.0, -0.5], 2, 3, (12, 12), (25, 25), 7),
    "vector": (np.array([0.2, -0.4, 0.7]), np.array([1.0, 0.5, -0.3]), 3, 3, (12, 12), (16, 16), 7),
    "ckpt": (np.linspace(-1.0, 1.0, 5), np.linspace(1.0, -0.6, 5), 5, 8, (25, 31), (33, 39), 19),
}
F = {"scalar": scalar, "vector": vector, "ckpt": ckpt}
INNER = {"reverse": 4, "forward": 5}  # the FUNS entry of (W_g, B_g) by that inner method


def hand(name: str, call: str) -> tuple:
    """(evals, eqns) one call charges by graph.Cost's rule."""
    x, v, n, W, _, _, points = FUNS[name]
    kind, _, how = call.partition(" ")
    if kind == "hessian":
        if how == "symbolic":
            return 1, 0  # the closed form once: no tape
        if how == "numeric":
            return 1 + n + n * n, (1 + n + n * n) * W  # its stencil: f at 1 + n + n² points
        outer, inner = {"reverse": ("forward", "reverse"), "forward": ("forward", "forward")}.get(how, how.split("/"))
        wg, bg = FUNS[name][INNER[inner]]
        if outer == "forward":
            return 1, n * wg  # one sweep of n tangents (chunk "auto")
        if outer == "reverse":
            return 1, wg + n * bg  # the forward sweep, one backward sweep per output of the gradient
        return points, points * wg
    wg = FUNS[name][4][0]
    if how == "symbolic":
        return 2, 0  # its gradient's closed form, then its Hessian's
    if how == "numeric":
        return 3, 3 * wg  # the reverse gradient at x and at x ± h v
    if how == "forward":
        return 1, FUNS[name][5][0]
    if how == "reverse-over-reverse":  # <∇f, v> traced: W_g + a mul and a sum per leaf (+ an add), swept twice
        leaves = len(x) if isinstance(x, list) else 1
        w_ip = wg + 2 * leaves + (leaves - 1)
        return 1, 2 * w_ip + (FUNS[name][4][1] - wg)
    return 1, wg  # forward over reverse: one tangent through the traced gradient


def _method(name, compiled):
    m = {"forward": dl.Forward, "reverse": dl.Reverse}[name](compiled=compiled)
    return m


def _counts(call, calls=2) -> list:
    out = []
    for _ in range(calls):
        with counting() as cost:
            call()
        out.append((cost.evals, cost.eqns))
    return out


PAIRS = [
    "forward/reverse",
    "forward/forward",
    "reverse/reverse",
    "reverse/forward",
    "numeric/reverse",
    "numeric/forward",
]


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("name", list(FUNS))
def test_hessians_by_each_pair_charge_the_rule_fresh_and_kept(name, compiled):
    x = FUNS[name][0]
    for pair in PAIRS:
        outer, inner = pair.split("/")
        o = dl.Numeric() if outer == "numeric" else _method(outer, compiled)
        method = (o, _method(inner, compiled))
        want = hand(name, f"hessian {pair}")
        kept = dl.hessian(F[name], method=method)
        assert _counts(lambda: kept(x)) == [want] * 2, pair  # the first call traces: not charged
        assert _counts(lambda: dl.hessian(F[name], method=method)(x), 1) == [want], pair


@pytest.mark.parametrize("name", list(FUNS))
def test_each_method_s_own_hessian_charges_the_rule(name):
    x = FUNS[name][0]
    for how in ("reverse", "forward", "symbolic", "numeric"):
        h = dl.hessian(F[name], method=how)
        assert _counts(lambda: h(x)) == [hand(name, f"hessian {how}")] * 2, how


@pytest.mark.parametrize("name", list(FUNS))
def test_hvps_charge_the_rule_fresh_prepared_and_through_a_prepared_function(name):
    x, v = FUNS[name][:2]
    for how in ("reverse", "forward", "reverse-over-reverse", "numeric", "symbolic"):
        want = hand(name, f"hvp {how}")
        assert _counts(lambda: dl.hvp(F[name], (x,), (v,), method=how)) == [want] * 2, how  # each a fresh trace
        p = dl.prepare_hvp(F[name], x, method=how)
        assert _counts(lambda: p((x,), (v,))) == [want] * 2, how
    prepared = dl.prepare(F[name], x)
    assert _counts(lambda: prepared.hvp((x,), (v,))) == [hand(name, "hvp reverse")] * 2
    assert _counts(lambda: prepared.hessian(x)) == [hand(name, "hessian reverse")] * 2


def test_the_hand_values_themselves():
    """The table the tests above read, written out (vector: W_g 12 and 16; ckpt: B_g = W_g + the interior's 6)."""
    got = {c: hand("vector", c) for c in ("hessian reverse", "hessian reverse/reverse", "hessian numeric/reverse")}
    assert got == {"hessian reverse": (1, 36), "hessian reverse/reverse": (1, 48), "hessian numeric/reverse": (7, 84)}
    assert hand("ckpt", "hessian reverse/reverse") == (1, 25 + 5 * 31)
    assert hand("ckpt", "hvp reverse-over-reverse") == (1, 27 + 33)
    assert hand("scalar", "hvp reverse-over-reverse") == (1, 17 + 17)
    assert hand("scalar", "hessian numeric/forward") == (7, 7 * 25)


def test_second_order_s_report_reads_the_equation_counts():
    """experiments/second_order's sentence on equations: each strategy's slope from the counts (over two sizes too:
    tail_slope kept one of two and gave None), symbolic's 0 as no tape. The counts are its f's (W_g = 34 equations by
    the reverse gradient's tape): H v 34 at every n, forward over reverse n·34, reverse over reverse 34 + n·34."""
    from difflab import runner

    mod = runner.load_experiment("second_order").module
    assert abs(mod._eqns_slope([4, 16, 64], [34, 34, 34])) < 1e-12
    assert abs(mod._eqns_slope([4, 16, 64], [4 * 34, 16 * 34, 64 * 34]) - 1.0) < 1e-12
    assert abs(mod._eqns_slope([4, 16], [5 * 34, 17 * 34]) - np.log(17 / 5) / np.log(4)) < 1e-12
    assert mod._eqns_slope([4, 16], [0, 0]) is None
    symbolic = {"n": [4, 16], "eqns": [0, 0], "eqns_slope": None}
    assert mod._eqns_words(symbolic) == "none (its closed form runs no tape)"
    rr = {"n": [4, 16], "eqns": [170, 578], "eqns_slope": mod._eqns_slope([4, 16], [170, 578])}
    assert mod._eqns_words(rr) == "linear in n (slope 0.88), 578 at n = 16"
