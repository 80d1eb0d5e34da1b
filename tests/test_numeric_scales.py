"""The numeric method near poles, cusps, domain edges and periods (README, "Not yet" of the last round).

Its default step is relative, eps^(1/3)·max(1, |x|): at b = 1e-155 it spans the pole of 1e-300/b (0 for
-1e10), at x = 1e8 it spans 95 periods of sin (-4e-4 for cos(1e8) = -0.36). Each op's registry entry gives its
length scale (`Op.scale`); the numeric method shrinks the step of a direction whose stencil moved an
argument too far for it (differentiators/scales.py). Every derivative here is compared with forward mode's,
first and second order, by every way of composing numeric."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import scales
from difflab.errors import NumericAccuracyWarning
from difflab.ops import REGISTRY, defop, unregister

#: name -> (f, x): each was wrong (or NaN) by numeric before, at a point nearer its singularity than its step
EDGES = {
    "1e-300 / b at 1e-155": (lambda b: 1e-300 / b, 1e-155),
    "1 / b at 1e-4": (lambda b: 1.0 / b, 1e-4),
    "cbrt at 1e-8": (dnp.cbrt, 1e-8),
    "sin at 1e8": (dnp.sin, 1e8),
    "cos(3x) at 1e7": (lambda x: dnp.cos(3.0 * x), 1e7),
    "log at 1e-8": (dnp.log, 1e-8),
    "log(x - 1e6) at 1e6 + 1": (lambda x: dnp.log(x - 1e6), 1e6 + 1),
    "sqrt at 1e-12": (dnp.sqrt, 1e-12),
    "tan at π/2 - 1e-7": (dnp.tan, np.pi / 2 - 1e-7),
    "arctanh at 1 - 1e-9": (dnp.arctanh, 1 - 1e-9),
    "arccos at 1 - 1e-9": (dnp.arccos, 1 - 1e-9),
    "arccosh at 1 + 1e-9": (dnp.arccosh, 1 + 1e-9),
    "log1p at -1 + 1e-9": (dnp.log1p, -1 + 1e-9),
    "x ** -1.5 at 1e-7": (lambda x: x**-1.5, 1e-7),
    "reciprocal at -1e-10": (dnp.reciprocal, -1e-10),
    "hypot(x, 1e-9) at 1e-9": (lambda x: dnp.hypot(x, 1e-9), 1e-9),
    # sinc's own πx was rounded (NumPy's sinc): 1.3e-5 relative; now sin(π·(x mod 2)), exact at large x
    "sinc at 1e6 + 0.25": (dnp.sinc, 1e6 + 0.25),
}


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error", dl.DomainWarning)  # none of these points is outside a domain
        return fn(*args)


@pytest.mark.parametrize("case", sorted(EDGES))
def test_first_derivative_near_a_singularity_or_at_a_large_phase(case):
    f, x = EDGES[case]
    want = dl.grad(f, method="forward")(x)
    prepared = dl.prepare(f, x, method="numeric")
    got = _quiet(prepared.grad, x)
    np.testing.assert_allclose(got, want, rtol=1e-8)
    assert prepared.prepared.evals <= 1 + 2 + 2 * scales.ROUNDS  # f(x), one stencil, its re-evaluations


SECOND_ORDER = {
    "hessian": lambda f: dl.hessian(f, method="numeric"),
    "grad(grad)": lambda f: dl.grad(dl.grad(f, method="numeric"), method="numeric"),
    "jvp(grad)": lambda f: lambda x: dl.jvp(dl.grad(f, method="numeric"), (x,), (1.0,), method="numeric")[1],
    "hessian (reverse, numeric)": lambda f: dl.hessian(f, method=("reverse", "numeric")),
}


@pytest.mark.parametrize("how", sorted(SECOND_ORDER))
@pytest.mark.parametrize("case", sorted(EDGES))
def test_second_derivative_near_a_singularity_or_at_a_large_phase(case, how):
    f, x = EDGES[case]
    want = dl.hessian(f, method="forward")(x)
    # cos(3x) at 1e7: 3x is rounded at the stencil's points (by up to 3.7e-9 radians), so no step does better than
    # ~1e-5 by differences of differences (scales._with_rounding); its Hessian was 3e-5, now 4e-6
    rtol = 3e-5 if case.startswith("cos(3x)") and how in ("grad(grad)", "jvp(grad)") else 1e-5
    np.testing.assert_allclose(_quiet(SECOND_ORDER[how](f), x), want, rtol=rtol)


#: name -> (f, x): an op's argument computed by the user's equation and rounded there at a large x, so that its
#: moves at the stencil's points are off by up to half its spacing of floats: (old, new) relative errors of the
#: gradient and Hessian, bench/numeric_scales.py
ROUNDED = {
    "cos(3x) at 3.3e6 + 0.1": (
        lambda x: dnp.cos(3.0 * x),
        3.3e6 + 0.1,
    ),  # grad 7.7e-5 -> 2.1e-7, Hessian 7.6e-6 -> 2.5e-6
    "sin(πx) at 5.6e6 + 0.62": (lambda x: dnp.sin(np.pi * x), 5.6e6 + 0.62),  # 1.7e-4 -> 3.1e-7, 9.9e-2 -> 3.2e-5
    "2x + 1 (exact: unchanged)": (lambda x: dnp.exp(dnp.sin(2.0 * x + 1.0)), 5.6e6 + 0.62),  # 4.1e-11, 2.5e-9
}


@pytest.mark.parametrize("case", sorted(ROUNDED))
def test_a_rounded_argument_takes_the_step_its_rounding_leaves(case):
    """The stencil's step balances truncation against the argument's rounding (measured at x and at the points,
    in extended precision): the argument moves by (rounding/scale)^(1/3) of its scale rather than eps^(1/3)."""
    f, x = ROUNDED[case]
    exact = case.startswith("2x")
    g, H = _quiet(dl.grad(f, method="numeric"), x), _quiet(dl.hessian(f, method="numeric"), x)
    np.testing.assert_allclose(g, dl.grad(f, method="forward")(x), rtol=1e-9 if exact else 2e-6)
    np.testing.assert_allclose(H, dl.hessian(f, method="forward")(x), rtol=1e-7 if exact else 1e-4)


def test_only_the_components_out_of_reach_are_evaluated_again():
    """sin at [0.5, 1e8, -0.3]: one stencil for the three components, then one more for the second only."""
    f, x = (lambda x: dnp.sum(dnp.sin(x))), np.array([0.5, 1e8, -0.3])
    prepared = dl.prepare(f, x, method="numeric")
    np.testing.assert_allclose(prepared.grad(x), np.cos(x), rtol=1e-9)
    assert prepared.prepared.evals == 1 + 2 * 3 + 2
    smooth = dl.prepare(f, x / 1e8, method="numeric")
    smooth.grad(x / 1e8)
    assert smooth.prepared.evals == 1 + 2 * 3  # nothing moved far: no evaluation more than before
    H = dl.hessian(f, method="numeric")(x)
    np.testing.assert_allclose(H, -np.diag(np.sin(x)), atol=1e-6)  # a cross point does not shrink the others


def test_the_common_case_is_decided_without_the_reach_table(monkeypatch):
    """Nothing moved far (Σ sin·exp, log Σ exp at |x| ≤ 1): one comparison per entry (Watch.near) decides, no
    reach table is computed; sin at 1e8 still computes it and evaluates that component again."""
    tables = []
    reach = scales.Watch.reach
    monkeypatch.setattr(scales.Watch, "reach", staticmethod(lambda *a: tables.append(1) or reach(*a)))
    x = np.array([0.3, -0.8, 0.5])
    for scheme in ("central", "richardson"):
        for f, g in [
            (lambda z: dnp.sum(dnp.sin(z) * dnp.exp(z / 3.0)), np.exp(x / 3.0) * (np.cos(x) + np.sin(x) / 3.0)),
            (lambda z: dnp.log(dnp.sum(dnp.exp(z))), np.exp(x) / np.exp(x).sum()),
        ]:
            np.testing.assert_allclose(dl.grad(f, method=dl.Numeric(scheme=scheme))(x), g, rtol=1e-8)
    assert not tables
    np.testing.assert_allclose(dl.grad(dnp.sin, method="numeric")(1e8), np.cos(1e8), rtol=1e-6)
    assert tables


def test_near_passes_only_what_the_reach_table_passes():
    """Watch.near takes the op's scale as it is; the reach table takes a scale that is 0, NaN or inf, or an
    argument that is not finite at x, as infinite (no move counts). Every pair of (a₀, scale, move) that near
    passes, the table passes too; the plain ones (finite, within the limit) near passes itself."""
    limit, inf, nan = 0.5, np.inf, np.nan
    for a0 in (0.0, -3.0, inf, nan):
        for s in (0.0, 1e-3, 1.0, inf, nan):
            for move in (0.0, 0.25, 0.999, 1.001, 4.0, inf, nan):
                step = move * limit * (s if 0 < s < inf else 1.0)
                cols = [np.array([a0 + step, a0 - step])]
                centre = [(0, np.asarray(a0), np.asarray(s), None)]
                with np.errstate(all="ignore"):
                    passes = scales.Watch.reach(centre, cols, 2)[:, :1].max() <= limit
                    near = scales.Watch.near(centre, cols, limit)
                assert passes or not near, (a0, s, move)
                if np.isfinite(a0) and 0 < s < inf and move < 1:
                    assert near, (a0, s, move)


@pytest.mark.parametrize(
    "scheme, rtol", [("richardson", 1e-10), ("complex", 1e-14), ("forward", 1e-6), ("central4", 1e-10)]
)
def test_every_default_step_stays_within_reach(scheme, rtol):
    method = dl.Numeric(scheme=scheme)
    for f, x, want in [(lambda b: 1e-300 / b, 1e-155, -1e10), (dnp.sin, 1e8, np.cos(1e8))]:
        np.testing.assert_allclose(dl.grad(f, method=method)(x), want, rtol=rtol)


def test_a_step_the_user_chose_is_kept():
    """(numtrunc68: its truncation, (h/x)² = 1 %, is said, measured at 2h: 2 evaluations more, the step kept)"""
    f = lambda b: 1.0 / b  # noqa: E731
    prepared = dl.prepare(f, 1e-4, method=dl.Numeric(step=1e-5))
    with pytest.warns(NumericAccuracyWarning, match="step=1e-05 is too large"):
        got = prepared.grad(1e-4)
    assert prepared.prepared.evals == 5
    np.testing.assert_allclose(got, (f(1e-4 + 1e-5) - f(1e-4 - 1e-5)) / 2e-5, rtol=1e-9)


def test_no_step_resolves_it_then_nan_and_a_warning_naming_the_equation():
    """sin at 1e20: floats there are 16384 apart, so every step spans thousands of periods."""
    for operator in (dl.grad, dl.hessian):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = operator(dnp.sin, method="numeric")(1e20)
        assert np.isnan(got)
        said = [str(w.message) for w in caught if issubclass(w.category, dl.DomainWarning)]
        assert said and said[0].startswith("v1 = sin(v0): the numeric method cannot resolve sin"), said


def test_an_op_with_a_scale_in_the_registry_is_watched():
    """A throwaway op x ↦ 1/(x - 2) with and without its scale |x - 2|: only the entry's fact differs."""
    for scale, ok in [((lambda x: np.abs(x - 2.0),), True), ((), False)]:
        defop("pole_at_two", lambda x: 1.0 / (x - 2.0), partials=(lambda out, x: -out * out,), scale=scale)
        try:
            from difflab.ops import REGISTRY

            op = REGISTRY["pole_at_two"]
            got = dl.grad(lambda x: op(x), method="numeric")(2.0 + 1e-7)
        finally:
            unregister("pole_at_two")
        assert np.isclose(got, -1e14, rtol=1e-6) == ok, got


def test_polynomial_powers_are_not_watched():
    """x ** 2.0 has no scale whatever x is: its arguments are not added to the graphs numeric evaluates."""
    g = dl.trace(lambda x: x**2.0 + x**-1.0, 1.0)
    watch = scales.Watch(g, g, g.inputs)
    assert [e.op.name for e, _ in watch.entries] == ["pow"] and watch.entries[0][0].args[1].value == -1.0


_A = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-7]])  # 5e-8 from singular
_S = np.array([[2.0, 1e-7], [1e-7, 2.0 + 1e-8]])  # eigenvalues 1.1e-7 apart
_W = np.array([[0.3, -0.7], [1.1, 0.5]])

#: name -> (f, x, rtol of the gradient): matrix ops near their singularities (each op's `Op.scale`: the least
#: singular value for inv and log|det|, half the least gap of the eigen- or singular values); the errors were
#: 1.0, 1.0, 0.64, 0.32 (the first step, 6e-6·2, spanned the singularity). Near a crossing the eigenvalues are
#: ~1e7 times more curved than they are large, so the round-off of a step within reach leaves 3e-4
MATRICES = {
    "inv(A)·W near singular": (lambda a: dnp.sum(dnp.linalg.inv(a) * _W), _A, 1e-6),
    "log|det A| near singular": (lambda a: dnp.linalg.slogdet(a)[1], _A, 1e-6),
    "eigvalsh near a crossing": (lambda a: dnp.sum(dnp.linalg.eigvalsh(a) * np.array([1.0, 2.0])), _S, 1e-3),
    "svdvals near a crossing": (
        lambda a: dnp.sum(dnp.linalg.svd(a, compute_uv=False) * np.array([1.0, 2.0])),
        _S,
        1e-3,
    ),
}


@pytest.mark.parametrize("case", sorted(MATRICES))
def test_matrix_ops_near_their_singularities(case):
    f, a, rtol = MATRICES[case]
    want = dl.grad(f, method="forward")(a)
    np.testing.assert_allclose(_quiet(dl.grad(f, method="numeric"), a), want, rtol=rtol, atol=rtol * np.abs(want).max())


def test_matrix_ops_declare_their_scale():
    """One declarative entry per op (no op named in the numeric method): the matrix ops with a pole, a domain
    edge or crossing values have a scale; the multilinear ones and det (a polynomial) have none."""
    from difflab.ops import REGISTRY

    scaled = {"inv", "logabsdet", "eigh_values", "eigh_vectors", "svd_u", "svd_s", "svd_vt", "cholesky", "pinv"}
    scaled |= {"eig_values", "eig_vectors"}
    assert {name for name in scaled if REGISTRY[name].scale} == scaled
    assert not any(REGISTRY[name].scale for name in ("matmul", "einsum", "det", "sum", "max"))


def test_a_norms_hessian_near_zero():
    """sqrt(Σx²) at |x| = 3.7e-8: its argument moves as h² where the first step spans x, so the linear guess
    shrank the step 1e7 times too far, to round-off (5 %); the step is grown back to the reach goal^k (k from the
    last two steps: scales._exponent)."""
    x = np.array([1e-8, -2e-8, 3e-8])
    want = dl.hessian(dnp.linalg.norm, method="forward")(x)
    np.testing.assert_allclose(
        _quiet(dl.hessian(dnp.linalg.norm, method="numeric"), x), want, rtol=1e-6, atol=1e-6 * np.abs(want).max()
    )


_EDGE = np.array([[1.0, 1.0 - 1e-9], [1.0 - 1e-9, 1.0]])  # least eigenvalue 1e-9: positive definite, barely


def test_a_stencil_out_of_cholesky_s_cone_is_shrunk_back_not_a_lin_alg_error():
    """NumPy's cholesky refuses a matrix outside the positive definite cone (LinAlgError): numeric's first step
    (6e-6) steps out of it here, and its batched run raised. Now a refused point is NaN (graph.py, `_refused`,
    for every op whose NumPy function raises so), its direction is shrunk back inside by cholesky's scale (its
    least eigenvalue), and no warning is said for the discarded points."""
    f = lambda a: dnp.sum(dnp.linalg.cholesky(a))  # noqa: E731
    want = dl.grad(f, method="forward")(_EDGE)
    got = _quiet(dl.grad(f, method="numeric"), _EDGE)  # was numpy.linalg.LinAlgError
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


@pytest.mark.parametrize(
    "f, a",
    [
        (lambda a: dnp.sum(dnp.linalg.cholesky(a)), np.array([[1.0, 2.0], [2.0, 1.0]])),  # not positive definite
        (lambda a: dnp.sum(dnp.linalg.inv(a)), np.array([[1.0, 2.0], [2.0, 4.0]])),  # singular
    ],
    ids=["cholesky", "inv"],
)
def test_a_matrix_numpy_refuses_is_nan_with_the_domain_warning(f, a):
    """Outside the domain itself: NaN with one DomainWarning naming the equation, for numeric (its value and its
    batched stencil) as for the exact methods (the trace's value too: trace.py), never a bare LinAlgError or the
    trace's "cannot apply" (DESIGN.md §6)."""
    for method in ("numeric", "forward", "reverse", "symbolic"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g = dl.grad(f, method=method)(a)
        said = [str(w.message).split(":")[0] for w in caught if issubclass(w.category, dl.DomainWarning)]
        assert np.isnan(g).all() and len(said) == 1 and said[0].startswith("v1 = "), (method, g, said)


@pytest.mark.parametrize("a", [np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((2, 2))], ids=["rank-1", "zero"])
def test_pinv_of_a_rank_deficient_matrix_is_not_differenced_across_its_jump(a):
    """A step of any size lifts A's zero singular value over pinv's cutoff, and A⁺ jumps by about 1/step: central
    differences gave 6.8e9 (rank 1) and 2.7e10 (A = 0) silently where the exact methods give the constant-rank
    derivative (-0.0336, 0). pinv's length scale counts the distance to a rise of the rank too: NaN, said."""
    f = lambda a: np.sum(np.linalg.pinv(a) * np.array([[1.0, 2.0], [3.0, 4.0]]))  # noqa: E731
    exact = dl.grad(f, method="reverse")(a)
    np.testing.assert_allclose(exact, dl.grad(f, method="forward")(a), atol=1e-12)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = dl.grad(f, method="numeric")(a)
    said = [str(w.message) for w in caught if issubclass(w.category, dl.DomainWarning)]
    assert np.isnan(got).all() and said and said[0].startswith("v1 = pinv(v0"), (got, said)
    full_rank = np.array([[1.0, 2.0], [0.5, 4.0]])  # (its derivative is still differenced, to 1e-7)
    np.testing.assert_allclose(dl.grad(f, method="numeric")(full_rank), dl.grad(f)(full_rank), rtol=1e-7)


def test_near_a_crossing_numeric_reports_its_error_and_warns_where_it_exceeds_the_derivative():
    """eigvalsh 1.1e-7 from a crossing: the step within reach of the gap leaves round-off eps·|λ|/h. A derivative
    there is ill-conditioned for finite differences, so numeric says so: its error estimate bounds the actual
    error (the gradient's 2e-3 by 5e-3, the nested Hessian's 6e6 by 7e7), and where the estimate exceeds the
    derivative's largest entry (the Hessian: its round-off alone for the native stencil) a NumericAccuracyWarning
    names eigh's equation; the gradient (estimate 5e-3 of entries ~1.5) is not said so, but its round-off bound,
    4.4e-3 of d/dx2, is above the share the method answers to: said as without the estimate (numwarn67: the estimate
    sits in `preparations()`, dl.grad returns the gradient alone)."""
    from difflab.differentiators.numeric import Numeric
    from difflab.errors import NumericAccuracyWarning

    f, n = MATRICES["eigvalsh near a crossing"][0], Numeric(error_estimate=True)
    with pytest.warns(NumericAccuracyWarning) as said:
        g = dl.grad(f, method=n)
        got = g(_S)
    assert [str(w.message).split(" is ")[0] for w in said] == [
        "the numeric method cannot resolve this derivative: d f[0]/d x[2] (flat)"
    ]
    assert "cannot resolve this derivative: its error estimate" not in str(said[0].message)
    np.testing.assert_array_less(
        np.abs(got - dl.grad(f, method="forward")(_S)).ravel(), g.preparations()[0].error[:, 0]
    )
    want = dl.hessian(f, method="forward")(_S).reshape(4, 4)
    J = dl.jacobian(dl.grad(f, method=n), method=n)
    with pytest.warns(NumericAccuracyWarning, match=r"v1 = eigh_values\(v0\): the numeric method cannot resolve"):
        H = J(_S).reshape(4, 4)
    assert (J.preparations()[0].error.T >= np.abs(H - want)).all() and np.abs(H - want).max() > 1e6
    with pytest.warns(NumericAccuracyWarning, match=r"v1 = eigh_values\(v0\)"):
        dl.hessian(f, method="numeric")(_S)


def test_bessel_functions_declare_their_oscillation():
    """J's and Y's oscillate with a period of 2π in x (and Y has a log singularity at 0): a radian is their
    length scale, as sin's, so a step that moves the argument by more is shrunk. Y₀ of an argument ~821 that
    moves 1.9e5 per unit of x (a random graph drew it) was off by 6.6e-5 relative, silently."""
    special = pytest.importorskip("scipy.special")

    def f(x):
        return special.y0(np.rad2deg(x + 0.5) ** 2 + 0.5)

    want = dl.grad(f, method="reverse")(0.0)
    assert want == pytest.approx(-81.8627755, rel=1e-8)
    assert dl.grad(f, method="numeric")(0.0) == pytest.approx(want, rel=1e-7)


def _squared_thrice(v):
    for _ in range(3):
        v = v * v + 0.5
    return v


#: name -> (f, x): an op's argument computed by a chain of elementwise equations, each rounding (the last, + 0.5,
#: exactly), from x or from a non-elementwise op's value (svd_s's, itself rounded): the rounding measured through
#: the whole chain and the root's carried on (`scales._rounding`), not the last equation's alone. (main, now)
#: relative errors of the gradient; the jv case is test_random_graphs' flake under the random profile
CHAINS = {
    "sin(((x² + ½)² + ½)² + ½) at 8": (lambda x: dnp.sin(_squared_thrice(x)), 8.0),  # 3.8e-4 -> 1.8e-6
    "cos(((Σx)² + ½)²...) at Σx = 8": (
        lambda x: dnp.cos(_squared_thrice(dnp.sum(x))),
        np.array([3.0, 5.0]),
    ),  # 1.7e-3 -> 1.1e-6
    "jv(1, ((s² + ½)² + ½)² + ½), s = svd_s(tanh(A) + D)": (
        lambda a: dnp.sum(
            REGISTRY["jv"](1.0, _squared_thrice(REGISTRY["svd_s"](dnp.tanh(a) + np.array([[2.5, 0, 0], [0, 8.0, 0]]))))
        ),
        np.zeros((2, 3)),
    ),  # 1.5e-3 -> 1.5e-8
}


@pytest.mark.parametrize("case", sorted(CHAINS))
def test_a_chain_of_roundings_takes_the_step_it_leaves(case):
    """Each square rounds the argument by half an ulp of ~1e7 and the next squares carry it on: the stencil that
    counted only the last equation's rounding (0: + 0.5 is exact there) moved the argument by 6e-6 radians, a
    thousand of its ulps, and the gradient was off by ~1e-3; with the chain's rounding counted, ~1e-6."""
    f, x = CHAINS[case]
    g = _quiet(dl.grad(f, method="numeric"), x)
    want = dl.grad(f, method="forward")(x)
    np.testing.assert_allclose(g, want, rtol=0, atol=1e-5 * np.abs(want).max())


def test_a_constant_output_is_stepped_again_without_a_read_only_error():
    """A direction stepped again (jv's oscillation at 64.5) of an f whose output is a constant (eigh's sign of a 1×1
    matrix): the stencil's values were NumPy's read-only broadcast, and writing the new points into them raised a bare
    'assignment destination is read-only' (the suite's random graphs drew it). Its derivative: 0, as reverse's. Since
    stop 62 jv, read by the held sign alone, is not watched (no stencil value moves with it): not stepped again, and
    no NumericAccuracyWarning "its error estimate 8.16e-10 exceeds its largest entry 0" (said before, of a right 0)."""
    from difflab.ops import REGISTRY

    def f(x0):
        v = REGISTRY["jv"](1.0, 16.0 * x0 * x0 + 0.5)
        return dnp.sum(REGISTRY["eigh_signs"](dnp.reshape(v * v, (1, 1)) + np.array([[2.0]])))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dl.grad(f, method="numeric")(2.0) == 0.0 == dl.grad(f, method="reverse")(2.0)
