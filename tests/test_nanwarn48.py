"""NaN derivatives say why, under vmap, reuse and nesting (issue 11; DESIGN.md §6): dl.vmap(g)(X)[i] answers, value
and DomainWarnings, as g(X[i]) does, and jacobian, hessian and jvp at an infinite value made by infinite data say it
as grad does. References: each row's own call, and the analytic derivative at the finite rows."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.special as dspecial

METHODS = ["symbolic", "numeric", "forward", "reverse"]
INF_VALUE = "the function's value is -inf (from an infinite input or constant)"


def _warned(fn, *args):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [str(w.message) for w in said if issubclass(w.category, dl.DomainWarning)]


def _masked_lse(x):
    """logsumexp over x's entries at most 1 (a mask from the data): -inf where every entry is over 1."""
    return dspecial.logsumexp(x + dnp.where(x > 1.0, -np.inf, 0.0))


X = np.array([[0.3, 0.5], [2.0, 3.0]])  # row 0 traced (finite), row 1 all masked: value -inf


@pytest.mark.parametrize("method", METHODS)
def test_vmap_of_grad_at_an_infinite_value_warns_as_the_row_alone(method):
    # on main row 1 was NaN with no word; grad alone on it says the value is -inf
    g = dl.grad(_masked_lse, method=method)
    alone, said_alone = _warned(g, X[1])
    got, said = _warned(dl.vmap(g), X)
    assert len(said) == 1 and said == said_alone and INF_VALUE in said[0]
    assert np.isnan(alone).all() and np.isnan(got[1]).all()
    softmax = np.exp(X[0]) / np.exp(X[0]).sum()
    np.testing.assert_allclose(got[0], softmax, rtol=1e-7 if method == "numeric" else 1e-14)


@pytest.mark.parametrize("method", ["forward", "reverse", "symbolic"])
def test_jacobian_hessian_jvp_at_an_infinite_value_are_nan_said_alone_and_under_vmap(method):
    # on main: jacobian/hessian/jvp alone NaN unsaid; vmap(jacobian) and vmap(hessian) by forward/reverse gave 1s and
    # 0s (a linear graph's constant Jacobian skipped the traced poisoning), vmap(jvp) NaN unsaid
    f = lambda x: dnp.sum(x + -np.inf)  # noqa: E731  (-inf at every x: no derivative anywhere)
    x2 = np.array([[1.0, 2.0], [3.0, 4.0]])
    ops = {
        "jacobian": dl.jacobian(lambda x: dnp.stack([f(x), x[0] * x[1]]), method=method),
        "hessian": dl.hessian(f, method=method),
        "jvp": lambda x: dl.jvp(f, (x,), (np.ones(2),), method=method)[1],
    }
    for name, op in ops.items():
        alone, said_alone = _warned(op, x2[1])
        got, said = _warned(dl.vmap(op), x2)
        assert said_alone and INF_VALUE in said_alone[0], name
        assert said == said_alone, name
        np.testing.assert_array_equal(got[1], alone)
        if name == "jacobian":  # the finite output's row: d(x0·x1) = (x1, x0)
            assert np.isnan(got[:, 0]).all() and np.isnan(alone[0]).all()
            np.testing.assert_allclose(got[:, 1], [[2.0, 1.0], [4.0, 3.0]], rtol=1e-14)
        else:
            assert np.isnan(got).all()


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_vmap_of_jvp_at_a_row_outside_log_domain_is_nan_as_alone(method):
    # on main vmap(jvp) at x0 = -1 gave J v = 1/x0 + 1/x1 = -0.5, a number, where jvp alone gives NaN (log(-1))
    f = lambda x: dnp.sum(dnp.log(x))  # noqa: E731
    op = lambda x: dl.jvp(f, (x,), (np.ones(2),), method=method)[1]  # noqa: E731
    Xl = np.array([[1.0, 2.0], [-1.0, 2.0]])
    alone, said_alone = _warned(op, Xl[1])
    got, said = _warned(dl.vmap(op), Xl)
    assert np.isnan(alone) and np.isnan(got[1]) and said == said_alone and "log" in said[0]
    assert got[0] == pytest.approx(1.5, rel=1e-14)


def test_numeric_hessian_at_a_later_cone_apex_is_nan_not_one_over_step():
    # on main vmap(hessian(norm, "numeric")) over [[1, 2, 3], 0] gave 8192, 4096, 2730.7 (the stencil's 1/step) on the
    # zero row, silently (alone: NaN with a DomainWarning); a reverse gradient of its [0, 0] traced at [1, 2, 3] and
    # called at 0 gave 0 silently (fresh: NaN)
    norm = lambda x: dnp.linalg.norm(x)  # noqa: E731
    x0, x1 = np.array([1.0, 2.0, 3.0]), np.zeros(3)
    H = dl.hessian(norm, method="numeric")
    alone, said_alone = _warned(H, x1)
    got, said = _warned(dl.vmap(H), np.stack([x0, x1]))
    assert np.isnan(alone).all() and np.isnan(got[1]).all()
    assert said == said_alone and "derivative of sqrt is infinite" in said[0]
    r = np.linalg.norm(x0)
    np.testing.assert_allclose(got[0], (np.eye(3) - np.outer(x0, x0) / r**2) / r, atol=1e-6)  # (I - x̂x̂ᵀ)/|x|
    g = dl.grad(lambda x: dl.hessian(norm, method="numeric")(x)[0, 0], method="reverse")
    g(x0)
    reused, said = _warned(g, x1)
    assert np.isnan(reused).all() and said


def test_vmap_of_symbolic_hessian_at_sqrt_zero_is_the_rows_nan():
    # on main vmap gave H[0, 0] = -inf where the row alone gives NaN (both warned)
    H = dl.hessian(lambda x: dnp.sum(dnp.sqrt(x)), method="symbolic")
    Xs = np.array([[1.0, 2.0], [0.0, 2.0]])
    alone, _ = _warned(H, Xs[1])
    got, said = _warned(dl.vmap(H), Xs)
    assert said and np.isnan(alone[0, 0]) and np.isnan(got[1, 0, 0])
    np.testing.assert_array_equal(got[1], alone)
    np.testing.assert_allclose(got[0], np.diag(-0.25 * Xs[0] ** -1.5), rtol=1e-14)


def test_vmap_of_a_finite_derivative_calls_f_no_more_often_for_more_rows():
    # the common case does no per-row work: f is traced once whatever the batch size; a NaN row reruns that row only
    calls = []

    def f(x):
        calls.append(1)
        return dnp.sum(dnp.sin(x) * x) + dnp.sum(dnp.log(x - 0.45))

    def count(X):
        calls.clear()
        out, said = _warned(dl.vmap(dl.grad(f, method="reverse")), X)  # (fresh: no cached trace)
        return len(calls), out, said

    finite = [count(np.linspace(0.5, 1.0, 2 * n).reshape(n, 2)) for n in (2, 40)]
    assert finite[0][0] == finite[1][0] and not finite[0][2] and np.isfinite(finite[1][1]).all()
    n, out, said = count(np.array([[0.5, 0.6], [0.3, 0.4], [0.7, 0.6]]))
    assert said and np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
    assert n == finite[0][0] + 1  # (the NaN row alone: one call more, not one per row)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_vmap_of_a_pullback_at_log_minus_one_or_an_infinite_value_is_nan_said_as_alone(method):
    # on main vmap of vjp's pullback gave (-1, 0.5) at log(-1)'s row and (0.5, 0.5) at the all-masked one (alone:
    # NaN), and the pullback alone at the masked row was NaN unsaid
    cases = [(lambda x: dnp.sum(dnp.log(x)), np.array([[1.0, 2.0], [-1.0, 2.0]]), "log"), (_masked_lse, X, INF_VALUE)]
    for f, Xs, why in cases:
        op = lambda x: dl.vjp(f, x, method=method)[1](1.0)[0]  # noqa: E731, B023
        alone, said_alone = _warned(op, Xs[1])
        got, said = _warned(dl.vmap(op), Xs)
        assert np.isnan(alone).all() and np.isnan(got[1]).all() and said == said_alone and why in said[0]
        assert np.isfinite(got[0]).all() and np.isfinite(op(Xs[0])).all()
    np.testing.assert_allclose(got[0], np.exp(X[0]) / np.exp(X[0]).sum(), rtol=1e-14)
