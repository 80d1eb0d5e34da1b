"""What a user writes, round 67: seven new users' own NumPy code written with `import difflab.numpy as np`, from
domains the earlier rounds leave out, each program's value and gradient by all four methods (fresh at its point,
prepared there and called at x + 0.05·sin(k + 1)) against the same source run with jax.numpy in x64 (stored: f,
g·cos(k + 1), |g|²; np.add.at spelt with JAX's .at[].add, sliding_window_view as a stack of slices), and a Hessian by
forward or reverse.

Optimal transport: log-domain Sinkhorn by logsumexp(axis=1, b=) and (axis=0), Sinkhorn scaling with K = exp(-C/ε),
marginals by logsumexp(axis=-1/-2, keepdims) and sums over tuple axes, 1-D and sliced Wasserstein by np.sort(axis=0),
unbalanced OT's KL terms by xlogy. Recommenders: embedding gathers by repeated ids with norm(ord='fro'), biases and
row norms (axis=1, axis=-1 keepdims), per-user losses by np.add.at into zeros_like, BPR by logaddexp, a factorisation
machine, sampled softmax by take_along_axis. Survival: Cox by a reversed cumsum (`[::-1]`) and by
np.logaddexp.accumulate, Weibull with censoring by np.where, log1p and expm1, piecewise hazards, np.cumprod survival,
Gompertz, discrete-time logits. Quantum: Rx·Rz by np.exp(1j·θ) and np.vdot, a VQE by np.kron and np.conj, Born
probabilities of a DFT, eigh of a Hermitian matrix (eigenvector moduli), eigvalsh of a ring with Peierls phases, a
density matrix's purity by np.trace, phase retrieval by |fft|² and np.angle. RL: REINFORCE (take_along_axis of
log-softmax, returns by a reversed loop), GAE on traced TD errors, PPO's clipped surrogate, soft value iteration by
einsum and logsumexp, a Huber TD loss over max(axis=1), a tanh Gaussian policy. Meshes: areas by np.cross, tetrahedra
by det of a (2, 3, 3) stack, bending by arccos(clip(...)), Laplacian smoothing by np.add.at over edge arrays, a
polyline by np.append/np.diff/np.unwrap, cotangent weights. Time series: a Kalman filter (solve, np.outer), AR
residuals by np.convolve(mode='valid'), an ACF by np.correlate(mode='full'), a moving average by
sliding_window_view, Holt smoothing, ARMA residuals. Kinetics: Arrhenius, A → B → C by Euler, a power-law rate by
np.power(C, n[None, :]) and np.prod(axis=1), Gibbs energy, Hill kinetics with a traced exponent. Sorting losses:
least trimmed squares by np.sort, argsort(kind='stable') as constants, pinball loss with np.quantile and np.median,
a pairwise hinge by np.maximum(0, ...), ListNet with a sorted top-3, medians and percentiles along axis 0.

What they met (55 programs × 4 methods, prepared at a second point, Hessians by forward and reverse, hvp, vmap of f
and of grad, jit, jacfwd/jacrev of grad, linearize, vjp and checkpoint on every program; each fed ints, a list, a
short and a long vector, NaN, 0-d, empty, (1, n), float32 and a read-only array; then ~130 calls varying NumPy's
options and ~110 edge inputs of the ops they use): every gradient, Hessian, hvp, vmap and jit equal to JAX's, no
input mutated, no output aliasing one. Wrong silently, fixed here: np.median and np.quantile/np.percentile of a
slice holding a NaN read the finite middle values (np.median([1, nan, 2, 3]) was 2.5, NumPy's and JAX's NaN;
np.quantile(.., 0.25) 1.75); np.take_along_axis with indices of one row (NumPy broadcasts them over arr's rows) gave
one row, and indices of fewer dimensions than arr gave a number (NumPy: "must have the same number of dimensions").
Refused where NumPy runs, fixed: np.take_along_axis(..., axis=None) ("axis must be an int, got None");
np.asanyarray, np.ascontiguousarray and np.asfortranarray of a traced value (NumPy's conversion: "would drop its
derivative"); scipy's logsumexp of an empty set (-inf; was "zero-size array to reduction operation maximum").
Bare tracebacks, now errors naming the problem: np.linalg.solve with b of the wrong length ("matmul: cannot apply
...", an op the user did not call) or a 1-D a ("inv: ..."). Wrong input taken, now NumPy's error: np.correlate of a
0-d value (NumPy: "object of too small depth"); an axis out of range (np.sum(x, axis=2) of a matrix, np.sort,
np.cumsum, logsumexp, norm) is NumPy's AxisError (main: a plain ValueError, which `except AxisError` missed). Other: np.median of an int array
with an odd count was int64 (NumPy: float64), fixed. Left: np.quantile of a float32 array is float64 (NumPy: float32
for a number q, float64 for a list), np.mean/np.sum/np.cumsum(dtype=float32) accumulate in float64 then
round (NumPy accumulates in float32: 1 ulp apart), np.unwrap of float32 is float64; a -inf output's gradient (an
empty logsumexp summed) is NaN in every entry, DESIGN.md §6's rule for a non-finite output.
"""

import numpy as onp
import pytest

from tier import FULL, one_per
from user_code import (
    METHODS,
    at_two_points,
    check_gradient,
    check_hessian,
    check_hvp_vmap_jit,
    gradient_tol,
    check_bad_inputs,
)

import difflab as dl
import difflab.numpy as np
import difflab.scipy.special as sps

_r = onp.random.default_rng(67)

# ------------------------------------------------ optimal transport (user A)
a_ot = onp.array([0.2, 0.3, 0.1, 0.4])
b_ot = onp.array([0.25, 0.25, 0.5])
X_ot = _r.standard_normal((4, 2))
Y_ot = _r.standard_normal((3, 2))


def sinkhorn_log(z):
    """log-domain Sinkhorn: cost from moved source points, logsumexp over axes, 20 iterations, <P, C>"""
    Xs = X_ot + z.reshape(4, 2)
    C = np.sum((Xs[:, None, :] - Y_ot[None, :, :]) ** 2, axis=-1)
    eps = 0.5
    f = np.zeros(4)
    g = np.zeros(3)
    for _ in range(20):
        f = -eps * sps.logsumexp((g[None, :] - C) / eps, axis=1, b=b_ot[None, :])
        g = -eps * sps.logsumexp((f[:, None] - C) / eps, axis=0, b=a_ot[:, None])
    logP = (f[:, None] + g[None, :] - C) / eps + np.log(a_ot)[:, None] + np.log(b_ot)[None, :]
    P = np.exp(logP)
    return np.sum(P * C)


def sinkhorn_scaling(z):
    """classical Sinkhorn scaling with K = exp(-C/eps), u, v by division, the entropic cost"""
    Xs = X_ot + z.reshape(4, 2)
    C = np.sum((Xs[:, None, :] - Y_ot[None, :, :]) ** 2, axis=2)
    K = np.exp(-C / 1.0)
    u = np.ones(4)
    v = np.ones(3)
    for _ in range(15):
        u = a_ot / (K @ v)
        v = b_ot / (K.T @ u)
    P = u[:, None] * K * v[None, :]
    return np.sum(P * C) + 1.0 * np.sum(P * (np.log(P) - 1))


def sinkhorn_marginals(w):
    """learned source weights via softmax; marginal error of the plan along tuple/negative axes with keepdims"""
    a = np.exp(w) / np.sum(np.exp(w))
    C = onp.sum((X_ot[:, None, :] - Y_ot[None, :, :]) ** 2, axis=-1)
    logK = -C / 0.3
    f = np.zeros((4, 1))
    g = np.zeros((1, 3))
    for _ in range(10):
        f = np.log(a)[:, None] - sps.logsumexp(logK + g, axis=-1, keepdims=True)
        g = np.log(b_ot)[None, :] - sps.logsumexp(logK + f, axis=-2, keepdims=True)
    P = np.exp(logK + f + g)
    return np.sum(P * C) + np.sum((np.sum(P, axis=(1,)) - a) ** 2) * 10 + np.sum(P, axis=(0, 1))


def wasserstein_1d(x):
    """1-D Wasserstein-2 between samples by sorting both, and a quantile-matched target"""
    t = onp.array([0.1, -0.4, 1.3, 0.7, -1.1, 0.2])
    return np.mean((np.sort(x) - np.sort(t)) ** 2)


def sliced_wasserstein(z):
    """sliced Wasserstein in 2-D: fixed projections, sort along axis 0, mean"""
    P = z.reshape(5, 2)
    Q = onp.array([[0.0, 1.0], [1.0, 0.5], [-0.5, -0.2], [0.3, 0.9], [1.2, -0.7]])
    th = onp.linspace(0, onp.pi, 4, endpoint=False)
    D = onp.stack([onp.cos(th), onp.sin(th)])
    a = np.sort(P @ D, axis=0)
    b = onp.sort(Q @ D, axis=0)
    return np.mean((a - b) ** 2)


def unbalanced_ot(z):
    """unbalanced OT objective with KL marginal penalties written with xlogy, plan given by exp(z)"""
    P = np.exp(z.reshape(4, 3))
    C = onp.sum((X_ot[:, None, :] - Y_ot[None, :, :]) ** 2, axis=-1)
    r = P.sum(axis=1)
    c = P.sum(axis=0)
    kl = lambda p, q: np.sum(sps.xlogy(p, p / q) - p + q)
    return np.sum(P * C) + 0.5 * kl(r, a_ot) + 0.5 * kl(c, b_ot) + 0.1 * np.sum(sps.xlogy(P, P))


# ------------------------------------------------ recommender systems (user B)
users_rs = onp.array([0, 1, 1, 2, 0, 3, 2, 2, 1])
items_rs = onp.array([1, 0, 2, 2, 3, 1, 0, 1, 3])
r_rs = onp.array([4.0, 3.0, 5.0, 2.0, 1.0, 4.0, 3.5, 2.5, 4.5])


def mf_gather(p):
    """matrix factorisation: embedding gathers with repeated ids, squared error, Frobenius regulariser"""
    U = p[:8].reshape(4, 2)
    V = p[8:16].reshape(4, 2)
    pred = np.sum(U[users_rs] * V[items_rs], axis=1) + 3.0
    return np.mean((pred - r_rs) ** 2) + 0.05 * (np.linalg.norm(U, ord="fro") ** 2 + np.linalg.norm(V, "fro") ** 2)


def mf_biases(p):
    """biases per user and item, gathered; row norms by np.linalg.norm(axis=1) as a regulariser"""
    U = p[:8].reshape(4, 2)
    V = p[8:16].reshape(4, 2)
    bu = p[16:20]
    bi = p[20:24]
    pred = np.einsum("ij,ij->i", U[users_rs], V[items_rs]) + bu[users_rs] + bi[items_rs] + 3.0
    return (
        np.sum((pred - r_rs) ** 2)
        + 0.1 * np.sum(np.linalg.norm(U, axis=1))
        + 0.1 * np.sum(np.linalg.norm(V, axis=-1, keepdims=True) ** 2)
    )


def mf_add_at(p):
    """per-user loss accumulated with np.add.at into a zeros_like buffer (repeated ids), then a weighted sum"""
    U = p[:8].reshape(4, 2)
    V = p[8:16].reshape(4, 2)
    err = (np.sum(U[users_rs] * V[items_rs], axis=1) + 3.0 - r_rs) ** 2
    per_user = np.zeros_like(p, shape=4)
    np.add.at(per_user, users_rs, err)
    cnt = onp.bincount(users_rs, minlength=4)
    return np.sum(per_user / cnt) + 0.01 * np.sum(p**2)


def bpr_loss(p):
    """Bayesian personalised ranking: positive vs negative item scores, -log sigmoid by np.logaddexp"""
    U = p[:8].reshape(4, 2)
    V = p[8:16].reshape(4, 2)
    u = onp.array([0, 0, 1, 2, 3, 3])
    pos = onp.array([1, 2, 0, 2, 1, 1])
    neg = onp.array([3, 3, 2, 0, 0, 2])
    x = np.sum(U[u] * (V[pos] - V[neg]), axis=-1)
    return np.sum(np.logaddexp(0.0, -x)) + 0.01 * np.linalg.norm(p) ** 2


def factorization_machine(p):
    """factorisation machine: pairwise term by the (sum)^2 - sum of squares trick, logistic loss"""
    X = onp.array([[1.0, 0.0, 1.0, 0.5], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 2.0]])
    y = onp.array([1.0, -1.0, 1.0])
    w0 = p[0]
    w = p[1:5]
    Vf = p[5:13].reshape(4, 2)
    inter = 0.5 * np.sum((X @ Vf) ** 2 - (X**2) @ (Vf**2), axis=1)
    s = w0 + X @ w + inter
    return np.mean(np.log1p(np.exp(-y * s)))


def sampled_softmax(p):
    """sampled softmax over item scores: take_along_axis of the positive column, logsumexp over candidates"""
    U = p[:8].reshape(4, 2)
    V = p[8:16].reshape(4, 2)
    cand = onp.array([[1, 0, 3], [2, 1, 0], [2, 3, 1], [1, 2, 0]])
    pos_col = onp.array([[0], [1], [0], [2]])
    S = np.einsum("ud,ukd->uk", U, V[cand])
    lp = S - sps.logsumexp(S, axis=1, keepdims=True)
    return -np.mean(np.take_along_axis(lp, pos_col, axis=1))


# ------------------------------------------------ survival analysis (user C)
t_sv = onp.array([2.0, 3.5, 1.0, 4.2, 5.0, 0.7, 3.0, 2.2])
ev_sv = onp.array([1, 0, 1, 1, 0, 1, 0, 1], dtype=bool)
X_sv = _r.standard_normal((8, 3))


def cox_partial(beta):
    """Cox partial likelihood: sort by time, risk sets by a reversed cumsum of exp(eta)"""
    order = onp.argsort(t_sv)
    eta = X_sv[order] @ beta
    ev = ev_sv[order]
    risk = np.cumsum(np.exp(eta)[::-1])[::-1]
    return -np.sum(np.where(ev, eta - np.log(risk), 0.0))


def cox_logcumsumexp(beta):
    """Cox with a stable log-risk: np.logaddexp.accumulate on the reversed eta"""
    order = onp.argsort(t_sv)
    eta = X_sv[order] @ beta
    logrisk = np.logaddexp.accumulate(eta[::-1])[::-1]
    return -np.sum((eta - logrisk)[ev_sv[order]])


def weibull_censored(p):
    """Weibull AFT: log-likelihood of events, log-survival of censored by np.where; log1p / expm1"""
    k = np.exp(p[0])
    lam = np.exp(X_sv @ p[1:4])
    z = (t_sv / lam) ** k
    logf = np.log(k) - np.log(lam) + (k - 1) * np.log(t_sv / lam) - z
    logS = -z
    cdf = -np.expm1(-z)
    return -np.sum(np.where(ev_sv, logf, logS)) + 0.1 * np.sum(np.log1p(cdf**2))


def piecewise_hazard(h):
    """piecewise-constant hazard on fixed intervals: cumulative hazard by np.cumsum, exposure by np.clip"""
    edges = onp.array([0.0, 1.0, 2.5, 4.0, 6.0])
    haz = np.exp(h)
    expo = onp.clip(t_sv[:, None] - edges[None, :-1], 0.0, onp.diff(edges)[None, :])
    H = expo @ haz
    k = onp.searchsorted(edges, t_sv, side="right") - 1
    return -np.sum(np.where(ev_sv, np.log(haz[k]), 0.0) - H)


def kaplan_meier_fit(h):
    """discrete hazards via sigmoid; survival curve by np.cumprod(1 - h) against a Kaplan-Meier estimate"""
    q = 1 / (1 + np.exp(-h))
    S = np.cumprod(1 - q)
    km = onp.array([0.9, 0.75, 0.62, 0.5, 0.33])
    return np.sum((S - km) ** 2) + 0.01 * np.sum(np.diff(h) ** 2)


def gompertz_nll(p):
    """Gompertz hazard b·exp(c t); cumulative hazard (b/c)·expm1(c t); censoring by an event mask multiply"""
    b = np.exp(p[0])
    c = p[1]
    H = b / c * np.expm1(c * t_sv)
    logh = np.log(b) + c * t_sv
    e = ev_sv.astype(float)
    return -np.sum(e * logh - H)


def discrete_time_logit(w):
    """discrete-time survival: person-period rows, hazard by logit, log1p(-h) for survived periods"""
    T = onp.array([3, 1, 2, 4, 2])
    E = onp.array([1, 0, 1, 0, 1])
    rows = []
    for i in range(5):
        for j in range(T[i]):
            rows.append((j, 1.0 if (j == T[i] - 1 and E[i]) else 0.0))
    per = onp.array([r[0] for r in rows])
    y = onp.array([r[1] for r in rows])
    eta = w[per]
    h = 1 / (1 + np.exp(-eta))
    return -np.sum(y * np.log(h) + (1 - y) * np.log1p(-h))


# ------------------------------------------------ quantum / complex (user D)
def qubit_rotation(th):
    """single-qubit Rx·Rz·Rx by np.exp(1j θ); fidelity |<target|psi>|^2 by np.vdot"""
    c, s = np.cos(th[0] / 2), np.sin(th[0] / 2)
    Rx = np.array([[c, -1j * s], [-1j * s, c]])
    Rz = np.diag(np.exp(np.array([-0.5j, 0.5j]) * th[1]))
    c2, s2 = np.cos(th[2] / 2), np.sin(th[2] / 2)
    Rx2 = np.array([[c2, -1j * s2], [-1j * s2, c2]])
    psi = Rx2 @ Rz @ Rx @ onp.array([1.0, 0.0])
    target = onp.array([1.0, 1.0j]) / onp.sqrt(2)
    return 1 - np.abs(np.vdot(target, psi)) ** 2


def two_qubit_vqe(th):
    """VQE: RY layers by np.kron, a CNOT, energy <psi|H|psi> with np.conj, real part"""

    def ry(t):
        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])

    CNOT = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
    Z = onp.diag([1.0, -1.0])
    X = onp.array([[0.0, 1.0], [1.0, 0.0]])
    H = onp.kron(Z, Z) + 0.5 * onp.kron(X, onp.eye(2)) + 0.5 * onp.kron(onp.eye(2), X)
    psi = onp.array([1, 0, 0, 0], dtype=complex)
    psi = np.kron(ry(th[0]), ry(th[1])) @ psi
    psi = CNOT @ psi
    psi = np.kron(ry(th[2]), ry(th[3])) @ psi
    return np.real(np.conj(psi) @ H @ psi)


def born_probs(th):
    """phases exp(1j θ) on a uniform superposition, a DFT by a matrix, Born probabilities |ψ|², cross-entropy"""
    n = 4
    psi = np.exp(1j * th) / 2.0
    F = onp.exp(-2j * onp.pi * onp.outer(onp.arange(n), onp.arange(n)) / n) / 2.0
    out = F @ psi
    p = np.abs(out) ** 2
    target = onp.array([0.1, 0.6, 0.2, 0.1])
    return -np.sum(target * np.log(p + 1e-9))


def hermitian_ground(p):
    """ground-state energy of a parametrised Hermitian 3×3 by np.linalg.eigh; gap penalty"""
    A = p[:9].reshape(3, 3) + 1j * p[9:18].reshape(3, 3)
    Hm = A + np.conj(A).T
    w, V = np.linalg.eigh(Hm)
    return w[0] + 0.1 * (w[1] - w[0] - 1.0) ** 2 + np.abs(V[0, 0]) ** 2


def ring_hamiltonian(p):
    """tight-binding ring with Peierls phases exp(1j·phi); sum of the two lowest eigenvalues by eigvalsh"""
    n = 4
    t = p[:n]
    phi = p[n]
    Hm = np.zeros((n, n), dtype=complex)
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            if j == (i + 1) % n:
                row.append(-t[i] * np.exp(1j * phi))
            elif i == (j + 1) % n:
                row.append(-t[j] * np.exp(-1j * phi))
            else:
                row.append(0.0 * phi + 0j)
        rows.append(np.stack(row))
    Hm = np.stack(rows) + np.diag(onp.array([0.1, -0.2, 0.3, 0.0]))
    w = np.linalg.eigvalsh(Hm)
    return np.sum(w[:2])


def density_matrix_purity(p):
    """a density matrix rho = A A^H / tr(A A^H), purity tr(rho^2) and a fidelity-like overlap by np.trace"""
    A = p[:4].reshape(2, 2) + 1j * p[4:8].reshape(2, 2)
    M = A @ np.conj(A.T)
    rho = M / np.real(np.trace(M))
    sig = onp.array([[0.7, 0.2 - 0.1j], [0.2 + 0.1j, 0.3]])
    return np.real(np.trace(rho @ rho)) - np.real(np.trace(rho @ sig))


def phase_retrieval(p):
    """phase retrieval: complex object from real and imaginary parts, |fft|² against measured intensities"""
    z = p[:6] + 1j * p[6:12]
    meas = onp.array([3.0, 1.0, 0.5, 0.2, 0.5, 1.0])
    I = np.abs(np.fft.fft(z)) ** 2
    return np.sum((I - meas) ** 2) + 0.1 * np.sum(np.imag(z) ** 2) + np.abs(np.angle(z[0] + 2.0))


# ------------------------------------------------ reinforcement learning (user E)
S_rl = _r.standard_normal((6, 3))
A_rl = onp.array([0, 2, 1, 1, 0, 2])
R_rl = onp.array([1.0, 0.0, -0.5, 2.0, 0.3, 1.0])


def reinforce(w):
    """REINFORCE: softmax policy over 3 actions, log-probs by take_along_axis, discounted returns by a reversed loop"""
    W = w.reshape(3, 3)
    logits = S_rl @ W
    logp = logits - sps.logsumexp(logits, axis=-1, keepdims=True)
    G = []
    g = 0.0
    for r in R_rl[::-1]:
        g = r + 0.9 * g
        G.append(g)
    G = onp.array(G[::-1])
    lpa = np.take_along_axis(logp, A_rl[:, None], axis=1)[:, 0]
    return -np.sum(lpa * (G - G.mean()))


def gae_critic(w):
    """GAE: linear critic, TD errors, advantages by a reversed loop on traced values, critic loss + actor loss"""
    v = S_rl @ w[:3]
    v_next = np.concatenate([v[1:], np.zeros(1)])
    delta = R_rl + 0.95 * v_next - v
    adv = []
    a = 0.0
    for t in range(5, -1, -1):
        a = delta[t] + 0.95 * 0.9 * a
        adv.append(a)
    adv = np.stack(adv[::-1])
    ret = adv + v
    return 0.5 * np.mean((v - ret) ** 2) + np.mean(adv**2) + 0.1 * np.sum(w[3:] ** 2 * adv[0])


def ppo_clip(w):
    """PPO's clipped surrogate: ratio = exp(logp - old), np.minimum of r·A and clip(r)·A, an entropy bonus"""
    W = w.reshape(3, 3)
    logits = S_rl @ W
    logp = logits - sps.logsumexp(logits, axis=1, keepdims=True)
    old = onp.log(onp.full((6, 3), 1 / 3))
    adv = onp.array([0.5, -1.0, 0.3, 1.2, -0.2, 0.8])
    lp = logp[onp.arange(6), A_rl]
    ratio = np.exp(lp - old[onp.arange(6), A_rl])
    surr = np.minimum(ratio * adv, np.clip(ratio, 0.8, 1.2) * adv)
    ent = -np.sum(np.exp(logp) * logp, axis=-1)
    return -np.mean(surr) - 0.01 * np.mean(ent)


def soft_value_iteration(r):
    """soft value iteration on a 4-state, 2-action MDP: Q = r + γ P V, V = logsumexp(Q, axis=1), 25 sweeps"""
    R = r.reshape(4, 2)
    P = onp.array(
        [
            [[0.9, 0.1, 0, 0], [0.1, 0.9, 0, 0]],
            [[0, 0.8, 0.2, 0], [0.5, 0, 0.5, 0]],
            [[0, 0, 0.7, 0.3], [0.3, 0, 0, 0.7]],
            [[0.2, 0, 0, 0.8], [0, 0, 0.1, 0.9]],
        ]
    )
    V = np.zeros(4)
    for _ in range(25):
        Q = R + 0.8 * np.einsum("sat,t->sa", P, V)
        V = sps.logsumexp(Q, axis=1)
    pi = np.exp(Q - V[:, None])
    return V[0] + np.sum(pi[:, 0] ** 2)


def q_learning_td(w):
    """linear Q-learning TD loss: max over next actions (np.max(axis=1)), gathers by np.arange indexing"""
    W = w.reshape(3, 3)
    S2 = onp.roll(S_rl, -1, axis=0)
    q = S_rl @ W
    q_next = np.max(S2 @ W, axis=1)
    target = R_rl + 0.9 * q_next
    td = q[onp.arange(6), A_rl] - target
    return np.mean(np.where(np.abs(td) < 1.0, 0.5 * td**2, np.abs(td) - 0.5))


def gaussian_policy(p):
    """continuous-action Gaussian policy: mean by tanh, log-std, log-likelihood of actions and tanh correction"""
    mu = np.tanh(S_rl @ p[:3])
    log_std = p[3]
    a = onp.array([0.2, -0.5, 0.9, 0.1, -0.3, 0.6])
    z = (a - mu) / np.exp(log_std)
    logp = -0.5 * z**2 - log_std - 0.5 * np.log(2 * np.pi)
    return -np.sum(logp * R_rl) + 0.5 * np.exp(2 * log_std)


# ------------------------------------------------ meshes / computational geometry (user F)
V_ms = onp.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.1], [0.0, 1.0, 0.2], [1.0, 1.0, 0.0], [0.5, 0.5, 1.0]])
F_ms = onp.array([[0, 1, 2], [1, 3, 2], [0, 1, 4], [1, 3, 4], [3, 2, 4], [2, 0, 4]])


def triangle_areas(d):
    """surface area by np.cross of edge vectors, areas equalised around a target"""
    V = V_ms + d.reshape(5, 3)
    e1 = V[F_ms[:, 1]] - V[F_ms[:, 0]]
    e2 = V[F_ms[:, 2]] - V[F_ms[:, 0]]
    A = 0.5 * np.linalg.norm(np.cross(e1, e2), axis=1)
    return np.sum(A) + np.var(A) * 10


def tet_volumes(d):
    """signed volumes of a stack of tetrahedra by np.linalg.det on (n, 3, 3)"""
    V = V_ms + d.reshape(5, 3)
    T = onp.array([[0, 1, 2, 4], [1, 3, 2, 4]])
    M = np.stack([V[T[:, 1]] - V[T[:, 0]], V[T[:, 2]] - V[T[:, 0]], V[T[:, 3]] - V[T[:, 0]]], axis=1)
    vol = np.linalg.det(M) / 6
    return np.sum((vol - 0.1) ** 2)


def dihedral_bending(d):
    """bending energy: angles between adjacent face normals by np.arccos of clipped normalised dots"""
    V = V_ms + d.reshape(5, 3)
    N = np.cross(V[F_ms[:, 1]] - V[F_ms[:, 0]], V[F_ms[:, 2]] - V[F_ms[:, 0]])
    N = N / np.linalg.norm(N, axis=-1, keepdims=True)
    pairs = onp.array([[0, 1], [2, 3], [3, 4], [4, 5], [5, 2]])
    cosang = np.sum(N[pairs[:, 0]] * N[pairs[:, 1]], axis=1)
    ang = np.arccos(np.clip(cosang, -1.0, 1.0))
    return np.sum(ang**2)


def laplacian_smooth(d):
    """uniform Laplacian smoothing: neighbour sums with np.add.at over edge index arrays, umbrella energy"""
    V = V_ms + d.reshape(5, 3)
    E = onp.array([[0, 1], [1, 2], [2, 0], [1, 3], [3, 2], [0, 4], [1, 4], [2, 4], [3, 4]])
    nb = np.zeros_like(V)
    np.add.at(nb, E[:, 0], V[E[:, 1]])
    np.add.at(nb, E[:, 1], V[E[:, 0]])
    deg = onp.bincount(E.ravel(), minlength=5)[:, None]
    L = V - nb / deg
    return np.sum(L**2)


def edge_length_reg(d):
    """edge lengths from np.diff over a closed polyline by np.append, relative length error, turning angles"""
    P = d.reshape(6, 2) + onp.array([[1, 0], [0.5, 0.8], [-0.5, 0.8], [-1, 0], [-0.5, -0.8], [0.5, -0.8]])
    Q = np.append(P, P[:1], axis=0)
    e = np.diff(Q, axis=0)
    L = np.linalg.norm(e, axis=1)
    ang = np.arctan2(e[:, 1], e[:, 0])
    turn = np.diff(np.unwrap(ang))
    return np.sum((L / np.mean(L) - 1) ** 2) + np.sum((turn - onp.pi / 3) ** 2)


def cotan_weights(d):
    """cotangent Laplacian weights: cot of the angles opposite each edge by dot/|cross|"""
    V = V_ms + d.reshape(5, 3)
    tot = 0.0
    for k in range(3):
        i, j, o = F_ms[:, k], F_ms[:, (k + 1) % 3], F_ms[:, (k + 2) % 3]
        u = V[i] - V[o]
        v = V[j] - V[o]
        cot = np.sum(u * v, axis=1) / np.linalg.norm(np.cross(u, v), axis=1)
        tot = tot + np.sum(cot * np.sum((V[i] - V[j]) ** 2, axis=1))
    return tot


# ------------------------------------------------ time series / state space (user G)
y_ts = onp.array([0.3, 0.8, 0.5, 1.1, 0.9, 1.4, 1.0, 1.6, 1.3, 1.8])


def kalman_filter(p):
    """local linear trend Kalman filter with np.linalg.solve and np.outer; the innovations' log-likelihood"""
    q1, q2, r = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    F = onp.array([[1.0, 1.0], [0.0, 1.0]])
    Hm = onp.array([[1.0, 0.0]])
    Q = np.diag(np.stack([q1, q2]))
    m = np.zeros(2)
    P = np.eye(2) * 10.0
    ll = 0.0
    for y in y_ts:
        m = F @ m
        P = F @ P @ F.T + Q
        S = Hm @ P @ Hm.T + r
        K = np.linalg.solve(S, Hm @ P).T
        v = y - Hm @ m
        m = m + (K @ v)
        P = P - np.outer(K[:, 0], K[:, 0]) * S[0, 0]
        ll = ll - 0.5 * (np.log(2 * np.pi * S[0, 0]) + v[0] ** 2 / S[0, 0])
    return -ll


def ar_convolve(phi):
    """AR(3) residuals by np.convolve(mode='valid') with [1, -phi], Gaussian likelihood"""
    kern = np.concatenate([np.ones(1), -phi])
    e = np.convolve(y_ts, kern, mode="valid")
    return 0.5 * np.sum(e**2) + 0.1 * np.sum(phi**2)


def autocorr_match(x):
    """autocorrelation by np.correlate(mode='full') of a traced series, matched to a target ACF"""
    xc = x - np.mean(x)
    ac = np.correlate(xc, xc, mode="full")[x.size - 1 :]
    ac = ac / ac[0]
    target = onp.array([1.0, 0.5, 0.2, 0.0, -0.1, 0.0])
    return np.sum((ac[:6] - target) ** 2)


def moving_average_windows(x):
    """moving average smoother by sliding_window_view over a traced series; fit plus roughness"""
    W = np.lib.stride_tricks.sliding_window_view(x, 3)
    ma = np.mean(W, axis=-1)
    return np.sum((ma - y_ts[1:-1]) ** 2) + 0.1 * np.sum(np.diff(x, n=2) ** 2)


def holt_smoothing(p):
    """Holt's linear exponential smoothing by a loop; one-step-ahead squared errors"""
    al = 1 / (1 + np.exp(-p[0]))
    be = 1 / (1 + np.exp(-p[1]))
    level = y_ts[0]
    trend = 0.0
    sse = 0.0
    for y in y_ts[1:]:
        pred = level + trend
        sse = sse + (y - pred) ** 2
        new_level = al * y + (1 - al) * (level + trend)
        trend = be * (new_level - level) + (1 - be) * trend
        level = new_level
    return sse


def arma_residuals(p):
    """ARMA(1,1) residuals by recursion; conditional sum of squares; lagged matrix by np.stack of slices"""
    phi, th = np.tanh(p[0]), np.tanh(p[1])
    e_prev = 0.0
    res = []
    for t in range(1, y_ts.size):
        e = y_ts[t] - phi * y_ts[t - 1] - th * e_prev
        res.append(e)
        e_prev = e
    res = np.stack(res)
    return np.sum(res**2) + np.var(res, ddof=1)


# ------------------------------------------------ chemistry kinetics (user H)
T_ck = onp.array([300.0, 320.0, 340.0, 360.0])
k_ck = onp.array([0.012, 0.045, 0.15, 0.42])


def arrhenius_fit(p):
    """Arrhenius: k = A exp(-Ea / (R T)), log-space least squares"""
    lnA, Ea = p[0], p[1] * 1e4
    k = np.exp(lnA - Ea / (8.314 * T_ck))
    return np.sum((np.log(k) - np.log(k_ck)) ** 2)


def abc_euler(p):
    """A -> B -> C by explicit Euler, Arrhenius rates, the final B concentration and the trajectory's mean"""
    k1 = np.exp(p[0] - p[2] / 8.314)
    k2 = np.exp(p[1] - p[2] / 8.314 * 1.2)
    c = np.array([1.0, 0.0, 0.0])
    dt = 0.1
    traj = []
    for _ in range(30):
        r1 = k1 * c[0]
        r2 = k2 * c[1]
        c = c + dt * np.stack([-r1, r1 - r2, r2])
        traj.append(c)
    traj = np.stack(traj)
    return (c[1] - 0.3) ** 2 + np.mean(traj[:, 2])


def power_law_rate(n):
    """rate law r = k Π c_i^{n_i}: np.power with array exponents, np.prod over species (axis=1)"""
    C = onp.array([[1.0, 0.5, 2.0], [0.5, 0.5, 1.0], [2.0, 1.0, 0.3], [1.5, 2.0, 1.0]])
    r_obs = onp.array([0.8, 0.2, 1.1, 1.9])
    r = 0.7 * np.prod(np.power(C, n[None, :]), axis=1)
    return np.sum((np.log(r) - np.log(r_obs)) ** 2)


def equilibrium_gibbs(x):
    """Gibbs energy of an ideal mixture: mole fractions by softmax, μ0 + RT ln(x), np.prod of partial pressures"""
    n = np.exp(x)
    xf = n / np.sum(n)
    mu0 = onp.array([-1.0, 0.5, 0.2])
    G = np.sum(n * (mu0 + np.log(xf)))
    Kp = np.prod(xf ** onp.array([1.0, -2.0, 1.0]))
    return G + (np.log(Kp) - 0.3) ** 2


def michaelis_menten(p):
    """Michaelis-Menten with substrate inhibition, np.power with a traced exponent (Hill coefficient)"""
    S = onp.array([0.1, 0.5, 1.0, 2.0, 5.0, 10.0])
    v_obs = onp.array([0.05, 0.2, 0.33, 0.45, 0.42, 0.3])
    Vm, Km, Ki, h = np.exp(p[0]), np.exp(p[1]), np.exp(p[2]), np.exp(p[3])
    v = Vm * np.power(S, h) / (np.power(Km, h) + np.power(S, h) + S**2 / Ki)
    return np.sum((v - v_obs) ** 2)


# ------------------------------------------------ sorting-based losses (user I)
y_sb = onp.array([0.5, 2.0, -1.0, 0.3, 1.5, -0.4, 0.9])
X_sb = _r.standard_normal((7, 3))


def trimmed_loss(w):
    """least trimmed squares: sort the squared residuals, keep the 5 smallest"""
    r2 = (X_sb @ w - y_sb) ** 2
    return np.sum(np.sort(r2)[:5])


def argsort_weights(w):
    """argsort of the data as a constant order; ranks weight a loss; np.argsort with kind='stable'"""
    s = X_sb @ w
    order = onp.argsort(y_sb, kind="stable")
    ranks = onp.empty(7)
    ranks[order] = onp.arange(7)
    return np.sum((s[order] - onp.linspace(-1, 1, 7)) ** 2) + np.sum(ranks / 7 * s)


def pinball_quantile(w):
    """quantile regression's pinball loss at three levels, a residual np.quantile and np.median"""
    r = y_sb - X_sb @ w
    loss = 0.0
    for tau in (0.1, 0.5, 0.9):
        loss = loss + np.mean(np.maximum(tau * r, (tau - 1) * r))
    return loss + np.quantile(r, 0.75) - np.median(r) + np.quantile(r**2, onp.array([0.25, 0.5]), method="linear")[1]


def pairwise_hinge(w):
    """pairwise ranking hinge loss: np.maximum(0, 1 - (s_i - s_j)) over pairs with y_i > y_j"""
    s = X_sb @ w
    diff = s[:, None] - s[None, :]
    mask = y_sb[:, None] > y_sb[None, :]
    return np.sum(np.where(mask, np.maximum(0, 1 - diff), 0.0)) + 0.1 * np.dot(w, w)


def listnet(w):
    """ListNet: top-one probabilities by softmax of scores vs of labels, cross-entropy; sorted top-3 margin"""
    s = X_sb @ w
    ps = np.exp(s - np.max(s)) / np.sum(np.exp(s - np.max(s)))
    py = onp.exp(y_sb) / onp.exp(y_sb).sum()
    top = np.sort(s)[::-1][:3]
    return -np.sum(py * np.log(ps)) + np.sum(np.maximum(0, 0.5 - np.diff(-top)))


def spearman_soft(w):
    """partial median / percentile of scores with keepdims, np.percentile over axis=0 of a matrix"""
    S = X_sb * w.reshape(7, 3)
    med = np.median(S, axis=0, keepdims=True)
    p = np.percentile(S, onp.array([20, 80]), axis=0)
    return np.sum((S - med) ** 2) + np.sum((p[1] - p[0] - 1.0) ** 2)


POINTS = {
    "sinkhorn_log": onp.array([0.233, -0.113, -0.236, 0.58, -0.1, -0.263, -0.468, -0.058]),
    "sinkhorn_scaling": onp.array([-0.597, 0.425, -0.115, -0.086, 0.321, 0.053, -0.289, -0.301]),
    "sinkhorn_marginals": onp.array([-0.001, 0.201, 0.236, -0.33]),
    "wasserstein_1d": onp.array([0.3, -0.2, 1.0, 0.5, -0.9, 0.05]),
    "sliced_wasserstein": onp.array([-0.377, 0.803, 0.459, 0.624, -0.437, -0.088, 0.417, -0.657, 0.298, -0.677]),
    "unbalanced_ot": onp.array(
        [-2.508, -1.716, -1.89, -1.901, -2.532, -2.568, -1.843, -1.839, -1.885, -1.117, -0.6990000000000001, -2.444]
    ),
    "mf_gather": onp.array(
        [
            0.165,
            0.057,
            0.363,
            -1.344,
            0.309,
            1.53,
            1.273,
            0.378,
            -0.187,
            0.203,
            -0.408,
            1.501,
            0.107,
            -0.469,
            0.392,
            -0.547,
        ]
    ),
    "mf_biases": onp.array(
        [
            -0.463,
            0.602,
            -0.441,
            0.438,
            0.984,
            -0.279,
            -0.262,
            0.792,
            0.025,
            -0.234,
            0.431,
            -0.005,
            0.344,
            -0.612,
            0.97,
            -0.5,
            0.319,
            0.835,
            0.835,
            -0.557,
            -0.25,
            0.426,
            -0.513,
            -0.143,
        ]
    ),
    "mf_add_at": onp.array(
        [
            0.454,
            1.045,
            -0.023,
            -0.376,
            -0.511,
            0.28,
            -0.429,
            -0.279,
            -0.161,
            -0.702,
            0.551,
            -0.441,
            -0.182,
            0.825,
            -0.304,
            0.202,
        ]
    ),
    "bpr_loss": onp.array(
        [
            -1.019,
            -1.014,
            -0.809,
            -0.554,
            0.09,
            0.78,
            -0.593,
            1.247,
            -0.605,
            -0.141,
            1.061,
            -0.159,
            1.879,
            0.233,
            -0.535,
            0.043,
        ]
    ),
    "factorization_machine": onp.array(
        [0.241, 0.112, 0.243, 0.39, -0.527, 0.376, -0.988, 0.02, 0.329, 0.805, -0.974, -0.249, 0.868]
    ),
    "sampled_softmax": onp.array(
        [
            1.081,
            0.664,
            -0.149,
            0.396,
            -0.855,
            0.291,
            -0.682,
            0.267,
            0.094,
            0.113,
            0.7,
            0.496,
            0.505,
            0.07,
            -0.223,
            -0.384,
        ]
    ),
    "cox_partial": onp.array([1.039, 0.165, 0.313]),
    "cox_logcumsumexp": onp.array([0.219, 0.102, 0.549]),
    "weibull_censored": onp.array([0.2, 0.3, -0.1, 0.5]),
    "piecewise_hazard": onp.array([-0.958, -0.858, -1.085, -1.022]),
    "kaplan_meier_fit": onp.array([-1.329, -0.879, -1.208, -1.26, -1.115]),
    "gompertz_nll": onp.array([-2.0, 0.3]),
    "discrete_time_logit": onp.array([-0.33199999999999996, -0.84, -0.7030000000000001, -0.645]),
    "qubit_rotation": onp.array([0.4, 1.1, -0.7]),
    "two_qubit_vqe": onp.array([0.3, -0.8, 1.2, 0.5]),
    "born_probs": onp.array([0.1, 0.9, -0.4, 2.0]),
    "hermitian_ground": onp.array(
        [
            0.476,
            0.431,
            0.35,
            1.5,
            -0.276,
            -0.101,
            -0.587,
            -0.861,
            0.154,
            -0.173,
            0.341,
            0.28,
            -0.335,
            0.94,
            0.17,
            0.204,
            0.22,
            -1.344,
        ]
    ),
    "ring_hamiltonian": onp.array([1.0, 0.8, 1.2, 0.9, 0.3]),
    "density_matrix_purity": onp.array([-0.131, -0.239, -0.465, -0.198, -0.738, -0.451, -0.637, 1.244]),
    "phase_retrieval": onp.array(
        [-0.444, -0.661, 0.287, -0.358, 0.208, 0.082, 0.41, -0.412, 0.502, 0.284, 0.697, -0.288]
    ),
    "reinforce": onp.array([-0.206, -0.189, 0.696, 0.398, 0.109, -0.467, 0.02, 0.681, -0.79]),
    "gae_critic": onp.array([0.163, -0.484, 0.241, 0.731, -0.312, -0.044]),
    "ppo_clip": onp.array([-0.034, 0.339, 0.155, 0.078, -0.284, -0.047, 0.235, -0.163, -0.088]),
    "soft_value_iteration": onp.array([0.614, -0.094, 1.27, 0.046, -0.05, 0.72, -0.054, -0.706]),
    "q_learning_td": onp.array([0.237, 0.575, -0.936, 0.359, 0.014, 0.306, 0.601, 0.127, -0.105]),
    "gaussian_policy": onp.array([0.3, -0.2, 0.5, -0.4]),
    "triangle_areas": onp.array(
        [0.038, 0.041, -0.158, -0.145, 0.082, -0.07, 0.031, 0.081, -0.087, -0.155, -0.102, -0.128, 0.067, -0.06, -0.063]
    ),
    "tet_volumes": onp.array(
        [0.268, 0.035, 0.009, -0.057, 0.036, 0.13, -0.184, 0.06, -0.067, -0.031, -0.012, -0.205, 0.079, 0.049, -0.185]
    ),
    "dihedral_bending": onp.array(
        [0.053, 0.045, 0.169, -0.025, -0.082, 0.12, -0.037, -0.038, 0.028, 0.034, -0.199, -0.147, 0.141, -0.08, 0.083]
    ),
    "laplacian_smooth": onp.array(
        [
            -0.022,
            -0.086,
            -0.141,
            0.073,
            0.048,
            0.097,
            -0.077,
            0.142,
            -0.072,
            -0.007,
            -0.044,
            0.008,
            -0.039,
            0.016,
            -0.026,
        ]
    ),
    "edge_length_reg": onp.array(
        [-0.007, 0.087, -0.185, 0.07, -0.053, 0.198, 0.196, -0.023, 0.142, 0.003, 0.038, 0.013]
    ),
    "cotan_weights": onp.array(
        [0.129, 0.045, 0.067, -0.078, -0.212, -0.09, 0.035, 0.114, -0.038, -0.12, 0.114, 0.116, 0.029, 0.18, -0.077]
    ),
    "kalman_filter": onp.array([-2.0, -3.0, -1.5]),
    "ar_convolve": onp.array([0.5, 0.2, -0.1]),
    "autocorr_match": onp.array([-0.186, -0.457, -3.822, -0.49, -1.653, 0.187, -0.48, -0.476, -0.819, 0.779]),
    "moving_average_windows": onp.array([0.775, 1.064, 1.387, 1.376, 0.977, 1.135, 0.392, 0.877, 1.357, 0.905]),
    "holt_smoothing": onp.array([0.2, -0.5]),
    "arma_residuals": onp.array([0.4, -0.2]),
    "arrhenius_fit": onp.array([20.0, 6.0]),
    "abc_euler": onp.array([0.5, 0.3, 2.0]),
    "power_law_rate": onp.array([1.0, 0.5, 0.8]),
    "equilibrium_gibbs": onp.array([0.1, -0.3, 0.4]),
    "michaelis_menten": onp.array([-0.5, 0.2, 1.5, 0.1]),
    "trimmed_loss": onp.array([-0.13, 0.558, 0.115]),
    "argsort_weights": onp.array([-0.181, 0.549, 0.055]),
    "pinball_quantile": onp.array([-0.133, -0.002, -0.424]),
    "pairwise_hinge": onp.array([-0.014, -0.303, 0.964]),
    "listnet": onp.array([-0.521, -0.193, -0.415]),
    "spearman_soft": onp.array(
        [
            0.393,
            -0.764,
            -0.054,
            -0.236,
            0.747,
            -0.594,
            -0.472,
            -0.619,
            0.141,
            0.114,
            -0.099,
            0.496,
            -0.469,
            -0.061,
            0.067,
            -0.529,
            -0.016,
            -0.014,
            0.39,
            -0.472,
            -0.038,
        ]
    ),
}
GRAD = {
    "sinkhorn_log": (2.6371668365853407, -0.3472024290109415, 1.0637349628747241),  # jax
    "sinkhorn_scaling": (-0.7823283585503882, 0.6316003526846818, 0.9959401168796828),  # jax
    "sinkhorn_marginals": (3.6328824807998297, -0.6737701684898371, 0.7700363733258809),  # jax
    "wasserstein_1d": (0.037083333333333336, 0.1357504197301228, 0.024722222222222222),  # jax
    "sliced_wasserstein": (0.1886429, 0.00682965253765381, 0.06045716000000001),  # jax
    "unbalanced_ot": (6.778632695969794, -1.5121238521028937, 8.229405977655986),  # jax
    "mf_gather": (2.197638588695778, 2.1248277302947574, 2.778095608592442),  # jax
    "mf_biases": (19.220097548895833, 3.4522146503112014, 262.8604654697781),  # jax
    "mf_add_at": (7.4903907030875, -4.752812223116335, 18.00862836552703),  # jax
    "bpr_loss": (7.0555824078724285, -0.8077472256866696, 27.17861510643704),  # jax
    "factorization_machine": (1.2122136720062286, 0.12257680607675293, 1.535994957167312),  # jax
    "sampled_softmax": (0.9237387485686045, -0.06435827145137511, 0.11075037281786698),  # jax
    "cox_partial": (12.733760063050921, 3.3171949505023672, 46.96269221548554),  # jax
    "cox_logcumsumexp": (8.743655331016058, 0.5768223718208529, 15.577060357165601),  # jax
    "weibull_censored": (38.28850714058511, 32.86814184342693, 5960.209613877777),  # jax
    "piecewise_hazard": (12.937460952307092, -0.27657669382478023, 6.681112866343533),  # jax
    "kaplan_meier_fit": (0.12114166829999684, -0.07781547230419271, 0.053262627849663874),  # jax
    "gompertz_nll": (12.232202475783517, -0.5038391483884285, 2.4748282778191517),  # jax
    "discrete_time_logit": (7.748947739123485, 1.568325707948691, 5.22563807683998),  # jax
    "qubit_rotation": (0.2708684539106382, -0.19570673599869276, 0.2663448787350607),  # jax
    "two_qubit_vqe": (0.7242362274602997, -0.19262316536578541, 1.3402238445667534),  # jax
    "born_probs": (2.8298104084899878, 3.59212535287173, 15.336077623395898),  # jax
    "hermitian_ground": (-1.7028759677174763, 0.763916443409142, 2.463797370673671),  # jax
    "ring_hamiltonian": (-2.4168311746607194, 0.5268654579865115, 2.763154439577749),  # jax
    "density_matrix_purity": (0.32745791824775394, 0.9580151949146282, 0.6219767644459295),  # jax
    "phase_retrieval": (27.78281313670691, -5.0645360587364445, 12339.267875229976),  # jax
    "reinforce": (-0.7776904391641956, 2.355963338535945, 4.2241790837073365),  # jax
    "gae_critic": (8.0676207169434, 0.227477278679789, 35.23261922963799),  # jax
    "ppo_clip": (-0.2564874113323037, 0.21625940749530903, 0.1184076327365813),  # jax
    "soft_value_iteration": (7.266428971632054, -0.2572889399797799, 7.083142714843506),  # jax
    "q_learning_td": (1.2376966961808806, 0.899259534889207, 0.7714937240424549),  # jax
    "gaussian_policy": (3.0454163059806723, 1.2203013001717276, 28.266787878295144),  # jax
    "triangle_areas": (2.7652353675041033, -3.9523723555842905, 13.573374190925454),  # jax
    "tet_volumes": (0.0019667218988909624, -0.000809526966933694, 0.0007356960065015615),  # jax
    "dihedral_bending": (8.257217231757256, 2.2216641503501853, 67.77380804261888),  # jax
    "laplacian_smooth": (4.4702033611111105, -5.383523759521379, 27.677813848379625),  # jax
    "edge_length_reg": (0.4115262702841013, 6.341706891199254, 15.204930766249587),  # jax
    "cotan_weights": (11.731923940088555, -19.272833871959914, 225.22256852439028),  # jax
    "kalman_filter": (11.896029421118085, -1.747019138669398, 4.581459969695889),  # jax
    "ar_convolve": (1.6176, 3.1251598548099806, 56.967988),  # jax
    "autocorr_match": (0.5263152769375617, -0.24568750266249814, 0.312682724129862),  # jax
    "moving_average_windows": (2.092724788888888, -2.048852587074885, 6.131130192592592),  # jax
    "holt_smoothing": (1.0728717327576445, 0.139851006134352, 0.09290975860652433),  # jax
    "arma_residuals": (9.044543870152731, -3.289653408718289, 578.0748867748479),  # jax
    "arrhenius_fit": (1.5606824222700442, 9.803686588318344, 322.6562384299191),  # jax
    "abc_euler": (0.5234811083284606, 0.06341338603805476, 0.14563871631308528),  # jax
    "power_law_rate": (0.6329889958749475, -2.3236431685167664, 6.178358744474273),  # jax
    "equilibrium_gibbs": (-3.3345159614269337, 0.558942233574181, 16.57501940140096),  # jax
    "michaelis_menten": (0.0569763082051144, 0.0033034642530389642, 0.09981766090105255),  # jax
    "trimmed_loss": (1.8388376586993087, -3.2586406850273764, 30.57972220073291),  # jax
    "argsort_weights": (5.367971117808931, -7.090668708204502, 128.3204284086996),  # jax
    "pinball_quantile": (3.5519844221854657, 1.0433076715985066, 42.30707387723258),  # jax
    "pairwise_hinge": (34.27510653399531, -20.387910864811545, 458.5298167937212),  # jax
    "listnet": (3.095124520228726, -1.9153640722967258, 7.7271622240848865),  # jax
    "spearman_soft": (3.8049684484156643, 2.8665364318069173, 23.196138116889188),  # jax
}
PERTURBED = {
    "sinkhorn_log": (2.6544150707251175, -0.17734321758082322, 1.0491869229410766),  # jax
    "sinkhorn_scaling": (-0.7751904332916855, 0.6802178616050677, 1.0332976033590011),  # jax
    "sinkhorn_marginals": (3.6057467716855562, -0.6537974667519194, 0.716330920195767),  # jax
    "wasserstein_1d": (0.04167243704422137, 0.13393245015555952, 0.027781624696147582),  # jax
    "sliced_wasserstein": (0.1778373696520398, 0.010062181007844654, 0.05613494786081593),  # jax
    "unbalanced_ot": (6.769701996250015, -1.4826235276764712, 8.111786675272809),  # jax
    "mf_gather": (2.1768579540437414, 2.0654392623465934, 2.695736680602445),  # jax
    "mf_biases": (18.935179924208757, 3.096759579249093, 258.8237713133728),  # jax
    "mf_add_at": (7.593631522641643, -4.855939113409125, 19.26115178688511),  # jax
    "bpr_loss": (6.886572741028893, -0.9967750165527309, 25.443002348372698),  # jax
    "factorization_machine": (1.2065548508614612, 0.09021283923357222, 1.5640495158367909),  # jax
    "sampled_softmax": (0.9417016009002913, -0.06961265481812406, 0.11573608975080844),  # jax
    "cox_partial": (13.120496873515046, 3.356720546946653, 49.32909930873157),  # jax
    "cox_logcumsumexp": (8.993192627496416, 0.7310893599909185, 17.536452366113544),  # jax
    "weibull_censored": (39.793974862395224, 35.17501802487877, 6908.885609158601),  # jax
    "piecewise_hazard": (13.080232754299551, -0.27546678272883207, 7.425109981862831),  # jax
    "kaplan_meier_fit": (0.13392056946366873, -0.07807643563709148, 0.06012350758731852),  # jax
    "gompertz_nll": (12.381147577132767, -1.0202484112282426, 16.0273436853311),  # jax
    "discrete_time_logit": (7.78745936456688, 1.5824338443740091, 5.3750079144838665),  # jax
    "qubit_rotation": (0.2792095907480582, -0.18631056261474616, 0.26422335169345407),  # jax
    "two_qubit_vqe": (0.7199763932200524, -0.2409231295232034, 1.3809020170192987),  # jax
    "born_probs": (3.088525165701878, 4.4605939785826045, 24.188443748743627),  # jax
    "hermitian_ground": (-1.7066024172803307, 0.7283383029342065, 2.4065855707118415),  # jax
    "ring_hamiltonian": (-2.404262630145447, 0.45444562270293787, 2.840893139023189),  # jax
    "density_matrix_purity": (0.3244685456173896, 0.9056945625486258, 0.5985609564827795),  # jax
    "phase_retrieval": (27.656568349728822, -0.6162304945686546, 12506.939757081891),  # jax
    "reinforce": (-0.7297826016987082, 2.360589247201629, 4.238799032701654),  # jax
    "gae_critic": (8.254760076847614, 0.21904344393053124, 36.140678099732185),  # jax
    "ppo_clip": (-0.24691449310973035, 0.22614901481081756, 0.11834459921559166),  # jax
    "soft_value_iteration": (7.3802764173870745, -0.220711309194946, 7.184840933780134),  # jax
    "q_learning_td": (1.2642183191029779, 0.9017126036519716, 0.7706861990746257),  # jax
    "gaussian_policy": (3.1473456931693655, 1.7984919730242666, 31.202128245860685),  # jax
    "triangle_areas": (2.7338645325356117, -3.926520288621892, 13.495240090836361),  # jax
    "tet_volumes": (0.003454903505746401, 0.00028598094174790435, 0.0014604393681429113),  # jax
    "dihedral_bending": (8.818243758706833, 3.9797308362567696, 92.3804695517071),  # jax
    "laplacian_smooth": (4.474050079523694, -5.39476751888056, 28.310660857320666),  # jax
    "edge_length_reg": (0.6546428975607087, 7.666768872618271, 24.701410735363822),  # jax
    "cotan_weights": (11.349805914641955, -19.39625587934926, 222.3389613352157),  # jax
    "kalman_filter": (11.966241272235147, -1.7293762929337233, 4.56628138674923),  # jax
    "ar_convolve": (1.216668839384335, 2.606262443161873, 38.858473563282274),  # jax
    "autocorr_match": (0.5137646680775281, -0.23908185437375332, 0.3038452545917472),  # jax
    "moving_average_windows": (2.0392989426549017, -2.0820976910252273, 5.951778038493213),  # jax
    "holt_smoothing": (1.088546189934691, 0.1462959805218548, 0.10582855646252273),  # jax
    "arma_residuals": (7.7112338455779215, -3.0865665045967536, 379.9209575701097),  # jax
    "arrhenius_fit": (1.0389820141093296, 7.7400228230105705, 200.59767222095687),  # jax
    "abc_euler": (0.5460822221129417, 0.06373732986308793, 0.14569646295178001),  # jax
    "power_law_rate": (0.5565595001686579, -2.234010476697195, 5.191087672560665),  # jax
    "equilibrium_gibbs": (-3.540105351652713, 0.5271789803003617, 15.556311201365784),  # jax
    "michaelis_menten": (0.054289356561206356, 0.006839682437179386, 0.09655424130570167),  # jax
    "trimmed_loss": (1.7594347841116185, -3.4775661425144087, 35.54318933123963),  # jax
    "argsort_weights": (5.074102731440051, -7.201500699160197, 111.29565919650591),  # jax
    "pinball_quantile": (3.242696325353713, 0.7680634717659356, 35.28819853318043),  # jax
    "pairwise_hinge": (33.62601804034154, -20.38854546764495, 458.2701813962597),  # jax
    "listnet": (2.958664428726916, -1.911275150180303, 7.53977234494367),  # jax
    "spearman_soft": (3.8035872227091883, 4.7516347653518896, 18.8518118628904),  # jax
}
HESS = {
    "sinkhorn_log": (3.359250675598544, 79.52629931730985),  # jax
    "sinkhorn_scaling": (0.988380850338689, 3.193979125737601),  # jax
    "sinkhorn_marginals": (0.4024468652328857, 4.749993289430454),  # jax
    "wasserstein_1d": (-0.03635939149126589, 0.6666666666666667),  # jax
    "sliced_wasserstein": (0.06465056940381612, 0.40000000000000013),  # jax
    "unbalanced_ot": (0.6031446461370067, 10.431798157563465),  # jax
    "mf_gather": (-1.2741367310324263, 9.861546772554664),  # jax
    "mf_biases": (-7.592793279919337, 841.3892355628868),  # jax
    "mf_add_at": (-1.9801579871123627, 78.46515185429399),  # jax
    "bpr_loss": (-3.831479829426606, 43.141391719940806),  # jax
    "factorization_machine": (-0.6545218212429834, 4.359495253829484),  # jax
    "sampled_softmax": (-0.09543161961095771, 0.602341486923928),  # jax
    "cox_partial": (0.7951126875827609, 14.885284489486445),  # jax
    "cox_logcumsumexp": (3.069038269964802, 53.74651391997762),  # jax
    "weibull_censored": (44.21640098666277, 91736.44949357184),  # jax
    "piecewise_hazard": (0.028652032878179197, 23.314422208475648),  # jax
    "kaplan_meier_fit": (-0.0067680622371039745, 0.12079209943089156),  # jax
    "gompertz_nll": (-9.243807263278223, 1530.9376039143553),  # jax
    "discrete_time_logit": (0.2839130138832415, 2.4359745728920297),  # jax
    "qubit_rotation": (0.17148017466003052, 0.33205319328222266),  # jax
    "two_qubit_vqe": (-1.0077479805354193, 3.345835028831253),  # jax
    "born_probs": (14.044506599542654, 187.51451013700236),  # jax
    "hermitian_ground": (-0.4096505952385688, 5.088618109794307),  # jax
    "ring_hamiltonian": (-1.4510045535781815, 6.565058376591883),  # jax
    "density_matrix_purity": (-0.9113459888294463, 2.9231476941851877),  # jax
    "phase_retrieval": (97.55763625859336, 186912.5411025923),  # jax
    "reinforce": (0.08480467844076833, 3.681818480986765),  # jax
    "gae_critic": (-0.1772420391958892, 14.835579565128917),  # jax
    "ppo_clip": (0.2029040890525786, 0.15630838835132208),  # jax
    "soft_value_iteration": (0.7297376671826035, 5.459638351346396),  # jax
    "q_learning_td": (0.04906137525529579, 0.22846519081447703),  # jax
    "gaussian_policy": (11.482645362286709, 230.2946799403223),  # jax
    "triangle_areas": (0.2150335441398291, 88.28820582001686),  # jax
    "tet_volumes": (0.016410112562504596, 0.11004515390770213),  # jax
    "dihedral_bending": (30.556449391437226, 1708.1544010486275),  # jax
    "laplacian_smooth": (-0.22487518718360852, 133.61458333333334),  # jax
    "edge_length_reg": (27.952482431317378, 1347.4629732681908),  # jax
    "cotan_weights": (-3.587900959827218, 677.5303234045035),  # jax
    "kalman_filter": (0.349276331174342, 2.0626062141788637),  # jax
    "ar_convolve": (-10.377948232962156, 537.4920999999999),  # jax
    "autocorr_match": (0.11411799301559979, 0.4918104090008971),  # jax
    "moving_average_windows": (-0.6649020790068532, 30.1846913580247),  # jax
    "holt_smoothing": (0.1295435891071134, 0.14131517352511913),  # jax
    "arma_residuals": (4.026770275293458, 6589.718459378495),  # jax
    "arrhenius_fit": (-41.27327530615495, 13392.461198053647),  # jax
    "abc_euler": (0.008919178639211607, 0.02669509078409724),  # jax
    "power_law_rate": (1.7926538363914117, 40.33225644835307),  # jax
    "equilibrium_gibbs": (-0.630151793300888, 143.29723529640881),  # jax
    "michaelis_menten": (0.0665949612737057, 0.34651855676749355),  # jax
    "trimmed_loss": (-4.378509149740649, 882.8348829198783),  # jax
    "argsort_weights": (-2.2166398191139054, 1151.082748149526),  # jax
    "pinball_quantile": (1.409682750068701, 94.51644312707849),  # jax
    "pairwise_hinge": (-0.012692056668117239, 0.12000000000000002),  # jax
    "listnet": (0.09602851627150015, 2.529775412678345),  # jax
    "spearman_soft": (-5.139572186003045, 1191.3559929127473),  # jax
}


#: SymPy's build is most of the time for these (unrolled loops of 10-30 steps); the full tier runs them
NO_SYMBOLIC = frozenset({"sinkhorn_log", "kalman_filter", "abc_euler", "holt_smoothing", "soft_value_iteration"})
ALL_CASES = [(n, m) for n in POINTS for m in METHODS if not (m == "symbolic" and n in NO_SYMBOLIC)]
#: the default tier (tests/tier.py): one method per program, at both points, fresh and prepared; the full tier: every
#: cell
CASES = one_per(ALL_CASES, lambda c: c[0])
#: the default tier's method where one_per's pick builds a long tape (20 Sinkhorn sweeps: 0.6 s by reverse)
CASES = [(n, {"sinkhorn_log": "numeric"}.get(n, m) if not FULL else m) for n, m in CASES]


@pytest.mark.parametrize("name, method", CASES)
def test_gradient_of_user_code_at_two_points(name, method):
    """dl.value_and_grad at the point equals JAX's; prepared there, JAX's at the second point (warnings are errors)."""
    at_two_points(
        globals()[name],
        POINTS[name],
        GRAD[name],
        PERTURBED[name],
        method,
        lambda stored, value, g: check_gradient(stored, value, g, gradient_tol(method)),
    )


#: the Hessians checked, one exact method each (forward or reverse, alternating): the cheap ones
HESS_CASES = [
    (n, "forward" if k % 2 else "reverse")
    for k, n in enumerate(
        [
            "sinkhorn_scaling", "wasserstein_1d", "unbalanced_ot", "mf_add_at", "bpr_loss", "sampled_softmax",
            "cox_partial", "cox_logcumsumexp", "weibull_censored", "gompertz_nll", "qubit_rotation", "two_qubit_vqe",
            "hermitian_ground", "phase_retrieval", "reinforce", "ppo_clip", "gaussian_policy", "tet_volumes",
            "dihedral_bending", "laplacian_smooth", "ar_convolve", "autocorr_match", "moving_average_windows",
            "power_law_rate", "michaelis_menten", "trimmed_loss", "pinball_quantile", "listnet",
        ]
    )
]  # fmt: skip


@pytest.mark.parametrize("name, method", HESS_CASES)
def test_hessian_of_user_code(name, method):
    """dl.hessian equals jax.hessian's (uᵀHv and ΣH², u = cos(k + 1), v = sin(k + 1))."""
    check_hessian(globals()[name], POINTS[name], method, HESS[name])


@pytest.mark.parametrize("name", ["ring_hamiltonian", "laplacian_smooth", "cox_partial"])
def test_hvp_vmap_and_jit_of_user_code(name):
    """dl.hvp (forward and reverse) along sin(k + 1) equals jax.hessian's uᵀHv; dl.vmap of f and of dl.grad(f) over
    three points, and dl.jit of f and of its gradient, equal the unbatched calls."""
    check_hvp_vmap_jit(globals()[name], POINTS[name], HESS[name])


@pytest.mark.parametrize("name", ["mf_add_at", "weibull_censored", "hermitian_ground", "kalman_filter", "tet_volumes"])
def test_bad_input_to_user_code(name):
    """An int array: a TypeError naming the dtype; a read-only array: JAX's gradient, the input untouched, the gradient
    not aliasing it; a NaN entry: a NaN gradient, no error; float32: JAX's gradient to float32's precision, float32."""
    f, x = globals()[name], POINTS[name]
    check_bad_inputs(f, x, GRAD[name])


# ---------------------------------------------------------------- what the users met, fixed


def test_median_and_quantile_of_a_slice_holding_nan_are_nan():
    """np.median, np.quantile and np.percentile of a slice holding a NaN: NaN, as NumPy's and JAX's (NaN sorts last;
    main read the finite middle values: median([1, nan, 2, 3]) was 2.5, quantile(.., 0.25) 1.75, silently), per
    slice along an axis, traced and prepared (a NaN-free point prepared, called with a NaN). A NaN-free slice's
    gradient is JAX's ([0.5, 0, 0.5, 0] for the median of [3, 1, 2, 5], [0, 0.1, 0.9, 0] for its 0.3-quantile). An int
    array's median is float64, NumPy's (main: int64 for an odd count)."""
    a = onp.array([1.0, onp.nan, 2.0, 3.0])
    assert onp.isnan(np.median(a)) and onp.isnan(np.quantile(a, 0.25)) and onp.isnan(np.percentile(a, 10))
    assert onp.isnan(np.quantile(a, [0.0, 1.0])).all() and onp.isnan(np.median(a[:3]))
    A = onp.array([[1.0, onp.nan, 4.0], [2.0, 3.0, 0.5]])
    onp.testing.assert_array_equal(np.median(A, axis=1), [onp.nan, 2.0])
    onp.testing.assert_array_equal(np.quantile(A, [0.2, 0.7], axis=1, keepdims=True)[:, 0, 0], [onp.nan, onp.nan])
    onp.testing.assert_allclose(np.quantile(A, [0.2, 0.7], axis=1)[:, 1], onp.quantile(A[1], [0.2, 0.7]))
    onp.testing.assert_array_equal(np.median(A, axis=(0, 1), keepdims=True), [[onp.nan]])
    assert float(np.median(onp.array([1.0, 2.0, onp.inf]))) == 2.0  # (an inf is a value: no NaN from it)
    for ints in (onp.array([3, 1, 2]), onp.array([[3, 1, 2], [1, 1, 5]]), onp.array([True, False, True])):
        got, want = np.median(ints, axis=-1), onp.median(ints, axis=-1)  # (main: int64 for an odd count)
        assert got.dtype == want.dtype == onp.float64 and onp.array_equal(got, want)
    x = onp.array([3.0, 1.0, 2.0, 5.0])
    for method in METHODS:
        v, g = dl.value_and_grad(np.median, method=method)(x)
        assert float(v) == 2.5
        onp.testing.assert_allclose(g, [0.5, 0.0, 0.5, 0.0], atol=1e-9)
        onp.testing.assert_allclose(
            dl.grad(lambda x: np.quantile(x, 0.3), method=method)(x), [0, 0.1, 0.9, 0], atol=1e-9
        )
        assert onp.isnan(dl.value_and_grad(np.median, method=method)(a)[0])
    p = dl.prepare(lambda x: np.median(x) + np.quantile(x, 0.3), x)
    assert float(p(x)) == pytest.approx(2.5 + 1.9, rel=1e-15) and onp.isnan(p(a))


def test_take_along_axis_broadcasts_and_takes_axis_none():
    """np.take_along_axis broadcasts the indices against arr's other axes, as NumPy's: one row of indices picks those
    columns of every row (main gave the one row: shape (1, 2), silently); indices of fewer dimensions than arr are
    NumPy's ValueError (main returned a number); axis=None takes arr's flattened elements (main: "axis must be an int,
    got None"); float indices NumPy's IndexError. Gradients are JAX's."""
    A = onp.array([[0.3, -1.2, 2.0], [0.7, -0.4, 1.1]])
    i = onp.array([[2, 0]])
    onp.testing.assert_array_equal(np.take_along_axis(A, i, axis=1), onp.take_along_axis(A, i, axis=1))
    w = onp.arange(1.0, 5.0).reshape(2, 2)
    flat = onp.array([5, 0, 5, -1])
    for method in METHODS:
        tol = 1e-6 if method == "numeric" else 1e-13
        v, g = dl.value_and_grad(lambda a: np.sum(np.take_along_axis(a, i, axis=1) ** 2 * w), method=method)(A)
        assert float(v) == pytest.approx(9.77, rel=1e-14)
        onp.testing.assert_allclose(g, [[1.2, 0.0, 4.0], [5.6, 0.0, 6.6]], rtol=tol, atol=tol)  # jax.grad's
        v, g = dl.value_and_grad(
            lambda a: np.sum(np.take_along_axis(a, flat, None) * onp.arange(1.0, 5.0)), method=method
        )(A)
        assert float(v) == pytest.approx(9.4, rel=1e-14)
        onp.testing.assert_allclose(g, [[2.0, 0.0, 0.0], [0.0, 0.0, 8.0]], rtol=tol, atol=tol)  # jax.grad's
    x = onp.array([0.3, 1.0, -2.0, 4.0])  # (traced indices: argsort's, axis None)
    g = dl.grad(lambda x: np.sum(np.take_along_axis(x.reshape(2, 2), np.argsort(x), axis=None) * onp.arange(4.0)))(x)
    onp.testing.assert_array_equal(g, [1.0, 2.0, 0.0, 3.0])
    with pytest.raises(ValueError, match="`indices` and `arr` must have the same number of dimensions"):
        np.take_along_axis(A, onp.zeros(2, int), axis=1)
    with pytest.raises(ValueError, match="when axis=None, `indices` must have a single dimension"):
        np.take_along_axis(A, i, axis=None)
    with pytest.raises(IndexError, match="`indices` must be an integer array"):
        np.take_along_axis(A, onp.zeros((2, 1)), axis=1)


def test_asanyarray_ascontiguousarray_and_asfortranarray_keep_a_traced_value():
    """np.asanyarray(x), np.ascontiguousarray(x) and np.asfortranarray(x) of a traced x (a user's defensive
    conversion at a function's top): x itself, its derivative kept; main handed x to NumPy's own conversion, refused
    as dropping the derivative. On plain values NumPy's own (ascontiguousarray of a number: shape (1,))."""
    A = onp.array([[0.31, -1.2, 0.77], [2.1, -0.45, 1.3]])
    for name in ("asanyarray", "ascontiguousarray", "asfortranarray"):
        conv = getattr(np, name)
        for method in METHODS:
            g = dl.grad(lambda a: np.sum(conv(a) ** 2), method=method)(A)
            onp.testing.assert_allclose(g, 2 * A, rtol=1e-6 if method == "numeric" else 1e-15)
        assert dl.grad(lambda x: np.sum(conv([x, 2 * x])))(0.5) == 3.0
        want = getattr(onp, name)(2.0)
        assert conv(2.0).shape == want.shape and dl.grad(lambda x: np.sum(conv(x) * 3.0))(0.5) == 3.0
        assert conv(A, dtype=onp.float32).dtype == onp.float32
    assert np.asfortranarray(A).flags.f_contiguous


def test_correlate_refuses_a_number_as_numpy():
    """np.correlate of a 0-d value: NumPy's ValueError (its convolve takes a number as a 1-sequence, its correlate
    does not); main returned [x²]."""
    with pytest.raises(ValueError, match="object of too small depth for desired array"):
        dl.grad(lambda x: np.sum(np.correlate(x, x)))(0.5)
    with pytest.raises(ValueError, match="object of too small depth"):
        np.correlate(onp.ones(3), 0.5)
    onp.testing.assert_array_equal(np.convolve(onp.array(0.5), onp.array(0.5)), [0.25])
    onp.testing.assert_array_equal(np.correlate([1.0], [2.0]), [2.0])


def test_solve_names_its_shapes():
    """np.linalg.solve with b of the wrong length or a 1-D a: errors naming solve and the shapes, as
    NumPy's (main: "matmul: cannot apply to arguments of shapes (2, 2), (3,)", "inv: ...", ops the user did not
    call); stacks still solve."""
    M = onp.array([[2.0, 0.5], [0.5, 1.0]])
    with pytest.raises(ValueError, match=r"numpy.linalg.solve: b of shape \(3,\) does not match a of shape \(2, 2\)"):
        dl.grad(lambda x: np.sum(np.linalg.solve(M * x, onp.ones(3))))(1.0)
    with pytest.raises(ValueError, match=r"b of shape \(3, 1\) does not match"):
        np.linalg.solve(M, onp.ones((3, 1)))
    with pytest.raises(onp.linalg.LinAlgError, match="solve: 1-dimensional array given"):
        dl.grad(lambda x: np.sum(np.linalg.solve(x, x)))(onp.ones(2))
    S = onp.stack([M, 2 * M])
    onp.testing.assert_allclose(np.linalg.solve(S, onp.ones((2, 2))), onp.linalg.solve(S, onp.ones((2, 2))))
    onp.testing.assert_allclose(np.linalg.solve(M, onp.ones((4, 2, 1))), onp.linalg.solve(M, onp.ones((4, 2, 1))))


def test_logsumexp_of_an_empty_set_is_minus_infinity():
    """scipy.special.logsumexp of an empty set (an empty axis): -inf, SciPy's and JAX's (log 0); main raised "zero-size
    array to reduction operation maximum which has no identity". exp of it is 0: the gradient of x's sum plus that
    is JAX's, ones."""
    assert sps.logsumexp(onp.zeros(0)) == -onp.inf
    onp.testing.assert_array_equal(sps.logsumexp(onp.zeros((0, 3)), axis=0), [-onp.inf] * 3)
    assert sps.logsumexp(onp.zeros((2, 0)), axis=1, keepdims=True).shape == (2, 1)

    def f(x):
        return np.sum(x) + np.sum(np.exp(sps.logsumexp(x[:0], axis=0)))

    for method in METHODS:
        v, g = dl.value_and_grad(f, method=method)(onp.ones((2, 3)))
        assert float(v) == 6.0
        onp.testing.assert_allclose(g, onp.ones((2, 3)), rtol=1e-6 if method == "numeric" else 0)  # jax.grad's


def test_an_axis_out_of_range_is_numpys_axis_error():
    """An axis past the array's dimensions given to a reduction, sort, cumsum, logsumexp or norm: NumPy's AxisError
    (a ValueError and an IndexError), traced or not, so a user's `except np.exceptions.AxisError` catches it; main
    raised a plain ValueError with the same words."""
    calls = [
        lambda x: np.sum(np.sort(x, axis=2)),
        lambda x: np.sum(x, axis=2),
        lambda x: sps.logsumexp(x, axis=-3),
        lambda x: np.sum(np.linalg.norm(x, axis=2)),
        lambda x: np.sum(np.cumsum(x, axis=2)),
        lambda x: np.sum(np.max(x, axis=(0, 2))),
    ]
    for f in calls:
        with pytest.raises(onp.exceptions.AxisError, match="axis -?[23] is out of bounds for an array of dimension 2"):
            dl.grad(f)(onp.ones((2, 2)))
        with pytest.raises(IndexError, match="out of bounds"):
            f(onp.ones((2, 2)))
