"""What a user writes, round 68: ten new users' own NumPy code written with `import difflab.numpy as np`, from
domains the earlier rounds leave out, each program's value and gradient by all four methods (fresh at its point,
prepared there and called at x + 0.05·sin(k + 1)) against the same source run with jax.numpy in x64 (stored: f,
g·cos(k + 1), |g|²; np.add.at and item assignment spelt with JAX's .at[], sliding_window_view as an index gather,
np.gradient(edge_order=2) by NumPy's formulas, which jnp.gradient lacks), and a Hessian by forward or reverse.

PDE solvers: a periodic explicit heat equation by np.roll, backward Euler with a tridiagonal np.diag(k=±1) matrix and
np.linalg.solve, a leapfrog wave equation with np.pad(mode='reflect'), a Dirichlet energy by np.gradient(edge_order=2)
on a nonuniform grid and np.trapezoid, upwind Burgers by np.diff(prepend/append) and np.where, Jacobi sweeps for
Poisson with np.pad(mode='edge') and interior assignment. Vision: bilinear sampling at traced points (np.floor indices:
specialised, refused by dl.prepare by name), at fixed points of a traced image, im2col convolutions by
sliding_window_view and np.einsum, 2x2 max pooling by reshape(...).max(axis=(1, 3)), an affine spatial transformer, a
Harris response by np.gradient of a traced image, total variation. Audio: a log-magnitude spectral loss (np.hanning,
rfft, np.log10(np.maximum)), an STFT (hamming, rfft(axis=-1), rfftfreq), log-mel energies, a filter designed in
frequency through irfft(n=16) and np.convolve(mode='same'), a fractional delay by fftfreq and ifft, autocorrelation by
irfft(|rfft|²). Bioinformatics: an HMM's forward algorithm in log space (logsumexp over axis=0), forward-backward
posteriors, a PWM scan, Jukes-Cantor with np.prod(dtype=float), read survival by np.cumprod. Bayesian: eight schools
(non-centred, Jacobian adjusted), beta-binomial by betaln/gammaln, gamma-Poisson by xlogy, a multivariate normal by
slogdet and solve over a Cholesky factor from np.tril/np.diagonal, Dirichlet, Student-t regression. Contrastive:
InfoNCE, NT-Xent with an np.eye mask, a triplet margin, CLIP's learned temperature, supervised contrastive. Flows:
affine coupling, a masked autoregressive flow (np.tril mask, np.diagonal log|det| against slogdet), planar flows, a
triangular linear flow by solve, a monotone flow by np.cumsum. Graphs: GCN's D^-1/2 A D^-1/2, message passing by
np.take and np.add.at, segment sums by np.bincount(weights=traced), graph attention's segment softmax, a learned
adjacency assigned by index arrays. Operations research: a log-barrier LP, unrolled projected gradient by np.clip,
entropic assignment, a newsvendor, a penalty QP. Tabular: Huber, multi-quantile pinball, focal loss, Tweedie and
Poisson deviances, cumulative-logit ordinal regression by take_along_axis.

What they met (56 programs × 4 methods, prepared at a second point, Hessians and hvp by forward and reverse, vmap of f
and of grad, jit, linearize, vjp and checkpoint on every program; each fed ints, a list, NaN, 0-d, empty, a short and
a long vector, (1, n), float32 and a read-only array; then ~180 calls varying NumPy's options — np.roll with tuple
shifts, np.diff(n, prepend, append), np.gradient's spacings and axes, every np.pad mode, rfft/irfft/fft's n, axis and
norm, windows, einsum's ellipses and optimize, sliding_window_view's axis, cumprod/prod through zeros, logsumexp with
-inf entries and b, gammaln/betaln, slogdet, tril/diagonal offsets, take's modes, bincount, clip/maximum ties, norms,
sorts): every value, gradient, Hessian, hvp, vmap and jit equal to JAX's, no input mutated, no output aliasing one,
bad input refused by name or NaN where NumPy's is. Wrong silently, fixed here: the second derivatives of
scipy.special's xlogy, xlog1py and rel_entr where x = 0: ∂y's rule was where(x == 0, 0, x/y), whose own x-derivative
there is 0, not 1/y, so d²/dx dy was 0 one way and 1/y the other (an asymmetric Hessian: xlogy(x, y) at (0, 2) gave
H = [[0, 0.5], [0, 0]], JAX's and the truth's [[0, 0.5], [0.5, 0]]; the Hessian of xlog1py(x, x) at 0 was 1, the
truth's 2). JAX's betaln is off by ~1e-8 relative at these arguments (betaln(4.4, 16.9)); beta_binomial's references
are mpmath's at 40 digits. Left: bilinear sampling at traced points is
specialised (floor-derived indices), so dl.prepare, vmap and jit refuse it by name (JAX's jit gathers by traced
indices); a -inf or NaN output (an empty logsumexp row, nanmean of an all-NaN column) makes every entry's gradient
NaN (DESIGN.md §6's rule; JAX's is finite elsewhere); symbolic's log(0) says no DomainWarning (reverse's does). Misleading
error, fixed: np.zeros_like(p, shape=(5, 5)) of an empty traced p was NumPy's zeros, so assigning p's values into it
was refused as "stored into an array of the function's own" (now traced: NumPy's shape error names the shapes).
Refused where NumPy runs, fixed: np.pad(mode='reflect' or 'symmetric', reflect_type='odd').
Wrong silently under symbolic, fixed: SymPy's log of a constant 0 is zoo, so exp(log([x, 0])) summed was NaN (now -oo).
"""

import warnings

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

_r = onp.random.default_rng(68)

# ---------------------------------------------------------------- PDE solvers (user A)
x_pde = onp.linspace(0.0, 1.0, 10)
u_tgt = onp.sin(onp.pi * x_pde) * 0.5


def heat_explicit(u0):
    """periodic explicit heat equation by np.roll, 25 steps, squared misfit to a target"""
    u = u0
    r = 0.2
    for _ in range(25):
        u = u + r * (np.roll(u, 1) + np.roll(u, -1) - 2 * u)
    return np.sum((u - u_tgt) ** 2)


def heat_implicit(logk):
    """backward Euler with a diffusivity field: a tridiagonal matrix from np.diag(k=±1), np.linalg.solve each step"""
    k = np.exp(logk)  # 9 face diffusivities
    main = np.concatenate([k[:1], k[:-1] + k[1:], k[-1:]])
    A = np.eye(10) + 0.3 * (np.diag(main) - np.diag(k, k=1) - np.diag(k, k=-1))
    u = onp.exp(-((x_pde - 0.3) ** 2) / 0.02)
    for _ in range(4):
        u = np.linalg.solve(A, u)
    return np.sum((u - u_tgt) ** 2) + 0.01 * np.sum(np.diff(logk) ** 2)


def wave_leapfrog(c):
    """1-D wave equation, leapfrog, reflecting ends by np.pad(mode='reflect'), a wave speed per cell"""
    u_prev = onp.exp(-((x_pde - 0.5) ** 2) / 0.01)
    u = u_prev.copy()
    for _ in range(12):
        up = np.pad(u, 1, mode="reflect")
        lap = up[2:] - 2 * up[1:-1] + up[:-2]
        u, u_prev = 2 * u - u_prev + 0.25 * c**2 * lap, u
    return np.sum(u**2) + np.mean(np.diff(u, n=2) ** 2)


def gradient_energy(u):
    """Dirichlet energy with np.gradient(edge_order=2) on a nonuniform grid and a uniform spacing"""
    xs = onp.array([0.0, 0.1, 0.25, 0.4, 0.6, 0.7, 0.85, 1.0])
    du = np.gradient(u, xs, edge_order=2)
    d2 = np.gradient(u, 0.2, edge_order=2)
    return np.trapezoid(du**2, xs) + 0.1 * np.sum(d2**2) + np.sum(u**4)


def burgers_upwind(u0):
    """inviscid Burgers by upwinding: np.where on the sign, np.diff with prepend/append (edge values)"""
    u = u0
    for _ in range(8):
        dm = np.diff(u, prepend=u[:1])
        dp = np.diff(u, append=u[-1:])
        u = u - 0.1 * np.where(u > 0, u * dm, u * dp)
    return np.sum(u**2) + np.sum(np.abs(u) ** 3)


def poisson_jacobi(f):
    """2-D Poisson by Jacobi sweeps: np.pad(mode='edge') for Neumann sides, a 5-point stencil, interior assigned in place"""
    F = f.reshape(4, 4)
    u = np.zeros_like(F)
    for _ in range(10):
        up = np.pad(u, ((1, 1), (1, 1)), mode="edge")
        new = 0.25 * (up[:-2, 1:-1] + up[2:, 1:-1] + up[1:-1, :-2] + up[1:-1, 2:] - 0.1 * F)
        u = np.zeros_like(F)
        u[1:-1, 1:-1] = new[1:-1, 1:-1]
        u[0, :] = new[0, :] * 0.5
    return np.sum(u**2) + np.sum(u, axis=(0, 1)) ** 2


# ---------------------------------------------------------------- computer vision (user B)
img_cv = _r.standard_normal((6, 6))
kern_cv = _r.standard_normal((3, 3))


def bilinear_sample(p):
    """bilinear interpolation at traced points: corner indices from np.floor(...).astype(int), weights from the fraction"""
    xy = p.reshape(4, 2) + 2.0
    x0 = np.floor(xy[:, 0]).astype(int)
    y0 = np.floor(xy[:, 1]).astype(int)
    fx = xy[:, 0] - x0
    fy = xy[:, 1] - y0
    v = (
        img_cv[y0, x0] * (1 - fx) * (1 - fy)
        + img_cv[y0, x0 + 1] * fx * (1 - fy)
        + img_cv[y0 + 1, x0] * (1 - fx) * fy
        + img_cv[y0 + 1, x0 + 1] * fx * fy
    )
    return np.sum(v**2)


def bilinear_image(im):
    """the image is the parameter, fixed sample points: gathers by index arrays with repeats, np.clip'd indices"""
    I = im.reshape(6, 6)
    pts = onp.array([[0.3, 0.7], [2.5, 4.9], [4.2, 1.1], [5.5, 5.5], [1.0, 1.0]])
    x0 = onp.clip(onp.floor(pts[:, 0]).astype(int), 0, 4)
    y0 = onp.clip(onp.floor(pts[:, 1]).astype(int), 0, 4)
    fx = pts[:, 0] - x0
    fy = pts[:, 1] - y0
    v = I[y0, x0] * (1 - fx) * (1 - fy) + I[y0, x0 + 1] * fx * (1 - fy) + I[y0 + 1, x0] * (1 - fx) * fy
    v = v + I[y0 + 1, x0 + 1] * fx * fy
    return np.sum((v - 0.5) ** 2) + 0.01 * np.sum(I**2)


def conv_im2col(w):
    """a 3x3 convolution of a fixed image by im2col: sliding_window_view then np.einsum, a relu, a mean"""
    K = w.reshape(3, 3)
    patches = np.lib.stride_tricks.sliding_window_view(img_cv, (3, 3))
    out = np.einsum("ijkl,kl->ij", patches, K)
    return np.mean(np.maximum(out, 0.0) ** 2) + np.sum(out, axis=-1).std()


def conv_traced_image(im):
    """the image traced through sliding_window_view, then a matmul with the flattened kernel (reshape(-1, 9))"""
    I = im.reshape(5, 5)
    P = np.lib.stride_tricks.sliding_window_view(I, window_shape=(3, 3)).reshape(-1, 9)
    out = P @ kern_cv.ravel()
    return np.sum(np.tanh(out) ** 2) + np.sum(I[::2, ::2] ** 2)


def maxpool_reshape(im):
    """2x2 max pooling by reshape(2, 2, 2, 2).max(axis=(1, 3)), then a global average pool and a softplus"""
    I = im.reshape(4, 4) * onp.arange(1.0, 17.0).reshape(4, 4) / 8
    pooled = I.reshape(2, 2, 2, 2).max(axis=(1, 3))
    avg = I.reshape(2, 2, 2, 2).mean(axis=(-1, -3), keepdims=True)
    return np.sum(np.logaddexp(0.0, pooled)) + np.sum(avg**2)


def affine_warp(theta):
    """a spatial transformer: affine grid from 6 params, bilinear sampling with clipped floor indices"""
    A = theta.reshape(2, 3)
    gy, gx = onp.meshgrid(onp.linspace(-1, 1, 4), onp.linspace(-1, 1, 4), indexing="ij")
    grid = onp.stack([gx.ravel(), gy.ravel(), onp.ones(16)])
    src = A @ grid
    px = np.clip((src[0] + 1) * 2.5, 0.0, 4.999)
    py = np.clip((src[1] + 1) * 2.5, 0.0, 4.999)
    x0 = np.floor(px).astype(int)
    y0 = np.floor(py).astype(int)
    fx = px - x0
    fy = py - y0
    v = img_cv[y0, x0] * (1 - fx) * (1 - fy) + img_cv[y0, x0 + 1] * fx * (1 - fy)
    v = v + img_cv[y0 + 1, x0] * (1 - fx) * fy + img_cv[y0 + 1, x0 + 1] * fx * fy
    return np.sum((v - img_cv[1:5, 1:5].ravel()) ** 2)


def harris_corners(im):
    """Harris response: np.gradient of a traced image along both axes, a 3x3 box filter by windows, det - k tr^2"""
    I = im.reshape(5, 5)
    gy, gx = np.gradient(I)
    box = lambda a: np.lib.stride_tricks.sliding_window_view(a, (3, 3)).sum(axis=(-2, -1))
    Sxx, Syy, Sxy = box(gx * gx), box(gy * gy), box(gx * gy)
    R = Sxx * Syy - Sxy**2 - 0.05 * (Sxx + Syy) ** 2
    return np.sum(R) + np.max(R)


def total_variation(im):
    """TV denoising: sqrt(diff^2 + eps) along axis 0 and axis -1, data fidelity to a noisy image"""
    I = im.reshape(5, 6)
    dx = np.diff(I, axis=-1)
    dy = np.diff(I, axis=0)
    tv = np.sum(np.sqrt(dx**2 + 1e-3)) + np.sum(np.sqrt(dy**2 + 1e-3))
    return 0.5 * np.sum((I - img_cv[:5]) ** 2) + 0.3 * tv


# ---------------------------------------------------------------- audio (user C)
t_au = onp.arange(32) / 32.0
sig_au = onp.sin(2 * onp.pi * 3 * t_au) + 0.5 * onp.sin(2 * onp.pi * 7 * t_au + 0.3)


def spectral_loss(x):
    """log-magnitude spectral loss: a Hann window, np.fft.rfft, np.abs, np.log10 with an np.maximum floor"""
    X = np.fft.rfft(x * np.hanning(32))
    T = onp.fft.rfft(sig_au * onp.hanning(32))
    mag = np.abs(X)
    return np.mean((np.log10(np.maximum(mag, 1e-5)) - onp.log10(onp.maximum(onp.abs(T), 1e-5))) ** 2) + np.mean(
        (mag - onp.abs(T)) ** 2
    )


def stft_magnitude(x):
    """an STFT by sliding_window_view(x, 8)[::4] times np.hamming, rfft(axis=-1), power, a spectral centroid"""
    frames = np.lib.stride_tricks.sliding_window_view(x, 8)[::4] * np.hamming(8)
    S = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    f = np.fft.rfftfreq(8, d=1 / 32)
    centroid = np.sum(S * f, axis=1) / (np.sum(S, axis=1) + 1e-9)
    return np.mean(centroid) / 10 + np.sum(S) / 100


def log_mel(x):
    """log-mel energies: a triangular filterbank built with NumPy on fftfreq bins, 10*log10(maximum(., 1e-10))"""
    P = np.abs(np.fft.rfft(x, n=32)) ** 2 / 32
    freqs = onp.fft.rfftfreq(32, d=1 / 32)
    centers = onp.array([0.0, 3.0, 6.0, 10.0, 16.0])
    fb = onp.maximum(0, 1 - onp.abs(freqs[None, :] - centers[:, None]) / 3.0)
    mel = P @ fb.T
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.sum((db - db.max()) ** 2) / 100


def irfft_filter(p):
    """a filter designed in frequency: complex response from real and imaginary parts, np.fft.irfft(n=16), taps' energy"""
    H = p[:9] + 1j * np.concatenate([np.zeros(1), p[9:16], np.zeros(1)])
    h = np.fft.irfft(H, n=16)
    y = np.convolve(sig_au[:16], h, mode="same")
    return np.sum((y - sig_au[:16]) ** 2) + 0.1 * np.sum(h[8:] ** 2)


def fractional_delay(tau):
    """delay estimation: a spectrum times exp(-2j pi f tau) with f = np.fft.fftfreq, back by ifft, real part's misfit"""
    f = np.fft.fftfreq(32, d=1 / 32)
    X = onp.fft.fft(sig_au)
    y = np.real(np.fft.ifft(X * np.exp(-2j * onp.pi * f * tau[0] / 32)))
    tgt = onp.roll(sig_au, 3)
    return np.sum((y - tgt) ** 2) + tau[1] ** 2 * np.sum(np.imag(np.fft.fft(y)) ** 2) / 1000


def autocorr_pitch(x):
    """autocorrelation by irfft(|rfft(x, 2n)|^2), normalised by lag 0, a soft peak pick by softmax over lags"""
    F = np.fft.rfft(x, n=2 * x.size)
    ac = np.fft.irfft(F * np.conj(F))[: x.size]
    ac = ac / ac[0]
    w = np.exp(20 * ac[2:]) / np.sum(np.exp(20 * ac[2:]))
    return np.sum(w * onp.arange(2, x.size)) / 10


# ---------------------------------------------------------------- bioinformatics (user D)
seq_bi = onp.array([0, 2, 1, 3, 3, 0, 1, 2, 2, 0])
onehot_bi = onp.eye(4)[seq_bi]


def hmm_forward(p):
    """2-state HMM forward algorithm in log space: log-softmax rows, logsumexp over axis=0, emissions by one-hot"""
    logA = p[:4].reshape(2, 2) - sps.logsumexp(p[:4].reshape(2, 2), axis=1, keepdims=True)
    logB = p[4:12].reshape(2, 4) - sps.logsumexp(p[4:12].reshape(2, 4), axis=-1, keepdims=True)
    la = onp.log(onp.array([0.5, 0.5])) + logB[:, seq_bi[0]]
    for s in seq_bi[1:]:
        la = sps.logsumexp(la[:, None] + logA, axis=0) + logB[:, s]
    return -sps.logsumexp(la)


def hmm_posterior(p):
    """forward-backward by matrices: scaled alpha and beta, posteriors alpha*beta/sum, an expected-count loss"""
    A = sps.softmax(p[:4].reshape(2, 2), axis=1)
    B = sps.softmax(p[4:12].reshape(2, 4), axis=1)
    E = B[:, seq_bi].T  # (T, 2)
    a = 0.5 * E[0]
    alphas = [a / np.sum(a)]
    for t in range(1, 10):
        a = (alphas[-1] @ A) * E[t]
        alphas.append(a / np.sum(a))
    b = np.ones(2)
    betas = [b]
    for t in range(9, 0, -1):
        b = A @ (E[t] * b)
        betas.append(b / np.sum(b))
    post = np.stack(alphas) * np.stack(betas[::-1])
    post = post / np.sum(post, axis=1, keepdims=True)
    return np.sum(post[:, 0] * onp.arange(10)) / 10 + np.var(post[:, 1])


def pwm_scan(w):
    """a position weight matrix (softmax over bases, axis=0), log-odds scores of every window, logsumexp occupancy"""
    W = w.reshape(4, 3)
    P = np.exp(W) / np.sum(np.exp(W), axis=0, keepdims=True)
    lo = np.log(P / 0.25)
    scores = np.stack([np.sum(lo * onehot_bi[i : i + 3].T) for i in range(8)])
    return -sps.logsumexp(scores) + 0.1 * np.sum(W**2)


def jukes_cantor(t):
    """Jukes-Cantor likelihood of aligned pairs over branch lengths softplus(t): np.where on matches, np.prod, log"""
    bl = np.logaddexp(0.0, t)
    same = onp.array([1, 1, 0, 1, 0, 1, 1, 1, 0, 1], dtype=bool)
    e = np.exp(-4.0 * bl / 3.0)
    p_same = 0.25 + 0.75 * e
    p_diff = 0.25 - 0.25 * e
    per_site = np.where(same[:, None], p_same[None, :], p_diff[None, :])
    return -np.sum(np.log(np.prod(per_site, axis=0, dtype=float)))


def read_quality(q):
    """survival of a read without error: 1 - sigmoid per base, np.cumprod along the read, expected error-free length"""
    perr = sps.expit(q - 3.0)
    surv = np.cumprod(1 - perr, axis=-1)
    return -np.sum(surv) + 0.05 * np.sum(np.diff(q) ** 2) + np.log1p(np.sum(perr))


# ---------------------------------------------------------------- Bayesian hierarchical models (user E)
y_bh = onp.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
s_bh = onp.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def eight_schools(p):
    """non-centred eight schools: mu, log tau (Jacobian adjusted), eta; normal log densities; a half-Cauchy prior"""
    mu, log_tau, eta = p[0], p[1], p[2:]
    tau = np.exp(log_tau)
    theta = mu + tau * eta
    lp = -0.5 * np.sum(eta**2) - 0.5 * np.sum(((y_bh - theta) / s_bh) ** 2)
    lp = lp - np.log1p((tau / 5.0) ** 2) + log_tau - 0.5 * (mu / 5) ** 2
    return -lp


n_bb = onp.array([20, 15, 30, 12, 25])
k_bb = onp.array([4, 6, 9, 2, 10])


def beta_binomial(p):
    """beta-binomial marginal likelihood with betaln and gammaln, a, b = softplus(p) with log-Jacobian log sigmoid(p)"""
    a = np.logaddexp(0.0, p[0])
    b = np.logaddexp(0.0, p[1])
    ll = np.sum(sps.gammaln(n_bb + 1) - sps.gammaln(k_bb + 1) - sps.gammaln(n_bb - k_bb + 1))
    ll = ll + np.sum(sps.betaln(k_bb + a, n_bb - k_bb + b) - sps.betaln(a, b))
    jac = -np.logaddexp(0.0, -p[0]) - np.logaddexp(0.0, -p[1])
    return -(ll + jac)


cnt_gp = onp.array([3, 0, 7, 2, 5, 1])


def gamma_poisson(p):
    """gamma-Poisson hierarchy: rates exp(z), gamma prior with shape/rate exp(.), gammaln and xlogy, Jacobians"""
    lam = np.exp(p[2:])
    alpha, beta = np.exp(p[0]), np.exp(p[1])
    ll = np.sum(sps.xlogy(cnt_gp, lam) - lam - sps.gammaln(cnt_gp + 1.0))
    lprior = np.sum(alpha * np.log(beta) - sps.gammaln(alpha) + (alpha - 1) * np.log(lam) - beta * lam)
    return -(ll + lprior + np.sum(p[2:]) + p[0] + p[1] - np.exp(p[0]) - np.exp(p[1]))


Y_mv = _r.standard_normal((6, 3))


def mvn_cholesky(p):
    """multivariate normal log density: L = tril(., -1) + diag(exp(d)), Sigma = L L^T, slogdet and solve, tuple axes"""
    L = np.tril(p[:9].reshape(3, 3), -1) + np.diag(np.exp(np.diagonal(p[:9].reshape(3, 3))))
    S = L @ L.T + 1e-6 * np.eye(3)
    sign, logdet = np.linalg.slogdet(S)
    R = Y_mv - p[9:12]
    quad = np.sum(R * np.linalg.solve(S, R.T).T, axis=(0, 1))
    return 0.5 * quad + 3.0 * logdet + 0.5 * sign


X_dir = onp.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3], [0.25, 0.25, 0.5], [0.1, 0.8, 0.1]])


def dirichlet_nll(p):
    """Dirichlet log density over rows with concentrations exp(p): gammaln of the sum, sums over axis=-1"""
    alpha = np.exp(p)
    ll = sps.gammaln(np.sum(alpha)) - np.sum(sps.gammaln(alpha)) + np.sum((alpha - 1) * np.log(X_dir), axis=-1)
    return -np.sum(ll)


X_st = _r.standard_normal((8, 2))
y_st = X_st @ onp.array([1.0, -2.0]) + onp.array([0.1, -0.3, 5.0, 0.2, -0.1, 0.4, -4.0, 0.0])


def student_t_regression(p):
    """robust regression with a Student-t likelihood: nu = 1 + softplus, scale = exp, gammaln and log1p"""
    w, log_s, nu = p[:2], p[2], 1.0 + np.logaddexp(0.0, p[3])
    r = (y_st - X_st @ w) / np.exp(log_s)
    ll = sps.gammaln((nu + 1) / 2) - sps.gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - log_s
    ll = ll - (nu + 1) / 2 * np.log1p(r**2 / nu)
    return -np.sum(ll)


# ---------------------------------------------------------------- contrastive learning (user F)
Z1_cl = _r.standard_normal((5, 3))
Z2_cl = Z1_cl + 0.3 * _r.standard_normal((5, 3))
lab_cl = onp.array([0, 1, 0, 2, 1])


def infonce(w):
    """InfoNCE: a linear projection, rows normalised by norm(axis=1, keepdims), a cosine-similarity matrix / temperature,
    logsumexp over axis=1 minus the diagonal"""
    W = w.reshape(3, 3)
    a = Z1_cl @ W
    b = Z2_cl @ W
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    S = a @ b.T / 0.2
    return np.mean(sps.logsumexp(S, axis=1) - np.diagonal(S))


def nt_xent(w):
    """SimCLR's NT-Xent: both views stacked, self-similarity masked by np.eye via np.where(-1e9), positives by a
    rolled index"""
    W = w.reshape(3, 3)
    Z = np.concatenate([Z1_cl @ W, Z2_cl @ W], axis=0)
    Z = Z / np.sqrt(np.sum(Z**2, axis=1, keepdims=True))
    S = Z @ Z.T / 0.5
    S = np.where(np.eye(10, dtype=bool), -1e9, S)
    pos = S[onp.arange(10), (onp.arange(10) + 5) % 10]
    return np.mean(sps.logsumexp(S, axis=1) - pos)


def triplet_margin(w):
    """triplet loss with a margin by np.maximum(0, ...): anchor/positive/negative gathered by index arrays"""
    W = w.reshape(3, 2)
    E = Z1_cl @ W
    anc, posi, neg = onp.array([0, 1, 2, 3]), onp.array([2, 4, 0, 3]), onp.array([1, 0, 3, 4])
    dp = np.sum((E[anc] - E[posi]) ** 2, axis=-1)
    dn = np.sum((E[anc] - E[neg]) ** 2, axis=-1)
    return np.sum(np.maximum(0.0, dp - dn + 1.0)) + 0.01 * np.sum(W**2)


def learned_temperature(p):
    """CLIP's loss with a learned log-temperature: symmetric cross-entropy over axis=0 and axis=1 of the logits"""
    W = p[:9].reshape(3, 3)
    a = Z1_cl @ W
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = Z2_cl / onp.linalg.norm(Z2_cl, axis=1, keepdims=True)
    logits = np.exp(p[9]) * a @ b.T
    i2t = np.mean(sps.logsumexp(logits, axis=1) - np.diag(logits))
    t2i = np.mean(sps.logsumexp(logits, axis=0) - np.diag(logits))
    return (i2t + t2i) / 2


def supcon(w):
    """supervised contrastive: a same-label mask from labels[:, None] == labels[None, :] minus np.eye, log-softmax rows
    with the diagonal excluded, mean over positives"""
    W = w.reshape(3, 3)
    Z = Z1_cl @ W
    Z = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    S = Z @ Z.T / 0.3
    eye = np.eye(5)
    pos = (lab_cl[:, None] == lab_cl[None, :]).astype(float) - eye
    logits = S - 1e9 * eye
    logp = logits - sps.logsumexp(logits, axis=1, keepdims=True)
    npos = np.maximum(pos.sum(axis=1), 1.0)
    return -np.mean(np.sum(pos * np.where(eye > 0, 0.0, logp), axis=1) / npos)


# ---------------------------------------------------------------- normalizing flows (user G)
X_nf = _r.standard_normal((6, 4))


def affine_coupling(p):
    """RealNVP affine coupling: x = (x1, x2), s = tanh(x1 W_s), t = x1 W_t, y2 = x2 exp(s) + t, log|det| = sum(s, 1)"""
    Ws = p[:4].reshape(2, 2)
    Wt = p[4:8].reshape(2, 2)
    x1, x2 = X_nf[:, :2], X_nf[:, 2:]
    s = np.tanh(x1 @ Ws)
    y2 = x2 * np.exp(s) + x1 @ Wt
    y = np.concatenate([x1, y2], axis=1)
    logdet = np.sum(s, axis=1)
    return -np.mean(-0.5 * np.sum(y**2, axis=-1) + logdet)


def masked_autoregressive(p):
    """a MADE-style linear autoregressive flow: weights masked by np.tril(ones, -1), the triangular Jacobian's
    log|det| by np.diagonal, checked against slogdet"""
    M = np.tril(onp.ones((4, 4)), -1)
    W = p[:16].reshape(4, 4) * M
    log_s = p[16:20]
    z = (X_nf - X_nf @ W.T) * np.exp(-log_s)
    J = (np.eye(4) - W) * np.exp(-log_s)[:, None]
    logdet = np.sum(np.log(np.abs(np.diagonal(J))))
    sign, ld2 = np.linalg.slogdet(J)
    return -np.mean(-0.5 * np.sum(z**2, axis=1)) - logdet + 0.1 * (ld2 - logdet) ** 2 + 0 * sign


def planar_flow(p):
    """planar flow f(z) = z + u tanh(w.z + b): log|1 + u.psi| with psi = (1 - tanh^2) w, two layers"""
    z = X_nf
    ld = 0.0
    for k in range(2):
        u, w, b = p[9 * k : 9 * k + 4], p[9 * k + 4 : 9 * k + 8], p[9 * k + 8]
        h = np.tanh(z @ w + b)
        z = z + np.outer(h, u)
        psi = (1 - h**2)[:, None] * w[None, :]
        ld = ld + np.log(np.abs(1 + psi @ u))
    return np.mean(0.5 * np.sum(z**2, axis=1) - ld)


def triangular_linear_flow(p):
    """a lower-triangular linear flow: L = tril(A, -1) + diag(exp(d)), inverse by np.linalg.solve, log|det| = sum d"""
    L = np.tril(p[:16].reshape(4, 4), k=-1) + np.diag(np.exp(p[16:]))
    z = np.linalg.solve(L, X_nf.T).T
    return np.mean(0.5 * np.sum(z**2, axis=1)) + np.sum(p[16:]) - 0.0 * np.linalg.slogdet(L)[1]


def monotone_cumsum(p):
    """a monotone piecewise-linear flow: bin widths by cumsum of softmax, slopes softplus; log-derivative per sample"""
    widths = np.exp(p[:4]) / np.sum(np.exp(p[:4]))
    knots = np.concatenate([np.zeros(1), np.cumsum(widths)])
    slopes = np.logaddexp(0.0, p[4:8]) + 1e-3
    heights = np.concatenate([np.zeros(1), np.cumsum(slopes * widths)])
    xs = onp.array([0.05, 0.2, 0.45, 0.6, 0.8, 0.95])
    k = onp.array([0, 0, 1, 2, 3, 3])  # the bins the samples fall in at this point (user's own search)
    y = heights[k] + slopes[k] * (xs - knots[k])
    return np.sum(0.5 * (y / heights[-1]) ** 2) - np.sum(np.log(slopes[k] / heights[-1]))


# ---------------------------------------------------------------- graph neural networks (user H)
src_gn = onp.array([0, 1, 1, 2, 3, 3, 4, 0, 2, 4])
dst_gn = onp.array([1, 0, 2, 1, 4, 2, 3, 3, 0, 1])
A_gn = onp.zeros((5, 5))
A_gn[src_gn, dst_gn] = 1.0
A_gn = onp.maximum(A_gn, A_gn.T)
X_gn = _r.standard_normal((5, 3))
y_gn = onp.array([0.5, -1.0, 0.3, 1.2, -0.4])


def gcn_layer(w):
    """GCN: A + I normalised by D^-1/2 from sum(axis=1), relu(Â X W), a readout by mean over nodes"""
    At = A_gn + onp.eye(5)
    d = At.sum(axis=1)
    Dm = np.diag(1 / np.sqrt(d))
    Ahat = Dm @ At @ Dm
    H = np.maximum(Ahat @ X_gn @ w[:6].reshape(3, 2), 0.0)
    out = Ahat @ H @ w[6:8]
    return np.mean((out - y_gn) ** 2)


def message_add_at(w):
    """message passing: messages tanh(x_src W) gathered by np.take(axis=0), summed into nodes by np.add.at"""
    W = w.reshape(3, 3)
    msg = np.tanh(np.take(X_gn, src_gn, axis=0) @ W)
    agg = np.zeros_like(msg, shape=(5, 3))
    np.add.at(agg, dst_gn, msg)
    H = X_gn + agg
    return np.sum((H.sum(axis=1) - y_gn) ** 2)


def bincount_segments(w):
    """segment sums by np.bincount(dst, weights=traced messages, minlength=5) per feature, degrees by np.bincount"""
    m = X_gn[src_gn] @ w
    s = np.bincount(dst_gn, weights=m, minlength=5)
    deg = onp.bincount(dst_gn, minlength=5)
    return np.sum((s / deg - y_gn) ** 2) + np.sum(np.bincount(src_gn, weights=m**2, minlength=6))


def graph_attention(p):
    """GAT on edges: scores leaky_relu(a . [h_src, h_dst]), a segment softmax by np.add.at of exp, weighted sum"""
    W = p[:6].reshape(3, 2)
    a = p[6:10]
    H = X_gn @ W
    e = np.concatenate([H[src_gn], H[dst_gn]], axis=1) @ a
    e = np.where(e > 0, e, 0.2 * e)
    ex = np.exp(e)
    den = np.zeros_like(ex, shape=5)
    np.add.at(den, dst_gn, ex)
    alpha = ex / den[dst_gn]
    out = np.zeros_like(H)
    np.add.at(out, dst_gn, alpha[:, None] * H[src_gn])
    return np.sum((out[:, 0] - y_gn) ** 2) + np.sum(out[:, 1] ** 2)


def learned_adjacency(p):
    """edge weights sigmoid(p) scattered into a matrix by assignment, degree normalisation D^-1/2 A D^-1/2 traced"""
    A = np.zeros_like(p, shape=(5, 5))
    A[src_gn, dst_gn] = sps.expit(p)
    A = A + A.T + np.eye(5)
    dinv = 1 / np.sqrt(np.sum(A, axis=-1))
    Ahat = dinv[:, None] * A * dinv[None, :]
    return np.sum((Ahat @ Ahat @ X_gn[:, 0] - y_gn) ** 2)


# ---------------------------------------------------------------- operations research (user I)
A_or = onp.array([[1.0, 1.0, 1.0], [2.0, 0.5, 1.0], [0.0, 1.0, 3.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])
b_or = onp.array([4.0, 5.0, 6.0, 0.0, 0.0])
c_or = onp.array([-1.0, -2.0, -0.5])


def log_barrier_lp(x):
    """a log-barrier LP objective t c.x - sum log(b - A x), slacks by broadcasting"""
    slack = b_or - A_or @ x
    return 10.0 * c_or @ x - np.sum(np.log(slack))


def projected_gradient(c):
    """unrolled projected gradient on a box QP: x <- clip(x - eta (Q x + c), 0, 1), differentiated w.r.t. the costs"""
    Q = onp.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]])
    x = np.full(3, 0.5) + 0 * c
    for _ in range(15):
        x = np.clip(x - 0.3 * (Q @ x + c), 0.0, 1.0)
    return np.sum((x - onp.array([0.2, 0.9, 0.0])) ** 2) + 0.5 * x @ Q @ x


def entropic_assignment(C):
    """an entropic-regularised soft assignment: softmax over axis=-1 of -C/eps, row and column balancing, cost"""
    Cm = C.reshape(3, 3)
    P = np.exp(-Cm / 0.3)
    for _ in range(6):
        P = P / P.sum(axis=1, keepdims=True)
        P = P / P.sum(axis=0, keepdims=True)
    return np.sum(P * Cm) + 0.3 * np.sum(P * np.log(P))


def newsvendor(q):
    """newsvendor expected cost over demand scenarios: np.maximum(q - d, 0) and np.maximum(d - q, 0), np.mean(axis=0)"""
    D = onp.array([[3.0, 5.0], [4.0, 2.0], [6.0, 4.5], [2.5, 3.0], [5.5, 6.0]])
    over = np.maximum(q[None, :] - D, 0.0)
    under = np.maximum(D - q[None, :], 0.0)
    return np.sum(np.mean(1.0 * over + 3.0 * under, axis=0)) + 0.05 * np.sum(q**2)


def penalty_qp(x):
    """a quadratic program by an exterior penalty: max(0, A x - b)^2 and an equality by a squared residual"""
    Q = onp.diag([1.0, 2.0, 3.0])
    viol = np.maximum(0.0, A_or @ x - b_or)
    return 0.5 * x @ Q @ x + c_or @ x + 50.0 * np.sum(viol**2) + 10.0 * (np.sum(x) - 3.0) ** 2


# ---------------------------------------------------------------- tabular losses (user J)
X_tb = _r.standard_normal((10, 3))
y_tb = X_tb @ onp.array([0.5, -1.0, 2.0]) + onp.array([0.1, 3.0, -0.2, 0.0, -2.5, 0.3, 0.1, -0.1, 4.0, 0.2])
cls_tb = onp.array([1, 0, 0, 1, 1, 0, 1, 0, 0, 1])


def huber_regression(w):
    """Huber loss by np.where(|r| <= delta, r^2/2, delta (|r| - delta/2))"""
    r = y_tb - X_tb @ w
    d = 1.0
    return np.mean(np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d)))


def pinball_multi(w):
    """multi-quantile pinball loss: predictions (n, 3) for taus broadcast on the last axis, np.maximum(tau r, (tau-1) r)"""
    W = w.reshape(3, 3)
    taus = onp.array([0.1, 0.5, 0.9])
    pred = X_tb @ W
    r = y_tb[:, None] - pred
    loss = np.maximum(taus * r, (taus - 1) * r)
    cross = np.maximum(pred[:, :-1] - pred[:, 1:], 0.0)  # a quantile-crossing penalty
    return np.mean(loss) + np.sum(cross.mean(axis=0))


def focal_loss(w):
    """binary focal loss: p_t by np.where on the labels, alpha_t, (1 - p_t)^gamma, log via np.clip'd p"""
    p = sps.expit(X_tb @ w[:3] + w[3])
    p = np.clip(p, 1e-7, 1 - 1e-7)
    pt = np.where(cls_tb == 1, p, 1 - p)
    at = np.where(cls_tb == 1, 0.25, 0.75)
    return -np.sum(at * (1 - pt) ** 2.0 * np.log(pt))


def tweedie_deviance(w):
    """Tweedie (p = 1.5) deviance for a log-link model on nonnegative targets; Poisson deviance by xlogy"""
    mu = np.exp(X_tb @ w)
    yv = onp.abs(y_tb)
    pw = 1.5
    dev = 2 * (yv ** (2 - pw) / ((1 - pw) * (2 - pw)) - yv * mu ** (1 - pw) / (1 - pw) + mu ** (2 - pw) / (2 - pw))
    pois = 2 * (sps.xlogy(yv, yv) - sps.xlogy(yv, mu) - (yv - mu))
    return np.mean(dev) + 0.1 * np.mean(pois)


ord_tb = onp.array([0, 2, 1, 1, 0, 2, 2, 1, 0, 1])


def ordinal_logit(p):
    """cumulative-logit ordinal regression: ordered cut points by cumsum of exp, P(y <= k) by expit, np.diff of the
    padded cdf, log of the picked class via take_along_axis"""
    w = p[:3]
    cuts = np.cumsum(np.concatenate([p[3:4], np.exp(p[4:5])]))
    eta = X_tb @ w
    cdf = sps.expit(cuts[None, :] - eta[:, None])
    cdf = np.concatenate([np.zeros((10, 1)), cdf, np.ones((10, 1))], axis=1)
    probs = np.diff(cdf, axis=1)
    picked = np.take_along_axis(probs, ord_tb[:, None], axis=1)
    return -np.sum(np.log(picked))


POINTS = {
    "heat_explicit": onp.array([-0.158, 0.244, 0.128, 0.3, 0.283, 0.24, 0.172, 0.173, 0.068, -0.113]),
    "heat_implicit": onp.array([0.683, 0.568, 1.519, -0.18, -0.313, -0.646, -0.375, -0.412, 0.614]),
    "wave_leapfrog": onp.array([0.815, 1.028, 1.047, 0.973, 0.872, 1.045, 1.016, 1.018, 0.958, 0.895]),
    "gradient_energy": onp.array([-0.496, -0.759, -0.92, -0.694, 1.103, -0.372, -0.185, -0.036]),
    "burgers_upwind": onp.array([0.05, 0.371, 0.542, 0.483, 0.221, -0.121, -0.383, -0.442, -0.271, 0.05]),
    "poisson_jacobi": onp.array(
        [
            -0.278,
            -0.204,
            0.087,
            -0.232,
            0.211,
            -0.663,
            0.05,
            -0.392,
            0.251,
            -0.218,
            -0.663,
            -0.34,
            0.418,
            -0.45,
            0.456,
            -0.239,
        ]
    ),
    "bilinear_sample": onp.array([0.31, -0.72, 1.44, 0.23, -1.61, 1.12, 0.57, 0.48]),
    "bilinear_image": onp.array(
        [
            1.192,
            0.343,
            -0.266,
            -0.188,
            -0.187,
            0.073,
            0.097,
            -0.567,
            0.542,
            -0.706,
            0.038,
            -0.686,
            0.059,
            0.488,
            -0.296,
            -0.072,
            -0.954,
            0.287,
            -0.421,
            0.585,
            0.51,
            -0.082,
            -0.855,
            -0.933,
            0.044,
            -0.271,
            -0.206,
            0.115,
            0.056,
            0.128,
            -0.2,
            -0.175,
            0.631,
            -0.255,
            0.201,
            -0.192,
        ]
    ),
    "conv_im2col": onp.array([-0.222, -0.09, -0.266, -0.861, 0.508, -0.343, -0.751, -0.692, -0.438]),
    "conv_traced_image": onp.array(
        [
            -0.174,
            -0.139,
            0.709,
            -0.24,
            -0.301,
            0.097,
            -0.197,
            -0.305,
            0.512,
            -0.992,
            -0.36,
            -0.009,
            -0.558,
            0.346,
            -0.062,
            0.76,
            0.73,
            0.317,
            -0.453,
            0.12,
            -0.052,
            0.099,
            -0.294,
            -0.034,
            -0.059,
        ]
    ),
    "maxpool_reshape": onp.array(
        [
            -0.085,
            -0.13,
            -0.494,
            -0.933,
            0.619,
            0.618,
            0.182,
            -0.327,
            -0.389,
            -0.577,
            -0.146,
            1.003,
            0.22,
            -0.344,
            -0.481,
            0.563,
        ]
    ),
    "affine_warp": onp.array([0.8, 0.05, 0.02, -0.03, 0.75, 0.01]),
    "harris_corners": onp.array(
        [
            -0.409,
            -0.519,
            -0.128,
            0.11,
            -0.495,
            0.046,
            0.084,
            -0.129,
            0.209,
            -0.577,
            -0.101,
            -0.281,
            -0.615,
            -0.826,
            -0.246,
            -0.913,
            -0.029,
            0.205,
            -0.257,
            0.423,
            -0.698,
            -0.144,
            1.244,
            0.542,
            0.501,
        ]
    ),
    "total_variation": onp.array(
        [
            -0.098,
            0.236,
            -0.065,
            0.179,
            0.005,
            0.459,
            0.396,
            -0.244,
            -0.143,
            -0.637,
            -1.608,
            0.163,
            -0.235,
            0.01,
            0.157,
            0.298,
            0.442,
            0.093,
            0.515,
            0.102,
            -0.047,
            0.755,
            -0.468,
            0.809,
            -0.701,
            0.153,
            -0.378,
            0.058,
            0.527,
            -0.519,
        ]
    ),
    "spectral_loss": onp.array(
        [
            0.337,
            1.373,
            0.938,
            0.685,
            0.526,
            0.554,
            -0.026,
            -1.233,
            -1.796,
            -0.824,
            0.285,
            0.561,
            0.139,
            0.443,
            1.268,
            1.114,
            -0.34,
            -1.13,
            -1.176,
            -0.552,
            -0.524,
            -0.538,
            0.011,
            1.334,
            1.562,
            0.668,
            0.018,
            0.009,
            -0.238,
            -0.813,
            -1.084,
            -0.874,
        ]
    ),
    "stft_magnitude": onp.array(
        [
            0.916,
            0.331,
            -0.765,
            0.258,
            0.985,
            0.428,
            -0.085,
            -0.415,
            -0.023,
            0.01,
            -0.198,
            0.112,
            0.493,
            1.52,
            0.299,
            -0.37,
            -0.458,
            0.421,
            0.467,
            -0.066,
            -0.131,
            0.002,
            -0.168,
            -0.237,
            -0.779,
            -0.112,
            0.661,
            -0.23,
            -0.342,
            -0.31,
            -0.053,
            0.111,
        ]
    ),
    "log_mel": onp.array(
        [
            0.25,
            0.297,
            -0.36,
            0.421,
            0.234,
            0.083,
            -0.041,
            0.285,
            -0.667,
            -0.919,
            0.035,
            -0.196,
            -0.357,
            0.001,
            -0.242,
            1.364,
            -0.611,
            0.699,
            -0.391,
            0.425,
            -0.463,
            0.2,
            0.269,
            -0.389,
            -0.102,
            -0.371,
            -0.083,
            0.284,
            -0.748,
            -0.275,
            0.144,
            -0.094,
        ]
    ),
    "irfft_filter": onp.array(
        [
            0.681,
            -0.308,
            -1.041,
            -1.041,
            -0.749,
            0.173,
            0.418,
            -0.188,
            0.767,
            -0.502,
            -0.646,
            -0.243,
            0.086,
            0.041,
            -0.994,
            0.136,
        ]
    ),
    "fractional_delay": onp.array([2.5, 0.3]),
    "autocorr_pitch": onp.array(
        [
            1.09,
            -0.726,
            0.899,
            -0.632,
            -0.061,
            -0.379,
            1.153,
            0.514,
            -0.764,
            0.01,
            -0.582,
            -0.268,
            0.462,
            -0.475,
            -0.681,
            -0.377,
        ]
    ),
    "hmm_forward": onp.array([-0.568, 0.433, 0.467, 0.22, -0.102, -0.837, -0.187, 0.223, 0.081, -0.042, 0.303, -0.161]),
    "hmm_posterior": onp.array(
        [1.399, -0.068, -0.503, -0.529, -0.1, -0.542, 0.229, -0.844, -0.368, -0.436, 0.175, 0.452]
    ),
    "pwm_scan": onp.array([-0.036, -0.216, -0.035, 0.267, -0.268, -0.992, 0.454, -0.109, 0.043, 0.053, -0.29, 0.67]),
    "jukes_cantor": onp.array([0.035, -0.328, 0.34]),
    "read_quality": onp.array([-0.46, -0.637, -0.695, 0.226, 0.332, 0.124, -0.063, -0.391]),
    "eight_schools": onp.array([0.624, -0.569, -0.274, 0.231, -0.011, 0.573, -1.359, 0.02, 0.32, 0.858]),
    "beta_binomial": onp.array([0.7, 1.9]),
    "gamma_poisson": onp.array(
        [
            -0.332,
            0.721,
            1.308332819650179,
            -0.35667494393873245,
            2.0412203288596382,
            0.9932517730102834,
            1.7404661748405046,
            0.5306282510621704,
        ]
    ),
    "mvn_cholesky": onp.array(
        [-1.104, -0.279, -0.241, -0.048, -0.746, 0.231, 0.386, -0.085, -0.275, -0.242, -1.357, -0.311]
    ),
    "dirichlet_nll": onp.array([-0.546, 1.174, -0.191]),
    "student_t_regression": onp.array([0.362, 0.58, 0.188, 0.115]),
    "infonce": onp.array([-0.72, 0.609, -0.052, 0.251, -0.023, 0.179, 0.531, -0.369, 0.092]),
    "nt_xent": onp.array([-0.784, 0.361, 0.517, 0.132, 0.324, -0.382, -0.599, 0.356, -0.766]),
    "triplet_margin": onp.array([0.363, -0.201, -0.69, -0.247, 0.512, 0.301]),
    "learned_temperature": onp.array([-0.49, -0.471, 0.222, 0.243, 0.153, -0.058, 0.383, 0.027, 0.18, 1.08]),
    "supcon": onp.array([-0.136, 0.867, -0.457, -0.071, -0.184, 0.496, 0.656, -0.666, 0.43]),
    "affine_coupling": onp.array([-0.699, -0.072, 0.689, -0.65, 1.065, 0.102, 0.673, 0.267]),
    "masked_autoregressive": onp.array(
        [
            0.158,
            -0.926,
            0.577,
            -0.827,
            -0.341,
            -0.577,
            -0.341,
            -0.397,
            0.006,
            -0.079,
            -0.181,
            -0.117,
            0.663,
            0.265,
            1.045,
            -0.424,
            0.28,
            -0.786,
            -0.308,
            0.47,
        ]
    ),
    "planar_flow": onp.array(
        [
            -0.044,
            0.889,
            -0.535,
            -0.19,
            1.335,
            -0.443,
            -0.433,
            -0.735,
            0.319,
            0.146,
            0.151,
            -0.105,
            -0.057,
            0.52,
            0.111,
            0.106,
            -0.06,
            0.546,
        ]
    ),
    "triangular_linear_flow": onp.array(
        [
            0.068,
            0.547,
            0.089,
            1.057,
            -0.074,
            -0.253,
            -0.105,
            -0.268,
            -0.541,
            -0.221,
            -0.127,
            0.711,
            0.5,
            0.319,
            -0.207,
            0.783,
            0.575,
            0.302,
            0.124,
            0.97,
        ]
    ),
    "monotone_cumsum": onp.array([0.01, -0.078, 0.131, 0.159, 0.139, -0.156, -0.336, 0.212]),
    "gcn_layer": onp.array([0.039, 1.093, 0.169, 0.463, 0.228, -0.036, -0.048, -0.54]),
    "message_add_at": onp.array([-0.023, 0.614, 0.262, 0.113, -0.027, 0.418, 0.326, 0.187, 0.663]),
    "bincount_segments": onp.array([-0.928, 0.48, 0.935]),
    "graph_attention": onp.array([-0.258, 0.822, 0.64, -0.087, -1.101, 0.154, -0.73, -0.778, 0.051, 0.395]),
    "learned_adjacency": onp.array([-0.666, -0.163, -0.29, 0.942, 0.243, -1.129, -0.472, -0.141, -0.078, -1.065]),
    "log_barrier_lp": onp.array([0.5, 0.7, 0.4]),
    "projected_gradient": onp.array([-0.3, 0.2, -0.9]),
    "entropic_assignment": onp.array([0.139, 0.594, 1.229, 0.507, 0.892, 0.489, 0.382, 0.34, 0.184]),
    "newsvendor": onp.array([3.7, 4.1]),
    "penalty_qp": onp.array([-1.119, 0.186, -0.188]),
    "huber_regression": onp.array([-0.629, 0.408, 0.513]),
    "pinball_multi": onp.array([-0.008, -0.549, 0.306, -0.098, -0.168, -0.708, -0.981, 0.975, 0.604]),
    "focal_loss": onp.array([0.712, -0.517, -0.302, 0.263]),
    "tweedie_deviance": onp.array([-0.007, 0.006, 0.047]),
    "ordinal_logit": onp.array([0.422, -0.023, -0.533, 0.163, -0.122]),
}
GRAD = {
    "heat_explicit": (0.4903815829898659, 0.28012774144205627, 0.9175316569555914),  # jax
    "heat_implicit": (0.5889264042205229, -0.04597058793994113, 0.02351747499867111),  # jax
    "wave_leapfrog": (0.7671176609767447, -0.6775475312316109, 8.09607260164736),  # jax
    "gradient_energy": (27.87667612733545, 0.9378127552921223, 2272.884616615872),  # jax
    "burgers_upwind": (1.3923053484988326, -2.5057278365742, 7.8119839531468465),  # jax
    "poisson_jacobi": (0.011703352964780443, -0.004290471206410441, 0.0008656111782490736),  # jax
    "bilinear_sample": (0.5765633230067584, -0.6230282890009053, 3.0438716358756337),  # jax
    "bilinear_image": (3.2139471675, -0.013297857443820588, 40.39279715589201),  # jax
    "conv_im2col": (5.255602275375505, 0.3681756597345749, 28.793687791076866),  # jax
    "conv_traced_image": (4.477159802134312, -1.511075761812531, 21.101546914244395),  # jax
    "maxpool_reshape": (4.672029116468834, 2.4754383752957287, 3.7196586112035854),  # jax
    "affine_warp": (4.6519265671877985, -2.7806401741335818, 1284.0090045145653),  # jax
    "harris_corners": (22.67580444445122, -28.58802044899252, 2308.547326054034),  # jax
    "total_variation": (26.900105285343855, -5.027937576964005, 70.6558642488859),  # jax
    "spectral_loss": (1.518448497357691, -0.581260146792711, 12.837695712738551),  # jax
    "stft_magnitude": (0.8313485489722605, -0.21100831605059017, 0.18712373121545667),  # jax
    "log_mel": (1.0828045345366335, -0.055191703552018634, 13.93864400379239),  # jax
    "irfft_filter": (15.07925144122335, 0.10750224264081698, 284.9126481690469),  # jax
    "fractional_delay": (3.205787991404301, -6.7612357390432685, 155.06807156941676),  # jax
    "autocorr_pitch": (0.6371648305902775, 0.33515182371469354, 0.3512581200278375),  # jax
    "hmm_forward": (13.843767454289246, 0.048424941260028005, 0.4464018258252646),  # jax
    "hmm_posterior": (3.3719184178545714, 0.7006517365171967, 1.0141445716104833),  # jax
    "pwm_scan": (-1.9410211573344083, -0.23076018303346865, 0.1392374873052542),  # jax
    "jukes_cantor": (29.87183517186327, -1.1854104429369325, 4.632952779992095),  # jax
    "read_quality": (-6.383768964045405, 0.1084494872583348, 0.3192605005764107),  # jax
    "eight_schools": (5.951007428912046, -0.9783089643547568, 4.273726247029912),  # jax
    "beta_binomial": (13.976331774278826, -0.03485588355789772, 1.0719166387712238),  # mpmath
    "gamma_poisson": (50.450011473584, -14.952738852784565, 2454.7078951788453),  # jax
    "mvn_cholesky": (55.21219600374039, -17.83468118553829, 10197.067632000742),  # jax
    "dirichlet_nll": (3.4512170291587414, -3.040668227829428, 152.88937153924832),  # jax
    "student_t_regression": (22.432572554064098, 1.763452240170535, 27.6098260951379),  # jax
    "infonce": (0.8606633058167916, -0.06794421319911646, 0.3944399318898069),  # jax
    "nt_xent": (1.358635195667377, -0.16202418955712714, 0.08024813442014167),  # jax
    "triplet_margin": (4.547362018805086, 2.450303796175289, 60.762755598103254),  # jax
    "learned_temperature": (1.703188485583841, 2.0073285245932047, 8.57527512199849),  # jax
    "supcon": (2.8281501719266187, -0.3746428759931502, 1.3977890997394862),  # jax
    "affine_coupling": (7.516391399821707, 0.12231038826003351, 21.008205512995747),  # jax
    "masked_autoregressive": (6.730912645539282, -7.8880795699304205, 55.31406635858397),  # jax
    "planar_flow": (3.121193379381659, 0.4884837579441395, 1.2013083428195679),  # jax
    "triangular_linear_flow": (3.541455695089325, -0.11807746044997043, 2.340206694464355),  # jax
    "monotone_cumsum": (0.8181945807985128, 0.7171030416438469, 0.4237634448963979),  # jax
    "gcn_layer": (0.5880000000000001, 0.0, 0.0),  # jax
    "message_add_at": (24.688152531572083, -1.0865928016299957, 2503.5395972316774),  # jax
    "bincount_segments": (17.482162926173313, -23.86727322107468, 572.7946190364022),  # jax
    "graph_attention": (11.61384547253347, -20.189116607517516, 337.8226348599927),  # jax
    "learned_adjacency": (4.5334772791313185, -0.05445383760720083, 0.030205013137921732),  # jax
    "log_barrier_lp": (-23.41528858290713, 6.160975674812717, 557.798799771608),  # jax
    "projected_gradient": (1.4649481862818166, 1.3316978049367136, 1.9693449075921838),  # jax
    "entropic_assignment": (0.3568490439740154, 0.14755483422877008, 1.2820931906126762),  # jax
    "newsvendor": (7.105, -0.14452600686251302, 2.0410000000000013),  # jax
    "penalty_qp": (233.98915250000005, 11.488398241874311, 52621.92528100001),  # jax
    "huber_regression": (1.7377438069319344, -0.16318591636060917, 0.34086721654443447),  # jax
    "pinball_multi": (3.1375016794033663, 0.3962837075787202, 3.5187559687442),  # jax
    "focal_loss": (2.891961102908785, 3.217254872375585, 24.270970231730054),  # jax
    "tweedie_deviance": (1.9074241583559122, -3.312188246571946, 9.247021542800248),  # jax
    "ordinal_logit": (10.787468490723935, -0.5204793528832545, 8.55659526785118),  # jax
}
PERTURBED = {
    "heat_explicit": (0.47679636999714653, 0.2588376527619882, 0.8354603279978152),  # jax
    "heat_implicit": (0.5993449182172655, -0.04602469901804216, 0.023627061782498553),  # jax
    "wave_leapfrog": (0.8787841376691545, -1.1491745914208475, 12.032914089635904),  # jax
    "gradient_energy": (25.99704003498958, 0.8545983342416482, 2086.535083492536),  # jax
    "burgers_upwind": (1.3031198362932885, -2.472431397935579, 7.406215229329786),  # jax
    "poisson_jacobi": (0.012066208536823443, -0.0042811073942948955, 0.0008907305653147245),  # jax
    "bilinear_sample": (0.5235340294869966, -0.5663500399817234, 1.7885955245504657),  # jax
    "bilinear_image": (3.2944110989673407, -0.05330410695118244, 43.967179142223365),  # jax
    "conv_im2col": (5.163073315939047, 0.10978838940190762, 28.949790441329544),  # jax
    "conv_traced_image": (4.654883753926335, -1.2790812557985047, 23.625364924654065),  # jax
    "maxpool_reshape": (4.627333428198835, 2.493752673322915, 3.6407347885807746),  # jax
    "affine_warp": (5.076175492962213, -10.486774839015574, 1516.0993727862356),  # jax
    "harris_corners": (20.042051339668674, -27.174868915837727, 1951.3072573868303),  # jax
    "total_variation": (26.942655789646693, -5.009316139796798, 70.72773471481531),  # jax
    "spectral_loss": (1.4931270425913794, -0.7882115810367605, 12.85064600484242),  # jax
    "stft_magnitude": (0.8290573581962697, -0.20598831069329332, 0.22230881261395768),  # jax
    "log_mel": (1.0539756823635396, -0.07676283704697773, 13.410136534143875),  # jax
    "irfft_filter": (15.910325391795148, 0.05061458400476404, 303.1928044655135),  # jax
    "fractional_delay": (2.7056163986096418, -6.2526646290171914, 132.33022879367394),  # jax
    "autocorr_pitch": (0.6435227538075778, 0.09122721582109979, 0.14537912956509383),  # jax
    "hmm_forward": (13.876410487342966, 0.04213852179337795, 0.5081630033616976),  # jax
    "hmm_posterior": (3.382763272841277, 0.6831281435050308, 1.015676685184427),  # jax
    "pwm_scan": (-1.9204191510888915, -0.2134847797585373, 0.15856485561561812),  # jax
    "jukes_cantor": (29.972515801295042, -1.1933501774141977, 4.895221977646097),  # jax
    "read_quality": (-6.389137665928254, 0.11197628258137018, 0.3118667711938044),  # jax
    "eight_schools": (5.812424495980777, -0.9552704080581746, 4.118694491217195),  # jax
    "beta_binomial": (13.913267802587796, -0.010212496185895764, 1.0092344235379846),  # mpmath
    "gamma_poisson": (51.62751543433888, -15.483744877495129, 2641.540824833109),  # jax
    "mvn_cholesky": (57.29803778850555, -2.899885102910586, 11542.43263523993),  # jax
    "dirichlet_nll": (3.794500112776903, -3.2124235940259176, 169.40955257476458),  # jax
    "student_t_regression": (22.38399626175146, 1.6958397726892342, 25.919560485067503),  # jax
    "infonce": (0.8831267944955349, -0.24998673068310404, 0.15624056023963132),  # jax
    "nt_xent": (1.36635788822036, -0.1607522394219351, 0.07841944533960592),  # jax
    "triplet_margin": (4.345650106020357, 2.2968850183851113, 53.55930667079879),  # jax
    "learned_temperature": (1.6947272886335214, 1.7520413766582978, 7.4303800699863),  # jax
    "supcon": (2.7601177065811093, -0.30164977264906395, 1.6332431996719723),  # jax
    "affine_coupling": (7.533232868376964, 0.036793952898278914, 20.88575375912189),  # jax
    "masked_autoregressive": (7.082596376481895, -8.439278774545206, 64.97491636875266),  # jax
    "planar_flow": (3.095041362258803, 0.6011173182038159, 1.308608387919797),  # jax
    "triangular_linear_flow": (3.5688855006352096, -0.16281492596516456, 2.3723901338692825),  # jax
    "monotone_cumsum": (0.8023196640381831, 0.661008438787403, 0.4421647756611292),  # jax
    "gcn_layer": (0.5880000000000001, 0.0, 0.0),  # jax
    "message_add_at": (24.428320624203277, -1.2630546212203144, 2463.1348486382576),  # jax
    "bincount_segments": (16.769132624047682, -23.370372261092765, 518.9468911825154),  # jax
    "graph_attention": (12.412319791188587, -20.876003352828278, 376.92813036892915),  # jax
    "learned_adjacency": (4.5397170958675055, -0.05415640759794777, 0.03012489411865208),  # jax
    "log_barrier_lp": (-24.832038886001765, 6.178830585175117, 548.6010900563424),  # jax
    "projected_gradient": (1.451789236598642, 1.3435895310624961, 1.9320993959188963),  # jax
    "entropic_assignment": (0.40516196541854754, 0.10360312189180991, 1.267649422141956),  # jax
    "newsvendor": (7.01684588355811, -0.14414476953371863, 2.023369176711623),  # jax
    "penalty_qp": (221.49498896574025, 12.087510912227067, 49601.72110232895),  # jax
    "huber_regression": (1.7287744901620408, -0.15964383221522727, 0.3412464758675769),  # jax
    "pinball_multi": (3.1330660064275104, 0.43097033755481606, 3.6870527980149213),  # jax
    "focal_loss": (2.7563926886711827, 3.1748242783348246, 23.1163584746028),  # jax
    "tweedie_deviance": (1.995930306251337, -3.3307786760034324, 9.561262449283268),  # jax
    "ordinal_logit": (10.904993329060897, -0.1247408053417596, 9.940074907635461),  # jax
}
HESS = {
    "heat_explicit": (-0.42580177360136084, 4.002830101774255),  # jax
    "heat_implicit": (-0.0009624816952116525, 0.027001037689641922),  # jax
    "wave_leapfrog": (-8.037773166767739, 323.37207943650645),  # jax
    "gradient_energy": (-1.997661260625342, 19031.199646838395),  # jax
    "burgers_upwind": (0.5691186107988613, 46.23399879509657),  # jax
    "poisson_jacobi": (0.00018727624231079708, 0.0014149292459801495),  # jax
    "bilinear_sample": (1.2591662975989941, 120.10572672890729),  # jax
    "bilinear_image": (-0.800124990147234, 163.67025088),  # jax
    "conv_im2col": (-5.079249080020122, 44.89357181278728),  # jax
    "conv_traced_image": (5.326779991807382, 486.67017619182025),  # jax
    "maxpool_reshape": (0.36914436685673624, 4.589869025583935),  # jax
    "affine_warp": (-72.61078774173149, 366919.91398525133),  # jax
    "harris_corners": (28.737773311396595, 15229.903297512072),  # jax
    "total_variation": (0.3199852324163954, 57.97789209102778),  # jax
    "spectral_loss": (-3.205141135519817, 911.2294062950486),  # jax
    "stft_magnitude": (-0.0531332523931857, 7.665406242844894),  # jax
    "log_mel": (-0.4572559400023355, 94.28636305083721),  # jax
    "irfft_filter": (-1.1377531727210846, 230.0152004640579),  # jax
    "fractional_delay": (10.031173825908008, 497.1586622287297),  # jax
    "autocorr_pitch": (-5.864366450315503, 50.54138854353518),  # jax
    "hmm_forward": (-0.11419519252588649, 5.696955570724645),  # jax
    "hmm_posterior": (-0.37583501614137704, 1.5210250720067502),  # jax
    "pwm_scan": (0.3348342942027403, 0.9535273722704198),  # jax
    "jukes_cantor": (-0.15282419245878817, 4.773243052304031),  # jax
    "read_quality": (0.07018913414532472, 1.066110275757871),  # jax
    "eight_schools": (0.45762432078037285, 8.08286998399337),  # jax
    "beta_binomial": (0.49527098732813785, 7.232390723129912),  # mpmath
    "gamma_poisson": (-10.42747821140047, 4399.133770785344),  # jax
    "mvn_cholesky": (298.3276487571315, 226808.63984141406),  # jax
    "dirichlet_nll": (-3.3129023340869024, 290.05816698415003),  # jax
    "student_t_regression": (-1.4318689469422998, 69.16515771818383),  # jax
    "infonce": (-5.064607026825484, 46.12441882349707),  # jax
    "nt_xent": (0.053137721340436296, 1.586002520352062),  # jax
    "triplet_margin": (-3.0683755558035397, 412.4213411337021),  # jax
    "learned_temperature": (-4.544751527246766, 198.96413420497024),  # jax
    "supcon": (1.511970445368796, 30.485761499122237),  # jax
    "affine_coupling": (-1.7236167792760195, 30.384433849705598),  # jax
    "masked_autoregressive": (-10.299085160819077, 400.85393375702085),  # jax
    "planar_flow": (2.706522969939055, 23.31925978978237),  # jax
    "triangular_linear_flow": (-0.8429470873093874, 23.698849955090566),  # jax
    "monotone_cumsum": (-1.1145304095131643, 9.537456684350083),  # jax
    "gcn_layer": (0.0, 0.0),  # jax
    "message_add_at": (-2.3573708142738274, 6391.778990045197),  # jax
    "bincount_segments": (9.938019199638264, 1040.2099440096335),  # jax
    "graph_attention": (-14.153720937723858, 1184.4261974996884),  # jax
    "learned_adjacency": (0.005114740790288456, 0.01347118313272429),  # jax
    "log_barrier_lp": (0.46817613663726787, 27.374815368445542),  # jax
    "projected_gradient": (0.23744489779329966, 3.4185280780242735),  # jax
    "entropic_assignment": (-0.8771626734026252, 3.5031628981353014),  # jax
    "newsvendor": (0.0076247465758876734, 0.020000000000000004),  # jax
    "penalty_qp": (11.982253407054893, 18054.0),  # jax
    "huber_regression": (0.070841682907637, 0.5572860226365332),  # jax
    "pinball_multi": (0.0, 0.0),  # jax
    "focal_loss": (-0.8090576491155279, 23.430984386221734),  # jax
    "tweedie_deviance": (-0.36847921077758583, 60.64902998191722),  # jax
    "ordinal_logit": (8.019179374793264, 117.77650318681331),  # jax
}


#: the floor-derived indices make the trace specialised to x's values: dl.prepare refuses them by name
SPECIALISED = frozenset({"bilinear_sample", "affine_warp"})
#: SymPy's build is most of the time for these (unrolled loops, 10-25 steps): the full tier runs them
NO_SYMBOLIC = frozenset({"heat_explicit", "heat_implicit", "wave_leapfrog", "burgers_upwind", "poisson_jacobi"})
ALL_CASES = [(n, m) for n in POINTS for m in METHODS if not (m == "symbolic" and n in NO_SYMBOLIC)]
#: the default tier (tests/tier.py): one method per program, at both points, fresh and prepared; the full tier: every
#: cell
CASES = one_per(ALL_CASES, lambda c: c[0])
#: the default tier's method where one_per's pick is the slow one (SymPy's build of a 15-step clip loop, an affine
#: warp's 16 samples, a Harris response's 9 windows; numeric's 2n calls of 25 heat steps): an exact one; the full tier
#: runs every cell
FASTER = {
    "affine_warp": "reverse",
    "harris_corners": "reverse",
    "projected_gradient": "forward",
    "gradient_energy": "reverse",
    "heat_explicit": "reverse",
}
CASES = [(n, FASTER.get(n, m) if not FULL else m) for n, m in CASES]


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
            "gradient_energy", "bilinear_image", "conv_traced_image", "maxpool_reshape", "total_variation",
            "spectral_loss", "irfft_filter", "fractional_delay", "hmm_forward", "jukes_cantor", "read_quality",
            "eight_schools", "beta_binomial", "gamma_poisson", "mvn_cholesky", "dirichlet_nll", "infonce", "supcon",
            "affine_coupling", "monotone_cumsum", "gcn_layer", "bincount_segments", "log_barrier_lp", "newsvendor",
            "huber_regression", "focal_loss", "ordinal_logit",
        ]
    )
]  # fmt: skip


@pytest.mark.parametrize("name, method", HESS_CASES)
def test_hessian_of_user_code(name, method):
    """dl.hessian equals jax.hessian's (uᵀHv and ΣH², u = cos(k + 1), v = sin(k + 1); beta_binomial's mpmath's)."""
    check_hessian(globals()[name], POINTS[name], method, HESS[name])


@pytest.mark.parametrize("name", ["heat_implicit", "message_add_at", "student_t_regression"])
def test_hvp_vmap_and_jit_of_user_code(name):
    """dl.hvp (forward and reverse) along sin(k + 1) equals jax.hessian's uᵀHv; dl.vmap of f and of dl.grad(f) over
    three points, and dl.jit of f and of its gradient, equal the unbatched calls."""
    check_hvp_vmap_jit(globals()[name], POINTS[name], HESS[name])


@pytest.mark.parametrize("name", ["poisson_jacobi", "graph_attention", "mvn_cholesky", "log_mel"])
def test_bad_input_to_user_code(name):
    """An int array: a TypeError naming the dtype; a read-only array: JAX's gradient, the input untouched, the gradient
    not aliasing it; a NaN entry: a NaN gradient, no error; float32: JAX's gradient to float32's precision, float32;
    a vector one short: an error naming the op and the shapes (or NumPy's reshape error)."""
    f, x = globals()[name], POINTS[name]
    check_bad_inputs(f, x, GRAD[name])
    if name != "log_mel":  # (log_mel takes any length: its rfft has n=32)
        with pytest.raises(ValueError, match=r"cannot reshape|cannot apply to arguments of shapes|\(\d+,\)"):
            dl.grad(f)(x[:-1])


# ---------------------------------------------------------------- what the users met, fixed


def test_xlogy_second_derivatives_at_x_zero_are_symmetric():
    """scipy.special's xlogy, xlog1py and rel_entr at x = 0: the mixed second derivative d²/dx dy is 1/y (1/(1 + y),
    -1/y) both ways, JAX's and the truth's; main's ∂y rule where(x == 0, 0, x/y) held its own x-derivative at 0 there,
    so the Hessian was asymmetric ([[0, 0.5], [0, 0]] for xlogy at (0, 2)), silently, under every exact method; the
    Hessian of xlog1py(x, x) at 0 was 1 (x·log1p(x) = x² - x³/2 + ...: 2). Gradients unchanged: ∂x = log y at x = 0."""
    at = onp.array([0.0, 2.0])
    cases = [
        (sps.xlogy, [[0.0, 0.5], [0.5, 0.0]], [onp.log(2.0), 0.0]),
        (sps.xlog1py, [[0.0, 1 / 3], [1 / 3, 0.0]], [onp.log(3.0), 0.0]),
    ]
    for method in METHODS:
        tol = 1e-5 if method == "numeric" else 1e-12
        for fn, hess, grad in cases:
            f = lambda x, fn=fn: fn(x[0], x[1])  # noqa: E731
            onp.testing.assert_allclose(dl.hessian(f, method=method)(at), hess, atol=tol)
            onp.testing.assert_allclose(dl.grad(f, method=method)(at), grad, atol=tol)
        f = lambda x: np.sum(sps.xlog1py(x, x))  # noqa: E731
        onp.testing.assert_allclose(
            dl.hessian(f, method=method)(onp.array([0.0, 1.0])), onp.diag([2.0, 0.75]), atol=tol
        )
    for method in ("forward", "reverse", "symbolic"):  # (∂x of rel_entr is -inf at x = 0: the row ∂x∂· is not finite)
        H = dl.hessian(lambda x: sps.rel_entr(x[0], x[1]), method=method)(at)
        assert H[1, 0] == pytest.approx(-0.5, abs=1e-12) and H[1, 1] == 0.0
    # a Poisson log-likelihood with a traced count: the Hessian of xlogy(k, lam) - lam at k = 0 (JAX's [[0, 1/lam],
    # [1/lam, 0]] over (k, lam))
    H = dl.hessian(lambda p: sps.xlogy(p[0], p[1]) - p[1], method="reverse")(onp.array([0.0, 4.0]))
    onp.testing.assert_allclose(H, [[0.0, 0.25], [0.25, 0.0]], atol=1e-15)
    # where x and y are both 0 the value is 0 and ∂y is 0, as before
    assert dl.grad(lambda x: sps.xlogy(x[0], x[1]))(onp.array([0.0, 0.0]))[1] == 0.0


def test_zeros_like_of_an_empty_traced_value_is_traced():
    """np.zeros_like(p, shape=(5, 5)) (and ones_like, full_like, empty_like) of an empty traced p: a traced array of
    p's trace, as of a non-empty one, so a wrong-length assignment into it is NumPy's shape error (a learned adjacency
    fed no edge weights); main returned NumPy's zeros, and the assignment was refused as "stored into an array of the
    function's own", the advice the user had already followed. Values and (empty) gradients unchanged."""
    rows, cols = onp.array([0, 1]), onp.array([1, 2])

    def adjacency(p):
        A = np.zeros_like(p, shape=(5, 5))
        A[rows, cols] = sps.expit(p)
        return np.sum(A @ A.T)

    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(0,\) into shape \(2,\)"):
        dl.grad(adjacency)(onp.zeros(0))
    onp.testing.assert_allclose(
        dl.grad(adjacency)(onp.array([0.3, -0.2])), [0.280854495646, 0.222847092273], rtol=1e-10
    )
    for like in (np.zeros_like, np.ones_like, np.empty_like, lambda a, shape=None: np.full_like(a, 2.5, shape=shape)):
        for x in (onp.zeros(0), onp.zeros((0, 2))):
            for method in METHODS:
                v, g = dl.value_and_grad(lambda p: np.sum(like(p, shape=(2, 3)) * 0.5) + np.sum(p), method=method)(x)
                assert g.shape == x.shape and float(v) == float(onp.sum(like(onp.ones(1), shape=(2, 3)) * 0.5))
            h = dl.grad(lambda p: np.sum(like(p)) + 3.0 * np.sum(p))(x)
            assert h.shape == x.shape


def test_pad_reflect_type_odd():
    """np.pad(mode='reflect' or 'symmetric', reflect_type='odd'), the antisymmetric extension a PDE user pads with for
    an odd boundary condition: NumPy's values (2·edge - the reflection, each further period shifted by 2·(last -
    first)), traced under every method, pads wider than the axis and one-element axes included; main refused it
    ("reflect_type='odd' is not supported by difflab"). Gradients are JAX's (x = [0.5, -1, 2], weights w)."""
    x = onp.array([0.5, -1.0, 2.0])
    for mode in ("reflect", "symmetric"):
        for width in ((2, 3), 7, ((1, 0),)):
            onp.testing.assert_array_equal(
                np.pad(x, width, mode=mode, reflect_type="odd"), onp.pad(x, width, mode=mode, reflect_type="odd")
            )
    A = onp.array([[0.3, -1.2, 0.8, 2.0], [1.1, 0.0, -0.4, 0.6]])
    want = onp.pad(A, ((1, 2), (3, 1)), mode="reflect", reflect_type="odd")
    onp.testing.assert_array_equal(np.pad(A, ((1, 2), (3, 1)), mode="reflect", reflect_type="odd"), want)
    w = onp.array([1.0, -2.0, 0.5, 3.0, 1.5, -1.0, 2.0, 0.25])
    jax_grads = {"reflect": [-35.5, 13.0, 18.0], "symmetric": [4.75, -30.0, 45.5]}  # jax.grad's
    for mode, want_g in jax_grads.items():
        for method in METHODS:
            g = dl.grad(lambda x: np.sum(np.pad(x, (2, 3), mode=mode, reflect_type="odd") ** 2 * w), method=method)(x)
            onp.testing.assert_allclose(g, want_g, rtol=1e-6 if method == "numeric" else 1e-12)
    assert dl.grad(lambda x: np.sum(np.pad(x, 3, mode="reflect", reflect_type="odd")))(onp.array([2.0])) == 7.0
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'edge'"):
        dl.grad(lambda x: np.sum(np.pad(x, 1, mode="edge", reflect_type="odd")))(x)


def test_symbolic_log_of_an_exact_zero_is_minus_infinity():
    """The symbolic method's log (log2, log10) of a constant 0 in the graph (np.log(np.stack([x, 0.0])), the log of a
    matrix from np.diag): -inf, NumPy's and the other methods', where SymPy's own log(0) is zoo (complex infinity) and
    zoo + zoo, exp(zoo) are nan: main's symbolic value of x0 + sum(exp(log([x1, 0]))) was NaN with NaN gradients, the
    others' 0.5 and [1, -1] (JAX's), silently; sum(log(diag(exp(x)))) NaN, NumPy's -inf."""
    x = onp.array([-0.5, -1.0])

    def f(x):
        return x[0] + np.sum(np.exp(np.log(np.stack([-x[1], 0.0])))) + np.sum(10 ** np.log10(np.stack([-x[1], 0.0])))

    for method in METHODS:
        v, g = dl.value_and_grad(f, method=method)(x)
        assert float(v) == pytest.approx(1.5, rel=1e-14)
        onp.testing.assert_allclose(g, [1.0, -2.0], rtol=1e-6 if method == "numeric" else 1e-14)
    with warnings.catch_warnings():  # (reverse says DomainWarning at log(0) and the -inf output; symbolic says none)
        warnings.simplefilter("ignore")
        for method in ("symbolic", "reverse"):
            v = dl.value_and_grad(lambda x: np.sum(np.log(np.diag(np.exp(x)))), method=method)(x)[0]
            assert float(v) == -onp.inf
