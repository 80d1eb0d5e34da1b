"""The symbolic method through numpy.linalg.qr of a real matrix above SymPy's explicit Gram–Schmidt (2 columns):
the reduced factors and complete mode's extra columns are complex_linalg.py's opaque kinds `cqr` and `cqrc` at
imaginary parts 0 (their real parts), so jvp, vjp and linearize take every size, equal to reverse's to rounding
(on main each was refused by name: "no closed form for qr_r of a 7×3 matrix")."""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl

RNG = np.random.default_rng(7)
A = RNG.normal(size=(7, 3))
DA = RNG.normal(size=(7, 3))
W = RNG.normal(size=(3, 5))
DW = RNG.normal(size=(3, 5))


def _reduced(a):
    q, r = np.linalg.qr(a)
    return np.sin(q) * 2.0 + q @ r[:, :1]


def _complete(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.cos(q[:, 2:]) + np.sum(r**2) * q[:, :1]


def _r_only(a):
    return np.tanh(np.linalg.qr(a, mode="r"))


# complete mode at 5×3, not 7×3: its two extra columns are already beyond SymPy's Gram–Schmidt (two columns, what
# main refused) and go through the same opaque kind `cqrc` at any height; 7×3 cost 3x the CPU (its jvp's and
# linearize's SymPy builds, ~4 CPU-s each; issue 17). The reduced factors keep 7×3.
CASES = {
    "reduced": (_reduced, A, DA),
    "complete": (_complete, A[:5], DA[:5]),
    "r": (_r_only, A, DA),
    "wide": (_reduced, W, DW),
}


@pytest.mark.parametrize("name", CASES)
def test_jvp_vjp_linearize_equal_reverse(name):
    f, a, da = CASES[name]
    out, want = dl.jvp(f, (a,), (da,), method="reverse")
    got_out, got = dl.jvp(f, (a,), (da,), method="symbolic")
    np.testing.assert_allclose(got_out, out, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-11)
    ct = np.cos(np.arange(out.size, dtype=float)).reshape(out.shape)
    (back,) = dl.vjp(f, a, method="symbolic")[1](ct)
    (want_back,) = dl.vjp(f, a, method="reverse")[1](ct)
    np.testing.assert_allclose(back, want_back, rtol=1e-10, atol=1e-11)
    lin = dl.linearize(f, a, method="symbolic")[1]
    np.testing.assert_allclose(lin(da), want, rtol=1e-10, atol=1e-11)
    assert np.sum(want * ct) == pytest.approx(np.sum(want_back * da), rel=1e-12)  # (reverse's own pair agrees)


def test_hessian_through_reduced_and_complete_equals_reverse():
    a = RNG.normal(size=(4, 3))

    def f(a):
        q_full = np.linalg.qr(a, mode="complete")[0]
        return np.sum(np.linalg.qr(a)[0] ** 3) + np.sum(q_full[:, 3:] ** 2 * a[:, :1])

    want = dl.hessian(f, method="reverse")(a)
    np.testing.assert_allclose(dl.hessian(f, method="symbolic")(a), want, rtol=1e-11, atol=1e-12 * np.abs(want).max())
