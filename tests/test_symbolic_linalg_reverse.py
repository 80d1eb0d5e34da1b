"""The symbolic method's reverse sweep (Program.gradient) through the real opaque inverse (np.linalg.solve's and
solve_triangular's inv above SymPy's 4×4 closed form) and Cholesky factor by the kinds' cotangent rules in matrix form
(linalg._inv_cotangent: Ā = −Xᵀ X̄ Xᵀ; decompositions._cholesky_cotangent: S̄ = Yᵀ Φ(Lᵀ L̄ − Ȳ Yᵀ) Y, Y = L⁻¹), not
n² per-entry partials per entry (issues 11, 17: the symbolic Hessians of tests/test_user_code11's rbf_meshgrid, a
6×6 solve, and gp_cholesky, a 6×6 cholesky and solve_triangular, took 3.9 and 3.8 s of CPU; now ~1 s). Each rule
against reverse mode's pullback of the parts; Hessians against JAX's (stored), the entry rules counted."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.linalg as dsla

R = np.random.default_rng(45)
X = R.normal(size=(5, 2))
Y = np.sin(X[:, 0]) + 0.3 * X[:, 1]
B = R.normal(size=(5, 5))
A0 = B @ B.T + 5 * np.eye(5)
P0 = np.array([0.2, 0.3])


def solve5(p):
    """A 5×5 solve (np.linalg.solve: the opaque inv times y) of a matrix moved by both parameters."""
    a = A0 + np.exp(p[0]) * np.outer(X[:, 0], X[:, 0]) + p[1] * np.eye(5)
    return np.sum(np.linalg.solve(a, Y) * Y)


def chol5(p):
    """A GP's negative log likelihood (gp_cholesky's, 5×5): cholesky, solve_triangular, log det from the diagonal."""
    d2 = np.sum(((X[:, None, :] - X[None, :, :]) / np.exp(p[0])) ** 2, axis=-1)
    k = np.exp(-0.5 * d2) + np.exp(2 * p[1]) * np.eye(5)
    low = dsla.cholesky(k, lower=True)
    z = dsla.solve_triangular(low, Y, lower=True)
    return 0.5 * z @ z + np.sum(np.log(np.diag(low)))


def lstsq5(p):
    """Variable projection (varpro_lstsq's, a 5×2 design): np.linalg.lstsq's x = A⁺ b, A⁺ the opaque pinv above 3 rows."""
    phi = np.exp(-np.outer(T5, np.exp(p)))
    c = np.linalg.lstsq(phi, Y, rcond=None)[0]
    return np.sum((Y - phi @ c) ** 2) + 0.1 * np.sum(c**2)


T5 = np.linspace(0.0, 2.0, 5)
#: name -> (f, point, jax.hessian in x64 there: jnp.linalg.solve; jnp.linalg.cholesky and
#: jax.scipy.linalg.solve_triangular; jnp.linalg.lstsq)
CASES = {
    "solve": (solve5, P0, [-0.01651509898329857, 0.005807853701823855, 0.005807853701823856, 0.005101835812506726]),
    "cholesky": (chol5, P0, [0.13834535057637898, 0.21571651270196873, 0.21571651270196873, 1.5482722191821203]),
    "lstsq": (
        lstsq5,
        np.array([0.2, -0.5]),
        [2.5148022203486695, -3.0848295441072535, -3.0848295441072513, 3.8885279710635787],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hessian_through_solve_cholesky_and_lstsq_is_jax_s_without_entry_partials(name, entry_rules):
    # before: 625 (solve), 1125 (cholesky and the triangular solve's inv) and 200 (pinv) entry rules, each partial of
    # each entry then differentiated again by the second sweep; the matrix-form rules take none, in either sweep
    f, x, want = CASES[name]
    H = dl.hessian(f, method="symbolic")(x)
    np.testing.assert_allclose(H.ravel(), want, rtol=1e-11, atol=1e-14)
    assert entry_rules == []


@pytest.mark.parametrize("kind, rows, cols", [("inv", 5, 5), ("cholesky", 5, 5), ("pinv", 5, 2), ("pinv", 2, 5)])
def test_cotangent_rule_is_reverse_s_pullback_of_the_parts(kind, rows, cols):
    # opaque.opaque_cotangent with an adjoint for every (lower, for cholesky's L and L⁻¹) entry of every part, against
    # reverse mode's gradient of Σ bar·part through the kind's parts written with registry ops (its traced
    # implementation); cholesky reads A's lower triangle only: 0 above it, as reverse's
    import sympy as sp

    from difflab.ops.opaque import _KINDS, cotangent_group, naming, opaque_cotangent, opaque_entry

    rng = np.random.default_rng(17)
    a = sp.symbols(f"a0:{rows * cols}", real=True)
    at = rng.normal(size=(rows, cols))
    if kind != "pinv":  # (symmetric positive definite; well conditioned)
        at = at @ at.T + rows * np.eye(rows) if kind == "cholesky" else at + 3 * np.eye(rows)
    shapes = _KINDS[kind][4](rows, cols)
    bars = {
        (part, i, j): rng.standard_normal()
        for part in range(len(shapes))
        for i in range(shapes[part][0])
        for j in range(shapes[part][1])
        if kind != "cholesky" or j <= i
    }
    values = _KINDS[kind][0](at)

    def number(kind_, part, p, q, rows, entries):  # (the rule's entries as numbers: no SymPy functions to evaluate)
        return sp.Float(values[part][p, q])

    group = cotangent_group(opaque_entry(kind, 0)(0, 0, rows, *a))
    with naming(number):
        got = opaque_cotangent(group, {k: sp.Float(b) for k, b in bars.items()}, [True] * (rows * cols))
    entries = dict(zip(a, map(sp.Float, at.ravel())))  # (pinv's rule reads A's entries too)
    got = np.array([float(sp.sympify(g).xreplace(entries)) for g in got]).reshape(rows, cols)

    def paired(m):
        parts = _KINDS[kind][2](m)
        return sum(b * parts[part][i, j] for (part, i, j), b in bars.items())

    want = dl.grad(paired, method="reverse")(at)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("lower", [True, False], ids=["lower", "upper"])
def test_inverse_cotangent_of_a_triangular_matrix_reads_its_triangle(lower):
    # solve_triangular's inv(tril(L)): the other triangle's entries are the number 0, so X is triangular too and the
    # rule leaves its other entries out (gp_cholesky's symbolic Hessian 1.06 -> 0.93 s); against reverse's pullback
    import sympy as sp

    from difflab.ops.opaque import cotangent_group, naming, opaque_cotangent, opaque_entry

    n, rng = 5, np.random.default_rng(23)
    keep = np.tri(n, dtype=bool) if lower else np.tri(n, dtype=bool).T
    at = np.where(keep, rng.normal(size=(n, n)), 0.0) + 3 * np.eye(n)
    args = [sp.Symbol(f"a{k}", real=True) if keep.ravel()[k] else sp.Integer(0) for k in range(n * n)]
    bars = rng.standard_normal((n, n))
    x = np.linalg.inv(at)
    group = cotangent_group(opaque_entry("inv", 0)(0, 0, n, *args))
    asked = []  # (the entries of X the rule reads: its triangle's only)

    def entry(kind, part, p, q, rows, entries):
        asked.append((p, q))
        return sp.Float(x[p, q])

    with naming(entry):
        got = opaque_cotangent(
            group, {(0, i, j): sp.Float(bars[i, j]) for i in range(n) for j in range(n)}, keep.ravel()
        )
    want = dl.grad(lambda m: np.sum(np.linalg.inv(m) * bars), method="reverse")(at)
    np.testing.assert_allclose(np.array([float(g) for g in got]).reshape(n, n), np.where(keep, want, 0.0), rtol=1e-11)
    assert asked and all(keep[p, q] for p, q in asked)
