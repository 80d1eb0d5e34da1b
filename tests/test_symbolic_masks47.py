"""A mask (a comparison's, isnan's, ~'s, ^'s) used as a number — compared with a number, a bool or another mask,
added, multiplied, summed, cast with astype — is NumPy's 1 or 0 under all four methods, fresh and prepared
(issue 11). The symbolic method used to let SymPy decide `Ne(x > c, 0)` True and `Eq(x < c, 1)` False as it
built them (a Relational is not a number to SymPy), so `dl.prepare(..., method="symbolic")` returned 2.55 where
NumPy gives 1.85, and it raised a bare TypeError on `mask < 0.5`, `mask < mask`, `mask + mask`, `mask * mask`;
`mask.astype(float)` and `mask.astype(bool)` were refused under every method, and `mask.astype(int)` read
the values (a graph specialised to them, which dl.prepare refuses): now traced as where(mask, 1.0, 0.0),
where(mask, 1, 0) and a copy. Values are checked against NumPy running the same function,
gradients against central differences of it (every point is 0.01 or more from the thresholds 0.35 and 0.45).
A mask moved (reshape, a slice, any along an axis) stays a condition; a sorted mask (sort_k of conditions, a number
to SymPy) is true where nonzero, and so is a number where a condition goes (logical_and(m, 1.0): SymPy's bare
TypeError on main). np.min of a mask is ~max(~m) (was -max(-m): NumPy has no boolean negative)."""

import numpy as np
import pytest

import difflab as dl

X0 = np.array([0.3, 0.5, 0.4, 0.1, 0.95, 0.3])
X1 = np.array([0.6, 0.2, 0.36, 0.44, 0.05, 0.5])  # (another mask than X0's: prepare reused where it differs)
METHODS = ("symbolic", "numeric", "forward", "reverse")


def _a(x):
    return x > 0.35


def _b(x):
    return x < 0.45


def _picked(m, x):
    return np.sum(np.where(m, x, 0.0))


CASES = {
    "mask != 0": lambda x: _picked(_a(x) != 0, x),
    "mask == 1": lambda x: _picked(_b(x) == 1, x),
    "0 < mask": lambda x: _picked(0 < _a(x), x),
    "mask >= 1": lambda x: _picked(_a(x) >= 1, x),
    "mask <= 0": lambda x: _picked(_a(x) <= 0, x),
    "mask > -1": lambda x: _picked(_a(x) > -1, x),
    "mask == 0.5": lambda x: _picked(_a(x) == 0.5, x) + np.sum(x),
    "mask == mask": lambda x: _picked(_a(x) == _b(x), x),
    "mask != mask": lambda x: _picked(_a(x) != _b(x), x),
    "mask < mask": lambda x: _picked(_a(x) < _b(x), x),
    "mask >= mask": lambda x: _picked(_a(x) >= _b(x), x),
    "mask == True": lambda x: _picked(_a(x) == True, x),  # noqa: E712 — the comparison under test
    "mask != False": lambda x: _picked(_a(x) != False, x),  # noqa: E712
    "where(mask == False)": lambda x: np.sum(np.where(_a(x) == False, x, 2 * x)),  # noqa: E712
    "isnan == 0": lambda x: _picked(np.isnan(x) == 0, x),
    "mask * x": lambda x: np.sum(_a(x) * x),
    "mask + mask": lambda x: _picked(_a(x) + _b(x), x),
    "(mask * mask) * x": lambda x: np.sum(_a(x) * _b(x) * x),
    "sum(mask)": lambda x: np.sum(_a(x)) * np.sum(x),
    "mask.astype(float)": lambda x: np.sum(_a(x).astype(float) * x),
    "mask.astype(float32)": lambda x: np.sum(_a(x).astype(np.float32) * x),
    "mask.astype(int)": lambda x: np.sum(_a(x).astype(int) * x),
    "mask.astype(bool)": lambda x: _picked(_a(x).astype(bool), x),
    "x[mask.astype(int)]": lambda x: np.sum(x[_a(x).astype(int)]),
    "~mask": lambda x: _picked(~_a(x), x),
    "mask ^ mask": lambda x: _picked(_a(x) ^ _b(x), x),
    "maximum(mask, mask)": lambda x: np.sum(np.maximum(_a(x), _b(x)) * x),
    "reshape(mask) != 0": lambda x: _picked(_a(x).reshape(2, 3).T.ravel() != 0, x),
    "mask[::-1] == 1": lambda x: _picked(_a(x)[::-1] == 1, x),
    "any(mask, axis) == 1": lambda x: _picked(np.any(_a(x).reshape(2, 3), axis=1).repeat(3) == 1, x),
    "where(sort(mask))": lambda x: _picked(np.sort(_a(x)), x),
    "sort(mask) * x": lambda x: np.sum(np.sort(_b(x)) * x),
    "min(mask, axis) * x": lambda x: np.sum(np.min(_a(x).reshape(2, 3), axis=1).repeat(3) * x),
    "logical_and(mask, 1.0)": lambda x: _picked(np.logical_and(_a(x), 1.0), x),
}


def _central(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("name", list(CASES))
def test_mask_as_number_matches_numpy(name):
    f = CASES[name]
    for method in METHODS:
        prepared = dl.prepare(f, X0, method=method)
        for x in (X0, X1):
            assert float(prepared(x)) == pytest.approx(float(f(x)), abs=1e-6), (method, x)
        np.testing.assert_allclose(prepared.grad(X1), _central(f, X1), atol=1e-6, err_msg=method)
        value, grad = dl.value_and_grad(f, method=method)(X1)
        assert float(value) == pytest.approx(float(f(X1)), abs=1e-6), method
        np.testing.assert_allclose(grad, _central(f, X1), atol=1e-6, err_msg=method)


@dl.custom_jvp
def _gate(x):
    return np.where((x > 0.35) != 0, x, 0.0)


@_gate.defjvp
def _gate_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _gate(x), t * ((x > 0.35) == 1) * 2.0  # (a rule of its own: twice the gate's slope)


def test_custom_rule_with_masks_prepared_symbolic():
    """A user's rule and primal holding masks as numbers, written in SymPy by the symbolic method (rules.graph_sympy):
    was a bare TypeError from SymPy ('Symbol' * 'StrictGreaterThan', a BooleanAtom in an Add) under dl.prepare."""

    def f(x):
        return np.sum(_gate(x) ** 2)

    want_grad = 2 * np.where(X1 > 0.35, X1, 0.0) * 2.0 * (X1 > 0.35)
    for method in ("symbolic", "reverse"):
        prepared = dl.prepare(f, X0, method=method)
        assert float(prepared(X1)) == pytest.approx(float(np.sum(np.where(X1 > 0.35, X1, 0.0) ** 2)), rel=1e-12)
        np.testing.assert_allclose(prepared.grad(X1), want_grad, rtol=1e-12, err_msg=method)
