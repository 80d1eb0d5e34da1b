"""The prepared hvp's hot code has no pass over a parameter for the gradient's finite_or_nan factor (issue 17 §3):
since extreme48 the traced gradient is multiplied by finite_or_nan of each traced input (vmap's later rows), which
the guarded code, answering only for finite inputs, folds to the gradient itself; an infinite input still goes to
the general path, whose gradient is NaN there."""

import warnings

import numpy as np

import difflab as dl


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
