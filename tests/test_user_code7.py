"""What a user writes, round 7: functions in plain NumPy from areas the first six rounds do not cover.

Count and bounded-outcome regressions (a negative binomial GLM by gammaln with a 0-d log-dispersion in a dict,
a zero-inflated Poisson by np.where on the zeros, a Tobit model by scipy.special.log_ndtr on the censored rows,
a beta regression by betaln, a von Mises regression by i0e, an ordinal logit whose cut points are a cumsum of
exponentials padded with ∓inf), psychometrics and ranking (a 2PL item-response model over (person, item)
pairs by fancy indexing, Bradley–Terry by np.logaddexp over match rows), geodesy and orbits (trilateration by
the haversine formula, Kepler's equation solved by a fixed Newton loop with a 0-d eccentricity), geometry and
mechanics (a Bézier curve's length by de Casteljau's loop and Gauss–Legendre nodes, a neo-Hookean energy of a
triangle mesh by batched np.linalg.det and einsum, a homography's reprojection by perspective division),
imaging and signals (a Harris corner response from slicing gradients and a box blur by
sliding_window_view, a biquad low-pass filter run sample by sample into a preallocated output, a two-level
Haar transform by reshape), learning (temperature scaling by difflab.scipy.special.log_softmax, prototypical
networks' class means by np.add.at), pharmacokinetics (a two-compartment bi-exponential with a dose
per subject) a differential-drive robot's odometry by np.cumsum, and a piecewise-exponential survival model by
np.pad(mode='mean') and np.logaddexp.accumulate (both refused before this round).

Each one's gradient under every method, fresh and prepared, against JAX x64 (the function's source run with
jax.numpy for numpy and jax.scipy.special for scipy.special; the item assignments as .at[].set/.add): f,
g·cos(k + 1) and |g|² of the gradient flattened in sorted-key order, stored here so CI (no JAX) asserts them.
Hessians of thirteen (a 0-d temperature among them), a Jacobian, hvp, vmap, jacfwd of grad and
difflab.testing.check_grad.

What they met: np.pad(mode='mean') and np.logaddexp.accumulate were refused (JAX has both): now NumPy's values
(tests/test_numpy_coverage.py). Refused as JAX refuses them, with the remedy named: `y = np.zeros(24); y[n] = ...`
(biquad_lowpass writes np.zeros_like(params, shape=...)), np.add.at into np.zeros((3, k)), scipy.special.log_softmax
and logsumexp (SciPy's Python code: difflab.scipy.special's). No wrong number: every exact method agreed with JAX
to rounding, here, at perturbed points (prepared at one point, called at another), through jvp/vjp and vmap,
and at extreme points (large κ, censoring deep in the tail, e → 1, ∓30 logits); where JAX's gradient is NaN (the
trilateration at a beacon's own position) difflab's is the strong-zero convention's."""

import warnings

import numpy as np
import pytest
import scipy.special as special
from numpy.lib.stride_tricks import sliding_window_view

import difflab as dl
import difflab.scipy.special as dspecial
from difflab.errors import NumericAccuracyWarning
from user_code import METHODS, check_hvp, check_vmap, gradient_test, hessian_test

# ---------------------------------------------------------------- data
_r = np.random.default_rng(39)
X_nb = np.column_stack([np.ones(10), _r.normal(size=(10, 2))])
y_nb = np.array([0, 3, 1, 7, 2, 0, 12, 4, 1, 5])
X_zip = np.column_stack([np.ones(9), _r.normal(size=9)])
y_zip = np.array([0, 0, 2, 0, 1, 4, 0, 3, 0])
X_tob = np.column_stack([np.ones(8), _r.normal(size=8)])
y_tob = np.maximum(X_tob @ np.array([0.3, 1.0]) + 0.5 * _r.normal(size=8), 0.0)
X_beta = _r.normal(size=(7, 2))
y_beta = np.array([0.12, 0.55, 0.31, 0.87, 0.46, 0.73, 0.2])
X_vm = _r.normal(size=(8, 2))
theta_vm = np.array([0.3, -2.9, 1.2, 3.0, -0.4, 2.1, -1.5, 0.9])
X_ord = _r.normal(size=(9, 2))
y_ord = np.array([0, 1, 3, 2, 2, 0, 3, 1, 2])
person_irt = np.array([0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3])
item_irt = np.array([0, 1, 2, 0, 2, 0, 1, 2, 0, 1, 2, 1])
resp_irt = np.array([1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0])
matches_bt = np.array([[0, 1], [1, 2], [2, 0], [3, 0], [3, 1], [2, 3], [0, 1], [1, 3]])
beacons_lat = np.radians(np.array([48.85, 48.86, 48.84, 48.87]))
beacons_lon = np.radians(np.array([2.29, 2.35, 2.33, 2.30]))
ranges_km = np.array([2.1, 2.3, 1.9, 2.4])
t_kep = np.linspace(0.0, 0.9, 8)
rv_kep = np.array([0.4, 0.75, 0.6, 0.1, -0.45, -0.8, -0.7, -0.2])
gl_nodes, gl_weights = np.polynomial.legendre.leggauss(8)
ref_tri = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]])
tris = np.array([[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4]])
src_h = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.3], [0.2, 0.8]])
dst_h = np.array([[0.1, 0.05], [1.15, 0.1], [1.1, 1.2], [0.05, 0.95], [0.62, 0.38], [0.22, 0.93]])
img_h = 8 * (
    np.add.outer(np.linspace(0, 1, 7) ** 2, np.sin(np.linspace(0, 2, 8)))
    + 0.3 * np.random.default_rng(5).random((7, 8))
)
sig_bq = np.sin(np.linspace(0, 6 * np.pi, 24)) + 0.3 * np.sin(np.linspace(0, 40, 24))
target_bq = np.sin(np.linspace(0, 6 * np.pi, 24)) * 0.8
signal_haar = np.cos(np.linspace(0, 3, 8))
logits_ts = _r.normal(size=(6, 4)) * 2
labels_ts = np.array([0, 3, 1, 1, 2, 0])
support_pn = _r.normal(size=(6, 3))
support_lab = np.array([0, 1, 2, 0, 1, 2])
query_pn = _r.normal(size=(4, 3))
query_lab = np.array([2, 0, 1, 1])
t_pk = np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0])
dose_pk = np.array([100.0, 150.0])
conc_pk = np.array([[9.1, 12.0, 10.5, 6.9, 3.4, 1.2], [13.0, 17.2, 15.1, 10.4, 5.3, 1.9]])
way_odo = np.array([[0.5, 0.0], [0.9, 0.3], [1.2, 0.8], [1.3, 1.4]])
t_surv = np.array([0, 2, 2, 3, 5, 5, 6, 1, 4, 6])
ev_surv = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])


# ---------------------------------------------------------------- functions
def negbin_glm(p):
    """A negative binomial GLM (NB2) with a log link: log-dispersion a 0-d entry of the parameter dict."""
    mu = np.exp(X_nb @ p["beta"])
    r = np.exp(-p["log_alpha"])
    ll = (
        special.gammaln(y_nb + r)
        - special.gammaln(r)
        - special.gammaln(y_nb + 1)
        + r * np.log(r / (r + mu))
        + y_nb * np.log(mu / (r + mu))
    )
    return -np.sum(ll)


def zip_poisson(w):
    """A zero-inflated Poisson: the zeros' likelihood mixes structural and Poisson zeros."""
    eta, logit_pi = X_zip @ w[:2], w[2]
    lam = np.exp(eta)
    log_pi = -np.logaddexp(0.0, -logit_pi)
    log1m_pi = -np.logaddexp(0.0, logit_pi)
    ll_zero = np.logaddexp(log_pi, log1m_pi - lam)
    ll_pos = log1m_pi + y_zip * eta - lam - special.gammaln(y_zip + 1.0)
    return -np.sum(np.where(y_zip == 0, ll_zero, ll_pos))


def tobit(w):
    """A Tobit model left-censored at 0: log Φ for the censored rows, the normal density for the others."""
    beta, sigma = w[:2], np.exp(w[2])
    z = (y_tob - X_tob @ beta) / sigma
    censored = y_tob <= 0
    ll = np.where(censored, special.log_ndtr(z), -0.5 * z**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
    return -ll.sum()


def beta_reg(w):
    """A beta regression (mean by a logit link, precision φ by a log link), by betaln."""
    mu = special.expit(X_beta @ w[:2] + w[2])
    phi = np.exp(w[3])
    a, b = mu * phi, (1 - mu) * phi
    return -np.sum((a - 1) * np.log(y_beta) + (b - 1) * np.log1p(-y_beta) - special.betaln(a, b))


def von_mises_reg(w):
    """Circular regression: mean direction 2·arctan of a linear predictor, concentration κ; log I0(κ) by i0e."""
    mu = w[0] + 2 * np.arctan(X_vm @ w[1:3])
    kappa = np.exp(w[3])
    log_i0 = np.log(special.i0e(kappa)) + kappa
    return -np.sum(kappa * np.cos(theta_vm - mu) - np.log(2 * np.pi) - log_i0)


def ordinal_logit(w):
    """Proportional-odds regression: cut points a cumsum of exponentials, padded with ∓inf, P by np.diff."""
    cuts = np.cumsum(np.concatenate([w[2:3], np.exp(w[3:5])]))
    cuts = np.concatenate([[-np.inf], cuts, [np.inf]])
    eta = X_ord @ w[:2]
    cdf = special.expit(cuts[None, :] - eta[:, None])
    probs = np.diff(cdf, axis=1)
    return -np.sum(np.log(probs[np.arange(len(y_ord)), y_ord]))


def irt_2pl(p):
    """A two-parameter item-response model over observed (person, item) pairs, with a N(0, 1) prior on ability."""
    a = np.exp(p["log_disc"])[item_irt]
    logits = a * (p["ability"][person_irt] - p["difficulty"][item_irt])
    ll = resp_irt * special.log_expit(logits) + (1 - resp_irt) * special.log_expit(-logits)
    return -np.sum(ll) + 0.5 * np.sum(p["ability"] ** 2)


def bradley_terry(s):
    """Bradley–Terry skills from match rows (winner, loser), a ridge penalty pinning the scale."""
    w, l = matches_bt[:, 0], matches_bt[:, 1]
    return np.sum(np.logaddexp(0.0, s[l] - s[w])) + 0.1 * np.dot(s, s)


def haversine_km(lat1, lon1, lat2, lon2):
    dlat, dlon = lat2 - lat1, lon2 - lon1
    h = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(h))


def trilateration(pos):
    """A position in degrees from four range measurements, by the haversine distance."""
    lat, lon = np.radians(pos[0]), np.radians(pos[1])
    return np.sum((haversine_km(lat, lon, beacons_lat, beacons_lon) - ranges_km) ** 2)


def kepler_rv(p):
    """Radial velocities of an eccentric orbit: Kepler's equation M = E - e sin E by six Newton steps."""
    e = special.expit(p["logit_e"])
    M = 2 * np.pi * t_kep / p["period"] + p["phase"]
    E = M.copy()
    for _ in range(6):
        E = E - (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
    nu = 2 * np.arctan2(np.sqrt(1 + e) * np.sin(E / 2), np.sqrt(1 - e) * np.cos(E / 2))
    rv = p["K"] * (np.cos(nu + p["omega"]) + e * np.cos(p["omega"]))
    return np.mean((rv - rv_kep) ** 2)


def bezier_length(flat_ctrl):
    """The length of a cubic Bézier curve by de Casteljau's algorithm at Gauss–Legendre nodes, plus a bending term."""
    P = flat_ctrl.reshape(4, 2)
    t = 0.5 * (gl_nodes + 1)[:, None]
    pts = [np.broadcast_to(P[k], (t.shape[0], 2)) for k in range(4)]
    while len(pts) > 2:
        pts = [(1 - t) * a + t * b for a, b in zip(pts[:-1], pts[1:])]
    deriv = 3 * (pts[1] - pts[0])
    speed = np.linalg.norm(deriv, axis=1)
    bend = np.sum(np.diff(P, n=2, axis=0) ** 2)
    return 0.5 * np.dot(gl_weights, speed) + 0.1 * bend


def neo_hookean(flat_x):
    """The neo-Hookean energy of a triangle mesh: F = Dₓ D_X⁻¹ per triangle, ψ = μ/2 (tr FᵀF − 2) − μ log J + λ/2 log²J."""
    x = flat_x.reshape(5, 2)
    Dm = np.stack([ref_tri[tris[:, 1]] - ref_tri[tris[:, 0]], ref_tri[tris[:, 2]] - ref_tri[tris[:, 0]]], axis=-1)
    Ds = np.stack([x[tris[:, 1]] - x[tris[:, 0]], x[tris[:, 2]] - x[tris[:, 0]]], axis=-1)
    F = np.einsum("tij,tjk->tik", Ds, np.linalg.inv(Dm))
    J = np.linalg.det(F)
    area = 0.5 * np.abs(np.linalg.det(Dm))
    mu, lam = 1.0, 4.0
    psi = 0.5 * mu * (np.einsum("tij,tij->t", F, F) - 2) - mu * np.log(J) + 0.5 * lam * np.log(J) ** 2
    return np.sum(area * psi)


def homography_project(h8):
    """The points src mapped by the homography [[h0 h1 h2] [h3 h4 h5] [h6 h7 1]], by perspective division."""
    H = np.append(h8, 1.0).reshape(3, 3)
    ph = np.hstack([src_h, np.ones((len(src_h), 1))]) @ H.T
    return ph[:, :2] / ph[:, 2:]


def homography_fit(h8):
    return np.sum((homography_project(h8) - dst_h) ** 2)


def harris_response(theta):
    """The Harris corner response of an image warped by brightness/contrast parameters: central differences
    by slicing, the structure tensor blurred by a 3×3 box filter through sliding_window_view."""
    img = theta[0] * img_h + theta[1] * np.sqrt(img_h) + theta[2]
    Ix = 0.5 * (img[1:-1, 2:] - img[1:-1, :-2])
    Iy = 0.5 * (img[2:, 1:-1] - img[:-2, 1:-1])

    def blur(a):
        return sliding_window_view(a, (3, 3)).mean(axis=(-1, -2))

    Sxx, Syy, Sxy = blur(Ix * Ix), blur(Iy * Iy), blur(Ix * Iy)
    R = Sxx * Syy - Sxy**2 - 0.05 * (Sxx + Syy) ** 2
    return np.sum(R**2)


def biquad_lowpass(params):
    """An RBJ-cookbook low-pass biquad (cutoff and Q as 0-d log parameters) run sample by sample into y."""
    w0 = 2 * np.pi * np.exp(params[0])
    alpha = np.sin(w0) / (2 * np.exp(params[1]))
    c = np.cos(w0)
    b0, b1, b2 = (1 - c) / 2, 1 - c, (1 - c) / 2
    a0, a1, a2 = 1 + alpha, -2 * c, 1 - alpha
    y = np.zeros_like(params, shape=sig_bq.shape)  # (np.zeros(24) would be refused: y[n] = traced drops d/dparams)
    x1 = x2 = y1 = y2 = 0.0
    for n, x in enumerate(sig_bq):
        y[n] = (b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0
        x2, x1, y2, y1 = x1, x, y1, y[n]
    return np.mean((y - target_bq) ** 2)


def haar_sparsity(x):
    """A two-level Haar transform by reshape: a data term plus the L1-like (smoothed) norm of the details."""
    coeffs = []
    a = x
    for _ in range(2):
        pairs = a.reshape(-1, 2)
        a, d = pairs.sum(axis=1) / np.sqrt(2), (pairs[:, 0] - pairs[:, 1]) / np.sqrt(2)
        coeffs.append(d)
    details = np.concatenate(coeffs)
    return 0.5 * np.sum((x - signal_haar) ** 2) + 0.3 * np.sum(np.sqrt(details**2 + 1e-3)) + 0.1 * np.sum(a**2)


def temperature_scaling(log_t):
    """Calibration by temperature scaling (a 0-d log-temperature): the NLL of softmax(logits / T)."""
    logp = dspecial.log_softmax(logits_ts / np.exp(log_t), axis=1)  # (scipy's is Python code: refused, naming this)
    return -np.mean(logp[np.arange(len(labels_ts)), labels_ts])


def protonet(W):
    """Prototypical networks: class means of the embedded support set by np.add.at, softmax over −distances."""
    emb_s, emb_q = np.tanh(support_pn @ W), np.tanh(query_pn @ W)
    protos = np.zeros_like(W, shape=(3, W.shape[1]))
    np.add.at(protos, support_lab, emb_s)
    protos /= np.bincount(support_lab)[:, None]
    d2 = ((emb_q[:, None, :] - protos[None, :, :]) ** 2).sum(-1)
    logp = -d2 - dspecial.logsumexp(-d2, axis=1, keepdims=True)
    return -logp[np.arange(len(query_lab)), query_lab].mean()


def pk_two_compartment(p):
    """A two-compartment IV bolus model: C(t) = dose/V (A e^{−αt} + (1 − A) e^{−βt}), log-normal residuals."""
    alpha = np.exp(p["log_alpha"])
    beta = alpha * special.expit(p["logit_ratio"])
    A = special.expit(p["logit_A"])
    V = np.exp(p["log_V"])
    pred = dose_pk[:, None] / V * (A * np.exp(-alpha * t_pk) + (1 - A) * np.exp(-beta * t_pk))
    return np.sum((np.log(conc_pk) - np.log(pred)) ** 2)


def odometry(u):
    """A differential-drive robot's dead reckoning: headings by np.cumsum of turn rates, positions by np.cumsum
    of the velocity; the distance to four waypoints plus a control effort."""
    v, omega = u[:4], u[4:]
    heading = np.cumsum(omega) * 0.5
    xy = np.cumsum(np.stack([v * np.cos(heading), v * np.sin(heading)], axis=1) * 0.5, axis=0)
    return np.sum((xy - way_odo) ** 2) + 0.01 * np.sum(np.diff(u) ** 2)


def piecewise_exp_survival(log_h):
    """A piecewise-exponential survival model on unit intervals: the log-hazards smoothed by a 3-tap moving
    average over mean-padded edges (np.pad mode='mean'), log cumulative hazards by np.logaddexp.accumulate."""
    smooth = np.convolve(np.pad(log_h, 1, mode="mean"), np.ones(3) / 3, mode="valid")
    log_H = np.logaddexp.accumulate(smooth)
    return -np.sum(ev_surv * smooth[t_surv] - np.exp(log_H[t_surv])) + 0.5 * np.sum(np.diff(log_h) ** 2)


def points():
    r = np.random.default_rng(7)
    return {
        "negbin_glm": {"beta": np.array([1.0, 0.2, -0.3]), "log_alpha": np.array(-0.5)},
        "zip_poisson": np.array([0.6, 0.3, -0.2]),
        "tobit": np.array([0.2, 0.9, -0.6]),
        "beta_reg": np.array([0.3, -0.2, 0.1, 1.5]),
        "von_mises_reg": np.array([0.2, 0.4, -0.3, 0.5]),
        "ordinal_logit": np.array([0.4, -0.6, -1.0, 0.1, -0.2]),
        "irt_2pl": {
            "ability": 0.3 * r.normal(size=4),
            "difficulty": np.array([-0.5, 0.2, 0.8]),
            "log_disc": np.array([0.1, -0.2, 0.3]),
        },
        "bradley_terry": np.array([0.3, -0.1, 0.2, 0.5]),
        "trilateration": np.array([48.855, 2.31]),
        "kepler_rv": {
            "K": np.array(0.8),
            "logit_e": np.array(-0.7),
            "omega": np.array(0.5),
            "period": np.array(1.1),
            "phase": np.array(0.2),
        },
        "bezier_length": np.array([0.0, 0.0, 0.4, 1.0, 1.3, 0.8, 2.0, 0.1]),
        "neo_hookean": (ref_tri * np.array([1.1, 0.95]) + 0.03 * r.normal(size=(5, 2))).ravel(),
        "homography_fit": np.array([1.05, 0.02, 0.08, 0.03, 0.98, 0.04, 0.01, -0.02]),
        "harris_response": np.array([1.2, -0.3, 0.1]),
        "biquad_lowpass": np.array([np.log(0.05), np.log(0.8)]),
        "haar_sparsity": signal_haar + 0.1 * r.normal(size=8),
        "temperature_scaling": np.array(0.4),
        "protonet": 0.5 * r.normal(size=(3, 2)),
        "pk_two_compartment": {
            "log_alpha": np.array(0.2),
            "logit_ratio": np.array(-1.5),
            "logit_A": np.array(0.3),
            "log_V": np.array(2.0),
        },
        "odometry": np.array([1.0, 1.1, 0.9, 1.2, 0.1, 0.6, 0.5, 0.3]),
        "piecewise_exp_survival": np.array([-2.0, -1.8, -1.5, -1.7, -1.2, -1.0, -1.1]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]
#: value-dependent graphs dl.prepare refuses: none (np.where's masks and the Newton loop's count are fixed)
SPECIALISED: set = set()
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.value_and_grad in x64 (the source run with jax.numpy and
#: jax.scipy.special, log_expit as jax.nn.log_sigmoid; biquad_lowpass's y[n] = and protonet's np.add.at as .at[],
#: harris_response's sliding_window_view as nine shifted slices, ordinal_logit's [-np.inf] as jnp.array([-jnp.inf]))
GRAD = {
    "negbin_glm": (24.902831001821713, -2.1565677474935305, 37.31923761558648),  # jax, n=4
    "zip_poisson": (12.810104800194077, -1.6422667003248583, 5.5794998955705335),  # jax, n=3
    "tobit": (7.694155992919536, 2.9341075116497866, 51.90743998394867),  # jax, n=3
    "beta_reg": (1.057403847167813, -1.7573626033515162, 36.61772732592125),  # jax, n=4
    "von_mises_reg": (16.669543431898692, -5.624349429184481, 38.4700081679595),  # jax, n=4
    "ordinal_logit": (15.057665640508365, 0.7755456941515139, 15.592105596999547),  # jax, n=5
    "irt_2pl": (9.768429294248925, 1.4652980339942874, 17.542354011390902),  # jax, n=10
    "bradley_terry": (5.591252424163892, 0.30334005453999446, 0.5620134191156186),  # jax, n=4
    "trilateration": (1.1830872004424335, 152.43264432342542, 65603.70083105502),  # jax, n=2
    "kepler_rv": (0.5162928199198911, 0.9153674895921357, 3.2862695190805846),  # jax, n=5
    "bezier_length": (2.6887398276797456, 0.933405847957832, 3.0402592840340703),  # jax, n=8
    "neo_hookean": (0.024070614315609664, -0.4458173896438026, 0.3894778887055285),  # jax, n=10
    "homography_fit": (0.05355174003001584, -0.41235293640078363, 0.7117549371547162),  # jax, n=8
    "harris_response": (55.410735265188634, 183.29890754380736, 150735.2294611193),  # jax, n=3
    "biquad_lowpass": (0.4063467488794566, 0.07213373691459152, 0.03610893224858319),  # jax, n=2
    "haar_sparsity": (0.9665695067944807, -0.49846035008597395, 0.7680290302393518),  # jax, n=8
    "temperature_scaling": (1.8114552241403363, -0.40721050400222164, 0.5680208824735854),  # jax, n=1
    "protonet": (1.3586296729623484, 0.36619421469399616, 0.5019710649441095),  # jax, n=6
    "pk_two_compartment": (1.3270314842444044, -3.794720925157317, 81.35972041709051),  # jax, n=4
    "odometry": (0.7346606864823432, -2.655764277365566, 8.809510955678206),  # jax, n=8
    "piecewise_exp_survival": (18.176899109628696, -0.6692373701127617, 3.5036465435943582),  # jax, n=7
}

#: harris_response is invariant to theta[2] (a brightness offset the central differences by slicing cancel): its
#: derivative is 0 and numeric's is 4.7e-9, the intermediates' rounding, its round-off bound 43 % of it: said
SAID = {("harris_response", "numeric"): (NumericAccuracyWarning, r"d f\[0\]/d x\[2\] \(flat\) is 4\.\d+e-09")}
test_gradient_of_user_code = gradient_test(POINTS, FUNCS, GRAD, SPECIALISED, said=SAID)

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64
HESS = {
    "zip_poisson": (2.1091574844314187, 54.05545202400985),  # jax.hessian
    "tobit": (-15.382393187866704, 1976.9871707470852),  # jax.hessian
    "beta_reg": (-1.6452762175967068, 288.1827157234974),  # jax.hessian
    "von_mises_reg": (18.263242073857274, 472.28537096562354),  # jax.hessian
    "ordinal_logit": (7.036238205243568, 65.27551732692272),  # jax.hessian
    "bradley_terry": (1.0096499224558622, 6.866071630305177),  # jax.hessian
    "trilateration": (7121.9595429375795, 1988143410.339397),  # jax.hessian
    "neo_hookean": (5.2637518328733695, 843.9277823882678),  # jax.hessian
    "homography_fit": (-19.486920484173975, 1241.2174045218926),  # jax.hessian
    "biquad_lowpass": (0.15662975243906987, 0.1574270695191351),  # jax.hessian
    "temperature_scaling": (0.5469655636628942, 1.4473315728177312),  # jax.hessian
    "harris_response": (1087.490851849576, 5665978.2923912415),  # jax.hessian
    "piecewise_exp_survival": (-0.1287010257177481, 40.17112481264845),  # jax.hessian
}

test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    doc="""dl.hessian of the array-argument ones equals jax.hessian's (np.where over the zeros and the censored
    rows, betaln, i0e, the ∓inf-padded cut points, a 0-d temperature, batched 2×2 det and inv, perspective
    division, the biquad's 24-step recursion into a preallocated array, np.logaddexp.accumulate).""",
)

#: jax.jacobian of homography_project (12 image coordinates by 8 parameters): (Σ J·cos(k + 1), Σ J²)
JAC_H = (3.6714339374997853, 30.50095499972781)


def _bt_grad(s):
    """Bradley–Terry's gradient as a user derives it: Σ σ(s_l - s_w)(e_l - e_w) + 0.2 s."""
    w, l = matches_bt[:, 0], matches_bt[:, 1]
    p = special.expit(s[l] - s[w])
    return np.bincount(l, p, minlength=4) - np.bincount(w, p, minlength=4) + 0.2 * s


@pytest.mark.parametrize("method", METHODS)
def test_jacobian_hvp_vmap_nesting_and_check_grad(method):
    """The homography's (12, 8) Jacobian by perspective division, fresh and prepared, equals JAX's; hvp of the von
    Mises regression and jacfwd of grad of the ordinal logit (its ∓inf-padded cut points) equal the stored
    Hessians; vmap of the trilateration and of its gradient over a batch equal the unbatched calls; check_grad
    accepts Bradley–Terry's hand gradient and catches one missing its ridge term."""
    tol = 1e-6 if method == "numeric" else 1e-12
    h8 = POINTS["homography_fit"]
    for J in (
        dl.jacobian(homography_project, method=method)(h8),
        dl.prepare(homography_project, h8, method=method).jacobian(h8),
    ):
        J = np.asarray(J).reshape(12, 8)
        assert np.sum(J * np.cos(np.arange(96) + 1.0).reshape(12, 8)) == pytest.approx(JAC_H[0], rel=tol)
        assert np.sum(J * J) == pytest.approx(JAC_H[1], rel=tol)
    x = POINTS["von_mises_reg"]
    g = check_hvp(von_mises_reg, x, method, HESS["von_mises_reg"])
    np.testing.assert_allclose(
        g, dl.grad(von_mises_reg, method="reverse")(x), rtol=1e-7 if method == "numeric" else 1e-12
    )
    if method != "numeric":  # (numeric over numeric: the Hessian test's own path)
        H = dl.jacfwd(dl.grad(ordinal_logit, method=method))(POINTS["ordinal_logit"])
        u, v = np.cos(np.arange(5) + 1.0), np.sin(np.arange(5) + 1.0)
        assert u @ H @ v == pytest.approx(HESS["ordinal_logit"][0], rel=1e-11)
    P = POINTS["trilateration"] + 0.01 * np.random.default_rng(3).normal(size=(4, 2))
    check_vmap(trilateration, P, method, 1e-5 if method == "numeric" else 1e-11)
    s = POINTS["bradley_terry"]
    assert dl.testing.check_grad(bradley_terry, _bt_grad, s)
    with pytest.raises(dl.testing.GradientMismatch):
        dl.testing.check_grad(bradley_terry, lambda s: _bt_grad(s) - 0.2 * s, s)


#: trilateration at beacon 0's own position, where JAX's gradient is NaN (sqrt's infinite partial at h = 0 times
#: h's zero tangent): difflab's is that of the other three beacons' terms (JAX's gradient of them, stored), beacon
#: 0's term contributing 0 (DESIGN.md §3's strong zeros: a zero tangent times an infinite partial is 0)
AT_BEACON = np.array([48.85, 2.29])
GRAD_AT_BEACON = (10.895016090209003, [-12.275329347175454, -481.8396183508365])


@pytest.mark.parametrize("method", METHODS)
def test_distance_at_a_beacon_is_not_nan(method):
    """JAX answers NaN for the gradient at a beacon's own position; difflab's is the strong-zero convention's,
    fresh and prepared, with no warning (the value is finite: nothing left its domain)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = dl.value_and_grad(trilateration, method=method)(AT_BEACON)
        gp = dl.prepare(trilateration, POINTS["trilateration"], method=method).grad(AT_BEACON)
    assert float(value) == pytest.approx(GRAD_AT_BEACON[0], rel=1e-14)
    for got in (g, gp):
        np.testing.assert_allclose(got, GRAD_AT_BEACON[1], rtol=1e-7 if method == "numeric" else 1e-12)
