"""What a user writes, round 66: seven new users' own NumPy code written with `import difflab.numpy as np`, from
domains the earlier rounds touch little or in other idioms, each program's value and gradient by all four methods
(fresh at its point, prepared there and called at x + 0.05·sin(k + 1)) against the same source run with jax.numpy in
x64 (stored: f, g·cos(k + 1), |g|²; the in-place writes spelt with JAX's .at[], sliding_window_view as a sum of
slices, the projectile's `if ...: break` as JAX's fixed step count), and a Hessian by forward or reverse.

Physics: a damped pendulum by RK4 (`s += ...`), an anharmonic oscillator by leapfrog into preallocated tables with its
energy's np.ptp, three bodies by velocity Verlet with keepdims norms, a spring chain by element-wise `v[i] += ...`,
Störmer–Verlet energies np.stack'ed from a list, a projectile with drag stopped by `if r[1] < 0: break`.
Probability: Student-t by gammaln and log1p, a Dirichlet by xlogy, a 2-D mixture by logsumexp(keepdims), negative
binomial regression, a Tobit by log_ndtr under np.where, a Dirichlet KL by digamma, a beta prior by betaln and
xlog1py. Attention / NLP: padded attention masked by np.where(mask, s, -np.inf), layer norm with
einsum('...d,de->...e'), a learned embedding gathered by repeated ids with masked pooling and take_along_axis,
two-head causal attention by np.triu and np.split, a relative-position bias gathered by np.subtract.outer offsets,
label smoothing with ignore_index=-100, einsum '...ij,...jk->...ik' and '...ii->...'. Images: a 3×3 convolution by
np.pad and slices, a Laplacian by sliding_window_view of an edge-padded traced image, max/avg pooling by reshape,
bilinear sampling by np.floor(...).astype(int), isotropic TV by np.diff(append=), a separable blur by
np.apply_along_axis of np.convolve(mode='same'). Molecules: Lennard-Jones with minimum-image np.round over
np.triu_indices, Morse bonds wrapped by np.mod, erfc-screened Coulomb masked by ~np.eye(bool), a dihedral by np.cross
and np.arctan2, a soft RDF, an elastic network's forces by np.add.at. GPs: an RBF likelihood by cholesky and solve,
an exponential kernel by slogdet, a posterior by np.linalg.inv and einsum('ij,jk,ik->i'), ARD with solve of two
right-hand sides, DTC with difflab.scipy.linalg.solve_triangular, a periodic kernel by cho_solve. Economics and
control: CRRA utility with np.cumprod wealth, an LQR cost by np.linalg.matrix_power, a base-stock policy by np.clip
and np.maximum, Cobb–Douglas by np.prod(np.power(X, α), axis=1), high-water-mark fees by np.maximum.accumulate and
np.diff(prepend=). Polynomials: np.polyval beside a constant np.polyfit with np.polyder, np.interp at fixed and at
traced points (left=), a linear spline by np.searchsorted, lstsq on np.vander(increasing=True), np.polymul and
np.polyint.

What they met (first run: 49 programs × 4 methods, prepared at a second point, Hessians by forward and reverse, hvp,
vmap of grad, jit, jacfwd/jacrev of grad on 14; each fed ints, a short vector, NaN, 0-d, empty, (1, n) and a
read-only array; then NumPy's options: axis, keepdims, dtype, order, out=, positional arguments): every gradient,
Hessian, hvp, vmap and jit equal to JAX's where the program ran; no input mutated, no output aliasing one. Wrong
silently, fixed here: np.max(A, 1, None, True) (NumPy's axis, out, keepdims) read as keepdims=None, initial=True,
the maximum of each row and 1 (np.min, ndarray.max alike), np.prod(A, 0, float) as keepdims=float; np.pad of an
integer array padded with 2.5 held 2.5 (NumPy and JAX: 2; its 'mean' and 'linear_ramp' unrounded too), a float32
array padded came back float64. Refused where NumPy
runs, fixed: np.linalg.slogdet(...).logabsdet / .sign (NumPy 2's SlogdetResult; a plain tuple's AttributeError),
np.pad's constant_values as ((before, after), ...) pairs (a bare "float() argument must be ... not 'tuple'"), a traced
constant_values (JAX takes it) and end_values per side or traced, np.polyval(c, [0.0, 1.0, 2.0]) with the points a
list ("can't multiply sequence by non-int"), SciPy's check_finite/overwrite_a/lapack_driver on difflab.scipy.linalg's
inv, det, svd, norm and svdvals (NumPy's functions: "unexpected keyword argument"). Bare tracebacks, now errors naming the problem: np.polyval of a 0-d
coefficient (IndexError 'tuple index out of range'; NumPy's TypeError), np.linalg.lstsq with b of the wrong length or
rank ("matmul: cannot apply ..." naming an op the user did not call) and of a 1-D a ("not enough values to unpack").
Refused by name, as designed: `vel += ...` into `vel = np.zeros((3, 2))` (a NumPy array of the function's own; the
message says to write vel = vel + ..., which the program now does); prepare of the projectile (`if` on a traced
value) and of bilinear sampling (astype(int) of a traced floor); out= on np.sum, np.mean, np.max, np.min, np.prod,
np.cumsum, np.var, np.std, np.ptp, np.take and the nan-reductions now so too (main: "_sum_front() got an unexpected
keyword argument 'out'"), whose positional order is NumPy's now (np.nanmean(A, 0, float) was keepdims=float;
np.var takes mean= and correction=; np.clip, np.round, np.trace, np.cumprod, np.nancumsum take out's slot too). Left:
np.ma's var and std in their old order (dtype, ddof: NumPy's has out between); gammaln's pole makes every
entry of the gradient NaN (JAX's: NaN only there); xlogy's ∂x at (0, 0) is 0 by the strong-zero convention where
JAX's is NaN.
"""

import numpy as onp
import pytest

from tier import one_per
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
import difflab.scipy.linalg as sla
import difflab.scipy.special as sps
from difflab.errors import UnsupportedOperationError

_r = onp.random.default_rng(66)


# ------------------------------------------------ physics integrators (user A)
def rk4_pendulum(p):
    """damped pendulum by RK4, state rebound with +=, final state vs target"""
    w2, c = p[0], p[1]
    s = np.array([1.0, 0.0]) * p[2]

    def f(s):
        return np.array([s[1], -w2 * np.sin(s[0]) - c * s[1]])

    dt = 0.2
    for _ in range(8):
        k1 = f(s)
        k2 = f(s + 0.5 * dt * k1)
        k3 = f(s + 0.5 * dt * k2)
        k4 = f(s + dt * k3)
        s += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.sum((s - onp.array([0.2, -0.5])) ** 2)


def leapfrog_table(p):
    """anharmonic oscillator by leapfrog into preallocated tables q[i+1] = ..., energy drift"""
    k, lam = p[0], p[1]
    n = 30
    dt = 0.05
    q = np.zeros_like(p, shape=n + 1)
    v = np.zeros_like(p, shape=n + 1)
    q[0] = p[2]
    v[0] = 0.0
    acc = lambda x: -k * x - lam * x**3
    for i in range(n):
        vh = v[i] + 0.5 * dt * acc(q[i])
        q[i + 1] = q[i] + dt * vh
        v[i + 1] = vh + 0.5 * dt * acc(q[i + 1])
    E = 0.5 * v**2 + 0.5 * k * q**2 + 0.25 * lam * q**4
    return np.ptp(E) * 1e3 + np.mean(q**2)


def verlet_nbody(x):
    """3 bodies in 2-D, velocity Verlet, forces by broadcasting with a softened norm, pos += / vel +="""
    pos = x[:6].reshape(3, 2)
    vel = np.zeros((3, 2))
    m = onp.array([1.0, 0.5, 0.8])

    def accel(pos):
        d = pos[None, :, :] - pos[:, None, :]
        r2 = np.sum(d**2, axis=-1, keepdims=True) + 0.1
        return np.sum(m[None, :, None] * d / r2**1.5, axis=1)

    a = accel(pos)
    dt = 0.05
    for _ in range(10):
        pos = pos + dt * vel + 0.5 * dt**2 * a
        a_new = accel(pos)
        vel = vel + 0.5 * dt * (a + a_new)
        a = a_new
    return np.sum(pos[0] ** 2) + np.sum(vel**2)


def spring_chain_inplace(k):
    """symplectic Euler on a chain of masses, element-by-element updates x[i] += ..."""
    n = 4
    x = np.array([0.1, -0.2, 0.3, 0.0]) * 1.0
    v = np.zeros_like(k, shape=n)
    x = x + 0 * k[0]
    dt = 0.1
    for _ in range(8):
        for i in range(n):
            left = x[i - 1] if i > 0 else 0.0
            right = x[i + 1] if i < n - 1 else 0.0
            v[i] += dt * (k[i] * (left - x[i]) + k[i + 1] * (right - x[i]))
        x = x + dt * v
    return np.sum(x**2) + 0.1 * np.sum(v**2)


def pendulum_energy_var(L):
    """Stormer-Verlet pendulum with a learned length; loss is energy variance over the list of energies"""
    g = 9.81
    th = 0.8
    om = 0.0
    dt = 0.05
    energies = []
    for _ in range(25):
        om = om - 0.5 * dt * g / L[0] * np.sin(th)
        th = th + dt * om
        om = om - 0.5 * dt * g / L[0] * np.sin(th)
        energies.append(0.5 * L[0] ** 2 * om**2 + g * L[0] * (1 - np.cos(th)))
    E = np.stack(energies)
    return np.var(E) * 1e4 + (L[0] - 1.0) ** 2


def projectile_drag(p):
    """Euler steps with quadratic drag until the ball lands (an if on a traced value), range to a target"""
    v = np.array([np.cos(p[0]), np.sin(p[0])]) * p[1]
    r = np.zeros(2) + 0.0 * p[0]
    dt = 0.02
    for _ in range(200):
        speed = np.linalg.norm(v)
        v = v + dt * (np.array([0.0, -9.81]) - 0.05 * speed * v)
        r = r + dt * v
        if r[1] < 0:
            break
    return (r[0] - 3.0) ** 2


# ------------------------------------------------ probabilistic models (user B)
y_pm = _r.standard_t(3, size=20) * 0.7 + 0.3
X_pm = _r.standard_normal((20, 3))
cnt_pm = _r.poisson(3.0, size=20).astype(float)


def student_t_nll(p):
    mu, log_s, log_nu = p[0], p[1], p[2]
    s = np.exp(log_s)
    nu = np.exp(log_nu)
    z = (y_pm - mu) / s
    lp = (
        sps.gammaln((nu + 1) / 2)
        - sps.gammaln(nu / 2)
        - 0.5 * np.log(nu * np.pi)
        - log_s
        - (nu + 1) / 2 * np.log1p(z**2 / nu)
    )
    return -np.sum(lp)


def dirichlet_logpdf(a):
    alpha = np.exp(a)
    th = onp.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    lognorm = np.sum(sps.gammaln(alpha)) - sps.gammaln(np.sum(alpha))
    return -np.sum(np.sum(sps.xlogy(alpha - 1, th), axis=1) - lognorm)


def gmm2d(p):
    """2-D diagonal Gaussian mixture, log-softmax weights, logsumexp over components with keepdims"""
    K = 3
    logits = p[:K]
    mu = p[K : 3 * K].reshape(K, 2)
    log_s = p[3 * K :].reshape(K, 2)
    X = X_pm[:, :2]
    logw = logits - sps.logsumexp(logits)
    z = (X[:, None, :] - mu[None]) / np.exp(log_s)[None]
    comp = -0.5 * np.sum(z**2, axis=-1) - np.sum(log_s, axis=-1) - np.log(2 * np.pi)
    ll = sps.logsumexp(comp + logw, axis=1, keepdims=True)
    return -np.mean(ll)


def negbin_reg(p):
    beta = p[:3]
    log_r = p[3]
    r = np.exp(log_r)
    mu = np.exp(X_pm @ beta * 0.3)
    ll = (
        sps.gammaln(cnt_pm + r)
        - sps.gammaln(r)
        - sps.gammaln(cnt_pm + 1)
        + sps.xlogy(r, r / (r + mu))
        + sps.xlogy(cnt_pm, mu / (r + mu))
    )
    return -np.sum(ll)


def tobit(p):
    """censored at 0: log_ndtr for censored, normal logpdf else, np.where"""
    beta = p[:3]
    s = np.exp(p[3])
    ystar = X_pm @ onp.array([0.5, -1.0, 0.3]) + 0.2 * _r_fixed
    y = onp.maximum(ystar, 0.0)
    mu = X_pm @ beta
    cens = y <= 0
    ll = np.where(cens, sps.log_ndtr(-mu / s), -0.5 * ((y - mu) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi))
    return -np.sum(ll)


_r_fixed = _r.standard_normal(20)


def dirichlet_kl(a):
    """KL(Dir(a) || Dir(b)) with digamma and gammaln"""
    alpha = np.exp(a)
    b = onp.array([1.0, 2.0, 0.5, 1.5])
    a0 = np.sum(alpha)
    b0 = b.sum()
    return (
        sps.gammaln(a0)
        - np.sum(sps.gammaln(alpha))
        - sps.gammaln(b0)
        + np.sum(sps.gammaln(b))
        + np.sum((alpha - b) * (sps.digamma(alpha) - sps.digamma(a0)))
    )


def betaln_prior(p):
    """beta-distributed proportions with a hierarchical prior; betaln and xlog1py"""
    a, b = np.exp(p[0]), np.exp(p[1])
    pr = onp.array([0.1, 0.35, 0.5, 0.72, 0.9])
    return -np.sum(sps.xlogy(a - 1, pr) + sps.xlog1py(b - 1, -pr) - sps.betaln(a, b))


# ------------------------------------------------ attention / NLP (user C)
E_nlp = _r.standard_normal((10, 4)) * 0.5
ids_nlp = onp.array([[1, 3, 3, 7, 0], [2, 2, 9, 0, 0]])
pad_nlp = ids_nlp != 0


def masked_softmax_attn(W):
    """single-head attention over padded batches: np.where(mask, s, -np.inf), max-subtracted softmax"""
    Wq = W[:16].reshape(4, 4)
    Wk = W[16:].reshape(4, 4)
    h = E_nlp[ids_nlp]
    q = h @ Wq
    k = h @ Wk
    s = np.einsum("bqd,bkd->bqk", q, k) / 2.0
    s = np.where(pad_nlp[:, None, :], s, -np.inf)
    s = s - np.max(s, axis=-1, keepdims=True)
    a = np.exp(s)
    a = a / np.sum(a, axis=-1, keepdims=True)
    out = a @ h
    return np.sum(out[pad_nlp] ** 2)


def layer_norm_ellipsis(p):
    """layer norm with a learned gain/bias, then a projection by einsum('...d,de->...e')"""
    g, b = p[:4], p[4:8]
    W = p[8:].reshape(4, 2)
    h = E_nlp[ids_nlp]
    mu = h.mean(axis=-1, keepdims=True)
    var = h.var(axis=-1, keepdims=True)
    y = (h - mu) / np.sqrt(var + 1e-5) * g + b
    o = np.einsum("...d,de->...e", y, W)
    return np.mean(np.tanh(o) ** 2)


def embedding_ce(Emb):
    """learned embedding table, repeated ids gathered, masked mean pooling, cross-entropy via take_along_axis"""
    E = Emb.reshape(10, 4)
    h = E[ids_nlp]
    m = pad_nlp[..., None].astype(float)
    pooled = np.sum(h * m, axis=1) / np.sum(m, axis=1)
    logits = pooled @ E.T
    logp = logits - sps.logsumexp(logits, axis=1, keepdims=True)
    tgt = onp.array([[3], [9]])
    return -np.mean(np.take_along_axis(logp, tgt, axis=1))


def causal_mh(W):
    """2-head causal self-attention: triu mask filled with -1e9, reshape/transpose heads"""
    T, D, H = 5, 4, 2
    x = E_nlp[:T]
    qkv = x @ W.reshape(D, 3 * D)
    q, k, v = np.split(qkv, 3, axis=-1)
    q = q.reshape(T, H, D // H).transpose(1, 0, 2)
    k = k.reshape(T, H, D // H).transpose(1, 0, 2)
    v = v.reshape(T, H, D // H).transpose(1, 0, 2)
    s = q @ k.transpose(0, 2, 1) / np.sqrt(D // H)
    mask = np.triu(np.ones((T, T)), k=1)
    s = s * (1 - mask) - 1e9 * mask
    a = np.exp(s - s.max(-1, keepdims=True))
    a = a / a.sum(-1, keepdims=True)
    o = (a @ v).transpose(1, 0, 2).reshape(T, D)
    return np.sum(o**2)


def relpos_bias(t):
    """a learned relative-position bias table gathered by clipped offsets"""
    T = 6
    rel = np.clip(np.subtract.outer(np.arange(T), np.arange(T)), -3, 3) + 3
    bias = t[rel]
    s = bias + np.tril(np.ones((T, T)))
    p = np.exp(s - sps.logsumexp(s, axis=1, keepdims=True))
    return np.sum(p * np.log(p + 1e-12)) + np.sum(t**2) * 0.1


def label_smooth_ignore(z):
    """cross-entropy with label smoothing and ignore_index=-100 via np.where and masks"""
    logits = z.reshape(4, 5)
    y = onp.array([2, -100, 0, 4])
    valid = y != -100
    ysafe = np.where(valid, y, 0)
    logp = logits - sps.logsumexp(logits, axis=-1, keepdims=True)
    nll = -logp[np.arange(4), ysafe]
    smooth = -logp.mean(axis=-1)
    loss = 0.9 * nll + 0.1 * smooth
    return np.sum(np.where(valid, loss, 0.0)) / valid.sum()


def batched_ellipsis_matmul(a):
    """einsum with ellipsis batch dims '...ij,...jk->...ik' and a trace '...ii->...'"""
    A = a.reshape(2, 2, 2, 2)
    B = np.einsum("...ij,...jk->...ik", A, A)
    return np.sum(np.einsum("...ii->...", B) ** 2) + np.sum(B[..., 0, 1])


# ------------------------------------------------ image processing (user D)
img_ip = _r.random((6, 6))


def conv2d_pad(k):
    """3x3 convolution by np.pad and 9 slices; the loss to a target image"""
    K = k.reshape(3, 3)
    P = np.pad(img_ip, 1, mode="constant")
    out = np.zeros((6, 6)) + 0 * K[0, 0]
    for i in range(3):
        for j in range(3):
            out = out + K[i, j] * P[i : i + 6, j : j + 6]
    return np.mean((out - img_ip.T) ** 2)


def conv_windows(img):
    """sliding_window_view of a traced image, edge padding, einsum with a fixed kernel"""
    I = img.reshape(6, 6)
    P = np.pad(I, 1, mode="edge")
    W = np.lib.stride_tricks.sliding_window_view(P, (3, 3))
    K = onp.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    lap = np.einsum("ijkl,kl->ij", W, K)
    return np.sum(lap**2) + np.sum((I - img_ip) ** 2)


def pool_reshape(img):
    """2x2 max pool and avg pool via reshape, then a softmax over pooled values"""
    I = img.reshape(6, 6)
    mx = I.reshape(3, 2, 3, 2).max(axis=(1, 3))
    av = I.reshape(3, 2, 3, 2).mean(axis=(1, 3))
    return np.sum(mx * av) + sps.logsumexp(mx)


def bilinear_sample(c):
    """bilinear interpolation of a fixed image at traced coordinates, np.floor().astype(int), clipped"""
    pts = c.reshape(-1, 2)
    x, y = pts[:, 0], pts[:, 1]
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    x0 = np.clip(x0, 0, 4)
    y0 = np.clip(y0, 0, 4)
    wx = x - x0
    wy = y - y0
    v = (
        img_ip[y0, x0] * (1 - wx) * (1 - wy)
        + img_ip[y0, x0 + 1] * wx * (1 - wy)
        + img_ip[y0 + 1, x0] * (1 - wx) * wy
        + img_ip[y0 + 1, x0 + 1] * wx * wy
    )
    return np.sum((v - 0.5) ** 2)


def tv_denoise(u):
    """isotropic total variation with an eps, forward differences and edge replication"""
    U = u.reshape(6, 6)
    dx = np.diff(U, axis=1, append=U[:, -1:])
    dy = np.diff(U, axis=0, append=U[-1:, :])
    tv = np.sum(np.sqrt(dx**2 + dy**2 + 1e-3))
    return 0.5 * np.sum((U - img_ip) ** 2) + 0.1 * tv


def gaussian_blur_sep(s):
    """separable Gaussian blur with a learned sigma, kernel normalised, np.apply_along_axis of np.convolve"""
    t = onp.arange(-2, 3)
    g = np.exp(-0.5 * t**2 / s[0] ** 2)
    g = g / g.sum()
    B = np.apply_along_axis(lambda r: np.convolve(r, g, mode="same"), 1, img_ip)
    B = np.apply_along_axis(lambda r: np.convolve(r, g, mode="same"), 0, B)
    return np.sum((B - 0.5) ** 2)


# ------------------------------------------------ molecular simulation (user E)
def lj_pbc(x):
    """LJ energy with minimum-image periodic boundaries (np.round), pairs by np.triu_indices"""
    L = 3.0
    R = x.reshape(4, 3)
    i, j = np.triu_indices(4, k=1)
    d = R[i] - R[j]
    d = d - L * np.round(d / L)
    r2 = np.sum(d**2, axis=1)
    inv6 = (1.0 / r2) ** 3
    return np.sum(4 * (inv6**2 - inv6))


def morse_wrap(x):
    """Morse bonds along a chain; positions wrapped into the box by np.mod first"""
    L = 5.0
    R = np.mod(x.reshape(4, 2), L)
    d = np.diff(R, axis=0)
    d = d - L * np.round(d / L)
    r = np.linalg.norm(d, axis=-1)
    return np.sum((1 - np.exp(-1.5 * (r - 1.0))) ** 2)


def coulomb_erfc(q):
    """screened (erfc) Coulomb over all pairs by broadcasting, the diagonal masked by ~np.eye(bool)"""
    R = onp.array([[0.0, 0, 0], [1.0, 0.2, 0], [0.1, 1.1, 0.3], [1.2, 1.0, 0.9]])
    d = np.sqrt(np.sum((R[:, None] - R[None]) ** 2, axis=-1) + np.eye(4))
    M = ~np.eye(4, dtype=bool)
    E = np.where(M, np.outer(q, q) * sps.erfc(0.8 * d) / d, 0.0)
    return 0.5 * np.sum(E) + (np.sum(q)) ** 2


def bonds_angles_dihedral(x):
    """a 4-atom molecule: bond lengths, an angle by arccos, a dihedral by arctan2"""
    R = x.reshape(4, 3)
    b1, b2, b3 = R[1] - R[0], R[2] - R[1], R[3] - R[2]
    lens = np.linalg.norm(np.stack([b1, b2, b3]), axis=1)
    cosang = np.dot(-b1, b2) / (lens[0] * lens[1])
    ang = np.arccos(np.clip(cosang, -1, 1))
    n1 = np.cross(b1, b2)
    n2 = np.cross(b2, b3)
    m1 = np.cross(n1, b2 / lens[1])
    phi = np.arctan2(np.dot(m1, n2), np.dot(n1, n2))
    return np.sum((lens - 1.0) ** 2) + (ang - 1.9) ** 2 + (1 + np.cos(3 * phi))


def soft_rdf(x):
    """a soft radial distribution histogram by Gaussian kernels over pair distances"""
    R = x.reshape(5, 2)
    i, j = np.triu_indices(5, 1)
    r = np.linalg.norm(R[i] - R[j], axis=1)
    centers = np.linspace(0.5, 2.5, 6)
    h = np.exp(-((r[:, None] - centers[None]) ** 2) / 0.1).sum(axis=0)
    target = onp.array([0.5, 1.5, 2.0, 1.5, 1.0, 0.5])
    return np.sum((h - target) ** 2)


def spring_network(x):
    """elastic network, springs by an edge list, norm(axis=-1, keepdims=True), forces' norm"""
    R = x.reshape(4, 2)
    edges = onp.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]])
    d = R[edges[:, 0]] - R[edges[:, 1]]
    L = np.linalg.norm(d, axis=-1, keepdims=True)
    f = (L - 1.0) * d / L
    F = np.zeros_like(R)
    np.add.at(F, edges[:, 0], -f)
    np.add.at(F, edges[:, 1], f)
    return np.sum((L - 1.0) ** 2) + 0.1 * np.sum(F**2)


# ------------------------------------------------ Gaussian processes (user F)
Xg = onp.linspace(0, 3, 8)[:, None]
yg = onp.sin(2 * Xg[:, 0]) + 0.1 * _r.standard_normal(8)


def gp_nll_chol(p):
    ell, sf, sn = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    d2 = (Xg - Xg.T) ** 2
    K = sf**2 * np.exp(-0.5 * d2 / ell**2) + sn**2 * np.eye(8)
    L = np.linalg.cholesky(K)
    a = np.linalg.solve(L.T, np.linalg.solve(L, yg))
    return 0.5 * yg @ a + np.sum(np.log(np.diag(L))) + 4 * np.log(2 * np.pi)


def gp_nll_slogdet(p):
    ell, sf, sn = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    K = sf**2 * np.exp(-np.abs(Xg - Xg.T) / ell) + sn**2 * np.eye(8)
    sign, ld = np.linalg.slogdet(K)
    return 0.5 * yg @ np.linalg.solve(K, yg) + 0.5 * ld


def gp_predict_inv(p):
    """posterior mean and variance at test points with np.linalg.inv; diag by einsum"""
    ell, sf, sn = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    k = lambda A, B: sf**2 * np.exp(-0.5 * (A - B.T) ** 2 / ell**2)
    Xs = onp.array([[0.5], [1.7], [2.9]])
    Kinv = np.linalg.inv(k(Xg, Xg) + sn**2 * np.eye(8))
    Ks = k(Xs, Xg)
    mean = Ks @ Kinv @ yg
    var = sf**2 - np.einsum("ij,jk,ik->i", Ks, Kinv, Ks)
    return np.sum((mean - onp.sin(2 * Xs[:, 0])) ** 2) + np.sum(var)


def gp_ard(p):
    """ARD kernel on 3-D inputs, multiple right-hand sides in np.linalg.solve"""
    X = X_pm[:6]
    ell = np.exp(p[:3])
    Z = X / ell
    sq = np.sum(Z**2, 1)[:, None] + np.sum(Z**2, 1)[None, :] - 2 * Z @ Z.T
    K = np.exp(-0.5 * np.maximum(sq, 0.0)) + 0.1 * np.eye(6)
    Y = onp.stack([y_pm[:6], cnt_pm[:6]], axis=1)
    A = np.linalg.solve(K, Y)
    return np.sum(Y * A) + np.linalg.slogdet(K)[1]


def sparse_gp(p):
    """Nystrom/DTC with inducing points, cholesky + scipy.linalg.solve_triangular(lower=True)"""
    Z = p[:3].reshape(3, 1)
    ell = np.exp(p[3])
    k = lambda A, B: np.exp(-0.5 * (A - B.T) ** 2 / ell**2)
    Kzz = k(Z, Z) + 1e-6 * np.eye(3)
    Kzx = k(Z, Xg)
    L = np.linalg.cholesky(Kzz)
    V = sla.solve_triangular(L, Kzx, lower=True)
    Q = V.T @ V + 0.1 * np.eye(8)
    s, ld = np.linalg.slogdet(Q)
    return 0.5 * yg @ np.linalg.solve(Q, yg) + 0.5 * ld


def periodic_kernel(p):
    ell, per = np.exp(p[0]), np.exp(p[1])
    D = np.abs(Xg - Xg.T)
    K = np.exp(-2 * np.sin(np.pi * D / per) ** 2 / ell**2) + 0.2 * np.eye(8)
    Lc = np.linalg.cholesky(K)
    a = sla.cho_solve((Lc, True), yg)
    return 0.5 * yg @ a + np.sum(np.log(np.diagonal(Lc)))


# ------------------------------------------------ economics / control (user G)
def discounted_crra(c):
    """consumption path, wealth by np.cumprod of returns, CRRA utility discounted by beta**t"""
    T = c.size
    beta = 0.95
    R = onp.array([1.03, 1.01, 1.05, 0.99, 1.02, 1.04])
    wealth = 10.0 * np.cumprod(R) - np.cumsum(np.exp(c) * np.cumprod(R[::-1])[::-1] / R[0])
    gamma = 2.0
    u = np.exp(c) ** (1 - gamma) / (1 - gamma)
    return -np.sum(beta ** np.arange(T) * u) + 0.1 * np.sum(np.minimum(wealth, 0.0) ** 2)


def lqr_matrix_power(k):
    """closed-loop cost sum_t x0' (A-BK)^t' Q (A-BK)^t x0 by np.linalg.matrix_power"""
    A = onp.array([[1.0, 0.1], [0.0, 1.0]])
    B = onp.array([[0.0], [0.1]])
    K = k.reshape(1, 2)
    Acl = A - B @ K
    x0 = onp.array([1.0, 0.0])
    J = 0.0
    for t in range(12):
        x = np.linalg.matrix_power(Acl, t) @ x0
        u = -K @ x
        J = J + x @ x + 0.1 * u @ u
    return J


def inventory_clip(s):
    """base-stock policy: orders by np.clip, inventory by np.maximum, costs accumulated in a loop"""
    demand = onp.array([3.0, 5.0, 2.0, 6.0, 4.0, 3.0, 7.0])
    inv = 4.0
    cost = 0.0
    for t, d in enumerate(demand):
        order = np.clip(s[0] - inv, 0.0, s[1])
        inv = inv + order - d
        cost = cost + 1.0 * np.maximum(inv, 0) + 4.0 * np.maximum(-inv, 0) + 0.5 * order
    return cost


def cobb_douglas(a):
    """Cobb-Douglas with np.prod and np.power along an axis, a budget penalty"""
    X = onp.array([[1.0, 2.0, 3.0], [2.0, 1.0, 0.5], [1.5, 1.5, 1.5]])
    alpha = np.exp(a) / np.sum(np.exp(a))
    Yp = np.prod(np.power(X, alpha), axis=1)
    return -np.sum(np.log(Yp)) + np.sum(alpha**2)


def running_max_regret(w):
    """high-water mark fees: np.maximum.accumulate of cumulative log returns, np.cumsum"""
    r = X_pm[:, :3] @ w * 0.01
    cum = np.cumsum(r)
    hwm = np.maximum.accumulate(cum)
    fee = 0.2 * np.sum(np.diff(hwm, prepend=0.0))
    return -cum[-1] + fee + np.sum(w**2) * 0.01


# ------------------------------------------------ polynomials / splines (user H)
xs_pp = onp.linspace(-1, 1, 9)
ys_pp = onp.cos(2 * xs_pp)


def polyval_fit(c):
    """traced coefficients through np.polyval; a constant np.polyfit baseline"""
    base = onp.polyfit(xs_pp, ys_pp, 2)
    pred = np.polyval(c, xs_pp) + np.polyval(base, xs_pp)
    return np.sum((pred - ys_pp) ** 2) + np.sum(np.polyder(c) ** 2) * 0.01


def interp_traced(fp):
    """np.interp with traced knot values and fixed query points; left/right values"""
    xp = onp.linspace(-1, 1, 5)
    q = onp.array([-1.5, -0.7, 0.0, 0.33, 0.9, 1.2])
    v = np.interp(q, xp, fp, left=0.0)
    return np.sum((v - onp.cos(q)) ** 2) + np.sum(np.diff(fp) ** 2)


def interp_traced_x(t):
    """np.interp at traced query points (time warp)"""
    return np.sum(np.interp(np.cumsum(np.exp(t)) - 1.0, xs_pp, ys_pp) ** 2)


def searchsorted_spline(y):
    """a natural linear spline evaluated by np.searchsorted buckets of a fixed grid"""
    knots = onp.linspace(0, 1, 5)
    q = onp.array([0.05, 0.3, 0.31, 0.55, 0.99])
    i = np.clip(np.searchsorted(knots, q) - 1, 0, 3)
    t = (q - knots[i]) / (knots[i + 1] - knots[i])
    v = y[i] * (1 - t) + y[i + 1] * t
    return np.sum((v - np.sin(3 * q)) ** 2)


def vander_ls(y):
    """least squares by np.vander(increasing=True) and lstsq with traced data"""
    V = np.vander(xs_pp, 4, increasing=True)
    coef, res, rank, sv = np.linalg.lstsq(V, y, rcond=None)
    return np.sum(coef**2) + np.sum((V @ coef - y) ** 2)


def poly_roots_free(c):
    """polynomial product by np.polymul and np.polyint; evaluated at points"""
    p = np.polymul(c, onp.array([1.0, -0.5]))
    P = np.polyint(p)
    return np.sum(np.polyval(P, xs_pp) ** 2)


POINTS = {
    "rk4_pendulum": onp.array([2.0, 0.3, 0.9]),
    "leapfrog_table": onp.array([1.5, 0.4, 0.8]),
    "verlet_nbody": onp.array([0.0, 0.0, 1.0, 0.2, -0.3, 0.9]),
    "spring_chain_inplace": onp.array([1.0, 1.5, 0.8, 1.2, 0.9]),
    "pendulum_energy_var": onp.array([0.9]),
    "projectile_drag": onp.array([0.7, 6.0]),
    "student_t_nll": onp.array([0.2, -0.3, 1.0]),
    "dirichlet_logpdf": onp.array([0.1, 0.3, -0.2]),
    "gmm2d": onp.concatenate(
        [[0.1, -0.2, 0.3], onp.array([[-1, 0], [0.5, 0.5], [1, -1.0]]).ravel(), 0.1 * onp.arange(6) - 0.2]
    ),
    "negbin_reg": onp.array([0.3, -0.2, 0.1, 0.5]),
    "tobit": onp.array([0.4, -0.8, 0.2, -0.5]),
    "dirichlet_kl": onp.array([0.2, -0.4, 0.7, 0.1]),
    "betaln_prior": onp.array([0.3, 0.5]),
    "masked_softmax_attn": onp.sin(onp.arange(32.0)) * 0.5,
    "layer_norm_ellipsis": onp.concatenate([onp.ones(4) * 1.1, onp.zeros(4) + 0.1, onp.cos(onp.arange(8.0))]),
    "embedding_ce": E_nlp.ravel().copy(),
    "causal_mh": onp.cos(onp.arange(48.0)) * 0.4,
    "relpos_bias": onp.linspace(-1, 1, 7),
    "label_smooth_ignore": onp.sin(onp.arange(20.0) * 1.3),
    "batched_ellipsis_matmul": onp.cos(onp.arange(16.0) * 0.7),
    "conv2d_pad": onp.array([0.0, 0.1, 0.0, 0.2, 0.5, 0.1, 0.0, 0.1, 0.0]),
    "conv_windows": img_ip.ravel() * 0.9,
    "pool_reshape": onp.sin(onp.arange(36.0) * 0.37),
    "bilinear_sample": onp.array([1.3, 2.6, 3.7, 0.4, 0.2, 4.5]),
    "tv_denoise": img_ip.ravel() + 0.05 * onp.cos(onp.arange(36.0)),
    "gaussian_blur_sep": onp.array([1.1]),
    "lj_pbc": onp.array([0, 0, 0, 1.1, 0.1, 0, 0.2, 1.2, 0.1, 2.6, 2.7, 0.4]),
    "morse_wrap": onp.array([0.1, 0.2, 1.2, 0.3, 2.1, 1.0, 4.6, 1.4]),
    "coulomb_erfc": onp.array([0.5, -0.3, 0.2, -0.6]),
    "bonds_angles_dihedral": onp.array([0, 0, 0, 1.0, 0.1, 0, 1.4, 1.0, 0.2, 2.3, 1.2, 0.9]),
    "soft_rdf": onp.array([0, 0, 1.0, 0.2, 0.3, 1.1, 1.6, 1.3, 2.2, 0.1]),
    "spring_network": onp.array([0, 0, 1.1, 0.1, 1.0, 0.9, -0.1, 1.05]),
    "gp_nll_chol": onp.array([-0.3, 0.1, -1.5]),
    "gp_nll_slogdet": onp.array([0.2, 0.1, -1.2]),
    "gp_predict_inv": onp.array([-0.3, 0.1, -1.5]),
    "gp_ard": onp.array([0.1, -0.2, 0.3]),
    "sparse_gp": onp.array([0.3, 1.4, 2.5, -0.4]),
    "periodic_kernel": onp.array([0.2, 0.9]),
    "discounted_crra": onp.array([0.1, 0.2, 0.0, 0.3, -0.1, 0.2]),
    "lqr_matrix_power": onp.array([0.8, 1.1]),
    "inventory_clip": onp.array([5.5, 4.2]),
    "cobb_douglas": onp.array([0.1, -0.3, 0.2]),
    "running_max_regret": onp.array([0.5, -0.4, 1.2]),
    "polyval_fit": onp.array([0.1, -0.3, 0.2, 0.05]),
    "interp_traced": onp.array([0.5, 0.8, 1.0, 0.7, 0.4]),
    "interp_traced_x": onp.array([-1.9, -1.6, -1.5, -1.8]),
    "searchsorted_spline": onp.array([0.0, 0.6, 0.9, 0.4, -0.3]),
    "vander_ls": onp.cos(onp.arange(9.0)),
    "poly_roots_free": onp.array([0.3, -0.2, 0.5]),
}

GRAD = {
    "rk4_pendulum": (0.3697703170744784, -0.273733114912223, 1.5777941486939564),  # jax
    "leapfrog_table": (0.7953414256916755, -1.9028830881179482, 5.139917170534581),  # jax
    "verlet_nbody": (1.0518256970751247, -1.2181417199604132, 18.353971725624053),  # jax
    "spring_chain_inplace": (0.06335622951487288, -0.028515577127313944, 0.0006875017496309843),  # jax
    "pendulum_energy_var": (0.355254917493174, -0.014747670760355639, 0.0007450290808380962),  # jax
    "projectile_drag": (0.01006465767305154, -0.3099159904082296, 0.2595882700300121),  # jax
    "student_t_nll": (26.7505806351863, -1.7541876517655728, 26.894587298859587),  # jax
    "dirichlet_logpdf": (-1.4491688433200838, 1.460669752633942, 7.673599193905867),  # jax
    "gmm2d": (3.068585275029247, 0.08746875484789515, 0.08029826619384896),  # jax
    "negbin_reg": (50.05568889815574, 1.1495827675536656, 1.7065819457480687),  # jax
    "tobit": (8.419857295427871, -1.3813238779261194, 285.18740244890955),  # jax
    "dirichlet_kl": (2.7883602256654774, -0.21092372769573048, 11.616305050890526),  # jax
    "betaln_prior": (0.12163138097740367, -1.2180770242184797, 3.7764836182281925),  # jax
    "masked_softmax_attn": (2.3701951267470176, 1.21338896278607, 0.22219957710238764),  # jax
    "layer_norm_ellipsis": (0.6857089648104948, -0.501306239678697, 0.21629010043971247),  # jax
    "embedding_ce": (2.0473667459316935, 0.10884567922139637, 0.35927972377377626),  # jax
    "causal_mh": (0.5814440417828902, 1.2729115034340945, 1.8081194137063057),  # jax
    "relpos_bias": (-8.773424841734467, 0.9854262892060065, 1.552463685978476),  # jax
    "label_smooth_ignore": (1.6789338264992946, 0.12935123305799212, 0.2408996648242049),  # jax
    "batched_ellipsis_matmul": (18.294133375939204, -17.72679402104646, 615.8008343805074),  # jax
    "conv2d_pad": (0.09788064407068561, 0.07620813533501317, 0.012815835869335275),  # jax
    "conv_windows": (32.59481713361987, -4.461455156705746, 2806.81938668087),  # jax
    "pool_reshape": (3.831097233499331, -0.4828216321622125, 3.3853325656633926),  # jax
    "bilinear_sample": (0.01625076954001653, -0.006926012618838019, 0.023423068191905233),  # jax
    "tv_denoise": (1.597626438110063, 0.13116086399523888, 1.1689198817971518),  # jax
    "gaussian_blur_sep": (1.1101401243327196, 0.3282739752994577, 0.369146934895764),  # jax
    "lj_pbc": (781.3802825727689, -27583.199367630074, 464372002.145913),  # jax
    "morse_wrap": (0.866139626684689, 0.42355130022741816, 0.34121365055809044),  # jax
    "coulomb_erfc": (0.017106809155752543, 0.5775095476744518, 0.6608264161423608),  # jax
    "bonds_angles_dihedral": (1.7394615638848403, 3.894085863090198, 32.76270608644036),  # jax
    "soft_rdf": (21.09404725322011, 7.27488368257059, 1311.1645078593408),  # jax
    "spring_network": (0.2259987062742023, -0.6657751947995889, 2.88710167916588),  # jax
    "gp_nll_chol": (5.546658752693351, -3.715999585158165, 10.947815811239684),  # jax
    "gp_nll_slogdet": (0.8357479426829709, -2.8199651578624705, 14.935323107070454),  # jax
    "gp_predict_inv": (0.09357647912483567, -0.19973790729986535, 0.02847391711637071),  # jax
    "gp_ard": (71.68639082488612, 1.3237777177219272, 317.74203351754477),  # jax
    "sparse_gp": (1.3901663608292383, -11.974506308084427, 86.2621630209421),  # jax
    "periodic_kernel": (2.5030342808494037, 8.694737471032537, 526.9331299952889),  # jax
    "discounted_crra": (4.753977525184645, 0.27979753250009126, 3.853276745068282),  # jax
    "lqr_matrix_power": (11.115075575495824, 0.7520132874709149, 1.2408187851652106),  # jax
    "inventory_clip": (29.45, 0.7334213262810897, 188.5),  # jax
    "cobb_douglas": (-0.6373629182211619, -0.09319433616584741, 0.019236526825790745),  # jax
    "running_max_regret": (-0.008334784915042276, 0.018905477281633713, 0.0009068424131686427),  # jax
    "polyval_fit": (0.4748515138291999, 0.25580701484716944, 10.331836606994624),  # jax
    "interp_traced": (0.3704848656646269, -1.3503937739400491, 1.9478511742021924),  # jax
    "interp_traced_x": (1.2410865238520594, -1.2043049995279755, 2.47002880679277),  # jax
    "searchsorted_spline": (0.2676624808242595, 0.3993083160145124, 1.0847582224050811),  # jax
    "vander_ls": (11.799525624029322, 24.07902580485255, 186.45634659790602),  # jax
    "poly_roots_free": (0.7969752375284832, -1.3542749089293395, 7.056995461019235),  # jax
}
PERTURBED = {
    "rk4_pendulum": (0.3488442358286816, -0.23850451954979848, 1.3552468390528207),  # jax
    "leapfrog_table": (0.8464344107709181, -2.0353006101410127, 5.847416027161678),  # jax
    "verlet_nbody": (1.1191170896029132, -1.048107337343662, 19.67824775771751),  # jax
    "spring_chain_inplace": (0.06406992569711838, -0.028508952349712444, 0.000693029090189281),  # jax
    "pendulum_energy_var": (0.35643435552062036, 0.04215479290439413, 0.00608723794285253),  # jax
    "projectile_drag": (0.05586425177016316, -0.8181536689984485, 1.8403516944264626),  # jax
    "student_t_nll": (26.691880089723156, -1.3703223726608271, 22.872843257311242),  # jax
    "dirichlet_logpdf": (-1.374707382555917, 1.5152164695624033, 8.75686718071635),  # jax
    "gmm2d": (3.0812860753757274, 0.13655669843702598, 0.08374581299882478),  # jax
    "negbin_reg": (50.02158224844227, 1.2679806868973187, 1.6227181731937788),  # jax
    "tobit": (8.680175558955762, 0.2216608021091738, 382.1488541425969),  # jax
    "dirichlet_kl": (2.7222089807857754, -0.16419618725876792, 11.072286040237461),  # jax
    "betaln_prior": (0.16299153521410614, -1.2736386884663, 4.31034821552336),  # jax
    "masked_softmax_attn": (2.3304658137676166, 1.184189510636733, 0.2391338593009386),  # jax
    "layer_norm_ellipsis": (0.6956838662725441, -0.5236431136507049, 0.2188275843772716),  # jax
    "embedding_ce": (2.0561201239166698, 0.10227864878556593, 0.3700967399066745),  # jax
    "causal_mh": (0.7256992858254173, 1.316269995253343, 2.267004118991484),  # jax
    "relpos_bias": (-8.825934246662184, 1.0143861830216272, 1.5587545722664147),  # jax
    "label_smooth_ignore": (1.6733394215258972, 0.13115216267161872, 0.2414641767867422),  # jax
    "batched_ellipsis_matmul": (17.81050056292509, -17.90322643982491, 588.5888670031161),  # jax
    "conv2d_pad": (0.0942199392425729, 0.050711492658193864, 0.013705933347425321),  # jax
    "conv_windows": (32.686719369487946, -4.455485217580151, 2813.8302287373626),  # jax
    "pool_reshape": (3.764018724951642, -0.39358409836256064, 3.2707995635498652),  # jax
    "bilinear_sample": (0.013593408109015923, -0.029503835592062218, 0.022563604326260957),  # jax
    "tv_denoise": (1.655333679372079, 0.0779344328471723, 1.3083416049028482),  # jax
    "gaussian_blur_sep": (1.1356298892702494, 0.3257486418558535, 0.363489261729421),  # jax
    "lj_pbc": (193.46075481529707, -5682.32639240992, 24936221.118600015),  # jax
    "morse_wrap": (0.8224750483369668, 0.20736554673518762, 0.6072286307296498),  # jax
    "coulomb_erfc": (-0.0015352257989103592, 0.3962350664445095, 0.32589130217116397),  # jax
    "bonds_angles_dihedral": (1.7206906247253897, 3.4467110381933317, 31.95470695494775),  # jax
    "soft_rdf": (17.697969091806826, -3.8281317794608665, 2063.9480240705334),  # jax
    "spring_network": (0.11250416284736978, -0.41878350171461415, 1.289884989878421),  # jax
    "gp_nll_chol": (5.597918250684105, -3.6746638777274776, 10.604167110914032),  # jax
    "gp_nll_slogdet": (0.9790519812835707, -2.9340913512625963, 16.519160201364535),  # jax
    "gp_predict_inv": (0.09288869233326524, -0.19894986469183762, 0.028286365325253537),  # jax
    "gp_ard": (72.71492494331227, 0.7023059553158959, 396.0479134120057),  # jax
    "sparse_gp": (1.3764832970968595, -12.256830155146824, 92.2239972278275),  # jax
    "periodic_kernel": (1.4400165065624893, 7.969442331485126, 434.8349737488209),  # jax
    "discounted_crra": (4.753400400402298, 0.2741836076790441, 3.8478443011532817),  # jax
    "lqr_matrix_power": (11.13215181476892, 0.8252853065078671, 1.498730207724458),  # jax
    "inventory_clip": (28.611602360272265, 0.7334213262810897, 188.5),  # jax
    "cobb_douglas": (-0.6413523485577158, -0.0843576135473423, 0.017138512813610212),  # jax
    "running_max_regret": (-0.006991951852691417, 0.018842016998293125, 0.0009605557356626772),  # jax
    "polyval_fit": (0.5603571319857236, 0.34088700879389794, 13.55343891373523),  # jax
    "interp_traced": (0.4109283154953006, -1.3802391133134513, 2.3841586996925006),  # jax
    "interp_traced_x": (1.309903893059573, -0.7301273631533477, 1.2668749846766945),  # jax
    "searchsorted_spline": (0.29611833119550574, 0.32902129508491074, 1.1331926212589114),  # jax
    "vander_ls": (12.441479198114218, 24.44916217565594, 194.2769426960823),  # jax
    "poly_roots_free": (0.7928759158727227, -1.3509786596633422, 7.018099840710266),  # jax
}
HESS = {
    "rk4_pendulum": (0.7188657791212661, 16.516206055379094),  # jax
    "leapfrog_table": (-2.5357234567728524, 21.40215383454533),  # jax
    "verlet_nbody": (0.5282675495431869, 1007.0713152123194),  # jax
    "spring_chain_inplace": (-0.000639339721601587, 0.0036584003065409255),  # jax
    "pendulum_energy_var": (1.3202942283342203, 8.433144009407703),  # jax
    "projectile_drag": (4.848736542880298, 151.01138971599806),  # jax
    "student_t_nll": (8.323565562500162, 1095.310147530776),  # jax
    "dirichlet_logpdf": (1.0950732961671152, 60.746992117876765),  # jax
    "gmm2d": (0.9510931328431294, 1.4611900146801142),  # jax
    "negbin_reg": (2.341802420055274, 25.75755064652075),  # jax
    "tobit": (28.73178638618447, 6571.19368470086),  # jax
    "dirichlet_kl": (0.8972701768705498, 16.32053268727242),  # jax
    "betaln_prior": (-1.080543744400759, 123.33596564825949),  # jax
    "masked_softmax_attn": (-0.5308264109377644, 1.6256423751131996),  # jax
    "layer_norm_ellipsis": (-0.3717299207495442, 1.7848026986946843),  # jax
    "embedding_ce": (-0.13250973422771395, 1.8005703126773032),  # jax
    "causal_mh": (0.7868080123988321, 11.425465115119845),  # jax
    "relpos_bias": (0.5847907362298783, 4.463180901890157),  # jax
    "label_smooth_ignore": (0.035424799249130744, 0.05689372085488712),  # jax
    "batched_ellipsis_matmul": (-2.8927316086042385, 3170.0239807283265),  # jax
    "conv2d_pad": (-0.5099328535363855, 8.997180522338766),  # jax
    "conv_windows": (0.11939878251178296, 65424.0),  # jax
    "pool_reshape": (1.782286039345239, 6.608894787820118),  # jax
    "bilinear_sample": (-0.4379504241477592, 1.4017693996279936),  # jax
    "tv_denoise": (-0.7939578045679474, 132.33544917982928),  # jax
    "gaussian_blur_sep": (-0.009673146815287874, 0.0004526719935520197),  # jax
    "lj_pbc": (821856.8535263343, 400087201121.74084),  # jax
    "morse_wrap": (0.9298556767418297, 60.88457470128771),  # jax
    "coulomb_erfc": (-3.625489624598846, 70.70116143060484),  # jax
    "bonds_angles_dihedral": (-8.733593448593492, 1738.6566597688893),  # jax
    "soft_rdf": (-208.06796951429885, 307899.35843902495),  # jax
    "spring_network": (5.080642680831503, 168.5761431162369),  # jax
    "gp_nll_chol": (0.5992051306837154, 243.54938207026547),  # jax
    "gp_nll_slogdet": (-2.341347619022167, 61.64748168013556),  # jax
    "gp_predict_inv": (0.01593849205238155, 0.10138977960680458),  # jax
    "gp_ard": (-10.612053353770943, 1381.2090067402507),  # jax
    "sparse_gp": (-5.168294127601085, 1040.305351906518),  # jax
    "periodic_kernel": (-3.869523171259773, 221.76481936691363),  # jax
    "discounted_crra": (-0.10964120325631711, 3.8532767450682814),  # jax
    "lqr_matrix_power": (1.5189540514783673, 27.699038651373495),  # jax
    "inventory_clip": (0.0, 0.0),  # jax
    "cobb_douglas": (0.17787661057170326, 0.11370395692268373),  # jax
    "running_max_regret": (-0.0012692056668117228, 0.0012000000000000001),  # jax
    "polyval_fit": (1.7015998789345492, 610.2818759338379),  # jax
    "interp_traced": (-0.5969067874680439, 141.95947776),  # jax
    "interp_traced_x": (-0.4803097766193276, 6.574756869148885),  # jax
    "searchsorted_spline": (-1.4057404185920321, 14.90445312),  # jax
    "vander_ls": (7.402727416067718, 106.3114519631008),  # jax
    "poly_roots_free": (0.06592498531994209, 19.627397049069664),  # jax
}


#: the programs whose trace reads a traced value's number (the projectile's `if r[1] < 0: break`, bilinear sampling's
#: astype(int) of a traced floor): refused by dl.prepare by name, differentiated fresh at the second point
SPECIALISED = frozenset({"projectile_drag", "bilinear_sample"})
#: the costly cells, checked once by the cheapest exact method instead of every method (this file's CPU budget)
ONE_METHOD = {
    "projectile_drag": "forward",
    "spring_chain_inplace": "reverse",
    "leapfrog_table": "reverse",
    "rk4_pendulum": "reverse",
}
#: SymPy's build is most of the time for these (unrolled loops, 36-pixel images); the full tier runs them
NO_SYMBOLIC = frozenset({"verlet_nbody", "conv_windows", "tv_denoise", "causal_mh", "negbin_reg", "spring_network"})
ALL_CASES = [
    (n, m)
    for n in POINTS
    for m in METHODS
    if (n not in ONE_METHOD or ONE_METHOD[n] == m) and not (m == "symbolic" and n in NO_SYMBOLIC)
]
#: the default tier (tests/tier.py): one method per program, at both points, fresh and prepared; the full tier: every
#: cell
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
            "student_t_nll", "dirichlet_logpdf", "tobit", "dirichlet_kl", "betaln_prior", "relpos_bias",
            "label_smooth_ignore", "batched_ellipsis_matmul", "conv2d_pad", "lj_pbc", "morse_wrap",
            "bonds_angles_dihedral", "soft_rdf", "gp_nll_slogdet", "gp_predict_inv", "sparse_gp", "periodic_kernel",
            "lqr_matrix_power", "cobb_douglas", "polyval_fit", "interp_traced", "searchsorted_spline", "vander_ls",
            "bilinear_sample",
        ]
    )
]  # fmt: skip


@pytest.mark.parametrize("name, method", HESS_CASES)
def test_hessian_of_user_code(name, method):
    """dl.hessian equals jax.hessian's (uᵀHv and ΣH², u = cos(k + 1), v = sin(k + 1))."""
    check_hessian(globals()[name], POINTS[name], method, HESS[name])


@pytest.mark.parametrize("name", ["gp_nll_chol", "masked_softmax_attn", "interp_traced"])
def test_hvp_vmap_and_jit_of_user_code(name):
    """dl.hvp (forward and reverse) along sin(k + 1) equals jax.hessian's uᵀHv; dl.vmap of f and of dl.grad(f) over
    three points, and dl.jit of f and of its gradient, equal the unbatched calls."""
    check_hvp_vmap_jit(globals()[name], POINTS[name], HESS[name])


@pytest.mark.parametrize("name", ["student_t_nll", "conv2d_pad", "spring_network", "gp_nll_chol", "lj_pbc"])
def test_bad_input_to_user_code(name):
    """An int array: a TypeError naming the dtype; a read-only array: JAX's gradient, the input untouched, the gradient
    not aliasing it; a NaN entry: a NaN gradient, no error; a vector too short: a ValueError naming the shapes."""
    f, x = globals()[name], POINTS[name]
    check_bad_inputs(f, x, GRAD[name], float32=False)
    with pytest.raises(ValueError, match=r"\(" + str(x.size - 1) + r",\)"):
        dl.grad(f)(x[:-1].copy())


# ---------------------------------------------------------------- what the users met, fixed


def test_slogdet_result_reads_as_numpys():
    """np.linalg.slogdet(K).logabsdet and .sign (NumPy 2's SlogdetResult): main returned a plain tuple, so a user's
    `.logabsdet` raised AttributeError; the pair still unpacks and indexes."""
    K = onp.array([[2.0, 0.5], [0.5, -1.0]])
    r = np.linalg.slogdet(K)
    want = onp.linalg.slogdet(K)
    assert (r.sign, r.logabsdet) == (want.sign, want.logabsdet) and tuple(r) == tuple(want)
    sign, ld = r
    assert r[1] == ld
    for method in ("numeric", "forward", "reverse"):
        g = dl.grad(lambda a: np.linalg.slogdet(a.reshape(2, 2)).logabsdet, method=method)(K.ravel())
        onp.testing.assert_allclose(g, onp.linalg.inv(K).T.ravel(), rtol=1e-6 if method == "numeric" else 1e-13)


def test_pad_constant_values_as_numpy_broadcasts_them():
    """np.pad's constant_values and end_values as NumPy's pairs ((before, after) per axis, broadcast): main raised a
    bare "float() argument must be a string or a real number, not 'tuple'", and refused per-side end_values; a traced
    constant_values (JAX's pad takes one) was refused as a conversion, a traced end_values too. Gradients below are
    JAX's (jnp.pad with the same pairs)."""
    x = onp.array([0.3, -1.2, 2.0, 0.7, -0.4, 1.1])
    A = x.reshape(2, 3)
    pairs = ((1.0, 2.0), (3.0, 4.0))
    onp.testing.assert_array_equal(
        np.pad(A, ((1, 0), (0, 2)), constant_values=pairs), onp.pad(A, ((1, 0), (0, 2)), constant_values=pairs)
    )
    ends = ((1.0, -2.0), (0.5, 3.0))
    onp.testing.assert_array_equal(
        np.pad(A, 2, mode="linear_ramp", end_values=ends), onp.pad(A, 2, mode="linear_ramp", end_values=ends)
    )

    def f(x):
        P = np.pad(x.reshape(2, 3), ((1, 0), (0, 2)), constant_values=pairs)
        return np.sum(P**2 * onp.arange(15.0).reshape(3, 5))

    def traced_fill(x):
        return np.sum(np.pad(x[:3], (1, 2), constant_values=x[3]) ** 2 * onp.arange(6.0))

    for method in METHODS:
        tol = 1e-6 if method == "numeric" else 1e-13
        g = dl.grad(f, method=method)(x)
        onp.testing.assert_allclose(g, [3.0, -14.4, 28.0, 14.0, -8.8, 26.4], rtol=tol)  # jax.grad's
        g = dl.grad(traced_fill, method=method)(x)
        onp.testing.assert_allclose(g, [0.6, -4.8, 12.0, 12.6, 0.0, 0.0], rtol=tol, atol=tol)  # jax.grad's
    p = dl.prepare(traced_fill, x)
    onp.testing.assert_allclose(p.grad(x + 1.0), [2.6, -0.8, 18.0, 30.6, 0.0, 0.0], rtol=1e-13)

    # a traced end_value per side (JAX refuses it: "Non-hashable static arguments"): ∂/∂e of the ramp's values
    def ramp(x):
        return np.sum(np.pad(x[:3], (2, 2), mode="linear_ramp", end_values=(x[4], x[5])) * onp.arange(7.0))

    # pad = [e₀, (e₀ + x₀)/2, x₀, x₁, x₂, (x₂ + e₁)/2, e₁]·(0 … 6): ∂e₀ = 0 + 1/2, ∂e₁ = 5/2 + 6
    for method in ("forward", "reverse", "symbolic"):
        onp.testing.assert_allclose(dl.grad(ramp, method=method)(x), [2.5, 3.0, 6.5, 0.0, 0.5, 8.5], rtol=1e-13)
    with pytest.raises(ValueError, match="could not be broadcast"):
        np.pad(A, 1, constant_values=(1.0, 2.0, 3.0))


def test_pad_keeps_an_int_or_float32_arrays_dtype():
    """np.pad of a plain integer array with a non-integer fill: NumPy (and JAX) cast the fill to the array's dtype
    (2.5 → 2, a 'mean' rounded, a ramp truncated); main padded with 2.5 in a float64 result, silently another number,
    and a float32 array came back float64."""
    a = onp.arange(3)
    for kw in ({"constant_values": 2.5}, {"mode": "mean"}, {"mode": "linear_ramp", "end_values": 5}):
        want = onp.pad(a, 2, **kw)
        got = np.pad(a, 2, **kw)
        assert got.dtype == want.dtype and onp.array_equal(got, want), kw
    onp.testing.assert_array_equal(np.pad(a, 1, constant_values=2.5), [2, 0, 1, 2, 2])
    assert np.pad(onp.ones(2, onp.float32), 1).dtype == onp.float32


def test_polyval_takes_a_list_of_points_and_names_a_0d_polynomial():
    """np.polyval(c, [0.0, 1.0, 2.0]) (points as a list, NumPy's asanyarray): main's `x * 0.0` raised "can't multiply
    sequence by non-int of type 'float'"; a list holding traced points is stacked. A 0-d coefficient: NumPy's
    TypeError, here naming it (main: IndexError 'tuple index out of range')."""
    onp.testing.assert_array_equal(np.polyval([1.0, 2.0], [0.0, 1.0, 2.0]), [2.0, 3.0, 4.0])
    for method in METHODS:
        g = dl.grad(lambda c: np.sum(np.polyval(c, [0.0, 1.0, 2.0])), method=method)(onp.array([1.0, 2.0]))
        onp.testing.assert_allclose(g, [3.0, 3.0], rtol=1e-8 if method == "numeric" else 0)
    # Σ_t polyval([1, x, 3], t) at t = x, 2x, 1, 2: d/dx = 4x + 12x + 1 + 2 = 19 at x = 1
    assert dl.grad(lambda x: np.sum(np.polyval([1.0, x, 3.0], [[x, 2 * x], [1.0, 2.0]])))(1.0) == 19.0
    with pytest.raises(TypeError, match="polyval: p must hold the coefficients"):
        dl.grad(lambda c: np.sum(np.polyval(c, onp.linspace(-1, 1, 3))))(0.3)


def test_lstsq_names_its_shapes():
    """np.linalg.lstsq with b of the wrong length or rank, or a 1-D a: NumPy's LinAlgError, naming lstsq and the shapes;
    main raised "matmul: cannot apply to arguments of shapes (4, 9), (8,)" (an op the user did not call) or "not
    enough values to unpack"."""
    V = onp.vander(onp.linspace(-1, 1, 9), 4, increasing=True)
    with pytest.raises(onp.linalg.LinAlgError, match=r"lstsq: Incompatible dimensions: a is \(9, 4\) and b \(8,\)"):
        dl.grad(lambda y: np.sum(np.linalg.lstsq(V, y, rcond=None)[0]))(onp.ones(8))
    with pytest.raises(onp.linalg.LinAlgError, match=r"lstsq: b is 0-dimensional"):
        dl.grad(lambda y: np.sum(np.linalg.lstsq(V, y)[0]))(1.0)
    with pytest.raises(onp.linalg.LinAlgError, match=r"lstsq: a is 1-dimensional, shape \(9,\)"):
        np.linalg.lstsq(onp.ones(9), onp.ones(9))
    x, res, rank, s = np.linalg.lstsq(V, onp.cos(onp.arange(9.0)), rcond=None)
    want = onp.linalg.lstsq(V, onp.cos(onp.arange(9.0)), rcond=None)
    onp.testing.assert_allclose(x, want[0], rtol=1e-12)
    assert rank == want[2]


def test_in_place_add_into_a_numpy_array_of_the_function_is_refused_by_name():
    """`vel = np.zeros((3, 2)); vel += traced` (JAX rebinds; NumPy writes its own array): refused by name, saying what
    to write; verlet_nbody writes vel = vel + ... as the message says."""

    def f(x):
        vel = np.zeros(2)
        vel += x * 2.0
        return np.sum(vel)

    with pytest.raises(UnsupportedOperationError, match=r"`vel \+= x \* 2.0` writes a traced value into vel"):
        dl.grad(f)(onp.ones(2))


def test_reductions_read_numpys_positional_arguments():
    """np.max(A, 1, None, True) is NumPy's axis=1, out=None, keepdims=True (ndarray.max's order too); main's front read
    (axis, keepdims, initial): keepdims None and initial=True, the maximum of each row and 1, silently ([1, 1] below,
    NumPy's [[0.3], [1.7]]), np.min the same; np.prod(A, 0, float), np.nanmean(A, 0, float), np.nansum and np.nanprod
    so were keepdims=float (a (1, 2) result); np.sum, np.mean, np.std, np.ptp, np.take, np.nanmax, np.nanvar with
    out's slot given positionally a bare "takes from 1 to 4 positional arguments", np.var(A, 0, float) ddof=float
    ("unsupported operand type(s) for -"), np.full_like's order read as its shape; np.var's NumPy 2 mean= and
    correction= refused. An out= array (a write in place) is refused by name, as the ufuncs' out= is (main:
    "_sum_front() got an unexpected keyword argument 'out'", an internal name)."""
    A = onp.array([[0.3, -1.2], [-2.0, 1.7]])
    calls = [
        lambda m, A: m.max(A, 1, None, True),
        lambda m, A: m.amax(A, 1, None, True, 1.5),
        lambda m, A: m.min(A, 1, None, True),
        lambda m, A: m.prod(A, 0, float),
        lambda m, A: m.prod(A, 1, None, None, True, 2.0),
        lambda m, A: m.sum(A, 0, float, None, True),
        lambda m, A: m.mean(A, 0, float, None, True),
        lambda m, A: m.cumsum(A, 0, float, None),
        lambda m, A: m.nanmean(A, 0, float),
        lambda m, A: m.nansum(A, 0, float, None, True),
        lambda m, A: m.nanprod(A, 1, float),
        lambda m, A: m.var(A, 0, float),
        lambda m, A: m.std(A, 0, None, None, 1, True),
        lambda m, A: m.var(A, 1, mean=m.mean(A, 1, keepdims=True), correction=1),
        lambda m, A: m.nanstd(A, 0, None, None, 1),
        lambda m, A: m.nanmax(A, 0, None, True),
        lambda m, A: m.ptp(A, 0, None, True),
        lambda m, A: m.take(A, [1, 3], 0, None, "clip"),
        lambda m, A: m.full_like(A, 2.0, float, "C", True, (2,)) * A[0, 0],
        lambda m, A: m.clip(A, 0.0, 1.0, None),
        lambda m, A: m.round(A, 1, None) * A,
        lambda m, A: m.trace(A, 0, 0, 1, float, None),
        lambda m, A: m.cumprod(A, 1, float, None),
        lambda m, A: m.nancumsum(A, 0, float, None),
    ]
    for call in calls:
        want = call(onp, A)
        got = call(np, A)
        assert onp.shape(got) == onp.shape(want) and onp.allclose(got, want)
        w = onp.arange(1.0, 1.0 + onp.size(want)).reshape(onp.shape(want))
        v, g = dl.value_and_grad(lambda A: np.sum(call(np, A) * w))(A)
        assert float(v) == pytest.approx(float(onp.sum(want * w)), rel=1e-15)
    v, g = dl.value_and_grad(lambda A: np.sum(A.max(1, None, True) * onp.array([[1.0], [2.0]])))(A)
    assert float(v) == pytest.approx(0.3 + 2 * 1.7, rel=1e-15)
    onp.testing.assert_array_equal(g, [[1.0, 0.0], [0.0, 2.0]])
    for name, call in [
        ("sum", lambda x: np.sum(x, out=onp.zeros(()))),
        ("max", lambda x: np.max(x, 0, onp.zeros(2))),
        ("sum", lambda x: x.sum(0, None, onp.zeros(2))),
        ("min", lambda x: np.min(x, out=onp.zeros(()))),
        ("cumsum", lambda x: np.cumsum(x, out=onp.zeros(4))),
        ("mean", lambda x: np.mean(x, out=onp.zeros(()))),
        ("prod", lambda x: np.prod(x, out=onp.zeros(()))),
        ("var", lambda x: np.var(x, out=onp.zeros(()))),
        ("nansum", lambda x: np.nansum(x, 0, None, onp.zeros(2))),
        ("take", lambda x: np.take(x, [0], 0, onp.zeros(2))),
        ("clip", lambda x: np.clip(x, 0.0, 1.0, onp.zeros((2, 2)))),
        ("trace", lambda x: np.trace(x, out=onp.zeros(()))),
    ]:
        # (a method's out= into a NumPy array: trace.py's message naming the line, as NumPy's functions' (test_edges60))
        said = rf"numpy\.{name}( was given out=, an array written in place|\(\.\.\., out=c\) writes its result into c)"
        with pytest.raises(UnsupportedOperationError, match=said):
            dl.grad(lambda x: np.sum(call(x)))(A)


def test_scipy_linalg_takes_scipys_keywords():
    """difflab.scipy.linalg's inv, det, svd, norm and svdvals were NumPy's functions: SciPy's overwrite_a,
    check_finite and lapack_driver (a GP user's `sla.inv(K, check_finite=False)`) raised a bare "unexpected keyword
    argument"; now SciPy's signatures, the flags accepted and changing nothing (as cholesky's); inv's assume_a other
    than 'general' (SciPy reads one triangle) refused by name."""
    A = onp.array([[1.0, 2.0], [0.5, -3.0]])
    assert sla.det(A, overwrite_a=False, check_finite=True) == pytest.approx(-4.0, rel=1e-15)
    onp.testing.assert_allclose(sla.inv(A, check_finite=False, assume_a="general"), onp.linalg.inv(A), rtol=1e-15)
    onp.testing.assert_allclose(sla.svdvals(A, check_finite=False), onp.linalg.svd(A, compute_uv=False), rtol=1e-14)
    assert sla.norm(A, "fro", None, False, False) == pytest.approx(onp.linalg.norm(A), rel=1e-15)
    # σ₁ + σ₂ of a 2×2: its gradient U Vᵀ, SciPy's positional (full_matrices, compute_uv, overwrite_a, check_finite)
    U, s, Vh = onp.linalg.svd(A)
    for method in ("forward", "reverse"):
        g = dl.grad(lambda a: np.sum(sla.svd(a.reshape(2, 2), False, False, True, False, "gesvd")), method=method)
        onp.testing.assert_allclose(g(A.ravel()), (U @ Vh).ravel(), rtol=1e-13)
    with pytest.raises(UnsupportedOperationError, match="scipy.linalg.inv: assume_a='pos'"):
        sla.inv(A, assume_a="pos")
