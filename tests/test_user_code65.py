"""What a user writes, round 65: seven new users' own NumPy code written with `import difflab.numpy as np`, from
domains the earlier rounds touch little, each program's value and gradient by all four methods (fresh at its point,
prepared there and called at x + 0.05·sin(k + 1)) against the same source run with jax.numpy in x64 (stored: f,
g·cos(k + 1), |g|²; the in-place writes spelt with JAX's .at[], np.lib's sliding_window_view as a stack of slices,
nanmedian over the non-NaN entries: JAX's own has a NaN gradient there), and a Hessian by forward or reverse.

Robotics: a quaternion rotation by np.cross, a 4-link arm by np.cumsum, Rodrigues' SO(3) exponential and its angle by
arccos of a clipped trace, a quaternion's matrix (einsum('ji,jk->ik'), det), a damped IK step by np.linalg.pinv of a
hand-written Jacobian (reversed cumsums), pose-graph headings wrapped by np.mod and np.arctan2. Finance: mean-variance
by np.cov(rowvar=False) and einsum('i,ij,j->'), np.cov of traced returns and slogdet, a drawdown by np.cumprod and
np.maximum.accumulate, a Sortino ratio (np.minimum, np.std(ddof=1)), Ledoit–Wolf shrinkage under the Frobenius and
nuclear norms, VaR by np.quantile and np.percentile with ES by np.sort, risk parity from np.corrcoef. Signals: an FIR
by np.convolve(mode='same') under np.hamming, a delay by np.correlate(mode='full'), a chirp's spectral centroid by
np.fft.fft and fftfreq, a group delay by np.unwrap(np.angle(rfft(n=64))), an STFT by sliding_window_view and
np.hanning, irfft(n=16) with fftshift/ifftshift and rfftfreq. Ecology: SEIR by Euler rows written in place with an
np.where lockdown, Lotka–Volterra competition by Heun into traj[:, t + 1], a Leslie matrix's growth rate by
max |eigvals| and matrix_power, a Ricker stock with `x[t + 1] -= np.clip(h·grown, 0, grown)`, ring dispersal by
np.roll and np.diag. Graphics: barycentric weights by cross-product areas, Phong shading with keepdims normals, de
Casteljau's Bézier, a look-at camera, Catmull–Rom through np.searchsorted and np.take(mode='clip'). Statistics: MAD by
two medians, residual quantiles, a mixture by logsumexp(axis=1, b=), a binned likelihood with np.histogram's counts
constant and traced weights, trimmed and winsorised moments, LOO kernel density, np.average(returned=True) with
np.nanmedian and np.ptp. Geometry: a plane by lstsq (its residual too), Kabsch by svd with det's sign, inertia by
eigh and eigvalsh(UPLO='L'), QR in 'reduced' and 'r' modes, det/solve/inv/cond, the 2, nuc, inf and -2 norms with
matrix_norm and svdvals, Heron against np.linalg.cross. Indexing: repeated and negative fancy indices with np.ix_,
top-k by argsort, take_along_axis and put_along_axis, np.add.at with np.bincount(weights=), np.searchsorted buckets
with np.unique's inverse, boolean-mask writes, np.select, np.piecewise and np.take(mode='wrap').

What they met (first run, 50 programs × 4 methods, prepared, Hessians by forward, reverse and the pair, hvp, vmap of
grad, jit; then each fed wrong shapes, NaN, ints, lists, 0-d and empty arrays): every gradient, Hessian and hvp right
where the program ran, and quiet; but wrong silently, fixed here: an axis past the array's dimensions wrapped by
`axis % ndim` (np.diff, np.take, np.take_along_axis, np.trapezoid, np.median, np.quantile, np.moveaxis of a matrix
along axis 2 answered along axis 0), np.roll(x, (1, 2), axis=0) shifted by 1 (NumPy: 3), np.convolve/np.correlate of a
matrix convolved its rows (NumPy: "object too deep"). Refused where NumPy runs, fixed: np.put_along_axis (and np.put)
by argsort's traced indices; `traj[:, t + 1] = f(x)` while the view x = traj[:, t] is alive ("NumPy would change
both": it changes neither); the symbolic method on a comparison with NaN-holding data (np.where(x > c, ...),
np.maximum) and on np.unwrap(np.angle(...)) of a constant zero spectrum (SymPy's atan2(0, 0) is nan, NumPy's 0): both
SymPy's bare "TypeError: Invalid NaN comparison". Bare tracebacks, now NumPy's errors: np.cross and np.diff of a 0-d
array (ZeroDivisionError), np.roll and np.swapaxes past the last axis (IndexError), np.average with weights of another
shape and no axis (IndexError). Refused with advice naming the function called, fixed: a registry op (np.exp, np.sin,
np.add, np.maximum) given a list holding traced values (np.exp([x, 2 * x]); a list argument's leaf). Refused by
name, as they were (the messages name the fix): `Y = np.zeros(...)` (a NumPy array) written with a traced row,
np.add.at into it; the users then wrote np.zeros_like(p, shape=...), as the message says. Left: put_along_axis by traced indices specialises the trace (prepare, vmap and jit refuse it by
name; JAX's scatter takes them), numeric's gradient of norm(A, 2) at a rank-deficient A is NaN with a DomainWarning
(svd_s's smallest singular value 0, which ord=2 does not read), and a NaN output's gradient is NaN in every entry
(DESIGN.md §6; JAX's grad of sum(x·c) with a NaN in c is NaN only there).
"""

import numpy as onp
import pytest

from tier import one_per
from user_code import METHODS, at_two_points, check_gradient, check_hessian, gradient_tol

import difflab as dl
import difflab.numpy as np
import difflab.scipy.special as sps
from difflab.errors import UnsupportedOperationError

_r = onp.random.default_rng(65)

# ---------------------------------------------------------------- robotics (user A)
V_q = _r.standard_normal((5, 3))
T_q = _r.standard_normal((5, 3))


def quat_rotate(p):
    """Rotate vectors by a learned (unnormalised) quaternion, q v q* spelled with np.cross."""
    q = p / np.linalg.norm(p)
    w, u = q[0], q[1:]
    uv = np.cross(u, V_q)
    rotated = V_q + 2.0 * w * uv + 2.0 * np.cross(u, uv)
    return np.sum((rotated - T_q) ** 2)


def planar_arm(theta):
    """A 4-link planar arm: joint angles cumulated, end effector by cumsum of link vectors, reach a target."""
    L = onp.array([1.0, 0.8, 0.6, 0.4])
    phi = np.cumsum(theta)
    pts = np.cumsum(np.stack([L * np.cos(phi), L * np.sin(phi)], axis=1), axis=0)
    target = onp.array([1.2, 1.5])
    return np.sum((pts[-1] - target) ** 2) + 0.01 * np.sum(theta**2)


def rodrigues_log(w):
    """SO(3) exp by Rodrigues (np.outer, skew by np.array of traced entries), then the rotation angle by arccos of the
    clipped trace, compared to a target angle."""
    th = np.linalg.norm(w)
    k = w / th
    K = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    R = np.eye(3) + np.sin(th) * K + (1 - np.cos(th)) * (K @ K)
    ang = np.arccos(np.clip((np.trace(R) - 1) / 2, -1.0, 1.0))
    return (ang - 0.7) ** 2 + np.sum((R @ onp.array([1.0, 0.0, 0.0]) - onp.array([0.0, 1.0, 0.0])) ** 2)


def quat_to_matrix(q):
    """A quaternion to a rotation matrix (no normalisation); penalty on RᵀR − I and det(R) − 1."""
    a, b, c, d = q
    R = np.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
        ]
    )
    E = np.einsum("ji,jk->ik", R, R) - np.eye(3)
    return np.sum(E**2) + (np.linalg.det(R) - 1) ** 2


def dls_ik(theta):
    """One damped-least-squares IK step for a 3-link planar arm: J by hand, pinv, the error after the step."""
    L = onp.array([1.0, 0.7, 0.5])
    phi = np.cumsum(theta)
    x = np.sum(L * np.cos(phi))
    y = np.sum(L * np.sin(phi))
    # dx/dθ_i = -Σ_{j≥i} L_j sin φ_j
    s = L * np.sin(phi)
    c = L * np.cos(phi)
    J = np.stack([-np.cumsum(s[::-1])[::-1], np.cumsum(c[::-1])[::-1]])
    err = onp.array([1.0, 1.2]) - np.stack([x, y])
    step = np.linalg.pinv(J) @ err
    t2 = theta + 0.5 * step
    phi2 = np.cumsum(t2)
    return (np.sum(L * np.cos(phi2)) - 1.0) ** 2 + (np.sum(L * np.sin(phi2)) - 1.2) ** 2


def heading_wrap(p):
    """Pose-graph headings: differences wrapped into [-π, π) by np.mod, atan2 of measured bearings."""
    meas = onp.array([0.3, 3.0, -2.9, 1.0])
    d = np.diff(p)
    wrapped = np.mod(d - meas + np.pi, 2 * np.pi) - np.pi
    b = np.arctan2(np.sin(p), np.cos(p))
    return np.sum(wrapped**2) + 0.1 * np.sum(b**2)


# ---------------------------------------------------------------- finance (user B)
R_fin = 0.01 * _r.standard_normal((30, 4)) + 0.002


def portfolio_var(z):
    """Mean-variance: softmax weights, covariance by np.cov(rowvar=False), wᵀΣw by einsum, minus the mean return."""
    w = np.exp(z) / np.sum(np.exp(z))
    S = np.cov(R_fin, rowvar=False)
    return np.einsum("i,ij,j->", w, S, w) * 1e4 - 10 * np.mean(R_fin @ w)


def cov_of_traced(z):
    """Covariance of traced returns: R·diag(exp z) through np.cov (traced), ddof=0, then log det."""
    Rz = R_fin * np.exp(z)
    S = np.cov(Rz.T, ddof=0) * 1e4
    sign, ld = np.linalg.slogdet(S)
    return ld + np.trace(S)


def max_drawdown(z):
    """A soft maximum drawdown of a strategy's wealth path: np.cumprod, np.maximum.accumulate, np.max."""
    w = np.tanh(z)
    r = R_fin @ w
    wealth = np.cumprod(1 + 10 * r)
    peak = np.maximum.accumulate(wealth)
    dd = 1 - wealth / peak
    return np.max(dd) + np.mean(dd)


def sortino(z):
    """Negative Sortino ratio: downside deviation by np.minimum(r, 0), np.std(ddof=1) for the mean's spread too."""
    w = z / np.sum(np.abs(z))
    r = R_fin @ w
    down = np.sqrt(np.mean(np.minimum(r - 0.001, 0.0) ** 2))
    return -(np.mean(r) - 0.001) / down + 0.1 * np.std(r, ddof=1)


def ledoit_wolf(s):
    """Shrink the sample covariance towards a scaled identity with a learned intensity (sigmoid), the Frobenius norm of
    the difference from a target by np.linalg.norm(ord='fro')."""
    d = 1 / (1 + np.exp(-s[0]))
    S = np.cov(R_fin.T) * 1e4
    mu = np.trace(S) / 4
    Sh = d * mu * np.eye(4) + (1 - d) * S
    target = onp.eye(4) * 1.2
    return np.linalg.norm(Sh - target, ord="fro") + s[1] ** 2 * np.linalg.norm(Sh, "nuc")


def var_es(z):
    """Value-at-risk by np.quantile (q=0.9) of the losses and expected shortfall by the mean of the sorted tail."""
    w = np.exp(z) / np.sum(np.exp(z))
    loss = -(R_fin @ w) * 100
    var = np.quantile(loss, 0.9)
    tail = np.sort(loss)[-3:]
    return var + np.mean(tail) + np.percentile(loss, onp.array([25.0, 75.0])).sum()


def risk_parity(z):
    """Risk parity: risk contributions w·(Σw)/σ equalised, Σ from np.corrcoef scaled by the stds."""
    w = np.exp(z)
    C = np.corrcoef(R_fin, rowvar=False)
    sd = np.std(R_fin, axis=0) * 100
    S = C * np.outer(sd, sd)
    sig = np.sqrt(w @ S @ w)
    rc = w * (S @ w) / sig
    return np.sum((rc - sig / 4) ** 2)


# ---------------------------------------------------------------- signal processing (user C)
t_sig = onp.arange(32) / 32.0
x_sig = onp.sin(2 * onp.pi * 3 * t_sig) + 0.3 * _r.standard_normal(32)
y_sig = onp.sin(2 * onp.pi * 3 * t_sig)


def fir_denoise(h):
    """A learned FIR filter applied by np.convolve(mode='same') under a Hamming taper, matched to the clean signal."""
    taps = h * np.hamming(h.size)
    y = np.convolve(x_sig, taps, mode="same")
    return np.mean((y - y_sig) ** 2)


def xcorr_delay(a):
    """Cross-correlation by np.correlate(mode='full'), a soft-argmax delay estimate."""
    s = a[0] * np.sin(2 * np.pi * 3 * t_sig + a[1])
    c = np.correlate(s, y_sig, mode="full")
    p = np.exp(c - np.max(c))
    p = p / np.sum(p)
    lags = onp.arange(-31, 32)
    return np.sum(p * lags) ** 2 + np.max(c)


def power_spectrum(p):
    """A chirp's power spectrum by np.fft.fft, |X|² weighted by np.fft.fftfreq, and its ifft's real part."""
    s = np.sin(2 * np.pi * (p[0] * t_sig + p[1] * t_sig**2))
    X = np.fft.fft(s)
    f = np.fft.fftfreq(32, d=1 / 32)
    P = np.abs(X) ** 2
    centroid = np.sum(np.abs(f) * P) / np.sum(P)
    back = np.real(np.fft.ifft(X * np.exp(-0.1 * np.abs(f))))
    return centroid + np.sum(back**2)


def group_delay(p):
    """Phase of a two-tap filter's rfft (n=64 padding), np.angle then np.unwrap, its slope as a group delay."""
    h = np.concatenate([p, np.zeros(2)])
    H = np.fft.rfft(h, n=64)
    ph = np.unwrap(np.angle(H))
    gd = -np.diff(ph)
    return np.mean((gd - 1.0) ** 2)


def stft_loss(p):
    """An STFT by sliding_window_view frames under a Hann window, rfft on the last axis, log magnitude loss."""
    s = p[0] * np.sin(2 * np.pi * p[1] * t_sig)
    frames = np.lib.stride_tricks.sliding_window_view(s, 8)[::4] * np.hanning(8)
    S = np.abs(np.fft.rfft(frames, axis=-1))
    ref = onp.abs(onp.fft.rfft(onp.lib.stride_tricks.sliding_window_view(y_sig, 8)[::4] * onp.hanning(8), axis=-1))
    return np.mean((np.log(S + 1e-3) - onp.log(ref + 1e-3)) ** 2)


def spectral_shift(c):
    """A spectrum given as learned rfft coefficients, made a signal by irfft(n=16), centred by fftshift, ifftshift back."""
    Xr = c[:9] + 1j * c[9:]
    x = np.fft.irfft(Xr, n=16)
    xs = np.fft.fftshift(x)
    w = np.fft.rfftfreq(16)
    return np.sum(xs[:8] ** 2) - np.sum(np.fft.ifftshift(xs)[::3]) + np.sum(w * np.abs(Xr) ** 2)


# ---------------------------------------------------------------- ecology / epidemiology (user D)


def seir_lockdown(p):
    """SEIR by Euler into a preallocated table (in-place row writes), a lockdown by np.where on I, fit to data."""
    beta, sigma, gamma = np.exp(p)
    Y = np.zeros_like(p, shape=(21, 4))
    Y[0] = onp.array([0.99, 0.0, 0.01, 0.0])
    for t in range(20):
        S, E, I, R = Y[t]
        b = np.where(I > 0.05, 0.5 * beta, beta)
        dY = np.stack([-b * S * I, b * S * I - sigma * E, sigma * E - gamma * I, gamma * I])
        Y[t + 1] = Y[t] + 1.0 * dY
    return np.sum((Y[::3, 2] - 0.03) ** 2)


def competition_rk2(p):
    """Two-species Lotka–Volterra competition by Heun's method with floors np.maximum(x, 0), traj[:, t] written in place."""
    r1, r2, a12, a21 = p
    traj = np.zeros_like(p, shape=(2, 11))
    traj[:, 0] = onp.array([0.2, 0.3])

    def f(x):
        return np.stack([r1 * x[0] * (1 - x[0] - a12 * x[1]), r2 * x[1] * (1 - x[1] - a21 * x[0])])

    for t in range(10):
        x = traj[:, t]
        k1 = f(x)
        k2 = f(x + 0.3 * k1)
        traj[:, t + 1] = np.maximum(x + 0.15 * (k1 + k2), 0.0)
    return np.sum(traj[:, -1] ** 2) + np.mean(traj)


def leslie_growth(p):
    """A Leslie matrix (fecundities and survivals traced), its growth rate as the largest |eigenvalue| of np.linalg.eigvals,
    and 10 steps by np.linalg.matrix_power."""
    F = np.exp(p[:3])
    s = 1 / (1 + np.exp(-p[3:]))
    L = np.zeros_like(p, shape=(3, 3))
    L[0, :] = F
    L[1, 0] = s[0]
    L[2, 1] = s[1]
    lam = np.max(np.abs(np.linalg.eigvals(L)))
    n = np.linalg.matrix_power(L, 10) @ onp.array([1.0, 0.5, 0.2])
    return (lam - 1.1) ** 2 + 1e-3 * np.sum(n)


def harvest_map(p):
    """A Ricker stock with harvest clipped to the stock, x[t] written in place and += of a harvest."""
    r, K, h = p
    x = np.zeros_like(p, shape=15)
    x[0] = 0.5
    for t in range(14):
        grown = x[t] * np.exp(r * (1 - x[t] / K))
        x[t + 1] = grown
        x[t + 1] -= np.clip(h * grown, 0.0, grown)
    return np.sum((x - 0.6) ** 2)


def metapop_diffusion(p):
    """Patches on a ring: local logistic growth plus dispersal by np.roll, and a migration matrix by np.diag."""
    r, m = p[0], p[1]
    n = onp.array([0.1, 0.5, 0.2, 0.8, 0.3])
    M = np.diag(np.full(5, -2 * m)) + m * (onp.eye(5, k=1) + onp.eye(5, k=-1))
    for _ in range(10):
        n = n + 0.2 * (r * n * (1 - n) + m * (np.roll(n, 1) + np.roll(n, -1) - 2 * n)) + 0.01 * (M @ n)
    return np.var(n) + np.mean(n)


# ---------------------------------------------------------------- graphics (user E)
tri = onp.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.2]])


def barycentric(pq):
    """Barycentric coordinates of points by np.cross areas (3-D), np.linalg.norm(axis=-1); a loss on the weights."""
    P = pq.reshape(3, 3)
    a, b, c = tri
    n = np.cross(b - a, c - a)
    area = np.linalg.norm(n)
    u = np.linalg.norm(np.cross(c - b, P - b), axis=-1) / area
    v = np.linalg.norm(np.cross(a - c, P - c), axis=-1) / area
    w = 1 - u - v
    return np.sum(u**2 + v**2 + w**2)


def phong(v):
    """Phong shading of a mesh: face normals by np.cross, normalised with keepdims, diffuse np.maximum(n·l, 0) and a
    specular power, clipped to [0, 1]."""
    verts = v.reshape(4, 3)
    faces = onp.array([[0, 1, 2], [0, 2, 3], [0, 3, 1]])
    A, B, C = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    n = np.cross(B - A, C - A)
    n = n / np.linalg.norm(n, axis=1, keepdims=True)
    light = onp.array([0.3, 0.4, 0.866])
    diff = np.maximum(n @ light, 0.0)
    h = (light + onp.array([0, 0, 1.0])) / np.linalg.norm(light + onp.array([0, 0, 1.0]))
    spec = np.maximum(n @ h, 0.0) ** 8
    return np.sum(np.clip(0.7 * diff + 0.5 * spec, 0.0, 1.0))


def bezier_fit(c):
    """A cubic Bézier's control points fitted by de Casteljau's loop at 8 parameters."""
    P = c.reshape(4, 2)
    ts = onp.linspace(0, 1, 8)[:, None]
    pts = [P[i] + 0 * ts for i in range(4)]
    while len(pts) > 1:
        pts = [(1 - ts) * pts[i] + ts * pts[i + 1] for i in range(len(pts) - 1)]
    curve = pts[0]
    target = onp.stack([onp.linspace(0, 1, 8), onp.sin(onp.linspace(0, 3, 8))], axis=1)
    return np.sum((curve - target) ** 2)


def look_at(e):
    """A look-at camera by np.cross (right, up), a perspective projection with a divide, pixel errors."""
    eye = e
    fwd = -eye / np.linalg.norm(eye)
    right = np.cross(fwd, onp.array([0.0, 0.0, 1.0]))
    right = right / np.linalg.norm(right)
    up = np.cross(right, fwd)
    Rm = np.stack([right, up, fwd])
    pts = onp.array([[0.1, 0.2, 0.0], [-0.3, 0.1, 0.2], [0.0, -0.2, -0.1]])
    cam = (pts - eye) @ Rm.T
    uv = cam[:, :2] / cam[:, 2:3]
    return np.sum((uv - onp.array([[0.05, 0.1], [-0.1, 0.05], [0.0, -0.1]])) ** 2)


def catmull_rom(y):
    """A Catmull–Rom spline through traced knots, segments found by np.searchsorted of constant queries, np.take of the
    neighbours with mode='clip'."""
    xk = onp.arange(6.0)
    q = onp.array([0.3, 1.7, 2.5, 3.1, 4.9])
    i = onp.searchsorted(xk, q) - 1
    t = q - xk[i]
    p0, p1 = np.take(y, i - 1, mode="clip"), np.take(y, i, mode="clip")
    p2, p3 = np.take(y, i + 1, mode="clip"), np.take(y, i + 2, mode="clip")
    val = 0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
    return np.sum((val - onp.sin(q)) ** 2)


# ---------------------------------------------------------------- statistics (user F)
d_st = _r.standard_normal(15) * 1.3 + 0.4


def mad_loss(x):
    """Median absolute deviation of traced data (an odd and an even count): np.median twice."""
    return np.median(np.abs(x - np.median(x))) + np.median(x[:-1] ** 2)


def quantile_reg(b):
    """Residual quantiles by np.quantile with an array q and method='linear', a pinball-style score on them."""
    res = d_st - b[0] - b[1] * onp.linspace(-1, 1, 15)
    qs = np.quantile(res, onp.array([0.1, 0.5, 0.9]))
    return np.sum(qs**2) + np.mean(np.abs(res))


def gmm_logsumexp(p):
    """A 3-component 1-D Gaussian mixture: log weights by log-softmax, logsumexp(axis=1, b=) over components."""
    mu, ls, lw = p[:3], p[3:6], p[6:9]
    logw = lw - sps.logsumexp(lw)
    z = (d_st[:, None] - mu) / np.exp(ls)
    lp = -0.5 * z**2 - ls - 0.5 * np.log(2 * np.pi)
    return -np.sum(sps.logsumexp(lp + logw, axis=1)) - np.sum(sps.logsumexp(lp, axis=1, b=onp.array([0.2, 0.3, 0.5])))


def histogram_weights(p):
    """A binned likelihood: np.histogram counts of the data (constant), a softmax density per bin."""
    counts, edges = onp.histogram(d_st, bins=5)
    logp = p - sps.logsumexp(p)
    widths = onp.diff(edges)
    return -np.sum(counts * (logp - np.log(widths)))


def histogram_traced(s):
    """np.histogram on traced data: counts piecewise constant, but a user passes traced weights too."""
    counts, edges = np.histogram(d_st, bins=4, range=(-3.0, 4.0), weights=np.exp(s * d_st))
    return np.sum(counts**2) / np.sum(counts) ** 2


def trimmed_winsor(x):
    """A trimmed mean by np.sort and a slice, a winsorised variance by np.clip to np.percentile bounds."""
    xs = np.sort(x)
    tm = np.mean(xs[2:-2])
    lo, hi = np.percentile(x, onp.array([10.0, 90.0]))
    wz = np.clip(x, lo, hi)
    return tm**2 + np.var(wz)


def kde_loo(h):
    """Leave-one-out KDE log likelihood: np.subtract.outer distances, the diagonal zeroed by np.fill_diagonal on the
    kernel matrix, a learned log bandwidth."""
    bw = np.exp(h[0])
    D = np.subtract.outer(d_st, d_st)
    K = np.exp(-0.5 * (D / bw) ** 2) / (bw * np.sqrt(2 * np.pi))
    K = K * (1 - onp.eye(15))
    return -np.sum(np.log(np.sum(K, axis=1) / 14))


def weighted_stats(w):
    """np.average with traced weights (returned=True), np.nanmedian ignoring a NaN, np.ptp."""
    data = onp.concatenate([d_st[:6], [onp.nan]])
    m, sw = np.average(d_st[:6] * w, weights=np.exp(w), returned=True)
    return m + 0.1 * sw + np.nanmedian(data * w[0]) ** 2 + np.ptp(w * d_st[:6])


# ---------------------------------------------------------------- geometry / linalg (user G)
pts_g = _r.standard_normal((10, 3)) * onp.array([2.0, 1.0, 0.1])


def plane_lstsq(p):
    """A plane fit z = a x + b y + c by np.linalg.lstsq(rcond=None) of transformed points, the residual returned by it
    and recomputed."""
    P = pts_g * np.exp(p)
    A = np.column_stack([P[:, 0], P[:, 1], np.ones(10)])
    sol, res, rank, sv = np.linalg.lstsq(A, P[:, 2], rcond=None)
    return np.sum((A @ sol - P[:, 2]) ** 2) + res[0] + np.sum(sol**2)


def kabsch(a):
    """Kabsch alignment: rotate a point set by a learned axis-angle, recover the rotation by SVD with the det sign fix,
    and the RMSD."""
    Q = pts_g @ _rot(a).T + 0.01 * onp.arange(30).reshape(10, 3)
    H = (pts_g - pts_g.mean(0)).T @ (Q - Q.mean(0))
    U, S, Vt = np.linalg.svd(H)
    d = np.sign(np.linalg.det(Vt.T @ U.T))
    D = np.diag(np.array([1.0, 1.0, d]))
    R = Vt.T @ D @ U.T
    return np.sum(((pts_g - pts_g.mean(0)) @ R.T - (Q - Q.mean(0))) ** 2) + np.sum(S)


def _rot(a):
    c, s = np.cos(a[0]), np.sin(a[0])
    Rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    c2, s2 = np.cos(a[1]), np.sin(a[1])
    Rx = np.array([[1.0, 0.0, 0.0], [0.0, c2, -s2], [0.0, s2, c2]])
    return Rz @ Rx


def inertia_eigh(m):
    """An inertia tensor from traced masses, np.linalg.eigh's principal moments and axes, UPLO='U' eigvalsh too."""
    w = np.exp(m)
    c = np.sum(w[:, None] * pts_g, axis=0) / np.sum(w)
    X = pts_g - c
    r2 = np.sum(X**2, axis=1)
    I = np.sum(w * r2) * np.eye(3) - np.einsum("n,ni,nj->ij", w, X, X)
    vals, vecs = np.linalg.eigh(I)
    return vals[0] / vals[2] + np.abs(vecs[2, 0]) + np.sum(np.linalg.eigvalsh(I + np.triu(I, 1), UPLO="L"))


def qr_logdet(a):
    """A tall matrix's QR in 'reduced' and 'r' modes, Σ log|diag R|, and Q's projection residual."""
    A = a.reshape(5, 3)
    Q, R = np.linalg.qr(A)
    R2 = np.linalg.qr(A, mode="r")
    b = onp.arange(5.0)
    return np.sum(np.log(np.abs(np.diag(R)))) + np.sum((b - Q @ (Q.T @ b)) ** 2) + np.sum(R2**2)


def det_solve_inv(a):
    """A 4×4 system: det, solve with two right-hand sides, inv and a np.linalg.cond."""
    A = a.reshape(4, 4) + 4 * onp.eye(4)
    B = onp.arange(8.0).reshape(4, 2)
    X = np.linalg.solve(A, B)
    return np.log(np.abs(np.linalg.det(A))) + np.sum(X**2) + np.trace(np.linalg.inv(A)) + np.linalg.cond(A)


def matrix_norms(a):
    """Spectral (ord=2), nuclear, ∞ and −2 norms of a 3×4 matrix, np.linalg.matrix_norm, svdvals."""
    A = a.reshape(3, 4)
    return (
        np.linalg.norm(A, 2)
        + np.linalg.norm(A, "nuc")
        + np.linalg.norm(A, onp.inf)
        + np.linalg.norm(A, -2)
        + np.linalg.matrix_norm(A)
        + np.sum(np.linalg.svdvals(A) ** 3)
    )


def tri_area_heron(v):
    """Triangle areas by Heron (np.linalg.vector_norm of edges) and by np.linalg.cross in 3-D, matched."""
    P = v.reshape(3, 3)
    e = np.linalg.vector_norm(P - np.roll(P, 1, axis=0), axis=1)
    s = np.sum(e) / 2
    heron = np.sqrt(s * np.prod(s - e))
    cross = 0.5 * np.linalg.vector_norm(np.linalg.cross(P[1] - P[0], P[2] - P[0]))
    return (heron - cross) ** 2 + heron


# ---------------------------------------------------------------- indexing heavy (user H)
idx_i = onp.array([0, 3, 3, 1, -1, 2, 0])
seg = onp.array([0, 0, 1, 2, 2, 2, 1, 0])


def fancy_repeat(x):
    """Fancy indexing with repeats and negatives, a 2-D fancy pair, and an open mesh by np.ix_."""
    A = x.reshape(3, 4)
    v = x[idx_i]
    w = A[onp.array([0, 2, 2]), onp.array([1, 3, 1])]
    B = A[np.ix_(onp.array([0, 2]), onp.array([1, 1, 3]))]
    return np.sum(v**2 * onp.arange(7)) + np.sum(w**3) + np.sum(np.tanh(B))


def topk_along(x):
    """Top-3 per row by np.take_along_axis of np.argsort, scattered back by np.put_along_axis into zeros."""
    X = x.reshape(3, 5)
    order = np.argsort(-X, axis=1)[:, :3]
    top = np.take_along_axis(X, order, axis=1)
    Z = np.zeros_like(X)
    np.put_along_axis(Z, order, top * 2.0, axis=1)
    return np.sum(top**2) + np.sum(Z * X)


def segment_sums(x):
    """Segment sums by np.add.at into zeros (repeated ids), segment means by np.bincount with weights, a max by
    np.maximum.at."""
    s = np.zeros_like(x, shape=3)
    np.add.at(s, seg, x**2)
    cnt = np.bincount(seg)
    m = np.bincount(seg, weights=x, minlength=3) / cnt
    return np.sum(s * m) + np.sum(np.sin(s))


def bucketize(x):
    """np.searchsorted of traced values into constant edges (the bucket is constant), np.unique(return_inverse) of
    labels, per-bucket scales."""
    edges = onp.array([-1.0, 0.0, 1.0])
    b = np.searchsorted(edges, x)
    labels = onp.array([3, 1, 3, 2, 1, 1, 3, 2])
    u, inv = onp.unique(labels, return_inverse=True)
    scale = onp.array([0.5, 1.0, 2.0, 3.0])
    return np.sum(scale[b] * x**2) + np.sum(x * inv)


def masked_leaky(x):
    """A leaky clamp by boolean-mask assignment on a copy: y[y < 0] = 0.1 * y[y < 0], then y[mask] += 1."""
    y = x.copy()
    y[y < 0] = 0.1 * y[y < 0]
    y[x > 0.5] += 1.0
    return np.sum(y**2) + np.sum(y[onp.array([1, 1, 2])])


def select_piecewise(x):
    """np.select over three conditions and np.piecewise with lambdas; np.take(mode='wrap')."""
    y = np.select([x < -0.5, x > 0.5], [x**2, np.sin(x)], default=0.5 * x)
    z = np.piecewise(x, [x < 0, x >= 0], [lambda t: -(t**3), lambda t: t**2])
    return np.sum(y) + np.sum(z) + np.sum(np.take(x, onp.array([0, 9, 10, -12]), mode="wrap") ** 2)


POINTS = {
    "quat_rotate": onp.array([0.9, 0.2, -0.3, 0.4]),
    "planar_arm": onp.array([0.3, 0.4, -0.2, 0.5]),
    "rodrigues_log": onp.array([0.3, -0.4, 0.5]),
    "quat_to_matrix": onp.array([0.8, 0.3, -0.2, 0.4]),
    "dls_ik": onp.array([0.4, 0.6, -0.3]),
    "heading_wrap": onp.array([0.1, 0.5, 3.4, 0.6, 1.5]),
    "portfolio_var": onp.array([0.1, -0.2, 0.3, 0.0]),
    "cov_of_traced": onp.array([0.1, -0.2, 0.3, 0.05]),
    "max_drawdown": onp.array([0.5, -0.6, 0.3, 0.8]),
    "sortino": onp.array([0.4, 0.3, -0.2, 0.5]),
    "ledoit_wolf": onp.array([0.2, 0.5]),
    "var_es": onp.array([0.1, -0.2, 0.3, 0.0]),
    "risk_parity": onp.array([0.1, -0.2, 0.3, 0.0]),
    "fir_denoise": onp.array([0.1, 0.2, 0.3, 0.2, 0.1]),
    "xcorr_delay": onp.array([1.1, 0.3]),
    "power_spectrum": onp.array([3.2, 1.1]),
    "group_delay": onp.array([1.0, 0.6]),
    "stft_loss": onp.array([0.9, 3.3]),
    "spectral_shift": onp.linspace(-0.5, 0.7, 18),
    "seir_lockdown": onp.log(onp.array([0.9, 0.3, 0.2])),
    "competition_rk2": onp.array([1.0, 0.8, 0.5, 0.6]),
    "leslie_growth": onp.array([-0.5, 0.2, 0.1, 0.5, 0.3]),
    "harvest_map": onp.array([1.2, 1.0, 0.2]),
    "metapop_diffusion": onp.array([0.8, 0.1]),
    "barycentric": onp.array([0.2, 0.3, 0.1, 0.6, 0.1, 0.0, 0.3, 0.5, 0.2]),
    "phong": onp.array([0.0, 0.0, 0.5, 1.0, 0.1, 0.0, 0.0, 1.0, 0.1, -1.0, -0.8, 0.2]),
    "bezier_fit": onp.array([0.0, 0.0, 0.3, 0.8, 0.7, 0.6, 1.0, 0.1]),
    "look_at": onp.array([2.0, 1.0, 1.5]),
    "catmull_rom": onp.array([0.0, 0.8, 0.9, 0.1, -0.7, -1.0]),
    "mad_loss": onp.sin(onp.arange(9.0)) * 2,
    "quantile_reg": onp.array([0.3, 0.8]),
    "gmm_logsumexp": onp.array([-1.0, 0.5, 2.0, 0.1, -0.2, 0.3, 0.0, 0.5, -0.3]),
    "histogram_weights": onp.array([0.1, 0.4, 0.2, -0.1, 0.0]),
    "histogram_traced": onp.array([0.3]),
    "trimmed_winsor": onp.cos(onp.arange(12.0) * 1.3) * 3,
    "kde_loo": onp.array([-0.3]),
    "weighted_stats": onp.array([0.3, -0.5, 0.8, 0.1, 0.2, -0.4]),
    "plane_lstsq": onp.array([0.1, -0.2, 0.3]),
    "kabsch": onp.array([0.4, 0.3]),
    "inertia_eigh": onp.sin(onp.arange(10.0) ** 2),
    "qr_logdet": onp.sin(onp.arange(15.0) ** 2 * 0.9 + 0.2),
    "det_solve_inv": onp.cos(onp.arange(16.0) ** 2 * 0.7),
    "matrix_norms": onp.sin(onp.arange(12.0) ** 2 * 1.1 + 0.3),
    "tri_area_heron": onp.array([0.0, 0.1, 0.0, 1.0, 0.0, 0.2, 0.3, 0.9, 0.1]),
    "fancy_repeat": onp.sin(onp.arange(12.0) + 0.5),
    "topk_along": onp.sin(onp.arange(15.0) * 2.1),
    "segment_sums": onp.array([0.5, -0.3, 0.8, 0.2, 1.1, -0.6, 0.4, 0.9]),
    "bucketize": onp.array([-1.5, -0.4, 0.3, 1.2, 0.7, -0.2, 2.0, 0.1]),
    "masked_leaky": onp.array([-0.4, 0.2, 0.7, -1.2, 0.9, 0.1]),
    "select_piecewise": onp.linspace(-1.2, 1.1, 11),
}

GRAD = {
    "quat_rotate": (32.46137553460816, -1.9884151983229237, 42.7496212868037),  # jax, n=4
    "planar_arm": (1.2414422342623146, 1.21393258732183, 22.175292217768707),  # jax, n=4
    "rodrigues_log": (1.1964077298769624, 2.0931716789001187, 3.219089766650045),  # jax, n=3
    "quat_to_matrix": (0.09303221344899967, -1.2309084748098384, 23.679501034264),  # jax, n=4
    "dls_ik": (0.03871716279799123, 0.08294264556288072, 0.311688990651577),  # jax, n=3
    "heading_wrap": (1.1582757515536248, 0.35000706509087454, 1.5166199497701855),  # jax, n=5
    "portfolio_var": (0.3317958029762312, -0.09238264088319297, 0.017990481370252543),  # jax, n=4
    "cov_of_traced": (6.497896207905443, -8.499475981228574, 101.27968657675471),  # jax, n=4
    "max_drawdown": (0.2884479720079315, -0.13840469847639106, 0.06951737793367332),  # jax, n=4
    "sortino": (-0.6592608948339576, 1.5101984429984279, 5.2516340546047005),  # jax, n=4
    "ledoit_wolf": (1.4940716370887845, -2.0572927753760393, 22.339418756038217),  # jax, n=2
    "var_es": (0.17180751624471846, -0.20841453105042423, 0.043911449400488335),  # jax, n=4
    "risk_parity": (0.4161525028203622, -1.7956591166002276, 4.354301545661776),  # jax, n=4
    "fir_denoise": (0.154129052466674, 0.6424127021999166, 0.2741201310198582),  # jax, n=5
    "xcorr_delay": (17.134353015740366, 5.089285341669027, 294.8032928491131),  # jax, n=2
    "power_spectrum": (11.134781328892789, 0.1817900642052641, 6.011490307340562),  # jax, n=2
    "group_delay": (1.0027035653038079, -0.010400039435294557, 0.0002683862560211711),  # jax, n=2
    "stft_loss": (0.5849762525268516, 3.0246973932802645, 46.29348470454892),  # jax, n=2
    "spectral_shift": (0.967934555855408, -0.44422936789321227, 1.8725411600557462),  # jax, n=18
    "seir_lockdown": (0.016611054459128215, 0.09961652048544256, 0.017038308942537033),  # jax, n=3
    "competition_rk2": (1.1175814615826427, 0.8027767260867912, 0.5525688611145176),  # jax, n=4
    "leslie_growth": (0.11362067939063782, -0.13386634816108825, 0.19289606530113426),  # jax, n=5
    "harvest_map": (0.6192908650195279, 4.625471735090993, 59.0209933307669),  # jax, n=3
    "metapop_diffusion": (0.7169851147871459, 0.16893257424020086, 0.12401047822672796),  # jax, n=2
    "barycentric": (1.2001617406685305, -0.3872103568052947, 1.3715202779703215),  # jax, n=9
    "phong": (1.788199937272904, 2.160835457330733, 5.112899859494445),  # jax, n=12
    "bezier_fit": (0.7314575823197531, -0.05578998715557635, 4.300716015673576),  # jax, n=8
    "look_at": (0.06690267654340791, -0.015145358486840184, 0.0008617988105442615),  # jax, n=3
    "catmull_rom": (0.011988086818281585, 0.10409252437939012, 0.039589960268873285),  # jax, n=6
    "mad_loss": (3.4094647690968385, -0.38303885990045, 6.0175256312015595),  # jax, n=9
    "quantile_reg": (5.811235148651751, -2.501604626215204, 14.576561547422438),  # jax, n=2
    "gmm_logsumexp": (48.182256020303576, -0.3358571869881586, 38.88461360599416),  # jax, n=9
    "histogram_weights": (19.951253019011684, 0.855550679345748, 15.201703047853945),  # jax, n=5
    "histogram_traced": (0.4931337256184439, 0.12753857480079311, 0.05571979079815632),  # jax, n=1
    "trimmed_winsor": (4.312522975847175, 1.8061892678590865, 2.1412190480958193),  # jax, n=12
    "kde_loo": (23.754461834816503, -0.08546960702689878, 0.025023599023189468),  # jax, n=1
    "weighted_stats": (3.2068702192916136, -4.13134668380882, 10.520216849507738),  # jax, n=6
    "plane_lstsq": (0.36368879377638563, -0.7212627330141888, 0.5290865796592028),  # jax, n=3
    "kabsch": (31.884329865017968, -0.1992295957248857, 0.08685093676016922),  # jax, n=2
    "inertia_eigh": (46.12840542228529, 5.270308712206042, 447.8179544546843),  # jax, n=10
    "qr_logdet": (11.655824153547563, -6.85306138835779, 86.42292911001533),  # jax, n=15
    "det_solve_inv": (14.693295109227678, 0.7724987950132964, 5.740855757478501),  # jax, n=16
    "matrix_norms": (27.385720066189904, 3.8911974529535076, 405.6650269669726),  # jax, n=12
    "tri_area_heron": (0.42408725517280055, -0.28740012035335183, 0.7749999999999989),  # jax, n=9
    "fancy_repeat": (10.24071401895352, -11.331014987453443, 188.3609043985733),  # jax, n=12
    "topk_along": (10.751082325122788, -0.5399618716471396, 129.01298790147348),  # jax, n=15
    "segment_sums": (3.906684998914768, -0.8017215418200766, 14.101030866624049),  # jax, n=8
    "bucketize": (21.724999999999998, 2.836332460079833, 284.33),  # jax, n=8
    "masked_leaky": (8.665999999999999, -4.073404002210987, 39.60064),  # jax, n=6
    "select_piecewise": (15.965856738449332, -2.9998456902306745, 192.7478815440056),  # jax, n=11
}
PERTURBED = {
    "quat_rotate": (32.725277381424384, -1.8248094934894776, 36.039086891321105),  # jax, n=4
    "planar_arm": (1.0136683018511656, 1.1092611801684602, 14.936424294390862),  # jax, n=4
    "rodrigues_log": (1.1846377077645671, 2.0847969240528283, 3.2016751000017023),  # jax, n=3
    "quat_to_matrix": (0.00021126463610584998, -0.07041621921347611, 0.07011876090705427),  # jax, n=4
    "dls_ik": (0.015812187992311755, -0.03290358900463154, 0.06354665424225002),  # jax, n=3
    "heading_wrap": (1.146438622099016, 0.34004690730888015, 1.5100738537681881),  # jax, n=5
    "portfolio_var": (0.3324064560480702, -0.0878587367977269, 0.01719912047834729),  # jax, n=4
    "cov_of_traced": (6.7901832252955, -8.433221734089036, 105.060605495635),  # jax, n=4
    "max_drawdown": (0.2795283224829318, -0.05510989484848335, 0.06280699355177216),  # jax, n=4
    "sortino": (-0.763827206512127, 1.5251570532933567, 4.720385126161452),  # jax, n=4
    "ledoit_wolf": (1.7114643191625527, -2.2355712858251113, 26.58100376901917),  # jax, n=2
    "var_es": (0.16431366061613617, -0.2120961731046144, 0.045246086999765844),  # jax, n=4
    "risk_parity": (0.4139031476297602, -1.737545733347963, 4.19145054251997),  # jax, n=4
    "fir_denoise": (0.1521099241390127, 0.6290878286394662, 0.2613307691773506),  # jax, n=5
    "xcorr_delay": (18.135965994902573, 5.294972006707762, 302.7483856172878),  # jax, n=2
    "power_spectrum": (11.281413967170367, 0.1346585618406759, 3.527470115619136),  # jax, n=2
    "group_delay": (1.0029911077273046, -0.011259429580467559, 0.0003111714929383119),  # jax, n=2
    "stft_loss": (0.5638733887056431, -0.45247507973691575, 3.651414085869653),  # jax, n=2
    "spectral_shift": (0.9073444130009507, -0.475257300418962, 1.7691367639749513),  # jax, n=18
    "seir_lockdown": (0.023695537751380058, 0.1352741420380181, 0.03155671158789881),  # jax, n=3
    "competition_rk2": (1.1527459819855586, 0.8323702982622991, 0.5879837304069335),  # jax, n=4
    "leslie_growth": (0.13309977938025763, -0.14042072978197107, 0.2547838996528025),  # jax, n=5
    "harvest_map": (0.8464732949619271, 5.586605245567354, 83.25322740998092),  # jax, n=3
    "metapop_diffusion": (0.7342997829676016, 0.16264788068203978, 0.1259590420828871),  # jax, n=2
    "barycentric": (1.1949856972471213, -0.12529400880439215, 1.388620977400206),  # jax, n=9
    "phong": (1.7843003646668838, 3.238598806263681, 9.448987888675225),  # jax, n=12
    "bezier_fit": (0.7265642495520024, -0.011906712980362258, 3.9185678679850553),  # jax, n=8
    "look_at": (0.06587494215489119, -0.014653510987889069, 0.000774567255200821),  # jax, n=3
    "catmull_rom": (0.010474554110929062, 0.14387646965126283, 0.049486005231029404),  # jax, n=6
    "mad_loss": (3.6327138614083827, -0.4038369705893109, 6.297413823611287),  # jax, n=9
    "quantile_reg": (5.864043847947285, -2.3804467827599027, 13.877626205776526),  # jax, n=2
    "gmm_logsumexp": (47.938479154829636, -1.118173049922166, 35.774484547678775),  # jax, n=9
    "histogram_weights": (20.132856462359044, 0.879077722905282, 16.31642461119234),  # jax, n=5
    "histogram_traced": (0.5033901712744667, 0.13581035678444126, 0.0631818209251049),  # jax, n=1
    "trimmed_winsor": (4.266853742291814, 1.8007774178779175, 2.119392603240338),  # jax, n=12
    "kde_loo": (23.753369250400276, 0.05759172218163649, 0.011361782966907262),  # jax, n=1
    "weighted_stats": (3.250021558819552, -4.106034163427641, 10.656900521700456),  # jax, n=6
    "plane_lstsq": (0.36870753285557, -0.7311231487037929, 0.5437882949461031),  # jax, n=3
    "kabsch": (31.880235020500407, -0.1971186760463314, 0.08522192877976835),  # jax, n=2
    "inertia_eigh": (46.02045311061633, 5.222754010212665, 447.27963270028005),  # jax, n=10
    "qr_logdet": (11.961179300944238, -9.110622789742, 90.14906943837886),  # jax, n=15
    "det_solve_inv": (14.665244333560501, 0.779484280701682, 5.577405807409036),  # jax, n=16
    "matrix_norms": (28.106785665534467, 3.864285521816274, 424.59219461031194),  # jax, n=12
    "tri_area_heron": (0.40738811068055786, -0.29000556962621127, 0.7637525124056403),  # jax, n=9
    "fancy_repeat": (11.103315551654628, -11.250420638834838, 206.67632905782625),  # jax, n=12
    "topk_along": (11.040015918326922, -0.1367096729041188, 132.48019101992307),  # jax, n=15
    "segment_sums": (4.035740235705927, -0.8615774460123974, 14.706438952020077),  # jax, n=8
    "bucketize": (21.842711254854315, 2.98025697285746, 285.88278206694343),  # jax, n=8
    "masked_leaky": (8.626386784641289, -4.178295275494096, 39.439796901627304),  # jax, n=6
    "select_piecewise": (15.09885270766845, -2.7578827652096978, 177.92251543695562),  # jax, n=11
}
HESS = {
    "quat_rotate": (3.5711246275163755, 1873.5836907609596),  # jax, n=4
    "planar_arm": (-2.0412920685788287, 238.4761159087807),  # jax, n=4
    "rodrigues_log": (-0.11446844541692884, 11.905730239512597),  # jax, n=3
    "quat_to_matrix": (16.07820611451445, 11763.906934997261),  # jax, n=4
    "dls_ik": (-3.480201607092741, 63.30654957869368),  # jax, n=3
    "heading_wrap": (-0.19920315563989774, 94.60000000000001),  # jax, n=5
    "portfolio_var": (0.08774274113932708, 0.08354889074122471),  # jax, n=4
    "cov_of_traced": (1.3486860986423814, 160.55379751239386),  # jax, n=4
    "max_drawdown": (0.02490065847039279, 0.05851270092010715),  # jax, n=4
    "sortino": (1.089865230460377, 27.641539384824597),  # jax, n=4
    "ledoit_wolf": (-3.5663704056528287, 89.2428937945916),  # jax, n=2
    "var_es": (-0.07550001071468057, 0.022758555721839414),  # jax, n=4
    "risk_parity": (1.0365280963039742, 62.05105989863079),  # jax, n=4
    "fir_denoise": (-0.26649747120900874, 2.479680862999305),  # jax, n=5
    "xcorr_delay": (2.4705838842437147, 106.62781781013325),  # jax, n=2
    "power_spectrum": (1.3393384475183694, 116.65386373299863),  # jax, n=2
    "group_delay": (-0.01697513748482185, 0.014740677339602026),  # jax, n=2
    "stft_loss": (-252.08205228191994, 449576.2161860058),  # jax, n=2
    "spectral_shift": (-0.62055865051499, 8.6953125),  # jax, n=18
    "seir_lockdown": (0.6297931328167792, 0.7612434034200878),  # jax, n=3
    "competition_rk2": (0.5895106524100635, 2.4761696966077515),  # jax, n=4
    "leslie_growth": (-0.13418914055125294, 1.9094610406542518),  # jax, n=5
    "harvest_map": (18.777549453182804, 2567.96594955908),  # jax, n=3
    "metapop_diffusion": (-0.22260363125305346, 0.391940779884987),  # jax, n=2
    "barycentric": (5.63941087800791, 152.19768607345455),  # jax, n=9
    "phong": (-1.8993376648529712, 100.58984696073448),  # jax, n=12
    "bezier_fit": (0.8776654835042892, 56.71133327363431),  # jax, n=8
    "look_at": (0.009966060711510405, 0.0014255507683937504),  # jax, n=3
    "catmull_rom": (0.7956789054374673, 15.89230548185),  # jax, n=6
    "mad_loss": (-0.41596221377721754, 2.0),  # jax, n=9
    "quantile_reg": (2.4231568691060335, 38.4980951270304),  # jax, n=2
    "gmm_logsumexp": (-14.593344128943205, 585.1118557747509),  # jax, n=9
    "histogram_weights": (0.425474292152036, 36.23149283273731),  # jax, n=5
    "histogram_traced": (0.16973912698807916, 0.1393837021093025),  # jax, n=1
    "trimmed_winsor": (-0.1082369996233749, 0.4072),  # jax, n=12
    "kde_loo": (2.856015793064951, 39.46110810007071),  # jax, n=1
    "weighted_stats": (0.5019394390982298, 3.875009121146354),  # jax, n=6
    "plane_lstsq": (-0.19554337560445836, 2.1164137169177155),  # jax, n=3
    "kabsch": (0.03914418576797572, 0.11119514166828046),  # jax, n=2
    "inertia_eigh": (-0.9658823859023701, 347.4164630296766),  # jax, n=10
    "qr_logdet": (-48.46605756228427, 798.0157407891455),  # jax, n=15
    "det_solve_inv": (0.16257525823718638, 9.039571593344292),  # jax, n=16
    "matrix_norms": (-0.7438009685226915, 824.4526030060772),  # jax, n=12
    "tri_area_heron": (-0.08811388243533355, 4.8395885460105585),  # jax, n=9
    "fancy_repeat": (1.6374730396360424, 414.0466671329863),  # jax, n=12
    "topk_along": (6.9863905790417515, 324.0),  # jax, n=15
    "segment_sums": (-1.2076384194624474, 52.82540462887531),  # jax, n=8
    "bucketize": (2.878490255552512, 129.0),  # jax, n=8
    "masked_leaky": (-2.097825465662168, 16.000799999999998),  # jax, n=6
    "select_piecewise": (4.829208007935467, 303.11919009539537),  # jax, n=11
}


#: the programs whose trace reads a traced value's number (np.nanmedian's NaN mask, searchsorted's buckets as a
#: Python index): refused by dl.prepare by name, differentiated fresh (argsort's indices written by put_along_axis
#: are recorded since scatter65: the registry's put_along)
SPECIALISED = frozenset({"weighted_stats", "bucketize"})
#: the costly cells, checked once by the cheapest exact method instead of every method (this file's CPU budget):
#: the loops' (SEIR, competition, Ricker) and power_spectrum's symbolic build (2.5 s of SymPy for 32 complex bins)
ONE_METHOD = {"seir_lockdown": "reverse", "competition_rk2": "reverse", "harvest_map": "forward"}
NO_SYMBOLIC = frozenset(
    {"power_spectrum", "quat_rotate", "group_delay", "stft_loss", "spectral_shift", "metapop_diffusion"}
)
ALL_CASES = [
    (n, m)
    for n in POINTS
    for m in METHODS
    if (n not in ONE_METHOD or ONE_METHOD[n] == m) and not (m == "symbolic" and n in NO_SYMBOLIC)
]
#: the default tier (tests/tier.py): one method per program (by tier.one_per's hash: each of the four picked for
#: some), at both points, fresh and prepared; the full tier every cell (all cells take 4.8 s, this file's budget 2 CPU-s)
CASES = one_per(ALL_CASES, lambda c: c[0])


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
        specialised=name in SPECIALISED,
    )


#: the Hessians checked, one exact method each (forward or reverse, alternating): the cheap ones
HESS_CASES = [
    (n, "forward" if k % 2 else "reverse")
    for k, n in enumerate(
        [
            "planar_arm", "rodrigues_log", "quat_to_matrix", "dls_ik", "portfolio_var", "sortino",
            "risk_parity", "xcorr_delay", "leslie_growth", "barycentric", "look_at",
            "gmm_logsumexp", "plane_lstsq", "kabsch", "inertia_eigh", "qr_logdet",
            "det_solve_inv", "matrix_norms", "tri_area_heron", "segment_sums",
        ]
    )
]  # fmt: skip


@pytest.mark.parametrize("name, method", HESS_CASES)
def test_hessian_of_user_code(name, method):
    """dl.hessian equals jax.hessian's (uᵀHv and ΣH², u = cos(k + 1), v = sin(k + 1))."""
    check_hessian(globals()[name], POINTS[name], method, HESS[name])


# ---------------------------------------------------------------- what the users met, fixed


def test_put_along_axis_by_argsorts_traced_indices():
    """np.put_along_axis(Z, order, …) with order = np.argsort(…) of a traced array (top-k scattered back): main refused
    the traced indices ("give them as a NumPy array"); then they were read (the trace specialised, dl.prepare refusing
    it); now recorded (the registry's put_along), so the prepared f is reused at other orders (tests/test_scatter65.py).
    JAX's put_along_axis(inplace=False) gives this gradient."""
    x = POINTS["topk_along"]
    for method in METHODS:
        check_gradient(GRAD["topk_along"], *dl.value_and_grad(topk_along, method=method)(x), gradient_tol(method))
    p = dl.prepare(topk_along, x)
    check_gradient(GRAD["topk_along"], p(x), p.grad(x), gradient_tol("reverse"))

    def put_flat(x):
        z = np.zeros_like(x)
        np.put(z, np.argsort(x)[:2], x[:2] ** 2)
        return np.sum(z * np.arange(4.0))

    # d/dx of Σ_k k·z_k, z[argsort(x)[:2]] = x[:2]²: at x = (0.3, -1, 2, 0.1) argsort = (1, 3, 0, 2): 2·x₀·1, 2·x₁·3
    np.testing.assert_array_equal(dl.grad(put_flat)(onp.array([0.3, -1.0, 2.0, 0.1])), [0.6, -6.0, 0.0, 0.0])


def test_writing_a_column_beside_a_live_view_of_another():
    """`x = traj[:, t]; traj[:, t + 1] = f(x)` (Heun's method into a preallocated table): NumPy's write leaves the view
    x as it is (other elements), so it is NumPy's; main refused it ("NumPy would change both"). A write that does
    overlap a live view is still refused by name."""
    x = POINTS["competition_rk2"]  # (every method: test_gradient_of_user_code_at_two_points's full tier)
    check_gradient(GRAD["competition_rk2"], *dl.value_and_grad(competition_rk2)(x), 1e-9)

    def overlapping(p):
        y = np.zeros_like(p, shape=4)
        y[:2] = p
        v = y[1:3]
        y[2:] = 2 * p  # v's last element written: NumPy's v changes, difflab's could not
        return np.sum(v * y)

    with pytest.raises(UnsupportedOperationError, match="shares its elements with another one still in use"):
        dl.grad(overlapping)(onp.array([1.0, 2.0]))


def test_symbolic_compares_with_nan_data_as_numpy_does():
    """A traced value compared with data holding NaN (np.where(x > c, …), np.maximum(x, c)): NumPy's comparison is
    False (!= True), its maximum NaN; the symbolic method raised SymPy's bare "TypeError: Invalid NaN comparison"."""
    c = onp.array([onp.nan, 0.5])
    x = onp.array([1.0, 2.0])
    cases = [
        (lambda x: np.sum(np.where(x > c, x**2, 3 * x)), 7.0, [3.0, 4.0]),
        (lambda x: np.sum(np.where(c <= x, x**2, 3 * x)), 7.0, [3.0, 4.0]),
        (lambda x: np.sum(np.where(x != c, x**2, 3 * x)), 5.0, [2.0, 4.0]),
        (lambda x: np.maximum(x, c)[1] + np.minimum(x, c)[1], 2.5, [0.0, 1.0]),
    ]
    for f, value, grad in cases:
        for method in ("symbolic", "reverse"):
            v, g = dl.value_and_grad(f, method=method)(x)
            assert float(v) == value
            np.testing.assert_array_equal(g, grad)
    v, g = dl.value_and_grad(lambda x: np.sum(np.maximum(x, c)), method="symbolic")(x)
    assert np.isnan(v) and np.isnan(g).all()  # (a NaN value's gradient is NaN, DESIGN.md §6, as reverse's)


def test_symbolic_angle_of_an_exact_zero_is_numpys():
    """np.unwrap(np.angle(np.fft.rfft(h))) where h is a constant zero signal beside traced terms: NumPy's angle(0) and
    arctan2(0, 0) are 0, SymPy's atan2(0, 0) nan, which unwrap's comparison then raised on (symbolic only)."""

    def f(x):
        h = np.concatenate([x[:0], np.zeros(2)])
        return np.sum(x**2) + np.sum(np.unwrap(np.angle(np.fft.rfft(h, n=8)))) + np.sum(np.arctan2(0 * x, 0 * x))

    x = onp.array([1.0, 2.0])
    for method in ("symbolic", "forward", "reverse"):
        v, g = dl.value_and_grad(f, method=method)(x)
        assert float(v) == 5.0
        np.testing.assert_array_equal(g, [2.0, 4.0])


A_bad = onp.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, A: m.diff(A, axis=2),
        lambda m, A: m.take(A, onp.array([0]), axis=2),
        lambda m, A: m.take_along_axis(A, onp.zeros((2, 1), int), axis=2),
        lambda m, A: m.trapezoid(A, axis=2),
        lambda m, A: m.median(A, axis=2),
        lambda m, A: m.quantile(A, 0.5, axis=2),
        lambda m, A: m.moveaxis(A, 2, 0),
        lambda m, A: m.roll(A, 1, axis=2),
        lambda m, A: m.swapaxes(A, 0, 2),
    ],
    ids=[
        "diff",
        "take",
        "take_along_axis",
        "trapezoid",
        "median",
        "quantile",
        "moveaxis",
        "roll",
        "swapaxes",
    ],
)
def test_an_axis_out_of_range_is_numpys_axis_error(call):
    """An axis past the array's dimensions: NumPy's AxisError, traced or not. Main wrapped it (`axis % ndim`: diff,
    take, take_along_axis, trapezoid, median, quantile and moveaxis of a matrix along axis 2 answered along axis 0,
    silently), or raised bare IndexErrors (roll, swapaxes)."""
    with pytest.raises(
        (IndexError, ValueError)
    ):  # (NumPy's trapezoid: IndexError 'list assignment index out of range')
        call(onp, A_bad)
    with pytest.raises(onp.exceptions.AxisError, match="out of bounds for array of dimension"):
        call(np, A_bad)
    with pytest.raises(onp.exceptions.AxisError, match="out of bounds for array of dimension"):
        dl.grad(lambda A: np.sum(call(np, A)))(A_bad)


def test_numpys_errors_where_main_raised_bare_ones_or_answered():
    """np.roll's shift and axis broadcast as NumPy's (roll(x, (1, 2), axis=0) shifts by 3: main by 1, silently);
    np.convolve/np.correlate of a matrix NumPy's "object too deep" (main convolved its rows, silently), of a number a
    1-sequence; np.average's weights of another shape and no axis, NumPy's TypeError (main: IndexError 'tuple index
    out of range'); np.diff of a 0-d array or a negative order and np.cross of a 0-d one, NumPy's ValueError (main:
    ZeroDivisionError, or x itself for n=-1)."""
    x = onp.arange(4.0)
    np.testing.assert_array_equal(np.roll(x, (1, 2), axis=0), onp.roll(x, (1, 2), axis=0))
    g = dl.grad(lambda x: np.roll(x, (1, 2), axis=0) @ onp.array([1.0, 0.0, 0.0, 0.0]))(x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0, 0.0])  # out[0] = x[1] after a shift by 3
    with pytest.raises(ValueError, match="cannot be broadcast"):
        np.roll(A_bad, (1, 2, 3), axis=(0, 1))
    with pytest.raises(ValueError, match="object too deep"):
        np.convolve(onp.ones((2, 2)), [1.0])
    with pytest.raises(ValueError, match="object too deep"):
        dl.grad(lambda v: np.sum(np.correlate(v, onp.ones((2, 2)))))(onp.ones(2))
    with pytest.raises(ValueError, match="a cannot be empty"):
        np.convolve([], [1.0])
    np.testing.assert_array_equal(np.convolve(2.0, [1.0, 2.0]), [2.0, 4.0])
    with pytest.raises(TypeError, match="Axis must be specified when shapes of a and weights differ"):
        dl.grad(lambda w: np.average(onp.arange(3.0) * w[0], weights=w[0]))(onp.ones(3))
    with pytest.raises(ValueError, match="Length of weights not compatible"):
        np.average(A_bad, axis=1, weights=onp.ones(2))
    with pytest.raises(ValueError, match="diff requires input that is at least one dimensional"):
        dl.grad(lambda x: np.sum(np.diff(x[0])))(x)
    with pytest.raises(ValueError, match="order must be non-negative"):
        np.diff(x, n=-1)
    with pytest.raises(ValueError, match="At least one array has zero dimension"):
        dl.grad(lambda x: np.sum(np.cross(x[0], x[:3])))(x)


def test_a_list_holding_traced_values_given_to_a_registry_op():
    """dnp.exp([x, 2 * x]), dnp.sin(h) for h a list leaf of the argument, dnp.add([[x, 1], [2, x]], x): NumPy converts
    the list to an array; difflab.numpy's derived functions stacked such a list already, its registry ops (exp, sin,
    add, maximum) refused it with the conversion error whose advice was "use the difflab.numpy function" (the one
    called). Now stacked, as NumPy converts it."""
    want = onp.exp(0.5) + 2 * onp.exp(1.0)
    for method in METHODS:
        assert dl.grad(lambda x: np.sum(np.exp([x, 2 * x])), method=method)(0.5) == pytest.approx(want, rel=1e-9)
    assert dl.grad(lambda h: np.sum(np.sin(h)))([0.3, 0.2]) == pytest.approx(list(onp.cos([0.3, 0.2])), rel=1e-15)
    assert dl.grad(lambda x: np.sum(np.add([[x, 1.0], [2.0, x]], x)))(0.5) == 6.0
    assert dl.grad(lambda x: np.sum(np.maximum([x, -x, 1.0], 0.2)))(0.5) == 1.0
    assert dl.prepare(lambda x: np.sum(np.exp([x, 2 * x])), 0.5).grad(0.7) == pytest.approx(
        onp.exp(0.7) + 2 * onp.exp(1.4), rel=1e-12
    )
