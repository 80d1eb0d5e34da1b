"""What a user writes, round 8: functions in plain NumPy from areas the first seven rounds do not cover.

Robotics and mechanics by hand (a 2-link arm's inverse dynamics from its Lagrangian, batched 2×2 mass matrices by
np.stack and einsum; a 3-link pendulum chain's Hamiltonian, its mass matrix by np.maximum.outer and solve; an
elastica beam by np.cumsum of tangent angles), filtering and inference (a bootstrap particle filter's
log-likelihood with its systematic-resampling ancestors held fixed, a Kalman filter with the Joseph-form update, a
sparse GP's collapsed ELBO over learned inducing inputs by Cholesky, Bayesian linear regression's evidence by
slogdet and solve, a doubly robust AIPW estimate, a site-occupancy model by np.prod over np.where), optimal
transport's entropic dual, spectral normalisation by unrolled power iteration with in-place /=, graph-Laplacian
smoothing with learned edge weights by np.add.at, Elo ratings updated in place game by game, maximum-entropy
inverse RL by soft value iteration (keepdims), CVaR by np.sort, a log-magnitude STFT loss (fancy-indexed Hann
frames, np.fft.rfft, np.abs), 1-D Gaussian splatting composited by an exclusive np.cumprod, BPR over (user, pos,
neg) triples, a two-qubit VQE on a complex state (np.kron, np.vdot), CTC's log-domain forward recursion, SSIM by
integral images, and a Voigt profile by scipy.special.wofz.

Each one's gradient under every method, fresh and prepared, against JAX x64 (the function's source run with
jax.numpy for numpy and jax.scipy.special for scipy.special; item assignments as .at[]): f, g·cos(k + 1) and |g|²
of the gradient flattened in sorted-key order, stored here so CI (no JAX) asserts them. Hessians of twelve, a
Jacobian, hvp, jacfwd of grad and vmap.

What they met: scipy.special.wofz was "not a difflab primitive" (JAX has it): now a registry entry
(tests/test_scipy.py). logaddexp(-inf, -inf) of traced values (CTC over np.full_like(W, -np.inf)) gave forward a
NaN gradient and symbolic a NaN silently, reverse the finite one: its partials are now ½ on the diagonal
(tests/test_wrong_numbers.py); JAX's is NaN there. x.astype(complex) of a real traced value was refused claiming
JAX refuses it, and a complex value's astype(float) kept the complex value (a silent wrong number under np.abs):
now NumPy's (tests/test_dtypes.py). Refused as JAX refuses them, with the remedy named: np.array([[c, -s], [s, c]])
of traced entries (vqe writes np.stack), a traced value written into np.empty(...) or np.full(...) (np.empty_like,
np.full_like); np.searchsorted of traced weights (resampling inside f) specialises the graph, so dl.prepare refuses
it by name. Otherwise every exact method agreed with JAX to rounding, here and at perturbed points (prepared at one
point, called at another), and through jvp/vjp."""

import warnings

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
from user_code import METHODS, check_gradient, check_hvp, check_vmap, gradient_test, gradient_tol, hessian_test

# ---------------------------------------------------------------- data
_r = np.random.default_rng(40)
t_arm = np.linspace(0.0, 1.0, 6)
tau_arm = np.array([[3.1, 0.9], [2.8, 1.1], [2.2, 0.7], [1.9, 0.4], [1.5, 0.2], [1.4, 0.3]])
y_pf = np.array([0.3, 0.8, 0.5, 1.1, 0.9, 1.4])
eps_pf = _r.normal(size=(6, 8))
x0_pf = _r.normal(size=8)
idx_pf = np.array([np.sort((np.arange(8) + u) / 8 * 8).astype(int) % 8 for u in _r.random(6)])
a_ot = np.array([0.2, 0.3, 0.5])
b_ot = np.array([0.25, 0.25, 0.3, 0.2])
C_ot = (np.linspace(0, 1, 3)[:, None] - np.linspace(0, 1, 4)[None, :]) ** 2
F_kf = np.array([[1.0, 0.1], [0.0, 1.0]])
H_kf = np.array([[1.0, 0.0]])
z_kf = np.array([0.1, 0.25, 0.32, 0.5, 0.61, 0.8])
X_sgp = np.linspace(-1.0, 1.0, 9)
y_sgp = np.sin(2.5 * X_sgp) + 0.1 * _r.normal(size=9)
W_sn = _r.normal(size=(4, 3))
v0_sn = np.ones(3) / np.sqrt(3)
X_sn = _r.normal(size=(5, 4))
edges_gl = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [1, 3], [0, 2]])
signal_gl = np.array([1.0, 0.4, -0.3, 0.2, 0.9])
m_pend = np.array([1.0, 0.8, 0.6])
l_pend = np.array([1.0, 0.9, 0.7])
X_blr = np.column_stack([np.ones(10), np.linspace(-1, 1, 10), np.linspace(-1, 1, 10) ** 2])
y_blr = 0.5 + 1.2 * X_blr[:, 1] - 0.7 * X_blr[:, 2] + 0.2 * _r.normal(size=10)
games_elo = np.array([[0, 1], [2, 3], [0, 2], [1, 3], [3, 0], [2, 1], [0, 1], [3, 2]])
result_elo = np.array([1.0, 0.0, 1.0, 0.5, 0.0, 1.0, 1.0, 0.0])
P_mdp = _r.dirichlet(np.ones(4), size=(4, 2))  # P[s, a, s']
demo_sa = np.array([[0, 1], [1, 0], [2, 1], [3, 1], [2, 0], [0, 1]])
s_beam = np.linspace(0.0, 1.0, 9)[1:]
R_cvar = 0.02 + 0.1 * _r.normal(size=(12, 3)) * np.array([0.5, 1.0, 1.6])
sig_stft = np.sin(2 * np.pi * 3 * np.linspace(0, 1, 32)) + 0.4 * np.sin(2 * np.pi * 7 * np.linspace(0, 1, 32))
frames_stft = np.arange(8)[None, :] + 4 * np.arange(7)[:, None]
win_stft = np.hanning(8)
x_pix = np.linspace(0.0, 1.0, 12)
target_pix = np.exp(-((x_pix - 0.4) ** 2) / 0.02) * 0.8
X_aipw = np.column_stack([np.ones(10), _r.normal(size=10)])
T_aipw = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0])
Y_aipw = 1.0 + 0.8 * T_aipw + X_aipw[:, 1] + 0.3 * _r.normal(size=10)
triples_bpr = np.array([[0, 1, 3], [0, 2, 4], [1, 0, 2], [1, 4, 3], [2, 3, 0], [2, 1, 4]])
det_occ = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 1], [0, 0, 0], [1, 1, 0], [0, 0, 0], [0, 0, 1]])
x_occ = np.linspace(-1, 1, 7)
ham_vqe = None  # built below
X_ctc = _r.normal(size=(6, 3))
label_ctc = np.array([1, 2, 1])
img_ssim = np.add.outer(np.sin(np.linspace(0, 2, 7)), np.cos(np.linspace(0, 3, 8)))
nu_voigt = np.linspace(-3.0, 3.0, 13)
spec_voigt = 1.0 / (1 + nu_voigt**2) + 0.02 * _r.normal(size=13)

_pauli_x = np.array([[0.0, 1.0], [1.0, 0.0]])
_pauli_z = np.diag([1.0, -1.0])
ham_vqe = np.kron(_pauli_z, _pauli_z) + 0.5 * np.kron(_pauli_x, np.eye(2)) + 0.3 * np.kron(np.eye(2), _pauli_x)


# ---------------------------------------------------------------- functions
def two_link_arm(p):
    """A planar 2-link arm's inverse dynamics by its Lagrangian, by hand: τ = M(q) q̈ + C(q, q̇) q̇ + g(q) along
    q(t) = a + b t + c t², the squared torque error; link masses and lengths held, inertias from log-parameters."""
    a, b, c = p[:2], p[2:4], p[4:6]
    I1, I2 = np.exp(p[6]), np.exp(p[7])
    m1, m2, l1, lc1, lc2, g = 1.0, 0.8, 1.0, 0.5, 0.4, 9.81
    q = a + b * t_arm[:, None] + c * t_arm[:, None] ** 2
    qd = b + 2 * c * t_arm[:, None]
    qdd = np.broadcast_to(2 * c, q.shape)
    c2, s2 = np.cos(q[:, 1]), np.sin(q[:, 1])
    M11 = I1 + I2 + m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * c2)
    M12 = I2 + m2 * (lc2**2 + l1 * lc2 * c2)
    M22 = I2 + m2 * lc2**2 + 0 * c2
    M = np.stack([np.stack([M11, M12], -1), np.stack([M12, M22], -1)], -2)
    h = m2 * l1 * lc2 * s2
    Cqd = np.stack([-h * (2 * qd[:, 0] * qd[:, 1] + qd[:, 1] ** 2), h * qd[:, 0] ** 2], axis=-1)
    grav = np.stack(
        [
            (m1 * lc1 + m2 * l1) * g * np.cos(q[:, 0]) + m2 * lc2 * g * np.cos(q[:, 0] + q[:, 1]),
            m2 * lc2 * g * np.cos(q[:, 0] + q[:, 1]),
        ],
        axis=-1,
    )
    tau = np.einsum("tij,tj->ti", M, qdd) + Cqd + grav
    return np.mean((tau - tau_arm) ** 2)


def particle_filter(theta):
    """A bootstrap particle filter's log-likelihood for x_t = φ x_{t-1} + σ ε, y_t ~ N(x_t, τ²), with the noise
    draws and the systematic-resampling ancestors held fixed (common random numbers): log-mean-exp per step."""
    phi, sigma, tau = np.tanh(theta[0]), np.exp(theta[1]), np.exp(theta[2])
    x = x0_pf
    ll = 0.0
    for t in range(len(y_pf)):
        x = phi * x + sigma * eps_pf[t]
        logw = -0.5 * ((y_pf[t] - x) / tau) ** 2 - np.log(tau) - 0.5 * np.log(2 * np.pi)
        m = np.max(logw)
        ll = ll + m + np.log(np.mean(np.exp(logw - m)))
        x = x[idx_pf[t]]
    return -ll


def entropic_ot_dual(fg):
    """Entropic optimal transport's dual: ⟨f, a⟩ + ⟨g, b⟩ − ε Σ a_i b_j exp((f_i + g_j − C_ij)/ε), negated."""
    eps = 0.1
    f, g = fg[:3], fg[3:]
    K = np.exp((f[:, None] + g[None, :] - C_ot) / eps)
    return -(f @ a_ot + g @ b_ot - eps * np.sum(a_ot[:, None] * b_ot[None, :] * K))


def kalman_joseph(theta):
    """A constant-velocity Kalman filter's negative log-likelihood, the covariance by the Joseph form
    (I − KH) P (I − KH)ᵀ + K R Kᵀ; process and measurement noise from log-parameters."""
    q, r = np.exp(theta[0]), np.exp(theta[1])
    Q = q * np.array([[0.1**3 / 3, 0.1**2 / 2], [0.1**2 / 2, 0.1]])
    R = np.atleast_2d(r)
    x, P = np.array([0.0, 1.0]), np.eye(2)
    nll = 0.0
    for z in z_kf:
        x = F_kf @ x
        P = F_kf @ P @ F_kf.T + Q
        S = H_kf @ P @ H_kf.T + R
        K = P @ H_kf.T @ np.linalg.inv(S)
        v = z - H_kf @ x
        x = x + K @ v
        IKH = np.eye(2) - K @ H_kf
        P = IKH @ P @ IKH.T + K @ R @ K.T
        nll = nll + 0.5 * (np.log(2 * np.pi * S[0, 0]) + v[0] ** 2 / S[0, 0])
    return nll


def sparse_gp_elbo(p):
    """Titsias' collapsed ELBO of a sparse GP with 4 inducing inputs (parameters, as are the log length-scale,
    variance and noise): log N(y | 0, Q + σ²I) − tr(K − Q)/(2σ²), by Cholesky and Woodbury."""
    Z = p["Z"]
    ell, sf2, sn2 = np.exp(p["log_hyp"])

    def k(a, b):
        return sf2 * np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / ell**2)

    Kuu = k(Z, Z) + 1e-6 * np.eye(len(Z))
    Kuf = k(Z, X_sgp)
    L = np.linalg.cholesky(Kuu)
    A = np.linalg.solve(L, Kuf) / np.sqrt(sn2)
    B = np.eye(len(Z)) + A @ A.T
    LB = np.linalg.cholesky(B)
    c = np.linalg.solve(LB, A @ y_sgp) / np.sqrt(sn2)
    n = len(y_sgp)
    bound = -0.5 * n * np.log(2 * np.pi) - np.sum(np.log(np.diag(LB))) - 0.5 * n * np.log(sn2)
    bound -= 0.5 * (y_sgp @ y_sgp) / sn2 - 0.5 * (c @ c)
    bound -= 0.5 * (n * sf2 / sn2 - np.trace(A @ A.T))
    return -bound


def spectral_norm_layer(w):
    """Spectral normalisation (Miyato et al.): σ(W) by 5 power iterations from a fixed start, the layer
    tanh(X W/σ) fitted to a target; the iteration is differentiated through, as an unrolled user writes it."""
    W = w.reshape(4, 3)
    v = v0_sn
    for _ in range(5):
        u = W @ v
        u /= np.linalg.norm(u)
        v = W.T @ u
        v /= np.linalg.norm(v)
    sigma = u @ W @ v
    out = np.tanh(X_sn @ (W / sigma))
    return np.sum((out - 0.5) ** 2) + 0.1 * sigma


def laplacian_smoothing(p):
    """Graph-Laplacian denoising with learned edge weights: L = D − W assembled by np.add.at into
    np.zeros_like, the smoothed signal (I + L)⁻¹ s by np.linalg.solve, fitted to a target with a penalty."""
    x, logw = p[:5], p[5:]
    w = np.exp(logw)
    W = np.zeros_like(p, shape=(5, 5))
    np.add.at(W, (edges_gl[:, 0], edges_gl[:, 1]), w)
    W = W + W.T
    L = np.diag(W.sum(axis=1)) - W
    smooth = np.linalg.solve(np.eye(5) + L, x)
    return np.sum((smooth - signal_gl) ** 2) + 0.5 * x @ L @ x + 0.05 * np.sum(w)


def pendulum_chain(qp):
    """The Hamiltonian of a 3-link pendulum chain in absolute angles: T = ½ pᵀ M(θ)⁻¹ p with
    M_ij = Σ_{k ≥ max(i, j)} m_k l_i l_j cos(θ_i − θ_j) (tail sums by a reversed cumsum), V by cumulated heights."""
    theta, p = qp[:3], qp[3:]
    tail = np.cumsum(m_pend[::-1])[::-1]
    mu = tail[np.maximum.outer(np.arange(3), np.arange(3))]
    M = mu * np.outer(l_pend, l_pend) * np.cos(theta[:, None] - theta[None, :])
    T = 0.5 * p @ np.linalg.solve(M, p)
    heights = -np.cumsum(l_pend * np.cos(theta))
    return T + 9.81 * np.sum(m_pend * heights)


def blr_evidence(log_ab):
    """Bayesian linear regression's log marginal likelihood (evidence) in α (prior precision) and β (noise
    precision), by slogdet and solve, negated for minimisation."""
    alpha, beta = np.exp(log_ab)
    n, d = X_blr.shape
    A = alpha * np.eye(d) + beta * X_blr.T @ X_blr
    m = beta * np.linalg.solve(A, X_blr.T @ y_blr)
    E = 0.5 * beta * np.sum((y_blr - X_blr @ m) ** 2) + 0.5 * alpha * m @ m
    sign, logdetA = np.linalg.slogdet(A)
    return -(0.5 * d * np.log(alpha) + 0.5 * n * np.log(beta) - E - 0.5 * logdetA - 0.5 * n * np.log(2 * np.pi))


def elo_ratings(p):
    """Elo ratings run game by game with a learned K-factor and initial ratings: the log loss of each game's
    prediction before its update, ratings updated in place (r[i] += K (s − e))."""
    K = np.exp(p[0])
    r = p[1:].copy()
    loss = 0.0
    for (i, j), s in zip(games_elo, result_elo):
        e = 1.0 / (1.0 + 10.0 ** ((r[j] - r[i]) / 4.0))
        loss = loss - (s * np.log(e) + (1 - s) * np.log1p(-e))
        r[i] += K * (s - e)
        r[j] -= K * (s - e)
    return loss + 0.01 * np.sum(p[1:] ** 2)


def maxent_irl(w):
    """Maximum-entropy inverse RL on a 4-state, 2-action MDP: soft value iteration (12 steps of a log-sum-exp
    over actions, keepdims) for a reward linear in one-hot state features, the demonstrations' log-likelihood."""
    reward = w
    V = np.zeros(4)
    for _ in range(12):
        Qsa = reward[:, None] + 0.9 * np.einsum("sat,t->sa", P_mdp, V)
        Qmax = Qsa.max(axis=1, keepdims=True)
        V = (Qmax + np.log(np.exp(Qsa - Qmax).sum(axis=1, keepdims=True)))[:, 0]
    logpi = Qsa - V[:, None]
    return -np.sum(logpi[demo_sa[:, 0], demo_sa[:, 1]]) + 0.1 * np.sum(w**2)


def elastica(phi):
    """A discrete inextensible beam (elastica) by tangent angles: positions by np.cumsum of (cos φ, sin φ) ds,
    bending energy of the angle differences, a point load's work and a penalty pinning the far end."""
    ds = 1.0 / len(phi)
    x = np.cumsum(np.cos(phi)) * ds
    y = np.cumsum(np.sin(phi)) * ds
    bend = 0.5 * np.sum(np.diff(np.concatenate([[0.0], phi])) ** 2) / ds
    return bend + 2.0 * y[len(phi) // 2] + 50.0 * ((x[-1] - 0.9) ** 2 + y[-1] ** 2)


def cvar_portfolio(z):
    """A Rockafellar–Uryasev CVaR portfolio: softmax weights, the scenario losses sorted, the worst 25% averaged
    (CVaR by np.sort), traded off against the mean return."""
    w = np.exp(z - z.max())
    w = w / w.sum()
    losses = -(R_cvar @ w)
    worst = np.sort(losses)[::-1][:3]
    return worst.mean() - 0.5 * np.mean(R_cvar @ w)


def stft_loss(x):
    """A log-magnitude spectral loss: 7 Hann-windowed frames by fancy indexing, np.fft.rfft, |·| and log1p,
    against the clean signal's, plus a waveform term."""

    def logmag(s):
        return np.log1p(np.abs(np.fft.rfft(s[frames_stft] * win_stft, axis=-1)))

    return np.mean((logmag(x) - logmag(sig_stft)) ** 2) + 0.1 * np.mean((x - sig_stft) ** 2)


def splat_1d(p):
    """1-D Gaussian splatting: three Gaussians (centre, log-width, logit-opacity, colour) composited front to
    back along each of 12 pixels, transmittance by an exclusive np.cumprod of (1 − α); the image."""
    mu, log_s, logit_a, col = p.reshape(4, 3)
    alpha = special.expit(logit_a)[:, None] * np.exp(-0.5 * ((x_pix - mu[:, None]) / np.exp(log_s)[:, None]) ** 2)
    trans = np.cumprod(np.vstack([np.ones_like(x_pix), 1 - alpha[:-1]]), axis=0)
    return np.sum(trans * alpha * col[:, None], axis=0)


def splat_fit(p):
    return np.sum((splat_1d(p) - target_pix) ** 2)


def aipw(theta):
    """A doubly robust (AIPW) estimate of an average treatment effect: a logistic propensity and two linear
    outcome models, the estimate's influence-function variance plus the models' own losses."""
    e = special.expit(X_aipw @ theta[:2])
    mu1, mu0 = X_aipw @ theta[2:4], X_aipw @ theta[4:6]
    psi = mu1 - mu0 + T_aipw * (Y_aipw - mu1) / e - (1 - T_aipw) * (Y_aipw - mu0) / (1 - e)
    ate = psi.mean()
    prop_nll = -np.sum(T_aipw * np.log(e) + (1 - T_aipw) * np.log1p(-e))
    out = np.sum(T_aipw * (Y_aipw - mu1) ** 2 + (1 - T_aipw) * (Y_aipw - mu0) ** 2)
    return np.var(psi, ddof=1) / len(psi) + prop_nll + out + 0.1 * ate**2


def bpr(p):
    """Bayesian personalised ranking: user and item embeddings, − Σ log σ(x_ui − x_uj) over (user, positive,
    negative) triples by fancy indexing and np.logaddexp, an L2 penalty."""
    U, V = p["U"], p["V"]
    u, i, j = triples_bpr.T
    x = np.sum(U[u] * (V[i] - V[j]), axis=1)
    return np.sum(np.logaddexp(0.0, -x)) + 0.05 * (np.sum(U**2) + np.sum(V**2))


def occupancy(theta):
    """A site-occupancy model (MacKenzie): occupancy ψ logistic in a site covariate, detection p constant;
    a site never detected mixes 'occupied but missed' with 'absent' (np.where on np.all of the history)."""
    psi = special.expit(theta[0] + theta[1] * x_occ)
    p = special.expit(theta[2])
    lik_hist = np.prod(np.where(det_occ == 1, p, 1 - p), axis=1)
    never = np.all(det_occ == 0, axis=1)
    lik = psi * lik_hist + np.where(never, 1 - psi, 0.0)
    return -np.sum(np.log(lik))


def vqe(angles):
    """A two-qubit variational quantum eigensolver: RY rotations, a CNOT, RY again on a complex state vector
    (np.kron of 2×2 gates), the energy ⟨ψ|H|ψ⟩ by np.vdot, its real part."""

    def ry(t):
        c, s = np.cos(t / 2), np.sin(t / 2)
        return np.stack([np.stack([c, -s]), np.stack([s, c])]) + 0j  # (np.array([[c, -s], [s, c]]): refused)

    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
    psi = np.zeros(4, dtype=complex)
    psi[0] = 1.0
    psi = np.kron(ry(angles[0]), ry(angles[1])) @ psi
    psi = cnot @ psi
    phase = np.exp(1j * angles[4] * np.array([0.0, 1.0, 1.0, 2.0]))
    psi = phase * (np.kron(ry(angles[2]), ry(angles[3])) @ psi)
    return np.real(np.vdot(psi, ham_vqe @ psi))


def ctc_loss(W):
    """Connectionist temporal classification: per-frame log-softmax of X W over {blank, a, b}, the label's
    blank-extended sequence, the forward recursion in the log domain with the skip transition by np.where."""
    logits = X_ctc @ W
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    ext = np.zeros(2 * len(label_ctc) + 1, dtype=int)
    ext[1::2] = label_ctc
    S = len(ext)
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    neg = -1e30
    alpha = np.concatenate([logp[0, ext[:2]], np.full(S - 2, neg)])
    for t in range(1, len(X_ctc)):
        a1 = np.concatenate([[neg], alpha[:-1]])
        a2 = np.where(skip, np.concatenate([[neg, neg], alpha[:-2]]), neg)
        alpha = np.logaddexp(np.logaddexp(alpha, a1), a2) + logp[t, ext]
    return -np.logaddexp(alpha[-1], alpha[-2])


def ssim_loss(x):
    """1 − mean SSIM between an image and a reference, the local means and (co)variances by 3×3 box filters
    from integral images (np.cumsum along both axes, padded with a zero row and column, four-corner sums)."""
    img = x.reshape(img_ssim.shape)

    def box(a):
        S = np.pad(np.cumsum(np.cumsum(a, axis=0), axis=1), ((1, 0), (1, 0)))
        return (S[3:, 3:] - S[:-3, 3:] - S[3:, :-3] + S[:-3, :-3]) / 9.0

    c1, c2 = 1e-4, 9e-4
    mx, my = box(img), box(img_ssim)
    vx = box(img * img) - mx**2
    vy = box(img_ssim * img_ssim) - my**2
    cxy = box(img * img_ssim) - mx * my
    ssim = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return 1.0 - ssim.mean()


def voigt_fit(p):
    """A spectral line fitted by a Voigt profile, Re w(z)/(σ√2π) with the Faddeeva function scipy.special.wofz,
    z = (ν − ν₀ + iγ)/(σ√2)."""
    nu0, sigma, gamma, amp = p[0], np.exp(p[1]), np.exp(p[2]), np.exp(p[3])
    z = (nu_voigt - nu0 + 1j * gamma) / (sigma * np.sqrt(2))
    prof = amp * np.real(special.wofz(z)) / (sigma * np.sqrt(2 * np.pi))
    return np.sum((prof - spec_voigt) ** 2)


def points():
    return {
        "two_link_arm": np.array([0.3, 0.5, 0.8, -0.4, -0.2, 0.3, np.log(0.1), np.log(0.05)]),
        "particle_filter": np.array([0.8, -0.7, -1.0]),
        "entropic_ot_dual": np.array([0.05, -0.02, 0.01, 0.03, 0.0, -0.04, 0.02]),
        "kalman_joseph": np.array([-1.0, -3.0]),
        "sparse_gp_elbo": {"Z": np.array([-0.8, -0.3, 0.2, 0.7]), "log_hyp": np.log(np.array([0.5, 1.0, 0.05]))},
        "spectral_norm_layer": W_sn.ravel() * 0.7,
        "laplacian_smoothing": np.concatenate([signal_gl + 0.1, np.linspace(-0.5, 0.5, 7)]),
        "pendulum_chain": np.array([0.3, -0.2, 0.5, 0.4, 0.1, -0.3]),
        "blr_evidence": np.array([0.2, 2.5]),
        "elo_ratings": np.array([-1.0, 0.1, -0.2, 0.3, 0.0]),
        "maxent_irl": np.array([0.2, -0.1, 0.4, 0.0]),
        "elastica": 0.3 * np.sin(np.linspace(0.2, 3.0, 8)),
        "cvar_portfolio": np.array([0.2, -0.1, 0.3]),
        "stft_loss": sig_stft + 0.05 * np.cos(np.arange(32)),
        "splat_fit": np.array([0.3, 0.5, 0.7, np.log(0.1), np.log(0.15), np.log(0.1), 0.5, 0.0, -0.5, 0.8, 0.5, 0.3]),
        "aipw": np.array(
            [
                0.1,
                0.3,
                1.0,
                0.9,
                0.8,
                1.1,
            ]
        ),
        "bpr": {"U": 0.3 * np.cos(np.arange(6.0)).reshape(3, 2), "V": 0.3 * np.sin(np.arange(10.0)).reshape(5, 2)},
        "occupancy": np.array([0.3, 0.5, 0.1]),
        "vqe": np.array([0.3, 1.1, -0.4, 0.7, 0.2]),
        "ctc_loss": 0.5 * np.cos(np.arange(9.0)).reshape(3, 3),
        "ssim_loss": (img_ssim + 0.1 * np.sin(np.arange(56.0)).reshape(7, 8)).ravel(),
        "voigt_fit": np.array([0.1, np.log(0.5), np.log(0.6), 0.2]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]
#: value-dependent graphs dl.prepare refuses: none (np.where's masks, the sort's permutation and the loops' counts
#: are fixed by the data, not the parameters)
SPECIALISED: set = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.value_and_grad in x64 (the source run with jax.numpy
#: and jax.scipy.special; np.concatenate's list arguments as arrays; elo_ratings' r[i] += and laplacian_smoothing's
#: np.add.at as .at[].add, vqe's psi[0] = 1 as .at[].set, ctc_loss's integer label bookkeeping in NumPy)
GRAD = {
    "two_link_arm": (42.5353282742597, 16.42086728241931, 11136.32163046491),  # jax, n=8
    "particle_filter": (8.302546618373364, 0.6336429550091927, 24.491904026865566),  # jax, n=3
    "entropic_ot_dual": (0.032304876831941505, 0.1508216885376519, 0.254521814285168),  # jax, n=7
    "kalman_joseph": (-0.1862937471706315, -0.8343806375705806, 4.242436956891258),  # jax, n=2
    "sparse_gp_elbo": (6.279071477994512, 9.146147185418204, 287.6766003603896),  # jax, n=7
    "spectral_norm_layer": (11.866846546338062, -1.864444903462976, 3.8841418748906196),  # jax, n=12
    "laplacian_smoothing": (3.149223050539499, 5.393010615261857, 17.78037103813204),  # jax, n=12
    "pendulum_chain": (-37.879553311424516, 1.1133696254215428, 62.14573969963437),  # jax, n=6
    "blr_evidence": (4.49894968855641, 0.6110925038202849, 4.915517059609969),  # jax, n=2
    "elo_ratings": (5.073318110095517, -0.32245435372637, 1.289227203880226),  # jax, n=5
    "maxent_irl": (4.074066117407993, -0.30572182105068174, 0.18941078349703816),  # jax, n=4
    "elastica": (2.500951765769576, 0.3808395822107617, 43.93744441491662),  # jax, n=8
    "cvar_portfolio": (-0.018530950843850993, -0.02817807170924126, 0.0008472593709488731),  # jax, n=3
    "stft_loss": (0.0007035688102336486, 0.015474834819439977, 0.00011489766162236746),  # jax, n=32
    "splat_fit": (0.31628464980396126, -2.1870384402765577, 14.948462745307026),  # jax, n=12
    "aipw": (14.969970115412309, 7.805344131547704, 178.9918202905977),  # jax, n=6
    "bpr": (4.378414246717561, 0.10165375487132233, 0.6871769002161302),  # jax, n=16
    "occupancy": (12.689906377998806, -0.2534237282987117, 0.25877734700794147),  # jax, n=3
    "vqe": (-0.04072518347115295, 0.6341053824562881, 2.2849339424713153),  # jax, n=5
    "ctc_loss": (2.0760334373080584, 0.19075464105061513, 0.48545426445395523),  # jax, n=9
    "ssim_loss": (0.04842725524650615, -0.8436513804536803, 0.627888638189524),  # jax, n=56
    "voigt_fit": (0.9399594201840183, 0.5549046483386932, 2.5004895315337285),  # jax, n=4
}

test_gradient_of_user_code = gradient_test(POINTS, FUNCS, GRAD, SPECIALISED)

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64
HESS = {
    "particle_filter": (-16.059532988217637, 544.0241793649451),  # jax.hessian
    "entropic_ot_dual": (-0.1274666085350304, 17.59315201636914),  # jax.hessian
    "kalman_joseph": (-0.034177023779662384, 0.01944256349171971),  # jax.hessian
    "pendulum_chain": (3.7716136596950607, 694.2037913877226),  # jax.hessian
    "blr_evidence": (-0.11533290488318435, 2.7519955039239035),  # jax.hessian
    "elo_ratings": (-0.09368660087749024, 0.5428963277510024),  # jax.hessian
    "maxent_irl": (0.13817173168317964, 0.2717367364360348),  # jax.hessian
    "occupancy": (-0.4412105726178073, 8.759123528841982),  # jax.hessian
    "vqe": (0.18590036179725752, 1.968170918484198),  # jax.hessian
    "cvar_portfolio": (0.004138895565093438, 0.0001831974488073963),  # jax.hessian
    "two_link_arm": (-39.242521814840615, 4859.114036678874),  # jax.hessian
    "voigt_fit": (0.23842642854796056, 2.641349185112199),  # jax.hessian
}

test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    doc="""dl.hessian of eleven equals jax.hessian's (a particle filter's log-mean-exp through fixed ancestors, the
    entropic dual's exponentials, a Joseph-form Kalman recursion, a mass matrix by np.maximum.outer and solve,
    slogdet, Elo's in-place updates, soft value iteration, np.prod over np.where, a complex state vector, CVaR
    through np.sort, a 2-link arm's Lagrangian dynamics).""",
)

#: jax.jacobian of splat_1d (12 pixels by 12 parameters): (Σ J·cos(k + 1), Σ J²)
JAC_SPLAT = (-8.572059433355076, 22.395902248946925)


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_hvp_vmap_nesting(method):
    """The splatted image's (12, 12) Jacobian through the exclusive cumprod, fresh and prepared, equals JAX's; hvp
    of the Joseph-form Kalman filter and jacfwd of grad of the VQE energy (complex state, real parameters) equal
    the stored Hessians; vmap of the BLR evidence and of its gradient over a batch equal the unbatched calls."""
    tol = 1e-6 if method == "numeric" else 1e-12
    p = POINTS["splat_fit"]
    for J in (dl.jacobian(splat_1d, method=method)(p), dl.prepare(splat_1d, p, method=method).jacobian(p)):
        J = np.asarray(J).reshape(12, 12)
        assert np.sum(J * np.cos(np.arange(144) + 1.0).reshape(12, 12)) == pytest.approx(JAC_SPLAT[0], rel=tol)
        assert np.sum(J * J) == pytest.approx(JAC_SPLAT[1], rel=tol)
    x = POINTS["kalman_joseph"]
    g = check_hvp(kalman_joseph, x, method, HESS["kalman_joseph"])
    np.testing.assert_allclose(
        g, dl.grad(kalman_joseph, method="reverse")(x), rtol=1e-7 if method == "numeric" else 1e-12
    )
    if method != "numeric":  # (numeric over numeric: the Hessian test's own path)
        H = dl.jacfwd(dl.grad(vqe, method=method))(POINTS["vqe"])
        u, v = np.cos(np.arange(5) + 1.0), np.sin(np.arange(5) + 1.0)
        assert u @ H @ v == pytest.approx(HESS["vqe"][0], rel=1e-11)
    B = POINTS["blr_evidence"] + 0.1 * np.random.default_rng(3).normal(size=(4, 2))
    check_vmap(blr_evidence, B, method, 1e-5 if method == "numeric" else 1e-11)


def ctc_loss_inf(W):
    """ctc_loss as often written: the unreachable states -inf (np.full_like), logaddexp(-inf, -inf) among them;
    JAX's gradient of this spelling is NaN (hence ctc_loss's -1e30), difflab's the -1e30 spelling's."""
    logits = X_ctc @ W
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    ext = np.zeros(2 * len(label_ctc) + 1, dtype=int)
    ext[1::2] = label_ctc
    S = len(ext)
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    alpha = np.full_like(W, -np.inf, shape=S)  # (np.full(S, -np.inf): alpha[:2] = ... refused, naming this)
    alpha[:2] = logp[0, ext[:2]]
    for t in range(1, len(X_ctc)):
        a1 = np.concatenate([[-np.inf], alpha[:-1]])
        a2 = np.where(skip, np.concatenate([[-np.inf, -np.inf], alpha[:-2]]), -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, a1), a2) + logp[t, ext]
    return -np.logaddexp(alpha[-1], alpha[-2])


@pytest.mark.parametrize("method", METHODS)
def test_ctc_over_minus_infinities_equals_the_finite_spelling(method):
    """ctc_loss_inf's gradient, fresh and prepared, is ctc_loss's (JAX's, stored): logaddexp's partials at
    a = b = -inf were NaN, so forward's gradient was NaN (with a DomainWarning) where reverse's was finite
    (tests/test_wrong_numbers.py::test_logaddexp_of_two_minus_infinities_splits_the_tie); JAX's is NaN."""
    W = POINTS["ctc_loss"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(ctc_loss_inf, method=method)(W)
        gp = dl.prepare(ctc_loss_inf, W, method=method).grad(W)
    for got in (g, gp):
        check_gradient(GRAD["ctc_loss"], float(value), got, gradient_tol(method))


def arm_mass_by_np_empty(p):
    """two_link_arm's mass matrices filled into np.empty(..., dtype=p.dtype): NumPy's array, refused."""
    c2 = np.cos(p[1] + p[3] * t_arm)
    M = np.empty((len(t_arm), 2, 2), dtype=p.dtype)
    M[:, 0, 0] = np.exp(p[6]) + 0.8 * (1.16 + 0.8 * c2)
    return np.sum(M[:, 0, 0])


def ctc_alpha_by_np_full(W):
    """ctc_loss_inf's first step into np.full(S, -np.inf): NumPy's array, refused."""
    alpha = np.full(7, -np.inf)
    alpha[:2] = (X_ctc @ W)[0, :2]
    return np.logaddexp.reduce(alpha)


def vqe_by_np_array(angles):
    """vqe's RY gate as np.array([[c, -s], [s, c]]) of traced entries: NumPy's own conversion, refused (JAX's
    tracers refuse np.array too); np.stack, which vqe writes, is the remedy the refusal names."""
    c, s = np.cos(angles[0] / 2), np.sin(angles[0] / 2)
    return np.sum(np.array([[c, -s], [s, c]]) @ np.ones(2))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "f, x, match",
    [
        (vqe_by_np_array, "vqe", r"np\.array\(\[\[c, -s\], \[s, c\]\]\).*numpy\.stack"),
        (arm_mass_by_np_empty, "two_link_arm", r"stored into a NumPy array.*np\.empty_like"),
        (ctc_alpha_by_np_full, "ctc_loss", r"stored into a NumPy array.*np\.zeros_like\(x"),
    ],
    ids=["np.array", "np.empty", "np.full"],
)
def test_numpys_own_arrays_of_traced_entries_are_refused_with_the_remedy(f, x, match, method):
    """What JAX refuses too (NumPy's own array built from, or written with, traced values) is refused naming
    what traces instead (np.stack; np.empty_like / np.zeros_like(x, shape=...), which the functions above use)."""
    with pytest.raises((dl.errors.UnsupportedOperationError, dl.errors.TracerConversionError), match=match):
        dl.grad(f, method=method)(POINTS[x])
