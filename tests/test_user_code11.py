"""What a user writes, round 11: functions in plain NumPy written with idioms the first ten rounds do not cover.

einsum with '...' and repeated indices ('...ii->...', 'ii->i', implicit '...ii'), a fit by np.linalg.lstsq (variable
projection of two exponentials), an orthonormal frame by np.linalg.qr with signs fixed by np.sign(np.diag(R)), a
damped oscillator's spectral abscissa by np.linalg.eig's eigenvalues, a three-piece loss by nested np.where, a mesh's
lumped areas by np.add.at over repeated vertex ids, an SVM's squared hinge by boolean masks (m[m > 0]),
stick-breaking weights by np.cumprod and np.cumsum, a string's leapfrog wave equation by in-place slice writes in a
loop, np.clip/np.maximum activations, a weighted np.polyfit with np.polyder, a time warp np.interp'ed at traced
times, blind deconvolution by np.convolve and np.correlate, a learned low-pass by np.fft.rfft/irfft, kernel ridge by
np.meshgrid and np.subtract.outer, a GP likelihood by difflab.scipy.linalg's cholesky and solve_triangular,
distillation by keepdims log-softmaxes at a learned temperature, a group lasso by np.linalg.norm(axis=...), gyroscope
integration by quaternion products, Euler's rigid-body equations by np.cross, bearing-only localisation by
np.arctan2, least trimmed squares by np.sort and np.partition, robust scaling by np.median and
np.percentile/np.quantile with methods, ListNet by a plain loop over rows, GNN max aggregation by np.maximum.at and
np.multiply.at over repeated destinations, and softmax regression on float32 data.

Each one's value and gradient under every method at its point (fresh) and at a second point x + 0.05·sin(k + 1) (the
function prepared at the first), against JAX x64 (f, g·cos(k + 1) and |g|² of the flattened gradient, stored here so
CI, without JAX, asserts them); Hessians of fifteen.

What they met (first run, 26 functions × 4 methods: 25 × 4 gradients right at the first point; wave_inplace and
add_at_mesh as written first, refused with the remedy, are below). np.interp at traced x was specialised, so
dl.prepare refused interp_warp: each x's interval is now counted in the graph (tests/test_user_code6's interp_knots,
traced knots, is prepared too). The symbolic Hessian of rfft_lowpass was a bare NameError 'DiracDelta': |z| of an FFT
term SymPy knows is real (the DC term) went to SymPy's Abs, whose second derivative lambdify cannot print; it is the
registry's abs now. np.percentile/np.quantile/np.nanquantile took only method='linear' (quantile_scale's 'midpoint'
and 'nearest' were refused): every NumPy method now. np.maximum.at and np.multiply.at (x.at[].max/.multiply/...) with
a repeated index were refused (gnn_max): applied once per repetition now, NumPy's and JAX's values. np.cumsum and
np.cumprod refused dtype= (stick_breaking): a float dtype is taken, an integer one refused by name as sum's is. Refused with the
right remedy (NumPy does not let difflab intercept them): np.add.at into np.zeros(6) and a slice write into a NumPy
copy of a constant (written here as the remedy says, np.zeros_like(v, shape=...)); scipy.linalg.cholesky of a traced
matrix (names difflab.scipy.linalg.cholesky). The symbolic method's Hessians were slow through linear algebra and
sorts: varpro_lstsq 87 s (lstsq of a 12×2 design), trimmed_lts 28 s (sorts of 12), rbf_meshgrid 15 s (a 6×6 solve),
gp_cholesky 11 s (6×6 cholesky), wall clock on a loaded machine; 22.3, 6.1, 4.1 and 4.1 s of CPU when measured again
(after a warm-up Hessian). lstsq's pinv of the 12×2 design was SymPy's closed form, whose entries divide by
det(AᵀA), written out again in every partial (the opaque kind above 3 rows or columns now), and SymPy's derivative of
the partition's Piecewise inside an adjoint's sum merged its pieces (taken piece by piece now, and the sort weights'
products without SymPy's Derivative objects): 1.3 and 0.8 s; the solve and cholesky, through their opaque kinds'
entry rules, 3.8 and 3.5 s. trimmed_lts's joins the Hessian test's symbolic cases. With cotangent rules in matrix
form for the opaque inv, cholesky and pinv (each matrix pulled back once, not n² partials per entry:
tests/test_symbolic_linalg_reverse.py; a triangular matrix's inverse by its triangle), rbf_meshgrid 0.95 s,
varpro_lstsq 0.36 s and gp_cholesky 0.93 s: all three join the Hessian test's symbolic cases too. And
dl.vmap(dl.grad(rfft_lowpass, method="symbolic")) was refused by name (as on main: the real |z| had no difflab
op to run it as); given one (the registry's abs), it answered NaN at the second point: SymPy's |a + ib|, sqrt(a² + b²),
has the partial a/sqrt(a² + b²), 0/0 where a bin computed on traced values was exactly 0 (the plain symbolic gradient
of Σ|fft(x)| at x = (1, 1, 1, 1) was NaN too, silently); |z| is a named function of a and b now, its partials 0 at
z = 0 as cabs's rule, and the vmap gives JAX's gradients."""

import warnings

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
import difflab.scipy.linalg as dsla
from user_code import METHODS, at_two_points, check_gradient, flat, gradient_tol, hessian_test, perturbed

# ---------------------------------------------------------------- data
_r = np.random.default_rng(44)
V_ee = _r.normal(size=(2, 3))
T_ee = _r.normal(size=(2, 3))
t_vp = np.linspace(0.0, 3.0, 12)
y_vp = 1.5 * np.exp(-0.7 * t_vp) + 0.6 * np.exp(-2.5 * t_vp) + 0.01 * np.sin(7 * t_vp)
Y_qr = _r.normal(size=(4, 2))
T_qr = _r.normal(size=(3, 2))
X_pw = np.column_stack([np.ones(10), np.linspace(-1.0, 1.0, 10), np.cos(np.arange(10.0))])
y_pw = np.array([0.3, -1.8, 0.9, 2.6, -0.2, 0.4, 1.4, -0.9, 3.1, 0.5])
tri_am = np.array([[0, 1, 2], [1, 3, 2], [2, 3, 4], [3, 5, 4], [1, 5, 3]])
target_am = np.array([0.2, 0.35, 0.3, 0.45, 0.25, 0.2])
X_mh = _r.normal(size=(9, 3))
y_mh = np.where(_r.normal(size=9) > 0, 1.0, -1.0)
keep_mh = np.array([True, True, False, True, True, True, False, True, True])
x_sb = np.array([-1.2, -0.4, 0.1, 0.5, 1.7, 2.2, -0.9])
mu_sb = np.linspace(-1.5, 2.0, 5)
x_wv = np.linspace(0.0, 1.0, 9)
u0_wv = np.sin(np.pi * x_wv)
target_wv = 0.8 * np.sin(np.pi * x_wv) * np.cos(0.3)
X_cm = _r.normal(size=(7, 3))
y_cm = np.sin(X_cm[:, 0]) + 0.5 * X_cm[:, 1]
t_pf = np.linspace(0.0, 1.0, 9)
w_pf = 1.0 + np.linspace(0.0, 1.0, 9)
t_iw = np.linspace(0.0, 1.0, 11)
grid_iw = np.linspace(0.0, 1.0, 8)
obs_iw = np.sin(2 * np.pi * t_iw**1.3)
sig_bd = np.array([0.0, 1.0, 0.0, 0.0, 2.0, 0.5, 0.0, 0.0])
obs_bd = np.convolve(sig_bd, [0.2, 0.5, 0.3], mode="full") + 0.01 * np.cos(np.arange(10.0))
tmpl_bd = np.array([1.0, -1.0, 0.5])
t_fl = np.arange(16.0)
clean_fl = np.sin(2 * np.pi * t_fl / 16) + 0.5 * np.cos(2 * np.pi * 2 * t_fl / 16)
noisy_fl = clean_fl + 0.3 * np.sin(2 * np.pi * 6 * t_fl / 16 + 0.4)
xg_rb = np.linspace(-1.0, 1.0, 6)
yg_rb = np.cos(2.0 * xg_rb) + 0.05 * np.sin(9 * xg_rb)
xt_rb = np.array([-0.8, -0.1, 0.45, 0.9])
yt_rb = np.cos(2.0 * xt_rb)
X_gp = _r.normal(size=(6, 2))
y_gp = np.sin(X_gp[:, 0]) + 0.3 * X_gp[:, 1]
X_kd = _r.normal(size=(5, 3))
teach_kd = _r.normal(size=(5, 4)) * 2.0
lab_kd = np.array([0, 3, 1, 1, 2])
X_gl = _r.normal(size=(10, 4))
y_gl = X_gl @ np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 0.0], [0.2, 0.3]]) + 0.1
omega_qg = np.stack([np.sin(np.arange(6.0)), np.cos(np.arange(6.0) * 0.5), 0.3 * np.ones(6)], axis=1)
v_qg = np.array([0.0, 0.0, 1.0])
target_qg = np.array([0.3, -0.4, 0.85])
w0_eu = np.array([0.5, -0.2, 1.0])
target_eu = np.array([0.4, 0.1, 0.9])
beacons_bf = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 3.0], [0.0, 3.0], [2.0, -1.0]])
bearing_bf = np.array([0.62, 2.48, -2.45, -0.78, 1.65])
X_lt = np.column_stack([np.ones(12), np.linspace(-2.0, 2.0, 12)])
y_lt = 0.5 + 1.2 * X_lt[:, 1] + 0.1 * np.sin(np.arange(12.0) * 2.1)
y_lt[[3, 8]] += np.array([4.0, -5.0])
D_qs = _r.normal(size=(9, 3)) * np.array([1.0, 3.0, 0.5]) + np.array([0.0, 2.0, -1.0])
rel_ln = np.array([[3.0, 1.0, 0.0, 2.0], [0.0, 2.0, 1.0, 0.0], [1.0, 0.0, 3.0, 1.0]])
F_ln = _r.normal(size=(3, 4, 2))
H_gm = _r.normal(size=(5, 3))
src_gm = np.array([0, 1, 2, 3, 4, 0, 2, 4, 1])
dst_gm = np.array([1, 2, 1, 0, 1, 3, 3, 2, 4])
y_gm = np.array([0.5, 1.2, -0.3, 0.8, 0.1])
X_f32 = _r.normal(size=(8, 3)).astype(np.float32)
lab_f32 = np.array([0, 1, 2, 1, 0, 2, 2, 1])


# ---------------------------------------------------------------- functions
def einsum_ellipsis(a):
    """Two 3×3 maps: traces by einsum('...ii->...'), products by '...ij,...j->...i', a Frobenius term by
    'bij,bij->b', the diagonal of a product by 'ii->i' (repeated indices) and implicit-output '...ii'."""
    A = a.reshape(2, 3, 3)
    tr = np.einsum("...ii->...", A)
    Av = np.einsum("...ij,...j->...i", A, V_ee)
    fro = np.einsum("bij,bij->b", A, A)
    d = np.einsum("ii->i", A[0] @ A[1])
    return (
        np.sum((tr - 1.0) ** 2)
        + np.sum((Av - T_ee) ** 2)
        + 0.1 * np.sum(fro)
        + np.sum(np.sin(d))
        + np.einsum("...ii", A).sum()
    )


def varpro_lstsq(p):
    """Two-exponential fitting by variable projection: the rates' design np.exp(-np.outer(t, k)), the linear
    amplitudes by np.linalg.lstsq, the projected residual's sum of squares."""
    k = np.exp(p)
    Phi = np.exp(-np.outer(t_vp, k))
    c, *_ = np.linalg.lstsq(Phi, y_vp, rcond=None)
    r = y_vp - Phi @ c
    return 1e3 * np.sum(r**2) + 0.01 * np.sum(c**2)


def qr_frame(m):
    """An orthonormal 4×3 frame by np.linalg.qr of a free matrix, signs fixed by np.sign(np.diag(R)), fitted to
    targets; log|diag R| as a volume term."""
    Q, R = np.linalg.qr(m.reshape(4, 3))
    Q = Q * np.sign(np.diag(R))
    return np.sum((Q.T @ Y_qr - T_qr) ** 2) + 0.1 * np.sum(np.log(np.abs(np.diag(R))))


def eig_damping(p):
    """A two-mass spring-damper's state matrix (non-symmetric): its eigenvalues by np.linalg.eig, the spectral
    abscissa np.max(w.real) plus Σ|λ|² towards a target."""
    k1, k2, c1, c2 = np.exp(p)
    K = np.array([[1.0, 0.0], [0.0, 0.0]]) * (k1 + k2) + np.array([[0.0, -1.0], [-1.0, 1.0]]) * k2
    C = np.diag(np.stack([c1, c2]))
    A = np.block([[np.zeros((2, 2)), np.eye(2)], [-K, -C]])
    w, V = np.linalg.eig(A)
    return np.max(w.real) + 0.1 * (np.sum(np.abs(w) ** 2) - 6.0) ** 2


def piecewise_where(w):
    """A three-piece robust regression loss by nested np.where: quadratic in the middle, linear slopes 2 and ½
    outside, with different thresholds on either side."""
    r = y_pw - X_pw @ w
    loss = np.where(r > 1.0, 2.0 * r - 1.0, np.where(r < -0.5, -0.5 * r, r**2))
    return np.mean(loss)


def add_at_mesh(v):
    """A triangle mesh's lumped vertex areas: signed areas of fancy-indexed corners, scattered by np.add.at with
    repeated vertex ids, plus a gathered edge length term by v[idx] with repeats."""
    P = v.reshape(6, 2)
    a, b, c = P[tri_am[:, 0]], P[tri_am[:, 1]], P[tri_am[:, 2]]
    area = 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
    lumped = np.zeros_like(v, shape=6)
    np.add.at(lumped, tri_am.ravel(), np.repeat(area / 3.0, 3))
    e = P[tri_am[:, [1, 2, 0]].ravel()] - P[tri_am.ravel()]
    return np.sum((lumped - target_am) ** 2) + 0.01 * np.sum(e**2)


def masked_hinge(w):
    """A linear SVM's squared hinge over the rows a constant boolean mask keeps, summed over the violated margins
    only by a value-dependent mask m[m > 0], plus a ridge on the weights a mask selects."""
    m = 1.0 - y_mh[keep_mh] * (X_mh[keep_mh] @ w)
    return np.sum(m[m > 0] ** 2) + 0.1 * np.sum(w[np.array([True, False, True])] ** 2)


def stick_breaking(p):
    """A truncated stick-breaking mixture: weights v·cumprod(1 - v) shifted, a Gaussian mixture's log-likelihood,
    and the mixing CDF np.cumsum(w, dtype=np.float64) pulled towards uniform."""
    v = special.expit(p)
    rest = np.cumprod(1.0 - v)
    w = v * np.concatenate([np.ones(1), rest[:-1]])
    w = np.concatenate([w, rest[-1:]])
    dens = w * np.exp(-0.5 * (x_sb[:, None] - mu_sb) ** 2) / np.sqrt(2 * np.pi)
    cdf = np.cumsum(w, dtype=np.float64)
    return -np.sum(np.log(np.sum(dens, axis=1))) + np.sum((cdf - np.linspace(0.2, 1.0, 5)) ** 2)


def wave_inplace(c):
    """A string's wave equation by leapfrog: u_next[1:-1] written in place from a copy each step, the ends pinned
    by u_next[0] = u_next[-1] = 0, the per-cell speed learned."""
    c2 = np.exp(c)
    u = np.zeros_like(c, shape=9) + u0_wv
    u_prev = u.copy()
    for _ in range(6):
        u_next = u.copy()
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + 0.05 * c2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_next[0] = u_next[-1] = 0.0
        u_prev, u = u, u_next
    return np.sum((u - target_wv) ** 2) * 10


def clip_mlp(p):
    """An MLP with ReLU6 by np.clip(z, 0, 6) and leaky ReLU by np.maximum(0.1 z, z), a dict of parameters."""
    h = np.clip(X_cm @ p["W1"] + p["b1"], 0.0, 6.0)
    h = np.maximum(0.1 * (h @ p["W2"]), h @ p["W2"])
    return np.mean((h @ p["w3"] - y_cm) ** 2)


def polyfit_velocity(y):
    """A weighted cubic by np.polyfit(w=) through positions, its velocity by np.polyder and np.polyval, a peak
    speed penalty and a smoothness term on np.polyder's second derivative."""
    c = np.polyfit(t_pf, y, 3, w=w_pf)
    v = np.polyval(np.polyder(c), t_pf)
    a = np.polyval(np.polyder(c, 2), 0.5)
    return np.sum(v**2) + 0.5 * a**2 + np.sum((np.polyval(c, t_pf) - y) ** 2)


def interp_warp(p):
    """Dynamic time warping by a monotone warp: query times np.cumsum(np.exp(p)) normalised, a template on a grid
    np.interp'ed at the warped (traced) times against an observation."""
    inc = np.exp(p)
    warp = np.concatenate([np.zeros(1), np.cumsum(inc)]) / np.sum(inc)
    tmpl = np.sin(2 * np.pi * grid_iw)
    pred = np.interp(warp, grid_iw, tmpl)
    return np.sum((pred - obs_iw) ** 2)


def blind_deconv(p):
    """Blind deconvolution: a learned signal np.convolve'd (mode='full') with a learned blur kernel against the
    observation, total variation by np.diff, and a matched-filter term by np.correlate(mode='valid')."""
    s, k = p[:8], p[8:]
    k = np.exp(k) / np.sum(np.exp(k))
    pred = np.convolve(s, k, mode="full")
    mf = np.correlate(s, tmpl_bd, mode="valid")
    return np.sum((pred - obs_bd) ** 2) + 0.05 * np.sum(np.sqrt(np.diff(s) ** 2 + 1e-3)) + 0.01 * np.sum(mf**2)


def rfft_lowpass(p):
    """A learned Gaussian low-pass: np.fft.rfft of the noisy signal times exp(-(f/f_c)²), np.fft.irfft(n=16)
    back, a waveform loss plus a log-spectral loss on np.abs(rfft) of the output."""
    fc = np.exp(p[0])
    f = np.fft.rfftfreq(16)
    H = np.exp(-((f / fc) ** 2)) * (1 + p[1] * f)
    y = np.fft.irfft(np.fft.rfft(noisy_fl) * H, n=16)
    S = np.log(np.abs(np.fft.rfft(y)) + 1e-3)
    return np.sum((y - clean_fl) ** 2) + 0.01 * np.sum((S - np.log(np.abs(np.fft.rfft(clean_fl)) + 1e-3)) ** 2)


def rbf_meshgrid(p):
    """Kernel ridge regression: RBF Gram matrices by np.meshgrid and np.subtract.outer, amplitude by np.outer of
    per-point weights, weights by np.linalg.solve, the held-out squared error in (log ℓ, log σ_f, log λ)."""
    ell, sf, lam = np.exp(p)
    XX, YY = np.meshgrid(xg_rb, xg_rb, indexing="ij")
    K = sf**2 * np.exp(-0.5 * (XX - YY) ** 2 / ell**2)
    alpha = np.linalg.solve(K + lam * np.eye(6), yg_rb)
    Ks = sf**2 * np.exp(-0.5 * np.subtract.outer(xt_rb, xg_rb) ** 2 / ell**2)
    wts = np.outer(np.ones(4), np.linspace(0.5, 1.5, 6))
    return np.sum(((Ks * wts) @ alpha / 1.0 - yt_rb) ** 2) + 0.01 * p @ p


def gp_cholesky(p):
    """A GP's negative log marginal likelihood with an ARD kernel on 2-D inputs: difflab.scipy.linalg.cholesky
    (lower=True) and solve_triangular twice for α, log det from the factor's diagonal."""
    ell = np.exp(p[:2])
    sf2, sn2 = np.exp(2 * p[2]), np.exp(2 * p[3])
    d2 = np.sum(((X_gp[:, None, :] - X_gp[None, :, :]) / ell) ** 2, axis=-1)
    K = sf2 * np.exp(-0.5 * d2) + sn2 * np.eye(6)
    L = dsla.cholesky(K, lower=True)
    z = dsla.solve_triangular(L, y_gp, lower=True)
    return 0.5 * z @ z + np.sum(np.log(np.diag(L))) + 3.0 * np.log(2 * np.pi)


def distill_kl(p):
    """Knowledge distillation: log_softmax with keepdims (max-subtracted) of student and teacher logits at
    temperature T, T²·KL plus the hard-label cross-entropy, the student linear (dict: W, b, log T)."""
    T = np.exp(p["logT"])

    def log_softmax(z):
        z = z - np.max(z, axis=-1, keepdims=True)
        return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))

    s = X_kd @ p["W"] + p["b"]
    ls, lt = log_softmax(s / T), log_softmax(teach_kd / T)
    kl = np.sum(np.exp(lt) * (lt - ls), axis=-1)
    ce = -log_softmax(s)[np.arange(5), lab_kd]
    return np.mean(T**2 * kl + ce)


def group_lasso(w):
    """Multi-output regression with a group lasso over input rows by np.linalg.norm(W, axis=1), an ℓ1 column term
    by norm(ord=1, axis=0) and a Frobenius norm by norm(axis=(0, 1))."""
    W = w.reshape(4, 2)
    r = y_gl - X_gl @ W
    return (
        0.5 * np.mean(r**2)
        + 0.1 * np.sum(np.linalg.norm(W, axis=1))
        + 0.05 * np.sum(np.linalg.norm(W, ord=1, axis=0))
        + 0.01 * np.linalg.norm(W, axis=(0, 1))
    )


def _qprod(a, b):
    return np.stack(
        [
            a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
            a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
            a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
            a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
        ]
    )


def quat_gyro(b):
    """Gyroscope integration with a learned bias: q ← q ⊗ exp(½(ω - b)dt) by the quaternion exponential (cos of
    the half-angle, np.sin(θ)/θ axis) in a loop over samples, the final attitude rotating gravity by q v q*."""
    q = np.array([1.0, 0.0, 0.0, 0.0])
    for om in omega_qg:
        w = (om - b) * 0.25
        th = np.linalg.norm(w)
        dq = np.concatenate([np.cos(th)[None], np.sin(th) / th * w])
        q = _qprod(q, dq)
    qc = q * np.array([1.0, -1.0, -1.0, -1.0])
    g = _qprod(_qprod(q, np.concatenate([np.zeros(1), v_qg])), qc)[1:]
    return np.sum((g - target_qg) ** 2)


def euler_rigid_body(p):
    """Euler's equations of a rigid body, I ω̇ = τ - ω × Iω by np.cross, 8 midpoint steps, the principal inertias
    exp(p[:3]) and a constant body torque p[3:] learned to reach a target angular velocity."""
    I = np.exp(p[:3])
    tau = p[3:]
    w = w0_eu
    for _ in range(8):
        dw = (tau - np.cross(w, I * w)) / I
        wm = w + 0.05 * dw
        w = w + 0.1 * (tau - np.cross(wm, I * wm)) / I
    return np.sum((w - target_eu) ** 2) + 0.01 * np.sum(tau**2)


def bearing_fix(x):
    """Bearing-only localisation: np.arctan2 bearings from beacons to the position, residuals wrapped to (-π, π]
    by np.arctan2(np.sin(d), np.cos(d)), plus a heading offset x[2]."""
    d = x[:2] - beacons_bf
    pred = np.arctan2(d[:, 1], d[:, 0]) + x[2]
    e = pred - bearing_bf
    e = np.arctan2(np.sin(e), np.cos(e))
    return np.sum(e**2)


def trimmed_lts(w):
    """Least trimmed squares: the 9 smallest of 12 squared residuals by np.sort (and by np.partition), a trimmed
    mean of the absolute residuals by sorting and slicing."""
    r2 = (y_lt - X_lt @ w) ** 2
    lts = np.sum(np.sort(r2)[:9])
    part = np.sum(np.partition(r2, 8)[:9])
    a = np.sort(np.sqrt(r2 + 1e-6))
    return lts + 0.5 * part + np.mean(a[2:-2])


def quantile_scale(p):
    """Robust column scaling: each column centred by np.median(axis=0) and scaled by its interquartile range
    np.percentile([25, 75], axis=0, method="midpoint") of an affine-transformed table; a column's upper decile by
    np.quantile(method="nearest") and a 30th percentile by the default method."""
    Z = D_qs * np.exp(p[:3]) + p[3:]
    med = np.median(Z, axis=0)
    q25, q75 = np.percentile(Z, [25, 75], axis=0, method="midpoint")
    S = (Z - med) / (q75 - q25)
    upper = np.quantile(Z[:, 2], 0.9, method="nearest")
    return np.sum(S[:, 0] * S[:, 1]) + np.sum(med**2) + upper**2 + np.percentile(Z[:, 0], 30)


def listnet_rows(w):
    """ListNet over queries by a plain Python loop over rows (no np.vectorize): per query a softmax of scores
    against the softmax of relevances, cross-entropy summed, with per-row top-1 weighting."""
    loss = 0.0
    for rel, F in zip(rel_ln, F_ln):
        s = F @ w
        ps = np.exp(rel) / np.sum(np.exp(rel))
        ls = s - np.log(np.sum(np.exp(s)))
        loss = loss - np.dot(ps, ls) * (1.0 + rel.max() / 3)
    return loss


def softmax_f32(p):
    """Softmax regression on float32 data with float32 parameters: logits, a keepdims log-sum-exp, the mean
    cross-entropy and an L2 term."""
    W = p.reshape(3, 3)
    z = X_f32 @ W
    z = z - np.max(z, axis=1, keepdims=True)
    lp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(lp[np.arange(8), lab_f32]) + np.float32(0.01) * np.sum(W * W)


def gnn_max(w):
    """Max aggregation in a message-passing layer: messages tanh(h[src] W) scattered onto their destinations by
    np.maximum.at (destinations repeat; the zeros_like start is a ReLU floor), gated by the product of per-edge
    factors np.multiply.at collects, read out against node targets."""
    W = w.reshape(3, 3)
    msg = np.tanh(H_gm[src_gm] @ W)
    agg = np.zeros_like(msg, shape=(5, 3))
    np.maximum.at(agg, dst_gm, msg)
    gate = np.ones_like(msg, shape=5)
    np.multiply.at(gate, dst_gm, 1.0 + 0.5 * np.sin(msg[:, 0]))
    return np.sum((np.sum(agg * gate[:, None], axis=1) - y_gm) ** 2)


def points():
    r = np.random.default_rng(11)
    return {
        "einsum_ellipsis": 0.4 * np.sin(np.arange(18.0) + 0.3),
        "varpro_lstsq": np.log(np.array([0.6, 2.2])),
        "qr_frame": np.eye(4, 3).ravel() + 0.3 * np.cos(np.arange(12.0)),
        "eig_damping": np.log(np.array([1.0, 1.5, 0.3, 0.2])),
        "piecewise_where": np.array([0.2, 0.5, -0.3]),
        "add_at_mesh": np.array([0.0, 0.0, 1.0, 0.1, 0.4, 0.8, 1.3, 0.9, 0.8, 1.7, 1.9, 1.2]),
        "masked_hinge": np.array([0.5, -0.3, 0.8]),
        "stick_breaking": np.array([0.2, -0.1, 0.3, 0.0]),
        "wave_inplace": 0.1 * np.cos(np.arange(7.0)),
        "clip_mlp": {
            "W1": r.normal(size=(3, 5)),
            "b1": 0.1 * np.arange(5.0),
            "W2": 0.5 * r.normal(size=(5, 4)),
            "w3": 0.5 * r.normal(size=4),
        },
        "polyfit_velocity": np.sin(3 * t_pf) + 0.1 * np.cos(9 * t_pf),
        "interp_warp": 0.2 * np.sin(np.arange(10.0)),
        "blind_deconv": np.concatenate([sig_bd + 0.1, [0.1, 0.5, 0.2]]),
        "rfft_lowpass": np.array([np.log(0.15), 0.3]),
        "rbf_meshgrid": np.log(np.array([0.5, 1.2, 0.05])),
        "gp_cholesky": np.array([0.1, -0.2, 0.0, np.log(0.3)]),
        "distill_kl": {"W": 0.3 * r.normal(size=(3, 4)), "b": 0.1 * np.arange(4.0), "logT": np.array(np.log(2.0))},
        "group_lasso": 0.4 * np.cos(np.arange(8.0)),
        "quat_gyro": np.array([0.1, -0.05, 0.02]),
        "euler_rigid_body": np.array([0.0, 0.3, 0.5, 0.1, -0.2, 0.05]),
        "bearing_fix": np.array([1.8, 1.2, 0.05]),
        "trimmed_lts": np.array([0.4, 1.0]),
        "quantile_scale": np.array([0.1, -0.2, 0.3, 0.5, -0.4, 0.2]),
        "listnet_rows": np.array([0.5, -0.3]),
        "gnn_max": 0.6 * np.cos(np.arange(9.0) * 1.3),
        "softmax_f32": (0.3 * np.sin(np.arange(9.0))).astype(np.float32),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses (none since masked_hinge's m[m > 0], the violated margins of each
#: point, is recorded as where(m, h(where(m, x, fill)), 0) with the mask recomputed at each call: mask46)
SPECIALISED: set[str] = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient (dict keys sorted), by jax.value_and_grad in x64: the source run
#: with jax.numpy, jax.scipy.special and jax.scipy.linalg; np.add.at as .at[].add, the slice writes as .at[].set,
#: m[m > 0] as jnp.where(m > 0, m, 0), eig's eigenvalues by jnp.linalg.eigvals, gnn_max's np.maximum.at and
#: np.multiply.at by jax.ops.segment_max and exp(segment_sum(log)); softmax_f32 on its float32 data in float64
GRAD = {
    "einsum_ellipsis": (3.7149796366635157, -1.000197087937289, 19.05479052233954),  # jax, n=18
    "varpro_lstsq": (3.004047256011407, -32.8345902912065, 2391.4872531068113),  # jax, n=2
    "qr_frame": (6.602062771780026, 1.897572475432165, 20.80440089292525),  # jax, n=12
    "eig_damping": (0.2810215122298598, -0.4579706144515894, 6.355056236544713),  # jax, n=4
    "piecewise_where": (1.2501847262160746, -0.3463796235360714, 0.6220890602011248),  # jax, n=3
    "add_at_mesh": (0.15207777777777776, 0.10080319757358981, 0.020494543209876547),  # jax, n=12
    "masked_hinge": (20.574114623675165, -7.583274134465206, 393.07399142842195),  # jax, n=3
    "stick_breaking": (13.652979003294115, 0.304945954729464, 4.038231411646981),  # jax, n=4
    "wave_inplace": (0.2862043155860366, 0.2095772984386401, 0.18934504636658636),  # jax, n=7
    "clip_mlp": (0.6727833616417955, -0.21652877624314112, 0.2899577640702201),  # jax, n=44
    "polyfit_velocity": (80.94639714298522, 172.92167913082983, 26386.2918113891),  # jax, n=9
    "interp_warp": (0.8362257055565383, -0.04711616469711898, 5.984631311889353),  # jax, n=10
    "blind_deconv": (0.5150814663679797, -0.1990360308220915, 0.41625696355109726),  # jax, n=11
    "rfft_lowpass": (0.6670855548416349, -0.8266624895809667, 2.975181014185845),  # jax, n=2
    "rbf_meshgrid": (0.26192614283793325, 0.29567265117628827, 0.1994094755323055),  # jax, n=3
    "gp_cholesky": (6.225323615825764, -2.9866086960529667, 11.832649159521543),  # jax, n=4
    "distill_kl": (2.884090907473854, -1.386776246131809, 1.7184191347315991),  # jax, n=17
    "group_lasso": (0.7651505754139897, -0.03120646420106125, 0.8694197589784444),  # jax, n=8
    "quat_gyro": (0.11845444816101262, 0.15068584350318423, 3.1075852520881226),  # jax, n=3
    "euler_rigid_body": (0.10646925514983732, 0.093213793386403, 0.21630980243712902),  # jax, n=6
    "bearing_fix": (0.053086681587467495, -0.7501038938070697, 0.6085766137031644),  # jax, n=3
    "trimmed_lts": (1.1670433824906912, 2.6875096035459918, 85.12556110993484),  # jax, n=2
    "quantile_scale": (8.06386613412261, -10.391709958742883, 115.85494144281078),  # jax, n=6
    "listnet_rows": (11.486025013756164, 5.251597918373738, 59.660345629482265),  # jax, n=2
    "gnn_max": (2.760787635503065, 1.1326438557910505, 136.06500855739313),  # jax, n=9
    "softmax_f32": (1.1319066457938427, -0.29356782752925065, 0.1468377913585277),  # jax, n=9
}

#: the same at x + 0.05·sin(k + 1) (each leaf of a dict by its own k)
PERTURBED = {
    "einsum_ellipsis": (3.7211320730804354, -0.43210604743768144, 19.077217120287248),  # jax, n=18
    "varpro_lstsq": (2.17962719519017, -27.785522180188106, 1755.0822055598856),  # jax, n=2
    "qr_frame": (6.632498740325003, 1.825171937338338, 19.881934162950706),  # jax, n=12
    "eig_damping": (0.4416438625051694, -0.592298752681705, 9.724972416764508),  # jax, n=4
    "piecewise_where": (1.2241918135227259, -0.3868606283281702, 0.6443647368159002),  # jax, n=3
    "add_at_mesh": (0.15783578185496677, 0.11787080003147742, 0.030073686698057975),  # jax, n=12
    "masked_hinge": (20.7827982950663, -7.487464172166724, 396.66620932358757),  # jax, n=3
    "stick_breaking": (13.76511579674434, 0.3071802303420684, 4.213033610664119),  # jax, n=4
    "wave_inplace": (0.29911078358668863, 0.2075094308710931, 0.19246342464189467),  # jax, n=7
    "clip_mlp": (0.6960528237700548, -0.2864005135793128, 0.3425234082237726),  # jax, n=44
    "polyfit_velocity": (72.38861044732559, 193.4012245842666, 24882.695894162556),  # jax, n=9
    "interp_warp": (0.8433679678380843, -0.033106317134769365, 6.109567949276538),  # jax, n=10
    "blind_deconv": (0.5391629905065601, -0.2685924968554561, 0.480704982900232),  # jax, n=11
    "rfft_lowpass": (0.5918756431463703, -0.6587886288230476, 1.9685900678881298),  # jax, n=2
    "rbf_meshgrid": (0.28483221504774653, 0.348579303536869, 0.2947903845505161),  # jax, n=3
    "gp_cholesky": (6.130222837657256, -2.9813276521968257, 12.192658718676384),  # jax, n=4
    "distill_kl": (2.912642220622956, -1.3722222600755298, 1.7764710370094068),  # jax, n=17
    "group_lasso": (0.7777020895881165, -0.039042643832725064, 0.8639321630639125),  # jax, n=8
    "quat_gyro": (0.1564245276677452, -0.03275558069574171, 4.413340963728665),  # jax, n=3
    "euler_rigid_body": (0.11311116666866984, 0.1802464941906078, 0.2218293414279286),  # jax, n=6
    "bearing_fix": (0.04949860685478691, -0.7886885799335333, 0.6518443007755061),  # jax, n=3
    "trimmed_lts": (0.7341136693149297, 2.439166682089515, 53.41652068046175),  # jax, n=2
    "quantile_scale": (8.248994718440064, -10.801056875464447, 130.3235235498726),  # jax, n=6
    "listnet_rows": (11.571803746190087, 5.24585887462929, 59.7806999905331),  # jax, n=2
    "gnn_max": (2.920015883537714, 1.1129381947958228, 151.02987042428765),  # jax, n=9
    "softmax_f32": (1.1325764608898856, -0.2793850117484964, 0.1428748366242193),  # jax, n=9
}


def _check(stored, value, g, name, method):
    if name == "softmax_f32":  # float32 data and parameters: NumPy's own evaluation rounds to float32
        assert flat(g).dtype == np.float64 and np.asarray(g).dtype == np.float32
        check_gradient(stored, value, flat(g), 1e-3 if method == "numeric" else 1e-5, value_rel=1e-6)
    else:
        check_gradient(stored, value, g, gradient_tol(method))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(POINTS))
def test_gradient_of_user_code_at_two_points(name, method):
    """dl.value_and_grad at the point equals JAX's; prepared there and called twice at the second point (the
    general path, then the armed common case), JAX's there: the sort's and partition's order, the clip and
    leaky-ReLU branches, np.where's pieces, the interpolation intervals, the max aggregation's winners and the
    spectral abscissa's eigenvalue are the new point's, and so are masked_hinge's violated margins."""
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


#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (eig_damping's through jax.lax.linalg.eig with
#: enable_eigvec_derivs=True: its eigenvalues are distinct)
HESS = {
    "eig_damping": (-2.530791744776713, 106.19481469533028),  # jax.hessian
    "piecewise_where": (0.4400409019758633, 1.2625059872964013),  # jax.hessian
    "masked_hinge": (1.916199245969634, 157.4420532696193),  # jax.hessian
    "stick_breaking": (0.046589393293293827, 0.8380565833121706),  # jax.hessian
    "rfft_lowpass": (3.5432397954899666, 60.22033992447499),  # jax.hessian
    "bearing_fix": (-0.7694901002493082, 102.73585556853145),  # jax.hessian
    "listnet_rows": (-0.11392843011266618, 22.896112377819918),  # jax.hessian
    "blind_deconv": (-1.6543919502048379, 33.867341686122536),  # jax.hessian
    "group_lasso": (-0.19696441323082373, 5.5753123803094535),  # jax.hessian
    "varpro_lstsq": (81.10308359142309, 274221.6241141586),  # jax.hessian
    "trimmed_lts": (-4.966860116853092, 2690.0180072705584),  # jax.hessian
    "rbf_meshgrid": (0.9643406612318363, 3.9451646118281163),  # jax.hessian
    "gp_cholesky": (0.043587634783254184, 33.742722596702116),  # jax.hessian
    "quantile_scale": (-7.912457213581474, 524.6791055818826),  # jax.hessian
    "gnn_max": (0.49372258817010267, 757.904811765901),  # jax.hessian
}

test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    # (slow: 1.5 to 3 s each)
    no_symbolic={
        "gnn_max",
        "quantile_scale",
        "eig_damping",
    },
    doc="""dl.hessian of fifteen equals jax.hessian's (the symbolic method's of the spectral low-pass was a bare
    NameError 'DiracDelta'; np.percentile's midpoint method and np.maximum.at over repeated destinations were
    refused).""",
)


@pytest.mark.slow  # (2.6 s alone, the FFT's SymPy program prepared afresh; tests/test_symbolic_complex has a fast one)
def test_vmap_of_the_symbolic_gradient_through_the_spectral_low_pass():
    """dl.vmap(dl.grad(rfft_lowpass, method="symbolic")) at the two points: JAX's gradients. It was refused by name
    (the real |z| of the DC and Nyquist terms had no op to run as on traced values), and given the registry's abs,
    NaN at the second point: SymPy's Abs(a + ib) = sqrt(a² + b²) has the partial a/sqrt(a² + b²), 0/0 at z = 0,
    where an FFT bin computed on traced values was exactly 0 (cabs's rule there is 0: abs'(0) = 0)."""
    x0 = POINTS["rfft_lowpass"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = dl.vmap(dl.grad(rfft_lowpass, method="symbolic"))(np.stack([x0, perturbed(x0)]))
    for stored, g in zip((GRAD["rfft_lowpass"], PERTURBED["rfft_lowpass"]), G):
        check_gradient(stored, stored[0], g, gradient_tol("symbolic"))


def _wave_as_first_written(c):
    u_prev = u0_wv.copy()
    u = u0_wv.copy()
    for _ in range(2):
        u_next = u.copy()
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + 0.05 * np.exp(c) * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_prev, u = u, u_next
    return np.sum(u**2)


def _mesh_as_first_written(v):
    lumped = np.zeros(6)
    np.add.at(lumped, tri_am.ravel(), np.repeat(v[:5], 3))
    return np.sum(lumped**2)


def _gp_by_scipy(p):
    import scipy.linalg

    return np.sum(scipy.linalg.cholesky(np.outer(p, p) + np.eye(4), lower=True))


@pytest.mark.parametrize(
    "f, x, match",
    [
        (_wave_as_first_written, np.zeros(7), r"`u_next\[1:-1\] = \.\.\.`.*np\.zeros_like\(x\)"),
        (_mesh_as_first_written, np.ones(12), r"`np\.add\.at\(lumped, .*numpy\.add\.at.*np\.zeros_like\(x"),
        (_gp_by_scipy, np.ones(4), r"scipy\.linalg\.cholesky .*use difflab\.scipy\.linalg\.cholesky"),
    ],
    ids=["slice write into a NumPy copy", "np.add.at into np.zeros", "scipy.linalg.cholesky"],
)
def test_what_numpy_does_not_let_difflab_trace_is_refused_with_the_remedy(f, x, match):
    """wave_inplace and add_at_mesh as first written (their state a NumPy array of the function's own, written into
    with traced values) and a GP by scipy.linalg: NumPy's and SciPy's conversions cannot be intercepted, so the
    error quotes the line and names the spelling that traces (the functions above use it)."""
    with pytest.raises(TypeError, match=match):  # (UnsupportedOperationError, TracerConversionError)
        dl.grad(f)(x)


_Q = np.array([0.0, 0.1, 0.25, 0.5, 0.62, 0.9, 1.0])
_QMETHODS = (
    "linear lower higher nearest midpoint inverted_cdf averaged_inverted_cdf closest_observation "
    "interpolated_inverted_cdf hazen weibull median_unbiased normal_unbiased"
).split()


@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_quantile_and_nanquantile_take_every_numpy_method(method):
    """np.quantile, np.percentile and np.nanquantile took method='linear' only (quantile_scale's 'midpoint' and
    'nearest' were refused): every NumPy method, each a weighted pair of sorted values. NumPy's values; the
    gradient of Σ quantile(x·w)² is 2·quantile·w_i·(the weights NumPy's own quantile of e_i-shifted values gives),
    here central differences of NumPy's quantile (exact: piecewise linear, no order change within the step)."""
    x = np.array([0.31, -0.73, 1.13, 0.47, 2.07, -1.29, 0.83])
    w = np.arange(1.0, 8.0)
    D = np.array([[1.0, np.nan, 2.5, 0.2], [0.3, 1.2, np.nan, np.nan], [np.nan, -0.4, 0.8, 3.0]])
    for m in _QMETHODS:

        def f(x):
            return np.sum(np.quantile(x * w, _Q, method=m) ** 2) + np.sum(
                np.nanpercentile(D * x[:4], 100 * _Q[1:4], axis=1, method=m)
            )

        value, g = dl.value_and_grad(f, method=method)(x)
        assert value == pytest.approx(f(x), rel=1e-13), m
        ref = np.array([(f(x + 1e-7 * e) - f(x - 1e-7 * e)) / 2e-7 for e in np.eye(7)])
        np.testing.assert_allclose(g, ref, rtol=1e-6, atol=1e-7, err_msg=m)
    with pytest.raises(ValueError, match="'nope' is not a valid method"):
        dl.grad(lambda x: np.quantile(x, 0.5, method="nope"))(x)
    with pytest.raises(ValueError, match=r"Quantiles must be in the range \[0, 1\]"):
        dl.grad(lambda x: np.percentile(x, 150, method="nearest"))(x)
