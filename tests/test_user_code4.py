"""What a user writes, round 4: 31 more functions in plain NumPy, from areas the first three rounds do not
cover: epidemics and neurons stepped by hand (SIR, Hodgkin-Huxley through functools.partial), econometrics
(GARCH, ARMA by conditional sums of squares, Cox's partial likelihood by a reversed cumsum, a Hawkes process
with `if` on the data), a linear-chain CRF's forward algorithm, Sinkhorn in the log domain, molecular
mechanics (Morse bonds, angles by arccos, Lennard-Jones over np.triu_indices), a 1-D finite-element bar
assembled by `K[i, j] += ...` into np.zeros_like(E, shape=...), a CNN by im2col index arithmetic with a
max-pool by reshape, a class holding parameters and batch-norm running statistics, label smoothing,
weighted least squares through np.vander, ridge through np.linalg.lstsq of a stacked system, robust and
trimmed losses (np.partition, np.quantile), the ranked probability score by np.cumsum, t-SNE's KL,
skip-gram with negative sampling, masked matrix factorisation, bundle adjustment's reprojection by
Rodrigues' formula, a Gaussian likelihood by 5×5 inv and det, LQR's Riccati recursion, an MMD closure,
a leapfrog integrator that calls dl.grad inside, Kuramoto's complex order parameter, a float32 Gram
loss, an SVM with integer labels and a DQN's TD loss, a graph Laplacian's 5×5 eigvalsh.

Each one's gradient under every method, fresh and prepared, against JAX x64 (the function's source run with
jax.numpy for numpy, jax.scipy for scipy and difflab.scipy, jax.grad for dl.grad; for the item-assignment
ones a `.at[].set` spelling of the same code): f, g·cos(k + 1) and |g|² of the gradient flattened in
sorted-key order, stored here so CI (no JAX) asserts them; the item-assignment ones are also checked live
against complex-step differences of the NumPy function itself. Hessians of the small ones, Jacobians of
the vector-valued ones, hvp and vmap."""

import functools

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
import difflab.scipy.special as dspecial
from user_code import METHODS, check_gradient, check_vmap, complex_step, gradient_test, hessian_test

# ---------------------------------------------------------------- data
_r = np.random.default_rng(26)
I_sir = np.array([0.014, 0.019, 0.026, 0.035, 0.046, 0.06, 0.077, 0.096, 0.117, 0.139])
r_garch = 0.8 * _r.standard_t(5, size=12)
y_ar = np.cumsum(_r.normal(size=14)) * 0.3
t_cox = _r.exponential(size=8)
ev_cox = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
X_cox = _r.normal(size=(8, 2))
X_crf = _r.normal(size=(5, 3))
y_crf = np.array([0, 2, 2, 1, 0])
Y_ot = _r.normal(size=(5, 2))
a_ot, b_ot = np.full(4, 0.25), np.full(5, 0.2)
bonds_mm = np.array([[0, 1], [1, 2], [2, 3]])
angles_mm = [(0, 1, 2), (1, 2, 3)]
f_fem = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
IMGS = _r.normal(size=(2, 6, 6))
y_cnn = np.array([0.3, -0.2])
X_bn = _r.normal(size=(6, 2))
y_bn = _r.normal(size=6)
X_ls = _r.normal(size=(6, 3))
y_ls = np.array([0, 1, 2, 1, 0, 2])
t_v = np.linspace(-1, 1, 7)
y_v = np.sin(2 * t_v)
t_test_v = np.array([-0.5, 0.3, 0.8])
X_r = _r.normal(size=(6, 3))
y_r = _r.normal(size=6)
X_val, y_val = _r.normal(size=(4, 3)), _r.normal(size=4)
X_rob = _r.normal(size=(9, 2))
y_rob = X_rob @ np.array([1.0, -2.0]) + np.array([0.1, -0.3, 4.0, 0.2, -0.1, 0.05, -5.0, 0.3, 0.0])
X_q = _r.normal(size=(10, 2))
y_q = X_q @ np.array([0.5, 1.0]) + _r.standard_t(3, size=10)
X_rps = _r.normal(size=(5, 2))
y_rps = np.array([0, 3, 1, 2, 2])
_P = np.abs(_r.normal(size=(6, 6)))
_P = _P + _P.T
P_tsne = np.maximum(_P * (1 - np.eye(6)) / np.sum(_P * (1 - np.eye(6))), 1e-12)
centers_sg = np.array([0, 2, 3, 5])
contexts_sg = np.array([1, 3, 2, 4])
negs_sg = np.array([[2, 4], [0, 5], [1, 4], [0, 3]])
R_mf = np.array([[5.0, np.nan, 3.0, 1.0], [4.0, np.nan, np.nan, 1.0], [np.nan, 1.0, np.nan, 5.0]])
P3d = _r.normal(size=(5, 3)) + np.array([0.0, 0.0, 6.0])
f_cam, c_cam = 500.0, np.array([320.0, 240.0])
uv_obs = f_cam * P3d[:, :2] / P3d[:, 2:3] + c_cam + _r.normal(size=(5, 2))
X_mvn = _r.normal(size=(8, 5))
mu_mvn = np.array([0.1, -0.2, 0.0, 0.3, 0.1])
A_lqr = np.array([[1.0, 0.1], [0.0, 1.0]])
B_lqr = np.array([[0.0], [0.1]])
x0_lqr = np.array([1.0, -0.5])
Y_mmd = _r.normal(size=(5, 2)) + 0.5
Prec_hmc = np.array([[2.0, 0.5], [0.5, 1.0]])
omega_k = np.array([0.9, 1.0, 1.1, 1.3])
th0_k = np.array([0.0, 1.0, 2.5, 4.0])
G_target = (_r.normal(size=(3, 3)) * 0.3).astype(np.float32)
X_svm = _r.normal(size=(8, 2))
y_svm = np.array([1, -1, 1, 1, -1, -1, 1, -1])
S_td, S2_td = _r.normal(size=(6, 2)), _r.normal(size=(6, 2))
a_td = np.array([0, 2, 1, 1, 0, 2])
r_td = np.array([1.0, 0.0, -1.0, 0.5, 0.0, 2.0])
done_td = np.array([0.0, 0.0, 1.0, 0.0, 0.0, 1.0])
ev_hawkes = np.array([0.3, 0.9, 1.0, 1.8, 2.9, 3.1, 3.2, 4.4])
edges_g = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [0, 4], [1, 3]])


# ---------------------------------------------------------------- functions
def sir_fit(p):
    beta, gamma = np.exp(p["log_beta"]), np.exp(p["log_gamma"])
    S, I, R = 0.99, 0.01, 0.0
    dt = 0.5
    loss = 0.0
    for k in range(20):
        new_inf = beta * S * I * dt
        new_rec = gamma * I * dt
        S, I, R = S - new_inf, I + new_inf - new_rec, R + new_rec
        if k % 2 == 1:
            loss += (I - I_sir[k // 2]) ** 2
    return loss * 1e4


def _hh_rhs(y, I_ext, g):
    V, m, h, n = y
    am = 0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10))
    bm = 4 * np.exp(-(V + 65) / 18)
    ah = 0.07 * np.exp(-(V + 65) / 20)
    bh = 1 / (1 + np.exp(-(V + 35) / 10))
    an = 0.01 * (V + 55) / (1 - np.exp(-(V + 55) / 10))
    bn = 0.125 * np.exp(-(V + 65) / 80)
    I_ion = g[0] * m**3 * h * (V - 50) + g[1] * n**4 * (V + 77) + g[2] * (V + 54.4)
    return np.stack([I_ext - I_ion, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n])


def hodgkin_huxley(g):
    rhs = functools.partial(_hh_rhs, I_ext=10.0, g=g)
    y = np.array([-65.0, 0.05, 0.6, 0.32])
    dt = 0.05
    Vs = []
    for _ in range(20):
        y = y + dt * rhs(y)
        Vs.append(y[0])
    return np.mean(np.stack(Vs)) + 0.01 * y[0] ** 2


def garch_nll(theta):
    omega, alpha, beta = np.exp(theta[0]), special.expit(theta[1]), special.expit(theta[2])
    sigma2 = np.var(r_garch)
    nll = 0.0
    for t in range(1, len(r_garch)):
        sigma2 = omega + alpha * r_garch[t - 1] ** 2 + beta * sigma2
        nll += 0.5 * (np.log(2 * np.pi) + np.log(sigma2) + r_garch[t] ** 2 / sigma2)
    return nll


def arma_css(phi):
    resid = []
    prev_e = 0.0
    for t in range(2, len(y_ar)):
        pred = phi[0] * y_ar[t - 1] + phi[1] * y_ar[t - 2] + phi[2] * prev_e
        prev_e = y_ar[t] - pred
        resid.append(prev_e)
    return np.sum(np.stack(resid) ** 2) / len(resid)


def cox_ph(beta):
    order = np.argsort(-t_cox)  # risk sets: everyone with a later time
    X, d = X_cox[order], ev_cox[order]
    eta = X @ beta
    log_risk = np.log(np.cumsum(np.exp(eta)))
    return -np.sum(d * (eta - log_risk)) + 0.01 * beta @ beta


def crf_nll(p):
    E = X_crf @ p["W"]
    A = p["A"]
    alpha = E[0] + p["start"]
    for t in range(1, len(y_crf)):
        alpha = dspecial.logsumexp(alpha[:, None] + A, axis=0) + E[t]
    logZ = dspecial.logsumexp(alpha)
    gold = p["start"][y_crf[0]] + E[np.arange(len(y_crf)), y_crf].sum() + A[y_crf[:-1], y_crf[1:]].sum()
    return logZ - gold


def sinkhorn_log(Xs, eps=0.5, n_iter=6):
    C = np.sum((Xs[:, None, :] - Y_ot[None, :, :]) ** 2, axis=-1)
    f, g = np.zeros(4), np.zeros(5)
    for _ in range(n_iter):
        f = eps * np.log(a_ot) - eps * dspecial.logsumexp((g[None, :] - C) / eps, axis=1)
        g = eps * np.log(b_ot) - eps * dspecial.logsumexp((f[:, None] - C) / eps, axis=0)
    P = np.exp((f[:, None] + g[None, :] - C) / eps)
    return np.sum(P * C)


def mm_energy(x):
    X = x.reshape(-1, 3)
    b = X[bonds_mm[:, 1]] - X[bonds_mm[:, 0]]
    r = np.linalg.norm(b, axis=-1)
    E = np.sum(2.0 * (1 - np.exp(-1.5 * (r - 1.1))) ** 2)
    for i, j, k in angles_mm:
        u, v = X[i] - X[j], X[k] - X[j]
        cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
        E += 0.5 * 0.3 * (np.arccos(cos) - 1.9) ** 2
    i, j = np.triu_indices(len(X), k=2)
    d = np.linalg.norm(X[i] - X[j], axis=1)
    sr6 = (1.0 / d) ** 6
    E += np.sum(4 * 0.1 * (sr6**2 - sr6))
    return E


def fem_bar(logE):
    n_el = len(logE)
    n, h = n_el + 1, 1.0 / n_el
    E = np.exp(logE)
    K = np.zeros_like(E, shape=(n, n))
    for e in range(n_el):
        ke = E[e] / h * np.array([[1.0, -1.0], [-1.0, 1.0]])
        for a in range(2):
            for b in range(2):
                K[e + a, e + b] += ke[a, b]
    u = np.linalg.solve(K[1:, 1:], f_fem)  # node 0 clamped
    return f_fem @ u  # compliance


def _im2col(x, k):
    N, H, W = x.shape
    Ho, Wo = H - k + 1, W - k + 1
    i0, j0 = np.repeat(np.arange(k), k), np.tile(np.arange(k), k)
    i = i0[:, None] + np.repeat(np.arange(Ho), Wo)[None, :]
    j = j0[:, None] + np.tile(np.arange(Wo), Ho)[None, :]
    return x[:, i, j]  # (N, k*k, Ho*Wo)


def im2col_cnn(p):
    N = IMGS.shape[0]
    h = np.einsum("fk,nkp->nfp", p["w1"].reshape(2, 9), _im2col(IMGS, 3)) + p["b1"][None, :, None]
    h = np.maximum(0, h).reshape(N, 2, 4, 4)
    h = h.reshape(N, 2, 2, 2, 2, 2).max(axis=(3, 5))  # 2x2 max-pool
    cols = _im2col(h.sum(axis=1), 2)  # (N, 4, 1)
    out = np.einsum("k,nkp->np", p["w2"], cols)
    return np.mean((out.mean(axis=1) - y_cnn) ** 2)


class BatchNormMLP:
    def __init__(self, params, momentum=0.9):
        self.p = params
        self.momentum = momentum
        self.running_mean = np.zeros(3)
        self.running_var = np.ones(3)

    def bn(self, h, training=True):
        if training:
            mu, var = h.mean(axis=0), h.var(axis=0)
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            mu, var = self.running_mean, self.running_var
        return self.p["gamma"] * (h - mu) / np.sqrt(var + 1e-5) + self.p["beta"]

    def __call__(self, X, training=True):
        h = np.tanh(X @ self.p["W1"])
        return self.bn(h, training) @ self.p["w2"]


def bn_running(p):
    model = BatchNormMLP(p)
    y1 = model(X_bn)
    y2 = model(X_bn[:3], training=False)
    return np.mean((y1 - y_bn) ** 2) + np.mean(y2**2)


def label_smooth_xent(W, eps=0.1):
    logits = X_ls @ W
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    K = W.shape[1]
    target = np.eye(K)[y_ls] * (1 - eps) + eps / K
    return -np.mean(np.sum(target * logp, axis=1))


def wls_vander(p):
    w = np.exp(p["logw"])
    V = np.vander(p["t"], 4)
    coef = np.linalg.solve(V.T @ (w[:, None] * V), V.T @ (w * y_v))
    return np.sum((np.polyval(coef, t_test_v) - np.sin(2 * t_test_v)) ** 2)


def ridge_aug(theta):
    lam = np.exp(theta[0])
    y = y_r + theta[1:]
    A = np.vstack([X_r, np.sqrt(lam) * np.eye(3)])
    b = np.concatenate([y, np.zeros(3)])
    w, *_ = np.linalg.lstsq(A, b, rcond=None)
    return np.sum((X_val @ w - y_val) ** 2)


def robust_mix(w):
    r = y_rob - X_rob @ w
    c = 1.5
    pseudo = c**2 * (np.sqrt(1 + (r / c) ** 2) - 1)
    tukey = np.where(np.abs(r) <= 3.0, 1.5 * (1 - (1 - (r / 3.0) ** 2) ** 3), 1.5)
    return np.mean(pseudo) + np.mean(tukey) + 0.1 * np.sum(np.sign(w) * w)


def trimmed_quantile(w):
    r = y_q - X_q @ w
    k = int(0.8 * len(r))
    kept = np.partition(np.abs(r), k - 1)[:k]  # the smallest 80% of the residuals
    tau = 0.7
    pin = np.maximum(tau * r, (tau - 1) * r)
    return np.sum(kept**2) / k + np.mean(pin) + 0.5 * np.quantile(r, 0.9) ** 2


def rps(W):
    logits = X_rps @ W
    P = dspecial.softmax(logits, axis=1)
    cdf = np.cumsum(P, axis=1)
    obs = np.cumsum(np.eye(4)[y_rps], axis=1)
    return np.mean(np.sum((cdf - obs) ** 2, axis=1))


def tsne_kl(y):
    Y = y.reshape(6, 2)
    sq = np.sum(Y**2, 1)
    D = sq[:, None] + sq[None, :] - 2 * Y @ Y.T
    num = 1.0 / (1.0 + D)
    num = num * (1 - np.eye(6))
    Q = np.maximum(num / np.sum(num), 1e-12)
    return np.sum(P_tsne * np.log(P_tsne / Q))


def skipgram(p):
    Win, Wout = p["in"], p["out"]
    loss = 0.0
    for c, o, negs in zip(centers_sg, contexts_sg, negs_sg):
        v = Win[c]
        loss -= np.log(special.expit(Wout[o] @ v))
        loss -= np.sum(np.log(special.expit(-Wout[negs] @ v)))
    return loss / len(centers_sg)


def mf_masked(p):
    U, V = p["U"], p["V"]
    rows, cols = np.nonzero(~np.isnan(R_mf))
    pred = np.sum(U[rows] * V[cols], axis=1) + p["bu"][rows] + p["bv"][cols]
    err = pred - R_mf[rows, cols]
    return 0.5 * np.sum(err**2) + 0.05 * (np.sum(U**2) + np.sum(V**2))


def project(pose):
    rvec, t = pose[:3], pose[3:]
    theta = np.linalg.norm(rvec)
    k = rvec / theta
    P = P3d
    Pr = P * np.cos(theta) + np.cross(k, P) * np.sin(theta) + np.outer(P @ k, k) * (1 - np.cos(theta))
    Pc = Pr + t
    uv = f_cam * Pc[:, :2] / Pc[:, 2:3] + c_cam
    return uv.ravel()


def reproj_loss(pose):
    r = project(pose) - uv_obs.ravel()
    return np.sum(np.log1p(r**2))


def mvn_naive(a):
    A = a.reshape(5, 5)
    S = A @ A.T + np.eye(5)
    d = X_mvn - mu_mvn
    Sinv = np.linalg.inv(S)
    quad = np.einsum("ni,ij,nj->n", d, Sinv, d)
    return 0.5 * np.sum(quad) + 0.5 * len(X_mvn) * np.log(np.linalg.det(S))


def lqr_cost(logq):
    Q, R = np.diag(np.exp(logq[:2])), np.exp(logq[2]) * np.eye(1)
    P = Q
    for _ in range(10):
        K = np.linalg.inv(R + B_lqr.T @ P @ B_lqr) @ B_lqr.T @ P @ A_lqr
        P = Q + A_lqr.T @ P @ (A_lqr - B_lqr @ K)
    return x0_lqr @ P @ x0_lqr + np.sum(K**2)


def make_mmd(Y, bandwidths=(0.5, 1.0, 2.0)):
    def k(A, B):
        d2 = np.sum(A**2, 1)[:, None] + np.sum(B**2, 1)[None, :] - 2 * A @ B.T
        return sum(np.exp(-d2 / (2 * h**2)) for h in bandwidths)

    def mmd(x):
        X = x.reshape(-1, 2)
        return k(X, X).mean() + k(Y, Y).mean() - 2 * k(X, Y).mean()

    return mmd


mmd_closure = make_mmd(Y_mmd)


def _potential(q):
    return 0.5 * q @ Prec_hmc @ q + 0.1 * np.sum(q**4)


def leapfrog_H(z):
    q, p = z[:2], z[2:]
    eps = 0.1
    grad_U = dl.grad(_potential)
    p = p - 0.5 * eps * grad_U(q)
    for _ in range(5):
        q = q + eps * p
        p = p - eps * grad_U(q)
    p = p + 0.5 * eps * grad_U(q)
    return _potential(q) + 0.5 * p @ p


def kuramoto(p):
    K, w = p[0], omega_k + p[1:]
    th = th0_k
    for _ in range(8):
        th = th + 0.1 * (w + K / len(th) * np.sum(np.sin(th[None, :] - th[:, None]), axis=1))
    return -np.abs(np.mean(np.exp(1j * th)))


def gram_style_f32(Fp):
    F = Fp.reshape(3, 8)
    G = F @ F.T / F.shape[1]
    return np.sum((G - G_target) ** 2) + 1e-2 * np.sum(np.diff(F, axis=1) ** 2)


def svm_primal(w, y, C=1.0):
    margins = y * (X_svm @ w[:-1] + w[-1])
    return 0.5 * w[:-1] @ w[:-1] + C * np.sum(np.maximum(0, 1 - margins) ** 2)


def svm_hinge(w):
    return svm_primal(w, y_svm, C=2)


def td_loss(W):
    Q = np.tanh(S_td @ W)
    Qn = np.tanh(S2_td @ W)
    target = r_td + 0.9 * np.max(Qn, axis=1) * (1 - done_td)
    q_sa = Q[np.arange(len(a_td)), a_td]
    td = q_sa - target
    return np.mean(np.where(np.abs(td) < 1, 0.5 * td**2, np.abs(td) - 0.5))


def hawkes_loglik(p):
    mu, alpha, beta = np.exp(p)
    ll = 0.0
    A = 0.0
    for i, t in enumerate(ev_hawkes):
        if i > 0:
            A = np.exp(-beta * (t - ev_hawkes[i - 1])) * (1 + A)
        ll += np.log(mu + alpha * A)
    T = 5.0
    ll -= mu * T + alpha / beta * np.sum(1 - np.exp(-beta * (T - ev_hawkes)))
    return -ll


def fiedler(logw):
    w = np.exp(logw)
    Wm = np.zeros_like(w, shape=(5, 5))
    Wm[edges_g[:, 0], edges_g[:, 1]] = w
    Wm = Wm + Wm.T
    L = np.diag(Wm.sum(axis=1)) - Wm
    ev = np.linalg.eigvalsh(L)
    return (ev[1] - 1.0) ** 2 + 0.1 * np.sum(ev**2)


# ---------------------------------------------------------------- points
def points():
    r = np.random.default_rng(8)
    return {
        "sir_fit": {"log_beta": np.array(np.log(0.7)), "log_gamma": np.array(np.log(0.15))},
        "hodgkin_huxley": np.array([120.0, 36.0, 0.3]),
        "garch_nll": np.array([-2.0, -1.5, 1.0]),
        "arma_css": np.array([0.6, 0.2, 0.1]),
        "cox_ph": np.array([0.3, -0.5]),
        "crf_nll": {"W": r.normal(size=(3, 3)), "A": r.normal(size=(3, 3)), "start": r.normal(size=3)},
        "sinkhorn_log": r.normal(size=(4, 2)),
        "mm_energy": np.array([0.0, 0, 0, 1.1, 0.1, 0, 1.5, 1.1, 0.2, 2.6, 1.2, -0.1]) + 0.05 * r.normal(size=12),
        "fem_bar": 0.3 * r.normal(size=5),
        "im2col_cnn": {"w1": 0.5 * r.normal(size=(2, 3, 3)), "b1": np.array([0.1, -0.1]), "w2": r.normal(size=4)},
        "bn_running": {
            "W1": r.normal(size=(2, 3)),
            "gamma": 1 + 0.1 * r.normal(size=3),
            "beta": 0.1 * r.normal(size=3),
            "w2": r.normal(size=3),
        },
        "label_smooth_xent": r.normal(size=(3, 3)),
        "wls_vander": {"logw": 0.3 * r.normal(size=7), "t": t_v + 0.02 * r.normal(size=7)},
        "ridge_aug": np.concatenate([[-1.0], 0.1 * r.normal(size=6)]),
        "robust_mix": np.array([0.8, -1.7]),
        "trimmed_quantile": np.array([0.4, 0.9]),
        "rps": r.normal(size=(2, 4)),
        "tsne_kl": r.normal(size=12),
        "skipgram": {"in": 0.5 * r.normal(size=(6, 3)), "out": 0.5 * r.normal(size=(6, 3))},
        "mf_masked": {
            "U": r.normal(size=(3, 2)),
            "V": r.normal(size=(4, 2)),
            "bu": np.zeros(3),
            "bv": np.array([3.0, 2.0, 3.0, 2.5]),
        },
        "reproj_loss": np.array([0.05, -0.1, 0.08, 0.1, -0.2, 0.3]),
        "mvn_naive": 0.5 * r.normal(size=25),
        "lqr_cost": np.array([0.0, -0.5, 0.3]),
        "mmd_closure": r.normal(size=8),
        "leapfrog_H": np.array([0.5, -0.3, 0.2, 0.8]),
        "kuramoto": np.array([1.5, 0.05, -0.1, 0.0, 0.1]),
        "gram_style_f32": (0.5 * r.normal(size=24)).astype(np.float32),
        "svm_hinge": np.array([0.5, -0.3, 0.1]),
        "td_loss": r.normal(size=(2, 3)),
        "hawkes_loglik": np.array([-0.5, -0.7, 0.3]),
        "fiedler": 0.3 * r.normal(size=6),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]
#: value-dependent graphs dl.prepare refuses: none now (trimmed_quantile's np.partition is a primitive since stop 37,
#: so its prepared graph holds at values in another order)
SPECIALISED: set = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.grad in x64 (fem_bar, fiedler: their `.at[].add/.set` spelling)
GRAD = {
    "sir_fit": (2255.4550878356467, 10584.10999733742, 270897858.9348666),  # jax, n=2
    "hodgkin_huxley": (-28.771842170066854, 3.5456763718363744, 13.300235400454138),  # jax, n=3
    "garch_nll": (21.306121803015145, -4.440716253630097, 18.961160720431174),  # jax, n=3
    "arma_css": (0.2144035387874319, -0.0076604070391230895, 0.48971176452928833),  # jax, n=3
    "cox_ph": (6.666742987790065, -0.5186901259345535, 5.157104086562679),  # jax, n=2
    "crf_nll": (12.08094288692448, 1.5687668190521211, 12.04195227959537),  # jax, n=21
    "sinkhorn_log": (1.2564390740327767, -0.20360753050095345, 0.9842348116785805),  # jax, n=8
    "mm_energy": (0.19898647126071312, 5.377790769592506, 13.372582414443801),  # jax, n=12
    "fem_bar": (1.2705185649225774, 0.3621925987426522, 0.334195335733426),  # jax, n=5
    "im2col_cnn": (27.698026241296347, -38.41662602702271, 8613.434824512024),  # jax, n=24
    "bn_running": (16.64045342768714, -13.915886801291549, 714.1726018627951),  # jax, n=15
    "label_smooth_xent": (2.723247608214763, -0.15954189952060416, 1.3910720924722972),  # jax, n=9
    "wls_vander": (0.0008326250647425946, 0.010887129404892646, 0.001880745662835103),  # jax, n=14
    "ridge_aug": (14.185019033837499, 10.914785704592854, 143.95084462334552),  # jax, n=7
    "robust_mix": (1.7597383225516234, -0.14465194512698445, 0.1214755174724938),  # jax, n=2
    "trimmed_quantile": (0.5969045435946208, 0.44179502198319986, 0.6037198899669518),  # jax, n=2
    "rps": (0.6837708491164989, 0.13031766573642495, 0.027131776582341064),  # jax, n=8
    "tsne_kl": (0.3322300014443849, 0.02013510731087139, 0.08278317904144364),  # jax, n=12
    "skipgram": (2.0359034221159433, 0.2195809165933588, 0.3385975144655106),  # jax, n=36
    "mf_masked": (28.895659271618126, -3.244257974201273, 772.001354127725),  # jax, n=21
    "reproj_loss": (74.35566595871295, 118.18092461414682, 30903.13804837488),  # jax, n=6
    "mvn_naive": (23.18166264867087, 1.4153768085595722, 26.391357798538962),  # jax, n=25
    "lqr_cost": (8.501129010674996, 3.5802345509160194, 51.21230630407052),  # jax, n=3
    "mmd_closure": (0.5072317811030436, 0.053262491588130983, 0.07753550482600875),  # jax, n=8
    "leapfrog_H": (0.5675831346338562, -0.21318032121442376, 1.4953832953879282),  # jax, n=4
    "kuramoto": (-0.22284269528105258, -0.0448698118951509, 0.10184432563576698),  # jax, n=5
    "gram_style_f32": (1.2375494938333458, 0.5549667703215061, 0.688908539889457),  # jax, n=24
    "svm_hinge": (31.04448996008816, 9.844261918437478, 1431.475972970763),  # jax, n=3
    "td_loss": (0.8277780248647107, -0.03131685640290451, 0.1784812291243523),  # jax, n=6
    "hawkes_loglik": (6.0167343434061396, -1.6169326542611848, 5.005953762751512),  # jax, n=3
    "fiedler": (4.34210621332011, -1.7717495420594127, 17.211238730465602),  # jax, n=6
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64
HESS = {
    "garch_nll": (-1.4830722087120605, 6.349180023466991),  # jax.hessian
    "arma_css": (-0.9487577259177273, 40.06815848976824),  # jax.hessian
    "cox_ph": (0.7072029750582438, 19.365431356323334),  # jax.hessian
    "hawkes_loglik": (2.2533117099029805, 15.166285174157629),  # jax.hessian
    "lqr_cost": (3.2111701202151552, 51.25736620209861),  # jax.hessian
    "leapfrog_H": (1.042114765637572, 8.978910758962174),  # jax.hessian
    "kuramoto": (0.8951493904075389, 0.986615833888292),  # jax.hessian
    "fem_bar": (-0.0005314891927618643, 0.3341953357334261),  # jax.hessian
    "fiedler": (1.2465106910130934, 41.84857396584076),  # jax.hessian
    "svm_hinge": (0.011371578817266506, 3505.5142592950006),  # jax.hessian
    "robust_mix": (0.11976503759297695, 2.132944822937736),  # jax.hessian
}

#: jax.jacobian of project (10 image coordinates by 6 pose parameters) at reproj_loss's point
JAC_PROJECT = [
    [11.047975929237161, 517.578890021558, 27.024387980556867, 81.50491225757467, 0.0, 22.79531474572725],
    [-485.60302164668275, 32.75856406505025, -124.47537046524856, 0.0, 81.50491225757467, 9.201514134639831],
    [18.618953152777244, 477.50245135562045, -17.12318820112825, 74.7334717023765, 0.0, 2.3792969819402945],
    [-477.3457774093938, 19.39988287419654, 0.1626670613820207, 0.0, 74.7334717023765, 1.5541020258242526],
    [18.027277729584778, 479.62634865443454, 113.51351136245306, 83.15197943924207, 0.0, 4.633832790412728],
    [-511.01430743908355, 30.280897729938218, -11.206231328167936, 0.0, 83.15197943924207, 23.71557793281454],
    [9.385997257304652, 486.92097943250906, -62.248704601050456, 69.76616767246614, 0.0, -10.094815921228943],
    [-477.8427726995164, 25.91007724422571, 88.88449916102657, 0.0, 69.76616767246614, -5.010588095130001],
    [22.365770635218905, 529.5332677147728, -20.166317176965016, 71.49548943020757, 0.0, 22.54932738012807],
    [-485.37856271073827, 18.29903203566079, -141.00853213405463, 0.0, 71.49548943020757, 1.167483923081119],
]

#: the functions that write into an array item by item: also checked live against complex-step differences
ASSIGNING = ["fem_bar", "fiedler"]


def _check_grad(name, value, g, method):
    f32 = name == "gram_style_f32"  # float32 arguments: the value and gradient float32, float64's rounded once
    check_gradient(GRAD[name], value, g, 1e-6 if method == "numeric" or f32 else 1e-9, value_rel=1e-6 if f32 else 1e-12)
    if f32:
        assert g.dtype == np.float32


test_gradient_of_user_code = gradient_test(POINTS, FUNCS, GRAD, SPECIALISED, check=_check_grad)


@pytest.mark.parametrize("name", ASSIGNING)
def test_item_assignment_against_complex_step(name):
    """The functions that assemble a matrix by `K[i, j] += ...` and `W[rows, cols] = w` into np.zeros_like(x,
    shape=...): NumPy runs them on complex x (fiedler's Hermitian eigvalsh is not analytic: its symmetric
    real-part twin is), so complex-step differences check reverse's gradient without JAX."""
    x = POINTS[name]
    if name == "fiedler":

        def f(logw):
            w = np.exp(logw)
            Wm = np.zeros((5, 5), dtype=w.dtype)
            Wm[edges_g[:, 0], edges_g[:, 1]] = w
            L = np.diag((Wm + Wm.T).sum(axis=1)) - (Wm + Wm.T)
            ev, V = np.linalg.eig(L)  # (analytic in L: simple eigenvalues)
            ev = np.sort_complex(ev)  # (sorted by their real part: the perturbation is imaginary)
            return (ev[1] - 1.0) ** 2 + 0.1 * np.sum(ev**2)
    else:
        f = globals()[name]
    want = complex_step(f, x)
    np.testing.assert_allclose(dl.grad(globals()[name], method="reverse")(x), want, rtol=1e-11, atol=1e-12)


test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    doc="""dl.hessian of the small functions equals jax.hessian's (lqr_cost's Riccati loop of inverses, leapfrog_H's
    dl.grad inside, the item-assigned fem_bar and fiedler).""",
)


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_and_hvp(method):
    """dl.jacobian of the camera projection (Rodrigues by np.cross and np.outer), fresh and prepared, equals
    jax.jacobian's; dl.hvp of the Riccati loop equals the stored Hessian's H v."""
    x = POINTS["reproj_loss"]
    tol = 1e-6 if method == "numeric" else 1e-12
    scale = np.abs(JAC_PROJECT).max()
    np.testing.assert_allclose(dl.jacobian(project, method=method)(x), JAC_PROJECT, atol=tol * scale)
    np.testing.assert_allclose(dl.prepare(project, x, method=method).jacobian(x), JAC_PROJECT, atol=tol * scale)
    q = POINTS["lqr_cost"]
    v = np.sin(np.arange(3) + 1.0)
    g, hv = dl.hvp(lqr_cost, (q,), (v,), method=method)
    H = dl.hessian(lqr_cost, method="reverse")(q)
    np.testing.assert_allclose(g, dl.grad(lqr_cost, method="reverse")(q), rtol=1e-12 if method != "numeric" else 1e-7)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-10 if method != "numeric" else 1e-5)
    assert np.cos(np.arange(3) + 1.0) @ H @ v == pytest.approx(HESS["lqr_cost"][0], rel=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_vmap_over_a_batch_of_points(method):
    """dl.vmap of the item-assigned FEM bar and of the complex Kuramoto order parameter, and of their gradients,
    over three points: each row equals the unbatched call's."""
    r = np.random.default_rng(1)
    tol = 1e-8 if method == "numeric" else 1e-13
    for f, X in ((fem_bar, 0.3 * r.normal(size=(3, 5))), (kuramoto, POINTS["kuramoto"] + 0.1 * r.normal(size=(3, 5)))):
        check_vmap(f, X, method, tol)


@pytest.mark.parametrize("method", METHODS)
def test_integer_arguments_that_are_not_differentiated(method):
    """svm_primal(w, y, C) with y an integer array and C a Python int: the gradient in w (argnums=0), fresh and
    prepared, is the stored one; asking for y's is refused naming the argument and its dtype."""
    w = POINTS["svm_hinge"]
    for g in (
        dl.grad(svm_primal, method=method)(w, y_svm, 2),
        dl.prepare(svm_primal, w, y_svm, 2, method=method).grad(w, y_svm, 2),
    ):
        _check_grad("svm_hinge", svm_primal(w, y_svm, 2), g, method)
    with pytest.raises(TypeError, match="int"):
        dl.grad(svm_primal, argnums=1, method=method)(w, y_svm, 2)
