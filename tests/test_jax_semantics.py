"""JAX's pytree and has_aux behaviour (issue 11's last items): namedtuples are pytree nodes (arguments,
outputs, gradients, the generated argument reader), has_aux's aux comes back as f returned it (strings,
ints, None, dicts of arrays; this call's values when the graph is cached), and vmap over an empty batch
gives empty outputs of the right shapes. Known values, checked against JAX (x64) when written."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import difflab as dl

METHODS = ["forward", "reverse", "symbolic", "numeric"]
P = collections.namedtuple("P", "w b")
Q = collections.namedtuple("Q", "w b")  # the same fields, another class: another structure


def _loss(p):
    return np.sum(p[0] ** 2) * p[1]  # (by index: a plain tuple too)


# -- namedtuples are pytree nodes -----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_the_gradient_of_a_namedtuple_is_the_same_namedtuple(method):
    # d/dw sum(w²) b = 2 w b, d/db = sum(w²): at w = (1, 2), b = 3, (6, 12) and 5 (JAX's P(w=[6, 12], b=5))
    g = dl.grad(_loss, method=method)
    for w, b in (([1.0, 2.0], 3.0), ([1.0, 2.0], 3.0), ([2.0, -1.0], 0.5), ([1.0, 2.0], 3.0)):  # reader from the 3rd
        got = g(P(np.array(w), b))
        assert type(got) is P and type(got.b) is float
        np.testing.assert_allclose(got.w, 2.0 * np.array(w) * b, rtol=1e-7)
        assert got.b == pytest.approx(sum(v * v for v in w), rel=1e-7)
    assert g._last.signature.reader() is not None  # the generated reader read these calls
    other = g(Q(np.array([1.0, 2.0]), 3.0))  # another class with the same fields: not the stale reader's P
    assert type(other) is Q
    np.testing.assert_allclose(other.w, [6.0, 12.0], rtol=1e-7)
    assert type(g((np.array([1.0, 2.0]), 3.0))) is tuple  # a plain tuple stays one


def test_a_namedtuple_in_a_prepared_call_and_a_dict_of_them():
    prepared = dl.prepare(lambda d: _loss(d["p"]) + d["x"], {"p": P(np.ones(2), 2.0), "x": 1.0})
    for _ in range(3):  # the fused common case from the third call on
        value, grad = prepared.value_and_grad({"p": P(np.array([1.0, 3.0]), 2.0), "x": 1.0})
        assert value == pytest.approx(21.0)
        assert type(grad["p"]) is P and grad["x"] == 1.0
        np.testing.assert_allclose(grad["p"].w, [4.0, 12.0])
        assert grad["p"].b == pytest.approx(10.0)
    with pytest.raises(ValueError, match="prepared for arguments shaped"):
        prepared.value_and_grad({"p": Q(np.ones(2), 2.0), "x": 1.0})


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_namedtuple_outputs_cotangents_and_vmap_axes(method):
    x = np.array([1.0, 2.0])
    jac = dl.jacobian(lambda x: P(x * 2.0, np.sum(x**2)), method=method)(x)
    assert type(jac) is P
    np.testing.assert_allclose(jac.w, 2.0 * np.eye(2))
    np.testing.assert_allclose(jac.b, [2.0, 4.0])
    out, pullback = dl.vjp(lambda x: P(x * 2.0, np.sum(x**2)), x, method=method)
    assert type(out) is P
    np.testing.assert_allclose(pullback(P(np.ones(2), 1.0))[0], [4.0, 6.0])  # 2 + 2x
    with pytest.raises(ValueError, match="structure"):
        pullback(Q(np.ones(2), 1.0))
    batched = dl.vmap(lambda p: p.w * p.b, in_axes=(P(0, None),))(P(np.arange(6.0).reshape(3, 2), 2.0))
    np.testing.assert_allclose(batched, 2.0 * np.arange(6.0).reshape(3, 2))
    # np.linalg.eigh's EighResult is a namedtuple: its Jacobian is one too (d λ/d a for a = diag(1, 2): e_i e_iᵀ)
    jeig = dl.jacobian(lambda a: np.linalg.eigh(a), method=method)(np.diag([1.0, 2.0]))
    assert type(jeig).__name__ == "EighResult"
    np.testing.assert_allclose(jeig.eigenvalues[1], np.diag([0.0, 1.0]), atol=1e-12)
