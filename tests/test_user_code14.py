"""What a user writes, round 14: functions in plain NumPy (and SciPy where users reach for it) from domains the first
thirteen rounds do not cover.

Finance: a forward curve bootstrapped to par swap rates by np.cumprod and np.cumsum; a portfolio CVaR by
np.partition(losses, -k)[-k:]. Physics: a hanging spring chain by np.vstack, np.diff and row-wise np.einsum; a
Crank–Nicolson heat stepper with a learned conductivity by np.diag(…, ±1) and np.linalg.solve; a tight-binding ring's
band and Fermi-smeared free energy by np.linalg.eigvalsh, np.logaddexp and scipy.special.expit. ML: RMSNorm + SwiGLU;
causal attention with an ALiBi bias (np.subtract.outer, np.where(np.triu(...).astype(bool), -np.inf, ·), A /= …);
the sparsemax loss by −np.sort(−Z), np.cumsum and a support count; GIoU of boxes by np.clip(…, 0, None) and np.prod;
generalised advantage estimation written into np.zeros_like(...) by adv[t] = … under reversed(range(T)). Graphics: a
triangle rasterised by barycentric coordinates (np.column_stack, np.linalg.solve, np.all(λ >= 0, axis=1)) under a
gamma tone map np.clip(·, 0, 1) ** (1/2.2); Möller–Trumbore ray–triangle hits by np.cross and & of comparisons.
Statistics: a right-censored Weibull AFT by np.where; a beta-binomial regression by scipy.special.betaln and gammaln.
Signal: Yule–Walker AR(3) by np.correlate(mode='full') and scipy.linalg.toeplitz; an AM envelope by
np.abs(scipy.signal.hilbert(s)) with a Hann-windowed np.fft.rfft power. Optimisation: an augmented Lagrangian by
np.maximum. Geometry: point-to-polyline distances by np.einsum projections clipped to [0, 1]; a pose by Rodrigues'
formula (np.cross(k, np.eye(3)).T) and by a quaternion np.concatenate([[cos], sin·k]). Circuits: a series RLC with a
stray capacitance by Python's 1j, 20·np.log10(np.abs(Z)) and np.angle. Mechanics: a cantilever under a np.polyval load
by scipy.integrate.cumulative_trapezoid(initial=0) twice and simpson.

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the
first point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source of these functions
run with np = jax.numpy, special = jax.scipy.special and scipy.linalg = jax.scipy.linalg, SciPy's hilbert, simpson
and cumulative_trapezoid as short jnp spellings (each checked equal to SciPy's first), betaln as a sum of gammaln
(jax.scipy.special.betaln is off by 1.5e-7 relative here, SciPy's and difflab's agree), adv[t] = … as .at[t].set.
Hessians of the ones with at most 6 parameters.

What they met (first run, 21 functions × 4 methods: 18 × 4 right, none wrong; the others): scipy.signal.hilbert
and scipy.integrate.simpson / cumulative_trapezoid had no difflab.scipy counterpart (AttributeError; SciPy's own
refuses a traced value): now SciPy's FFT recipe in difflab's fft ops, and SciPy's own quadrature weights read from
the unit vectors. np.concatenate([[np.cos(th / 2)], np.sin(th / 2) * k]) was refused ("numpy.shape converted a
traced value"): a list holding traced entries is stacked now, in np.concatenate, np.stack and np.hstack.
np.all(λ >= 0, axis=1) (and np.any) of a traced mask was read on the values, so dl.prepare refused
barycentric_tonemap: a traced mask now (a count of the nonzero entries). giou_loss's
first point had a box edge exactly on its target's (np.abs and np.minimum at their kinks: difflab's conventions, not
JAX's): moved off it. Symbolic Hessians over 0.2 s are left out (CPU seconds on a loaded machine: cvar_partition's
over 7.6 at 40 scenarios, rlc_impedance_fit's 2.7, beam_deflection's 1.5, beta_binomial_betaln's 1.1,
tight_binding_bands' 0.8, rodrigues_pose's 0.7, weibull_censored's 0.3)"""

import numpy as np
import pytest

import scipy.special as special

import difflab as dl

from difflab.scipy import integrate as dint
from difflab.scipy import linalg as dlinalg
from difflab.scipy import signal as dsignal
from user_code import METHODS, at_two_points, check_gradient, complex_step, gradient_tol, hessian_test

# ---------------------------------------------------------------- data

_r = np.random.default_rng(47)
par_sb = np.array([0.021, 0.024, 0.026, 0.027])
R_cv = (0.01 + 0.05 * _r.standard_t(4, size=(40, 5)) * np.array([1.0, 0.6, 1.4, 0.8, 0.3]))[::2]
mu_cv = R_cv.mean(axis=0)
anchor_a, anchor_b = np.array([0.0, 0.0]), np.array([3.0, 0.5])
k_sc, L0_sc, m_sc = 40.0, 0.45, np.array([0.1, 0.2, 0.15, 0.1, 0.12])
u0_cn = np.sin(np.pi * np.linspace(0, 1, 10)[1:-1]) + 0.2 * np.sin(3 * np.pi * np.linspace(0, 1, 10)[1:-1])
u_obs_cn = 0.7 * np.sin(np.pi * np.linspace(0, 1, 10)[1:-1])
eps_tb = np.array([0.1, -0.2, 0.3, 0.0, -0.1, 0.25])
corner_tb = np.zeros((6, 6))
corner_tb[0, -1] = corner_tb[-1, 0] = 1.0
X_rs = _r.normal(size=(5, 3))
Y_rs = np.tanh(X_rs) + 0.1 * _r.normal(size=(5, 3))
X_at = _r.normal(size=(5, 3))
Y_at = _r.normal(size=(5, 3)) * 0.5
y_sm = np.array([1, 4, 0])
P_sm = np.array([[0.0, 0.7, 0.3, 0.0, 0.0], [0.2, 0.0, 0.0, 0.0, 0.8], [0.5, 0.5, 0.0, 0.0, 0.0]])
G_gi = np.array([[0.0, 0.0, 1.0, 1.2], [1.5, 0.5, 2.6, 1.4], [-1.0, 2.0, 0.2, 3.1], [0.3, -1.0, 1.1, -0.2]])
pix_bt = np.stack(np.meshgrid(np.linspace(0.1, 0.9, 3), np.linspace(0.15, 0.85, 3)), axis=-1).reshape(-1, 2)
bg_bt = np.array([0.2, 0.2, 0.25])
want_bt = 0.5 + 0.3 * np.sin(np.arange(27.0)).reshape(9, 3)
O_mt = np.array(
    [[0.2, 0.2, -1.0], [0.5, 0.1, -1.0], [0.1, 0.6, -1.0], [0.9, 0.9, -1.0], [0.3, 0.3, -1.0], [-0.2, 0.4, -1.0]]
)
D_mt = np.array(
    [[0.0, 0.0, 1.0], [0.1, 0.0, 1.0], [0.0, -0.1, 1.0], [0.0, 0.0, 1.0], [0.05, 0.05, 1.0], [0.0, 0.0, 1.0]]
)
t_mt = np.array([1.1, 1.0, 1.2, 0.9, 1.05, 1.0])
X_wb = _r.normal(size=(12, 2)) * 0.5
t_wb = np.exp(1.0 + 0.3 * _r.normal(size=12))
event_wb = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1], dtype=bool)
X_bb = np.column_stack([np.ones(8), np.linspace(-1, 1, 8)])
n_bb = np.array([10.0, 12.0, 8.0, 15.0, 9.0, 11.0, 14.0, 10.0])
k_bb = np.array([2.0, 4.0, 3.0, 7.0, 4.0, 6.0, 9.0, 7.0])
a_yw = np.array([0.5, -0.2, 0.1])
t_he = np.arange(16.0) * 0.5
w_he = 2.1
env_he = 1.0 + 0.4 * np.cos(0.3 * t_he)
x0_al = np.array([1.0, -0.5, 0.8, 0.2])
w_al = np.array([1.0, 2.0, 0.5, 1.5])
A_al = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.5], [-1.0, 0.0, 0.0, 1.0]])
b_al = np.array([0.5, 0.2, 0.1])
lam_al, nu_al = np.array([0.3, 0.0, 0.8]), 0.2
poly_ps = np.array([[0.0, 0.0], [1.0, 0.2], [1.8, 1.0], [1.5, 2.0], [0.4, 2.3], [-0.5, 1.4]])
P_rp = _r.normal(size=(6, 3))
Q_rp = P_rp @ np.array([[0.36, 0.48, -0.8], [-0.8, 0.6, 0.0], [0.48, 0.64, 0.6]]).T + np.array([0.1, -0.2, 0.3])
f_rl = np.logspace(1, 4, 12)
C_par_rl = 2e-7
mag_rl = 20 * np.log10(
    np.abs(1 / (1 / (10.0 + 2j * np.pi * f_rl * 1e-3 + 1 / (2j * np.pi * f_rl * 1e-5)) + 2j * np.pi * f_rl * C_par_rl))
)
ph_rl = 0.9 * np.angle(
    1 / (1 / (10.0 + 2j * np.pi * f_rl * 1e-3 + 1 / (2j * np.pi * f_rl * 1e-5)) + 2j * np.pi * f_rl * C_par_rl)
)
S_ga = _r.normal(size=(9, 3))
r_ga = np.array([1.0, 0.0, 0.5, -0.2, 1.0, 0.0, 0.3, 0.8])
done_ga = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
ret_ga = np.array([2.0, 1.2, 1.1, 0.6, 1.5, 0.7, 0.9, 0.8])
x_bd = np.linspace(0.0, 1.0, 21)


# ---------------------------------------------------------------- functions


def swap_bootstrap(f):
    """A forward curve fitted to par swap rates: discount factors by np.cumprod of 1/(1 + f·τ), the annuities by
    np.cumsum, par rates (1 − D)/A at the yearly tenors by [1::2], a smoothness penalty by np.diff(n=2)."""
    tau = 0.5
    df = np.cumprod(1.0 / (1.0 + f * tau))
    annuity = np.cumsum(tau * df)
    par = (1.0 - df) / annuity
    return 1e4 * np.sum((par[1::2] - par_sb) ** 2) + 1e3 * np.sum(np.diff(f, n=2) ** 2)


def cvar_partition(w):
    """A portfolio's conditional value at risk over 20 scenarios: softmax weights, scenario losses, the 4 worst by
    np.partition(losses, -k)[-k:], VaR as their np.min and CVaR as their mean, a target-return penalty."""
    x = np.exp(w) / np.sum(np.exp(w))
    losses = -(R_cv @ x)
    tail = np.partition(losses, -4)[-4:]
    return np.mean(tail) + 0.5 * np.min(tail) + 100.0 * (mu_cv @ x - 0.012) ** 2


def spring_chain(x):
    """A hanging chain of 5 masses between two anchors: the nodes by np.vstack, segments by np.diff(axis=0), lengths
    by np.linalg.norm(axis=1), elastic and gravitational energy, a bending term by row-wise np.einsum dot products."""
    P = np.vstack([anchor_a, x.reshape(-1, 2), anchor_b])
    seg = np.diff(P, axis=0)
    L = np.linalg.norm(seg, axis=1)
    elastic = 0.5 * k_sc * np.sum((L - L0_sc) ** 2)
    gravity = 9.81 * np.sum(m_sc * P[1:-1, 1])
    bending = np.sum(1.0 - np.einsum("ij,ij->i", seg[:-1], seg[1:]) / (L[:-1] * L[1:]))
    return elastic + gravity + bending


def crank_nicolson_heat(p):
    """A 1-D heat equation with a learned conductivity per face: the tridiagonal operator by np.diag(…, ±1),
    Crank–Nicolson steps u ← (I − rA/2)⁻¹(I + rA/2)u by np.linalg.solve, the misfit to an observed profile."""
    kappa = np.exp(p)
    A = np.diag(-(kappa[:-1] + kappa[1:])) + np.diag(kappa[1:-1], 1) + np.diag(kappa[1:-1], -1)
    r = 0.2
    I = np.eye(8)
    u = u0_cn
    for _ in range(5):
        u = np.linalg.solve(I - 0.5 * r * A, (I + 0.5 * r * A) @ u)
    return np.sum((u - u_obs_cn) ** 2) + 0.01 * np.sum(p**2)


def tight_binding_bands(t):
    """A 6-site tight-binding ring: the Hamiltonian by np.diag with the hoppings on ±1 and the wrap-around corner,
    its spectrum by np.linalg.eigvalsh, the band energy of the lowest three states and a Fermi-smeared free energy
    by np.logaddexp, occupations by scipy.special.expit."""
    H = np.diag(eps_tb) - np.diag(t[:-1], 1) - np.diag(t[:-1], -1) - t[-1] * corner_tb
    E = np.linalg.eigvalsh(H)
    kT, mu = 0.1, 0.0
    occ = special.expit((mu - E) / kT)
    free = -kT * np.sum(np.logaddexp(0.0, (mu - E) / kT))
    return 2.0 * np.sum(E[:3]) + free + np.sum(occ * E) + 0.5 * np.sum((t - 1.0) ** 2)


def rmsnorm_swiglu(w):
    """A transformer MLP block: RMSNorm by np.sqrt(np.mean(x², axis=-1, keepdims=True) + ε) with a learned gain, a
    SwiGLU (a·expit(a) ⊙ gate) and a residual, the mean squared error."""
    g, W1, W3, W2 = w[:3], w[3:15].reshape(3, 4), w[15:27].reshape(3, 4), w[27:39].reshape(4, 3)
    h = X_rs / np.sqrt(np.mean(X_rs**2, axis=-1, keepdims=True) + 1e-6) * g
    a = h @ W1
    y = X_rs + (a * special.expit(a) * (h @ W3)) @ W2
    return np.mean((y - Y_rs) ** 2)


def alibi_causal_attention(w):
    """Single-head causal attention with an ALiBi bias: scores minus a slope times |i − j| by np.subtract.outer, the
    future masked by np.where(np.triu(np.ones, k=1).astype(bool), -np.inf, ·), a max-shifted softmax normalised
    in place (A /= …), an entropy term over the attention weights."""
    Wq, Wk, Wv = w[:9].reshape(3, 3), w[9:18].reshape(3, 3), w[18:27].reshape(3, 3)
    Q, K, V = X_at @ Wq, X_at @ Wk, X_at @ Wv
    T = X_at.shape[0]
    S = Q @ K.T / np.sqrt(3.0) - 0.5 * np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    S = np.where(np.triu(np.ones((T, T)), k=1).astype(bool), -np.inf, S)
    S = S - S.max(axis=1, keepdims=True)
    A = np.exp(S)
    A /= A.sum(axis=1, keepdims=True)
    return np.sum((A @ V - Y_at) ** 2) + 0.1 * np.sum(A * np.log(A + 1e-12))


def sparsemax_loss(z):
    """Sparsemax and its loss over 3 examples × 5 classes: scores sorted descending by −np.sort(−Z), cumulative sums,
    the support 1 + k·z₍ₖ₎ > Σ by comparison, τ from np.where over it, p = np.maximum(Z − τ, 0); the sparsemax loss
    at labels picked by Z[np.arange(3), y] and a squared error of p."""
    Z = z.reshape(3, 5)
    zs = -np.sort(-Z, axis=1)
    cs = np.cumsum(zs, axis=1)
    k = np.arange(1, 6)
    support = 1 + k * zs > cs
    tau = (np.sum(np.where(support, zs, 0.0), axis=1, keepdims=True) - 1) / np.sum(support, axis=1, keepdims=True)
    p = np.maximum(Z - tau, 0.0)
    zy = Z[np.arange(3), y_sm]
    loss = -zy + 0.5 * np.sum(np.where(p > 0, Z**2 - tau**2, 0.0), axis=1) + 0.5
    return np.mean(loss) + np.sum((p - P_sm) ** 2)


def giou_loss(b):
    """Generalised IoU of 4 predicted boxes (centre, log size) against ground truth corners: the intersection by
    np.clip(np.minimum − np.maximum, 0, None) and np.prod, union, the enclosing hull, 1 − GIoU plus an L1 on corners."""
    B = b.reshape(4, 4)
    c, wh = B[:, :2], np.exp(B[:, 2:])
    p1, p2 = c - wh / 2, c + wh / 2
    g1, g2 = G_gi[:, :2], G_gi[:, 2:]
    inter = np.prod(np.clip(np.minimum(p2, g2) - np.maximum(p1, g1), 0, None), axis=1)
    union = np.prod(p2 - p1, axis=1) + np.prod(g2 - g1, axis=1) - inter
    hull = np.prod(np.maximum(p2, g2) - np.minimum(p1, g1), axis=1)
    giou = inter / union - (hull - union) / hull
    return np.mean(1.0 - giou) + 0.1 * np.sum(np.abs(np.concatenate([p1, p2], axis=1) - G_gi))


def barycentric_tonemap(v):
    """A learnable triangle rasterised at 9 pixel centres: barycentric coordinates by np.linalg.solve of the edge
    matrix (np.column_stack), inside by np.all(λ >= 0, axis=1), the vertex colours interpolated, a gamma tone map
    np.clip(·, 0, 1) ** (1/2.2), the background by np.where, the squared error to a target image."""
    V, C = v[:6].reshape(3, 2), v[6:].reshape(3, 3)
    T = np.column_stack([V[0] - V[2], V[1] - V[2]])
    lam12 = np.linalg.solve(T, (pix_bt - V[2]).T).T
    lam = np.column_stack([lam12, 1.0 - lam12.sum(axis=1)])
    inside = np.all(lam >= 0, axis=1)
    srgb = np.clip(lam @ C, 0.0, 1.0) ** (1 / 2.2)
    img = np.where(inside[:, None], srgb, bg_bt)
    return np.sum((img - want_bt) ** 2)


def moller_trumbore(p):
    """Ray–triangle intersection by the Möller–Trumbore algorithm for 6 rays against a learnable triangle: np.cross
    of the ray directions with an edge, the determinant, barycentric u, v and the hit distance t; hits by a combined
    mask (u ≥ 0) & (v ≥ 0) & (u + v ≤ 1), their depth error, a pull of the misses towards the centroid."""
    V0, V1, V2 = p.reshape(3, 3)
    e1, e2 = V1 - V0, V2 - V0
    h = np.cross(D_mt, e2)
    f = 1.0 / (h @ e1)
    s = O_mt - V0
    u = f * np.sum(s * h, axis=1)
    q = np.cross(s, e1)
    v = f * np.sum(D_mt * q, axis=1)
    t = f * (q @ e2)
    hit = (u >= 0) & (v >= 0) & (u + v <= 1)
    miss = np.sum((O_mt[:, :2] - (V0 + V1 + V2)[:2] / 3) ** 2, axis=1)
    return np.sum(np.where(hit, (t - t_mt) ** 2, 0.1 * miss)) + 0.01 * np.sum(np.cross(e1, e2) ** 2)


def weibull_censored(p):
    """A Weibull accelerated-failure-time model with right censoring: shape and scale by np.exp, covariates
    through the scale, the log density for events and the log survival for censored times by np.where."""
    k, lam = np.exp(p[0]), np.exp(p[1]) * np.exp(X_wb @ p[2:])
    z = (t_wb / lam) ** k
    logf = np.log(k) - np.log(lam) + (k - 1) * np.log(t_wb / lam) - z
    return -np.sum(np.where(event_wb, logf, -z))


def beta_binomial_betaln(p):
    """A beta-binomial regression: the mean by scipy.special.expit of a linear predictor, the concentration by
    np.exp, the log likelihood by scipy.special.betaln and the binomial coefficient by scipy.special.gammaln."""
    mu, phi = special.expit(X_bb @ p[:2]), np.exp(p[2])
    a, b = mu * phi, (1 - mu) * phi
    logc = special.gammaln(n_bb + 1) - special.gammaln(k_bb + 1) - special.gammaln(n_bb - k_bb + 1)
    return -np.sum(logc + special.betaln(k_bb + a, n_bb - k_bb + b) - special.betaln(a, b))


def yule_walker_toeplitz(x):
    """AR(3) by the Yule–Walker equations: the biased autocovariance by np.correlate(x, x, 'full')[n − 1:] / n, its
    Toeplitz matrix by scipy.linalg.toeplitz, the coefficients by np.linalg.solve, the innovation variance's log."""
    xc = x - x.mean()
    n = len(x)
    r = np.correlate(xc, xc, mode="full")[n - 1 :] / n
    a = np.linalg.solve(dlinalg.toeplitz(r[:3]), r[1:4])
    return np.sum((a - a_yw) ** 2) + np.log(r[0] - a @ r[1:4])


def hilbert_envelope(c):
    """An AM signal's envelope by the analytic signal np.abs(scipy.signal.hilbert(s)) against a target envelope, and a
    windowed power spectrum np.abs(np.fft.rfft(s · np.hanning(n)))**2 under a log."""
    s = (1.0 + c[0] * np.cos(c[1] * t_he)) * np.cos(w_he * t_he + c[2]) + c[3] * np.sin(3.0 * t_he)
    env = np.abs(dsignal.hilbert(s))
    spec = np.abs(np.fft.rfft(s * np.hanning(len(s)))) ** 2
    return np.sum((env - env_he) ** 2) + 1e-2 * np.sum(np.log(spec + 1e-3))


def augmented_lagrangian(x):
    """The augmented Lagrangian of a quadratic with three linear inequalities (Rockafellar's
    (max(0, λ + ρg)² − λ²)/2ρ by np.maximum) and one quadratic equality (ν h + ρ h²/2)."""
    f = np.sum(w_al * (x - x0_al) ** 2) + x[0] * x[1]
    g = A_al @ x - b_al
    h = x @ x - 2.0
    rho = 5.0
    ineq = np.sum(np.maximum(0.0, lam_al + rho * g) ** 2 - lam_al**2) / (2 * rho)
    return f + nu_al * h + 0.5 * rho * h**2 + ineq


def point_segment_distance(p):
    """Distances of 4 points to a 5-segment polyline: projections by np.einsum, clipped to [0, 1] by np.clip, the
    closest points, np.linalg.norm(axis=-1), the nearest by np.min(axis=1) and a soft-min by −τ log Σ exp(−d/τ)."""
    Q = p.reshape(4, 2)
    A, B = poly_ps[:-1], poly_ps[1:]
    AB = B - A
    t = np.clip(np.einsum("sd,qsd->qs", AB, Q[:, None, :] - A) / np.einsum("sd,sd->s", AB, AB), 0.0, 1.0)
    d = np.linalg.norm(Q[:, None, :] - (A + t[..., None] * AB), axis=-1)
    return np.sum(np.min(d, axis=1) ** 2) - 0.03 * np.sum(np.log(np.sum(np.exp(-d / 0.3), axis=1)))


def rodrigues_pose(r):
    """A rigid pose from axis-angle and translation: Rodrigues' formula with the cross-product matrix by
    np.cross(k, np.eye(3)).T, points rotated by np.einsum('ij,nj->ni'); the same rotation from the unit quaternion
    (np.concatenate of cos and sin of θ/2) by np.einsum of np.outer, both residuals."""
    th = np.linalg.norm(r[:3])
    k = r[:3] / th
    K = np.cross(k, np.eye(3)).T
    R = np.eye(3) + np.sin(th) * K + (1.0 - np.cos(th)) * K @ K
    res1 = np.einsum("ij,nj->ni", R, P_rp) + r[3:] - Q_rp
    q = np.concatenate([[np.cos(th / 2)], np.sin(th / 2) * k])
    w, v = q[0], q[1:]
    R2 = (w**2 - v @ v) * np.eye(3) + 2.0 * np.outer(v, v) + 2.0 * w * np.cross(v, np.eye(3)).T
    res2 = np.einsum("ij,nj->ni", R2, P_rp[:3]) - Q_rp[:3]
    return np.sum(res1**2) + 0.5 * np.sum(res2**2)


def rlc_impedance_fit(p):
    """A series RLC with a parallel stray capacitance fitted to a measured Bode plot: the complex impedance
    R + jωL + 1/(jωC) by Python's 1j, the parallel combination, 20·np.log10(np.abs(Z)) and np.angle(Z)."""
    R, L, C = np.exp(p)
    w = 2 * np.pi * f_rl
    Z = R + 1j * w * L + 1 / (1j * w * C)
    Zp = 1 / (1 / Z + 1j * w * C_par_rl)
    return np.mean((20 * np.log10(np.abs(Zp)) - mag_rl) ** 2) / 100 + np.mean((np.angle(Zp) - ph_rl) ** 2)


def gae_advantages(th):
    """Generalised advantage estimation over an 8-step episode with a reset: a tanh value function, λ by
    scipy.special.expit, the backward recursion written into np.zeros_like(V[:-1]) by adv[t] = … under
    reversed(range(T)), the value loss against the returns and the advantages' second moment."""
    V = 5.0 * np.tanh(S_ga @ th[:3])
    gamma, lam = 0.99, special.expit(th[3])
    adv = np.zeros_like(V[:-1])
    last = 0.0
    for t in reversed(range(8)):
        delta = r_ga[t] + gamma * V[t + 1] * (1 - done_ga[t]) - V[t]
        last = delta + gamma * lam * (1 - done_ga[t]) * last
        adv[t] = last
    return np.mean(adv**2) + 0.5 * np.mean((adv + V[:-1] - ret_ga) ** 2)


def beam_deflection(q):
    """A cantilever under a polynomial load (np.polyval of learned coefficients): shear and moment by
    scipy.integrate.cumulative_trapezoid(initial=0) from the free end, slope and deflection by integrating M/EI
    twice, the strain energy by scipy.integrate.simpson; the tip deflection against a measurement."""
    load = np.polyval(q[:4], x_bd)
    EI = np.exp(q[4])
    Vs = dint.cumulative_trapezoid(load, x_bd, initial=0)
    V = Vs[-1] - Vs
    Ms = dint.cumulative_trapezoid(V, x_bd, initial=0)
    M = Ms[-1] - Ms
    slope = dint.cumulative_trapezoid(M / EI, x_bd, initial=0)
    w = dint.cumulative_trapezoid(slope, x_bd, initial=0)
    return 100.0 * (w[-1] - 0.05) ** 2 + dint.simpson(M**2 / (2 * EI), x=x_bd)


def points():
    r = np.random.default_rng(14)
    return {
        "swap_bootstrap": np.array([0.02, 0.021, 0.023, 0.025, 0.026, 0.027, 0.028, 0.028]),
        "cvar_partition": 0.3 * r.normal(size=5),
        "spring_chain": np.array([0.5, -0.3, 1.0, -0.5, 1.5, -0.6, 2.0, -0.4, 2.5, 0.0]),
        "crank_nicolson_heat": 0.2 * np.sin(np.arange(9.0)),
        "tight_binding_bands": np.array([1.0, 0.9, 1.1, 0.95, 1.05, 0.8]),
        "rmsnorm_swiglu": np.concatenate([np.ones(3), 0.4 * r.normal(size=36)]),
        "alibi_causal_attention": 0.5 * r.normal(size=27),
        "sparsemax_loss": r.normal(size=15),
        "giou_loss": np.array([0.4, 0.5, 0.1, 0.2, 2.12, 0.9, 0.0, -0.1, -0.3, 2.4, 0.2, 0.1, 0.8, -0.5, -0.2, -0.1]),
        "barycentric_tonemap": np.concatenate([[0.0, 0.05, 1.05, 0.1, 0.3, 1.0], 0.3 + 0.5 * r.random(9)]),
        "moller_trumbore": np.array([0.0, 0.0, 0.1, 1.0, 0.0, 0.0, 0.0, 1.0, 0.2]),
        "weibull_censored": np.array([0.3, 1.0, 0.2, -0.1]),
        "beta_binomial_betaln": np.array([-0.2, 0.8, 1.5]),
        "yule_walker_toeplitz": np.sin(np.arange(16.0) * 0.9) + 0.4 * np.cos(np.arange(16.0) * 2.3),
        "hilbert_envelope": np.array([0.35, 0.32, 0.1, 0.05]),
        "augmented_lagrangian": np.array([0.9, -0.4, 0.7, 0.3]),
        "point_segment_distance": np.array([0.5, 0.5, 1.9, 0.3, 0.6, 2.5, -0.2, 0.7]),
        "rodrigues_pose": np.array([0.3, 0.8, -0.4, 0.1, -0.1, 0.2]),
        "rlc_impedance_fit": np.log(np.array([12.0, 1.2e-3, 0.8e-5])),
        "gae_advantages": np.array([0.3, -0.2, 0.1, 1.0]),
        "beam_deflection": np.array([0.5, -0.3, 0.2, 1.0, 0.5]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses by name (none: barycentric_tonemap's np.all was one)
SPECIALISED: set = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "swap_bootstrap": (0.14832477284140366, 14.310836649952662, 3112.0542352962893),  # jax, n=8
    "cvar_partition": (0.04054710669101938, 0.0004235874681255878, 0.0003638088752895526),  # jax, n=5
    "spring_chain": (0.4762706087474352, -2.355771494357362, 24.48029170920533),  # jax, n=10
    "crank_nicolson_heat": (0.1577153144996247, 0.015012996322533521, 0.015449725140367916),  # jax, n=9
    "tight_binding_bands": (-14.9142029931075, 0.552526332712727, 43.17638302811381),  # jax, n=6
    "rmsnorm_swiglu": (0.26613233513091084, 0.006199763733022249, 0.03001023385628348),  # jax, n=39
    "alibi_causal_attention": (5.576133206473683, -5.7619677851673226, 43.08202096093284),  # jax, n=27
    "sparsemax_loss": (4.175677846187397, -0.7125830095611528, 9.788436922144236),  # jax, n=15
    "giou_loss": (0.4728135533933835, 0.1251316505508353, 2.539118080521712),  # jax, n=16
    "barycentric_tonemap": (2.6939367024463117, -0.11302855050877494, 1.6022042448085958),  # jax, n=15
    "moller_trumbore": (0.11203010924854861, 0.0642253451466266, 0.014851571429185107),  # jax, n=9
    "weibull_censored": (20.154134309850036, 0.527913514956441, 77.71920042937938),  # jax, n=4
    "beta_binomial_betaln": (16.425950428968008, 2.770954962899608, 10.288915697218178),  # jax, n=3
    "yule_walker_toeplitz": (-1.1226111044849763, -0.689335617868108, 1.3301294158263768),  # jax, n=16
    "hilbert_envelope": (-0.0022218116674538324, -0.750099608604663, 0.93795380229547),  # jax, n=4
    "augmented_lagrangian": (0.04224999999999983, 0.04404433147986286, 36.1035),  # jax, n=4
    "point_segment_distance": (1.1801490927610325, -0.6641674635987099, 4.718006230817369),  # jax, n=8
    "rodrigues_pose": (49.6404536207119, -25.290409930737987, 2176.369413163615),  # jax, n=6
    "rlc_impedance_fit": (0.09300413691860777, -0.08704587019608473, 0.5822686620303488),  # jax, n=3
    "gae_advantages": (3.5306159389072955, 10.518266401284995, 231.00405349545193),  # jax, n=4
    "beam_deflection": (0.1971489004579047, -1.1378175092229104, 1.5681509333325356),  # jax, n=5
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "swap_bootstrap": (26.8418349412171, -34.10812211327896, 649453.1188138312),  # jax, n=8
    "cvar_partition": (0.04177063357506182, 0.0009470357147497343, 0.00035321812075910983),  # jax, n=5
    "spring_chain": (0.7784468643887911, 0.5456709586306151, 95.08317764430286),  # jax, n=10
    "crank_nicolson_heat": (0.15004151697321008, 0.01588088342095054, 0.015015754418359614),  # jax, n=9
    "tight_binding_bands": (-14.900284034783073, 0.550250074474052, 43.21252341829817),  # jax, n=6
    "rmsnorm_swiglu": (0.26111257657286596, -0.02325912664281342, 0.029906764409787193),  # jax, n=39
    "alibi_causal_attention": (5.004518751378164, -4.973388614660425, 30.24940830797856),  # jax, n=27
    "sparsemax_loss": (4.243955410925659, -0.6180706294660241, 10.010250931614419),  # jax, n=15
    "giou_loss": (0.47732990814883663, -0.32909364495547255, 2.276410065334272),  # jax, n=16
    "barycentric_tonemap": (2.701079673970092, -0.1657688855280796, 1.5742849235534746),  # jax, n=15
    "moller_trumbore": (0.10747382648601149, 0.04548782506387798, 0.01537602414446995),  # jax, n=9
    "weibull_censored": (19.65333929363221, 0.2854520836376696, 70.74834142392146),  # jax, n=4
    "beta_binomial_betaln": (16.391779649708884, 2.9081464479332433, 10.128868908186158),  # jax, n=3
    "yule_walker_toeplitz": (-1.1247016627732633, -0.6851796958771763, 1.3364392312250881),  # jax, n=16
    "hilbert_envelope": (0.06438562480832849, -1.7196925698045147, 13.075184155750033),  # jax, n=4
    "augmented_lagrangian": (0.056697924216971216, -0.014377096203155696, 32.13639659379877),  # jax, n=4
    "point_segment_distance": (1.2403330027083186, 0.4356400962336586, 4.952098196508495),  # jax, n=8
    "rodrigues_pose": (51.9115058798421, -24.971759387953465, 2178.325910898792),  # jax, n=6
    "rlc_impedance_fit": (0.13163120780268844, -0.25289687936874067, 1.1172901639884025),  # jax, n=3
    "gae_advantages": (3.7475055762345426, 10.195319468663397, 247.8277671016661),  # jax, n=4
    "beam_deflection": (0.2486423608744836, -1.3490137418875898, 2.217026590295417),  # jax, n=5
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS = {
    "tight_binding_bands": (-0.046344256055477775, 12.174669199463358),  # jax.hessian
    "weibull_censored": (-4.827571591586872, 1207.3145476813584),  # jax.hessian
    "beta_binomial_betaln": (2.8404982965572616, 78.76006475808555),  # jax.hessian
    "augmented_lagrangian": (-1.0543558977828382, 964.04),  # jax.hessian
    "rodrigues_pose": (6.032202625520878, 1070.3487700191326),  # jax.hessian
    "rlc_impedance_fit": (-3.333382730769907, 57.589491874058595),  # jax.hessian
    "gae_advantages": (-11.382788191633463, 7355.786469708613),  # jax.hessian
    "beam_deflection": (-3.963686263300565, 30.102005775568564),  # jax.hessian
}

#: symbolic Hessians over 0.2 s, left out (the module docstring gives their times)
NO_SYMBOLIC_HESSIAN = set(HESS) - {"augmented_lagrangian", "gae_advantages"}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(POINTS))
def test_gradient_of_user_code_at_two_points(name, method):
    """dl.value_and_grad at the point equals JAX's; prepared there and called twice at the second point (the
    general path, then the armed common case), JAX's there; the specialised one is refused by dl.prepare by name
    and differentiated fresh at the second point. (hilbert_envelope's scipy.signal.hilbert and beam_deflection's
    scipy.integrate.cumulative_trapezoid and simpson did not exist in difflab; rodrigues_pose's
    np.concatenate([[np.cos(th / 2)], ...]) was refused.)"""
    f = FUNCS[list(POINTS).index(name)]
    at_two_points(
        f,
        POINTS[name],
        GRAD[name],
        PERTURBED[name],
        method,
        lambda s, v, g: check_gradient(s, v, g, gradient_tol(method)),
        specialised=name in SPECIALISED,
    )


test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    no_symbolic=NO_SYMBOLIC_HESSIAN,
    doc="""dl.hessian of the small ones equals jax.hessian's: the censored Weibull's np.where, betaln, np.maximum's
    penalty, the complex impedance, the GAE recursion written in place, eigvalsh, Rodrigues, np.partition's tail,
    the quadratures.""",
)


@pytest.mark.parametrize("method", METHODS)
def test_hilbert_simpson_and_cumulative_trapezoid_are_scipys(method):
    """scipy.signal.hilbert, scipy.integrate.simpson and cumulative_trapezoid had no difflab.scipy counterpart
    (AttributeError; SciPy's own refused a traced value): SciPy's values (odd and even lengths, N=, axis=, x=, dx=,
    initial=), and gradients equal to the transposes of SciPy's own linear maps read from the unit vectors."""
    import scipy.integrate
    import scipy.signal

    x = np.random.default_rng(14).normal(size=(3, 6))
    xs = np.cumsum(np.random.default_rng(15).random(6)) + 0.1
    for axis, N in [(-1, None), (0, None), (1, 9), (0, 2)]:
        np.testing.assert_allclose(
            dsignal.hilbert(x, N=N, axis=axis), scipy.signal.hilbert(x, N=N, axis=axis), atol=1e-14
        )
    for n in (5, 6):
        y = x[:, :n]
        for kw in (dict(x=xs[:n]), dict(dx=0.3)):
            np.testing.assert_allclose(dint.simpson(y, **kw), scipy.integrate.simpson(y, **kw), rtol=1e-14)
            want = scipy.integrate.cumulative_trapezoid(y.T, axis=0, initial=0, **kw)
            np.testing.assert_allclose(dint.cumulative_trapezoid(y.T, axis=0, initial=0, **kw), want, rtol=1e-14)
    w1, w2 = np.cos(np.arange(7.0)), np.sin(np.arange(7.0))
    H = scipy.signal.hilbert(np.eye(6), N=7)  # row k: hilbert of the unit vector e_k
    S = scipy.integrate.simpson(np.eye(6), x=xs)
    C = scipy.integrate.cumulative_trapezoid(np.eye(6), dx=0.4)

    def f(v):
        h = dsignal.hilbert(v, N=7)
        return (
            np.sum(w1 * np.real(h) ** 2 + w2 * np.imag(h))
            + dint.simpson(v**2, x=xs)
            + np.sum(w2[:5] * dint.cumulative_trapezoid(v, dx=0.4))
        )

    v = x[0]
    want = 2 * H.real @ (w1 * (v @ H.real)) + H.imag @ w2 + 2 * S * v + C @ w2[:5]
    tol = 1e-7 if method == "numeric" else 1e-12
    np.testing.assert_allclose(dl.grad(f, method=method)(v), want, rtol=tol, atol=tol)
    with pytest.raises(TypeError, match="sample points x are traced"):
        dl.grad(lambda t: dint.simpson(np.ones(6), x=t), method=method)(xs)


@pytest.mark.parametrize("method", METHODS)
def test_concatenate_and_stack_of_lists_holding_traced_entries(method):
    """np.concatenate([[np.cos(th / 2)], np.sin(th / 2) * k]) (rodrigues_pose's quaternion) was refused in every
    method ("numpy.shape converted a traced value"): a list holding traced entries is stacked, in np.concatenate,
    np.hstack and np.stack, fresh and prepared; the reference is the complex step of the same NumPy code."""

    def f(x):
        a = np.concatenate([[x[0] ** 2, 3.0], x, [x[1]]])
        return np.sum(a**2) + np.sum(np.stack([[x[0], 1.0], x[1:]]) ** 3) + np.sum(np.hstack([[x[2]], x]) * a[:4])

    x0, x1 = np.array([0.5, 1.5, -0.7]), np.array([0.4, 1.1, -0.2])
    tol = 1e-8 if method == "numeric" else 1e-13
    np.testing.assert_allclose(dl.grad(f, method=method)(x0), complex_step(f, x0), rtol=tol)
    p = dl.prepare(f, x0, method=method)
    np.testing.assert_allclose(p.grad(x1), complex_step(f, x1), rtol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_all_and_any_of_traced_masks_are_traced(method):
    """np.all / np.any of a traced array were read on the values (the graph specialised, dl.prepare refused it): a
    traced mask now, with axis and keepdims, of a bool mask, of floats (NumPy's truth) and of an empty array; prepared
    at one point, NumPy's masks at another where each of them changes."""

    def f(x):
        M = x.reshape(2, 3)
        return (
            np.sum(np.where(np.all(M > 0.2, axis=1, keepdims=True), M, 0.0))
            + np.sum(np.where(np.any(x > 0.9), x, 2 * x))
            + np.sum(np.where(np.all(np.zeros((0, 6)) > 0, axis=0), x, 0.0))
            + np.sum(np.where(np.any(M - 0.3, axis=0), x[:3], 0.0))
        )

    def want(x):  # ∂/∂x of the selected branches, from NumPy's own masks
        M = x.reshape(2, 3)
        return (
            (np.all(M > 0.2, axis=1, keepdims=True) * np.ones((2, 3))).ravel()
            + np.where(np.any(x > 0.9), 1.0, 2.0)
            + 1.0
            + np.concatenate([np.any(M - 0.3, axis=0), np.zeros(3)])
        )

    x0, x1 = np.array([0.3, 0.5, 0.4, 0.1, 0.95, 0.3]), np.array([0.1, 0.5, 0.4, 0.3, 0.7, 0.3])
    p = dl.prepare(f, x0, method=method)
    tol = 1e-8 if method == "numeric" else 1e-14
    for x in (x0, x1):
        assert p(x) == pytest.approx(f(x), rel=1e-14)
        np.testing.assert_allclose(p.grad(x), want(x), rtol=tol, atol=tol)
