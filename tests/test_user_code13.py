"""What a user writes, round 13: functions in plain NumPy (and SciPy where users reach for it) from domains the first
twelve rounds do not cover.

Computer vision: a Harris response by scipy.ndimage.sobel, gaussian_filter and laplace; bilinear sampling of a traced
image at traced keypoints by np.floor(...).astype(int) and np.clip. Audio: an IIR filter identified through
scipy.signal.lfilter (coefficients as lists, zi=); a spectral-convergence loss over sliding_window_view(x, 8)[::4]
frames; MFCCs by a mel filterbank matmul and a DCT matrix. Control: a closed-loop LQR rollout of a learned gain
stacked by np.stack and summed by np.einsum; the discrete Riccati equation iterated to a tolerance (a while-style
loop on np.max(np.abs(ΔP))). Chemistry: a Lennard-Jones cluster with a cutoff mask (r < rc) & ~np.eye(...) and
E[m] *= 0.5; Arrhenius rates with np.float_power and np.expm1. Epidemiology: a two-group SEIR by Euler steps written
into np.zeros_like(p, shape=...). Economics: a CES consumer (np.power with a traced exponent, np.prod); a Black–Scholes
greeks surface over np.ix_ with scipy.special.ndtr and log_ndtr. Geometry: a polygon by the shoelace formula with
np.roll and np.diff(append=); signed distance functions by np.minimum/np.maximum/np.logaddexp. ML: a multi-class focal
loss by np.take_along_axis and np.eye(C)[y]; a contrastive loss with label masks and np.count_nonzero; a
full-covariance mixture by solve_triangular and logsumexp(b=). Robotics: planar forward kinematics by np.cumsum of
angles and np.flip'ped cumsums; an SO(3) orientation error by scipy.linalg.logm, polar and qr. Statistics: a weighted
median by argsort, cumsum and searchsorted; leave-one-out KDE with np.subtract.outer and np.fill_diagonal.

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the
first point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source run with jax.numpy,
jax.scipy.special and small jnp spellings of the SciPy filters (ndimage's by jnp.pad 'symmetric'/'edge', lfilter's
transposed direct form II loop, logm of a rotation by θ/(2 sin θ)(R − Rᵀ), polar by SVD); the in-place writes as
their functional forms; sdf_scene's norm of np.maximum(q, 0) as the double-where norm (JAX's own is NaN at 0,
difflab's the derivative, 0). Hessians of the small ones.

What they met (first run, 21 functions × 4 methods at the first point: 14 × 4 right, none wrong; the others):
scipy.ndimage.sobel/prewitt/laplace had no difflab.scipy.ndimage counterpart (AttributeError; now compositions of
correlate1d, SciPy's values in every mode). (r < rc) & ~np.eye(5, dtype=bool) was numpy.bitwise_and "not a difflab
primitive", and & | ^ ~ between traced masks a bare "unsupported operand type(s) for &: 'Tracer'" TypeError;
np.logical_and/or/xor/not were read on the values (the graph specialised, dl.prepare refused): all are traced
registry entries now (no derivative, not specialised), and a float operand of a bitwise function is NumPy's
TypeError by name. difflab.scipy.signal.lfilter([1 - c], [1, -c], y, zi=[0.1]) (SciPy takes lists) refused the
traced list entry in all four methods; stacked now. np.array([[cos, -sin], ...]) of traced entries (four functions
first wrote it) stays refused with its remedy (NumPy gives difflab no hook): written with np.stack here.
dl.prepare refuses, by name, keypoint_bilinear (np.floor's index), riccati_fixed_point (the loop's exit) and
rotation_logm (logm's and polar's sqrtm's result dtype is read from the values); weighted_median, refused until
np.searchsorted was a registry op, is prepared (tests/test_gather46.py).
Symbolic Hessians over 0.2 s are left out (iir_lfilter_fit's took 72 s, now 0.9 s: tests/test_symbolic_lfilter.py; harris_sobel's 2.6, riccati's 3.8,
mog_fullcov's 2.8, sdf_scene's 0.6; rotation_logm's 4.4, through logm's opaque kind: it matched reverse's to 7e-15)."""

import warnings

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import scipy.special as special
from numpy.lib.stride_tricks import sliding_window_view

import difflab as dl
from difflab.scipy import linalg as dlinalg
from difflab.scipy import ndimage as dndimage
from difflab.scipy import signal as dsignal
from difflab.scipy import special as dspecial
from user_code import METHODS, at_two_points, check_gradient, complex_step, gradient_tol, hessian_test

# ---------------------------------------------------------------- data

_r = np.random.default_rng(46)
img_hs = (np.add.outer(np.sin(np.linspace(0, 3, 7)), np.cos(np.linspace(0, 2.5, 7))) + 0.1 * _r.normal(size=(7, 7)))[
    1:6, 1:6
]
img_kb = np.cos(np.linspace(0, 2, 6))[:, None] * np.sin(np.linspace(0.3, 2.8, 7)) + 1.0
kp_kb = np.array([[1.3, 2.2], [2.7, 4.6], [4.1, 1.4], [3.5, 3.3]])
want_kb = np.array([0.9, 1.2, 0.6, 1.1])
x_if = np.sin(np.arange(16.0) * 0.7) + 0.3 * np.cos(np.arange(16.0) * 2.1)
y_if = np.convolve(x_if, [0.3, 0.2], mode="full")[:16]
sig_st = np.sin(np.arange(24.0) * 0.9) + 0.5 * np.sin(np.arange(24.0) * 0.25)
win_st = np.hanning(8)
frames_mf = np.arange(8)[None, :] + 4 * np.arange(4)[:, None]
A_lq = np.array([[1.0, 0.1], [0.0, 1.0]])
B_lq = np.array([[0.005], [0.1]])
A_ri = np.array([[0.6, 0.2, 0.0], [0.0, 0.5, 0.1], [0.05, 0.0, 0.4]])
B_ri = np.array([[0.5], [1.0], [0.3]])
T_ar = np.array([300.0, 320.0, 340.0, 360.0, 380.0])
lnk_ar = np.array([-9.2, -7.6, -6.1, -4.9, -3.8])
t_ar = np.linspace(0.0, 4.0, 6)
C_se = np.array([[2.0, 0.5], [0.5, 1.2]])
N_se = np.array([0.6, 0.4])
cases_se = np.array([[3.0, 1.0], [6.0, 2.0], [11.0, 4.0], [17.0, 7.0], [22.0, 10.0]])
p_ce = np.array([1.0, 2.0, 1.5])
S_gs = np.array([80.0, 95.0, 100.0, 110.0])
T_gs = np.array([0.25, 0.5, 1.0])
K_gs = 100.0
pts_sd = np.stack(np.meshgrid(np.linspace(-1.2, 1.3, 3), np.linspace(-1.1, 0.9, 2)), axis=-1).reshape(-1, 2)
X_cp = _r.normal(size=(6, 3))
y_cp = np.array([0, 1, 0, 2, 1, 2])
iu_cp = np.triu_indices(6, k=1)
X_fs = _r.normal(size=(6, 2))
y_fs = np.array([0, 2, 1, 1, 0, 2])
alpha_fs = np.array([0.25, 0.5, 0.25])
X_mg = np.concatenate([_r.normal(size=(5, 2)) * 0.5 + [1.0, 0.0], _r.normal(size=(5, 2)) * 0.7 - [0.5, 1.0]])
L_ac = np.array([1.0, 0.8, 0.6, 0.4])
target_ac = np.array([1.2, 1.5])
obst_ac = np.array([0.9, 0.4])
X_wm = _r.normal(size=(7, 2))
y_wm = X_wm @ np.array([1.0, -0.5]) + np.array([0.1, -0.3, 0.2, 2.0, -0.1, 0.05, -1.5])
D_kd = _r.normal(size=(8, 2)) * np.array([1.0, 0.5])
R_tg = np.array([[np.cos(0.4), -np.sin(0.4), 0.0], [np.sin(0.4), np.cos(0.4), 0.0], [0.0, 0.0, 1.0]])
P_pl = np.array([[0.0, 0.0], [2.0, 0.0], [2.5, 1.5], [1.0, 2.2], [-0.3, 1.0]])


# ---------------------------------------------------------------- functions


def harris_sobel(theta):
    """Harris corner response of a contrast-adjusted image: gradients by ndimage.sobel on both axes, the structure
    tensor smoothed by ndimage.gaussian_filter(σ = 0.7), R = det − k·tr², a soft-max corner score and a Laplacian
    energy by ndimage.laplace."""
    img = theta[0] * img_hs + theta[1] * img_hs**2 + theta[2] * np.cos(img_hs)
    Ix = dndimage.sobel(img, axis=1)
    Iy = dndimage.sobel(img, axis=0)
    Sxx = dndimage.gaussian_filter(Ix * Ix, 0.7)
    Syy = dndimage.gaussian_filter(Iy * Iy, 0.7)
    Sxy = dndimage.gaussian_filter(Ix * Iy, 0.7)
    R = Sxx * Syy - Sxy**2 - 0.04 * (Sxx + Syy) ** 2
    lap = dndimage.laplace(img, mode="nearest")
    return np.log(np.sum(np.exp(R / 10.0))) + 0.01 * np.sum(lap**2)


def keypoint_bilinear(p):
    """Bilinear sampling of a learnable 6×7 image (its values traced) at fixed sub-pixel keypoints moved by a traced
    shift: integer corners by np.floor(...).astype(int) clipped with np.clip to the last full cell, weights from
    the fractional part, four gathers by fancy indexing."""
    img = img_kb + p[2:].reshape(6, 7)
    pts = kp_kb + p[:2]
    x, y = pts[:, 0], pts[:, 1]
    x0 = np.clip(np.floor(x).astype(int), 0, img.shape[1] - 2)
    y0 = np.clip(np.floor(y).astype(int), 0, img.shape[0] - 2)
    wx, wy = x - x0, y - y0
    v = (
        img[y0, x0] * (1 - wx) * (1 - wy)
        + img[y0, x0 + 1] * wx * (1 - wy)
        + img[y0 + 1, x0] * (1 - wx) * wy
        + img[y0 + 1, x0 + 1] * wx * wy
    )
    return np.sum((v - want_kb) ** 2) + 0.01 * np.sum(p[2:] ** 2)


def iir_lfilter_fit(c):
    """System identification of a second-order IIR filter by scipy.signal.lfilter: numerator and denominator
    coefficients learned (a[0] = 1 by np.concatenate), the output against a measured signal, an initial state zi."""
    b = c[:3]
    a = np.concatenate([[1.0], c[3:5]])
    y = dsignal.lfilter(b, a, x_if)
    y2 = dsignal.lfilter([1.0 - c[5]], [1.0, -c[5]], y, zi=[0.1])[0]
    return np.mean((y - y_if) ** 2) + 0.1 * np.mean(y2**2)


def stft_sliding(x):
    """A spectral-convergence loss: frames of 8 with hop 4 by sliding_window_view(x, 8)[::4], a Hann window, np.fft.rfft,
    magnitudes by np.abs, the Frobenius ratio against the clean signal's and a log-magnitude term."""
    F = sliding_window_view(x, 8)[::4] * win_st
    G = sliding_window_view(sig_st, 8)[::4] * win_st
    S, T = np.abs(np.fft.rfft(F, axis=-1)), np.abs(np.fft.rfft(G, axis=-1))
    sc = np.linalg.norm(T - S, "fro") / np.linalg.norm(T, "fro")
    return sc + np.mean(np.abs(np.log(S + 1e-3) - np.log(T + 1e-3)))


def _mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mfcc_melbank(x):
    """MFCCs: frames by an index matrix, the power spectrum np.abs(np.fft.rfft(...))**2, a 4-band triangular mel
    filterbank built with np.interp on mel-spaced edges and applied by matmul, log-mel by np.log(… + ε), a DCT-II
    matrix by np.cos of an outer product; a cepstral loss against the clean signal's."""
    sr, n = 8000.0, 8
    freqs = np.fft.rfftfreq(n, 1 / sr)
    edges = 700.0 * (10 ** (np.linspace(_mel(0.0), _mel(sr / 2), 6) / 2595.0) - 1.0)
    fb = np.stack([np.interp(freqs, edges[i : i + 3], [0.0, 1.0, 0.0]) for i in range(4)])
    dct = np.cos(np.pi / 4 * np.outer(np.arange(3), np.arange(4) + 0.5))

    def mfcc(s):
        P = np.abs(np.fft.rfft(s[frames_mf] * np.hamming(n), axis=-1)) ** 2
        return np.log(P @ fb.T + 1e-6) @ dct.T

    return np.mean((mfcc(x) - mfcc(sig_st[:20])) ** 2)


def lqr_gain_rollout(k):
    """A closed-loop rollout of a double integrator under a learned state-feedback gain u = −Kx: the quadratic LQR
    cost Σ xᵀQx + uᵀRu by np.einsum over the stacked trajectory (a list and np.array), a terminal cost."""
    K = k.reshape(1, 2)
    Q, R = np.diag([1.0, 0.1]), np.array([[0.01]])
    x = np.array([1.0, 0.0])
    xs, us = [], []
    for _ in range(12):
        u = -K @ x
        xs.append(x)
        us.append(u)
        x = A_lq @ x + B_lq @ u
    X, U = np.stack(xs), np.stack(us)
    return np.einsum("ti,ij,tj->", X, Q, X) + np.einsum("ti,ij,tj->", U, R, U) + 10.0 * x @ x


def riccati_fixed_point(q):
    """The discrete algebraic Riccati equation by iteration to a tolerance (a while loop on np.max(np.abs(ΔP))):
    P ← Q + AᵀPA − AᵀPB (R + BᵀPB)⁻¹ BᵀPA with np.linalg.solve; the gain's norm and the cost-to-go x₀ᵀPx₀."""
    Q = np.diag(np.exp(q[:3]))
    R = np.exp(q[3]) * np.eye(1)
    P = Q.copy()
    for _ in range(200):
        G = np.linalg.solve(R + B_ri.T @ P @ B_ri, B_ri.T @ P @ A_ri)
        P_new = Q + A_ri.T @ P @ A_ri - A_ri.T @ P @ B_ri @ G
        done = np.max(np.abs(P_new - P)) < 1e-10
        P = P_new
        if done:
            break
    x0 = np.array([1.0, -0.5, 0.3])
    return x0 @ P @ x0 + np.linalg.norm(G) ** 2


def lj_cutoff(x):
    """A Lennard-Jones cluster with a cutoff: pairwise distances by broadcasting and np.linalg.norm(axis=-1), the
    diagonal masked by np.eye, pairs beyond r_c zeroed by np.where of a traced comparison, the energy shifted to 0 at
    r_c, an in-place E[mask] *= 0.5 on the double-counted matrix."""
    X = x.reshape(5, 2)
    rc = 2.0
    d = X[:, None, :] - X[None, :, :]
    r = np.linalg.norm(d + np.eye(5)[:, :, None], axis=-1)
    sr6 = (1.0 / r) ** 6
    e = 4.0 * (sr6**2 - sr6) - 4.0 * ((1 / rc) ** 12 - (1 / rc) ** 6)
    E = np.where((r < rc) & ~np.eye(5, dtype=bool), e, 0.0)
    E[np.ones((5, 5), dtype=bool)] *= 0.5
    return np.sum(E) + 0.05 * np.sum((X - X.mean(axis=0)) ** 2)


def arrhenius_kinetics(p):
    """Arrhenius rates k = A·exp(−Ea/RT) fitted on log k over temperatures (np.log of np.float_power too), then the
    consecutive reaction A → B → C at one temperature in closed form with np.expm1, the B concentration's peak."""
    lnA, Ea = p[0], p[1] * 1e4
    Rg = 8.314
    k = np.exp(lnA - Ea / (Rg * T_ar))
    fit = np.sum((np.log(k) - lnk_ar) ** 2) + 0.1 * np.sum((np.log(np.float_power(k, 0.5)) - 0.5 * lnk_ar) ** 2)
    k1, k2 = k[2] * 50.0, k[3] * 20.0
    B = k1 / (k2 - k1) * (np.exp(-k1 * t_ar) - np.exp(-k2 * t_ar))
    C = 1.0 + np.expm1(-k1 * t_ar) - B
    return fit + np.sum(B**2) + 0.1 * np.sum(np.reciprocal(1.0 + C))


def seir_contacts(p):
    """A two-group SEIR epidemic by Euler steps: the force of infection by a contact matrix C @ (I / N), states
    written into np.zeros_like(p, shape=(steps, 4, 2)) by traj[t] = ..., weekly cases by reshape and sum, a Poisson
    NLL with scipy.special.gammaln."""
    beta, sigma, gamma = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    S, E, I, R = N_se - 0.01, np.zeros(2), np.full(2, 0.01), np.zeros(2)
    dt = 0.5
    traj = np.zeros_like(p, shape=(10, 4, 2))
    for t in range(10):
        lam = beta * C_se @ (I / N_se)
        new_e, new_i, new_r = lam * S * dt, sigma * E * dt, gamma * I * dt
        S, E, I, R = S - new_e, E + new_e - new_i, I + new_i - new_r, R + new_r
        traj[t] = np.stack([S, E, I, R])
    inc = traj[:, 2, :].reshape(5, 2, 2).sum(axis=1) * 100.0
    return np.sum(inc - cases_se * np.log(inc) + special.gammaln(cases_se + 1))


def ces_utility(p):
    """A CES consumer: utility (Σ aᵢ xᵢ^ρ)^(1/ρ) with shares by softmax and ρ = 1 − exp(·), Marshallian demands at
    prices p in closed form by np.power with a traced exponent, the indirect utility and a Cobb-Douglas comparison
    by np.exp(Σ a log x) and np.prod."""
    a = np.exp(p[:3]) / np.sum(np.exp(p[:3]))
    rho = 1.0 - np.exp(p[3])
    r = rho / (rho - 1.0)
    income = 10.0
    x = income * np.power(a / p_ce, 1.0 / (1.0 - rho)) / np.sum(np.power(a, 1.0 / (1.0 - rho)) * p_ce**r)
    U = np.sum(a * x**rho) ** (1.0 / rho)
    cd = np.exp(np.sum(a * np.log(x))) + 0.1 * np.prod(x ** (a / 3))
    return U - 0.5 * cd + 0.01 * np.sum(x * p_ce)


def greeks_surface(logsig):
    """A Black–Scholes greeks surface over spot × maturity by np.ix_ broadcasting: per-maturity vols, price by
    scipy.special.ndtr, delta, gamma, vega, theta and vanna, put by parity; a smile penalty by scipy.special.log_ndtr."""
    sig = np.exp(logsig)[None, :]
    S, T = np.ix_(S_gs, T_gs)
    r = 0.02
    sq = np.sqrt(T)
    d1 = (np.log(S / K_gs) + (r + 0.5 * sig**2) * T) / (sig * sq)
    d2 = d1 - sig * sq
    pdf = np.exp(-0.5 * d1**2) / np.sqrt(2.0 * np.pi)
    call = S * special.ndtr(d1) - K_gs * np.exp(-r * T) * special.ndtr(d2)
    put = call - S + K_gs * np.exp(-r * T)
    delta, gamma, vega = special.ndtr(d1), pdf / (S * sig * sq), S * pdf * sq
    theta = -S * pdf * sig / (2 * sq) - r * K_gs * np.exp(-r * T) * special.ndtr(d2)
    vanna = -pdf * d2 / sig
    return (
        np.sum(call * 0.01)
        + np.mean(put) * 0.01
        + np.sum(delta * gamma)
        + 0.001 * np.sum(vega * theta)
        + np.sum(vanna**2)
        - np.sum(special.log_ndtr(-d2))
    )


def shoelace_polygon(v):
    """A polygon's area by the shoelace formula with np.roll, its perimeter by np.linalg.norm of np.diff(append=…),
    the centroid by the same cross terms, and the interior angles by np.arctan2 of cross and dot of edge vectors."""
    P = v.reshape(-1, 2)
    x, y = P[:, 0], P[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = 0.5 * np.sum(cross)
    per = np.sum(np.linalg.norm(np.diff(P, axis=0, append=P[:1]), axis=1))
    cx = np.sum((x + np.roll(x, -1)) * cross) / (6 * area)
    cy = np.sum((y + np.roll(y, -1)) * cross) / (6 * area)
    e1, e2 = np.roll(P, -1, axis=0) - P, P - np.roll(P, 1, axis=0)
    ang = np.arctan2(e2[:, 0] * e1[:, 1] - e2[:, 1] * e1[:, 0], np.sum(e1 * e2, axis=1))
    return (area - 4.0) ** 2 + 0.1 * per**2 + cx**2 + cy**2 + 0.1 * np.sum(ang**2)


def sdf_scene(p):
    """Signed distance functions over sample points: a circle, a rounded box (np.abs, np.maximum(q, 0) under
    np.linalg.norm, np.minimum(np.maximum(qx, qy), 0)), their union by np.minimum, a smooth union by −k·logaddexp,
    an intersection by np.maximum; the squared SDF error against a target shape."""
    c, rad = p[:2], np.exp(p[2])
    half = np.exp(p[3:5])
    d_circ = np.linalg.norm(pts_sd - c, axis=1) - rad
    q = np.abs(pts_sd - np.array([0.4, -0.2])) - half
    d_box = np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(np.maximum(q[:, 0], q[:, 1]), 0.0) - 0.05
    hard = np.minimum(d_circ, d_box)
    k = 0.2
    smooth = -k * np.logaddexp(-d_circ / k, -d_box / k)
    inter = np.maximum(d_circ, -d_box)
    target = np.linalg.norm(pts_sd, axis=1) - 0.8
    return np.sum((hard - target) ** 2) + np.sum((smooth - target) ** 2) + 0.1 * np.sum(inter**2)


def focal_softmax(w):
    """Multi-class focal loss: logits by a linear layer, log-probabilities by x − logsumexp (max-shifted, keepdims),
    targets as a one-hot by np.eye(C)[y], p_t by np.take_along_axis, per-class α, γ = 2, label smoothing."""
    W = w[:6].reshape(2, 3)
    Z = X_fs @ W + w[6:]
    m = Z.max(axis=1, keepdims=True)
    logp = Z - m - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    Y = np.eye(3)[y_fs]
    logpt = np.take_along_axis(logp, y_fs[:, None], axis=1)[:, 0]
    pt = np.exp(logpt)
    focal = -alpha_fs[y_fs] * (1 - pt) ** 2 * logpt
    smooth = -np.sum((0.9 * Y + 0.1 / 3) * logp, axis=1)
    return np.mean(focal) + 0.1 * np.mean(smooth)


def contrastive_pairs(w):
    """A Siamese contrastive loss: embeddings by tanh, pairwise distances by np.sqrt(d² + ε), a same-label mask from
    y[:, None] == y[None, :], the upper triangle by np.triu_indices, hinge np.maximum(m − D, 0)² for the negatives,
    the mean over np.count_nonzero pairs."""
    E = np.tanh(X_cp @ w.reshape(3, 2))
    d2 = np.sum((E[:, None, :] - E[None, :, :]) ** 2, axis=-1)
    D = np.sqrt(d2 + 1e-9)
    same = (y_cp[:, None] == y_cp[None, :]).astype(float)
    L = same * d2 + (1 - same) * np.maximum(1.0 - D, 0.0) ** 2
    mask = np.zeros((6, 6), dtype=bool)
    mask[iu_cp] = True
    return np.sum(L[mask]) / np.count_nonzero(mask)


def mog_fullcov(p):
    """A two-component mixture of full-covariance 2-D Gaussians: Cholesky factors with exp'd diagonals by np.tril and
    np.diag, batched triangular solves by dlinalg.solve_triangular, log det as Σ log diag, the NLL by
    scipy.special.logsumexp over components with mixture weights b=."""
    mu = p[:4].reshape(2, 2)
    out = []
    for k in range(2):
        l = p[4 + 3 * k : 7 + 3 * k]
        L = np.stack([np.stack([np.exp(l[0]), 0.0 * l[1]]), np.stack([l[1], np.exp(l[2])])])
        z = dlinalg.solve_triangular(L, (X_mg - mu[k]).T, lower=True)
        out.append(-0.5 * np.sum(z**2, axis=0) - np.sum(np.log(np.diag(L))) - np.log(2 * np.pi))
    logits = p[10:12]
    w = np.exp(logits - dspecial.logsumexp(logits))
    return -np.sum(dspecial.logsumexp(np.stack(out, axis=1), axis=1, b=w))


def arm_cumsum_fk(q):
    """Forward kinematics of a 4-link planar arm: absolute angles by np.cumsum(q), joint positions by np.cumsum of
    L·cos and L·sin with a zero base by np.concatenate, the end effector's error, an obstacle penalty by np.maximum
    on joint distances, the manipulability det(JJᵀ) with J from reversed cumsums (np.flip)."""
    phi = np.cumsum(q)
    px = np.concatenate([[0.0], np.cumsum(L_ac * np.cos(phi))])
    py = np.concatenate([[0.0], np.cumsum(L_ac * np.sin(phi))])
    err = np.stack([px[-1], py[-1]]) - target_ac
    dist = np.hypot(px[1:] - obst_ac[0], py[1:] - obst_ac[1])
    pen = np.sum(np.maximum(0.4 - dist, 0.0) ** 2)
    Jx = -np.flip(np.cumsum(np.flip(L_ac * np.sin(phi))))
    Jy = np.flip(np.cumsum(np.flip(L_ac * np.cos(phi))))
    J = np.stack([Jx, Jy])
    return err @ err + 10.0 * pen - 0.01 * np.log(np.linalg.det(J @ J.T))


def weighted_median(p):
    """A weighted least-absolute-deviation fit with softmax weights: residuals sorted by np.argsort, the cumulative
    weights by np.cumsum, the weighted median where the cumsum first passes half by np.searchsorted, the
    weighted MAD around it."""
    r = y_wm - X_wm @ p[:2]
    w = np.exp(p[2:]) / np.sum(np.exp(p[2:]))
    order = np.argsort(r)
    rs, ws = r[order], w[order]
    cw = np.cumsum(ws)
    med = rs[np.searchsorted(cw, 0.5 * cw[-1])]
    return np.sum(w * np.abs(r - med)) + 0.1 * med**2 + 0.05 * np.sum(p[2:] ** 2)


def kde_loo_cv(logh):
    """Leave-one-out likelihood cross-validation of a 2-D product-Gaussian KDE: squared differences by
    np.subtract.outer per axis, the kernel matrix by np.exp, its diagonal removed in place by np.fill_diagonal,
    log of the row means."""
    h = np.exp(logh)
    d0 = np.subtract.outer(D_kd[:, 0], D_kd[:, 0]) / h[0]
    d1 = np.subtract.outer(D_kd[:, 1], D_kd[:, 1]) / h[1]
    K = np.exp(-0.5 * (d0**2 + d1**2)) / (2 * np.pi * h[0] * h[1])
    np.fill_diagonal(K, 0.0)
    n = K.shape[0]
    return -np.sum(np.log(K.sum(axis=1) / (n - 1)))


def rotation_logm(q):
    """A planar arm's tool orientation error on SO(3): rotations about z and x composed, the error rotation's
    matrix logarithm by scipy.linalg.logm, its Frobenius norm; a nearest-rotation term by scipy.linalg.polar and a
    QR-orthonormalised frame by scipy.linalg.qr."""

    def rz(a):
        c, s = np.cos(a), np.sin(a)
        return (
            np.eye(3)
            + np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 0]]) * (c - 1)
            + np.array([[0, -1.0, 0], [1, 0, 0], [0, 0, 0]]) * s
        )

    def rx(a):
        c, s = np.cos(a), np.sin(a)
        return (
            np.eye(3)
            + np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 1]]) * (c - 1)
            + np.array([[0, 0.0, 0], [0, 0, -1], [0, 1, 0]]) * s
        )

    R = rz(q[0]) @ rx(q[1]) @ rz(q[2])
    Lg = dlinalg.logm(R_tg.T @ R)
    M = R + 0.2 * np.diag(q[3:6])
    U, Pp = dlinalg.polar(M)
    Qf, Rf = dlinalg.qr(M)
    return np.sum(Lg**2) + np.sum((U - R) ** 2) + 0.1 * np.trace(Pp) + 0.1 * np.sum(np.abs(np.diag(Rf)))


def points():
    r = np.random.default_rng(13)
    return {
        "harris_sobel": np.array([1.0, 0.2, 0.1]),
        "keypoint_bilinear": np.concatenate([[0.15, -0.1], 0.1 * np.sin(np.arange(42.0))]),
        "iir_lfilter_fit": np.array([0.25, 0.15, 0.05, -0.3, 0.1, 0.4]),
        "stft_sliding": sig_st + 0.2 * np.cos(np.arange(24.0) * 1.3),
        "mfcc_melbank": sig_st[:20] + 0.3 * np.sin(np.arange(20.0) * 2.3),
        "lqr_gain_rollout": np.array([2.0, 1.5]),
        "riccati_fixed_point": np.array([0.0, -0.5, 0.3, -1.0]),
        "lj_cutoff": np.array([0.0, 0.0, 1.1, 0.1, 0.5, 1.0, 1.6, 1.1, 2.6, 0.3]),
        "arrhenius_kinetics": np.array([20.0, 8.0]),
        "seir_contacts": np.array([np.log(0.6), np.log(0.5), np.log(0.3)]),
        "ces_utility": np.array([0.2, -0.1, 0.3, np.log(0.5)]),
        "greeks_surface": np.log(np.array([0.2, 0.25, 0.3])),
        "shoelace_polygon": P_pl.ravel(),
        "sdf_scene": np.array([-0.3, 0.1, np.log(0.6), np.log(0.4), np.log(0.3)]),
        "focal_softmax": 0.5 * r.normal(size=9),
        "contrastive_pairs": 0.7 * r.normal(size=6),
        "mog_fullcov": np.array([1.0, 0.1, -0.4, -0.9, -0.5, 0.1, -0.4, -0.3, 0.2, -0.2, 0.3, -0.1]),
        "arm_cumsum_fk": np.array([0.3, 0.4, 0.5, 0.2]),
        "weighted_median": np.concatenate([[0.8, -0.3], 0.2 * np.cos(np.arange(7.0))]),
        "kde_loo_cv": np.log(np.array([0.5, 0.4])),
        "rotation_logm": np.array([0.3, 0.2, 0.1, 1.0, 0.5, 0.8]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses by name: np.floor's index, the Riccati loop's exit, argsort's order,
#: logm's and polar's result dtype (real or complex, read from the values)
SPECIALISED = {
    "keypoint_bilinear",
    "riccati_fixed_point",
    "rotation_logm",
}  # (weighted_median prepared: searchsorted an op)
#: (f, g·cos(k + 1), |g|²) of the flattened gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "harris_sobel": (4.424525188881524, 1.8555423045322423, 260.79980882139535),  # jax, n=3
    "keypoint_bilinear": (1.7286323787964775, 1.0678206321657222, 2.9280441698495348),  # jax, n=44
    "iir_lfilter_fit": (0.013501420214541943, -0.15338992289318024, 0.04182583928992503),  # jax, n=6
    "stft_sliding": (0.3432130706970601, 0.1633198131214246, 38.35235401733448),  # jax, n=24
    "mfcc_melbank": (0.14769324998241726, 0.776714707571158, 1.2956246926136998),  # jax, n=20
    "lqr_gain_rollout": (13.019911106224804, 0.7629145055906541, 7.657137491085419),  # jax, n=2
    "riccati_fixed_point": (1.8420798582772342, 0.5046061811665313, 1.8136308761176658),  # jax, n=4
    "lj_cutoff": (-5.248472095587577, -3.3353818951069054, 64.2542409213865),  # jax, n=10
    "arrhenius_kinetics": (25.800346336234814, -45.75009724986037, 7052.484607254551),  # jax, n=2
    "seir_contacts": (46.13372676276398, -47.389604808798595, 5523.997637490553),  # jax, n=3
    "ces_utility": (1.4872290466881906, 1.0404464865662908, 1.1322381993131079),  # jax, n=4
    "greeks_surface": (12.023538337451312, 2.351850162343427, 72.13172284965482),  # jax, n=3
    "shoelace_polygon": (9.499270215499731, 2.5346543105522468, 40.43559668663794),  # jax, n=10
    "sdf_scene": (0.7491328423232746, 0.37202364856771697, 1.5340139067587775),  # jax, n=5
    "focal_softmax": (0.9040235345619723, 0.5834964201687386, 0.27861447914707144),  # jax, n=9
    "contrastive_pairs": (0.3472646790352832, -0.8768583216960383, 1.1036263805894733),  # jax, n=6
    "mog_fullcov": (24.91871669362615, -8.380680548363642, 60.47985709789019),  # jax, n=12
    "arm_cumsum_fk": (1.2771207866251733, 4.298633536093951, 21.34068938325949),  # jax, n=4
    "weighted_median": (0.5776286397815266, -0.1558772176108016, 0.1901628037425636),  # jax, n=9
    "kde_loo_cv": (17.678745417812664, 1.0956860350648274, 10.040501193744857),  # jax, n=2
    "rotation_logm": (0.7731552095214604, -0.31175277305530463, 0.6464099015833347),  # jax, n=6
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "harris_sobel": (5.608917433015875, 3.252188070930875, 880.3962773549061),  # jax, n=3
    "keypoint_bilinear": (1.7580832378957632, 0.9143005106310789, 2.7026020830668656),  # jax, n=44
    "iir_lfilter_fit": (0.03764628915641528, -0.2369136723317996, 0.25134539693920005),  # jax, n=6
    "stft_sliding": (0.3610557646655741, 0.4946937892464063, 51.026512370179695),  # jax, n=24
    "mfcc_melbank": (0.2239675296452231, 1.5538653133210156, 2.3648050102153313),  # jax, n=20
    "lqr_gain_rollout": (12.871085074457529, 0.6705165458666447, 7.135642545531282),  # jax, n=2
    "riccati_fixed_point": (1.9141208694692204, 0.5289267768700371, 1.9628000287551866),  # jax, n=4
    "lj_cutoff": (-4.3547715988142475, -5.716110995101466, 619.4487555023719),  # jax, n=10
    "arrhenius_kinetics": (28.616825902729843, -48.25839517878959, 7845.643549556094),  # jax, n=2
    "seir_contacts": (42.4058383677605, -45.11125775776599, 5154.048452102422),  # jax, n=3
    "ces_utility": (1.5116479182015703, 1.1960163618194415, 1.375008254838382),  # jax, n=4
    "greeks_surface": (11.548754486345628, 2.5575406556013323, 64.18355385470304),  # jax, n=3
    "shoelace_polygon": (9.396713562837897, 2.331305315648156, 35.89504345443665),  # jax, n=10
    "sdf_scene": (0.7365779040930016, 0.3422697215331379, 1.5188334160939214),  # jax, n=5
    "focal_softmax": (0.8974689380427157, 0.5930156817551715, 0.281207187155028),  # jax, n=9
    "contrastive_pairs": (0.37037900942229424, -0.6915333580445803, 0.6748943035923468),  # jax, n=6
    "mog_fullcov": (24.645266439951357, -7.777006899117796, 58.781715499826674),  # jax, n=12
    "arm_cumsum_fk": (1.4380281521424867, 4.574985818679461, 33.72346844061924),  # jax, n=4
    "weighted_median": (0.5534680114704694, -0.15094407694853365, 0.18016989731744215),  # jax, n=9
    "kde_loo_cv": (17.537645278886806, 0.8354125067617971, 5.935629384710533),  # jax, n=2
    "rotation_logm": (0.8142622444953673, -0.4740332568670803, 1.0476829659142197),  # jax, n=6
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS = {
    "harris_sobel": (23.90887830890716, 45195.00656250429),  # jax.hessian
    "keypoint_bilinear": (-3.2509189508190937, 41.043108147034886),  # jax.hessian
    "iir_lfilter_fit": (-1.7039720892331445, 16.494565606145393),  # jax.hessian
    "stft_sliding": (1.306387561437019, 464448.52543069696),  # jax.hessian
    "mfcc_melbank": (14.69773192579349, 84.25044895432089),  # jax.hessian
    "lqr_gain_rollout": (-1.8787800211389436, 41.43856075364354),  # jax.hessian
    "riccati_fixed_point": (0.4786454201571123, 1.585229327194538),  # jax.hessian
    "lj_cutoff": (249.4348793697141, 160599.93499307518),  # jax.hessian
    "arrhenius_kinetics": (-50.175728971314236, 20022.736782545508),  # jax.hessian
    "seir_contacts": (42.50122241508499, 6262.215499065372),  # jax.hessian
    "ces_utility": (2.9414234225829885, 12.806823837497188),  # jax.hessian
    "greeks_surface": (4.405623753199464, 249.7775837657912),  # jax.hessian
    "shoelace_polygon": (-4.170437415858287, 411.7070815119468),  # jax.hessian
    "sdf_scene": (-0.5815382579088662, 121.44155717962434),  # jax.hessian
    "focal_softmax": (0.19540379474301847, 0.05902930875716928),  # jax.hessian
    "contrastive_pairs": (-0.6243296728484904, 33.21350561931393),  # jax.hessian
    "mog_fullcov": (12.039128439406666, 1341.707939361607),  # jax.hessian
    "arm_cumsum_fk": (5.926604394482964, 955.9084399231241),  # jax.hessian
    "weighted_median": (0.09050537357426423, 0.4643116952781272),  # jax.hessian
    "kde_loo_cv": (-5.4745293874447905, 219.83647663735502),  # jax.hessian
    "rotation_logm": (-3.2533262068171585, 79.7038269005252),  # jax.hessian
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(POINTS))
def test_gradient_of_user_code_at_two_points(name, method):
    """dl.value_and_grad at the point equals JAX's; prepared there and called twice at the second point (the
    general path, then the armed common case), JAX's there; the specialised ones are refused by dl.prepare by name
    and differentiated fresh at the second point. (harris_sobel's ndimage.sobel did not exist in difflab;
    lj_cutoff's (r < rc) & ~np.eye(...) was "numpy.bitwise_and is not a difflab primitive"; iir_lfilter_fit's
    lfilter of a list holding a traced coefficient was refused.)"""
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
    {k: v for k, v in HESS.items() if POINTS[k].size <= 12 and k not in {"iir_lfilter_fit"}},
    globals(),
    # symbolic's only where it takes < 0.2 s (the others 0.2 to 6 s each; iir_lfilter_fit's, 0.9 s, left out whole:
    # test_symbolic_lfilter.py has it)
    no_symbolic=set(HESS) - {"arm_cumsum_fk", "arrhenius_kinetics"},
    doc="""dl.hessian of the small ones equals jax.hessian's: the Sobel filters, the Riccati loop, the cutoff mask,
    the SEIR steps, the SDF's np.minimum/np.maximum, the weighted median's gather, logm and polar.""",
)


_M = np.array([True, True, False, True, True])


def _masks(x):
    m = (x > -1) & (x < 2) | ~_M
    m2 = np.logical_xor(x > 0, _M) ^ np.logical_not(x < 0)
    m3 = np.logical_and(x > 0, np.invert(x > 2)) | np.bitwise_not(_M)
    return (
        np.sum(np.where(m, x**2, 0.0))
        + np.sum(np.where(m2, x**3, x))
        + np.sum(np.where(m3, 2 * x, 0.0))
        + np.sum(np.where(np.logical_or(_M & (x < 1), x > 2.4), x, 0.0))
    )


@pytest.mark.parametrize("method", METHODS)
def test_masks_combined_by_bitwise_and_logical_functions(method):
    """&, |, ^ and ~ between traced comparisons (and constant masks) were a bare "unsupported operand type(s) for &:
    'Tracer'" TypeError, np.bitwise_and/or/xor/invert "not a difflab primitive", and np.logical_and/or/xor/not read
    on the values, so dl.prepare refused the graph: all are traced now, NumPy's masks, reused at a point where every
    mask changes. A float operand of a bitwise function is refused as NumPy refuses it, by name."""
    x0 = np.array([-2.0, -0.5, 0.3, 1.5, 2.5])
    x1 = np.array([-0.9, 0.5, -0.2, 2.2, 1.9])  # (each entry on another side of a comparison)

    def want(x):  # ∂/∂x_k of the selected branches, from NumPy's own masks
        m = (x > -1) & (x < 2) | ~_M
        m2 = np.logical_xor(x > 0, _M) ^ np.logical_not(x < 0)
        m3 = np.logical_and(x > 0, np.invert(x > 2)) | ~_M
        m4 = (_M & (x < 1)) | (x > 2.4)
        return np.where(m, 2 * x, 0.0) + np.where(m2, 3 * x**2, 1.0) + np.where(m3, 2.0, 0.0) + m4

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(_masks, method=method)(x0)
        p = dl.prepare(_masks, x0, method=method)
        tol = 1e-8 if method == "numeric" else 1e-14
        assert value == pytest.approx(_masks(x0), rel=1e-15)
        np.testing.assert_allclose(g, want(x0), rtol=tol, atol=tol)
        for _ in range(2):
            assert p(x1) == pytest.approx(_masks(x1), rel=1e-14)
            np.testing.assert_allclose(p.grad(x1), want(x1), rtol=tol, atol=tol)
    with pytest.raises(TypeError, match=r"numpy\.bitwise_and of a float64 value: .*booleans and integers only"):
        dl.grad(lambda x: np.sum(x & (x > 0)), method=method)(x0)
    with pytest.raises(TypeError, match=r"numpy\.invert of a float64 value"):
        dl.grad(lambda x: np.sum(~x), method=method)(x0)


@pytest.mark.parametrize("name", ["sobel", "prewitt", "laplace"])
def test_ndimage_sobel_prewitt_laplace_are_scipys(name):
    """scipy.ndimage.sobel, prewitt and laplace had no difflab.scipy.ndimage counterpart (AttributeError): SciPy's
    values in every mode (one per axis too) and axis; the filter is linear, so its gradient under each method is
    its transpose, read column by column from SciPy's own filter of the unit images."""
    x = np.random.default_rng(13).normal(size=(3, 4, 2))
    ours, theirs = getattr(dndimage, name), getattr(scipy.ndimage, name)
    modes = ["reflect", "nearest", "mirror", "wrap", "constant", ["wrap", "nearest", "reflect"]]
    for mode in modes:
        for axis in [0, 2, -1] if name != "laplace" else [None]:
            kw = dict(mode=mode, cval=0.3) if axis is None else dict(axis=axis, mode=mode, cval=0.3)
            np.testing.assert_allclose(ours(x, **kw), theirs(x, **kw), rtol=1e-14, atol=1e-14)
    w = np.cos(np.arange(x.size)).reshape(x.shape)
    kw = dict(mode="nearest") if name == "laplace" else dict(axis=1, mode="mirror")
    J = np.stack([(theirs(e.reshape(x.shape), **kw) - theirs(0 * x, **kw)).ravel() for e in np.eye(x.size)])
    for method in METHODS:
        g = dl.grad(lambda x: np.sum(w * ours(x, **kw)), method=method)(x)
        np.testing.assert_allclose(g.ravel(), J @ w.ravel(), rtol=1e-8 if method == "numeric" else 1e-13, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_lfilter_of_coefficient_lists_holding_traced_values(method):
    """lfilter([1 - c], [1, -c], x, zi=[z]) (SciPy takes lists) was refused ("numpy.ndim converted a traced value")
    in every method: the lists are stacked. The reference: complex step of SciPy's own lfilter (analytic in c, z)."""
    x = np.sin(np.arange(7.0))

    def f(p):
        y, zf = dsignal.lfilter([1.0 - p[0]], [1.0, -p[0]], x, zi=[p[1]])
        return np.sum(y**2) + zf[0]

    def f_scipy(p):
        y, zf = scipy.signal.lfilter([1.0 - p[0]], [1.0, -p[0]], x, zi=[p[1]])
        return np.sum(y**2) + zf[0]

    p = np.array([0.6, 0.2])
    value, g = dl.value_and_grad(f, method=method)(p)
    assert value == pytest.approx(f_scipy(p), rel=1e-14)
    np.testing.assert_allclose(g, complex_step(f_scipy, p), rtol=1e-8 if method == "numeric" else 1e-13)
