"""The shared check of tests/test_mask48.py, test_mask49.py and test_maskdnp49.py: functions whose masks and
data-dependent indices are recorded, prepared at one point and called where the masks differ."""

from __future__ import annotations

import numpy as np

import difflab as dl


def check_prepared_where_masks_differ(table: dict, p1, p2, method: str, fresh: bool = True, exact: bool = True) -> None:
    """table[f] = ((value, gradient) at p1, (value, gradient) at p2), JAX x64's: f prepared at p1 by `method`, then
    called at p2 and p1 (each f was refused once, specialised to p1's values), values within 1e-12 and equal to
    NumPy's own bit for bit, gradients within 1e-12 (numeric: 1e-6); `fresh`: a fresh gradient traced at p2 too; not `exact`: the values
    within 1e-12 only (the symbolic method's log: an ulp from NumPy's)."""
    tol = {"rtol": 1e-6, "atol": 1e-6} if method == "numeric" else {"rtol": 1e-12, "atol": 1e-12}
    for f, want in table.items():
        p = dl.prepare(f, p1, method=method)
        for x, (value, grad) in ((p2, want[1]), (p1, want[0])):
            cell = f"{f.__name__} {method}"
            got = p.value_and_grad(x)
            np.testing.assert_allclose(got[0], value, rtol=1e-12, err_msg=cell)
            np.testing.assert_allclose(got[1], grad, **tol, err_msg=cell)
            assert got[0] == f(x.copy()) or not exact, cell
        if fresh:
            got = dl.value_and_grad(f, method=method)(p2)
            np.testing.assert_allclose(got[1], want[1][1], **tol, err_msg=f"{f.__name__} {method} fresh")
