"""What a user writes, round 3: 31 more functions in plain NumPy, in areas tests/test_user_code.py and
tests/test_user_code2.py do not cover (PDEs by finite differences with slicing and np.pad, a GP likelihood
by Cholesky, Bayesian and Student-t/Dirichlet log-densities, a mixture density network, a GRU, a
transformer block with both GELUs, a VAE, InfoNCE, focal and Huber losses, Chebyshev and B-spline fits,
robot-arm kinematics, quaternions, soft-DTW, spectral losses, a Lotka-Volterra fit through odeint, PPO's
clipped objective, a planar flow's log-determinant, NaN-holding data under nanmean ...), each one's
gradient under every method, fresh and prepared, against JAX x64 (the function's source run with
`jax.numpy` for `numpy` and jax.scipy for scipy and difflab.scipy: g·cos(k + 1) and |g|² of the gradient
flattened in sorted-key order), the Hessians of the small ones against jax.hessian, the Jacobians of the
vector-valued ones, and vmap over a batch. Where SciPy's or NumPy's own Python code converts a traced value
(scipy.linalg.cho_factor, scipy.stats.norm.logpdf, np.polynomial's chebval, np.full of a traced fill) the
function uses difflab's counterpart, which that refusal names (tested below); and what the functions
met that was wrong or missing: symbolic's NaN gradient from a NaN datum under nansum, nanmean refused by
dl.prepare, difflab.scipy.linalg.cholesky giving NumPy's lower factor where SciPy's is the upper."""

import warnings

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
import difflab.numpy as dnp
import difflab.scipy.linalg as dsla
import difflab.scipy.special as dspecial
import difflab.scipy.stats as dstats
from difflab.scipy.integrate import odeint
from user_code import check_gradient, check_hessian, fresh_and_prepared

METHODS = ["symbolic", "numeric", "forward", "reverse"]

# ---------------------------------------------------------------- data
_r = np.random.default_rng(25)
x_heat = np.linspace(0, 1, 7)
u0_heat = np.exp(-30 * (x_heat - 0.4) ** 2)
IMG = _r.normal(size=(5, 6))
X_gp = np.linspace(0.0, 2.0, 5)
y_gp = np.sin(3 * X_gp) + 0.1 * _r.normal(size=5)
X_blr = _r.normal(size=(7, 3))
y_blr = (_r.random(7) > 0.5).astype(float)
x_t = _r.standard_t(4, size=6)
p_dir = np.array([0.2, 0.5, 0.3])
x_mdn = np.linspace(-1, 1, 5)
y_mdn = np.sin(2 * x_mdn)
X_seq = _r.normal(size=(4, 2))
X_tok = _r.normal(size=(3, 4))
X_vae = _r.normal(size=(4,))
eps_vae = _r.normal(size=(2,))
Z_a = _r.normal(size=(4, 3))
y_focal = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
X_focal = _r.normal(size=(5, 2))
t_cheb = np.linspace(-1, 1, 8)
y_cheb = np.abs(t_cheb) + 0.1 * t_cheb
knots_b = np.array([0, 0, 0, 0.3, 0.6, 1, 1, 1.0])
t_b = np.linspace(0.05, 0.95, 6)
target_arm = np.array([0.8, 1.1])
v_q = np.array([0.3, -0.5, 0.8])
S_mah = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]])
A_oc = np.array([[1.0, 0.1], [0.0, 1.0]])
y_dtw = np.sin(np.linspace(0, 3, 4))
d_hist = _r.normal(size=9)
centres_h = np.linspace(-2, 2, 5)
target_h = np.array([0.1, 0.2, 0.4, 0.2, 0.1])
D_nan = _r.normal(size=(4, 3))
D_nan[1, 2] = np.nan
D_nan[3, 0] = np.nan
B_bmm = _r.normal(size=(2, 3, 3))
t_lv = np.linspace(0.0, 2.0, 5)
obs_lv = np.array([[1.0, 0.5], [1.3, 0.55], [1.6, 0.65], [1.9, 0.8], [2.1, 1.0]])
acts_ppo = np.array([0, 2, 1, 1])
adv_ppo = np.array([0.5, -1.0, 0.3, 1.2])
X_ppo = _r.normal(size=(4, 3))
oldlp_ppo = np.log(np.array([0.3, 0.2, 0.5, 0.4]))
rew_rl = np.array([1.0, 0.0, -0.5, 2.0, 0.3])
z_flow = _r.normal(size=(4, 2))
ref_w1 = np.sort(_r.normal(size=7))
grid_tz = np.linspace(-3, 3, 41)


# ---------------------------------------------------------------- functions
def heat_slices(k):
    u = u0_heat
    dt, dx = 0.002, 1.0 / 6
    for _ in range(50):
        lap = (u[2:] - 2 * u[1:-1] + u[:-2]) / dx**2
        interior = u[1:-1] + dt * k[0] * lap - dt * k[1] * u[1:-1]
        u = np.concatenate([u[:1], interior, u[-1:]])
    return np.sum(u**2) * dx


def laplace_pad(Z):
    P = np.pad(Z, 1, mode="edge")
    L = P[:-2, 1:-1] + P[2:, 1:-1] + P[1:-1, :-2] + P[1:-1, 2:] - 4 * Z
    return np.sum(L**2) + 0.5 * np.sum((Z - IMG) ** 2)


def gp_cho(theta):
    ell, sf, sn = np.exp(theta)
    d = X_gp[:, None] - X_gp[None, :]
    K = sf**2 * np.exp(-0.5 * d**2 / ell**2) + (sn**2 + 1e-8) * np.eye(5)
    c, low = dsla.cho_factor(K, lower=True)
    alpha = dsla.cho_solve((c, low), y_gp)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y_gp @ alpha + 0.5 * logdet + 2.5 * np.log(2 * np.pi)


def bayes_logreg(w):
    z = X_blr @ w
    loglik = np.sum(y_blr * z - np.logaddexp(0.0, z))
    logprior = np.sum(dstats.norm.logpdf(w, loc=0.0, scale=2.0))
    return -(loglik + logprior)


def student_t_dirichlet(p):
    nu, loc, log_scale, alpha = np.exp(p[0]), p[1], p[2], np.exp(p[3:])
    s = np.exp(log_scale)
    z = (x_t - loc) / s
    lt = (
        special.gammaln((nu + 1) / 2)
        - special.gammaln(nu / 2)
        - 0.5 * np.log(nu * np.pi)
        - log_scale
        - (nu + 1) / 2 * np.log1p(z**2 / nu)
    )
    ld = special.gammaln(alpha.sum()) - np.sum(special.gammaln(alpha)) + np.sum((alpha - 1) * np.log(p_dir))
    ent = np.sum(special.digamma(alpha)) - special.digamma(alpha.sum())
    return np.sum(lt) + ld + 0.1 * ent


def mdn(p):
    h = np.tanh(np.outer(x_mdn, p["W1"]) + p["b1"])  # (5, 4)
    out = h @ p["W2"]  # (5, 6): 2 components x (logit, mu, log_sigma)
    logit, mu, log_s = out[:, 0:2], out[:, 2:4], out[:, 4:6]
    logpi = logit - np.log(np.sum(np.exp(logit), axis=1, keepdims=True))
    logN = -0.5 * ((y_mdn[:, None] - mu) / np.exp(log_s)) ** 2 - log_s - 0.5 * np.log(2 * np.pi)
    a = logpi + logN
    m = a.max(axis=1)
    return -np.sum(m + np.log(np.exp(a - m[:, np.newaxis]).sum(axis=1)))


def gru(p):
    Wz, Wr, Wh = p["Wz"], p["Wr"], p["Wh"]
    h = np.zeros(3)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    for x in X_seq:
        xh = np.concatenate([x, h])
        z = sig(Wz @ xh)
        r = sig(Wr @ xh)
        hh = np.tanh(Wh @ np.concatenate([x, r * h]))
        h = (1 - z) * h + z * hh
    return np.sum(h**2) + h[0]


def _layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return g * (x - mu) / np.sqrt(var + 1e-5) + b


def transformer(p):
    T, d, H = 3, 4, 2
    x = _layer_norm(X_tok, p["g"], p["b"])
    qkv = x @ p["Wqkv"]  # (T, 3d)
    q, k, v = np.split(qkv, 3, axis=-1)
    q = q.reshape(T, H, d // H).transpose(1, 0, 2)
    k = k.reshape(T, H, d // H).transpose(1, 0, 2)
    v = v.reshape(T, H, d // H).transpose(1, 0, 2)
    s = q @ k.transpose(0, 2, 1) / np.sqrt(d // H)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    o = (a @ v).transpose(1, 0, 2).reshape(T, d)
    x = X_tok + o @ p["Wo"]
    hdn = x @ p["W1"]
    gelu = 0.5 * hdn * (1 + np.tanh(np.sqrt(2 / np.pi) * (hdn + 0.044715 * hdn**3)))
    gelu2 = 0.5 * hdn * (1 + special.erf(hdn / np.sqrt(2)))
    y = x + (gelu + gelu2) @ p["W2"]
    return np.mean(y**2)


def vae_elbo(p):
    h = np.tanh(p["We"] @ X_vae)  # (4,)
    mu, log_var = h[:2], h[2:]
    z = mu + np.exp(0.5 * log_var) * eps_vae
    xr = p["Wd"] @ z
    rec = -0.5 * np.sum((X_vae - xr) ** 2)
    kl = -0.5 * np.sum(1 + log_var - mu**2 - np.exp(log_var))
    return -(rec - kl)


def infonce(W):
    za = Z_a @ W
    zb = np.tanh(Z_a) @ W
    za = za / np.linalg.norm(za, axis=1, keepdims=True)
    zb = zb / np.linalg.norm(zb, axis=1, keepdims=True)
    logits = za @ zb.T / 0.5
    lse = np.log(np.exp(logits).sum(axis=1))
    return np.mean(lse - np.diag(logits))


def focal(w):
    logits = X_focal @ w[:2] + w[2]
    p = 1 / (1 + np.exp(-logits))
    pt = np.where(y_focal == 1, p, 1 - p)
    alpha_t = np.where(y_focal == 1, 0.25, 0.75)
    loss = -alpha_t * (1 - pt) ** 2 * np.log(pt)
    r = logits - y_focal
    hub = np.where(np.abs(r) < 1.0, 0.5 * r**2, np.abs(r) - 0.5)
    return loss.sum() + hub.mean()


def cheb_fit(c):
    yp = dnp.polynomial.chebyshev.chebval(t_cheb, c)
    yq = dnp.polynomial.polynomial.polyval(t_cheb, c[::-1])
    return np.sum((yp - y_cheb) ** 2) + 0.01 * np.sum(yq**2)


def _bspline_basis(i, k, t, T):
    if k == 0:
        return np.where((T[i] <= t) & (t < T[i + 1]), 1.0, 0.0)
    out = 0.0
    if T[i + k] > T[i]:
        out = out + (t - T[i]) / (T[i + k] - T[i]) * _bspline_basis(i, k - 1, t, T)
    if T[i + k + 1] > T[i + 1]:
        out = out + (T[i + k + 1] - t) / (T[i + k + 1] - T[i + 1]) * _bspline_basis(i + 1, k - 1, t, T)
    return out


def bspline(c):
    n = len(knots_b) - 3
    s = sum(c[i] * _bspline_basis(i, 2, t_b, knots_b) for i in range(n))
    return np.sum((s - np.sin(3 * t_b)) ** 2)


def _rot(a):
    c, s = np.cos(a), np.sin(a)
    return np.stack([np.stack([c, -s]), np.stack([s, c])])


def arm_fk(q):
    L = [1.0, 0.8, 0.5]
    R = np.eye(2)
    pos = np.zeros(2)
    for i in range(3):
        R = R @ _rot(q[i])
        pos = pos + R @ np.array([L[i], 0.0])
    return pos


def arm_loss(q):
    return np.sum((arm_fk(q) - target_arm) ** 2)


def quat_rotate(q):
    q = q / np.linalg.norm(q)
    w, xyz = q[0], q[1:]
    t = 2 * np.cross(xyz, v_q)
    return v_q + w * t + np.cross(xyz, t)


def quat_loss(q):
    r = quat_rotate(q)
    return r @ np.array([1.0, 2.0, -1.0]) + np.sum(r**2)


def mahalanobis(x):
    d = x - np.array([0.1, -0.2, 0.3])
    S = S_mah + 0.1 * np.outer(x, x)
    return np.sqrt(d @ np.linalg.solve(S, d))


def control_cost(u):
    U = u.reshape(6, 2)
    x = np.array([1.0, 0.0])
    xs = []
    for t in range(6):
        x = A_oc @ x + np.array([0.0, 0.1]) * U[t, 0] + 0.05 * U[t, 1]
        xs.append(x)
    X = np.stack(xs)
    effort = np.cumsum(np.sum(U**2, axis=1))
    return np.sum(X**2) + 0.1 * effort[-1] + 0.01 * np.sum(effort)


def soft_dtw(x, gamma=0.5):
    n, m = x.size, y_dtw.size
    D = (x[:, None] - y_dtw[None, :]) ** 2
    R = [[np.inf] * (m + 1) for _ in range(n + 1)]
    R[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            r = -np.stack([R[i - 1][j - 1], R[i - 1][j], R[i][j - 1]]) / gamma
            mx = np.max(r)
            R[i][j] = D[i - 1, j - 1] - gamma * (mx + np.log(np.sum(np.exp(r - mx))))
    return R[n][m]


def spectral(a):
    A = a.reshape(3, 3)
    S = 0.5 * (A + A.T)
    ev = np.linalg.eigvalsh(S)
    M3 = np.linalg.matrix_power(A, 3)
    K = np.kron(A[:2, :2], np.array([[1.0, 0.5], [0.5, 2.0]]))
    return np.sum(ev**2) + np.sum(np.exp(-ev)) + 0.1 * np.trace(M3) + np.sum(K**2) * 0.05


def piecewise_select(x):
    a = np.piecewise(x, [x < 0, x >= 0], [lambda t: t**2, lambda t: np.sin(t)])
    b = np.select([x < -0.5, x < 0.5], [np.exp(x), x**3], default=np.cos(x))
    return np.sum(a * b) + np.sum(b)


def soft_hist(p):
    loc, log_bw = p[0], p[1]
    bw = np.exp(log_bw)
    w = np.exp(-0.5 * ((d_hist[:, None] + loc - centres_h[None, :]) / bw) ** 2)
    w = w / w.sum(axis=1, keepdims=True)
    h = w.mean(axis=0)
    return np.sum(target_h * np.log(target_h / h))


def apply_along(X):
    return np.sum(np.apply_along_axis(lambda r: np.sum(r**2) * r[0], 1, X))


def broadcast_bmm(p):
    A = np.broadcast_to(p["A"][np.newaxis], (2, 3, 3))
    C = np.einsum("bij,bjk->bik", A, B_bmm)
    v = p["v"][np.newaxis, :, np.newaxis]
    out = (C @ v)[..., 0]
    return np.sum(np.tanh(out)) + np.sum(C[:, np.newaxis, 0, :] ** 2)


def nan_stats(w):
    pred = D_nan * w[np.newaxis, :]
    return np.nanmean(pred**2) + np.nansum(np.sin(pred)) + np.sum(np.nanmean(pred, axis=0) ** 2)


def lv_rhs(y, t, a, b):
    return np.stack([a * y[0] - b * y[0] * y[1], -y[1] + 0.5 * b * y[0] * y[1]])


def lv_fit(p):
    ys = odeint(lv_rhs, np.array([1.0, 0.5]), t_lv, args=(p[0], p[1]), rtol=1e-11, atol=1e-11)
    return np.sum((ys - obs_lv) ** 2)


def lse_sign(x):
    b = np.array([1.0, -2.0, 0.5, 0.3])
    val, sgn = dspecial.logsumexp(x, b=b, return_sign=True)
    return sgn * val + dspecial.logsumexp(np.stack([x, 2 * x]), axis=0, b=0.5) @ np.arange(1.0, 5.0)


def ppo_clip(W):
    logits = X_ppo @ W
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    lp = np.take_along_axis(logp, acts_ppo[:, None], axis=1)[:, 0]
    ratio = np.exp(lp - oldlp_ppo)
    obj = np.minimum(ratio * adv_ppo, np.clip(ratio, 0.8, 1.2) * adv_ppo)
    ent = -np.sum(np.exp(logp) * logp, axis=1)
    return -np.mean(obj) - 0.01 * np.mean(ent) + np.mean(special.expit(lp))


def discounted(p):
    g = special.expit(p[0])  # a learned discount in (0, 1)
    disc = np.cumprod(dnp.full(5, g)) / g
    returns = np.cumsum((rew_rl * disc)[::-1])[::-1] / disc
    v = p[1] + p[2] * np.arange(5.0)
    return np.sum((returns - v) ** 2)


def planar_flow(p):
    u, w, b = p[:2], p[2:4], p[4]
    a = z_flow @ w + b
    h = np.tanh(a)
    f = z_flow + h[:, None] * u[None, :]
    psi = (1 - h**2)[:, None] * w[None, :]
    J = np.eye(2)[None] + u[None, :, None] * psi[:, None, :]
    logdet = np.log(np.abs(np.linalg.det(J)))
    return -np.mean(-0.5 * np.sum(f**2, axis=1) + logdet)


def wasserstein_sort(x):
    xs = np.sort(x * 1.5 - 0.2)
    return np.mean(np.abs(xs - ref_w1)) + (np.median(x) - 0.1) ** 2


def trapezoid_density(p):
    mu, log_s = p[0], p[1]
    dens = np.exp(-0.5 * ((grid_tz - mu) / np.exp(log_s)) ** 2)
    Z = np.trapezoid(dens, grid_tz)
    m2 = np.trapezoid(dens * grid_tz**2, x=grid_tz) / Z
    return np.log(Z) + m2


# ---------------------------------------------------------------- points
def points():
    r = np.random.default_rng(7)
    return {
        "heat_slices": np.array([1.0, 0.5]),
        "laplace_pad": r.normal(size=(5, 6)),
        "gp_cho": np.array([-0.2, 0.1, -1.5]),
        "bayes_logreg": r.normal(size=3),
        "student_t_dirichlet": np.array([1.2, 0.1, -0.2, 0.3, -0.4, 0.5]),
        "mdn": {"W1": r.normal(size=4), "b1": r.normal(size=4), "W2": 0.5 * r.normal(size=(4, 6))},
        "gru": {k: 0.5 * r.normal(size=(3, 5)) for k in ("Wz", "Wr", "Wh")},
        "transformer": {
            "g": 1 + 0.1 * r.normal(size=4),
            "b": 0.1 * r.normal(size=4),
            "Wqkv": 0.5 * r.normal(size=(4, 12)),
            "Wo": 0.5 * r.normal(size=(4, 4)),
            "W1": 0.5 * r.normal(size=(4, 6)),
            "W2": 0.5 * r.normal(size=(6, 4)),
        },
        "vae_elbo": {"We": 0.5 * r.normal(size=(4, 4)), "Wd": 0.5 * r.normal(size=(4, 2))},
        "infonce": r.normal(size=(3, 3)),
        "focal": r.normal(size=3),
        "cheb_fit": r.normal(size=5),
        "bspline": r.normal(size=5),
        "arm_loss": np.array([0.3, 0.5, -0.4]),
        "quat_loss": np.array([0.9, 0.2, -0.3, 0.1]),
        "mahalanobis": np.array([0.5, 0.4, -0.6]),
        "control_cost": 0.3 * r.normal(size=12),
        "soft_dtw": np.array([0.1, 0.5, 1.0, 0.7, 0.2]),
        "spectral": 0.5 * r.normal(size=9),
        "piecewise_select": np.array([-0.8, -0.3, 0.2, 0.7, 1.4]),
        "soft_hist": np.array([0.1, -0.3]),
        "apply_along": r.normal(size=(3, 4)),
        "broadcast_bmm": {"A": r.normal(size=(3, 3)), "v": r.normal(size=3)},
        "nan_stats": r.normal(size=3),
        "lv_fit": np.array([0.6, 0.4]),
        "lse_sign": np.array([0.3, -0.2, 0.5, 1.0]),
        "ppo_clip": 0.5 * r.normal(size=(3, 3)),
        "discounted": np.array([1.5, 0.2, -0.1]),
        "planar_flow": np.array([0.5, -0.3, 0.8, 0.4, 0.1]),
        "wasserstein_sort": r.normal(size=7),
        "trapezoid_density": np.array([0.2, -0.1]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]
#: value-dependent graphs dl.prepare refuses: none now (np.piecewise of traced conditions selects among its
#: branches, np.sort is a primitive: both prepared, issue 11)
SPECIALISED: set = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.grad in x64
GRAD = {
    "heat_slices": (0.021374508653634196, -0.020447371116584203, 0.0017138055195180901),  # jax, n=2
    "laplace_pad": (280.3576334384986, 1.0039154732592477, 26482.43856641294),  # jax, n=30
    "gp_cho": (8.322343231561044, 11.281778394084718, 191.02281125455556),  # jax, n=3
    "bayes_logreg": (7.673345443986389, 0.012419496090010352, 1.3925563306769748),  # jax, n=3
    "student_t_dirichlet": (-13.508278828836263, -5.027267926074981, 29.62359523586017),  # jax, n=6
    "mdn": (5.667416968525989, 0.36004965277638823, 19.16893741286031),  # jax, n=32
    "gru": (0.06333875498251712, -0.44139361675551336, 1.3739926382584517),  # jax, n=45
    "transformer": (0.5644684868325243, 2.6633859618553837, 13.589897192051987),  # jax, n=120
    "vae_elbo": (1.467056337037143, -0.24549381065142856, 4.329306626320296),  # jax, n=24
    "infonce": (0.7997178595182663, -0.22665642554129936, 0.19661443894902794),  # jax, n=9
    "focal": (2.6746725245003686, 0.4920879134313634, 7.407031714821583),  # jax, n=3
    "cheb_fit": (25.63548639638133, -0.09361861415932686, 533.0415681425574),  # jax, n=5
    "bspline": (1.7288038123457363, -0.7496504326789046, 2.467422195010135),  # jax, n=5
    "arm_loss": (1.377761942559658, -0.15966080838200256, 10.723247058568113),  # jax, n=3
    "quat_loss": (-1.2168421052631582, -2.09348747100922, 4.437409534917626),  # jax, n=4
    "mahalanobis": (1.024266070375533, 0.4023479293723943, 0.7446687960421179),  # jax, n=3
    "control_cost": (5.535792117828849, -0.36424279871615795, 0.9402480905133459),  # jax, n=12
    "soft_dtw": (-1.5039451048506278, -0.4873652000489622, 0.29280221581523447),  # jax, n=5
    "spectral": (4.135336840829133, -0.6508985125774988, 11.260065793494588),  # jax, n=9
    "piecewise_select": (2.3120871260555163, -0.50648238882632, 4.060573556184617),  # jax, n=5
    "soft_hist": (0.10433656228043056, 0.027851111622192132, 0.0018914869113380369),  # jax, n=2
    "apply_along": (4.708569824137858, -7.794114965658135, 79.96422467863675),  # jax, n=12
    "broadcast_bmm": (9.75072442720151, -8.425457697296626, 177.51408866119732),  # jax, n=12
    "lv_fit": (1.740563157673307, 4.901654097569634, 55.018095826199136),  # jax, n=2
    "lse_sign": (8.996203194822733, -9.655377631747829, 96.13051723551527),  # jax, n=4
    "ppo_clip": (0.11325956661514794, -0.34816159499137667, 0.20879750437173902),  # jax, n=9
    "discounted": (11.384017541542278, 33.09722029584637, 850.8002973097207),  # jax, n=3
    "planar_flow": (0.32723553369545416, -0.042453711892232744, 0.07984746369906916),  # jax, n=5
    "wasserstein_sort": (1.360360479050964, 0.82029264277405, 0.7012176715238183),  # jax, n=7
    "trapezoid_density": (1.664678432728723, -0.8386989949983233, 6.359637771315461),  # jax, n=2
    "nan_stats": (9.334547698992106, -1.7963060005060745, 54.10906603830751),  # Richardson, order 8 (jax.grad: NaN)
}

#: (uᵀHv, ΣH²) of the Hessian in the flattened argument, by jax.hessian in x64
HESS = {
    "gp_cho": (19.875635198954697, 2456.629243991891),  # jax.hessian
    "bayes_logreg": (0.019871837366960254, 2.6747593292387837),  # jax.hessian
    "student_t_dirichlet": (-1.9302341073803164, 139.3902779481825),  # jax.hessian
    "cheb_fit": (7.664875138473355, 651.5809970398788),  # jax.hessian
    "arm_loss": (1.6540495676881906, 56.21074499012713),  # jax.hessian
    "quat_loss": (1.6396912721445707, 189.80370500533292),  # jax.hessian
    "piecewise_select": (-0.38309119276027537, 16.5001582365178),  # jax.hessian
    "lv_fit": (34.89218277991722, 10915.642271707748),  # jax.jacrev(jax.jacrev)
    "lse_sign": (1.3683497995827432, 13.57887502070197),  # jax.hessian
    "discounted": (-29.707056864437597, 4533.076124273786),  # jax.hessian
    "planar_flow": (0.15356900692396083, 1.0718816795558461),  # jax.hessian
    "spectral": (-0.0038015415709840078, 68.3354364537075),  # jax.hessian
    "wasserstein_sort": (0.9092974268256818, 4.0),  # jax.hessian
}
#: what the symbolic method refuses by name (a closed form SymPy has not, at this size), as its Hessian
SYMBOLIC_REFUSES = {
    "lv_fit": "cannot differentiate odeint",
}
#: jax.jacobian of the vector-valued functions at arm_loss's and quat_loss's points
JAC = {
    "arm_fk": [
        [-1.0641142505352832, -0.7685940438739435, -0.19470917115432518],
        [1.9732323536047813, 1.0178958644791751, 0.46053049700144255],
    ],
    "quat_rotate": [
        [0.21828254847645429, 0.6216066481994459, 1.4781163434903046, 1.2265927977839335],
        [0.2608310249307481, -1.1654293628808863, 0.11656509695290851, 0.3330747922437673],
        [0.34592797783933515, -1.476343490304709, 0.21451523545706366, 0.4828808864265927],
    ],
}


def _check_grad(name, value, g, method):
    tol = 1e-6 if method == "numeric" else 1e-9 if name != "lv_fit" else 1e-7  # (lv_fit: two ODE solvers' tolerances)
    check_gradient(GRAD[name], value, g, tol, value_rel=1e-12 if name != "lv_fit" else 1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_gradient_of_user_code(f, method):
    """dl.value_and_grad of each function, and its prepared twin, equal jax.grad's (nan_stats: Richardson's,
    where jax.grad is NaN: a NaN datum times the zero cotangent of nanmean's where)."""
    check = lambda value, g: _check_grad(f.__name__, value, g, method)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no stray warning: symbolic's NaN datum, numeric's stop_gradient)
        fresh_and_prepared(f, POINTS[f.__name__], method, check, specialised=f.__name__ in SPECIALISED)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(HESS))
def test_hessian_of_user_code(name, method):
    """dl.hessian of the small functions equals jax.hessian's; the symbolic method refuses odeint's by name
    (gp_cho's 5×5 cholesky and spectral's 3×3 eigh it differentiates since stop 25: ops/opaque.py)."""
    f, x = globals()[name], POINTS[name]
    if method == "symbolic" and name in SYMBOLIC_REFUSES:
        with pytest.raises(dl.NotDifferentiableError, match=SYMBOLIC_REFUSES[name]):
            dl.hessian(f, method=method)(x)
        return
    check_hessian(f, x, method, HESS[name], exact_tol=1e-9 if name != "lv_fit" else 1e-8)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(JAC))
def test_jacobian_of_vector_outputs(name, method):
    """dl.jacobian of the arm's end point (rotation matrices by np.stack of traced cos and sin) and of a
    quaternion rotation (np.cross), fresh and prepared, equal jax.jacobian's."""
    f, x = globals()[name], POINTS[{"arm_fk": "arm_loss", "quat_rotate": "quat_loss"}[name]]
    tol = 1e-8 if method == "numeric" else 1e-14
    np.testing.assert_allclose(dl.jacobian(f, method=method)(x), JAC[name], atol=tol)
    np.testing.assert_allclose(dl.prepare(f, x, method=method).jacobian(x), JAC[name], atol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_vmap_over_a_batch_of_points(method):
    """dl.vmap of mahalanobis (np.linalg.solve of a matrix built from x) and of the gradients of it and of
    the arm's loss over four points: each row equals the unbatched call's."""
    X = np.random.default_rng(0).normal(size=(4, 3)) * 0.5
    tol = 1e-8 if method == "numeric" else 1e-13
    np.testing.assert_allclose(dl.vmap(mahalanobis)(X), [mahalanobis(x) for x in X], rtol=1e-14)
    for f in (mahalanobis, arm_loss):
        want = np.stack([dl.grad(f, method="reverse")(x) for x in X])
        np.testing.assert_allclose(dl.vmap(dl.grad(f, method=method))(X), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_a_nan_datum_under_nansum_and_nanmean(method):
    """NaN data times traced parameters, under nansum and nanmean: the NaN entries have derivative 0 to every
    order, as reverse gave (symbolic's gradient was NaN there, silently: its chain rule multiplied sin's
    partial, NaN at the NaN datum, by the where's zero adjoint, and the matrix-level gradient did the same;
    SymPy's translation warned "invalid value"); nanmean is prepared like nansum (its count was read from
    the values: "specialised to its input values")."""
    D = np.array([np.nan, 3.0, 2.0])
    w = np.array([0.5, 1.5, -0.4])

    def f(w):
        return np.nansum(np.sin(D * w)) + np.nanmean(np.exp(D * w))

    want_g = np.array([0.0, 3 * np.cos(4.5) + 1.5 * np.exp(4.5), 2 * np.cos(-0.8) + np.exp(-0.8)])
    want_h = np.diag([0.0, -9 * np.sin(4.5) + 4.5 * np.exp(4.5), -4 * np.sin(-0.8) + 2 * np.exp(-0.8)])
    tol = 1e-6 if method == "numeric" else 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(dl.grad(f, method=method)(w), want_g, rtol=tol, atol=tol)
        np.testing.assert_allclose(dl.hessian(f, method=method)(w), want_h, rtol=1e3 * tol, atol=1e3 * tol)
        p = dl.prepare(lambda w: np.nanmean(D * w**2), w, method=method)
        np.testing.assert_allclose(p.grad(w), [0.0, 3.0 * w[1], 2.0 * w[2]], rtol=tol, atol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_scipy_cholesky_conventions(method):
    """difflab.scipy.linalg.cholesky is SciPy's upper factor by default (it was NumPy's lower one under SciPy's
    name: another matrix, silently); cho_factor and cho_solve (were missing: scipy.linalg's are refused) give
    SciPy's values, and d/dt Σ A(t)⁻¹b = −1ᵀA⁻¹ S A⁻¹b for A(t) = A + tS."""
    import scipy.linalg

    A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    S, b = np.array([[1.0, 0.3, 0.0], [0.3, 0.5, 0.1], [0.0, 0.1, 2.0]]), np.array([1.0, -2.0, 0.5])
    for lower in (False, True):
        np.testing.assert_allclose(dsla.cholesky(A, lower=lower), scipy.linalg.cholesky(A, lower=lower), rtol=1e-14)
        c, low = dsla.cho_factor(A, lower=lower)
        np.testing.assert_allclose(dsla.cho_solve((c, low), b), scipy.linalg.cho_solve((c, low), b), rtol=1e-13)
        f = lambda t: np.sum(dsla.cho_solve(dsla.cho_factor(A + t * S, lower=lower), b))  # noqa: E731
        want = -np.ones(3) @ np.linalg.solve(A, S @ np.linalg.solve(A, b))
        tol = 1e-7 if method == "numeric" else 1e-12
        assert dl.grad(f, method=method)(0.0) == pytest.approx(want, rel=tol)
    np.testing.assert_allclose(dsla.cholesky(A), np.linalg.cholesky(A).T, rtol=1e-14)


_SERIES = [
    ("polynomial", "polyval", "polyder"),
    ("chebyshev", "chebval", "chebder"),
    ("legendre", "legval", "legder"),
    ("hermite", "hermval", "hermder"),
    ("hermite_e", "hermeval", "hermeder"),
    ("laguerre", "lagval", "lagder"),
]


@pytest.mark.parametrize("method", METHODS)
def test_numpy_polynomial_value_functions(method):
    """difflab.numpy.polynomial's value functions (NumPy's own are Python code converting a traced value; no
    dispatch reaches difflab): NumPy's values bit for bit (its recurrence, step by step), for coefficient
    arrays with tensor=True and False too; d/dc the basis at x and d/dx the derivative series (NumPy's *der)."""
    x, c = np.array([-0.7, 0.2, 0.9]), np.array([0.5, -1.0, 0.3, 2.0, -0.4])
    w = np.array([1.0, 2.0, -1.0])
    tol = 1e-7 if method == "numeric" else 1e-12
    for sub, name, der in _SERIES:
        theirs, ours = getattr(getattr(np.polynomial, sub), name), getattr(getattr(dnp.polynomial, sub), name)
        C = np.outer(c, [1.0, -0.5, 2.0])
        assert np.array_equal(ours(x, c), theirs(x, c)) and np.array_equal(ours(x, C), theirs(x, C)), name
        assert np.array_equal(ours(x, C, tensor=False), theirs(x, C, tensor=False)), name
        basis = np.stack([theirs(x, e) for e in np.eye(c.size)], axis=1)
        got = dl.grad(lambda c: ours(x, c) @ w, method=method)(c)
        np.testing.assert_allclose(got, basis.T @ w, rtol=tol, atol=tol, err_msg=name)
        slope = theirs(x, getattr(getattr(np.polynomial, sub), der)(c))
        got = dl.grad(lambda x: ours(x, c) @ w, method=method)(x)
        np.testing.assert_allclose(got, slope * w, rtol=tol, atol=tol * np.abs(slope).max(), err_msg=name)


@pytest.mark.parametrize("method", METHODS)
def test_full_of_a_traced_fill_value(method):
    """difflab.numpy.full(n, g) of a traced g (np.full converts it: refused, naming this): d/dg Σ cumprod = 1 + 2g + 3g²."""
    g = 0.7
    f = lambda g: np.sum(np.cumprod(dnp.full(3, g))) + np.sum(dnp.full((2, 2), g) * np.eye(2))  # noqa: E731
    tol = 1e-7 if method == "numeric" else 1e-13
    assert dl.grad(f, method=method)(g) == pytest.approx(1 + 2 * g + 3 * g**2 + 2, rel=tol)
    assert np.array_equal(dnp.full((2, 3), 1.5), np.full((2, 3), 1.5))


def _arm_np_array(q):
    c, s = np.cos(q[0]), np.sin(q[0])
    R = np.array([[c, -s], [s, c]])
    return np.sum(R @ q[1:])


def _arm_dnp_array(q):
    c, s = np.cos(q[0]), np.sin(q[0])
    R = dnp.array([[c, -s], [s, c]])
    return np.sum(R @ q[1:])


def test_refusals_name_difflabs_counterpart():
    """Where NumPy's or SciPy's own Python code converts a traced value (no dispatch reaches difflab), as the
    functions above first wrote them: the error quotes the user's call and names what traces instead (the
    polynomial ones said "numpy.polyval converted a list or tuple ...: use difflab.numpy.polyval", whose
    coefficients are in the other order; np.full's "a list or tuple"; cho_factor's "no differentiable version").
    np.array of a nested list of traced values is refused (dnp.array stacks it, as jnp.array)."""
    import scipy.integrate
    import scipy.linalg
    import scipy.stats

    q = np.array([0.3, 1.0, 0.5])
    cases = [
        (_arm_np_array, r"`np\.array\(\[\[c, -s\], \[s, c\]\]\)`: .*numpy\.stack\(\[a, b\]\)"),
        (
            lambda p: np.sum(scipy.linalg.cho_factor(np.outer(p, p) + np.eye(3))[0]),
            r"use difflab\.scipy\.linalg\.cho_factor",
        ),
        (lambda p: np.sum(scipy.stats.norm.logpdf(p, 0.0, 2.0)), r"use difflab\.scipy\.stats\.norm\.logpdf"),
        (
            lambda p: np.sum(np.polynomial.chebyshev.chebval(0.5, p)),
            r"`np\.polynomial\.chebyshev\.chebval\(0\.5, p\)`: .* use difflab\.numpy\.polynomial\.chebyshev\.chebval",
        ),
        (
            lambda p: np.polynomial.Polynomial(p)(0.5),
            r"`np\.polynomial\.Polynomial\(p\)`: .*use difflab\.numpy\.polynomial\.Polynomial \(the same arguments\)",
        ),
        (lambda p: np.sum(np.full(3, p[0])), r"numpy\.full converted a traced value .* use difflab\.numpy\.full"),
        (
            lambda p: np.sum(scipy.integrate.odeint(lambda y, t: -p[0] * y, np.ones(1), [0.0, 1.0])),
            r"use difflab\.scipy\.integrate\.odeint",
        ),
    ]
    for f, match in cases:
        with pytest.raises(dl.UnsupportedOperationError, match=match):
            dl.grad(f)(q)
    want = [-np.sin(0.3) * 1.0 - np.cos(0.3) * 0.5 + np.cos(0.3) * 1.0 - np.sin(0.3) * 0.5, 0.0, 0.0]
    want[1:] = [np.cos(0.3) + np.sin(0.3), -np.sin(0.3) + np.cos(0.3)]
    np.testing.assert_allclose(dl.grad(_arm_dnp_array)(q), want, rtol=1e-14)
