"""Forward-mode Hessians (forward-over-forward) against reverse's (forward-over-reverse) on ops users reach for, at
n = 64: CPU time per warm call (time.process_time, the least of 7, after one call), the ratio, and the two Hessians'
largest difference. Forward-over-forward's work grows as n² sweeps of f, reverse's as n (JAX's jacfwd(jacfwd(f))
against jacfwd(jacrev(f)) likewise); issue 17 was a filter whose forward Hessian took 135× reverse's time.

    python bench/forward_hessians.py [name ...]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import difflab as dl

N = 64
RNG = np.random.default_rng(0)
X0 = RNG.normal(size=N) * 0.5
K7 = RNG.normal(size=7)
SIG = RNG.normal(size=N)
A = RNG.normal(size=(N, N)) / 8
IDX = RNG.integers(0, N, size=N)
W = np.linspace(0.5, 1.5, N)

FUNCS = {
    "convolve_same": lambda x: np.sum(np.sin(np.convolve(x, K7, mode="same"))),
    "convolve_xx": lambda x: np.sum(np.convolve(x, x) ** 2),
    "convolve_fir": lambda x: np.sum((np.convolve(SIG, x[:11] / np.sum(x[:11]), mode="same") - SIG) ** 2),
    "correlate": lambda x: np.sum(np.sin(np.correlate(x, K7, mode="same"))),
    "correlate_xx": lambda x: np.sum(np.correlate(x, x, mode="full") ** 2),
    "cumsum": lambda x: np.sum(np.sin(np.cumsum(x))),
    "diff": lambda x: np.sum(np.sin(np.diff(x))),
    "einsum": lambda x: np.sum(np.tanh(np.einsum("ij,j->i", A, x))),
    "einsum_quad": lambda x: np.einsum("i,ij,j->", x, A, x) + np.sum(x**4),
    "sort": lambda x: np.sum(W * np.sort(x) ** 3),
    "take": lambda x: np.sum(np.sin(np.take(x, IDX))),
    "pad": lambda x: np.sum(np.sin(np.pad(x, 3, mode="reflect")) * np.arange(N + 6)),
    "fft": lambda x: np.sum(W[: N // 2 + 1] * np.abs(np.fft.rfft(x)) ** 2) + np.sum(x**4),
    "matvec_tanh": lambda x: np.sum(np.tanh(A @ x)),
}


def best(fn, x, reps=7) -> float:
    fn(x)
    times = []
    for _ in range(reps):
        t = time.process_time()
        fn(x)
        times.append(time.process_time() - t)
    return min(times)


def main(names):
    for name in names or list(FUNCS):
        f = FUNCS[name]
        hf, hr = dl.hessian(f, method="forward"), dl.hessian(f, method="reverse")
        tf, tr = best(hf, X0), best(hr, X0)
        diff = np.max(np.abs(hf(X0) - hr(X0)))
        print(
            f"{name:14s} forward {tf * 1e3:8.2f} ms  reverse {tr * 1e3:8.2f} ms  ratio {tf / tr:6.2f}  |dH| {diff:.1e}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
