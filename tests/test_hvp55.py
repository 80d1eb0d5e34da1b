"""The prepared hvp's hot code has no pass over a parameter for the gradient's finite_or_nan factor (issue 17 §3):
since extreme48 the traced gradient is multiplied by finite_or_nan of each traced input (vmap's later rows), which
the guarded code, answering only for finite inputs, folds to the gradient itself; an infinite input still goes to
the general path, whose gradient is NaN there. hvp56: the fold where strong_factor(a, finite_or_nan(x)), a strong
product's partial in a higher derivative, passes the folded value on as one to check (an IndexError in `_check_terms`
on the fresh-clone suite: the value checked was no longer made)."""

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab.compile.graphs import lower
from difflab.ops.elementwise import finite_or_nan, strong_factor


def _f(p):
    return (p["w"] ** 3.0).sum() + (p["w"] * p["b"]).sum()


def _point():
    return {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([2.0, -1.0])}


def test_hot_hvp_has_no_finite_or_nan_pass():
    p, v = _point(), {"w": np.array([[1.0, 0.0], [2.0, -1.0]]), "b": np.array([0.5, 1.0])}
    hv = dl.prepare_hvp(_f, p)
    g, h = hv((p,), (v,))  # (arms the hot path)
    g, h = hv((p,), (v,))
    assert hv._hot is not None
    ops = [e.op.name for e in hv._hot.fn.graph.eqns]
    assert "finite_or_nan" not in ops, ops
    w, b, vw, vb = p["w"], p["b"], v["w"], v["b"]  # f = Σw³ + Σ w·b (b broadcast along rows)
    np.testing.assert_allclose(g["w"], 3 * w**2 + b, rtol=1e-15)
    np.testing.assert_allclose(g["b"], w.sum(axis=0), rtol=1e-15)
    np.testing.assert_allclose(h["w"], 6 * w * vw + vb, rtol=1e-15)
    np.testing.assert_allclose(h["b"], vw.sum(axis=0), rtol=1e-15)


def test_hot_hvp_infinite_input_still_nan():
    p = _point()
    hv = dl.prepare_hvp(_f, p)
    v = {k: np.ones_like(a) for k, a in p.items()}
    hv((p,), (v,))
    bad = {"w": np.array([[1.0, np.inf], [0.5, 3.0]]), "b": p["b"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, _ = hv((bad,), (v,))
    assert np.isnan(g["w"][0, 1])
    assert np.isnan(g["b"]).all()  # (f is inf there: no derivative of either leaf, as grad alone says)


def test_a_folded_finite_or_nan_that_is_also_checked_is_checked_as_its_argument():
    """strong_factor(x, finite_or_nan(y)) is finite_or_nan(y) where that is finite, a value checked; the product
    d·finite_or_nan(y) folds to d and the equation goes: y is checked in its place (finite exactly where it is).
    Also where the folded value is itself an output, kept then."""
    a, b, d = np.array([0.0, 2.0, 3.0]), np.array([1.0, 5.0, -2.0]), np.array([4.0, -1.0, 0.5])
    bad = np.array([np.inf, 5.0, 1.0])
    fn = lower(
        dl.trace(lambda x, y, d: (d * finite_or_nan(y), (d * 2.0) * strong_factor(x, finite_or_nan(y))), a, b, d),
        guard=(0, 2),
    )
    assert "finite_or_nan" not in fn.guarded.source and "finite_or_nan" in fn.source
    np.testing.assert_array_equal(fn.guarded(a, b, d)[1], [8.0, -2.0, 1.0])  # 2d·1
    np.testing.assert_array_equal(fn.guarded(a, b, d)[0], d)
    assert fn.guarded(a, bad, d) is None  # (y infinite: the general path, NaN there)
    assert np.isnan(fn(a, bad, d)[1][0]) and np.isnan(fn(a, bad, d)[0][0])
    out = lower(
        dl.trace(lambda x, y, d: (d * finite_or_nan(y), strong_factor(x, finite_or_nan(y))), a, b, d), guard=(0, 2)
    )
    np.testing.assert_array_equal(out.guarded(a, b, d)[1], [1.0, 1.0, 1.0])
    assert out.guarded(a, bad, d) is None


def test_third_forward_derivative_folds_a_checked_finite_or_nan():
    """d³/dt³ Σ(a + t e)³ = 6 Σ e³ by three nested forward jvps: each level's tangent is times finite_or_nan of the
    value, whose strong products' partials checked that factor (hvp55's fold: IndexError); NaN where a is not finite."""
    e, a = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -0.5])
    d = lambda g: lambda x: dl.jvp(g, (x,), (e,), method="forward")[1]  # noqa: E731
    third = d(d(d(lambda x: dnp.sum(x**3))))
    assert third(a) == 6 * np.sum(e**3)
    assert np.isnan(third(np.array([1.0, np.inf, -0.5])))
    assert third(a) == 6 * np.sum(e**3)
