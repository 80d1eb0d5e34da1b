"""What a user writes, round 16: functions in plain NumPy (and SciPy where users reach for it) from domains the first
fifteen rounds do not cover.

Finance: a Nelson–Siegel–Svensson yield curve through a helper called with keyword arguments (−np.expm1(−m)/m
loadings); a mean–variance portfolio by a KKT system assembled with np.block (a Python list in np.concatenate) and
np.linalg.solve; Merton's jump-diffusion calls as Python's sum over math.factorial-weighted Black–Scholes prices with
the normal CDF by scipy.special.erf and math.sqrt(2). Physics: a grey body by Planck's law (np.expm1) fitted to
float32 data; a mean-field Ising ring solved by damped fixed-point iterations over np.roll, its entropy p·log p.
Statistics: a GEV likelihood whose Gumbel limit is chosen by Python's abs(ξ) < 1e-6; a skew-normal regression by
scipy.special.log_ndtr with math.log / math.pi constants. ML: capsule routing by agreement (np.einsum, b += …); a focal
Tversky loss on float32 data and float32 parameters; a modern Hopfield network's retrieval; a Mamba-style selective
scan writing y[t] = … into np.zeros_like(p, shape=8). Optimisation: one trust-region dogleg step, Python's if on
np.linalg.norm against the radius. Signal: Goertzel's recurrence with Python floats rebound, the bins' powers by a list
comprehension np.stack'ed; a windowed-sinc FIR (np.sinc · np.hamming, h /= h.sum(), np.convolve(mode='same')).
Cognitive science: Rescorla–Wagner learning with q[c] += α(r − q[c]) into np.full_like(p, 0.5, shape=3).
Neuroscience: a drift-diffusion first-passage density by Python's sum of a series, the boundaries by np.where.
Hydrology: Muskingum routing grown by np.append. Climate: a two-box energy balance model written T[t + 1] = ….
Pharmacology: a sigmoid Emax (Hill) model through keyword-only parameters and np.power of float32 concentrations.
Graphics: a discrete shell's bending energy by np.cross and np.arctan2 dihedral angles, a list comprehension of
tuples np.stack'ed.

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the
first point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source of these functions run
with np = jax.numpy (np.concatenate and np.tile taking lists as NumPy's do) and special = jax.scipy.special, the
item writes of selective_scan, rescorla_wagner and two_box_climate as .at[…].set / .add; focal_tversky at its float32
point in float64. Hessians of the small ones.

What they met (first run, 20 functions × 4 methods: 77 of 80 right; the three others wrong, now right):
hill_emax_dose's gradient in the Hill coefficient was 5e-8 off under symbolic, forward and reverse (numeric right):
np.power(c, n) of float32 constants c computes in float64 (NumPy casts c to the loop's dtype) but the partial
out·log c took log c in float32 — a float32 constant of a float64 equation is now kept in float64 by the trace
(scipy.special.gammainc's and xlogy's partials were off the same way). Written as earlier rounds' refusals say (NumPy
gives difflab no hook into its own arrays): the in-place targets as np.zeros_like(p, shape=…) / np.full_like, not
np.zeros(…); np.stack, not np.array, of lists of traced values; math.* only on constants. gev_nll's and dogleg_step's
Python if on a traced comparison specialises the graph: dl.prepare refuses them by name. Symbolic Hessians over 0.3 CPU
s are left out (mesh_dihedral_bending's 2.1, merton_jump_call's 1.9, ising_mean_field's 3.2, capsule_routing's 3.3,
selective_scan's 1.4, two_box_climate's 0.9, drift_diffusion_fpt's 0.9, nelson_siegel_svensson's 0.7, windowed_sinc_fir's
0.6, skew_normal_nll's 0.6, gev_nll's 0.5, hopfield_retrieval's 0.4, dogleg_step's 0.4, goertzel_power's 0.3,
markowitz_kkt's 0.3), and the loops' Hessians for the file's time (all of them equal JAX's: checked once).

Probing the same idioms around them found three more, fixed and tested below: np.linalg.solve and lstsq of a float32
constant matrix against float64 values folded the inverse in float32 (value 1.6e-9, gradient 6e-8 off NumPy's);
np.sum(x, initial=…) and np.prod's initial=, where=, dtype= were refused; a ufunc's dtype=float (and casting=, order=,
subok= at their defaults) was refused."""

import math

import numpy as np
import pytest
import scipy.special as special

import difflab as dl

from user_code import METHODS, hessian_test, two_points_test

# ---------------------------------------------------------------- data

tau_ns = np.array([0.5, 1.0, 2.0, 5.0, 10.0, 30.0])
y_ns = np.array([4.05, 3.9, 3.75, 3.8, 4.0, 4.3]) / 100
mu_mk = np.array([0.06, 0.08, 0.11, 0.05])
w_now_mk = np.array([0.25, 0.25, 0.25, 0.25])
K_mj = np.array([90.0, 100.0, 110.0])
C_mj = np.array([14.6, 7.9, 3.6])
lam_pl = np.linspace(0.4, 3.0, 9)  # µm
I_pl = np.array([0.52, 2.95, 5.2, 6.1, 6.0, 5.4, 4.7, 4.05, 3.45], dtype=np.float32)
x_gev = np.array([3.1, 2.4, 4.8, 3.6, 2.9, 5.9, 3.3, 4.1, 2.7, 3.9, 4.4, 3.0])
y_sn = np.array([0.3, 1.2, -0.4, 2.1, 0.9, 1.7, 0.1, 3.0, 1.1, 0.6])
X_sn = np.column_stack([np.ones(10), np.linspace(-1, 1, 10)])
u_cap = np.array([[0.5, -0.2], [0.1, 0.8], [-0.6, 0.3]])
lab_cap = 1
feat_dc = (np.cos(np.arange(24.0).reshape(12, 2) * [0.7, 1.3]) * 0.9).astype(np.float32)
g_dc = np.array([1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0], dtype=np.float32)
X_hf = np.array([[1.0, -0.5, 0.2], [0.3, 0.9, -0.7], [-0.8, 0.1, 0.6], [0.2, 0.4, 1.0]])  # d × N patterns
u_ss = np.sin(0.9 * np.arange(8.0)) + 0.2
y_ss = np.cos(0.5 * np.arange(8.0)) * 0.4
x_gz = np.arange(8.0)
bins_gz = [1, 2, 3]
P_gz = np.array([6.0, 12.0, 4.0])
x_fir = np.sign(np.sin(0.35 * np.arange(24.0))) + 0.1 * np.cos(2.7 * np.arange(24.0))
y_fir = np.sin(0.35 * np.arange(24.0)) * 0.9
choice_rw = np.array([0, 1, 2, 1, 1, 0, 1, 1, 2, 1, 1, 1])
reward_rw = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0])
rt_dd = np.array([0.62, 0.81, 0.55, 1.10, 0.74, 0.93, 0.68, 1.35])
upper_dd = np.array([1, 1, 0, 1, 0, 1, 1, 0], dtype=bool)
I_mus = np.array([10.0, 22.0, 48.0, 75.0, 68.0, 50.0, 34.0, 24.0, 17.0, 13.0, 11.0])
O_mus = np.array([10.0, 12.5, 24.0, 45.0, 62.0, 60.0, 48.0, 36.0, 26.5, 20.0, 15.5])
F_cl = np.linspace(0.5, 3.5, 12) + 0.3 * np.sin(np.arange(12.0))
T_cl = np.array([0.0, 0.12, 0.25, 0.4, 0.5, 0.62, 0.71, 0.8, 0.95, 1.02, 1.1, 1.2])
conc_hl = np.array([0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0], dtype=np.float32)
E_hl = np.array([[5.1, 8.0, 19.5, 42.0, 70.1, 86.0, 93.0], [4.6, 6.2, 13.9, 33.5, 61.0, 80.5, 90.0]])
tri_md = np.array([[0, 1, 3], [1, 4, 3], [1, 2, 4], [2, 5, 4]])
edges_md = [(0, 1, 1, 3, 0, 4), (1, 2, 1, 4, 3, 2), (2, 3, 2, 4, 1, 5)]  # (face a, face b, edge i, j, opposite k, l)


# ---------------------------------------------------------------- functions


def nelson_siegel_svensson(p):
    """The Nelson–Siegel–Svensson yield curve fitted to 6 maturities: the loadings (1 − e^{−m})/m by −np.expm1(−m)/m
    through a helper called with keyword arguments, the decays by np.exp, a yield error in basis points and a
    price error through the discount factors np.exp(−y τ)."""
    b0, b1, b2, b3 = p[:4]
    l1, l2 = np.exp(p[4]), np.exp(p[5])

    def loading(tau, lam=1.0, hump=False):
        m = tau / lam
        slope = -np.expm1(-m) / m
        return slope - np.exp(-m) if hump else slope

    y = (
        b0
        + b1 * loading(tau_ns, lam=l1)
        + b2 * loading(tau_ns, lam=l1, hump=True)
        + b3 * loading(tau_ns, hump=True, lam=l2)
    )
    price_err = np.exp(-y * tau_ns) - np.exp(-y_ns * tau_ns)
    return np.sum(((y - y_ns) * 1e4) ** 2) / 100 + 1e3 * np.sum(price_err**2)


def markowitz_kkt(z):
    """Mean–variance portfolio at a target return: Σ = A Aᵀ + 0.01 I from a factor loading A, the KKT system
    [[2Σ, 1, μ], [1ᵀ, 0, 0], [μᵀ, 0, 0]] assembled by np.block and solved by np.linalg.solve, the efficient portfolio's
    variance plus the turnover from the current weights."""
    A = z.reshape(4, 2)
    Sigma = A @ A.T + 0.01 * np.eye(4)
    ones = np.ones((4, 1))
    mu = mu_mk[:, None]
    K = np.block([[2 * Sigma, ones, mu], [ones.T, np.zeros((1, 2))], [mu.T, np.zeros((1, 2))]])
    rhs = np.concatenate([np.zeros(4), [1.0, 0.085]])
    sol = np.linalg.solve(K, rhs)
    w = sol[:4]
    return w @ Sigma @ w + 0.5 * np.sum((w - w_now_mk) ** 2)


def merton_jump_call(p):
    """Merton's jump-diffusion calls as a Poisson mixture of Black–Scholes prices: the normal CDF by scipy.special.erf
    with math.sqrt(2), the k-th term's weight e^{−λ'T}(λ'T)^k / math.factorial(k), Python's sum over a generator of 5
    terms, the squared error to three market quotes."""
    sigma, lam, muJ, dJ = np.exp(p[0]), np.exp(p[1]), p[2], np.exp(p[3])
    S, T, r = 100.0, 0.5, 0.02
    kappa = np.exp(muJ + 0.5 * dJ**2) - 1

    def N(x):
        return 0.5 * (1 + special.erf(x / math.sqrt(2)))

    def bs(sig, rk):
        d1 = (np.log(S / K_mj) + (rk + 0.5 * sig**2) * T) / (sig * np.sqrt(T))
        d2 = d1 - sig * np.sqrt(T)
        return S * N(d1) - K_mj * np.exp(-rk * T) * N(d2)

    lt = lam * (1 + kappa) * T
    price = sum(
        np.exp(-lt)
        * lt**k
        / math.factorial(k)
        * bs(np.sqrt(sigma**2 + k * dJ**2 / T), r - lam * kappa + k * np.log(1 + kappa) / T)
        for k in range(5)
    )
    return np.sum((price - C_mj) ** 2)


def planck_blackbody(p):
    """A grey body's spectrum fitted to float32 measurements: the temperature by np.exp, the emissivity by expit,
    Planck's law 2hc²/λ⁵ / np.expm1(hc/(λkT)) on a micrometre grid in SI units, a log-spectrum fit with a free scale."""
    T = 1000.0 * np.exp(p[0])
    eps = special.expit(p[1])
    h, c, kB = 6.62607015e-34, 2.99792458e8, 1.380649e-23
    lam = lam_pl * 1e-6
    B = 2 * h * c**2 / lam**5 / np.expm1(h * c / (lam * kB * T))
    model = eps * B * 1e-12 * np.exp(p[2])
    return np.sum((np.log(model) - np.log(I_pl)) ** 2)


def ising_mean_field(h):
    """Mean-field Ising ring of 8 spins in local fields: the magnetisations by 10 damped fixed-point iterations
    m ← ½m + ½tanh(β(J(m₋ + m₊) + h)) with the neighbours by np.roll, then the variational free energy with the
    binary entropy written out as p·np.log(p) over p = (1 ± m)/2."""
    beta, J = 1.3, 0.6
    m = np.zeros_like(h)
    for _ in range(10):
        m = 0.5 * m + 0.5 * np.tanh(beta * (J * (np.roll(m, 1) + np.roll(m, -1)) + h))
    pu, pd = (1 + m) / 2, (1 - m) / 2
    energy = -J * np.sum(m * np.roll(m, 1)) - np.sum(h * m)
    entropy = -np.sum(pu * np.log(pu) + pd * np.log(pd))
    return energy - entropy / beta + 0.5 * np.sum(m**2)


def gev_nll(p):
    """The generalised extreme value NLL of 12 annual maxima: location, log-scale and shape; Python's abs(ξ) < 1e-6
    choosing the Gumbel limit (an if on a traced value), np.log1p(ξz) and (1 + ξz)^(−1/ξ) otherwise."""
    mu, sigma, xi = p[0], np.exp(p[1]), p[2]
    z = (x_gev - mu) / sigma
    n = len(x_gev)
    if abs(xi) < 1e-6:
        return n * np.log(sigma) + np.sum(z) + np.sum(np.exp(-z))
    t = np.log1p(xi * z)
    return n * np.log(sigma) + (1 + 1 / xi) * np.sum(t) + np.sum(np.exp(-t / xi))


def skew_normal_nll(p):
    """A skew-normal regression: location by X @ β, scale by np.exp, the shape α; the log-density
    log 2 − log ω − z²/2 − ½log 2π + log Φ(αz) with scipy.special.log_ndtr, math.log and math.pi on constants."""
    beta, omega, alpha = p[:2], np.exp(p[2]), p[3]
    z = (y_sn - X_sn @ beta) / omega
    logpdf = math.log(2) - np.log(omega) - 0.5 * z**2 - 0.5 * math.log(2 * math.pi) + special.log_ndtr(alpha * z)
    return -np.sum(logpdf) + 0.05 * alpha**2


def capsule_routing(w):
    """Dynamic routing between 3 input and 2 output capsules: predictions û = W u by np.einsum, 3 iterations of
    softmax coupling over the outputs (the max subtracted), s = Σ c û, the squash |s|²/(1 + |s|²) s/|s|, the
    agreements added to the logits b += û·v; the margin loss by np.maximum."""
    W = w.reshape(3, 2, 2, 2)  # input, output, out-dim, in-dim
    u_hat = np.einsum("ijkl,il->ijk", W, u_cap)
    b = np.zeros_like(w, shape=(3, 2))
    for _ in range(3):
        e = np.exp(b - b.max(axis=1, keepdims=True))
        c = e / e.sum(axis=1, keepdims=True)
        s = np.einsum("ij,ijk->jk", c, u_hat)
        n2 = np.sum(s**2, axis=-1, keepdims=True)
        v = n2 / (1 + n2) * s / np.sqrt(n2 + 1e-9)
        b += np.einsum("ijk,jk->ij", u_hat, v)
    length = np.linalg.norm(v, axis=-1)
    T = np.eye(2)[lab_cap]
    return np.sum(T * np.maximum(0, 0.9 - length) ** 2 + 0.5 * (1 - T) * np.maximum(0, length - 0.1) ** 2)


def focal_tversky(w):
    """A focal Tversky loss on float32 data: a per-pixel linear model on float32 features, sigmoid by 1/(1 + np.exp(−z)),
    the true positives, false positives and false negatives by sums, Tversky's index with α = 0.7, the focal power 0.75,
    a soft Dice term beside it."""
    z = feat_dc @ w[:2] + w[2]
    prob = 1 / (1 + np.exp(-z))
    tp = np.sum(prob * g_dc)
    fp = np.sum(prob * (1 - g_dc))
    fn = np.sum((1 - prob) * g_dc)
    tversky = (tp + 1) / (tp + 0.7 * fn + 0.3 * fp + 1)
    dice = (2 * tp + 1) / (np.sum(prob) + np.sum(g_dc) + 1)
    return (1 - tversky) ** 0.75 + 0.5 * (1 - dice)


def hopfield_retrieval(x):
    """A modern Hopfield network retrieving from 3 stored patterns: the inverse temperature by np.exp, 3 updates
    ξ ← X softmax(β Xᵀξ) with a max-subtracted softmax, the energy −lse(β, Xᵀξ) + ½ξᵀξ by np.log of the sum, and the
    distance to the second pattern."""
    xi, beta = x[:4], np.exp(x[4])
    for _ in range(3):
        a = beta * (X_hf.T @ xi)
        e = np.exp(a - np.max(a))
        xi = X_hf @ (e / np.sum(e))
    a = beta * (X_hf.T @ xi)
    lse = (np.max(a) + np.log(np.sum(np.exp(a - np.max(a))))) / beta
    return -lse + 0.5 * xi @ xi + np.sum((xi - X_hf[:, 1]) ** 2)


def selective_scan(p):
    """A Mamba-style selective state-space scan over 8 steps: Δₜ = softplus(w uₜ + b) by np.logaddexp(0, ·), A = −e^a,
    Bₜ and Cₜ linear in uₜ, the state h ← e^{ΔA} h + Δ Bₜ uₜ, the outputs written y[t] = Cₜ·h into
    np.zeros_like(p, shape=8), the squared error."""
    a, wB, wC = p[:3], p[3:6], p[6:9]
    wd, bd = p[9], p[10]
    A = -np.exp(a)
    h = np.zeros(3)
    y = np.zeros_like(p, shape=8)
    for t in range(8):
        delta = np.logaddexp(0, wd * u_ss[t] + bd)
        h = np.exp(delta * A) * h + delta * (wB * u_ss[t]) * u_ss[t]
        y[t] = (wC * u_ss[t] + 0.5 * wC) @ h
    return np.mean((y - y_ss) ** 2)


def dogleg_step(z):
    """One trust-region dogleg step on the Rosenbrock function from the point z: the gradient and Hessian written out,
    the Newton step by np.linalg.solve, Python's if on np.linalg.norm against the radius, the Cauchy point, the
    boundary crossing by the quadratic's root; the actual reduction f(z) − f(z + p) over the model's."""

    def f(v):
        return (1 - v[0]) ** 2 + 10 * (v[1] - v[0] ** 2) ** 2

    x, y = z
    g = np.stack([-2 * (1 - x) - 40 * x * (y - x**2), 20 * (y - x**2)])
    B = np.stack([np.stack([2 - 40 * (y - x**2) + 80 * x**2, -40 * x]), np.stack([-40 * x, 20.0 + 0 * x])])
    radius = 0.5
    pB = -np.linalg.solve(B, g)
    if np.linalg.norm(pB) <= radius:
        step = pB
    else:
        pU = -(g @ g) / (g @ B @ g) * g
        if np.linalg.norm(pU) >= radius:
            step = radius * pU / np.linalg.norm(pU)
        else:
            d = pB - pU
            a, b, c = d @ d, 2 * pU @ d, pU @ pU - radius**2
            tau = (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
            step = pU + tau * d
    model = -(g @ step + 0.5 * step @ B @ step)
    return (f(z) - f(z + step)) / model


def goertzel_power(a):
    """Goertzel's algorithm at 3 bins of an 8-sample signal: the signal a sum of cosines with traced amplitudes and
    phase and a ramp (one between bins, so phase and ramp leak into the powers), the recurrence s = x[n] + 2cos(ω)s₁ − s₂ with Python floats rebound (coeff by math.cos), the powers
    collected by a list comprehension and np.stack'ed, a log-power fit."""
    N = len(x_gz)
    x = a[0] * np.cos(2 * np.pi * 2 * x_gz / N + a[3]) + a[1] * np.cos(2 * np.pi * 2.5 * x_gz / N) + a[2] * x_gz / N

    def goertzel(k):
        coeff = 2 * math.cos(2 * math.pi * k / N)
        s1 = s2 = 0.0
        for n in range(N):
            s = x[n] + coeff * s1 - s2
            s2, s1 = s1, s
        return s1**2 + s2**2 - coeff * s1 * s2

    power = np.stack([goertzel(k) for k in bins_gz])
    return np.sum((np.log(power + 1.0) - np.log(P_gz + 1.0)) ** 2)


def windowed_sinc_fir(c):
    """A learned low-pass FIR: the cutoff by expit, 11 taps 2f_c sinc(2f_c(n − M/2)) by np.sinc under np.hamming(11),
    normalised in place (h /= h.sum()), the gain applied, the filter run by np.convolve(x, h, mode='same')."""
    fc = 0.5 * special.expit(c[0])
    M = 10
    n = np.arange(M + 1)
    h = 2 * fc * np.sinc(2 * fc * (n - M / 2)) * np.hamming(M + 1)
    h /= h.sum()
    y = c[1] * np.convolve(x_fir, h, mode="same")
    return np.mean((y - y_fir) ** 2)


def rescorla_wagner(p):
    """A Rescorla–Wagner (Q-learning) bandit model of 12 choices among 3 arms: learning rate by expit, inverse
    temperature by np.exp, the softmax choice probability of the chosen arm, the chosen value updated in place
    q[c] += α(r − q[c]) in q = np.full_like(p, 0.5, shape=3); the negative log-likelihood."""
    alpha, beta = special.expit(p[0]), np.exp(p[1])
    q = np.full_like(p, 0.5, shape=3)
    nll = 0.0
    for c, r in zip(choice_rw, reward_rw):
        logits = beta * q
        nll -= logits[c] - np.log(np.sum(np.exp(logits)))
        q[c] += alpha * (r - q[c])
    return nll


def drift_diffusion_fpt(p):
    """A drift-diffusion model's first-passage-time likelihood by the large-time series: drift v, boundary separation
    a by np.exp, start point w by expit, non-decision time 0.2; the lower-boundary density
    (π/a²) e^{−vaw − v²t/2} Σ_k k e^{−k²π²t/(2a²)} sin(kπw) by Python's sum of 5 terms (math.pi), the upper boundary's
    by v → −v, w → 1 − w chosen by np.where over the responses; the NLL."""
    v, a, w = p[0], np.exp(p[1]), special.expit(p[2])
    t = rt_dd - 0.2
    vv = np.where(upper_dd, -v, v)
    ww = np.where(upper_dd, 1 - w, w)
    series = sum(k * np.exp(-(k**2) * math.pi**2 * t / (2 * a**2)) * np.sin(k * math.pi * ww) for k in range(1, 6))
    dens = math.pi / a**2 * np.exp(-vv * a * ww - vv**2 * t / 2) * series
    return -np.sum(np.log(dens))


def muskingum_routing(p):
    """Muskingum flood routing through a reach: K by np.exp, X by 0.5·expit, the coefficients C₀, C₁, C₂ from the
    time step, the outflow grown by np.append(O, C₀I[t+1] + C₁I[t] + C₂O[-1]) from the observed first value; the SSE."""
    K, X = np.exp(p[0]), 0.5 * special.expit(p[1])
    dt = 6.0
    den = 2 * K * (1 - X) + dt
    C0 = (dt - 2 * K * X) / den
    C1 = (dt + 2 * K * X) / den
    C2 = (2 * K * (1 - X) - dt) / den
    O = np.array([O_mus[0]])
    for t in range(len(I_mus) - 1):
        O = np.append(O, C0 * I_mus[t + 1] + C1 * I_mus[t] + C2 * O[-1])
    return np.sum((O - O_mus) ** 2) / 100


def two_box_climate(p):
    """A two-box energy balance climate model: the feedback λ, the deep-ocean exchange γ and the two heat capacities by
    np.exp, the surface and deep temperatures written in place T[t + 1] = … into np.zeros_like(p, shape=12) under a
    forcing ramp, the squared error of the surface anomaly and a prior on the climate sensitivity 3.7/λ."""
    lam, gamma, C, Cd = np.exp(p)
    n = len(F_cl)
    T = np.zeros_like(p, shape=n)
    Td = np.zeros_like(p, shape=n)
    for t in range(n - 1):
        T[t + 1] = T[t] + (F_cl[t] - lam * T[t] - gamma * (T[t] - Td[t])) / C
        Td[t + 1] = Td[t] + gamma * (T[t] - Td[t]) / Cd
    return np.sum((T - T_cl) ** 2) * 10 + (3.7 / lam - 3.0) ** 2 / 4


def hill_emax_dose(p):
    """A sigmoid Emax (Hill) dose–response for 2 subjects on float32 concentrations: shared EC50 and Hill coefficient
    by np.exp, per-subject E0 and Emax; a helper with keyword-only parameters called as hill(c, e0=…, emax=…,
    ec50=…, n=…), np.power for cⁿ; the SSE and a random-effects penalty."""

    def hill(c, *, e0, emax, ec50, n=1.0):
        cn = np.power(c, n)
        return e0 + emax * cn / (np.power(ec50, n) + cn)

    ec50, n = np.exp(p[0]), np.exp(p[1])
    sse = 0.0
    for i in range(2):
        pred = hill(conc_hl, e0=p[2 + i], emax=p[4 + i], ec50=ec50, n=n)
        sse = sse + np.sum((pred - E_hl[i]) ** 2)
    return sse / 100 + 0.01 * ((p[4] - p[5]) ** 2 + (p[2] - p[3]) ** 2)


def mesh_dihedral_bending(x):
    """A discrete-shell bending energy of a 4-triangle strip: face normals by np.cross, each interior edge's dihedral
    angle by np.arctan2(n₁ × n₂ · ê, n₁ · n₂) from a list comprehension np.stack'ed, weighted by |e|² over the faces'
    areas; the stretching of every triangle edge by np.linalg.norm(axis=1) against rest lengths."""
    V = x.reshape(6, 3)
    P = V[tri_md]
    cr = np.cross(P[:, 1] - P[:, 0], P[:, 2] - P[:, 0])
    area = 0.5 * np.linalg.norm(cr, axis=1)
    nrm = cr / (2 * area[:, None])

    def dihedral(fa, fb, i, j):
        e = V[j] - V[i]
        el = np.linalg.norm(e)
        s = np.cross(nrm[fa], nrm[fb]) @ e / el
        return np.arctan2(s, nrm[fa] @ nrm[fb]), el

    th = [dihedral(fa, fb, i, j) for fa, fb, i, j, _, _ in edges_md]
    theta = np.stack([t for t, _ in th])
    elen = np.stack([e for _, e in th])
    fa = np.array([e[0] for e in edges_md])
    fb = np.array([e[1] for e in edges_md])
    bend = np.sum((theta - 0.1) ** 2 * elen**2 / (area[fa] + area[fb]))
    E = P[:, [1, 2, 0]] - P
    stretch = np.sum((np.linalg.norm(E.reshape(-1, 3), axis=1) - np.tile([1.0, 1.0, 1.0], 4)) ** 2)
    return bend + 10 * stretch


def points():
    r = np.random.default_rng(16)
    grid = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0], [1, 1, 0], [2, 1, 0]], float)
    return {
        "nelson_siegel_svensson": np.array([0.045, -0.005, -0.01, 0.008, np.log(1.5), np.log(8.0)]),
        "markowitz_kkt": 0.2 * r.normal(size=8) + 0.1,
        "merton_jump_call": np.array([np.log(0.2), np.log(0.5), -0.1, np.log(0.15)]),
        "planck_blackbody": np.array([np.log(1.5), 0.2, 0.1]),
        "ising_mean_field": 0.3 * r.normal(size=8),
        "gev_nll": np.array([3.2, np.log(0.8), 0.1]),
        "skew_normal_nll": np.array([0.8, 0.5, 0.1, 1.5]),
        "capsule_routing": 0.5 * r.normal(size=24),
        "focal_tversky": np.array([0.8, -0.5, 0.1], dtype=np.float32),
        "hopfield_retrieval": np.array([0.2, 0.5, 0.1, 0.3, np.log(2.0)]),
        "selective_scan": 0.4 * r.normal(size=11),
        "dogleg_step": np.array([-0.8, 0.9]),
        "goertzel_power": np.array([0.8, 0.4, 0.1, 0.3]),
        "windowed_sinc_fir": np.array([-0.6, 0.9]),
        "rescorla_wagner": np.array([0.0, np.log(3.0)]),
        "drift_diffusion_fpt": np.array([0.4, np.log(1.2), 0.1]),
        "muskingum_routing": np.array([np.log(10.0), -0.5]),
        "two_box_climate": np.log(np.array([1.2, 0.7, 8.0, 100.0])),
        "hill_emax_dose": np.array([np.log(5.0), 0.1, 4.0, 4.0, 90.0, 85.0]),
        "mesh_dihedral_bending": (grid + 0.05 * r.normal(size=grid.shape)).ravel(),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses by name (Python's if on a traced comparison)
SPECIALISED = {"gev_nll", "dogleg_step"}

#: (f, g·cos(k + 1), |g|²) of the gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "nelson_siegel_svensson": (67.75051401429613, 3586.4844866096414, 1141723153.123921),  # jax, n=6
    "markowitz_kkt": (1.105324983730833, 6.856421187794032, 51.12251394435357),  # jax, n=8
    "merton_jump_call": (3.2298548249617243, -30.80886495388969, 1151.4704611080272),  # jax, n=4
    "planck_blackbody": (522.5293549280026, -589.417615342159, 1895949.8623889561),  # jax, n=3
    "ising_mean_field": (-3.4347722618704726, 0.5311342527003524, 0.6411067475917633),  # jax, n=8
    "gev_nll": (15.525888544051902, -1.9961277722762585, 7.186563473973324),  # jax, n=3
    "skew_normal_nll": (15.660216729810806, 4.205819655884529, 90.38751583690694),  # jax, n=4
    "capsule_routing": (0.3550308172423601, 0.0737157650739407, 0.4184007618887245),  # jax, n=24
    "focal_tversky": (0.7221626225305244, 0.1485480889134711, 0.027757464968723906),  # jax, n=3
    "hopfield_retrieval": (0.49869204558203495, 4.773138899608893, 18.423833465201056),  # jax, n=5
    "selective_scan": (0.09956753594715131, 0.06104738347232676, 0.04270220407588757),  # jax, n=11
    "dogleg_step": (11.656900557595215, 546.9991389727649, 4648562.712422259),  # jax, n=2
    "goertzel_power": (3.9781381353641136, 4.293040563060207, 57.00440353042858),  # jax, n=4
    "windowed_sinc_fir": (0.060594544599370116, -0.0881744165634403, 0.09086328992754246),  # jax, n=2
    "rescorla_wagner": (10.292691678791762, 0.49998612214165705, 0.5378509604882478),  # jax, n=2
    "drift_diffusion_fpt": (11.568722847365894, 7.409591545020966, 398.4473100178625),  # jax, n=3
    "muskingum_routing": (2.0752752315561667, 5.68067098283023, 123.72572063287993),  # jax, n=2
    "two_box_climate": (1.0711325397858762, -3.2512974364107894, 12.549818742782055),  # jax, n=4
    "hill_emax_dose": (1.2505579211981184, 4.12871163785421, 34.4735788690238),  # jax, n=6
    "mesh_dihedral_bending": (3.447528674170524, 9.596441504287304, 380.7784030614744),  # jax, n=18
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "nelson_siegel_svensson": (22857.481117964166, 42879.742295580516, 676585345390.5303),  # jax, n=6
    "markowitz_kkt": (1.2157396557256839, 6.676547260952013, 47.83432769168724),  # jax, n=8
    "merton_jump_call": (2.401581364852452, -26.090800033176382, 825.7470972127562),  # jax, n=4
    "planck_blackbody": (464.42703802794944, -523.8031488512895, 1537206.3145086982),  # jax, n=3
    "ising_mean_field": (-3.3884258236957256, 0.28178306074616954, 0.16713118452591458),  # jax, n=8
    "gev_nll": (15.617700694303863, -2.0986195400809025, 9.043703711070632),  # jax, n=3
    "skew_normal_nll": (15.941887690048446, 4.182283487492972, 99.97727471631343),  # jax, n=4
    "capsule_routing": (0.3575375125295205, 0.07699690950945075, 0.41460148709422273),  # jax, n=24
    "focal_tversky": (0.7198843715088377, 0.14774758257218876, 0.027360299701032858),  # jax, n=3
    "hopfield_retrieval": (0.5564086035976736, 4.846293914281711, 17.49771654790306),  # jax, n=5
    "selective_scan": (0.0915223825986664, 0.047445079016311294, 0.021389816762814432),  # jax, n=11
    "dogleg_step": (0.31574917863001356, 4.632442156081889, 355.8355461766255),  # jax, n=2
    "goertzel_power": (3.683849747140939, 4.274803602391876, 49.80144830911414),  # jax, n=4
    "windowed_sinc_fir": (0.07880538327535672, -0.11488495286272062, 0.147539767009843),  # jax, n=2
    "rescorla_wagner": (10.304247220551403, 0.4734931085564717, 0.5547200882805261),  # jax, n=2
    "drift_diffusion_fpt": (10.797012296148777, 6.065062343161668, 288.08671517378076),  # jax, n=3
    "muskingum_routing": (2.6149403334449075, 6.534899700047986, 164.20896085753503),  # jax, n=2
    "two_box_climate": (1.187381583883135, -4.101593788077765, 26.850797693588966),  # jax, n=4
    "hill_emax_dose": (1.414889693864864, 4.425010329945266, 51.850551768365655),  # jax, n=6
    "mesh_dihedral_bending": (4.00937325751302, 11.874005474131959, 452.639996437775),  # jax, n=18
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS_ALL = {
    "nelson_siegel_svensson": (723286.2754874316, 236485694109328.66),  # jax.hessian
    "markowitz_kkt": (13.839875065589654, 2059.6593551292895),  # jax.hessian
    "merton_jump_call": (88.39009994926649, 48496.604214255596),  # jax.hessian
    "planck_blackbody": (1377.8626833091423, 11019678.308765747),  # jax.hessian
    "ising_mean_field": (-4.915198006137187, 255.0637528969221),  # jax.hessian
    "gev_nll": (-2.7850551542536266, 735.6861473690368),  # jax.hessian
    "skew_normal_nll": (-0.7060201767773889, 1385.1089897924699),  # jax.hessian
    "capsule_routing": (0.06535784176223315, 0.6311552823202267),  # jax.hessian
    "focal_tversky": (-0.015587510107394524, 0.004532599136504277),  # jax.hessian
    "hopfield_retrieval": (4.349644769704722, 913.9798484174484),  # jax.hessian
    "selective_scan": (-0.2585290981938257, 2.4682236486123528),  # jax.hessian
    "dogleg_step": (246365.4808442726, 676389366152.2971),  # jax.hessian
    "goertzel_power": (0.4325321004259616, 222.59277446648207),  # jax.hessian
    "windowed_sinc_fir": (-0.5275853223927789, 2.4792706519309604),  # jax.hessian
    "rescorla_wagner": (-0.45424565995630906, 20.688433197687694),  # jax.hessian
    "drift_diffusion_fpt": (-27.990660798512888, 5054.248754710735),  # jax.hessian
    "muskingum_routing": (16.90229080197959, 1387.5540122830128),  # jax.hessian
    "two_box_climate": (-18.376280902241067, 2077.310656602728),  # jax.hessian
    "hill_emax_dose": (5.124940158747618, 5654.336874078327),  # jax.hessian
    "mesh_dihedral_bending": (50.56047089054599, 43047.11292458481),  # jax.hessian
}


test_gradient_of_user_code_at_two_points = two_points_test(
    POINTS, FUNCS, GRAD, PERTURBED, SPECIALISED, float32={"focal_tversky"}
)


#: the small ones' Hessians (focal_tversky's float32 numbers are held to float32's tolerance by the gradient test only)
HESS = {
    k: HESS_ALL[k]
    for k in ("planck_blackbody", "hill_emax_dose", "markowitz_kkt", "gev_nll", "skew_normal_nll", "hopfield_retrieval")
}
#: symbolic Hessians over 0.25 CPU s, left out (the module docstring gives their times)
NO_SYMBOLIC_HESSIAN = {"markowitz_kkt", "gev_nll", "skew_normal_nll", "hopfield_retrieval"}

test_hessian_of_user_code = hessian_test(
    POINTS, HESS, globals(), no_symbolic=NO_SYMBOLIC_HESSIAN, doc="dl.hessian of the small ones equals jax.hessian's."
)


@pytest.mark.parametrize("method", METHODS)
def test_a_float32_constant_in_a_float64_equation(method):
    """hill_emax_dose's gradient in its Hill coefficient was 5e-8 off under the exact methods (numeric's right):
    np.power(c, n) of float32 concentrations c computes in float64 (NumPy casts c), but the partial in n,
    out·log c, took log c in float32. Now a float32 constant of a float64 equation is kept in float64: the
    gradients through np.power, scipy.special.gammainc and xlogy equal the analytic ones in float64 (the cast is
    exact), fresh and prepared (1.5e-8, 5.9e-9 and 2.7e-8 off before)."""
    c32 = np.array([0.1, 0.3, 3.0, 30.0], dtype=np.float32)

    def f(c):
        def loss(p):
            return np.sum(np.power(c, p[0])) + np.sum(special.gammainc(c, p[1])) + np.sum(special.xlogy(p[2], c))

        return loss

    x = np.array([1.3, 0.7, 0.4])
    c = c32.astype(np.float64)  # the analytic gradient, in float64
    want = [np.sum(c**1.3 * np.log(c)), np.sum(0.7 ** (c - 1) * np.exp(-0.7) / special.gamma(c)), np.sum(np.log(c))]
    tol = 1e-7 if method == "numeric" else 1e-14
    np.testing.assert_allclose(dl.grad(f(c32), method=method)(x), want, rtol=tol)
    np.testing.assert_allclose(dl.prepare(f(c32), x, method=method).grad(x), want, rtol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_solve_and_lstsq_of_a_float32_constant_matrix(method):
    """np.linalg.solve(A, x) and lstsq(B, x) of float32 constant matrices against a float64 x compute in float64
    (NumPy's LAPACK call casts A); difflab folded A's inverse (pseudo-inverse) from the float32 A: the value 1.6e-9
    off NumPy's, the gradient 6e-8 off under the exact methods. Now the values equal NumPy's to rounding and the
    gradients A⁻ᵀ1 and 2(B⁺)ᵀB⁺x in float64."""
    A = np.array(
        [[3.2, 0.4, -0.7, 0.1], [0.3, 2.6, 0.5, -0.2], [-0.4, 0.9, 3.7, 0.6], [0.2, -0.1, 0.3, 2.9]], np.float32
    )
    B = np.vstack([A, A[:2] + 0.5])
    x = np.array([0.3, 0.9, 1.4, 2.2])

    def f(x):
        return np.sum(np.linalg.solve(A, x)) + np.sum(
            np.linalg.lstsq(B, np.concatenate([x, x[:2]]), rcond=None)[0] ** 2
        )

    A64, B64 = A.astype(np.float64), B.astype(np.float64)
    Bp = np.linalg.pinv(B64)
    g_lstsq = 2 * Bp.T @ (Bp @ np.concatenate([x, x[:2]]))
    want = np.linalg.solve(A64.T, np.ones(4)) + g_lstsq[:4] + np.concatenate([g_lstsq[4:], [0.0, 0.0]])
    tol = 1e-7 if method == "numeric" else 1e-13
    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    np.testing.assert_allclose(g, want, rtol=tol)
    np.testing.assert_allclose(dl.prepare(f, x, method=method).grad(x), want, rtol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_sum_and_prod_with_initial_and_where(method):
    """np.sum(x, initial=2.0) was refused ("difflab's version does not take these arguments"), and np.prod took
    neither initial= nor where= nor dtype=: NumPy's keywords now, a start added (multiplied) and a mask; the
    gradients 2(Σx + 2) and, per row, 2·x[i, 2] and 2·x[i, 0] for the masked product."""
    m = np.array([True, False, True])

    def f(x):
        return np.sum(x, initial=2.0) ** 2 + np.prod(x, axis=1, initial=2.0, where=m).sum() + x.prod(dtype=float)

    x = np.array([[0.5, 1.2, -0.3], [2.0, 0.1, 0.7]])
    want = 2 * (x.sum() + 2) + 2 * np.column_stack([x[:, 2], 0 * x[:, 0], x[:, 0]]) + x.prod() / x
    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-15)
    np.testing.assert_allclose(g, want, rtol=1e-7 if method == "numeric" else 1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_ufunc_dtype_and_default_keywords(method):
    """np.power(x, 1.5, dtype=float) was refused ("not a difflab primitive (keyword arguments ['dtype'])"), and so
    were a ufunc's casting=, order=, subok= at their defaults: a float dtype= casts the inputs as NumPy's loop does,
    the defaults change nothing; the gradient 1.5·x^0.5 + e^x + 2(x + 2). An integer dtype= stays refused."""

    def f(x):
        return np.sum(np.power(x, 1.5, dtype=float) + np.exp(x, dtype=np.float64, casting="same_kind")) + np.sum(
            np.add(x, 2, order="K", subok=True) ** 2
        )

    x = np.array([0.5, 1.2, 0.3])
    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-15)
    want = 1.5 * np.sqrt(x) + np.exp(x) + 2 * (x + 2)
    np.testing.assert_allclose(g, want, rtol=1e-7 if method == "numeric" else 1e-14)
    with pytest.raises(dl.UnsupportedOperationError, match="dtype"):
        dl.grad(lambda x: np.sum(np.power(x, 2, dtype=int)), method=method)(x)
