"""The symbolic method's reverse sweep (Program.gradient) through numpy.linalg.eig and the inverse of a complex
matrix by the kinds' cotangent rules in matrix form (opaque.opaque_cotangent; complex_linalg._eig_cotangent,
_inv_cotangent), never n² per-entry partials per entry (issue 11: autograd's test_eig_real, test_eig_complex and
test_eig_batched under the symbolic method took minutes, or hit the expansion limit). Each rule against the entry
rules summed over the adjoints, and gradients, VJPs and nested VJPs against reverse mode's; the cost as a count."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

RNG = np.random.default_rng(44)
A_REAL = RNG.normal(size=(3, 3)) + [[0, 2, 0], [-2, 0, 0], [0, 0, 1]]  # real, non-symmetric: a complex pair
A_COMPLEX = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
W = RNG.normal(size=(3, 3))
assert abs(np.linalg.eigvals(A_REAL).imag).max() > 0.1


def loss(x):  # real-valued: eigenvalues and eigenvectors, real and imaginary parts
    w, v = dnp.linalg.eig(x)
    return dnp.sum(dnp.abs(w) ** 2) + dnp.sum(dnp.real(v) * W) + dnp.sum(dnp.imag(v) * W.T) + dnp.sum(dnp.abs(v[0]))


def eig_parts(x):  # autograd's test_eig_complex: complex eigenvalues and the vectors' moduli
    w, v = dnp.linalg.eig(x)
    return w, dnp.abs(v), dnp.abs(dnp.linalg.inv(v))


def close(got, want):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11 * (1.0 + np.max(np.abs(w))))


@pytest.fixture
def entry_rules(monkeypatch):
    """Counts the eig kinds' entry rules taken (complex_linalg._eig_tools: one per entry and matrix entry)."""
    from difflab.ops import complex_linalg

    calls = []
    tools = complex_linalg._eig_tools
    monkeypatch.setattr(complex_linalg, "_eig_tools", lambda s, kind: calls.append(kind) or tools(s, kind))
    return calls


def test_gradient_of_a_loss_of_eig_is_reverse_s_without_entry_partials(entry_rules):
    # 3×3: the per-entry sweep took n² = 9 partials of each of the 2·9 + 2·3 entries (216 entry rules, each written
    # with the n³ shared sums); the matrix-form rule takes none
    got = dl.grad(loss, method="symbolic")(A_REAL)
    close([got], [dl.grad(loss, method="reverse")(A_REAL)])
    assert entry_rules == []


@pytest.mark.parametrize("a", [A_REAL, A_COMPLEX], ids=["real", "complex"])
def test_vjp_of_eig_and_its_inverse_is_reverse_s(a, entry_rules):
    ys, pullback = dl.vjp(eig_parts, a, method="symbolic")
    u = tuple(RNG.normal(size=np.shape(y)) * (1 + 0.5j if np.iscomplexobj(y) else 1) for y in ys)
    close(pullback(u), dl.vjp(eig_parts, a, method="reverse")[1](u))
    assert entry_rules == []


def test_nested_vjp_through_eig_is_reverse_s():
    # symbolic inside symbolic (autograd's second-order check, vjp_f): the inner VJP's code recorded on the outer
    # trace holds the eig, its inverse and the gaps as registry ops, each pulled back in matrix form again
    u = tuple(np.ones(np.shape(y)) * 0.5 for y in eig_parts(A_REAL)[:2])

    def vjp_of(method):
        return lambda x: dl.vjp(lambda z: eig_parts(z)[:2], x, method=method)[1](u)[0]

    w = RNG.normal(size=(3, 3))
    got = dl.vjp(vjp_of("symbolic"), A_REAL, method="symbolic")[1](w)
    close(got, dl.vjp(vjp_of("reverse"), A_REAL, method="reverse")[1](w))


@pytest.mark.parametrize("kind", ["reig", "ceig", "ceig0", "cinv"])
def test_cotangent_rule_is_reverse_s_pullback_of_the_parts(kind):
    # opaque.opaque_cotangent (Ā = Uᴴ Q̄ Vᴴ ..., inv: −Xᴴ X̄ Xᴴ) with an adjoint for every entry of every part (λ, V,
    # U = V⁻¹, the anchors, the gaps' inverses G) against reverse mode's gradient of Σ bar·part through the kind's
    # parts written with registry ops (its traced implementation: eig.py's and linalg.py's rules)
    import sympy as sp

    import difflab.ops.complex_linalg  # noqa: F401 (declares the kinds)
    from difflab.ops.opaque import _KINDS, cotangent_group, naming, opaque_cotangent, opaque_entry

    n, rng = 3, np.random.default_rng(7)
    a = sp.symbols(f"a0:{2 * n * n}", real=True)
    real = kind == "reig"
    args = list(a[: n * n]) + ([sp.Integer(0)] * (n * n) if real else list(a[n * n :]))
    # (the values-only kind's vectors: differentiated in one common gauge, not NumPy's: λ and G only)
    parts = [0, 1, 7, 8] if kind == "ceig0" else range(len(_KINDS[kind][4](n, n)))
    bars = {
        (part, i, j): rng.standard_normal()
        for part in parts
        for i in range(_KINDS[kind][4](n, n)[part][0])
        for j in range(_KINDS[kind][4](n, n)[part][1])
    }
    at = rng.standard_normal(2 * n * n) + A_REAL.ravel().tolist() * 2  # (a real pair of eigenvalues too)
    values = _KINDS[kind][0](at[: n * n].reshape(n, n) + (0 if real else 1j * at[n * n :].reshape(n, n)))

    def number(kind_, part, p, q, rows, entries):  # (the rule's entries as numbers: no SymPy functions to evaluate)
        return sp.Float(values[part][p, q])

    group = cotangent_group(opaque_entry(kind, 0)(0, 0, n, *args))
    with naming(number):
        got = opaque_cotangent(group, {k: sp.Float(b) for k, b in bars.items()}, [x.is_Symbol for x in args])
    got = [float(g) for g in got]

    def paired(re, im):
        parts = _KINDS[kind][2](re + 1j * im if not real else re + 0j)
        return sum(b * parts[part][i, j] for (part, i, j), b in bars.items())

    want = dl.grad(paired, argnums=(0, 1), method="reverse")(at[: n * n].reshape(n, n), at[n * n :].reshape(n, n))
    want = np.concatenate([w.ravel() for w in want])
    for k, x in enumerate(args):
        if x.is_Symbol:
            assert abs(got[k] - want[k]) <= 1e-10 * (1 + abs(want[k])), (kind, k, got[k], want[k])
