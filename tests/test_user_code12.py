"""What a user writes, round 12: functions in plain NumPy written with idioms the first eleven rounds do not cover.

np.linalg.matrix_power (3, 0 and -2) and multi_dot chains, a separable GP by np.kron with slogdet, np.tensordot with
an axes pair, axes=0, 1 and 3, np.einsum with a path from np.einsum_path, optimize=True and 'greedy', an extended
Kalman filter over range measurements (solve, outer products, slogdet in a loop), a Gaussian's NLL from a factor
written at np.tril_indices, 2-D total variation by np.diff (n=2 too) with np.abs and an ε, np.gradient on a
non-uniform 2-D grid (coordinate arrays, edge_order=2), a 2-D Poisson residual by slicing a np.pad'ded grid,
Allen-Cahn by np.roll with tuple shifts and axes, convolutions after np.pad in 'reflect', 'wrap', 'symmetric' and
'edge' modes, np.histogram with traced weights (density=True too), unbalanced Sinkhorn by logsumexp(axis, keepdims,
b=), hard DTW by np.minimum in a double loop over a table filled with np.inf, QR-DQN's quantile Huber loss by
np.where and a traced boolean in arithmetic, top-k pooling by np.take_along_axis of np.argsort and np.argmax
(keepdims), piecewise-constant Poisson rates binned by np.searchsorted, a GRU cell loop, causal attention masked
with -np.inf by np.where and by s[mask] = -np.inf, a layer norm by var(ddof=0, keepdims) with a tanh-GELU,
np.logaddexp(0, -m) and np.log1p(np.exp()) softplus forms at a margin of 100, missing targets by np.nan_to_num
(nan=, posinf=) and np.nansum, a phased array's np.exp(1j·θ) phasors under np.abs and np.angle, np.unwrap with
period=360, float32 parameters mixed with 0-d arrays and Python and NumPy scalars, np.linalg.pinv with eigvalsh
and the nuclear norm, and np.select/np.piecewise/np.heaviside/np.sinc/np.hypot.

Each one's value and gradient under every method at its point (fresh) and at a second point x + 0.05·sin(k + 1) (the
function prepared at the first), against JAX x64 (f, g·cos(k + 1) and |g|² of the flattened gradient, stored here so
CI, without JAX, asserts them; np_gradient_2d's by complex step, as jnp.gradient has no edge_order); Hessians of the
small ones.

What they met (first run, 27 functions × 4 methods at the first point: 25 × 4 right; the two others below).
np.nan_to_num(x, nan=0.5, posinf=1.0) was a bare "unexpected keyword argument 'nan'" ValueError in every method:
NumPy's nan=, posinf= and neginf= are taken now (wheres over the primitive). Writing them out showed a wrong number:
the symbolic method decided a comparison with a constant ±inf at translation time (SymPy takes a real symbol to be
finite: Eq(v, oo) False, v < oo True), but a value is ±inf when the code runs past x·inf, so
np.where(v == np.inf, 7.0, v) gave inf where NumPy gives 7 (20 of the 24 comparisons ==, !=, <, <=, >, >= against
±inf, either side, gave a wrong value at NaN/±inf entries); they are decided when the code runs now. Refused with
the remedy, as NumPy gives difflab no hook: scipy.special.logsumexp of a traced value (unbalanced_sinkhorn names
difflab.scipy.special's, which it uses). dl.prepare refuses, by name, searchsorted_rates (a traced query time's bin
slicing lam[:j], and a NumPy array indexed by it): it is differentiated fresh at the second point (topk_gather, refused
until argmax was a registry op, is prepared: tests/test_gather46.py).
A scan of the same NaN/±inf data through other ops found np.fmax/np.fmin, which exist to ignore NaN data,
wrong: fmax(x·nan, y)'s derivative in y was 0 in forward and reverse (silently), NaN in numeric, and symbolic's
value NaN; np.heaviside(NaN) was 1 in symbolic; all NumPy's now, and np.fmax/fmin/hypot/logaddexp2.reduce, refused
by name before, are folds along the axis (test_fmax_and_fmin_ignore_a_nan_datum). np.nan_to_num(copy=False) writes
into the traced value, as NumPy's does. Probing f32_scalar_mix's mixtures: x·np.float32(0.1)·np.float32(0.3) at
float64 x had a float32 gradient in reverse (0-d x) and symbolic (an array x), 4.5e-10 off, a Python-float adjoint
being weak to NumPy (test_float32_constants_times_a_float64_0d_input).
Side item: dl.grad of a function returning {"a": loss} (or a 1-tuple, a 1-list) returned a gradient; JAX's grad
refuses any pytree output, and so does difflab now (value_and_grad, grad and has_aux's out alike), naming the type
and the leaf to return; dl.hessian of it gives {"a": H}, as jax.hessian."""

import warnings

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
import difflab.scipy.special as dspecial
from user_code import METHODS, at_two_points, check_gradient, flat, gradient_tol, hessian_test

# ---------------------------------------------------------------- data

_r = np.random.default_rng(45)
B_mp = _r.normal(size=(3, 3))
v_mp = _r.normal(size=3)
xk_kc = np.linspace(0.0, 2.0, 3)
y_kc = np.sin(np.arange(6.0)) + 0.3
T_td = _r.normal(size=(4, 2, 3))
Y_td = _r.normal(size=(4, 2))
x_td = np.array([0.7, -0.4])
X_ep = _r.normal(size=(5, 3))
W2_ep = _r.normal(size=(4, 2))
Y_ep = _r.normal(size=(5, 2))
PATH_ep = np.einsum_path("ni,ij,jk->nk", X_ep, np.ones((3, 4)), W2_ep, optimize="optimal")[0]
F_ek = np.array([[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 0.5], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
beacons_ek = np.array([[0.0, 5.0], [4.0, -1.0]])
z_ek = np.array([[4.9, 3.2], [4.6, 2.5], [4.1, 2.1], [3.9, 1.4]])
X_mv = _r.normal(size=(8, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 0.8, 0.2], [0.0, 0.0, 0.5]]) + 0.2
tril_mv = np.tril_indices(3)
f_tv = np.add.outer(np.linspace(0.0, 1.0, 4), np.array([0.0, 0.0, 1.0, 1.0, 1.0])) + 0.1 * _r.normal(size=(4, 5))
x_g2 = np.array([0.0, 0.3, 0.5, 1.0, 1.2])
y_g2 = np.linspace(0.0, 1.0, 4)
f_ps = np.sin(np.pi * np.linspace(0.2, 0.8, 4))[:, None] * np.cos(np.linspace(0.0, 2.0, 3))
s_pr = np.array([0.0, 1.0, 3.0, 2.0, 0.5, -1.0, 0.2, 0.8])
k_pr = np.array([0.25, 0.5, 0.25])
data_hd = np.array([0.1, 0.4, 0.45, 0.7, 1.1, 1.3, 1.35, 1.9, 2.2, 2.25, 2.8, 0.95])
target_hd = np.array([0.2, 0.3, 0.25, 0.15, 0.35, 0.2])
edges_hd = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
Xs_us = _r.normal(size=(4, 2))
Yt_us = _r.normal(size=(3, 2)) + 0.5
a_dt = np.array([0.0, 0.8, 1.5, 0.9, 0.2])
tau_qh = (np.arange(5) + 0.5) / 5
tgt_qh = np.array([-0.6, 0.1, 0.35, 1.4, 2.2, 0.9])
S0_tk = _r.normal(size=(4, 5))
t_ss = np.array([0.1, 0.35, 0.5, 0.9, 1.4, 1.6, 2.2, 2.7, 2.9])
edges_ss = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
bins_ss = np.searchsorted(edges_ss, t_ss, side="right") - 1
cnt_ss = np.array([1.0, 0.0, 2.0, 1.0, 3.0, 0.0, 1.0, 2.0, 1.0])
X_rn = _r.normal(size=(5, 2))
y_rn = 1.0
X_ca = _r.normal(size=(4, 3))
mask_ca = np.triu(np.ones((4, 4), dtype=bool), k=1)
Y_ca = _r.normal(size=(4, 3))
X_ln = _r.normal(size=(4, 3)) * np.array([1.0, 5.0, 0.2]) + 1.0
y_ln = np.array([0.3, -0.2, 0.8, 0.1])
X_sp = _r.normal(size=(7, 2))
X_sp[6] = [40.0, 30.0]
y_sp = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
X_nn = _r.normal(size=(6, 3))
Y_nn = _r.normal(size=(6, 2))
Y_nn[[1, 4], [0, 1]] = np.nan
Y_nn[3, 0] = np.nan
pos_pa = np.arange(6.0) * 0.5
ang_pa = np.linspace(-0.6, 0.9, 7)
want_pa = np.exp(-(((ang_pa - 0.3) / 0.25) ** 2)) * 30
t_uw = np.linspace(0.0, 1.0, 9)
tgt_uw = 400.0 * t_uw + 250.0 * t_uw**2
X_f32 = _r.normal(size=(6, 2)).astype(np.float32)
y_f32 = np.array([0.5, -0.25, 1.0, 0.0, 0.75, -1.0], dtype=np.float32)
X_pv = _r.normal(size=(6, 3))
y_pv = X_pv @ np.array([1.0, -0.5, 0.25]) + 0.1 * np.cos(np.arange(6.0))
xs_sl = np.linspace(-1.0, 1.0, 7)


# ---------------------------------------------------------------- functions
def matpow_chain(a):
    """A 3×3 map's powers by np.linalg.matrix_power (3, 0, and -2 of a shifted copy) and a chain by
    np.linalg.multi_dot of four factors ending in a vector."""
    A = 0.5 * a.reshape(3, 3)
    P3 = np.linalg.matrix_power(A, 3)
    Pm2 = np.linalg.matrix_power(A + 2.0 * np.eye(3), -2)
    m = np.linalg.multi_dot([A, B_mp, A.T, v_mp])
    return np.sum(P3**2) + np.trace(Pm2) + np.sum(m**2) + np.sum(np.linalg.matrix_power(A, 0))


def kron_gp(p):
    """A separable GP: a 3×3 RBF Gram over inputs np.kron a 2×2 task correlation (ρ = tanh), plus noise, its NLL by
    np.linalg.slogdet and np.linalg.solve."""
    ell, rho, sn2 = np.exp(p[0]), np.tanh(p[1]), np.exp(p[2])
    K1 = np.exp(-0.5 * np.subtract.outer(xk_kc, xk_kc) ** 2 / ell**2)
    K2 = np.array([[1.0, 0.0], [0.0, 1.0]]) + rho * np.array([[0.0, 1.0], [1.0, 0.0]])
    K = np.kron(K1, K2) + sn2 * np.eye(6)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y_kc @ np.linalg.solve(K, y_kc) + 0.5 * logdet + 0.1 * np.sum(np.kron(K2, K2[0]))


def tensordot_axes(w):
    """A bilinear read-out: np.tensordot with an axes pair ([1, 2], [0, 1]), axes=1 against a vector, axes=3 as a
    full contraction, and axes=0 (an outer product)."""
    W = w.reshape(2, 3, 2)
    out = np.tensordot(T_td, W, axes=([1, 2], [0, 1]))
    side = np.tensordot(x_td, W, axes=1)
    sq = np.tensordot(W, W, axes=3)
    outer = np.tensordot(W[0, 0], x_td, axes=0)
    return np.sum((out - Y_td) ** 2) + np.sum(np.sin(side)) + 0.1 * sq + np.sum(outer**2)


def einsum_path_mlp(w):
    """A two-layer linear map by np.einsum('ni,ij,jk->nk', optimize=) with the path np.einsum_path found once on
    constants, optimize=True, and optimize='greedy' with an explicit tanh layer in between."""
    W1 = w.reshape(3, 4)
    Z = np.einsum("ni,ij,jk->nk", X_ep, W1, W2_ep, optimize=PATH_ep)
    Z2 = np.einsum("ni,ij,jk->nk", X_ep, W1, W2_ep, optimize=True)
    H = np.tanh(np.einsum("ni,ij->nj", X_ep, W1, optimize="greedy"))
    return np.sum((Z - Y_ep) ** 2) + 0.1 * np.sum(Z2 * Z) + np.einsum("nj,nj->", H, H, optimize=True)


def ekf_range(p):
    """An extended Kalman filter on a constant-velocity 2-D target from ranges to two beacons: predict, the range
    Jacobian, S = HPHᵀ + R, the gain by np.linalg.solve, the Joseph-free update with np.outer, the innovation NLL by
    slogdet; the process and measurement noise learned."""
    q, r = np.exp(p[0]), np.exp(p[1])
    x = np.array([1.0, 1.0, 0.5, 0.0])
    P = np.eye(4)
    nll = 0.0
    for z in z_ek:
        x = F_ek @ x
        P = F_ek @ P @ F_ek.T + q * np.diag([0.1, 0.1, 1.0, 1.0])
        d = x[:2] - beacons_ek
        rng = np.sqrt(np.sum(d**2, axis=1))
        H = np.concatenate([d / rng[:, None], np.zeros((2, 2))], axis=1)
        S = H @ P @ H.T + r * np.eye(2)
        K = np.linalg.solve(S, H @ P).T
        nu = z - rng
        x = x + K @ nu
        P = P - K @ S @ K.T
        nll = nll + 0.5 * nu @ np.linalg.solve(S, nu) + 0.5 * np.linalg.slogdet(S)[1]
    return nll + 0.01 * np.outer(x, x).sum()


def mvn_tril(p):
    """A Gaussian's NLL with a Cholesky-style factor written into np.zeros_like(p, shape=(3, 3)) at
    np.tril_indices, Σ = LLᵀ + 0.1 I, Mahalanobis distances by np.einsum with np.linalg.inv, log det by slogdet."""
    mu, l = p[:3], p[3:]
    L = np.zeros_like(p, shape=(3, 3))
    L[tril_mv] = l
    S = L @ L.T + 0.1 * np.eye(3)
    d = X_mv - mu
    maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(S), d)
    sign, logdet = np.linalg.slogdet(S)
    return 0.5 * np.sum(maha) + 4.0 * logdet + 12.0 * np.log(2 * np.pi)


def tv2d_eps(u):
    """2-D total variation of a 4×5 image: np.diff along both axes, isotropic sqrt(dx² + dy² + ε) on the interior,
    an anisotropic np.abs term of the second difference (n=2), a data term."""
    U = u.reshape(4, 5)
    dx = np.diff(U, axis=1)[:-1, :]
    dy = np.diff(U, axis=0)[:, :-1]
    iso = np.sum(np.sqrt(dx**2 + dy**2 + 1e-4))
    aniso = np.sum(np.abs(np.diff(U, n=2, axis=1)))
    return 0.5 * np.sum((U - f_tv) ** 2) + 0.2 * iso + 0.05 * aniso


def np_gradient_2d(u):
    """A Dirichlet energy on a non-uniform 2-D grid: np.gradient(U, y, x) with coordinate arrays (a list of two
    arrays back), edge_order=2 along one axis by axis=1, the uniform-spacing scalar form too."""
    U = u.reshape(4, 5)
    gy, gx = np.gradient(U, y_g2, x_g2)
    gx2 = np.gradient(U, x_g2, axis=1, edge_order=2)
    gy1 = np.gradient(U, 0.5, axis=0)
    return np.sum(gx**2 + gy**2) + 0.1 * np.sum(gx2 * gx) + 0.05 * np.sum(gy1**2) + np.sum((U[0] - 1.0) ** 2)


def poisson_slices(u):
    """A 2-D Poisson residual: U zero-padded by np.pad (constant), the 5-point Laplacian by slicing the padded
    array, a mixed derivative by corner slices, the squared residual against f."""
    U = u.reshape(4, 3)
    h = 0.2
    Up = np.pad(U, 1)
    lap = (Up[2:, 1:-1] + Up[:-2, 1:-1] + Up[1:-1, 2:] + Up[1:-1, :-2] - 4 * Up[1:-1, 1:-1]) / h**2
    uxy = (Up[2:, 2:] - Up[2:, :-2] - Up[:-2, 2:] + Up[:-2, :-2]) / (4 * h**2)
    return 1e-3 * np.sum((lap + f_ps) ** 2) + 1e-4 * np.sum(uxy**2) + np.sum(U**4) * 0.01


def roll_allen_cahn(u):
    """Allen–Cahn on a 3×4 periodic grid: the 9-point Laplacian by np.roll with tuple shifts and axes (diagonals),
    three explicit steps, a flat np.roll (no axis) term."""
    U = u.reshape(3, 4)
    for _ in range(3):
        edge = np.roll(U, 1, axis=0) + np.roll(U, -1, axis=0) + np.roll(U, 1, axis=1) + np.roll(U, -1, axis=1)
        diag = (
            np.roll(U, (1, 1), axis=(0, 1))
            + np.roll(U, (1, -1), axis=(0, 1))
            + np.roll(U, (-1, 1), axis=(0, 1))
            + np.roll(U, (-1, -1), axis=(0, 1))
        )
        lap = (4 * edge + diag - 20 * U) / 6
        U = U + 0.05 * (lap + U - U**3)
    return np.sum(U**2) + 0.1 * np.sum(U * np.roll(U, 5))


def pad_modes_conv(s):
    """A signal smoothed by np.convolve(mode='valid') after np.pad in 'reflect', 'wrap', 'symmetric' and 'edge'
    modes, each against the same target, and a 2-D reflect pad."""
    out = 0.0
    for mode in ("reflect", "wrap", "symmetric", "edge"):
        sm = np.convolve(np.pad(s, 1, mode=mode), k_pr, mode="valid")
        out = out + np.sum((sm - s_pr) ** 2)
    S2 = np.pad(s.reshape(2, 4), ((1, 1), (2, 0)), mode="reflect")
    return out + 0.1 * np.sum(S2**2 * np.arange(6.0))


def hist_weights(w):
    """A reweighted histogram: np.histogram of fixed data with traced weights softmax(w) (bins=6 over a range),
    and density=True over explicit edges; squared error against a target density."""
    a = np.exp(w - np.max(w))
    wts = a / np.sum(a)
    h, _ = np.histogram(data_hd, bins=6, range=(0.0, 3.0), weights=wts)
    d, _ = np.histogram(data_hd, bins=edges_hd, weights=wts * 3.0, density=True)
    return np.sum((h - target_hd) ** 2) + np.sum((d - target_hd) ** 2)


def unbalanced_sinkhorn(p):
    """Unbalanced entropic OT in the log domain: difflab.scipy.special.logsumexp(axis=1, keepdims=True) and (axis=0,
    keepdims=True) updates with a KL relaxation factor, the source points and a log-scale learned."""
    X = p[:8].reshape(4, 2)
    eps = np.exp(p[8])
    C = np.sum((X[:, None, :] - Yt_us[None, :, :]) ** 2, axis=-1)
    lam = 1.0 / (1.0 + eps)
    f, g = np.zeros((4, 1)), np.zeros((1, 3))
    for _ in range(4):
        f = -lam * eps * dspecial.logsumexp((g - C) / eps, axis=1, keepdims=True, b=np.full((1, 3), 1 / 3))
        g = -lam * eps * dspecial.logsumexp((f - C) / eps, axis=0, keepdims=True, b=np.full((4, 1), 1 / 4))
    P = np.exp((f + g - C) / eps) / 12
    return np.sum(P * C) + eps * np.sum(P) + 0.01 * np.sum(X**2)


def dtw_minimum(b):
    """A hard DTW alignment cost: a (6, 5) table in np.zeros_like(b, shape=...) + np.inf, its corner set to 0, each
    cell the cost plus np.minimum(np.minimum(up, left), diag) over a double loop."""
    n, m = a_dt.size, b.size
    R = np.zeros_like(b, shape=(n + 1, m + 1)) + np.inf
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (a_dt[i - 1] - b[j - 1]) ** 2
            R[i, j] = cost + np.minimum(np.minimum(R[i - 1, j], R[i, j - 1]), R[i - 1, j - 1])
    return R[n, m] + 0.1 * np.sum(np.diff(b) ** 2)


def quantile_huber(theta):
    """QR-DQN's quantile Huber loss: pairwise TD errors, np.where(|u| ≤ κ, ½u², κ(|u| − ½κ)), weighted by
    |τ − (u < 0)| (a boolean of a traced comparison in arithmetic)."""
    u = tgt_qh[None, :] - theta[:, None]
    k = 0.5
    hub = np.where(np.abs(u) <= k, 0.5 * u**2, k * (np.abs(u) - 0.5 * k))
    return np.sum(np.abs(tau_qh[:, None] - (u < 0)) * hub / k) / u.shape[1]


def topk_gather(s):
    """Top-2 pooling per row: np.argsort of traced scores along axis 1, np.take_along_axis of the last two, an
    argsort along axis 0 gathered likewise, and np.take_along_axis with np.argmax(keepdims=True)."""
    S = s.reshape(4, 5) + S0_tk
    idx = np.argsort(S, axis=1)
    top = np.take_along_axis(S, idx[:, -2:], axis=1)
    col = np.take_along_axis(S, np.argsort(-S, axis=0)[:1], axis=0)
    mx = np.take_along_axis(S, np.argmax(S, axis=1, keepdims=True), axis=1)
    return np.sum(top**2) - np.sum(np.log1p(np.exp(col))) + np.sum(mx) * 0.5


def searchsorted_rates(p):
    """A piecewise-constant Poisson rate: event bins by np.searchsorted(side='right') computed on constants, the
    log rates gathered by them, exposure by np.diff(edges); a traced query time binned by np.searchsorted too."""
    lam = np.exp(p[:4])
    ll = np.sum(cnt_ss * np.log(lam[bins_ss]) - lam[bins_ss])
    tq = 1.0 + 0.5 * np.tanh(p[4])
    j = np.searchsorted(edges_ss, tq) - 1
    cum = np.sum(lam[:j] * np.diff(edges_ss)[:j]) + lam[j] * (tq - edges_ss[j])
    return -ll + 0.5 * np.sum(lam * np.diff(edges_ss)) + cum**2


def gru_cell_loop(p):
    """A GRU over five 2-D inputs (dict of Wz, Wr, Wh, Uz, Ur, Uh): gates by scipy.special.expit, the candidate by
    np.tanh, h = (1 − z)h + z·h̃, a logistic read-out by np.logaddexp(0, −y·s)."""
    h = np.zeros(3)
    for x in X_rn:
        z = special.expit(x @ p["Wz"] + h @ p["Uz"])
        r = special.expit(x @ p["Wr"] + h @ p["Ur"])
        hh = np.tanh(x @ p["Wh"] + (r * h) @ p["Uh"])
        h = (1 - z) * h + z * hh
    return np.logaddexp(0.0, -y_rn * np.sum(h)) + 0.01 * sum(np.sum(v**2) for v in p.values())


def causal_attention(w):
    """Single-head causal self-attention: scores QKᵀ/√d, masked by np.where(np.triu(ones, k=1), -np.inf, s) and,
    for a second head, by s[mask] = -np.inf on a copy, max-subtracted softmax, a residual output."""
    Wq, Wk = w[:9].reshape(3, 3), w[9:].reshape(3, 3)
    Q, K = X_ca @ Wq, X_ca @ Wk
    s = Q @ K.T / np.sqrt(3.0)
    s1 = np.where(mask_ca, -np.inf, s)
    a1 = np.exp(s1 - s1.max(axis=-1, keepdims=True))
    a1 = a1 / a1.sum(axis=-1, keepdims=True)
    s2 = (K @ Q.T / np.sqrt(3.0)).copy()
    s2[mask_ca] = -np.inf
    a2 = np.exp(s2 - np.max(s2, axis=1, keepdims=True))
    a2 = a2 / np.sum(a2, axis=1, keepdims=True)
    return np.sum((X_ca + a1 @ X_ca + 0.5 * a2 @ Q - Y_ca) ** 2)


def layernorm_gelu(p):
    """A pre-norm block: layer norm by mean and var(ddof=0) with keepdims and ε, learned gain and bias, a tanh-GELU
    dense layer, a sum read-out; dict parameters."""
    mu = X_ln.mean(axis=-1, keepdims=True)
    var = np.var(X_ln, axis=-1, ddof=0, keepdims=True)
    Z = (X_ln - mu) / np.sqrt(var + 1e-5) * p["g"] + p["b"]
    A = Z @ p["W"]
    G = 0.5 * A * (1 + np.tanh(np.sqrt(2 / np.pi) * (A + 0.044715 * A**3)))
    H = G - G.mean(-1, keepdims=True)
    Hn = H / np.sqrt(H.var(-1, keepdims=True) + 1e-5)
    return np.mean((Hn.sum(axis=1) * 0.3 + G.sum(axis=1) - y_ln) ** 2)


def softplus_forms(w):
    """Logistic regression with a far-out point (margin ≈ 100): the NLL by the overflow-safe np.logaddexp(0, −m),
    np.log1p(np.exp(−|m|)) + max(−m, 0), and softplus by np.log1p(np.exp()) where it cannot overflow."""
    m = y_sp * (X_sp @ w[:2] + w[2])
    a = np.sum(np.logaddexp(0, -m))
    b = np.sum(np.log1p(np.exp(-np.abs(m))) + np.maximum(-m, 0))
    c = np.sum(np.log1p(np.exp(0.1 * w)))
    return a + b + c


def nan_masked_fit(w):
    """A regression with missing targets: the residual's NaNs zeroed by np.nan_to_num, np.nansum of the squared
    residual, the count by np.sum(~np.isnan(Y)), np.nanmean of an absolute term, np.nan_to_num(nan=, posinf=)."""
    W = w.reshape(3, 2)
    R = X_nn @ W - Y_nn
    r0 = np.nan_to_num(R)
    n = np.sum(~np.isnan(Y_nn))
    mse = np.nansum(R**2) / n
    mae = np.nanmean(np.sqrt(R**2 + 0.01))
    clipped = np.nan_to_num(R / np.where(np.isnan(R), 0.0, 1.0), nan=0.5, posinf=1.0)
    return mse + 0.5 * mae + 0.1 * np.sum(r0 * np.arange(6.0)[:, None]) + 0.01 * np.sum(clipped**2)


def phased_array(theta):
    """A six-element linear array's beam: element phasors np.exp(1j·(k·x·sin φ + θ)) summed, the pattern
    np.abs(AF)**2 against a target, and np.angle of the broadside sum."""
    k = 2 * np.pi
    ph = np.exp(1j * (k * np.outer(np.sin(ang_pa), pos_pa) + theta))
    af = np.sum(ph, axis=1)
    P = np.abs(af) ** 2
    bs = np.sum(np.exp(1j * theta) * (1 + 0.1j * np.arange(6)))
    return np.sum((P - want_pa) ** 2) / 100 + np.angle(bs) ** 2 + np.real(np.conj(af[0]) * af[1]) * 0.01


def unwrap_degrees(p):
    """A chirp's phase in degrees wrapped by np.mod into [0, 360), restored by np.unwrap(period=360), and a radian
    copy by np.unwrap(np.angle(np.exp(1j·φ))); quadratic phase coefficients learned."""
    phi = p[0] * 400.0 * t_uw + p[1] * 250.0 * t_uw**2
    wrapped = np.mod(phi, 360.0)
    un = np.unwrap(wrapped, period=360)
    rad = np.unwrap(np.angle(np.exp(1j * np.deg2rad(phi))))
    return np.sum((un - tgt_uw) ** 2) * 1e-4 + np.sum((np.rad2deg(rad) - tgt_uw) ** 2) * 1e-4


def f32_scalar_mix(w):
    """float32 data and parameters mixed with 0-d arrays (np.array(2.0), np.float32(0.5)), Python scalars and a
    0-d traced slice (w[-1], reshaped to ()), a float64 constant vector."""
    lr = np.array(2.0)
    half = np.float32(0.5)
    b = w[-1].reshape(())
    z = X_f32 @ w[:2] + b
    r = z - y_f32
    return half * np.mean(r**2) * lr + 1e-2 * np.sum(w[:2] ** 2) + np.float64(0.1) * np.tanh(b) ** 2 + 3


def pinv_ridge(w):
    """A two-stage fit: np.linalg.pinv of a traced feature matrix (reweighted rows), np.linalg.lstsq-free normal
    equations, an np.linalg.eigvalsh condition term and a nuclear norm by np.linalg.norm(ord='nuc')."""
    A = X_pv * (1.0 + 0.3 * np.tanh(w[:6]))[:, None]
    c = np.linalg.pinv(A) @ y_pv
    ev = np.linalg.eigvalsh(A.T @ A)
    return np.sum((A @ c - y_pv) ** 2) + 0.1 * np.log(ev[-1] / ev[0]) + 0.05 * np.linalg.norm(A, ord="nuc")


def select_piecewise(p):
    """A smooth-ish regulariser by np.select of three traced conditions, np.piecewise with lambdas, np.heaviside
    and np.sinc and np.hypot mixed in."""
    x = p[0] * xs_sl + p[1]
    s = np.select([x < -0.5, x > 0.5], [-(x**2), x**3], default=0.25 * x)
    q = np.piecewise(x, [x < 0, x >= 0], [lambda t: np.exp(t), lambda t: 1 + t + 0.5 * t**2])
    return np.sum(s) + np.sum(q**2) + np.sum(np.sinc(x) * np.heaviside(x, 0.5)) + np.sum(np.hypot(x, p[1]))


def points():
    r = np.random.default_rng(12)
    return {
        "matpow_chain": 0.5 * np.cos(np.arange(9.0) * 0.9) + 0.2 * np.eye(3).ravel(),
        "kron_gp": np.array([np.log(0.8), 0.4, np.log(0.2)]),
        "tensordot_axes": 0.4 * np.sin(np.arange(12.0) + 0.5),
        "einsum_path_mlp": 0.3 * r.normal(size=12),
        "ekf_range": np.array([np.log(0.05), np.log(0.1)]),
        "mvn_tril": np.array([0.1, 0.2, 0.3, 1.0, 0.2, 0.9, -0.1, 0.3, 0.6]),
        "tv2d_eps": f_tv.ravel() + 0.05 * np.cos(np.arange(20.0) * 1.7),
        "np_gradient_2d": np.sin(np.arange(20.0) * 0.4),
        "poisson_slices": 0.1 * np.cos(np.arange(12.0)),
        "roll_allen_cahn": 0.8 * np.sin(np.arange(12.0) * 1.3),
        "pad_modes_conv": s_pr + 0.2 * np.cos(np.arange(8.0)),
        "hist_weights": 0.3 * np.sin(np.arange(12.0) * 0.7),
        "unbalanced_sinkhorn": np.concatenate([Xs_us.ravel(), [np.log(0.5)]]),
        "dtw_minimum": np.array([0.1, 0.7, 1.4, 0.6, 0.3]),
        "quantile_huber": np.array([-0.3, 0.2, 0.5, 1.1, 1.6]),
        "topk_gather": 0.3 * np.cos(np.arange(20.0) * 0.8),
        "searchsorted_rates": np.array([0.1, -0.2, 0.3, 0.0, 0.4]),
        "gru_cell_loop": {
            k: 0.5 * r.normal(size=s) for k, s in zip(["Uh", "Ur", "Uz", "Wh", "Wr", "Wz"], [(3, 3)] * 3 + [(2, 3)] * 3)
        },
        "causal_attention": 0.4 * r.normal(size=18),
        "layernorm_gelu": {
            "W": 0.5 * r.normal(size=(3, 3)),
            "b": 0.1 * np.arange(3.0),
            "g": 1.0 + 0.1 * np.arange(3.0),
        },
        "softplus_forms": np.array([0.8, -0.5, 0.2]),
        "nan_masked_fit": 0.3 * np.cos(np.arange(6.0)),
        "phased_array": 0.3 * np.sin(np.arange(6.0) * 2.0),
        "unwrap_degrees": np.array([0.95, 1.1]),
        "f32_scalar_mix": np.array([0.3, -0.2, 0.1], dtype=np.float32),
        "pinv_ridge": 0.2 * np.cos(np.arange(6.0)),
        "select_piecewise": np.array([1.3, 0.1]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses by name: searchsorted_rates' traced bin (a slice bound, a NumPy array's index)
SPECIALISED = {"searchsorted_rates"}
#: (f, g·cos(k + 1), |g|²) of the flattened gradient (dict keys sorted), by jax.value_and_grad in x64: the source run
#: with jax.numpy and jax.scipy.special; the item writes as .at[].set, nan_masked_fit's NaN targets as jnp.where
#: masks (JAX's gradient through a NaN under where is NaN), the einsum paths dropped, searchsorted_rates' bin fixed
#: (2 at both points); f32_scalar_mix on its float32 data in float64; np_gradient_2d by complex step of the NumPy code
GRAD = {
    "matpow_chain": (3.6476216572754323, 0.0001510040757572789, 0.03279919017554628),  # jax, n=9
    "kron_gp": (2.144969735402424, -0.038743657790480876, 0.1649894430387733),  # jax, n=3
    "tensordot_axes": (19.5632835217066, 2.0828263437138386, 538.2908375660398),  # jax, n=12
    "einsum_path_mlp": (23.37826421790868, -41.24224994296831, 2879.288431662534),  # jax, n=12
    "ekf_range": (5.079976730862805, 1.1054237653209427, 9.550975619661834),  # jax, n=2
    "mvn_tril": (27.421450636519147, -4.5969351815063995, 71.10310551768377),  # jax, n=9
    "tv2d_eps": (1.8342443031358324, 0.12166466615836298, 1.9682533230698052),  # jax, n=20
    "np_gradient_2d": (188.58966508181237, 74.26937357618922, 22453.134775639657),  # complex step, n=20
    "poisson_slices": (0.8849005032793599, 12.657005254924401, 58.09982239426472),  # jax, n=12
    "roll_allen_cahn": (1.838942565309726, 1.009345901503434, 3.2920673884660516),  # jax, n=12
    "pad_modes_conv": (19.572870548414848, 1.0902430772431473, 30.888193052013),  # jax, n=8
    "hist_weights": (0.2576931781668634, 0.06137008119466821, 0.05396045876919399),  # jax, n=12
    "unbalanced_sinkhorn": (0.8105533272942433, 0.04858912351475706, 0.11427807363650598),  # jax, n=9
    "dtw_minimum": (0.28800000000000003, 0.5330404794191583, 0.5744000000000001),  # jax, n=5
    "quantile_huber": (0.976, 0.06270288240293206, 0.010283333333333332),  # jax, n=5
    "topk_gather": (8.16004254231746, 6.969909977969235, 46.73902227026691),  # jax, n=20
    "searchsorted_rates": (12.287898904171282, 1.33395338760887, 11.281876171104788),  # jax, n=5
    "gru_cell_loop": (0.5500685218982496, 0.6730029106485762, 0.49533778944985113),  # jax, n=45
    "causal_attention": (43.66999150199913, -13.666488856190247, 231.2649766687644),  # jax, n=18
    "layernorm_gelu": (0.4736844863039566, 2.7408717797942876, 2.6248819855551595),  # jax, n=15
    "softplus_forms": (46.484824144283415, 17.012708522136737, 9812.613712321241),  # jax, n=3
    "nan_masked_fit": (4.439315556275311, 3.2033172861170587, 11.139330922677091),  # jax, n=6
    "phased_array": (11.371860652311547, 0.7624280057105512, 36.18194604987118),  # jax, n=6
    "unwrap_degrees": (0.016450195312499968, -0.1618311013671818, 0.09059952735900906),  # jax, n=2
    "f32_scalar_mix": (3.335007344036123, -0.2681766415629278, 0.24979008710181533),  # jax, n=3
    "pinv_ridge": (0.661424963962942, -0.05803134036940089, 0.019061126259082076),  # jax, n=6
    "select_piecewise": (30.68971381049255, -3.5534416362507697, 3301.3891018837326),  # jax, n=2
}

#: the same at x + 0.05·sin(k + 1) (each leaf of a dict by its own k)
PERTURBED = {
    "matpow_chain": (3.646642003912458, -0.0005445338500879189, 0.033856043413483826),  # jax, n=9
    "kron_gp": (2.14476396183113, 0.016125676016562878, 0.19104849113552289),  # jax, n=3
    "tensordot_axes": (21.587175238698784, 1.8343194829529894, 594.5959295572573),  # jax, n=12
    "einsum_path_mlp": (21.294914243444552, -39.575594264478745, 2538.64437476244),  # jax, n=12
    "ekf_range": (4.9297371878194385, 1.0596008918333453, 8.801629580799178),  # jax, n=2
    "mvn_tril": (27.59146108412708, -5.177820379700526, 76.62229256092589),  # jax, n=9
    "tv2d_eps": (1.8366733973879372, 0.05187254717107177, 2.019457676360864),  # jax, n=20
    "np_gradient_2d": (183.3768514436829, 72.31319147744266, 22085.018851671128),  # complex step, n=20
    "poisson_slices": (1.7045651673568798, 13.435449244175967, 102.46511725198897),  # jax, n=12
    "roll_allen_cahn": (1.89129622166167, 1.0178099842060109, 3.2609448733222828),  # jax, n=12
    "pad_modes_conv": (19.970539693912187, 1.2230869050212305, 37.221203914473506),  # jax, n=8
    "hist_weights": (0.2707572845388114, 0.04773937813271898, 0.0623064601752482),  # jax, n=12
    "unbalanced_sinkhorn": (0.8236982812995993, 0.05900093297220344, 0.12006205277870409),  # jax, n=9
    "dtw_minimum": (0.3098230231168114, 0.5478060838090745, 0.6689062603574061),  # jax, n=5
    "quantile_huber": (0.9801080051122776, 0.06827228090088046, 0.010660438102984207),  # jax, n=5
    "topk_gather": (8.487367492857391, 7.020635246553024, 48.17149601806183),  # jax, n=20
    "searchsorted_rates": (12.36588600133847, 1.5127505299469477, 12.639609486968068),  # jax, n=5
    "gru_cell_loop": (0.511499416225984, 0.5689788158386108, 0.3640566184170853),  # jax, n=45
    "causal_attention": (44.005472333505494, -14.082336675017151, 231.18590690332098),  # jax, n=18
    "layernorm_gelu": (0.6346327513453471, 2.9359719743700436, 4.621831853807301),  # jax, n=15
    "softplus_forms": (52.50952100354193, 17.08398944324824, 9839.309908258347),  # jax, n=3
    "nan_masked_fit": (4.6126634220936085, 3.242484734399713, 11.798204430855131),  # jax, n=6
    "phased_array": (11.020384091965218, 0.5035879491253001, 32.39676159369401),  # jax, n=6
    "unwrap_degrees": (0.45611961434510784, 4.17702493721228, 220.70596234556484),  # jax, n=2
    "f32_scalar_mix": (3.3668912448805766, -0.2601288792807963, 0.4358457092766972),  # jax, n=3
    "pinv_ridge": (0.6706129526090114, -0.06860497299336493, 0.023121916605592086),  # jax, n=6
    "select_piecewise": (34.38976556277833, -3.714951692644087, 4095.830214360424),  # jax, n=2
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS = {
    "matpow_chain": (-0.013900567762802667, 0.11546036377723765),  # jax.hessian
    "kron_gp": (0.9894449247122376, 3.4794935864904395),  # jax.hessian
    "tensordot_axes": (-4.9702391974420435, 1374.548510841919),  # jax.hessian
    "einsum_path_mlp": (32.686012931674064, 11665.323060195502),  # jax.hessian
    "ekf_range": (-0.9372718974261389, 5.908225553863841),  # jax.hessian
    "mvn_tril": (-14.856314380558652, 1871.7087662525587),  # jax.hessian
    "poisson_slices": (15.568350499442687, 10249.408463672304),  # jax.hessian
    "roll_allen_cahn": (0.18415831551301332, 8.562594048710615),  # jax.hessian
    "pad_modes_conv": (2.6568765555616176, 256.195),  # jax.hessian
    "hist_weights": (-0.2733988560924287, 0.15675432590554797),  # jax.hessian
    "unbalanced_sinkhorn": (0.2305739931531935, 0.5150250792799277),  # jax.hessian
    "dtw_minimum": (0.29531208779832113, 27.27999999999999),  # jax.hessian
    "quantile_huber": (0.11138796995896823, 0.5844444444444443),  # jax.hessian
    "searchsorted_rates": (3.548332729134808, 67.02820112209471),  # jax.hessian
    "softplus_forms": (1.422103330033589, 16.826657615810017),  # jax.hessian
    "nan_masked_fit": (0.5478669400947633, 8.528618610641665),  # jax.hessian
    "phased_array": (-5.161150355837598, 114.00539705923967),  # jax.hessian
    "unwrap_degrees": (86.77712077158914, 64985.660782814026),  # jax.hessian
    "f32_scalar_mix": (0.16087680036266655, 19.197478545047915),  # jax.hessian
    "pinv_ridge": (-0.2210009568865362, 0.22004243347886368),  # jax.hessian
    "select_piecewise": (-2.9085238485338247, 10647.44086604759),  # jax.hessian
}


def _check(stored, value, g, name, method):
    if name == "f32_scalar_mix":  # float32 parameters: the gradient is float32, the value NumPy's float32 rounding
        assert np.asarray(g).dtype == np.float32
        check_gradient(stored, value, flat(g), 1e-3 if method == "numeric" else 1e-6, value_rel=1e-6)
    else:
        check_gradient(stored, value, g, gradient_tol(method))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(POINTS))
def test_gradient_of_user_code_at_two_points(name, method):
    """dl.value_and_grad at the point equals JAX's; prepared there and called twice at the second point (the
    general path, then the armed common case), JAX's there. searchsorted_rates, specialised, is refused by
    dl.prepare by name and differentiated fresh at the second point. (nan_masked_fit's np.nan_to_num
    with nan= and posinf= was a bare ValueError.)"""
    f = FUNCS[list(POINTS).index(name)]
    at_two_points(
        f,
        POINTS[name],
        GRAD[name],
        PERTURBED[name],
        method,
        lambda s, v, g: _check(s, v, g, name, method),
        specialised=name in SPECIALISED,
    )


test_hessian_of_user_code = hessian_test(
    POINTS,
    {k: v for k, v in HESS.items() if k not in {"tensordot_axes", "roll_allen_cahn", "poisson_slices", "matpow_chain"}},
    globals(),
    # symbolic's only where it takes < 0.2 s (the others 0.25 to 4 s each: sinkhorn's logsumexps, the EKF's solves)
    no_symbolic=set(HESS) - {"einsum_path_mlp", "pad_modes_conv", "searchsorted_rates", "f32_scalar_mix"},
    doc="""dl.hessian of the small ones equals jax.hessian's: DTW's np.minimum ties, the quantile Huber's np.where,
    the complex phasors, np.histogram's weights, np.nan_to_num's masks.""",
)

_C = np.array([np.nan, np.inf, -np.inf, 1.0, -2.0])
_X = np.array([1.0, 2.0, 3.0, 0.5, 1.5])
_COMPARE = [np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal]


@pytest.mark.parametrize("method", METHODS)
def test_comparisons_with_infinity_past_an_infinite_constant(method):
    """v = x·c is NaN, +inf and -inf where the constant c is: v == inf, v != -inf, inf <= v, ... selecting by
    np.where are NumPy's values. The symbolic method decided them when translating (SymPy's real symbols are
    finite: Eq(v, oo) False, v < oo True): 20 of these 24 values were wrong. The gradient is the selected branch's
    (2 or 6x where it is finite; 0 at the NaN and ±inf entries, whose x·c is no branch's)."""
    for op in _COMPARE:
        for inf in (np.inf, -np.inf):
            for swap in (False, True):

                def f(x):
                    v = x * _C
                    return np.sum(np.where(op(inf, v) if swap else op(v, inf), 2.0 * x, 3.0 * x**2))

                value, g = dl.value_and_grad(f, method=method)(_X)
                assert value == f(_X), (op.__name__, inf, swap)
                np.testing.assert_allclose(g, np.where(op(inf, _X * _C) if swap else op(_X * _C, inf), 2.0, 6.0 * _X))


@pytest.mark.parametrize("method", METHODS)
def test_nan_to_num_replacement_values(method):
    """np.nan_to_num(v, nan=, posinf=, neginf=) was a bare "unexpected keyword argument 'nan'" ValueError: NumPy's
    values now, derivative 1 where v is finite and 0 where a constant replaced it (as without the keywords); a
    replacement of ±inf is selected before a later product could meet ±max (no overflow in the symbolic code);
    copy=False writes into v as NumPy's does."""

    def f(x):
        v = x * _C
        a = np.nan_to_num(v, nan=0.5, posinf=7.0, neginf=-3.0)
        b = np.nan_to_num(v, copy=False, posinf=1.0, neginf=0.0) * x
        return np.sum(a**2) + np.sum(b) + np.sum(np.nan_to_num(v, nan=np.nan, neginf=-1.0)[2:])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(f, method=method)(_X)
    # v = [nan, inf, -inf, 0.5, -3]: a = [0.5, 7, -3, 0.5, -3], b = [0, 1, 0, 0.5, -3]·x; copy=False wrote b's
    # nan_to_num into v, as NumPy does, so the last term is 0, 0.5, -3 (not -1, 0.5, -3);
    # ∂/∂x_k: 2a·c + (b's c·x + b) + c where v is finite, b alone (1) at +inf, 0 at NaN and -inf
    assert value == pytest.approx(f(_X), rel=1e-15) and value == pytest.approx(67.5 + (2.0 + 0.25 - 4.5) - 2.5)
    want = np.array([0.0, 1.0, 0.0, 2 * 0.5 + (0.5 + 0.5) + 1.0, 2 * (-3.0) * (-2.0) + (-3.0 - 3.0) - 2.0])
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-15)


_PYTREE_OUTPUTS = [
    (lambda x: {"a": np.sum(x**2)}, r"returned a dict holding one: .* return f\(x\)\['a'\]"),
    (lambda x: (np.sum(x**2),), r"returned a tuple holding one: .* return f\(x\)\[0\]"),
    (lambda x: [{"loss": np.sum(x**2)}], r"returned a list holding one: .* return f\(x\)\[0\]\['loss'\]"),
]


@pytest.mark.parametrize("f, match", _PYTREE_OUTPUTS, ids=["dict", "1-tuple", "list of a dict"])
def test_grad_of_a_pytree_output_is_refused_as_jax_refuses_it(f, match):
    """dl.grad(lambda x: {"a": loss}) returned a gradient; jax.grad raises TypeError for any output that is not a
    scalar array ("Gradient only defined for scalar-output functions. Output was {'a': ...}"). difflab refuses it
    too (NonScalarOutput, a TypeError), naming the container and the leaf to return, in grad, value_and_grad,
    dl.prepare's grad and has_aux's out; jacobian keeps the structure, and hessian gives it back as jax.hessian."""
    x = np.array([1.0, 2.0, 3.0])
    for call in (
        lambda: dl.grad(f)(x),
        lambda: dl.value_and_grad(f, method="symbolic")(x),
        lambda: dl.prepare(f, x, method="forward").grad(x),
    ):
        with pytest.raises(TypeError, match=match):
            call()
    with pytest.raises(TypeError, match=r"has_aux=True\) of .*: out must be a scalar .* holding one"):
        dl.grad(lambda x: (f(x), {"n": 3}), has_aux=True)(x)
    with pytest.raises(TypeError, match=r"has_aux=True\) of .*: out must be a scalar .* holding one"):
        dl.value_and_grad(lambda x: (f(x), None), has_aux=True)(x)
    assert dl.grad(lambda x: (np.sum(x**2), {"n": f(x)}), has_aux=True)(x)[0].tolist() == [2.0, 4.0, 6.0]
    H, J = dl.hessian(f)(x), dl.jacobian(f)(x)
    assert type(H) is type(f(x)) and type(J) is type(f(x))
    np.testing.assert_array_equal(flat(H), (2.0 * np.eye(3)).ravel())
    np.testing.assert_array_equal(flat(J), 2.0 * x)


@pytest.mark.parametrize("method", METHODS)
def test_fmax_and_fmin_ignore_a_nan_datum(method):
    """np.fmax/np.fmin exist to ignore missing data: fmax(x·nan, y) is y, so its derivative in y is 1. It was 0
    in forward and reverse (maximum's partials: a NaN compares False), NaN in numeric, and the symbolic method's
    value was NaN (maximum's Piecewise); np.heaviside of a NaN was 1 in symbolic (NumPy: NaN); np.fmax.reduce,
    np.fmin.reduce and np.hypot.reduce were refused by name (now folds along the axis). The reference:
    central differences of NumPy's own function, exact here (piecewise linear, no kink within the step)."""
    c = np.array([np.nan, 1.0, 2.0, np.nan])
    d = np.array([0.3, np.nan, 0.1, 0.2])
    x = np.array([1.0, 2.0, 3.0, 0.5])

    def f(x):
        return np.sum(np.fmax(x * c, 0.3 * x * d) + 2 * np.fmin(x * c, x * d))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(f, method=method)(x)
        step = dl.vjp(lambda x: np.heaviside(x * c - 1.0, 0.5) * x, x, method=method)[0]
    assert value == pytest.approx(13.52, rel=1e-15) and value == pytest.approx(f(x), rel=1e-15)
    want = [(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(4)]  # [0.69, 3, 2.2, 0.46]
    np.testing.assert_allclose(g, want, rtol=1e-8)
    np.testing.assert_array_equal(step, [np.nan, 2.0, 3.0, np.nan])

    def rows(x):  # np.fmax.reduce, np.fmin.reduce and np.hypot.reduce were refused by name: a fold along the axis
        m = (x * c).reshape(2, 2)
        return np.sum(np.fmax.reduce(m, axis=1) ** 2 + np.fmin.reduce(m, axis=0, keepdims=True)) + np.hypot.reduce(x)

    value, g = dl.value_and_grad(rows, method=method)(x)
    assert value == pytest.approx(rows(x), rel=1e-15)
    # rows [x₀·nan, x₁], [2x₂, x₃·nan]: fmax's x₁, 2x₂ (squared: 2x₁, 8x₂); fmin's columns 2x₂, x₁; hypot's |x|
    want = np.array([0.0, 2 * x[1] + 1, 8 * x[2] + 2, 0.0]) + x / np.sqrt(x @ x)
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_float32_constants_times_a_float64_0d_input(method):
    """x · np.float32(0.1) · np.float32(0.3) at a float64 0-d array: NumPy computes in float64 (a 0-d array and
    NumPy scalars are not weak), so the derivative is float(0.1f)·float(0.3f) = 0.030000000447034836, float64.
    Reverse gave array(0.03, dtype=float32), 4.5e-10 off: its float path seeds ū as a Python float, which
    NumPy's promotion takes as weak, so ū·0.3f was float32; the symbolic method's matrix-level gradient of
    Σ x·0.1f·0.3f over an array was 4.5e-10 off the same way."""
    a, b = np.float32(0.1), np.float32(0.3)
    want = float(a) * float(b)
    g = dl.grad(lambda x: x * a * b, method=method)(np.array(1.5))
    p = dl.prepare(lambda x: np.sin(x) + x * a * b, np.array(1.5), method=method)
    assert np.asarray(g).dtype == np.float64 and np.asarray(p.grad(np.array(0.5))).dtype == np.float64
    tol = 1e-9 if method == "numeric" else 0.0
    assert abs(float(g) - want) <= tol
    assert abs(float(p.grad(np.array(0.5))) - (np.cos(0.5) + want)) <= tol
    g = dl.grad(lambda x: np.sum(x * a * b), method=method)(np.array([1.5, 2.0]))  # (symbolic's matrix form: the same)
    assert g.dtype == np.float64 and np.max(np.abs(g - want)) <= tol
