"""The numeric method at points where f is not differentiable (stop 66): at a repeated eigen- or singular value it
takes the exact methods' subgradient (LAPACK's vectors' vᵢᴴ dS vᵢ, JAX's too) from the registry's held piece
(Op.piecewise), not the mean of the one-sided slopes; its derivatives of order 2 there are NaN, said (Op.unsmooth);
complex step refuses the decompositions it silently got wrong at every point. JAX's values (x64) are literals."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import Numeric
from difflab.differentiators.scales import read_elements
from difflab.errors import DomainWarning, NotDifferentiableError

L = dnp.linalg
NUMERIC = ["numeric", Numeric(scheme="richardson")]
I3 = np.eye(3)


def _e(n, *hot):
    out = np.zeros(n * n)
    out[list(hot)] = 1.0
    return out.reshape(n, n)


def _quiet_grad(f, x, method):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return dl.grad(f, method=method)(x)


# (f, x, JAX's gradient: jax.grad under jax_enable_x64, the exact methods' too)
AT_TIES = [
    (lambda S: L.eigvalsh(S)[0], I3, _e(3, 0)),  # main: 0.5 on each diagonal entry, trace 1.5 for 1
    (lambda S: L.eigvalsh(S)[2], I3, _e(3, 8)),
    (lambda S: L.eigh(S)[0][0], I3, _e(3, 0)),
    (lambda A: L.svd(A, compute_uv=False)[0], np.diag([2.0, 2.0, 1.0]), _e(3, 4)),
    (lambda A: L.svd(A, compute_uv=False)[1], np.diag([2.0, 2.0, 1.0]), _e(3, 0)),
    (lambda A: L.svd(A, compute_uv=False)[1], np.diag([1.0, 0.0]), _e(2, 3)),  # σ = 0: |σ|'s cusp
    (lambda S: L.eigvalsh(S)[1], np.eye(3, dtype=complex), _e(3, 4)),  # Hermitian: Re vᵢᴴ dS vᵢ
    (lambda A: L.svd(A, compute_uv=False)[0], np.diag([2.0, 2.0, 1.0]).astype(complex), _e(3, 4)),
]


@pytest.mark.parametrize("method", NUMERIC, ids=["central", "richardson"])
@pytest.mark.parametrize("case", range(len(AT_TIES)))
def test_numeric_takes_the_exact_methods_subgradient_at_a_repeated_value(case, method):
    f, x, want = AT_TIES[case]
    got = _quiet_grad(f, x, method)
    np.testing.assert_allclose(got, want, atol=1e-9)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(x), atol=1e-9)


def test_a_stack_ties_in_one_matrix_and_is_smooth_in_the_other():
    S = np.stack([I3, np.diag([1.0, 2.0, 3.0])])
    got = _quiet_grad(lambda S: L.eigvalsh(S)[:, 0].sum(), S, "numeric")
    np.testing.assert_allclose(got, np.stack([_e(3, 0), _e(3, 0)]), atol=1e-9)


def test_the_numeric_gradient_at_a_tie_is_a_subgradient():
    """λ_min(I + tI) = 1 + t: every subgradient G of λ_min at I has Σ G_ii = 1 (main's 0.5 each: 1.5)."""
    g = _quiet_grad(lambda S: L.eigvalsh(S)[0], I3, "numeric")
    assert abs(np.trace(g) - 1.0) < 1e-9


def test_smooth_points_are_as_before():
    S = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 3.0]])
    for k in range(3):
        f = lambda S, k=k: L.eigvalsh(S)[k]  # noqa: E731
        np.testing.assert_allclose(_quiet_grad(f, S, "numeric"), dl.grad(f, method="reverse")(S), atol=1e-8)


def test_a_second_derivative_through_a_tied_value_has_no_value():
    """The exact methods' second-order rules divide by the gap 0 (inf, said); the held piece's stencils gave 0."""
    f = lambda S: L.eigvalsh(S)[0]  # noqa: E731
    with pytest.warns(DomainWarning, match="eigh_values"):
        H = dl.hessian(f, method="numeric")(I3)
    assert np.isnan(H).all()
    with pytest.warns(DomainWarning, match="eigh_values"):
        g = dl.grad(lambda S: dl.grad(f, method="numeric")(S)[0, 0], method="reverse")(I3)
    assert np.isnan(g).all()


def test_a_second_derivative_of_a_simple_value_beside_a_tie_has_its_value():
    f = lambda S: L.eigvalsh(S)[2]  # noqa: E731  (diag(1, 1, 2): λ₂ simple, λ₀ = λ₁ tied, not read)
    x = np.diag([1.0, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        H = dl.hessian(f, method="numeric")(x)
    np.testing.assert_allclose(H, dl.hessian(f, method="reverse")(x), atol=1e-5)
    assert np.abs(H).max() > 0.4  # (the 1/(λ₂ − λ₀) terms: 0.5)


B = np.array([[3.0, 0.4, 0.2], [0.4, 2.0, 0.1], [0.2, 0.1, 1.5]])
NOT_ANALYTIC = [  # complex step gave these wrong at a smooth point, silently (eigvalsh: 0 for 1)
    lambda S: L.eigvalsh(S)[1],
    lambda S: L.eigh(S)[1][0, 1],
    lambda A: L.svd(A, compute_uv=False)[0],
    lambda A: L.svd(A)[0][0, 1],
    lambda A: L.svd(A)[2][0, 1],
    lambda S: L.cholesky(S)[2, 1],
    lambda S: L.slogdet(S)[1],
    lambda A: L.pinv(A[:, :2])[0, 1],
]


@pytest.mark.parametrize("case", range(len(NOT_ANALYTIC)))
def test_complex_step_refuses_the_decompositions_it_got_wrong(case):
    with pytest.raises(NotDifferentiableError, match="complex"):
        dl.grad(NOT_ANALYTIC[case], method=Numeric(scheme="complex"))(B)


def test_complex_step_still_takes_analytic_linear_algebra():
    f = lambda S: L.det(S) + L.inv(S)[0, 1]  # noqa: E731
    np.testing.assert_allclose(
        dl.grad(f, method=Numeric(scheme="complex"))(B), dl.grad(f, method="reverse")(B), rtol=1e-12, atol=1e-12
    )


def test_read_elements_follows_elementwise_equations():
    """where(tied, piece, svd_s(A)) (the held piece) reads svd_s's element i at i: norm(A, 2)'s steps stay blind to
    the zero σ₁ it does not read."""
    g = dl.trace(lambda x: dnp.sqrt(dnp.where(x > 0.0, x, 1.0))[1], np.ones(3))
    assert read_elements(g, g.inputs[0]).tolist() == [False, True, False]
    g = dl.trace(lambda x: (x * x[::-1])[1], np.ones(3))
    assert read_elements(g, g.inputs[0]) is None


BRANCH_POINTS = [  # (f, x, the central stencil's and complex step's answer: NaN where the exact methods' is inf or 0)
    (lambda x: dnp.sqrt(x), 0.0, [np.nan]),  # main's complex step: 7.1e9 (1/√(2h)), silently
    (lambda x: x**0.5, 0.0, [np.nan]),
    (lambda x: dnp.arcsin(x), 1.0, [np.nan]),  # main: 1e10
    (lambda x: dnp.arccosh(x), 1.0, [np.nan]),
    (lambda x: L.norm(x), np.zeros(2), [np.nan, np.nan]),  # main: 1 per component (the exact methods: 0)
    (lambda x: dnp.sqrt(x[0]) + x[1], np.array([0.0, 1.0]), [np.nan, 1.0]),  # only the direction that moves sqrt's
    (lambda x: dnp.sqrt(x[1]) + x[0], np.array([1.0, 0.0]), [1.0, np.nan]),
]


@pytest.mark.parametrize("case", range(len(BRANCH_POINTS)))
def test_complex_step_at_a_branch_point_says_nan_as_central_does(case):
    f, x, want = BRANCH_POINTS[case]
    with pytest.warns(DomainWarning):
        got = np.ravel(dl.grad(f, method=Numeric(scheme="complex"))(x))
    np.testing.assert_allclose(got, want, rtol=1e-9)
    with warnings.catch_warnings():  # the central stencil's: NaN, said (norm(x) at 0: 0 from both sides, the exact 0)
        warnings.simplefilter("ignore")
        central = np.ravel(dl.grad(f, method="numeric")(x))
    np.testing.assert_allclose(central, [0.0, 0.0] if case == 4 else want, rtol=1e-9, atol=1e-12)


def test_complex_step_beside_a_branch_point_is_as_before():
    """x**1.5 at 0 (pow's partial 0, finite) and sqrt away from 0 keep complex step's values, unsaid."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert abs(dl.grad(lambda x: x**1.5, method=Numeric(scheme="complex"))(0.0)) < 1e-9  # (7e-11: √h)
        got = dl.grad(lambda x: dnp.sqrt(x).sum(), method=Numeric(scheme="complex"))(np.array([1e-12, 4.0]))
    np.testing.assert_allclose(got, [0.5e6, 0.25], rtol=1e-12)
