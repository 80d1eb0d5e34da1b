"""The numeric method at a domain's edge (issue 11): where f is finite at x but a stencil point is outside an op's
domain (sqrt at 0, arcsin at 1), its DomainWarning names the numeric method, that point and what to do, and the
answer stays NaN (no one-sided stencil is switched to: at an edge f is rarely smooth up to x)."""

import warnings

import numpy as np
import pytest

import difflab as dl
from difflab.errors import NumericAccuracyWarning


def _said(f, x, method="numeric"):
    """(the numeric gradient, the DomainWarnings' messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = dl.grad(f, method=method)(x)
    return g, [str(w.message) for w in caught if issubclass(w.category, dl.DomainWarning)]


@pytest.mark.parametrize(
    "f, x, point",
    [
        (np.sqrt, 0.0, "x - 6.06e-06 = -6.0554544523"),
        (lambda x: x * np.sqrt(x), 0.0, "x - 6.06e-06"),
        (np.arcsin, 1.0, "x + 6.06e-06 = 1.00000605545"),
    ],
)
def test_a_stencil_point_outside_the_domain_is_named(f, x, point):
    g, said = _said(f, x)
    assert np.isnan(g) and len(said) == 1
    assert "the numeric method's central stencil point " + point in said[0]
    assert "though f is finite at x: NaN" in said[0] and "scheme='forward'" in said[0]
    assert "outside the domain of" in said[0]  # (the op named, as every DomainWarning does)


def test_the_component_is_named_in_a_gradient():
    g, said = _said(lambda v: np.sqrt(v[0]) + 3.0 * v[1], np.array([0.0, 2.0]))
    assert np.isnan(g[0]) and g[1] == pytest.approx(3.0, rel=1e-9)
    assert "stencil point x[0] (flat) - 6.06e-06" in said[0]


def test_a_one_sided_scheme_names_its_own_point():
    g, said = _said(np.arcsin, 1.0, dl.Numeric(scheme="forward"))
    assert np.isnan(g) and "forward stencil point x + 1.49e-08 = 1.0000000149" in said[0]


def test_x_outside_the_domain_keeps_its_own_message():
    g, said = _said(np.log, -1.0)  # f(x) itself is NaN: nothing about a stencil point
    assert np.isnan(g) and len(said) == 1 and "stencil point" not in said[0]


def test_points_inside_the_domain_say_nothing():
    g, said = _said(np.sqrt, 1e-3)  # the step shrinks inside sqrt's length scale (scales.py)
    assert g == pytest.approx(0.5 / np.sqrt(1e-3), rel=1e-8) and not said


def _one_sided(f, x, scheme, order=None):
    """(the numeric gradient by a one-sided scheme, the NumericAccuracyWarnings' messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = dl.grad(f, method=dl.Numeric(scheme=scheme, order=order))(x)
    return g, [str(w.message) for w in caught if issubclass(w.category, NumericAccuracyWarning)]


@pytest.mark.parametrize(
    "f, x, scheme, order, got, op",
    [
        (np.arcsin, 1.0, "backward", None, 11585.2375, "arcsin"),  # (inf)
        (lambda x: np.sqrt(1.0 - x**2), 1.0, "backward", None, -11585.2375, "sqrt"),  # (-inf)
        (lambda x: x * np.sqrt(x), 0.0, "forward", 2, 1.4415e-3, "sqrt"),  # (0)
        (lambda x: np.sqrt(x) ** 3 + 2.0 * x, 0.0, "forward", None, 2.000122, "sqrt"),  # (2)
    ],
)
def test_a_one_sided_stencil_at_a_singular_point_is_said(f, x, scheme, order, got, op):
    # each silently wrong on main: the points stay in the domain, and no judge of f's length scale runs
    g, said = _one_sided(f, x, scheme, order)
    assert g == pytest.approx(got, rel=1e-4)
    assert any(f"its {scheme} stencil starts where {op}'s length scale is 0" in s for s in said)


def test_a_one_sided_stencil_off_singular_points_says_nothing():
    g, said = _one_sided(lambda x: np.sqrt(x) + np.arcsin(x / 3.0), 2.0, "forward")
    assert g == pytest.approx(0.5 / np.sqrt(2.0) + 1.0 / np.sqrt(9.0 - 4.0), rel=1e-7) and not said


def test_a_one_sided_stencil_whose_op_f_does_not_read_says_nothing():
    g, said = _one_sided(lambda x: np.where(x > 0, np.sqrt(x), 0.0), 0.0, "forward")  # (sqrt's argument moved)
    assert g == 0.0 and not said
