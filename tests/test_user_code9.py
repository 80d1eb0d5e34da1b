"""What a user writes, round 9: functions in plain NumPy from areas the first eight rounds do not cover.

Statistics and inference (a Gaussian copula with logistic margins through scipy.special.ndtri, a
Dirichlet-multinomial regression by gammaln with axis sums, a Student-t process's marginal likelihood by gammaln,
slogdet and solve, a spherical variogram fitted by Cressie's weights with the model piecewise by np.where on a
traced range, ordinary kriging by np.block and np.linalg.lstsq, Huber regression with a concomitant scale by
scipy.special.huber and pseudo_huber), learning (a batch-hard triplet loss by np.where masks, np.max and np.min over
np.inf, UMAP's layout loss over np.triu_indices pairs, a factorisation machine with a dict of parameters and a
0-d bias, a binary RBM's contrastive-divergence objective by np.logaddexp(0, ·)), physics and engineering (a
cloth's mass-spring energy by np.linalg.norm(axis=1) over fancy-indexed edges, viscous Burgers by np.roll, a D2Q9
lattice Boltzmann fluid by einsum and np.roll(shift=tuple, axis=(0, 1)), a 2-D truss assembled by
K[np.ix_(dofs, dofs)] += ke and solved on its free block, an AC power flow by np.subtract.outer of angles, LWR
traffic by Godunov's scheme with np.where and np.minimum, Butler-Volmer kinetics with an ohmic drop solved by a
Newton loop), imaging (Poisson blending by np.diff on both axes, Blinn-Phong shading of face normals by np.cross
normalised in place), finance (risk parity under softmax weights) and enzyme kinetics by broadcasting.

Each one's gradient under every method, fresh and prepared, against JAX x64 (the function's source run with
jax.numpy for numpy and jax.scipy.special for scipy.special; the np.ix_ += as .at[].add; huber and pseudo_huber,
which JAX lacks, by their formulas in jnp.where): f, g·cos(k + 1) and |g|² of the gradient flattened in
sorted-key order, stored here so CI (no JAX) asserts them. Hessians of nine, a Jacobian, hvp, vmap, and the
in-place truss against complex-step differences of the NumPy function itself.

What they met: scipy.special.huber and pseudo_huber were "not a difflab primitive": now registry entries in both
arguments (tests/test_scipy.py). Otherwise every method agreed with JAX, here and at perturbed points (prepared at
one point, called at another: np.where on traced conditions, the triplet loss's hardest pairs and the traffic
model's branches move there)."""

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
from user_code import METHODS, check_hvp, check_vmap, complex_step, gradient_test, hessian_test

# ---------------------------------------------------------------- data
_r = np.random.default_rng(41)
X_cop = _r.normal(size=(8, 3)) @ np.array([[1.0, 0.5, 0.2], [0.0, 1.0, 0.3], [0.0, 0.0, 1.0]])
counts_dm = np.array([[3, 0, 2, 5], [1, 1, 4, 2], [0, 2, 2, 6], [4, 1, 0, 3], [2, 2, 2, 2], [5, 0, 1, 1]])
x_dm = np.linspace(-1.0, 1.0, 6)
g_cloth = np.stack(np.meshgrid(np.arange(3.0), np.arange(3.0), indexing="ij"), -1).reshape(9, 2)
edges_cloth = np.array(
    [[i, j] for i in range(9) for j in range(i + 1, 9) if 0 < np.sum((g_cloth[i] - g_cloth[j]) ** 2) <= 2]
)
rest_cloth = np.linalg.norm(g_cloth[edges_cloth[:, 0]] - g_cloth[edges_cloth[:, 1]], axis=1)
pins_cloth = np.array([0, 6])
X_kr = np.array([[0.1, 0.2], [0.8, 0.3], [0.4, 0.9], [0.6, 0.6], [0.2, 0.7]])
z_kr = np.sin(3 * X_kr[:, 0]) + np.cos(2 * X_kr[:, 1])
Xt_kr = np.array([[0.5, 0.4], [0.3, 0.3], [0.7, 0.8]])
zt_kr = np.sin(3 * Xt_kr[:, 0]) + np.cos(2 * Xt_kr[:, 1])
src_pb = np.add.outer(np.linspace(0, 1, 5) ** 2, np.sin(np.linspace(0, 2, 6)))
tgt_pb = 0.5 * np.add.outer(np.linspace(1, 0, 5), np.linspace(0, 1, 6))
x_bg = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
target_bg = 0.8 * np.sin(x_bg - 0.3) + 0.1
x_tp = np.linspace(0.0, 3.0, 5)
y_tp = np.sin(2 * x_tp) + 0.3 * _r.standard_t(3, size=5)
X_tri = _r.normal(size=(8, 4))
lab_tri = np.array([0, 0, 1, 1, 2, 2, 0, 1])
_A = _r.normal(size=(4, 4))
cov_rp = 0.01 * (_A @ _A.T + np.diag([1.0, 2.0, 0.5, 1.5]))
S_mm = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0])
I_mm = np.array([0.0, 1.0, 3.0])
v_mm = 10 * S_mm / (2.0 * (1 + I_mm[:, None] / 1.5) + S_mm) * (1 + 0.03 * _r.normal(size=(3, 6)))
rho0_lwr = np.array([0.2, 0.25, 0.3, 0.5, 0.7, 0.8, 0.6, 0.4, 0.3, 0.2])
rho_obs_lwr = np.array([0.22, 0.26, 0.35, 0.52, 0.62, 0.66, 0.58, 0.45, 0.33, 0.24])
G_pf = np.array([[4.0, -2.0, -2.0, 0.0], [-2.0, 5.0, -1.0, -2.0], [-2.0, -1.0, 5.0, -2.0], [0.0, -2.0, -2.0, 4.0]])
B_pf = -3 * G_pf
P_pf = np.array([0.5, -0.4, -0.3])
Q_pf = np.array([0.2, -0.1, -0.15])
nodes_tr = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.5, 0.8], [1.5, 0.8]])
bars_tr = np.array([[0, 1], [1, 2], [0, 3], [1, 3], [1, 4], [2, 4], [3, 4]])
free_tr = np.array([2, 3, 4, 6, 7, 8, 9])
load_tr = np.zeros(10)
load_tr[3], load_tr[8] = -1.0, 0.3
X_fm = (_r.random(size=(10, 5)) > 0.5).astype(float)
y_fm = np.where(_r.random(10) > 0.5, 1.0, -1.0)
pts_vg = _r.random(size=(12, 2))
z_vg = np.sin(4 * pts_vg[:, 0]) + 0.5 * pts_vg[:, 1] + 0.1 * _r.normal(size=12)
_iu = np.triu_indices(12, 1)
_h = np.linalg.norm(pts_vg[_iu[0]] - pts_vg[_iu[1]], axis=1)
_sq = 0.5 * (z_vg[_iu[0]] - z_vg[_iu[1]]) ** 2
_bin = np.digitize(_h, np.linspace(0.0, 1.0, 7)[1:-1])
h_vg = np.array([_h[_bin == k].mean() for k in range(6)])
gam_vg = np.array([_sq[_bin == k].mean() for k in range(6)])
n_vg = np.bincount(_bin, minlength=6)
P_um = np.exp(-_r.random(size=(6, 6)) * 3)
P_um = P_um + P_um.T - P_um * P_um.T
faces_ph = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 4], [0, 4, 1]])
light_ph = np.array([0.3, 0.4, 0.866])
view_ph = np.array([0.0, 0.0, 1.0])
target_ph = np.array([0.9, 0.7, 0.5, 0.8])
c_lb = np.array([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1], [1, 1], [-1, 1], [-1, -1], [1, -1]])
w_lb = np.array([4 / 9] + [1 / 9] * 4 + [1 / 36] * 4)
target_lb = 1.0 + 0.05 * np.cos(np.arange(16.0)).reshape(4, 4)
eta_bv = np.linspace(-0.3, 0.3, 9)
i_bv = 1e-3 * (np.exp(0.5 * 38.9 * eta_bv * 0.8) - np.exp(-0.5 * 38.9 * eta_bv * 0.8)) * (1 + 0.02 * _r.normal(size=9))
X_hub = np.column_stack([np.ones(12), np.linspace(-1, 1, 12), np.cos(np.linspace(0, 3, 12))])
y_hub = X_hub @ np.array([0.5, 1.5, -0.8]) + 0.1 * np.sin(np.arange(12.0) * 7)
y_hub[[2, 9]] += np.array([3.0, -2.5])  # two outliers
V_rbm = (_r.random(size=(6, 5)) > 0.5).astype(float)
Vneg_rbm = (_r.random(size=(6, 5)) > 0.5).astype(float)


# ---------------------------------------------------------------- functions
def gaussian_copula(p):
    """A Gaussian copula with logistic margins, negative log-likelihood: u = expit((x − μ)/s) column by column,
    z = scipy.special.ndtri(u), the correlation R = S / outer(d, d) of S = AAᵀ + I, the margins' log-densities."""
    mu, s = p[:3], np.exp(p[3:6])
    A = p[6:].reshape(3, 3)
    S = A @ A.T + np.eye(3)
    d = np.sqrt(np.diag(S))
    R = S / np.outer(d, d)
    t = (X_cop - mu) / s
    z = special.ndtri(special.expit(t))
    _, logdet = np.linalg.slogdet(R)
    quad = np.sum((z @ (np.linalg.inv(R) - np.eye(3))) * z, axis=1)
    log_margin = -t - np.log(s) - 2 * np.log1p(np.exp(-t))
    return -np.sum(-0.5 * logdet - 0.5 * quad + np.sum(log_margin, axis=1))


def dirichlet_multinomial(W):
    """A Dirichlet-multinomial regression over 4 categories, α = exp(b + w x) per row, its negative
    log-likelihood by scipy.special.gammaln with axis sums (the multinomial coefficient dropped)."""
    alpha = np.exp(W[0] + W[1] * x_dm[:, None])
    n = counts_dm.sum(axis=1)
    A = alpha.sum(axis=1)
    ll = (
        special.gammaln(A)
        - special.gammaln(n + A)
        + np.sum(special.gammaln(counts_dm + alpha) - special.gammaln(alpha), axis=1)
    )
    return -np.sum(ll)


def cloth_energy(x):
    """A 3×3 cloth's mass-spring energy: springs along edges and diagonals by fancy indexing and
    np.linalg.norm(axis=1), gravity on z, two pinned corners held by a stiff penalty."""
    X = x.reshape(9, 3)
    length = np.linalg.norm(X[edges_cloth[:, 0]] - X[edges_cloth[:, 1]], axis=1)
    springs = 0.5 * 20.0 * np.sum((length - rest_cloth) ** 2)
    gravity = 9.81 * 0.1 * np.sum(X[:, 2])
    pinned = np.concatenate([g_cloth[pins_cloth], np.zeros((2, 1))], axis=1)
    return springs + gravity + 1e3 * np.sum((X[pins_cloth] - pinned) ** 2)


def kriging_lstsq(p):
    """Ordinary kriging with an exponential variogram: the bordered system [[Γ, 1], [1ᵀ, 0]] by np.block and
    np.linalg.lstsq for the weights at three held-out sites, their squared prediction error."""
    nugget, sill, rng = np.exp(p)

    def gamma(h):
        return nugget + sill * (1 - np.exp(-h / rng))

    H = np.linalg.norm(X_kr[:, None, :] - X_kr[None, :, :], axis=-1)
    G = gamma(H) - nugget * np.eye(5)
    ones = np.ones((5, 1))
    K = np.block([[G, ones], [ones.T, np.zeros((1, 1))]])
    h0 = np.linalg.norm(X_kr[:, None, :] - Xt_kr[None, :, :], axis=-1)
    rhs = np.vstack([gamma(h0), np.ones((1, 3))])
    lam = np.linalg.lstsq(K, rhs, rcond=None)[0][:5]
    return np.sum((z_kr @ lam - zt_kr) ** 2)


def poisson_blend(u):
    """Poisson image blending: the pasted patch's gradients by np.diff along both axes held to the source's,
    its border rows and columns (fancy-indexed) to the target's."""
    U = u.reshape(5, 6)
    fit = np.sum((np.diff(U, axis=1) - np.diff(src_pb, axis=1)) ** 2)
    fit += np.sum((np.diff(U, axis=0) - np.diff(src_pb, axis=0)) ** 2)
    border = np.sum((U[[0, -1], :] - tgt_pb[[0, -1], :]) ** 2) + np.sum((U[1:-1, [0, -1]] - tgt_pb[1:-1, [0, -1]]) ** 2)
    return fit + 10.0 * border


def burgers_steps(p):
    """Viscous Burgers' equation on a periodic grid, 8 explicit steps by np.roll (central advection, the
    Laplacian); initial amplitude and phase and the log-viscosity fitted to a final profile."""
    dx, dt = x_bg[1] - x_bg[0], 0.02
    nu = np.exp(p[2])
    u = p[0] * np.sin(x_bg) + p[1] * np.cos(x_bg) + 0.1
    for _ in range(8):
        up, um = np.roll(u, -1), np.roll(u, 1)
        u = u - dt * u * (up - um) / (2 * dx) + dt * nu * (up - 2 * u + um) / dx**2
    return np.sum((u - target_bg) ** 2)


def burgers_state(p):
    """burgers_steps' final profile (12 values), for its Jacobian."""
    dx, dt = x_bg[1] - x_bg[0], 0.02
    nu = np.exp(p[2])
    u = p[0] * np.sin(x_bg) + p[1] * np.cos(x_bg) + 0.1
    for _ in range(8):
        up, um = np.roll(u, -1), np.roll(u, 1)
        u = u - dt * u * (up - um) / (2 * dx) + dt * nu * (up - 2 * u + um) / dx**2
    return u


def student_t_process(p):
    """A Student-t process's negative log marginal likelihood (Shah et al.): ν = 2 + exp, an RBF kernel with
    noise; gammaln, slogdet and solve."""
    nu, ell, sf, sn = 2 + np.exp(p[0]), np.exp(p[1]), np.exp(p[2]), np.exp(p[3])
    n = len(y_tp)
    K = sf**2 * np.exp(-0.5 * (x_tp[:, None] - x_tp[None, :]) ** 2 / ell**2) + sn**2 * np.eye(n)
    beta = y_tp @ np.linalg.solve(K, y_tp)
    _, logdet = np.linalg.slogdet(K)
    ll = special.gammaln((nu + n) / 2) - special.gammaln(nu / 2) - n / 2 * np.log((nu - 2) * np.pi)
    ll = ll - 0.5 * logdet - (nu + n) / 2 * np.log1p(beta / (nu - 2))
    return -ll


def triplet_batch_hard(w):
    """Batch-hard triplet loss: embeddings normalised with keepdims, pairwise distances by broadcasting, the
    hardest positive by np.max over np.where(same label), the hardest negative by np.min over np.inf elsewhere."""
    E = X_tri @ w.reshape(4, 3)
    E = E / np.linalg.norm(E, axis=1, keepdims=True)
    D = np.sqrt(np.sum((E[:, None, :] - E[None, :, :]) ** 2, axis=-1) + 1e-9)
    same = lab_tri[:, None] == lab_tri[None, :]
    pos = np.max(np.where(same & ~np.eye(8, dtype=bool), D, 0.0), axis=1)
    neg = np.min(np.where(same, np.inf, D), axis=1)
    return np.mean(np.maximum(pos - neg + 0.5, 0.0))


def risk_parity(p):
    """Risk parity: softmax weights, each asset's risk contribution wᵢ(Σw)ᵢ/σ_p, their squared deviation from
    equal shares, plus a small expected-return term."""
    w = np.exp(p - np.max(p))
    w = w / w.sum()
    sigma = np.sqrt(w @ cov_rp @ w)
    rc = w * (cov_rp @ w) / sigma
    return np.sum((rc / sigma - 0.25) ** 2) - 0.1 * w @ np.array([0.05, 0.08, 0.03, 0.06])


def michaelis_menten(p):
    """Competitive inhibition kinetics v = Vmax S / (Km (1 + I/Ki) + S) over a (inhibitor, substrate) grid by
    broadcasting, fitted on the log scale; log-parameters."""
    Vmax, Km, Ki = np.exp(p)
    v = Vmax * S_mm[None, :] / (Km * (1 + I_mm[:, None] / Ki) + S_mm[None, :])
    return np.sum((np.log(v) - np.log(v_mm)) ** 2)


def traffic_lwr(p):
    """The LWR traffic model by Godunov's scheme, Greenshields' flux: demand and supply by np.where around the
    critical density, the interface flux by np.minimum, 6 steps with fixed inflow and outflow densities."""
    vf, rmax = np.exp(p[0]), np.exp(p[1])
    rc = rmax / 2

    def flux(r):
        return vf * r * (1 - r / rmax)

    fmax = flux(rc)
    rho = rho0_lwr
    for _ in range(6):
        ext = np.concatenate([np.array([0.3]), rho, np.array([0.2])])
        demand = np.where(ext < rc, flux(ext), fmax)
        supply = np.where(ext > rc, flux(ext), fmax)
        F = np.minimum(demand[:-1], supply[1:])
        rho = rho - 0.1 * (F[1:] - F[:-1])
    return np.sum((rho - rho_obs_lwr) ** 2)


def power_flow(x):
    """AC power-flow mismatch of a 4-bus network (bus 0 the slack): P and Q injections by np.subtract.outer
    of the angles, cos and sin, against the scheduled ones; voltage magnitudes and angles of buses 1-3."""
    V = np.concatenate([np.ones(1), x[:3]])
    th = np.concatenate([np.zeros(1), x[3:]])
    d = np.subtract.outer(th, th)
    P = V * np.sum((G_pf * np.cos(d) + B_pf * np.sin(d)) * V, axis=1)
    Q = V * np.sum((G_pf * np.sin(d) - B_pf * np.cos(d)) * V, axis=1)
    return np.sum((P[1:] - P_pf) ** 2) + np.sum((Q[1:] - Q_pf) ** 2)


def truss_compliance(logA):
    """A 2-D truss's compliance fᵀu plus a volume penalty: member stiffnesses assembled by
    K[np.ix_(dofs, dofs)] += ke into np.zeros_like(logA, shape=...), the free block by np.ix_, np.linalg.solve."""
    A = np.exp(logA)
    K = np.zeros_like(logA, shape=(10, 10))
    volume = 0.0
    for e, (i, j) in enumerate(bars_tr):
        dxy = nodes_tr[j] - nodes_tr[i]
        L = np.linalg.norm(dxy)
        c, s = dxy / L
        k = np.array([[c * c, c * s], [c * s, s * s]])
        ke = A[e] / L * np.block([[k, -k], [-k, k]])
        dofs = [2 * i, 2 * i + 1, 2 * j, 2 * j + 1]
        K[np.ix_(dofs, dofs)] += ke
        volume = volume + A[e] * L
    u = np.linalg.solve(K[np.ix_(free_tr, free_tr)], load_tr[free_tr])
    return load_tr[free_tr] @ u + 0.5 * volume


def factorization_machine(p):
    """A factorisation machine (Rendle) for ±1 labels: the pairwise term by the O(kn) identity
    ½Σ((XV)² − X²V²), the logistic loss by np.logaddexp(0, ·), an L2 penalty; parameters in a dict, w0 0-d."""
    V = p["V"]
    pair = 0.5 * np.sum((X_fm @ V) ** 2 - (X_fm**2) @ (V**2), axis=1)
    pred = p["w0"] + X_fm @ p["w"] + pair
    return np.mean(np.logaddexp(0.0, -y_fm * pred)) + 0.01 * (np.sum(p["w"] ** 2) + np.sum(V**2))


def variogram_fit(p):
    """A spherical variogram fitted to a binned empirical one by Cressie's weights N_k (γ̂/γ − 1)², the model
    piecewise by np.where(h < range); log nugget, sill and range."""
    nugget, sill, a = np.exp(p)
    r = h_vg / a
    model = nugget + sill * np.where(h_vg < a, 1.5 * r - 0.5 * r**3, 1.0)
    return np.sum(n_vg * (gam_vg / model - 1) ** 2)


def umap_layout(y):
    """UMAP's layout loss: q = 1/(1 + a d^{2b}) over the pairs np.triu_indices gives, the fuzzy cross-entropy
    against a fixed membership graph."""
    Y = y.reshape(6, 2)
    i, j = np.triu_indices(6, 1)
    d2 = np.sum((Y[i] - Y[j]) ** 2, axis=1)
    q = 1.0 / (1.0 + 1.577 * d2**0.895)
    P = P_um[i, j]
    return -np.sum(P * np.log(q) + (1 - P) * np.log(1 - q + 1e-3))


def phong_shading(v):
    """Blinn-Phong shading of a 4-face pyramid: face normals by np.cross of fancy-indexed vertices, normalised in
    place by norm(keepdims), diffuse and specular terms by np.clip(·, 0, None), fitted to target intensities."""
    P = v.reshape(5, 3)
    a, b, c = P[faces_ph[:, 0]], P[faces_ph[:, 1]], P[faces_ph[:, 2]]
    n = np.cross(b - a, c - a)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    h = (light_ph + view_ph) / np.linalg.norm(light_ph + view_ph)
    diffuse = np.clip(n @ light_ph, 0.0, None)
    spec = np.clip(n @ h, 0.0, None) ** 8
    return np.sum((0.7 * diffuse + 0.3 * spec - target_ph) ** 2)


def lattice_boltzmann(p):
    """A D2Q9 lattice Boltzmann fluid on a 4×4 periodic grid: equilibria by einsum, BGK collision with a relaxation
    time from a parameter, streaming by np.roll(shift=tuple, axis=(0, 1)) per direction; 3 steps, the density fitted."""
    tau = 0.5 + np.exp(p[0])
    rho = 1.0 + 0.1 * p[1:17].reshape(4, 4)
    u = np.stack([0.05 * np.ones((4, 4)), 0.02 * np.sin(np.arange(16.0)).reshape(4, 4)])

    def equilibrium(rho, u):
        cu = np.einsum("qd,dxy->qxy", c_lb, u)
        usq = np.sum(u**2, axis=0)
        return w_lb[:, None, None] * rho * (1 + 3 * cu + 4.5 * cu**2 - 1.5 * usq)

    f = equilibrium(rho, u)
    for _ in range(3):
        rho = f.sum(axis=0)
        u = np.einsum("qxy,qd->dxy", f, c_lb) / rho
        f = f - (f - equilibrium(rho, u)) / tau
        f = np.stack([np.roll(f[q], tuple(c_lb[q]), axis=(0, 1)) for q in range(9)])
    return np.sum((f.sum(axis=0) - target_lb) ** 2)


def butler_volmer(p):
    """Butler-Volmer electrode kinetics with an ohmic drop: the true overpotential solves η + R i(η) = η_applied,
    by 6 Newton steps in a loop; the current compared by np.arcsinh (both branches); log i0, α, log R."""
    i0, alpha, R = np.exp(p[0]), p[1], np.exp(p[2])
    f = 38.9
    eta = eta_bv
    for _ in range(6):
        i = i0 * (np.exp(alpha * f * eta) - np.exp(-(1 - alpha) * f * eta))
        di = i0 * f * (alpha * np.exp(alpha * f * eta) + (1 - alpha) * np.exp(-(1 - alpha) * f * eta))
        eta = eta - (eta + R * i - eta_bv) / (1 + R * di)
    i = i0 * (np.exp(alpha * f * eta) - np.exp(-(1 - alpha) * f * eta))
    return np.sum((np.arcsinh(i / 1e-3) - np.arcsinh(i_bv / 1e-3)) ** 2)


def rbm_free_energy(p):
    """A binary RBM's contrastive-divergence objective: free energy F(v) = −v·b − Σ log(1 + e^{vW + c}) by
    np.logaddexp(0, ·).sum(axis=1), data minus fixed negative samples, with weight decay; a dict of parameters."""
    W, b, c = p["W"], p["b"], p["c"]

    def free_energy(V):
        return -V @ b - np.sum(np.logaddexp(0.0, V @ W + c), axis=1)

    return np.mean(free_energy(V_rbm)) - np.mean(free_energy(Vneg_rbm)) + 0.01 * np.sum(W**2)


def huber_regression(p):
    """Huber regression with a concomitant scale (Owen): Σ σ + σ·scipy.special.huber(1.345, r/σ) over residuals
    with two outliers, a pseudo-Huber penalty scipy.special.pseudo_huber(0.5, β) on the coefficients; log σ."""
    beta, sigma = p[:3], np.exp(p[3])
    r = y_hub - X_hub @ beta
    return np.sum(sigma + sigma * special.huber(1.345, r / sigma)) + 0.1 * np.sum(special.pseudo_huber(0.5, beta))


def points():
    return {
        "gaussian_copula": np.concatenate([[0.1, -0.1, 0.0], [0.2, 0.1, 0.3], 0.5 * np.sin(np.arange(9.0))]),
        "dirichlet_multinomial": np.array([[0.2, -0.1, 0.3, 0.5], [0.4, -0.3, 0.1, 0.2]]),
        "cloth_energy": np.concatenate([g_cloth, np.zeros((9, 1))], axis=1).ravel() + 0.05 * np.cos(np.arange(27.0)),
        "kriging_lstsq": np.log(np.array([0.05, 1.0, 0.4])),
        "poisson_blend": (tgt_pb + 0.1 * np.sin(np.arange(30.0)).reshape(5, 6)).ravel(),
        "burgers_steps": np.array([0.7, -0.2, np.log(0.05)]),
        "student_t_process": np.array([1.0, np.log(0.8), 0.0, np.log(0.3)]),
        "triplet_batch_hard": 0.5 * np.cos(np.arange(12.0)),
        "risk_parity": np.array([0.1, -0.2, 0.3, 0.0]),
        "michaelis_menten": np.log(np.array([8.0, 1.5, 2.0])),
        "traffic_lwr": np.log(np.array([1.2, 1.1])),
        "power_flow": np.array([0.98, 1.01, 0.99, -0.05, -0.03, -0.08]),
        "truss_compliance": np.log(np.linspace(0.5, 1.1, 7)),
        "factorization_machine": {
            "w0": np.array(0.1),
            "w": 0.2 * np.sin(np.arange(5.0)),
            "V": 0.3 * np.cos(np.arange(10.0)).reshape(5, 2),
        },
        "variogram_fit": np.log(np.array([0.05, 0.4, 0.5])),
        "umap_layout": np.sin(np.arange(12.0) * 1.3),
        "phong_shading": np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0.0]) + 0.05 * np.cos(np.arange(15.0)),
        "lattice_boltzmann": np.concatenate([[np.log(0.4)], 0.5 * np.sin(np.arange(16.0))]),
        "butler_volmer": np.array([np.log(8e-4), 0.45, np.log(2.0)]),
        "huber_regression": np.array([0.4, 1.3, -0.6, np.log(0.3)]),
        "rbm_free_energy": {
            "W": 0.1 * np.cos(np.arange(15.0)).reshape(5, 3),
            "b": 0.1 * np.sin(np.arange(5.0)),
            "c": np.array([0.1, -0.2, 0.05]),
        },
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses: none (np.where's conditions on traced values select, they do not mask)
SPECIALISED: set = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.value_and_grad in x64 (the source run with jax.numpy
#: and jax.scipy.special, JAX having no huber or pseudo_huber: their formulas by jnp.where; truss_compliance's K[np.ix_(dofs, dofs)] += ke as .at[].add)
GRAD = {
    "gaussian_copula": (41.48008445241125, 4.649251470981061, 90.68675905846906),  # jax, n=15
    "dirichlet_multinomial": (68.80431175434546, -1.896738890005353, 14.48827568089282),  # jax, n=8
    "cloth_energy": (8.462888634307491, 175.48720633785473, 31577.649975591517),  # jax, n=27
    "kriging_lstsq": (0.4531891322037708, 0.07886911949443279, 0.005073106040915011),  # jax, n=3
    "poisson_blend": (5.3685918747539265, -12.928366123426784, 36.173172332527464),  # jax, n=30
    "burgers_steps": (0.04645540641388, -0.5767037408619623, 0.7745757794950379),  # jax, n=3
    "student_t_process": (5.07362360501176, -0.5973907753273998, 1.01807332205188),  # jax, n=4
    "triplet_batch_hard": (1.9024754998018236, -0.05229144403376033, 14.376470483279567),  # jax, n=12
    "risk_parity": (0.15108157318391963, -0.214425835747724, 0.10911802389910828),  # jax, n=4
    "michaelis_menten": (0.28040166575582653, -0.4960012852020233, 1.183863495739948),  # jax, n=3
    "traffic_lwr": (0.030214271756031575, -0.018662454498419464, 0.002085078239976863),  # jax, n=2
    "power_flow": (1.3984911782651333, -13.819222967781894, 1932.563565406179),  # jax, n=6
    "truss_compliance": (5.3090245299866945, -0.1584701999652214, 0.27169128959723826),  # jax, n=7
    "factorization_machine": (0.7237857343944281, -0.04120626775844643, 0.06356696718574098),  # jax, n=16
    "variogram_fit": (15.945712959694971, 2.415802956972522, 583.2427166599755),  # jax, n=3
    "umap_layout": (12.842771641153014, 4.090639412039674, 15.69496133418051),  # jax, n=12
    "phong_shading": (0.5505824816974171, -0.8731332534640852, 1.2739977314574527),  # jax, n=15
    "lattice_boltzmann": (0.02103868328366611, -0.007389367272548905, 2.3082392471742436e-05),  # jax, n=17
    "butler_volmer": (1.8854251632034806, 0.6776989056185272, 132.80573434046022),  # jax, n=3
    "huber_regression": (11.167764615790048, -4.120561371226477, 24.721707822690256),  # jax, n=4
    "rbm_free_energy": (0.04552641607364119, 0.7430191443919965, 0.6872298534513901),  # jax, n=23
}

test_gradient_of_user_code = gradient_test(POINTS, FUNCS, GRAD, SPECIALISED)

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64
HESS = {
    "student_t_process": (-2.2992806862120854, 153.69093775782852),  # jax.hessian
    "michaelis_menten": (9.044922204900754, 2053.082039404765),  # jax.hessian
    "butler_volmer": (-84.3838082323871, 53543.565905710435),  # jax.hessian
    "variogram_fit": (-8.285013539049855, 722.4091040708652),  # jax.hessian
    "risk_parity": (-0.4038837087173112, 3.6216241585896913),  # jax.hessian
    "power_flow": (933.3371324619924, 2707744.128522676),  # jax.hessian
    "truss_compliance": (0.2322882038199352, 4.218956789597245),  # jax.hessian
    "kriging_lstsq": (-0.012236830096474199, 0.00894175061376753),  # jax.hessian
    "huber_regression": (9.116350434787385, 1251.342416775732),  # jax.hessian (huber, pseudo_huber by jnp.where)
}

test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    doc="""dl.hessian of nine equals jax.hessian's (a Student-t process's gammaln, slogdet and solve, broadcast
    enzyme kinetics, a Newton loop's Butler-Volmer current, a piecewise variogram by np.where, risk contributions
    under a softmax, an AC power flow's cos and sin of np.subtract.outer, a truss assembled by np.ix_ +=, kriging by
    np.block and lstsq, Huber regression by scipy.special.huber and pseudo_huber).""",
)

#: jax.jacobian of burgers_state (12 grid values by 3 parameters): (Σ J·cos(k + 1), Σ J²)
JAC_BURGERS = (-0.6206045625876905, 11.911555608323521)


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_hvp_vmap(method):
    """Burgers' final profile's (12, 3) Jacobian through 8 np.roll steps, fresh and prepared, equals JAX's; hvp
    of the enzyme-kinetics loss equals the stored Hessian's; vmap of the enzyme-kinetics loss and of its gradient over
    a batch equal the unbatched calls."""
    tol = 1e-6 if method == "numeric" else 1e-12
    p = POINTS["burgers_steps"]
    for J in (dl.jacobian(burgers_state, method=method)(p), dl.prepare(burgers_state, p, method=method).jacobian(p)):
        J = np.asarray(J).reshape(12, 3)
        assert np.sum(J * np.cos(np.arange(36) + 1.0).reshape(12, 3)) == pytest.approx(JAC_BURGERS[0], rel=tol)
        assert np.sum(J * J) == pytest.approx(JAC_BURGERS[1], rel=tol)
    x = POINTS["michaelis_menten"]
    g = check_hvp(michaelis_menten, x, method, HESS["michaelis_menten"])
    np.testing.assert_allclose(
        g, dl.grad(michaelis_menten, method="reverse")(x), rtol=1e-7 if method == "numeric" else 1e-12
    )
    B = POINTS["michaelis_menten"] + 0.1 * np.random.default_rng(4).normal(size=(4, 3))
    check_vmap(michaelis_menten, B, method, 1e-5 if method == "numeric" else 1e-11)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_in_place_truss_assembly_equals_complex_step(method):
    """truss_compliance's K[np.ix_(dofs, dofs)] += ke, at a perturbed point (prepared at POINTS, called there),
    equals complex-step differences of the NumPy function itself."""
    x0 = POINTS["truss_compliance"]
    x = x0 + 0.1 * np.sin(np.arange(7.0))
    want = complex_step(truss_compliance, x)
    np.testing.assert_allclose(dl.grad(truss_compliance, method=method)(x), want, rtol=1e-12)
    np.testing.assert_allclose(dl.prepare(truss_compliance, x0, method=method).grad(x), want, rtol=1e-12)
