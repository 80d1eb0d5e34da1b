"""The symbolic method's forward tangents (Program.tangents: a JVP of a function with several inputs and outputs)
through the real opaque inverse (np.linalg.solve's and solve_triangular's inv above SymPy's 4×4 closed form), the
Cholesky factor and the pseudo-inverse (np.linalg.lstsq's) by the kinds' directional rules in matrix form
(linalg._inv_tangent: dX = −X dA X; decompositions._cholesky_tangent: dL = L Φ(Y dS Yᵀ), dY = −Φ(·) Y;
decompositions._pinv_tangent), not n² per-entry partials per entry (issues 11, 17: a JVP through a 5×5 solve took
625 of them, an 8×8 one 4096 and 0.73 s of CPU; now none, 0.15 s). Each rule against reverse mode's JVP of the
kind's parts; JVPs through the public API against reverse mode's, the entry rules counted."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.linalg as dsla

R = np.random.default_rng(46)
B = R.normal(size=(5, 5))
A0 = B @ B.T + 5 * np.eye(5)
Y = R.normal(size=5)
PHI = R.normal(size=(5, 2))


def solve5(p):
    """A 5×5 solve (np.linalg.solve: the opaque inv times y), every entry of the matrix moved."""
    return np.linalg.solve(A0 + 0.3 * p.reshape(5, 5), Y)


def chol5(p):
    """A 5×5 Cholesky factor of a symmetric matrix moved everywhere, then a triangular solve with it."""
    q = 0.3 * p.reshape(5, 5)
    low = dsla.cholesky(A0 + q + q.T, lower=True)
    return np.concatenate([low @ Y, dsla.solve_triangular(low, Y, lower=True)])


def lstsq5(p):
    """np.linalg.lstsq of a 5×2 design (x = A⁺ b, A⁺ the opaque pinv above 3 rows)."""
    return np.linalg.lstsq(PHI + 0.3 * p.reshape(5, 2), Y, rcond=None)[0]


CASES = {"solve": (solve5, 25), "cholesky": (chol5, 25), "lstsq": (lstsq5, 10)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_through_solve_cholesky_and_lstsq_is_reverse_s_without_entry_partials(name, entry_rules):
    # before: 625 (solve), 375 + 375 (cholesky and the triangular solve's inv) and 100 (pinv) entry rules
    f, n = CASES[name]
    rng = np.random.default_rng(7)
    x, v = 0.5 * rng.normal(size=n), rng.normal(size=n)
    y, got = dl.jvp(f, (x,), (v,), method="symbolic")
    y_rev, want = dl.jvp(f, (x,), (v,), method="reverse")
    np.testing.assert_allclose(y, y_rev, rtol=1e-12)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * np.abs(want).max())
    assert entry_rules == []


@pytest.mark.parametrize(
    "kind, rows, cols, lower",
    [("inv", 5, 5, False), ("inv", 5, 5, True), ("cholesky", 5, 5, False), ("pinv", 2, 5, False)],
    ids=["inv", "inv-lower", "cholesky", "pinv-2x5"],  # (pinv of a 5×2 A: the lstsq JVP above)
)
def test_tangent_rule_is_reverse_s_jvp_of_the_parts(kind, rows, cols, lower):
    # opaque.opaque_tangent of every entry of every part along a direction dA, against reverse mode's JVP of the
    # kind's parts written with registry ops (its traced implementation); cholesky reads dA's lower triangle only,
    # as reverse's; a lower triangular A (solve_triangular's inv): its upper entries the number 0, their tangents 0
    import sympy as sp

    from difflab.ops.opaque import _KINDS, naming, opaque_entry, opaque_tangent

    rng = np.random.default_rng(19)
    at, d = rng.normal(size=(rows, cols)), rng.normal(size=(rows, cols))
    if kind == "cholesky":
        at = at @ at.T + rows * np.eye(rows)
    elif kind == "inv":
        at = at + 3 * np.eye(rows)
    keep = np.tri(rows, dtype=bool) if lower else np.ones((rows, cols), dtype=bool)
    at, d = np.where(keep, at, 0.0), np.where(keep, d, 0.0)
    a = [sp.Symbol(f"a{k}", real=True) if keep.ravel()[k] else sp.Integer(0) for k in range(rows * cols)]
    values = _KINDS[kind][0](at)

    def number(kind_, part, p, q, rows, entries):  # (the rule's entries as numbers: no SymPy functions to evaluate)
        return sp.Float(values[part][p, q])

    entries = dict(zip(a, map(sp.Float, at.ravel())))  # (pinv's rule reads A's entries too)
    dirs = [sp.Float(x) if k else sp.Integer(0) for x, k in zip(d.ravel(), keep.ravel())]
    with naming(number):
        got = [
            np.array(
                [
                    [
                        float(
                            sp.sympify(opaque_tangent(opaque_entry(kind, part)(i, j, rows, *a), dirs)).xreplace(entries)
                        )
                        for j in range(value.shape[1])
                    ]  # fmt: skip
                    for i in range(value.shape[0])
                ]
            )
            for part, value in enumerate(values)
        ]
    want = dl.jvp(lambda m: _KINDS[kind][2](m), (at,), (d,), method="reverse")[1]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13 * np.abs(w).max())
