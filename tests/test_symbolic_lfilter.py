"""The symbolic method through scipy.signal.lfilter's recurrence (the registry entry's SymPy translation,
ops/signal._recurrence): each output and state named as it is made (ops.core.named_value), so y[n] is a small
expression of names. Written out, y[n] held y[n − 1] and the state holding y[n − 2], a tree doubling per step: a
second-order filter of 16 samples wrote y[15] with 9,000 operations, and tests/test_user_code13's
iir_lfilter_fit's symbolic Hessian took 72 s of CPU (issue 17); now under 1 s. Values against reverse mode."""

import numpy as np

import difflab as dl
from difflab.differentiators.program import to_sympy
from difflab.scipy import signal as dsignal

X = np.sin(np.arange(16.0) * 0.7) + 0.3 * np.cos(np.arange(16.0) * 2.1)
Y = np.convolve(X, [0.3, 0.2], mode="full")[:16]
C0 = np.array([0.25, 0.15, 0.05, -0.3, 0.1, 0.4])


def iir_fit(c):
    """tests/test_user_code13's iir_lfilter_fit: a second-order IIR filter learned, then a first-order one with zi."""
    y = dsignal.lfilter(c[:3], np.concatenate([[1.0], c[3:5]]), X)
    y2 = dsignal.lfilter([1.0 - c[5]], [1.0, -c[5]], y, zi=[0.1])[0]
    return np.mean((y - Y) ** 2) + 0.1 * np.mean(y2**2)


def test_lfilter_translation_names_each_step():
    import sympy as sp

    program = to_sympy(dl.trace(iir_fit, C0))
    largest = max(sp.count_ops(e) for _, e in program.assignments)
    assert largest <= 40  # (the means, 31; before: 9,000 for y[15] of the second-order filter)


def test_symbolic_hessian_through_two_lfilters_is_reverse_s():
    got = dl.hessian(iir_fit, method="symbolic")(C0)
    want = dl.hessian(iir_fit, method="reverse")(C0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    u, v = np.cos(np.arange(6) + 1.0), np.sin(np.arange(6) + 1.0)  # (test_user_code13's stored jax.hessian: uᵀHv, ΣH²)
    np.testing.assert_allclose([u @ got @ v, np.sum(got * got)], [-1.7039720892331445, 16.494565606145393], rtol=1e-11)
