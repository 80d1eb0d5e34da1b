"""Numeric second derivatives at a point where the derivative is infinite, reached after the trace's point (issue 11;
DESIGN.md §6): a later vmap row or a later call of a prepared derivative answers NaN with the DomainWarning the call
alone gives, not the stencil's number. Reference: the unbatched call, and the analytic Hessian at the finite row."""

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp


def _warned(fn, *args):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [str(w.message) for w in said if issubclass(w.category, dl.DomainWarning)]


def _cbrt_sum(x):
    return dnp.sum(dnp.cbrt(x))


def test_vmap_of_numeric_hessian_at_a_later_cbrt_zero_is_nan_as_alone():
    # on main row 1 gave [[0, 0], [0, -0.7055]]: H[0, 0] = 0 where cbrt'' at 0 is infinite, silently (alone: NaN, said)
    X = np.array([[0.2, 0.3], [0.0, 0.5]])
    H = dl.hessian(_cbrt_sum, method="numeric")
    alone, said_alone = _warned(H, X[1])
    got, said = _warned(dl.vmap(H), X)
    assert np.isnan(alone).all() and np.isnan(got[1]).all()
    assert said and said == said_alone and "derivative of cbrt is infinite" in said[0]
    np.testing.assert_allclose(got[0], np.diag(-2.0 / 9.0 * X[0] ** (-5.0 / 3.0)), rtol=1e-6, atol=1e-7)


def test_reverse_grad_of_a_numeric_hessian_reused_at_cbrt_zero_is_nan():
    # on main, traced at [0.2, 0.3] and called at [0, 0.5]: [-inf, 0] (fresh: NaN)
    g = dl.grad(lambda x: dl.hessian(_cbrt_sum, method="numeric")(x)[0, 0], method="reverse")
    x0 = np.array([0.2, 0.3])
    np.testing.assert_allclose(g(x0), [10.0 / 27.0 * 0.2 ** (-8.0 / 3.0), 0.0], rtol=1e-3)
    reused, said = _warned(g, np.array([0.0, 0.5]))
    assert np.isnan(reused).all() and said


def test_vmap_of_numeric_hessian_at_a_later_hypot_origin_is_nan_as_alone():
    # on main row 1 gave [[8192, 0], [0, 8192]] (the stencil's 1/step) silently; alone: NaN with a DomainWarning
    f = lambda x: dnp.hypot(x[0], x[1])  # noqa: E731
    X = np.array([[0.3, 0.4], [0.0, 0.0]])
    H = dl.hessian(f, method="numeric")
    alone, said_alone = _warned(H, X[1])
    got, said = _warned(dl.vmap(H), X)
    assert np.isnan(alone).all() and np.isnan(got[1]).all()
    assert said and said == said_alone and "derivative of hypot is infinite" in said[0]
    r, x = 0.5, X[0]
    np.testing.assert_allclose(got[0], (np.eye(2) - np.outer(x, x) / r**2) / r, atol=1e-6)  # (I - x̂x̂ᵀ)/|x|


def test_numeric_jacobian_of_a_numeric_grad_reused_at_the_apex_counts_order_2():
    # on main: traced at [1, 2, 3], called at 0 it said "a derivative of order 3" (numeric's own recorded stencil and
    # guard equations were counted as a derivative rule on top of its levels); fresh at 0 it says order 2
    norm = lambda x: dnp.linalg.norm(x)  # noqa: E731
    J = dl.jacobian(dl.grad(norm, method="numeric"), method="numeric")
    x0 = np.array([1.0, 2.0, 3.0])
    r = np.linalg.norm(x0)
    np.testing.assert_allclose(J(x0), (np.eye(3) - np.outer(x0, x0) / r**2) / r, atol=1e-5)
    got, said = _warned(J, np.zeros(3))
    assert np.isnan(got).all() and len(said) == 1
    assert "a derivative of order 2 has no value" in said[0] and "derivative of sqrt is infinite" in said[0]


def test_reverse_jacobian_of_a_numeric_grad_of_hypot_at_the_origin_is_nan():
    # on main [[nan, 0], [nan, 165140]]: only hypot's first leg was guarded, the second gave a number (warned)
    f = lambda x: dnp.hypot(x[0], x[1])  # noqa: E731
    J = dl.jacobian(dl.grad(f, method="numeric"), method="reverse")
    got, said = _warned(J, np.zeros(2))
    assert np.isnan(got).all() and said and "derivative of hypot is infinite" in said[0]
    x = np.array([0.3, 0.4])
    np.testing.assert_allclose(J(x), (np.eye(2) - np.outer(x, x) / 0.25) / 0.5, atol=1e-6)
