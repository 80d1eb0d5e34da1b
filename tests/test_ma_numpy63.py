"""A NumPy masked array (np.ma.array with masked entries) beside a traced value: its mask is kept, as NumPy keeps it
(was dropped: np.sum(x + m) summed the masked entries, a silent wrong value and gradient on every method)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

M = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])
X = np.array([1.0, 1.5, 2.5])

CASES = {
    "dnp.add": (lambda x: dnp.sum(dnp.add(x, M)), [1.0, 0.0, 1.0]),
    "np.add": (lambda x: np.sum(np.add(x, M)), [1.0, 0.0, 1.0]),
    "x + m": (lambda x: np.sum(x + M), [1.0, 0.0, 1.0]),
    "x * m": (lambda x: np.sum(x * M), [1.0, 0.0, 3.0]),
    "maximum": (lambda x: np.sum(np.maximum(x + 0.25, M)), [1.0, 0.0, 0.0]),
    "mean": (lambda x: np.mean(np.exp(x) * M), [np.exp(1.0) / 2, 0.0, 3 * np.exp(2.5) / 2]),
}


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
@pytest.mark.parametrize("case", CASES)
def test_numpys_masked_constant_keeps_its_mask(case, method):
    f, grad = CASES[case]
    plain = {"dnp.add": lambda x: np.sum(np.add(x, M))}.get(case, f)  # NumPy's own value of the same function
    value, g = dl.value_and_grad(f, method=method)(X)
    assert float(value) == pytest.approx(float(plain(X)), rel=1e-15)
    np.testing.assert_allclose(g, grad, rtol=1e-7 if method == "numeric" else 1e-14, atol=1e-9)
