"""dl.lax.associative_scan (refused by name before stop 64): JAX's prefix combination under an associative fn, log-depth
(checked against JAX 0.10.2 x64 when written: n = 0…11, reverse or not, every axis, values to 1e-14 and gradients by
all four methods to 1e-12, numeric 1e-6); here against its sequential definition, so the test needs no JAX."""

import numpy as np
import pytest

import difflab as dl
import difflab.lax  # noqa: F401
import difflab.numpy as dnp


def _affine(p, q):
    """x ↦ a·x + b, then q's: associative, not commutative (the order of fn's arguments shows)."""
    return p[0] * q[0], q[0] * p[1] + q[1]


def _sequential(a, b, reverse):
    order = range(len(a) - 1, -1, -1) if reverse else range(len(a))
    out, acc = {}, None
    for i in order:
        acc = (a[i], b[i]) if acc is None else _affine(acc, (a[i], b[i]))
        out[i] = acc
    return dnp.stack([out[i][1] for i in range(len(a))])


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic", "numeric"])
def test_affine_prefixes_and_their_gradients(method, reverse):
    rng = np.random.default_rng(7)
    for n in (1, 6, 7):
        a, b = rng.uniform(0.5, 1.5, n), rng.normal(size=n)
        got = dl.lax.associative_scan(_affine, (a, b), reverse=reverse)[1]
        np.testing.assert_allclose(got, _sequential(a, b, reverse), rtol=1e-14)
        g = dl.grad(lambda a, b: dnp.sum(dnp.sin(dl.lax.associative_scan(_affine, (a, b), reverse=reverse)[1])),
                    argnums=(0, 1), method=method)(a, b)  # fmt: skip
        want = dl.grad(lambda a, b: dnp.sum(dnp.sin(_sequential(a, b, reverse))), argnums=(0, 1))(a, b)
        for x, y in zip(g, want):
            np.testing.assert_allclose(x, y, rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-12)


def test_axes_matrices_and_depth():
    m = np.arange(42.0).reshape(2, 7, 3)
    for axis in (0, 1, 2, -1):
        np.testing.assert_array_equal(dl.lax.associative_scan(dnp.add, m, axis=axis), np.cumsum(m, axis=axis))
        np.testing.assert_array_equal(
            dl.lax.associative_scan(dnp.add, m, axis=axis, reverse=True),
            np.flip(np.cumsum(np.flip(m, axis), axis=axis), axis),
        )
    mats = np.random.default_rng(1).normal(size=(6, 2, 2))
    want = [mats[0]]
    for k in range(1, 6):
        want.append(mats[k] @ want[-1])
    np.testing.assert_allclose(dl.lax.associative_scan(lambda x, y: y @ x, mats), want, rtol=1e-13)
    # log depth: fn is called 2·log₂ n times, so a trace of n = 1024 prefix sums holds 20 adds, not 1023
    adds = [
        e for e in dl.trace(lambda v: dl.lax.associative_scan(dnp.add, v), np.ones(1024)).eqns if e.op.name == "add"
    ]
    assert len(adds) == 20


def test_bad_elems_and_fn_are_named():
    with pytest.raises(ValueError, match=r"one length along axis 0, got shapes \[\(3,\), \(4,\)\]"):
        dl.lax.associative_scan(dnp.add, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match=r"fn must return .* got \[\(1,\)\] from \[\(2,\)\]"):
        dl.lax.associative_scan(lambda a, b: a[:1] + b[:1], np.ones(4))
    with pytest.raises(ValueError, match=r"got shapes \[\(\)\]"):
        dl.lax.associative_scan(dnp.add, np.float64(2.0))
