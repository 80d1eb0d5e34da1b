"""Forward-mode Hessians at the cost of their sweeps (issue 17: a learned FIR's forward Hessian took 130× reverse's).

Three causes, each fixed in its one place and counted here, not timed:
- a batched chunk of directions whose J V held no normal number (a Hessian's columns that the gradient never reads,
  a filter's taps x[:5] of x's 24 entries: exactly 0) was swept again row by row by the interpreter, one sweep a
  direction, in case a term was lost to underflow; it is kept where the same batched sweep at V·2^1000 is 0 too,
  raising nothing (differentiators/rescaled.zero_again), as a lost term would not be;
- np.convolve (and np.correlate) multiplied its Toeplitz rows by v and summed them: batched, a (k, n + m - 1, m)
  block written and summed per step; now a matmul (difflab/numpy/statistical.py);
- einsum ran NumPy's one loop over every letter, 'ai,ij,bj->ba' of forward-over-forward 7 ms; it goes pairwise by
  NumPy's greedy path above 2^15 loop entries (the einsum entry, difflab/ops/linalg.py).
References: JAX x64 (jax.hessian), stored as (uᵀHv, ΣH², H[0, 0], H[1, 3]) with u = cos(k + 1), v = sin(k + 1)."""

import numpy as np
import pytest

import difflab as dl
from difflab.differentiators.forward import Forward

T = np.arange(24.0)
SIG = np.sin(0.35 * T) + 0.1 * np.cos(2.7 * T)
X24 = 1.0 + 0.3 * np.cos(T)
X16 = np.sin(np.arange(16.0) + 0.5)


def fir(x):
    """A learned FIR: 5 taps x[:5] normalised to unit gain, run over a fixed signal; x[5:] are read by nothing."""
    h = x[:5] / np.sum(x[:5])
    return np.sum((np.convolve(SIG, h, mode="same") - 0.9 * SIG) ** 2)


def conv(x):
    return np.sum(np.convolve(x, x) ** 2 * np.arange(31.0))


def corr(x):
    return np.sum(np.correlate(x, x[:7] ** 2, mode="full") ** 3)


JAX = {  # jax.hessian, x64
    "fir": (0.9610798756214005, 1.7462303644462218, 0.1773395963542816, -0.07646451539346567),
    "conv": (-17048.517641485712, 76009751.2580534, 459.8118016318085, -198.13780244745146),
    "corr": (-188.4481648954003, 18998.22085878921, 21.60285975804019, -4.216054130022913),
}


def _check(H, name):
    n = H.shape[0]
    u, v = np.cos(np.arange(n) + 1.0), np.sin(np.arange(n) + 1.0)
    uhv, sq, h00, h13 = JAX[name]
    assert u @ H @ v == pytest.approx(uhv, rel=1e-12)
    assert np.sum(H * H) == pytest.approx(sq, rel=1e-12)
    assert (H[0, 0], H[1, 3]) == pytest.approx((h00, h13), rel=1e-12)


@pytest.mark.parametrize("method", ["forward", (Forward(chunk=4), "forward"), "reverse"])
def test_a_filters_hessian_equals_jax_and_sweeps_no_direction_alone(method, monkeypatch):
    """Chunks of 4 directions: 2 read the taps, 4 give exactly 0 (main swept those 16 directions one by one in the
    interpreter, every call); the second call interprets no one-direction sweep."""
    sweeps = []
    one = Forward.Prepared._one
    monkeypatch.setattr(Forward.Prepared, "_one", lambda self, ins, v: sweeps.append(1) or one(self, ins, v))
    H = dl.hessian(fir, method=method)
    _check(H(X24), "fir")
    sweeps.clear()
    H2 = H(X24)
    _check(H2, "fir")
    assert not H2[:, 5:].any() and not H2[5:].any()
    assert len(sweeps) == 0


@pytest.mark.parametrize("method", ["forward", "reverse"])
@pytest.mark.parametrize("name, f", [("conv", conv), ("corr", corr)])
def test_convolve_and_correlate_hessians_equal_jax(name, f, method):
    _check(dl.hessian(f, method=method)(X16), name)


def test_convolve_writes_no_product_block():
    """np.convolve(x, x) of 16 entries traced: the gathered rows (31 × 16) and their mask are the only blocks; the
    product rows · v (another 31 × 16, summed) is a matmul now."""
    graph = dl.trace(lambda x: np.convolve(x, x), X16)
    blocks = [e for e in graph.eqns if e.out.shape == (31, 16)]
    assert len(blocks) == 2
    assert any(e.op.name == "matmul" for e in graph.eqns)


def test_einsum_hessian_contracts_pairwise(monkeypatch):
    """xᵀAx + Σx⁴ by einsum at n = 40: H = A + Aᵀ + diag(12x²) by both methods; no contraction of more than 2^15
    loop entries runs NumPy's one loop (main: forward-over-forward's 'ai,ij,bj->ba' and kin, every call)."""
    n = 40
    A = np.cos(np.arange(n * n).reshape(n, n) * 0.37) / 8
    x = np.sin(np.arange(n) + 0.5)
    f = lambda x: np.einsum("i,ij,j->", x, A, x) + np.sum(x**4)  # noqa: E731
    want = A + A.T + np.diag(12 * x**2)
    long_loops = []
    einsum = np.einsum

    def spy(subscripts, *xs, **kw):
        if kw.get("optimize", False) is False and len(xs) > 1:
            sizes = {}
            for sub, a in zip(subscripts.split("->")[0].split(","), xs):
                sizes.update(zip(sub, np.shape(a)))
            if np.prod(list(sizes.values()), dtype=float) > 2**15:
                long_loops.append(subscripts)
        return einsum(subscripts, *xs, **kw)

    monkeypatch.setattr(np, "einsum", spy)
    for method in ("forward", "reverse"):
        np.testing.assert_allclose(dl.hessian(f, method=method)(x), want, rtol=1e-13, atol=1e-14)
    assert long_loops == []


def test_strong_zeros_hold_in_a_long_contraction():
    """strong_einsum along the path: a zero cotangent row meets the inf column as 0, a nonzero one as IEEE's inf."""
    from difflab.ops.linalg import strong_einsum_front

    u = np.ones((64, 64))
    u[:, 3] = 0.0
    m = np.ones((64, 64))
    m[3, 5] = np.inf
    assert np.all(strong_einsum_front("ij,jk->ik", u, m) == 63.0)
    u[0, 3] = 1.0
    got = strong_einsum_front("ij,jk->ik", u, m)
    assert got[0, 5] == np.inf and np.all(np.delete(got[0], 5) == 64.0) and np.all(got[1:] == 63.0)


def test_a_lost_term_in_a_batched_chunk_is_still_found():
    """cbrt(1/x)' at 1e200, by chunks of 2 directions: 1/x's tangent -1e-400 underflows in the batched sweep, which
    declines; the rows' sweep again at 2^1000 finds -x^(-4/3)/3 = -7.18e-268 (not 0)."""
    x = np.full(4, 1e200)
    J = dl.jacobian(lambda v: np.cbrt(1.0 / v), method=Forward(chunk=2))(x)
    np.testing.assert_allclose(np.diag(J), -1.0 / 3.0 * 1e200 ** (-4.0 / 3.0), rtol=1e-12)
