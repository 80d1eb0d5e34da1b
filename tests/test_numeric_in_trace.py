"""A first-order numeric derivative inside another method's trace (issue 15, README's last "Not yet").

Numeric on traced values treated an infinite partial at x (sqrt at 0: std of a scalar, or of a constant vector)
as a derivative of order 2 and gave NaN for its value too: `dl.jvp(lambda x: dl.jvp(np.std, (x,), (0.7,),
method="numeric")[1], (3.5,), (1.3,))` was (NaN, NaN) where the numeric jvp alone is 0. Now its value is what
numeric gives alone, and the enclosing derivative of it is what the exact methods give: 0 where the singular
equation's argument does not move (std of a scalar is constant), NaN where it does (std at a constant vector,
a cone's apex, across the ones direction: the stencil's differences there would give 1/step), with the
DomainWarning naming the user's sqrt (differentiators/pieces.py, `first_order_only`)."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp


def _said(fn):
    """(fn(), the equations its DomainWarnings name)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    return value, [str(w.message).split(":")[0] for w in caught if issubclass(w.category, dl.DomainWarning)]


def inner_jvp(x):
    return dl.jvp(np.std, (x,), (0.7,), method="numeric")[1]


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_the_value_is_numerics_own_and_its_derivative_the_exact_methods(outer):
    alone, said_alone = _said(lambda: inner_jvp(3.5))
    assert alone == 0.0 and not said_alone
    got, said = _said(lambda: dl.jvp(inner_jvp, (3.5,), (1.3,), method=outer))  # was (NaN, NaN)
    exact, _ = _said(
        lambda: dl.jvp(lambda x: dl.jvp(np.std, (x,), (0.7,), method=outer)[1], (3.5,), (1.3,), method=outer)
    )
    assert got == exact == (0.0, 0.0) and not said, (got, said)


def test_a_direction_that_does_not_move_x_keeps_a_zero_derivative():
    """The enclosing derivative is NaN along directions that move x only (strong_mul's NaN partial meets a 0
    tangent as 0): d/dy of y·(numeric's gradient of std at x), x held, is that gradient."""
    f = lambda y, x: y * dnp.sum(dl.grad(dnp.std, method="numeric")(x) * np.arange(1.0, 4.0))  # noqa: E731
    x = np.ones(3)
    g, said = _said(lambda: dl.grad(f, argnums=0, method="reverse")(2.0, x))
    assert g == np.sum(dl.grad(dnp.std, method="numeric")(x) * np.arange(1.0, 4.0)) and not said, (g, said)


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_a_gradient_at_the_apex_traced_keeps_its_value(outer):
    """std at a constant vector: numeric's gradient there (0 by symmetry of its central differences) is the
    same computed as value_and_grad's value and as jvp's primal; its JVP across the ones direction
    is NaN with one DomainWarning naming the user's sqrt (the Hessians by an exact method over numeric:
    tests/test_wrong_numbers.py), and forward's along the ones direction 0, as for the exact methods."""
    x, across = np.ones(3), np.array([1.0, -1.0, 0.0])
    g = lambda: dl.grad(dnp.std, method="numeric")  # noqa: E731  (a fresh function: no transform reused)
    alone = g()(x)
    for call in (
        lambda: dl.value_and_grad(lambda y: dnp.sum(g()(y)), method=outer)(x)[0],
        lambda: dl.jvp(g(), (x,), (across,), method=outer)[0],
    ):
        got, _ = _said(call)
        np.testing.assert_array_equal(got, np.sum(alone) if np.ndim(got) == 0 else alone)
    tangent, said = _said(lambda: dl.jvp(g(), (x,), (across,), method=outer)[1])
    assert np.isnan(tangent).all() and said == ["v6 = sqrt(v5)"], (tangent, said)
    if outer == "forward":
        np.testing.assert_array_equal(_said(lambda: dl.jvp(g(), (x,), (np.ones(3),), method=outer)[1])[0], 0.0)


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_a_transform_reused_at_other_values_is_traced_again(outer):
    """What numeric records on traced values is decided on those values (steps, NaN, the term above): the
    enclosing trace is specialised to them. Reused at [1, 2, 3.5] after the apex, it gave NaN (now the same as
    a fresh transform, and forward's exact JVP of the gradient)."""
    g, u, y = dl.grad(dnp.std, method="numeric"), np.array([1.0, -1.0, 0.0]), np.array([1.0, 2.0, 3.5])
    _said(lambda: dl.jvp(g, (np.ones(3),), (u,), method=outer))
    got, _ = _said(lambda: dl.jvp(g, (y,), (u,), method=outer))
    want = dl.jvp(dl.grad(dnp.std, method="forward"), (y,), (u,), method="forward")
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


@pytest.mark.parametrize("outer", ["forward", "reverse"])
def test_a_transform_traced_at_a_regular_point_and_reused_at_the_apex_answers_as_a_fresh_one(outer):
    """The other way round: traced at [1, 2, 3.5] (nothing singular, so nothing specialised) and reused at the apex,
    the recorded stencil gave its 1/step (1.2e5) across the ones direction. Now the graph decides at each
    evaluation what a fresh trace decides at x (pieces.py, `_singular_guard`): NaN with the DomainWarning naming
    the user's sqrt, its values numeric's own, and 0 along the ones direction and at regular points."""
    g, across = dl.grad(dnp.std, method="numeric"), np.array([1.0, -1.0, 0.0])
    y = np.array([1.0, 2.0, 3.5])
    regular, said = _said(lambda: dl.jvp(g, (y,), (across,), method=outer))
    want = dl.jvp(dl.grad(dnp.std, method="forward"), (y,), (across,), method="forward")
    np.testing.assert_allclose(regular[1], want[1], rtol=1e-6)
    assert not said
    reused, said = _said(lambda: dl.jvp(g, (np.ones(3),), (across,), method=outer))  # was 1.2e5 (1/step)
    fresh, said_fresh = _said(
        lambda: dl.jvp(dl.grad(dnp.std, method="numeric"), (np.ones(3),), (across,), method=outer)
    )
    np.testing.assert_array_equal(reused[0], fresh[0])
    assert np.isnan(reused[1]).all() and np.isnan(fresh[1]).all(), (reused, fresh)
    assert said == said_fresh == ["v6 = sqrt(v5)"], (said, said_fresh)
    if outer == "forward":  # grad std is constant along the ones: 0, as fresh and as the exact methods
        along, said = _said(lambda: dl.jvp(g, (np.ones(3),), (np.ones(3),), method=outer))
        np.testing.assert_array_equal(along[1], 0.0)
        assert not said
    again, _ = _said(lambda: dl.jvp(g, (y,), (across,), method=outer))  # and back at the regular point
    np.testing.assert_array_equal(again[1], regular[1])
