"""What a user writes, round 6: functions in plain NumPy from areas the first five rounds do not cover.

A 1-D conv net by np.convolve, pre-norm multi-head causal attention (np.triu mask, -1e9 fill), a Gaussian
mixture by np.logaddexp.reduce, a locally periodic GP by Cholesky and scipy-style triangular solves, a
Black–Scholes Greeks surface (closed forms, and again with delta, gamma and vega by dl.grad inside), a
spring chain stepped by velocity Verlet with a 0-d stiffness, trajectory optimisation by np.diff(n=2, 3), a
softmax policy's clipped surrogate by np.take_along_axis, soft ranks and NeuralSort, a Kalman update by
np.linalg.solve and slogdet, a top-1 mixture of experts routed by np.argmax, total-variation denoising, an
orthogonal Procrustes loss by svd, an LMI log-det barrier, a Student-t regression (by hand and by
difflab.scipy.stats.t), ArcFace's angular margin, a bilinear image warp by np.floor(...).astype(int), a
cubic by np.polyfit, least squares by QR, a low-pass fit by np.fft.rfft/irfft, a continuous-time Markov
chain by expm, unrolled ISTA, a discrete-time hazard model by np.cumprod, Lotka–Volterra by Euler; then
less common NumPy names (a drawdown by np.maximum.accumulate, a PDE residual by np.gradient on coordinates
and np.trapezoid, minimum-image molecular dynamics by np.round and np.mod, np.linalg.matrix_power and
multi_dot, spectral and nuclear norms with pinv, median/MAD/percentile, np.unwrap and np.hypot, a zoo of
scipy.special, np.correlate, corrcoef and cov, np.interp on traced knots, np.cross and np.kron); and
in-place code as NumPy defines it, against complex-step differences of the NumPy function itself.

Each one's gradient under every method, fresh and prepared, against JAX x64 (the function's source run
with jax.numpy for numpy, jax.scipy for scipy and difflab.scipy, jax.grad for dl.grad): f, g·cos(k + 1)
and |g|² of the gradient flattened in sorted-key order, stored here so CI (no JAX) asserts them. Hessians
of twelve, a Jacobian, hvp, vmap, jacfwd of grad and difflab.testing.check_grad.

What they met: `np.floor(sx).astype(int)` was refused as a conversion to a Python number, claiming JAX
refuses it too (JAX gives the cast values): now the cast values, as np.argmax's (tests/test_dtypes.py); a
jax.Array given to dl.grad was refused as "dtype float64: only floating-point values can be differentiated"
(tests/test_bad_input.py); np.gradient(u, x) with sample coordinates was a bare "TypeError: only 0-dimensional
arrays can be converted to Python scalars" and edge_order unknown: now NumPy's non-uniform formulas
(tests/test_numpy_coverage.py). Recorded, not fixed: a shift register's `buf[1:] = buf[:-1]` (and
`z[:4] = z[:4][::-1]`) is refused as a write while a view of buf is in use (the right-hand side itself,
a temporary NumPy copies before writing); copying it (`buf[:-1].copy()`) traces. The numeric method's
gradient of a sum one of whose terms dominates |f| (5·expi(30) = 5e13 beside O(1) terms) is round-off in the
small terms' entries (0 for -2.2), with no NumericAccuracyWarning (tests/test_scipy.py's exp1/expi test
differentiates them apart). symbolic's jvp, vjp and linearize through a 7×3 QR (qr_lstsq: its gradient is the
matrix-level rule's); its Hessian and Jacobian through a 3×3 expm, refused by name here before, are now JAX's
(expm's opaque kind, tests/test_symbolic_expm.py). `R = np.zeros((3, 3)); R[mask] = np.exp(v)` is refused with
np.zeros_like's remedy, as JAX refuses it (ctmc_expm writes the remedy). No wrong number: every exact
method agreed with JAX to rounding."""

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
import difflab.scipy.linalg as dsla
import difflab.scipy.stats as dstats
from user_code import METHODS, check_hvp, complex_step, gradient_test, hessian_test


# ---------------------------------------------------------------- data
_r = np.random.default_rng(38)
X_conv = _r.normal(size=(4, 16))
y_conv = np.array([0.3, -0.5, 0.8, 0.1])
X_mha = _r.normal(size=(6, 8))
x_gmm = np.concatenate([_r.normal(-1.0, 0.5, size=5), _r.normal(1.5, 0.7, size=5)])
t_gp = np.linspace(0.0, 3.0, 6)
y_gp = np.sin(2 * t_gp) + 0.1 * _r.normal(size=6)
ts_gp = np.array([0.7, 2.2])
S_bs = np.array([90.0, 100.0, 110.0])
K_bs = 100.0
T_bs = np.array([0.25, 1.0])
price_bs = np.array([[1.9, 6.6], [4.8, 10.3], [11.5, 15.9]])
x0_vv = np.array([0.0, 1.1, 1.9, 3.2])
m_vv = np.array([1.0, 2.0, 1.5, 1.0])
start_tr, goal_tr = np.array([0.0, 0.0]), np.array([3.0, 2.0])
obst_tr, r_tr = np.array([1.5, 1.0]), 0.6
S_pg = _r.normal(size=(8, 4))
a_pg = np.array([0, 2, 1, 1, 0, 2, 2, 1])
adv_pg = _r.normal(size=8)
logp_old_pg = np.log(np.full(8, 1 / 3))
target_rank = np.array([3.0, 1.0, 5.0, 2.0, 4.0])
y_kf = np.array([0.4, -0.3])
H_kf = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, -0.2]])
R_kf = np.array([[0.2, 0.05], [0.05, 0.1]])
X_moe = _r.normal(size=(6, 3))
y_moe = _r.normal(size=(6, 2))
f_tv = np.kron(np.array([[0.0, 1.0], [1.0, 0.0]]), np.ones((3, 3))) + 0.2 * _r.normal(size=(6, 6))
Y_pr = _r.normal(size=(5, 3))
A0_ld = np.array([[2.0, 0.3, 0.0], [0.3, 1.5, 0.2], [0.0, 0.2, 1.0]])
A_ld = np.array(
    [
        [[1.0, 0.0, 0.2], [0.0, -0.5, 0.0], [0.2, 0.0, 0.3]],
        [[0.0, 0.4, 0.0], [0.4, 0.5, 0.1], [0.0, 0.1, -0.6]],
    ]
)
c_ld = np.array([0.5, -0.3])
X_st = _r.normal(size=(9, 2))
y_st = X_st @ np.array([1.0, -0.5]) + 0.3 + 0.4 * _r.standard_t(3, size=9)
E_arc = _r.normal(size=(5, 4))
y_arc = np.array([0, 1, 2, 1, 0])
img_w = np.add.outer(np.sin(np.linspace(0, 3, 6)), np.cos(np.linspace(0, 2, 6)))
xs_w, ys_w = np.meshgrid(np.arange(1.0, 5.0), np.arange(1.0, 5.0))
target_w = img_w[1:5, 1:5] + 0.05
x_pf = np.linspace(-1.0, 1.0, 8)
xq_pf = np.array([-0.9, -0.2, 0.45, 0.95])
yq_pf = np.exp(xq_pf)
y_qr = _r.normal(size=7)
t_ff = np.arange(16)
target_ff = np.sin(2 * np.pi * 2 * t_ff / 16) + 0.5 * np.cos(2 * np.pi * 3 * t_ff / 16)
W_ff = _r.normal(size=(1, 6))
b_ff = _r.uniform(0, 2 * np.pi, size=6)
N_ctmc = np.array([[10.0, 3.0, 1.0], [2.0, 8.0, 4.0], [1.0, 2.0, 9.0]])
A_ista = _r.normal(size=(6, 4)) / np.sqrt(6)
x_true_ista = np.array([1.0, 0.0, -0.5, 0.0])
X_haz = _r.normal(size=(5, 2))
t_haz = np.array([1, 3, 2, 4, 3])
ev_haz = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
obs_lv = np.array([[1.0, 0.5], [1.08, 0.48], [1.15, 0.47], [1.2, 0.48], [1.22, 0.5], [1.23, 0.53]])


# ---------------------------------------------------------------- functions
def conv1d_net(p):
    """Two 1-D convolution layers by np.convolve (a sample and a channel at a time), ReLU, global average."""
    preds = []
    for x in X_conv:
        h1 = [np.maximum(np.convolve(x, k, mode="valid") + b, 0.0) for k, b in zip(p["k1"], p["b1"])]
        h2 = np.convolve(h1[0], p["k2"][0], mode="valid") + np.convolve(h1[1], p["k2"][1], mode="valid")
        preds.append(np.tanh(np.mean(h2)) * p["w"])
    return np.mean((np.stack(preds) - y_conv) ** 2)


def _layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def mha_causal(p):
    """Pre-norm multi-head self-attention (2 heads) with a causal mask by np.triu and a large negative fill."""
    T, d, nh = 6, 8, 2
    x = _layer_norm(X_mha, p["g"], p["b"])
    q, k, v = ((x @ p[w]).reshape(T, nh, d // nh).transpose(1, 0, 2) for w in ("Wq", "Wk", "Wv"))
    s = q @ k.transpose(0, 2, 1) / np.sqrt(d // nh)
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)
    s = np.where(mask, -1e9, s)
    s = s - s.max(axis=-1, keepdims=True)
    a = np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)
    out = (a @ v).transpose(1, 0, 2).reshape(T, d) @ p["Wo"]
    y = X_mha + out
    return np.mean(y**2)


def gmm_logaddexp(p):
    """A 3-component 1-D mixture's negative log-likelihood, the components combined by np.logaddexp.reduce."""
    log_w = p["logits"] - np.log(np.sum(np.exp(p["logits"])))
    sd = np.exp(p["log_sd"])
    comp = log_w - 0.5 * ((x_gmm[:, None] - p["mu"]) / sd) ** 2 - np.log(sd) - 0.5 * np.log(2 * np.pi)
    return -np.sum(np.logaddexp.reduce(comp, axis=1))


def gp_periodic(theta):
    """A GP with a locally periodic kernel: log marginal likelihood by Cholesky and two triangular solves,
    plus the predictive mean at two test inputs."""
    ell, period, sf2, sn2 = np.exp(theta)
    d = t_gp[:, None] - t_gp[None, :]
    K = sf2 * np.exp(-2 * np.sin(np.pi * d / period) ** 2 / ell**2 - d**2 / 50.0) + sn2 * np.eye(6)
    L = np.linalg.cholesky(K)
    z = dsla.solve_triangular(L, y_gp, lower=True)
    alpha = dsla.solve_triangular(L.T, z, lower=False)
    ds = ts_gp[:, None] - t_gp[None, :]
    Ks = sf2 * np.exp(-2 * np.sin(np.pi * ds / period) ** 2 / ell**2 - ds**2 / 50.0)
    mean = Ks @ alpha
    nll = 0.5 * z @ z + np.sum(np.log(np.diag(L))) + 3 * np.log(2 * np.pi)
    return nll + np.sum((mean - np.sin(2 * ts_gp)) ** 2)


def bs_greeks(sig):
    """A (spot × maturity) volatility surface: prices by Black–Scholes, delta, gamma and vega in closed form;
    a calibration loss with a delta-hedging and a gamma penalty."""
    S, T = np.meshgrid(S_bs, T_bs, indexing="ij")
    d1 = (np.log(S / K_bs) + 0.5 * sig**2 * T) / (sig * np.sqrt(T))
    d2 = d1 - sig * np.sqrt(T)
    price = S * special.ndtr(d1) - K_bs * special.ndtr(d2)
    pdf = np.exp(-0.5 * d1**2) / np.sqrt(2 * np.pi)
    delta = special.ndtr(d1)
    gamma = pdf / (S * sig * np.sqrt(T))
    vega = S * pdf * np.sqrt(T)
    w = 1.0 / vega
    return np.sum(w * (price - price_bs) ** 2) + np.sum((delta - 0.5) ** 2) + 10.0 * np.sum(gamma**2)


def _bs_price(S, sig):
    T = T_bs
    d1 = (np.log(S / K_bs) + 0.5 * sig**2 * T) / (sig * np.sqrt(T))
    return S * special.ndtr(d1) - K_bs * special.ndtr(d1 - sig * np.sqrt(T))


def bs_greeks_ad(sig):
    """bs_greeks with delta and gamma by dl.grad of the price in the spot (elementwise: the gradient of the
    sum), vega by dl.grad in the volatility: the same numbers, its gradient a third derivative."""
    S = np.repeat(S_bs[:, None], 2, axis=1)
    price = _bs_price(S, sig)
    delta_fn = dl.grad(lambda S_, s_: np.sum(_bs_price(S_, s_)))
    delta = delta_fn(S, sig)
    gamma = dl.grad(lambda S_, s_: np.sum(delta_fn(S_, s_)))(S, sig)
    vega = dl.grad(lambda s_: np.sum(_bs_price(S, s_)))(sig)
    return np.sum((price - price_bs) ** 2 / vega) + np.sum((delta - 0.5) ** 2) + 10.0 * np.sum(gamma**2)


def verlet_chain(k):
    """A chain of 4 masses joined by 3 springs of (0-d) stiffness k, stepped by velocity Verlet; the end
    positions against a target and the final energy."""
    L0, dt = 1.0, 0.05

    def force(x):
        t = k * (np.diff(x) - L0)
        return np.concatenate([t, [0.0]]) - np.concatenate([[0.0], t])

    x, v = x0_vv, np.zeros(4)
    a = force(x) / m_vv
    for _ in range(20):
        x = x + dt * v + 0.5 * dt**2 * a
        a_new = force(x) / m_vv
        v = v + 0.5 * dt * (a + a_new)
        a = a_new
    energy = 0.5 * np.sum(m_vv * v**2) + 0.5 * k * np.sum((np.diff(x) - 1.0) ** 2)
    return np.sum((x - np.array([0.0, 1.0, 2.0, 3.0])) ** 2) + energy


def traj_opt(u):
    """12 free 2-D waypoints between fixed ends: acceleration and jerk by np.diff(n=2, 3), a soft obstacle
    by np.maximum, the path length by np.linalg.norm of the segments."""
    path = np.vstack([start_tr, u.reshape(12, 2), goal_tr])
    acc = np.diff(path, n=2, axis=0)
    jerk = np.diff(path, n=3, axis=0)
    dist = np.linalg.norm(path - obst_tr, axis=1)
    obstacle = np.sum(np.maximum(r_tr - dist, 0.0) ** 2)
    length = np.sum(np.linalg.norm(np.diff(path, axis=0), axis=1))
    return np.sum(acc**2) + 0.1 * np.sum(jerk**2) + 50.0 * obstacle + 0.1 * length


def policy_surrogate(W):
    """A softmax policy's clipped surrogate (log-probabilities by log-softmax, the taken actions by
    np.take_along_axis) with an entropy bonus."""
    logits = S_pg @ W
    mx = logits.max(axis=1, keepdims=True)
    logp = logits - mx - np.log(np.sum(np.exp(logits - mx), axis=1, keepdims=True))
    logp_a = np.take_along_axis(logp, a_pg[:, None], axis=1)[:, 0]
    ratio = np.exp(logp_a - logp_old_pg)
    surr = np.minimum(ratio * adv_pg, np.clip(ratio, 0.8, 1.2) * adv_pg)
    entropy = -np.sum(np.exp(logp) * logp, axis=1)
    return -np.mean(surr) - 0.01 * np.mean(entropy)


def soft_rank_sort(x, tau=0.5):
    """Soft ranks by a sum of sigmoids of pairwise differences (a Spearman-like loss), and NeuralSort's
    relaxed permutation matrix for a soft top-2."""
    n = x.size
    diff = x[:, None] - x[None, :]
    ranks = 0.5 + np.sum(special.expit(diff / tau), axis=1)
    A = np.abs(diff)
    scal = (n + 1 - 2 * (np.arange(n) + 1))[:, None] * x[None, :] - A.sum(axis=0)[None, :]
    P = np.exp((scal - scal.max(axis=1, keepdims=True)) / tau)
    P = P / P.sum(axis=1, keepdims=True)
    top2 = (P @ x)[:2]
    return np.sum((ranks - target_rank) ** 2) - np.sum(top2)


def kalman_update(p):
    """One Kalman measurement update: gain by np.linalg.solve, the Joseph-form covariance, and the
    innovation's log-likelihood by slogdet."""
    m = p["m"]
    Lp = np.tril(p["L"])
    P = Lp @ Lp.T + 0.1 * np.eye(3)
    S = H_kf @ P @ H_kf.T + R_kf
    K = np.linalg.solve(S, H_kf @ P).T
    innov = y_kf - H_kf @ m
    m_new = m + K @ innov
    IKH = np.eye(3) - K @ H_kf
    P_new = IKH @ P @ IKH.T + K @ R_kf @ K.T
    sign, logdet = np.linalg.slogdet(S)
    nll = 0.5 * innov @ np.linalg.solve(S, innov) + 0.5 * logdet
    return nll + np.trace(P_new) + np.sum(m_new**2)


def moe_top1(p):
    """A top-1 mixture of experts: np.argmax routes each row, the routed expert's output scaled by its gate
    probability; a load-balancing term."""
    logits = X_moe @ p["Wg"]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = probs / probs.sum(axis=1, keepdims=True)
    route = np.argmax(logits, axis=1)
    outs = np.einsum("nd,edk->nek", X_moe, p["We"])
    rows = np.arange(len(X_moe))
    y = outs[rows, route] * probs[rows, route][:, None]
    frac = np.bincount(route, minlength=3) / len(X_moe)
    balance = 3 * np.sum(frac * probs.mean(axis=0))
    return np.mean((y - y_moe) ** 2) + 0.1 * balance


def tv_denoise(u):
    """Total-variation denoising of a 6×6 image: forward differences by np.diff with an appended edge, an
    isotropic smoothed TV."""
    U = u.reshape(6, 6)
    dx = np.diff(U, axis=1, append=U[:, -1:])
    dy = np.diff(U, axis=0, append=U[-1:, :])
    tv = np.sum(np.sqrt(dx**2 + dy**2 + 1e-3))
    return 0.5 * np.sum((U - f_tv) ** 2) + 0.3 * tv


def procrustes(X):
    """Orthogonal Procrustes: the rotation aligning X to Y_pr by the svd of XᵀY, then the aligned residual."""
    U, s, Vt = np.linalg.svd(X.T @ Y_pr)
    R = U @ Vt
    return np.sum((X @ R - Y_pr) ** 2) + 0.1 * np.sum(s)


def logdet_barrier(x):
    """A linear objective over an LMI A0 + Σ xᵢAᵢ ≻ 0, with slogdet's barrier and a ball constraint."""
    X = A0_ld + np.tensordot(x, A_ld, axes=1)
    sign, logdet = np.linalg.slogdet(X)
    return c_ld @ x - logdet - np.log(1 - x @ x)


def student_t_reg(p):
    """A robust regression: Student-t likelihood of the residuals with a learned scale and degrees of
    freedom, once by hand (gammaln, log1p) and once by difflab.scipy.stats.t.logpdf."""
    w, b, log_s, log_nu = p[:2], p[2], p[3], p[4]
    s, nu = np.exp(log_s), np.exp(log_nu)
    r = (y_st - X_st @ w - b) / s
    ll = (
        special.gammaln((nu + 1) / 2)
        - special.gammaln(nu / 2)
        - 0.5 * np.log(nu * np.pi)
        - log_s
        - (nu + 1) / 2 * np.log1p(r**2 / nu)
    )
    ll2 = dstats.t.logpdf(y_st, nu, loc=X_st @ w + b, scale=s)
    return -np.sum(ll) - 0.5 * np.sum(ll2) + 0.5 * (log_nu - 1.0) ** 2


def arcface(W, s=8.0, m=0.3):
    """ArcFace's additive angular margin: normalised embeddings and class centres, the target angle by
    np.arccos of a clipped cosine, the margin added, a scaled softmax cross-entropy."""
    e = E_arc / np.linalg.norm(E_arc, axis=1, keepdims=True)
    c = W / np.linalg.norm(W, axis=0, keepdims=True)
    cos = np.clip(e @ c, -1 + 1e-7, 1 - 1e-7)
    rows = np.arange(len(y_arc))
    theta = np.arccos(cos[rows, y_arc])
    logits = s * cos
    logits[rows, y_arc] = s * np.cos(theta + m)
    lse = np.log(np.sum(np.exp(logits), axis=1))
    return np.mean(lse - logits[rows, y_arc])


def bilinear_warp(theta):
    """An affine warp of a 6×6 image sampled bilinearly: np.floor, .astype(int) and a gather of the four
    neighbours; the warped 4×4 patch against a target."""
    A = theta.reshape(2, 3)
    src = np.einsum("ij,jhw->ihw", A, np.stack([xs_w, ys_w, np.ones_like(xs_w)]))
    sx, sy = np.clip(src[0], 0.0, 4.999), np.clip(src[1], 0.0, 4.999)
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = sx - x0, sy - y0
    warped = (
        img_w[y0, x0] * (1 - fx) * (1 - fy)
        + img_w[y0, x0 + 1] * fx * (1 - fy)
        + img_w[y0 + 1, x0] * (1 - fx) * fy
        + img_w[y0 + 1, x0 + 1] * fx * fy
    )
    return np.sum((warped - target_w) ** 2)


def polyfit_loss(y):
    """A cubic through noisy samples by np.polyfit, evaluated by np.polyval against exp."""
    c = np.polyfit(x_pf, y, 3)
    return np.sum((np.polyval(c, xq_pf) - yq_pf) ** 2) + 0.01 * np.sum(c**2)


def qr_lstsq(A):
    """Least squares by a reduced QR and a triangular back-substitution; the residual and a ridge term on
    the coefficients, differentiated in the (non-square) design matrix."""
    A = A.reshape(7, 3)
    Q, R = np.linalg.qr(A)
    beta = dsla.solve_triangular(R, Q.T @ y_qr)
    r = y_qr - A @ beta
    return r @ r + 0.1 * beta @ beta


def fourier_fit(x):
    """A signal fitted in the frequency domain: np.fft.rfft, a low-pass mask, np.fft.irfft back; the
    spectrum's magnitudes; random Fourier features of the result."""
    X = np.fft.rfft(x)
    H = (np.arange(9) <= 4).astype(float)
    y = np.fft.irfft(X * H, n=16)
    feats = np.cos(y[:, None] @ W_ff + b_ff)
    return np.sum((y - target_ff) ** 2) + 0.05 * np.sum(np.abs(X[1:])) + 0.1 * np.sum(feats.mean(axis=0) ** 2)


def ctmc_expm(log_rates):
    """A 3-state continuous-time Markov chain: the generator from off-diagonal log-rates, transition
    probabilities by the matrix exponential, the log-likelihood of observed transition counts."""
    R = np.zeros_like(log_rates, shape=(3, 3))
    R[~np.eye(3, dtype=bool)] = np.exp(log_rates)
    Q = R - np.diag(R.sum(axis=1))
    P = dsla.expm(0.5 * Q)
    return -np.sum(N_ctmc * np.log(P))


def ista_lasso(y, lam=0.1, n_iter=10):
    """Ten unrolled ISTA steps of the lasso (soft thresholding by np.sign and np.maximum), differentiated
    in the observations: the recovered code against the truth."""
    L = np.linalg.norm(A_ista, 2) ** 2
    x = np.zeros(4)
    for _ in range(n_iter):
        z = x - A_ista.T @ (A_ista @ x - y) / L
        x = np.sign(z) * np.maximum(np.abs(z) - lam / L, 0.0)
    return np.sum((x - x_true_ista) ** 2)


def discrete_hazard(p):
    """A discrete-time survival model: per-period hazards by expit, survival by np.cumprod, the likelihood of
    event or censoring times picked by fancy indexing."""
    h = special.expit(X_haz @ p[:2][:, None] + p[2:][None, :])  # (5 subjects, 4 periods)
    S = np.cumprod(1 - h, axis=1)
    rows, k = np.arange(5), t_haz - 1
    S_prev = np.where(k > 0, S[rows, np.maximum(k - 1, 0)], 1.0)
    ll = ev_haz * np.log(h[rows, k] * S_prev) + (1 - ev_haz) * np.log(S[rows, k])
    return -np.sum(ll)


def lv_euler(log_p):
    """Lotka–Volterra stepped by explicit Euler in a Python loop, the states kept in a list and stacked."""
    a, b, c, d = np.exp(log_p)
    x, y, dt = 1.0, 0.5, 0.1
    traj = [np.array([x, y])]
    for _ in range(5):
        x, y = x + dt * (a * x - b * x * y), y + dt * (c * x * y - d * y)
        traj.append(np.stack([x, y]))
    return np.sum((np.stack(traj) - obs_lv) ** 2)


# ---------------------------------------------------------------- less common NumPy names
_r2 = np.random.default_rng(381)
R_dd = 0.01 * _r2.normal(size=(30, 3)) + 0.002
x_pde = np.linspace(0.0, 1.0, 11)
L_md = 4.0
y_med = _r2.normal(size=9)
X_med = _r2.normal(size=(9, 2))
t_ph = np.linspace(0, 4 * np.pi, 12)
q_sp = _r2.uniform(0.1, 0.9, size=4)
sig_cor = _r2.normal(size=20)
xq_int = np.linspace(0.05, 0.95, 7)
r_arm = _r2.normal(size=(4, 3))


def drawdown(w):
    r = R_dd @ (np.exp(w) / np.sum(np.exp(w)))
    wealth = np.cumprod(1 + r)
    peak = np.maximum.accumulate(wealth)
    mdd = np.max(1 - wealth / peak)
    sharpe = np.mean(r) / np.std(r, ddof=1)
    return mdd - 0.1 * sharpe


def pde_np_gradient(u):
    du = np.gradient(u, x_pde)
    d2u = np.gradient(du, x_pde[1] - x_pde[0])
    res = d2u + np.pi**2 * np.sin(np.pi * x_pde)
    return np.trapezoid(res**2, x_pde) + u[0] ** 2 + u[-1] ** 2 + 0.5 * np.trapezoid(du**2, dx=0.1)


def md_min_image(x):
    X = x.reshape(5, 2)
    d = X[:, None, :] - X[None, :, :]
    d = d - L_md * np.round(d / L_md)
    r2 = np.sum(d**2, axis=-1) + np.eye(5)
    iu = np.triu_indices(5, 1)
    inv6 = (1.0 / r2[iu]) ** 3
    wrapped = np.mod(X, L_md)
    return np.sum(4 * (inv6**2 - inv6)) + 0.01 * np.sum(wrapped)


def markov_power(W):
    P = np.exp(W) / np.exp(W).sum(axis=1, keepdims=True)
    P5 = np.linalg.matrix_power(P, 5)
    pi0 = np.array([1.0, 0.0, 0.0])
    return -np.log(pi0 @ P5 @ np.array([0.0, 0.0, 1.0])) + np.linalg.multi_dot([pi0, P, P, P]) @ np.ones(3)


def spectral_norms(A):
    A = A.reshape(4, 3)
    return (
        np.linalg.norm(A, 2)
        + 0.5 * np.linalg.norm(A, "nuc")
        + np.sum(np.linalg.pinv(A) ** 2)
        + np.linalg.norm(A, "fro")
    )


def robust_median(w):
    r = y_med - X_med @ w
    med = np.median(r)
    mad = np.median(np.abs(r - med))
    q = np.percentile(r, [10, 90])
    return mad + 0.1 * (q[1] - q[0]) + 0.05 * med**2


def phase_unwrap(p):
    x, y = np.cos(p[0] * t_ph + p[1]) * p[2], np.sin(p[0] * t_ph + p[1]) * p[2]
    ph = np.unwrap(np.arctan2(y, x))
    amp = np.hypot(x, y)
    return np.sum((ph - 1.1 * t_ph) ** 2) / 100 + np.sum((amp - 1.0) ** 2)


def special_zoo(p):
    a, b = np.exp(p[0]), np.exp(p[1])
    z = special.erfinv(q_sp * 2 - 1) * p[2]
    return (
        np.sum(special.log_ndtr(z))
        + special.digamma(a)
        + special.betaln(a, b)
        + np.sum(special.xlog1py(q_sp, z**2))
        + np.sum(special.i0e(z))
        + np.sum(special.gammainc(2.5, np.exp(z)))
        + np.sum(special.logit(special.expit(z) * 0.9 + 0.05))
    )


def correlate_same(k):
    y = np.correlate(sig_cor, k, mode="same")
    z = np.convolve(y, k[::-1], mode="full")
    return np.sum(y**2) / 20 + np.sum(z[:5] ** 2)


def corr_loss(X):
    X = X.reshape(3, 6)
    C = np.corrcoef(X)
    S = np.cov(X, ddof=0)
    return np.sum(np.triu(C, 1) ** 2) + 0.1 * np.trace(S)


def interp_knots(yk):
    xk = np.cumsum(np.exp(yk[:4])) / np.sum(np.exp(yk[:4]))
    xk = np.concatenate([[0.0], xk])
    vals = np.interp(xq_int, xk, np.sin(3 * xk) + yk[4:])
    return np.sum((vals - np.cos(xq_int)) ** 2)


def cross_torque(F):
    F = F.reshape(4, 3)
    tau = np.cross(r_arm, F)
    K = np.kron(np.eye(2), F[:2, :2])
    return np.sum(tau.sum(axis=0) ** 2) + np.sum(K**2) * 0.1 + np.sum(np.linalg.norm(F, axis=1))


# ---------------------------------------------------------------- points
def points():
    r = np.random.default_rng(6)
    return {
        "conv1d_net": {
            "k1": 0.5 * r.normal(size=(2, 5)),
            "b1": 0.1 * r.normal(size=2),
            "k2": 0.5 * r.normal(size=(2, 3)),
            "w": np.array(1.3),
        },
        "mha_causal": {
            "g": 1.0 + 0.1 * r.normal(size=8),
            "b": 0.1 * r.normal(size=8),
            "Wq": 0.4 * r.normal(size=(8, 8)),
            "Wk": 0.4 * r.normal(size=(8, 8)),
            "Wv": 0.4 * r.normal(size=(8, 8)),
            "Wo": 0.4 * r.normal(size=(8, 8)),
        },
        "gmm_logaddexp": {
            "logits": np.array([0.2, -0.1, 0.0]),
            "mu": np.array([-1.2, 0.3, 1.4]),
            "log_sd": np.array([-0.5, 0.0, -0.3]),
        },
        "gp_periodic": np.array([0.1, 1.1, 0.2, -2.5]),
        "bs_greeks": np.array([[0.25, 0.22], [0.2, 0.21], [0.23, 0.24]]),
        "verlet_chain": np.array(2.5),
        "traj_opt": (np.linspace(start_tr, goal_tr, 14)[1:-1] + 0.05 * r.normal(size=(12, 2))).ravel(),
        "policy_surrogate": 0.3 * r.normal(size=(4, 3)),
        "soft_rank_sort": np.array([0.3, -1.2, 1.5, -0.4, 0.9]),
        "kalman_update": {"m": np.array([0.1, -0.2, 0.3]), "L": np.eye(3) + 0.2 * r.normal(size=(3, 3))},
        "moe_top1": {"Wg": r.normal(size=(3, 3)), "We": 0.5 * r.normal(size=(3, 3, 2))},
        "tv_denoise": (f_tv + 0.1 * r.normal(size=(6, 6))).ravel(),
        "procrustes": r.normal(size=(5, 3)),
        "logdet_barrier": np.array([0.2, -0.3]),
        "student_t_reg": np.array([0.8, -0.4, 0.2, -0.7, 1.2]),
        "arcface": r.normal(size=(4, 3)),
        "bilinear_warp": np.array([0.95, 0.08, 0.3, -0.05, 1.02, 0.2]),
        "polyfit_loss": np.exp(x_pf) + 0.05 * r.normal(size=8),
        "qr_lstsq": r.normal(size=21),
        "fourier_fit": target_ff + 0.3 * r.normal(size=16),
        "ctmc_expm": np.log(np.array([0.4, 0.2, 0.3, 0.5, 0.1, 0.3])),
        "ista_lasso": A_ista @ x_true_ista + 0.05 * r.normal(size=6),
        "discrete_hazard": np.array([0.3, -0.2, -1.5, -1.2, -1.0, -0.8]),
        "lv_euler": np.log(np.array([1.1, 0.4, 0.4, 0.9])),
    }


def points_b():
    r = np.random.default_rng(7)
    return {
        "drawdown": 0.3 * r.normal(size=3),
        "pde_np_gradient": np.sin(np.pi * x_pde) / np.pi**2 * 0.8 + 0.05 * r.normal(size=11),
        "md_min_image": np.array([0.5, 0.5, 1.7, 0.4, 3.2, 0.9, 0.8, 2.0, 2.6, 3.5]),
        "markov_power": 0.5 * r.normal(size=(3, 3)),
        "spectral_norms": r.normal(size=12),
        "robust_median": np.array([0.4, -0.3]),
        "phase_unwrap": np.array([1.0, 0.3, 1.2]),
        "special_zoo": np.array([0.3, 0.1, 0.8]),
        "correlate_same": np.array([0.5, -0.2, 0.3, 0.1]),
        "corr_loss": r.normal(size=18),
        "interp_knots": 0.3 * r.normal(size=9),
        "cross_torque": r.normal(size=12),
    }


POINTS = {**points(), **points_b()}
FUNCS = [globals()[name] for name in POINTS]
#: value-dependent graphs: np.argmax's routing, np.floor(...).astype(int)'s gather (np.unwrap's jumps are traced
#: since round 10, np.interp's intervals on traced knots since round 11, np.maximum.accumulate's running peak
#: since session 44: drawdown is prepared)
SPECIALISED = {"moe_top1", "bilinear_warp"}
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.value_and_grad in x64 (the source run with jax.numpy,
#: jax.scipy.special/linalg/stats; arcface's and ctmc_expm's item assignments as .at[].set, verlet_chain's
#: np.concatenate([t, [0.0]]) with np.zeros(1): jnp.concatenate takes no lists)
GRAD = {
    "conv1d_net": (0.9919589790780061, 0.17603012548013164, 5.506166657238059),  # jax, n=19
    "mha_causal": (2.1556344978248907, 2.1217654824028154, 8.195557685076333),  # jax, n=272
    "gmm_logaddexp": (16.980195552674378, 5.202797772741981, 22.068508088828693),  # jax, n=9
    "gp_periodic": (6.060878338902695, -1.590132427580816, 11.466169019774297),  # jax, n=4
    "bs_greeks": (0.5939639958515865, 4.872577963097373, 49.243759657147116),  # jax, n=6
    "traj_opt": (22.510387612595554, -25.99309325503036, 4344.029646517977),  # jax, n=24
    "policy_surrogate": (0.10763211929404774, 0.13400180488665508, 0.08483993253165069),  # jax, n=12
    "soft_rank_sort": (-2.0529435181457325, 0.9921738977247657, 3.0404992480000024),  # jax, n=5
    "kalman_update": (0.4209582864897843, 0.6011236358083297, 3.0785318734795863),  # jax, n=12
    "moe_top1": (0.9043640974691584, 0.01193223211645115, 0.28736520996692894),  # jax, n=27
    "tv_denoise": (6.658693036677631, 0.611345181989262, 11.751838680146731),  # jax, n=36
    "procrustes": (14.051593949591808, 13.109645205495678, 54.40818441636429),  # jax, n=15
    "logdet_barrier": (-0.8666862265561392, 0.707994798415388, 1.14196282774402),  # jax, n=2
    "student_t_reg": (12.951461684557891, 13.019876815274978, 307.64427398644784),  # jax, n=5
    "arcface": (3.162265761217073, 1.2551294773287829, 2.325251223662587),  # jax, n=12
    "bilinear_warp": (0.6896232790910443, -0.6541175617713157, 125.60118942354596),  # jax, n=6
    "polyfit_loss": (0.02418172301447926, 0.06792746832505908, 0.003165051762920021),  # jax, n=8
    "qr_lstsq": (7.234774039183583, 0.6505699796520767, 52.65842593922187),  # jax, n=21
    "fourier_fit": (2.0058495697331122, -2.1293681479238744, 4.504726464540208),  # jax, n=16
    "ctmc_expm": (33.698126960564466, 0.04510331938659284, 3.010087829166357),  # jax, n=6
    "ista_lasso": (0.15738492519391056, 0.8140941936109846, 1.519024411542457),  # jax, n=6
    "discrete_hazard": (6.659071954860815, -1.3168786662695904, 2.1686528200987043),  # jax, n=6
    "lv_euler": (0.17931020472783382, 0.4827593790343926, 0.7036620020984433),  # jax, n=4
    "verlet_chain": (0.2055609720240767, 0.04926583058071429, 0.008314152306562326),  # jax, n=1
    "drawdown": (0.04268363906561585, -0.016688574039417547, 0.00030237362662441066),  # jax, n=3
    "pde_np_gradient": (44.12883025770468, -62.654687827559, 28667.269845059807),  # jax, n=11
    "md_min_image": (-3.0337950945729277, 2.1775480370005953, 16.714288816601456),  # jax, n=10
    "markov_power": (2.3621057637404417, -0.0027464656374675796, 0.3415632743162246),  # jax, n=9
    "spectral_norms": (10.504074421776123, 2.003322375842296, 5.785128654131963),  # jax, n=12
    "robust_median": (0.5647502688118847, -0.2632204141235186, 4.511250454385608),  # jax, n=2
    "phase_unwrap": (0.5115976915992319, -5.188340910628935, 23.800228748127275),  # jax, n=3
    "special_zoo": (1.4063834616033632, -0.3015755577001755, 2.661096091555517),  # jax, n=3
    "correlate_same": (0.777473036703378, -3.2490853913110183, 22.18567492107879),  # jax, n=4
    "corr_loss": (0.8592263717370228, -0.7944333268935484, 0.41858636347864436),  # jax, n=18
    "interp_knots": (0.5735200786082351, 0.25963452793333036, 1.6570412284164675),  # jax, n=9
    "cross_torque": (58.64349644486406, 44.35412398873761, 2885.7565403109384),  # jax, n=12
}
GRAD["bs_greeks_ad"] = GRAD["bs_greeks"]  # (jax.grad inside gives the closed forms' numbers to 2e-16)
POINTS["bs_greeks_ad"] = POINTS["bs_greeks"]
FUNCS.append(bs_greeks_ad)


test_gradient_of_user_code = gradient_test(POINTS, FUNCS, GRAD, SPECIALISED)


#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64
HESS = {
    "gp_periodic": (-29.048382978377806, 5675.553992349622),  # jax.hessian
    "bs_greeks": (-10.756652116523451, 23071.66493422009),  # jax.hessian
    "verlet_chain": (-0.0015593483665884878, 1.1763440672240142e-05),  # jax.hessian
    "logdet_barrier": (0.024022449258658974, 20.288496003261017),  # jax.hessian
    "student_t_reg": (-11.958054377609951, 7253.455101396307),  # jax.hessian
    "ctmc_expm": (1.8643651064465043, 16.038521811903237),  # jax.hessian
    "lv_euler": (1.573846056006279, 12.196029268469012),  # jax.hessian
    "soft_rank_sort": (1.8169560528108764, 24.04298253590312),  # jax.hessian
    "discrete_hazard": (0.862821544142431, 4.8336040135616685),  # jax.hessian
    "polyfit_loss": (0.03169337105077938, 4.10827235446712),  # jax.hessian
    "ista_lasso": (-6.532868709111142, 48.41615961317413),  # jax.hessian
    "bilinear_warp": (5.489778329240737, 12561.760897859938),  # jax.hessian
}


#: the GP's Hessian through a 6×6 Cholesky and two triangular solves takes symbolic 20 s (the other methods only)
NO_SYMBOLIC = {"gp_periodic"}


test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    no_symbolic=NO_SYMBOLIC,
    doc="""dl.hessian of the small ones equals jax.hessian's (a 0-d stiffness, a (3, 2) volatility surface, the
    matrix exponential's, polyfit's lstsq, ISTA's and the bilinear gather's piecewise-linear maps).""",
)


def _ctmc_P(log_rates):
    R = np.zeros_like(log_rates, shape=(3, 3))
    R[~np.eye(3, dtype=bool)] = np.exp(log_rates)
    return dsla.expm(0.5 * (R - np.diag(R.sum(axis=1))))


#: jax.jacobian of _ctmc_P at POINTS["ctmc_expm"], (9, 6): (Σ J·cos(k + 1), Σ J²)
JAC_CTMC = (0.0909540316510542, 0.14573604030280726)


def _logdet_barrier_grad(x):
    """What a user derives by hand: c − tr(X⁻¹Aᵢ) + 2x / (1 − x·x)."""
    Xinv = np.linalg.inv(A0_ld + np.tensordot(x, A_ld, axes=1))
    return c_ld - np.einsum("jk,ikj->i", Xinv, A_ld) + 2 * x / (1 - x @ x)


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_hvp_vmap_nesting_and_check_grad(method):
    """The transition matrix's Jacobian (fresh and prepared) equals JAX's; hvp of the LMI barrier, vmap of
    soft-rank's gradient over a batch, jacfwd of grad of the Euler-stepped Lotka–Volterra fit agree with the
    stored Hessians and the unbatched calls; check_grad accepts a hand gradient and catches a dropped factor 2."""
    tol = 1e-6 if method == "numeric" else 1e-12
    x = POINTS["ctmc_expm"]
    for J in (dl.jacobian(_ctmc_P, method=method)(x), dl.prepare(_ctmc_P, x, method=method).jacobian(x)):
        J = np.asarray(J).reshape(9, 6)
        assert np.sum(J * np.cos(np.arange(54) + 1.0).reshape(9, 6)) == pytest.approx(JAC_CTMC[0], rel=tol)
        assert np.sum(J * J) == pytest.approx(JAC_CTMC[1], rel=tol)
    xb = POINTS["logdet_barrier"]
    g = check_hvp(logdet_barrier, xb, method, HESS["logdet_barrier"])
    np.testing.assert_allclose(g, _logdet_barrier_grad(xb), rtol=tol)
    Xs = POINTS["soft_rank_sort"] + 0.3 * np.random.default_rng(1).normal(size=(3, 5))
    want = np.stack([dl.grad(soft_rank_sort, method="reverse")(v) for v in Xs])
    np.testing.assert_allclose(dl.vmap(dl.grad(soft_rank_sort, method=method))(Xs), want, rtol=tol, atol=tol)
    if method != "numeric":  # (numeric over numeric: the Hessian test's own path)
        H = dl.jacfwd(dl.grad(lv_euler, method=method))(POINTS["lv_euler"])
        u, v = np.cos(np.arange(4) + 1.0), np.sin(np.arange(4) + 1.0)
        assert u @ H @ v == pytest.approx(HESS["lv_euler"][0], rel=1e-11)
    assert dl.testing.check_grad(logdet_barrier, _logdet_barrier_grad, xb)
    with pytest.raises(dl.testing.GradientMismatch):
        dl.testing.check_grad(logdet_barrier, lambda x: _logdet_barrier_grad(x) - x / (1 - x @ x), xb)


def test_symbolic_third_derivative_through_a_3x3_expm_is_refused_by_name():
    """symbolic's Hessian and Jacobian through a 3×3 expm are JAX's (test_hessian_of_user_code, the Jacobian test
    above; they were refused by name): expm's opaque kind holds X, dX and d²X, so a third derivative within symbolic
    is refused, naming the op and the methods that give it."""
    from difflab.ops.opaque import opaque_entry

    names = __import__("sympy").symbols("a0:9", real=True)
    with pytest.raises(
        dl.NotDifferentiableError, match=r"third derivative of expm above 1×1 .* 'forward' or 'reverse'"
    ):
        opaque_entry("expm", 2)(0, 0, 3, *names).diff(names[0])


# ---------------------------------------------------------------- in place, as NumPy defines it
W3 = np.linspace(-1, 1, 9)


def ar_recursion(x):
    y = x.copy()
    for i in range(1, len(y)):
        y[i] += 0.5 * y[i - 1]
    return np.sum(y * W3)


def overlap_add(x):
    y = x * 1.0
    y[1:] += y[:-1]
    y[::-1] += y  # reversed overlap: NumPy buffers
    return np.sum(y * W3**2) + np.sum(y[:3] ** 3)


def dup_fancy(x):
    y = np.zeros_like(x)
    y[[0, 0, 1, 3, 3, 3]] += x[:6]  # NumPy: each duplicate index applied once (the last value)
    y[[2, 2]] = x[[4, 5]]
    return np.sum(y * W3) + np.sum(y**2)


def mask_and_diag(x):
    Z = np.outer(x[:3], x[3:6]) + 0.0
    np.fill_diagonal(Z, x[6:])
    m = Z > 0
    Z[m] = Z[m] ** 2
    np.copyto(Z, -Z, where=Z < -0.5)
    return np.sum(Z * W3.reshape(3, 3)) + np.sum(Z**2)


def ipow_idiv(x):
    z = x.copy()
    z **= 2
    z[2:5] /= z[:3] + 1.0
    z -= z.mean()
    z[z < 0] *= -0.5
    return np.sum(z * W3)


INPLACE = [ar_recursion, overlap_add, dup_fancy, mask_and_diag, ipow_idiv]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f", INPLACE, ids=[f.__name__ for f in INPLACE])
def test_in_place_code_against_complex_step(f, method):
    """NumPy's in-place semantics (a recursion through y[i] += y[i - 1], overlapping y[1:] += y[:-1] and
    y[::-1] += y, which NumPy buffers, repeated fancy indices applied once, np.fill_diagonal, masked writes,
    np.copyto with where=, **= and /= on slices) against complex-step differences of the NumPy function itself
    (no JAX: jax.numpy has no in-place writes); the input left as it was."""
    x = np.linspace(-0.8, 1.3, 9) + 0.1 * np.sin(np.arange(9.0) * 3)
    x0 = x.copy()
    want = complex_step(f, x)
    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-13)
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-12, atol=1e-9)
    assert np.array_equal(x, x0)
