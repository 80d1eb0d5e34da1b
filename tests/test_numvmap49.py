"""vmap of a numeric derivative decides its length scales per row (issue 11, numvmap49).

vmap traces f at the batch's first row; a numeric derivative recorded there took its stencil's length-scale decisions
(scales.within_reach: whether a watched op's argument moved too far for its scale, and the steps shrunk so) on that
row's numbers, and every other row reused them, silently: a row of 1e20 in Σ sin gave -4.7e-16 where the row alone
gives NaN with a DomainWarning. Now a term recorded with the stencil (`pieces.rows_guard`) checks them per row, and a
row where they do not hold is answered alone, values and warnings as the row alone gives them.
"""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp


def _said(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    return value, sorted({str(w.message) for w in caught})


# (f, a batch whose second row leaves the first row's decisions, that row's derivative where it has one)
_CASES = {
    "sin at 1e20": (lambda x: np.sum(np.sin(x)), [[1.0, 2.0], [1e20, 1.0]], lambda x: np.cos(x)),  # main: -4.7e-16
    "tan at pi/2": (
        lambda x: np.sum(np.tan(x)),
        [[1.0, 2.0], [np.pi / 2, 1.0]],
        lambda x: 1 / np.cos(x) ** 2,
    ),  # -1.1e10
    "1/x at 1e-300": (lambda x: np.sum(1 / x), [[1.0, 2.0], [1e-300, 1.0]], lambda x: -1 / x**2),  # main: 0
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_a_row_beyond_the_first_rows_length_scales_is_answered_as_alone(case):
    f, X, exact = _CASES[case]
    X = np.array(X)
    grad = dl.grad(f, method="numeric")
    alone, said_alone = _said(lambda: grad(X[1]))
    got, said = _said(lambda: dl.vmap(grad)(X))
    assert not np.isfinite(alone[0]) and said_alone  # (NaN or -inf, said: the row alone)
    np.testing.assert_array_equal(got[1], alone)  # main: a finite number, silently
    assert said == said_alone, said
    np.testing.assert_allclose(got[0], exact(X[0]), rtol=1e-8)


def test_rows_after_a_first_row_whose_steps_were_shrunk_take_their_own():
    # the first row by tan's pole: its steps shrunk to 1e-12 there, and main's other rows stepped by them
    # (d/dx0 tan at 1: 3.42552528, 1.9e-6 off; alone 3.42551882, right to 1e-9)
    grad = dl.grad(lambda x: np.sum(np.tan(x)), method="numeric")
    X = np.array([[np.pi / 2 - 1e-6, 1.0], [1.0, 2.0], [0.3, -1.2]])
    got, said = _said(lambda: dl.vmap(grad)(X))
    assert said == []
    for row, x in zip(got, X):
        np.testing.assert_array_equal(row, grad(x))
    np.testing.assert_allclose(got[1:], 1 / np.cos(X[1:]) ** 2, rtol=1e-8)


def test_ordinary_rows_cost_no_more_calls_of_f_for_more_rows():
    # the check is recorded in the batched graph: f is traced as often for 2 rows as for 40; a row beyond the first
    # row's scales costs what that row alone costs
    calls = []

    def f(x):
        calls.append(1)
        return dnp.sum(dnp.sin(3.0 * x) / x) + dnp.sum(dnp.log(x))

    grad = lambda x: dl.grad(f, method="numeric")(x)  # noqa: E731  (fresh each call: no cached trace)

    def count(fn):
        calls.clear()
        out, said = _said(fn)
        return len(calls), out, said

    X = [np.linspace(0.5, 4.0, 2 * n).reshape(n, 2) for n in (2, 40)]
    ordinary = [count(lambda: dl.vmap(grad)(x)) for x in X]
    assert ordinary[0][0] == ordinary[1][0] and not ordinary[0][2] and not ordinary[1][2]
    exact = lambda x: 3 * np.cos(3 * x) / x - np.sin(3 * x) / x**2 + 1 / x  # noqa: E731
    np.testing.assert_allclose(ordinary[1][1], exact(X[1]), rtol=1e-7)
    bad = np.array([[0.5, 0.6], [1e12, 0.7], [2.0, 3.0]])  # (sin(3x) at 3e12: its step shrunk; main: 1e-12, silent)
    alone = count(lambda: grad(bad[1]))
    n, out, said = count(lambda: dl.vmap(grad)(bad))
    assert n == ordinary[0][0] + alone[0]  # (the row alone: its calls, no more)
    np.testing.assert_array_equal(out[1], alone[1])
    assert said == alone[2]
    np.testing.assert_allclose(out[[0, 2]], exact(bad[[0, 2]]), rtol=1e-7)


_SIN = lambda x: np.sum(np.sin(x))  # noqa: E731
_OVER = {
    "hessian": lambda: dl.hessian(_SIN, method="numeric"),
    "forward over numeric": lambda: dl.jacobian(dl.grad(_SIN, method="numeric"), method="forward"),
    "jvp of a numeric gradient": lambda: lambda x: dl.jvp(dl.grad(_SIN, method="numeric"), (x,), (np.ones(2),))[1],
}


@pytest.mark.parametrize("kind", sorted(_OVER))
def test_derivatives_of_order_two_with_a_numeric_level_are_checked_per_row_too(kind):
    # main: the 1e20 row's first entries 0, -4e-16 or 9e-30, silently, for the row alone's NaN and DomainWarning
    X = np.array([[1.0, 2.0], [1e20, 1.0]])
    alone, said_alone = _said(lambda: _OVER[kind]()(X[1]))  # (fresh operators: no trace reused at another point)
    got, said = _said(lambda: dl.vmap(_OVER[kind]())(X))
    assert np.isnan(alone).any() and said_alone
    np.testing.assert_array_equal(got[1], alone)
    assert said == said_alone


def test_a_first_row_where_a_second_derivative_has_no_value_is_batched():
    # main refused: "vmap cannot batch a function whose control flow depends on its argument values" (the numeric
    # Hessian's NaN at arcsin's edge, decided on the first row, specialised the trace); now each row as alone
    f = lambda x: np.sum(np.arcsin(x))  # noqa: E731
    X = np.array([[1.0, 0.2], [0.5, 0.1], [0.3, -0.4]])
    got, said = _said(lambda: dl.vmap(dl.hessian(f, method="numeric"))(X))
    assert np.isnan(got[0]).all() and len(said) == 1 and "the derivative of arcsin is infinite here" in said[0], said
    for row, x in zip(got[1:], X[1:]):
        np.testing.assert_array_equal(row, dl.hessian(f, method="numeric")(x))
        np.testing.assert_allclose(row, np.diag(x / (1 - x**2) ** 1.5), rtol=1e-6, atol=1e-7)
    # and an output that depends on no batched value there (the first row's NaN) is not taken for every row's
    v = np.array([1.0, 0.5])
    hvp = lambda x: dl.hvp(f, (x,), (v,), method="numeric")  # noqa: E731
    got, _ = _said(lambda: dl.vmap(hvp)(X))
    for k, x in enumerate(X):
        for g, a in zip(got, _said(lambda: hvp(x))[0]):
            np.testing.assert_array_equal(g[k], a)


def test_a_numeric_derivative_of_a_function_closing_over_the_batch_is_checked_per_row():
    # x is not batched, a is (closed over): main's row of a = 1e20 gave 1.05e5, silently, for the row alone's NaN
    op = lambda a: dl.grad(lambda y: np.sum(np.sin(a * y)), method="numeric")(np.ones(2))  # noqa: E731
    A = np.array([[1.0, 2.0], [1e20, 1.0]])
    alone, said_alone = _said(lambda: op(A[1]))
    got, said = _said(lambda: dl.vmap(op)(A))
    assert np.isnan(alone[0]) and said_alone
    np.testing.assert_array_equal(got[1], alone)
    assert said == said_alone
    np.testing.assert_allclose(got[0], A[0] * np.cos(A[0]), rtol=1e-8)
