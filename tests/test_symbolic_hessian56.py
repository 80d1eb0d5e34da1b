"""The symbolic Hessian by one forward pass over the gradient program in n directions (program.Program.hessian_rows),
each assignment's local partials built once for all n: it was a reverse sweep per gradient entry (symhess56)."""

from __future__ import annotations

import numpy as np

import difflab as dl
from difflab.differentiators.program import Program


def test_hessian_of_30_inputs_takes_one_reverse_sweep_and_one_pass(monkeypatch):
    counts = {"sweeps": 0, "locals": 0}
    gradient, local = Program.gradient, Program._local

    def sweep(self, *args, **kw):
        counts["sweeps"] += 1
        return gradient(self, *args, **kw)

    def partials(self, *args, **kw):  # an assignment's local partials, looked up or built
        counts["locals"] += 1
        return local(self, *args, **kw)

    monkeypatch.setattr(Program, "gradient", sweep)
    monkeypatch.setattr(Program, "_local", partials)
    x = np.linspace(-1.0, 1.5, 30)
    # logsumexp, through x[::-1] so that it stays on the per-scalar program (not tensor.py's einsum terms)
    H = np.asarray(dl.hessian(lambda x: np.log(np.sum(np.exp(x[::-1]))), method="symbolic")(x))
    p = np.exp(x) / np.sum(np.exp(x))
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-15)  # the softmax's Jacobian
    assert counts["sweeps"] == 1, counts  # main: 31, the gradient's and one per gradient entry
    # one lookup per assignment the gradient reads (≈ 3n here), where n sweeps made ≈ n per sweep (main: 1022)
    assert counts["locals"] < 4 * x.size, counts
