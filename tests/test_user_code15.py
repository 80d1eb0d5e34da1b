"""What a user writes, round 15: functions in plain NumPy (and SciPy where users reach for it) from domains the first
fourteen rounds do not cover.

Chemistry: a Lennard-Jones cluster with the pairs by np.triu_indices and coordination numbers by
np.bincount(weights=); powder scattering by the Debye equation with np.sinc(np.outer(q, r) / π). Epidemiology: an SIR
model by a fixed-step RK4 loop, the states appended to a list and np.stack'ed. Robotics: a planar quadrotor stepped in
place (s[3] += …) with np.clip'ped thrusts. Control: a PID loop with actuator limits by np.clip and Python floats
rebound each step. Audio: a two-stage allpass phaser written sample by sample (y[n] = …). NLP: a bag of words one-hot
by np.eye(V)[idx]; a left-to-right lattice's forward recursion by np.logaddexp.reduce over −inf arcs. Optics: a thick
lens traced by Snell's law with np.arcsin. Survival: Gompertz–Makeham with censoring by boolean indexing t[event].
Ecology: a Ricker stock under harvest with Python's max(·, 0.05) floor. Sports: Plackett–Luce rankings by
np.logaddexp.accumulate of reversed orders. Vision: Horn–Schunck optical flow with np.gradient and np.diff. Traffic:
the intelligent driver model written into arrays by x[t + 1] = …. Batteries: a Thevenin equivalent circuit with
np.polyval's open-circuit voltage. Hydraulics: Colebrook–White friction factors by fixed-point np.log10 iterations.
Phylogenetics: Felsenstein's pruning under Jukes–Cantor, tips one-hot by np.eye(4)[seq]. Nuclear: a Bateman decay
chain by np.subtract.outer and np.prod. Economics: a Solow growth path grown by np.append, T = float(len(obs)).
Queueing: Erlang C by Python's sum over math.factorial(k).

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the
first point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source of these functions run
with np = jax.numpy and special / dspecial = jax.scipy.special, the in-place writes as .at[…].set / .add, and
lattice_forward's −inf arcs as −1e30 (JAX's gradient through logaddexp(−inf, −inf) is NaN; the values agree to
rounding). Hessians of the small loop-free ones (and the allpass loop).

What they met (first run, 20 functions × 4 methods: 16 × 4 right, none wrong outside the one below; the others):
lattice_forward's prepared symbolic value was NaN (fresh, right): logsumexp's SymPy form shifted by the set's
max, −inf at a lattice's unreachable state, so the lambdified code computed −inf − (−inf); it shifts by 0 there
now, as the impl does (its symbolic Hessians were NaN too, reverse over symbolic until leftover48: the traced
derivative's 0/0 weights of an empty set; the set is shifted to 0 there now, weights 1/n as the rules'). planar_quadrotor, allpass_phaser and idm_car_following first wrote into np.zeros(n) (s[3] +=
…, y[n] = …): refused in every method with the remedy (NumPy gives difflab no hook into its own array's item
assignment), written here as the message says, np.zeros_like(u, shape=n). As earlier rounds met: np.array of a
list of traced values and scipy.special.logsumexp (SciPy's Python code) stay refused with their remedies (np.stack,
difflab.scipy.special.logsumexp); math.exp of a traced value too (math.factorial of an int is fine).
ricker_harvest's Python max(·, 0.05) on a traced stock specialises the graph: dl.prepare refuses it by name.
Symbolic Hessians over 0.2 s are left out (CPU seconds on a loaded machine: jc69_pruning's 1.2, snell_lens_trace's
0.6, bateman_chain's 0.5, colebrook_pipes' 0.4, gompertz_makeham's 0.3, erlang_c_staffing's 0.3, plackett_luce's
0.19 at the edge); the loops' Hessians are left out for the file's time (symbolic: sir_rk4's 1.1, pid_clip_loop's
0.5, idm_car_following's 0.5, ricker_harvest's 0.5, solow_growth's 0.3, battery_thevenin's 0.25)."""

import math

import numpy as np
import pytest
import scipy.special as special

import difflab as dl

from difflab.scipy import special as dspecial
from user_code import METHODS, at_two_points, check_gradient, gradient_tol, hessian_test

# ---------------------------------------------------------------- data

_r = np.random.default_rng(48)
q_db = np.linspace(0.5, 6.0, 12)
I_db = 4.0 + 6.0 * np.sinc(q_db * 1.1 / np.pi) + 0.2 * np.cos(q_db)
I_sir = np.array([0.03, 0.09, 0.17])
target_qr = np.array([1.0, 1.2])
t_pid = np.arange(8) * 0.35
ref_pid = np.where(t_pid < 1.0, 1.0, 0.5)
x_ph = np.sin(0.7 * np.arange(10.0)) + 0.3 * np.sign(np.sin(0.51 * np.arange(10.0) + 0.2))
want_ph = np.cos(0.7 * np.arange(10.0) + 0.4) * 0.8
ctx_cb = np.array([[0, 2], [1, 3], [2, 4], [3, 5], [4, 0]])
tgt_cb = np.array([1, 2, 3, 4, 5])
trans_mask_lt = np.array([[0.0, 0.0, -np.inf], [-np.inf, 0.0, 0.0], [-np.inf, -np.inf, 0.0]])
h_sn = np.linspace(-0.45, 0.45, 7)
t_gm = np.array([0.5, 1.2, 2.0, 2.6, 3.1, 3.3, 4.0, 4.4, 5.0, 5.5, 6.2, 7.0])
event_gm = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0], dtype=bool)
X_gm = np.column_stack([np.linspace(-1, 1, 12), np.cos(np.arange(12.0))])
catch_rk = np.array([1.2, 1.9, 2.6, 3.0, 3.1, 3.0, 3.05, 2.9, 3.0, 3.1, 3.0, 2.95])
rank_pl = np.array([[0, 2, 1, 5], [3, 0, 4, 1], [2, 5, 0, 3], [1, 3, 2, 4], [5, 0, 1, 2]])
_yy, _xx = np.mgrid[0:6, 0:6] / 5.0
I1_hs = np.sin(2.0 * _xx + 1.0) * np.cos(1.5 * _yy) + 0.3 * _xx
I2_hs = np.sin(2.0 * (_xx - 0.08) + 1.0) * np.cos(1.5 * (_yy - 0.05)) + 0.3 * (_xx - 0.08)
xl_idm = 30.0 + np.cumsum(np.full(8, 0.5 * 14.0) + 0.3 * np.sin(np.arange(8.0)))
x_obs_idm = 5.0 + np.cumsum(np.full(8, 0.5 * 13.0))
I_bt = np.where((np.arange(8) // 2) % 2 == 0, 2.0, -0.5)
ocv_bt = np.array([0.3, -0.5, 0.9, 3.4])
V_bt = 3.9 - 0.05 * I_bt - 0.02 * np.cumsum(I_bt) * 0.3 - 0.03 * np.sin(np.arange(8.0) / 1.5)
D_cb, L_cb, Q_cb = np.array([0.10, 0.15, 0.08]), np.array([120.0, 80.0, 60.0]), np.array([0.02, 0.05, 0.012])
h_obs_cb = np.array([3.1, 1.6, 1.9])
seqs_jc = np.array(
    [
        [0, 1, 2, 3, 0, 0, 1, 2, 2, 3],
        [0, 1, 2, 3, 1, 0, 1, 2, 3, 3],
        [0, 2, 2, 1, 0, 0, 3, 2, 2, 1],
        [1, 2, 2, 1, 0, 2, 3, 2, 0, 1],
    ]
)
t_bm = np.array([0.5, 1.0, 2.0, 3.5, 5.0, 8.0])
A_bm = np.array([0.020, 0.060, 0.130, 0.180, 0.190, 0.150])
g_obs_sl = np.array([0.031, 0.029, 0.027, 0.026, 0.024, 0.023, 0.022, 0.021, 0.020, 0.019])
lam_ec = np.array([3.0, 4.2, 5.1, 4.4, 3.6, 2.5])


# ---------------------------------------------------------------- functions


def lj_coordination(x):
    """A Lennard-Jones cluster of 4 atoms in 3-D: the pairs by np.triu_indices(n, k=1), distances squared by row-wise
    np.einsum of R[i] − R[j], r⁻⁶ by r2 ** -3; each atom's coordination number by two np.bincount(weights=) of a
    smooth switch 1/(1 + (r/1.5)⁶), a penalty pulling it to 2.5, and a harmonic trap around the centroid."""
    R = x.reshape(4, 3)
    n = len(R)
    i, j = np.triu_indices(n, k=1)
    d = R[i] - R[j]
    r2 = np.einsum("ij,ij->i", d, d)
    inv6 = r2**-3
    w = 1.0 / (1.0 + (r2 / 1.5**2) ** 3)
    coord = np.bincount(i, weights=w, minlength=n) + np.bincount(j, weights=w, minlength=n)
    return 4.0 * np.sum(inv6**2 - inv6) + 0.5 * np.sum((coord - 2.5) ** 2) + 0.1 * np.sum((R - R.mean(axis=0)) ** 2)


def debye_scattering(x):
    """Powder scattering of a 4-atom cluster by the Debye equation I(q) = N + 2 Σ_{i<j} sin(q r)/(q r): pair
    distances by broadcasting and np.triu_indices, the kernel by np.sinc(np.outer(q, r) / π), a log-intensity fit."""
    R = x.reshape(4, 3)
    D = np.sqrt(np.sum((R[:, None, :] - R[None, :, :]) ** 2, axis=-1) + 1e-300)
    r = D[np.triu_indices(4, 1)]
    I = len(R) + 2.0 * np.sum(np.sinc(np.outer(q_db, r) / np.pi), axis=1)
    return np.sum((np.log(I) - np.log(I_db)) ** 2)


def sir_rk4(p):
    """An SIR epidemic by a fixed-step RK4 loop: β, γ by np.exp, the initial infected fraction by expit, the right-hand
    side returned as np.stack([...]) of traced scalars, the states appended to a list and np.stack'ed, weekly
    prevalence compared on a log scale."""
    beta, gamma = np.exp(p[0]), np.exp(p[1])
    i0 = special.expit(p[2])

    def rhs(y):
        S, I, R = y
        return np.stack([-beta * S * I, beta * S * I - gamma * I, gamma * I])

    y = np.stack([1.0 - i0, i0, 0.0 * i0])
    h = 1.0
    traj = []
    for step in range(9):
        k1 = rhs(y)
        k2 = rhs(y + h / 2 * k1)
        k3 = rhs(y + h / 2 * k2)
        k4 = rhs(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if step % 3 == 2:
            traj.append(y)
    Y = np.stack(traj)
    return np.sum((np.log(Y[:, 1]) - np.log(I_sir)) ** 2)


def planar_quadrotor(u):
    """A planar quadrotor flown for 5 steps by explicit Euler: the state in np.zeros(6) updated in place
    (s[3] += …, s[0] += …) of np.zeros_like(u, shape=6), the rotor thrusts clipped by np.clip(·, 0, 3), the distance to a hover target, the final
    attitude and velocity, a control effort."""
    U = np.clip(u.reshape(5, 2), 0.0, 3.0)
    s = np.zeros_like(u, shape=6)  # x, z, θ, ẋ, ż, ω
    dt, m, g, arm, J = 0.1, 0.5, 9.81, 0.2, 0.01
    for k in range(5):
        thrust = U[k, 0] + U[k, 1]
        s[3] += dt * (-thrust * np.sin(s[2]) / m)
        s[4] += dt * (thrust * np.cos(s[2]) / m - g)
        s[5] += dt * arm * (U[k, 1] - U[k, 0]) / J
        s[0] += dt * s[3]
        s[1] += dt * s[4]
        s[2] += dt * s[5]
    return np.sum((s[:2] - 0.05 * target_qr) ** 2) + s[2] ** 2 + 0.1 * np.sum(s[3:] ** 2) + 1e-3 * np.sum(u**2)


def pid_clip_loop(k):
    """A PID loop around a first-order plant with actuator limits: the gains by np.exp, the control np.clip'ped to
    [−2, 2], the integral and the derivative of the error by Python floats rebound each step, the plant advanced by
    Euler, the integral of the squared error and of the control effort."""
    Kp, Ki, Kd = np.exp(k)
    dt = float(t_pid[1] - t_pid[0])
    y, integ, prev = 0.0, 0.0, ref_pid[0]
    cost = 0.0
    for t in range(len(t_pid)):
        e = ref_pid[t] - y
        integ = integ + e * dt
        u = np.clip(Kp * e + Ki * integ + Kd * (e - prev) / dt, -2.0, 2.0)
        prev = e
        y = y + dt * (-y + 1.5 * u)
        cost = cost + dt * (e**2 + 0.01 * u**2)
    return cost


def allpass_phaser(a):
    """A two-stage phaser: first-order allpass sections y[n] = c x[n] + x[n−1] − c y[n−1] written sample by sample into
    np.zeros_like(a, shape=N), the coefficients by np.tanh, the wet/dry mix by expit and a gain; the squared error to a target."""
    c1, c2 = np.tanh(a[0]), np.tanh(a[1])
    mix = special.expit(a[2])
    N = len(x_ph)
    y1 = np.zeros_like(a, shape=N)
    y2 = np.zeros_like(a, shape=N)
    for n in range(N):
        y1[n] = c1 * x_ph[n] + (x_ph[n - 1] if n else 0.0) - (c1 * y1[n - 1] if n else 0.0)
        y2[n] = c2 * y1[n] + (y1[n - 1] if n else 0.0) - (c2 * y2[n - 1] if n else 0.0)
    out = a[3] * ((1 - mix) * x_ph + mix * y2)
    return np.mean((out - want_ph) ** 2)


def cbow_eye_softmax(w):
    """A continuous bag of words over a 6-word vocabulary: contexts one-hot by np.eye(V)[ctx], averaged over the window,
    embedded by @ E, scored by @ W, the log-softmax by difflab.scipy.special.logsumexp(keepdims=True), the targets'
    log-probabilities picked by a one-hot product np.eye(V)[tgt] * logp, an L2 term."""
    V = 6
    E, W = w[:18].reshape(V, 3), w[18:].reshape(3, V)
    onehot = np.eye(V)[ctx_cb]
    h = onehot.mean(axis=1) @ E
    logits = h @ W
    logp = logits - dspecial.logsumexp(logits, axis=1, keepdims=True)
    return -np.sum(np.eye(V)[tgt_cb] * logp) / len(tgt_cb) + 1e-2 * np.sum(w**2)


def lattice_forward(z):
    """A left-to-right 3-state lattice (an alignment HMM): emission log-scores by log-softmax over 5 frames, learned
    transition scores with forbidden arcs at −inf, the forward recursion by np.logaddexp.reduce(α[:, None] + logA,
    axis=0), the total by difflab.scipy.special.logsumexp; the negative log-likelihood."""
    Em = z[:15].reshape(5, 3)
    logB = Em - dspecial.logsumexp(Em, axis=1, keepdims=True)
    T = z[15:24].reshape(3, 3) + trans_mask_lt
    logA = T - np.logaddexp.reduce(T, axis=1, keepdims=True)
    alpha = np.array([0.0, -np.inf, -np.inf]) + logB[0]
    for t in range(1, 5):
        alpha = np.logaddexp.reduce(alpha[:, None] + logA, axis=0) + logB[t]
    return -dspecial.logsumexp(alpha[1:]) + 0.01 * np.sum(z**2)


def snell_lens_trace(c):
    """A thick lens traced exactly: parallel rays at 7 heights, each surface's normal angle np.arcsin(y·curvature),
    Snell's law by np.arcsin(n₁/n₂ · sin(incidence)), the ray carried through the glass by np.tan; the rms spot size on
    a screen and the lens thickness as a cost."""
    c1, c2, t = c[0], c[1], np.exp(c[2])
    n = 1.5
    phi1 = np.arcsin(h_sn * c1)
    u1 = np.arcsin(np.sin(phi1) / n) - phi1
    y2 = h_sn + t * np.tan(u1)
    phi2 = np.arcsin(y2 * c2)
    u2 = np.arcsin(n * np.sin(u1 + phi2)) - phi2
    y_img = y2 + 3.0 * np.tan(u2)
    return np.sqrt(np.mean(y_img**2)) + 0.05 * t


def gompertz_makeham(p):
    """A Gompertz–Makeham survival model with right censoring: hazard λ + α e^{βt} with α through covariates,
    the events' log hazards picked by boolean indexing t[event], the cumulative hazard of everyone, the NLL."""
    lam, beta = np.exp(p[0]), np.exp(p[1])
    alpha = np.exp(p[2] + X_gm @ p[3:])
    H = lam * t_gm + alpha / beta * np.expm1(beta * t_gm)
    h_ev = lam + alpha[event_gm] * np.exp(beta * t_gm[event_gm])
    return -(np.sum(np.log(h_ev)) - np.sum(H))


def ricker_harvest(p):
    """A Ricker stock–recruitment model under a constant harvest rate: r, K by np.exp, the rate by expit; the stock
    rebound each year with Python's max(·, 0.05) as a floor, the catches appended to a list, a log-catch fit."""
    r, K, hr = np.exp(p[0]), np.exp(p[1]), special.expit(p[2])
    N = 2.0
    catches = []
    for year in range(len(catch_rk)):
        N = N * np.exp(r * (1.0 - N / K))
        catch = hr * N
        catches.append(catch)
        N = max(N - catch, 0.05)
    return np.sum((np.log(np.stack(catches)) - np.log(catch_rk)) ** 2)


def plackett_luce(s):
    """A Plackett–Luce ranking model of 6 competitors over 5 races of 4: the finishers' strengths by s[rank], the
    log-denominators over the remaining field by np.logaddexp.accumulate of the reversed order ([:, ::-1]), an L2
    prior."""
    S = s[rank_pl]
    tail = np.logaddexp.accumulate(S[:, ::-1], axis=1)[:, ::-1]
    return -np.sum(S[:, :-1] - tail[:, :-1]) + 0.1 * np.sum(s**2)


def horn_schunck(uv):
    """Horn–Schunck optical flow on a 6×6 image pair: the image derivatives by np.gradient(I1) (a tuple), the temporal
    one by I2 − I1; the brightness-constancy residual Ix u + Iy v + It, a smoothness term by np.diff along both
    axes."""
    u, v = uv[:36].reshape(6, 6), uv[36:].reshape(6, 6)
    Iy, Ix = np.gradient(I1_hs)
    It = I2_hs - I1_hs
    data = np.sum((Ix * u + Iy * v + It) ** 2)
    smooth = sum(np.sum(np.diff(f, axis=ax) ** 2) for f in (u, v) for ax in (0, 1))
    return data + 0.05 * smooth


def idm_car_following(p):
    """The intelligent driver model calibrated to a follower's positions: v₀, T, a, b, s₀ by np.exp, the desired gap
    s* = s₀ + vT + vΔv/(2√(ab)), the acceleration a(1 − (v/v₀)⁴ − (s*/s)²); positions and speeds written into
    np.zeros_like(p, shape=9) by x[t + 1] = …, the speed floored by np.maximum(·, 0)."""
    v0, T, a, b, s0 = np.exp(p)
    x = np.zeros_like(p, shape=9)
    v = np.zeros_like(p, shape=9)
    x[0], v[0] = 5.0, 13.0
    dt = 0.5
    for t in range(8):
        xl_prev = xl_idm[t - 1] if t else 30.0
        vl = (xl_idm[t] - xl_prev) / dt
        s = xl_idm[t] - x[t] - 4.5
        s_star = s0 + v[t] * T + v[t] * (v[t] - vl) / (2 * np.sqrt(a * b))
        acc = a * (1 - (v[t] / v0) ** 4 - (s_star / s) ** 2)
        v[t + 1] = np.maximum(v[t] + acc * dt, 0.0)
        x[t + 1] = x[t] + v[t] * dt
    return np.mean((x[1:] - x_obs_idm) ** 2) / 100.0


def battery_thevenin(p):
    """A battery's first-order Thevenin equivalent circuit: R0, R1, C1 and the capacity by np.exp, the RC voltage's
    exact discrete decay np.exp(−dt/(R1 C1)), the state of charge counted down, the open-circuit voltage by np.polyval;
    the terminal voltages appended to a list and np.stack'ed, their squared error."""
    R0, R1, C1, Q = np.exp(p)
    dt = 0.3
    decay = np.exp(-dt / (R1 * C1))
    soc, v1 = 0.9, 0.0
    V = []
    for k in range(len(I_bt)):
        v1 = v1 * decay + R1 * (1 - decay) * I_bt[k]
        soc = soc - I_bt[k] * dt / Q
        V.append(np.polyval(ocv_bt, soc) - R0 * I_bt[k] - v1)
    return 100.0 * np.mean((np.stack(V) - V_bt) ** 2)


def colebrook_pipes(p):
    """Three pipes' roughness fitted to measured head losses: Reynolds numbers, the friction factor started from
    Swamee–Jain and refined by 6 fixed-point iterations of Colebrook–White (np.log10, np.sqrt), Darcy–Weisbach losses."""
    eps = np.exp(p[:3]) * 1e-4
    nu = 1e-6 * np.exp(p[3])
    A = np.pi * D_cb**2 / 4
    vel = Q_cb / A
    Re = vel * D_cb / nu
    f = 0.25 / np.log10(eps / (3.7 * D_cb) + 5.74 / Re**0.9) ** 2
    for _ in range(6):
        f = (-2.0 * np.log10(eps / (3.7 * D_cb) + 2.51 / (Re * np.sqrt(f)))) ** -2
    h = f * L_cb / D_cb * vel**2 / (2 * 9.81)
    return np.sum((np.log(h) - np.log(h_obs_cb)) ** 2) + 0.01 * np.sum(p**2)


def jc69_pruning(b):
    """Felsenstein's pruning on the 4-taxon tree ((A,B),(C,D)) under Jukes–Cantor: branch lengths by np.exp, each
    branch's transition matrix 0.25 + (I − 0.25)·e^{−4t/3}, the tips one-hot by np.eye(4)[seq], partial likelihoods by
    @ and products, the root by the uniform frequencies, the log-likelihood of 10 sites."""
    t = np.exp(b)

    def P(tk):
        return 0.25 + (np.eye(4) - 0.25) * np.exp(-4.0 * tk / 3.0)

    tips = np.eye(4)[seqs_jc]  # (taxon, site, state)
    left = (tips[0] @ P(t[0]).T) * (tips[1] @ P(t[1]).T)
    right = (tips[2] @ P(t[2]).T) * (tips[3] @ P(t[3]).T)
    root = left * (right @ P(t[4]).T)
    return -np.sum(np.log(root @ np.full(4, 0.25)))


def bateman_chain(l):
    """A 4-member decay chain by the Bateman solution: decay constants by np.exp, the denominators Π_{j≠i}(λ_j − λ_i) by
    np.subtract.outer with np.eye on the diagonal and np.prod, the last member's activity at 6 times against
    measurements on a log scale."""
    lam = np.exp(l)
    M = np.subtract.outer(lam, lam).T + np.eye(4)
    denom = np.prod(M, axis=1)
    N4 = np.prod(lam[:3]) * np.sum(np.exp(-np.outer(t_bm, lam)) / denom, axis=1)
    return np.sum((np.log(lam[3] * N4) - np.log(A_bm)) ** 2)


def solow_growth(p):
    """A Solow growth model: the capital share and the saving rate by expit, depreciation by np.exp; capital per
    worker grown year by year with np.append onto the path, output k^α, the growth rates by np.diff(np.log(·)) against
    observed ones, the horizon T = float(len(obs))."""
    alpha, s, delta = special.expit(p[0]), special.expit(p[1]), np.exp(p[2])
    k = np.array([1.0])
    for _ in range(len(g_obs_sl)):
        k = np.append(k, k[-1] + s * k[-1] ** alpha - (delta + 0.02) * k[-1])
    g = np.diff(np.log(k**alpha))
    T = float(len(g_obs_sl))
    return np.sum((g - g_obs_sl) ** 2) / T * 1e4


def erlang_c_staffing(p):
    """Call-centre waiting times by Erlang C with 6 agents over 6 periods: the offered load A = λ/μ, the Poisson sum
    Σ A^k/k! by Python's sum over math.factorial(k), the probability of waiting, the mean wait P_w/(cμ − λ); the
    arrival rates' smoothness and a target wait."""
    lam, mu = np.exp(p[:6]), np.exp(p[6])
    c = 6
    A = lam / mu
    tail = A**c / math.factorial(c) * c / (c - A)
    Pw = tail / (sum(A**k / math.factorial(k) for k in range(c)) + tail)
    W = Pw / (c * mu - lam)
    return np.sum((W - 0.05) ** 2) * 100 + np.sum((lam - lam_ec) ** 2) + 0.1 * np.sum(np.diff(p[:6]) ** 2)


def points():
    r = np.random.default_rng(15)
    lj = np.array([[0, 0, 0], [1.1, 0, 0], [0.55, 0.95, 0], [0.55, 0.32, 0.9]], float)
    return {
        "lj_coordination": (lj + 0.03 * r.normal(size=lj.shape)).ravel(),
        "debye_scattering": np.array([0, 0, 0, 1.1, 0.1, 0, 0.5, 1.0, -0.1, 0.4, 0.3, 0.95]) + 0.02 * r.normal(size=12),
        "sir_rk4": np.array([np.log(0.6), np.log(0.25), -4.0]),
        "planar_quadrotor": 2.4 + 0.3 * r.normal(size=10),
        "pid_clip_loop": np.log(np.array([1.2, 0.8, 0.05])),
        "allpass_phaser": np.array([0.3, -0.4, 0.2, 0.9]),
        "cbow_eye_softmax": 0.5 * r.normal(size=36),
        "lattice_forward": 0.5 * r.normal(size=24),
        "snell_lens_trace": np.array([0.6, -0.3, np.log(0.2)]),
        "gompertz_makeham": np.array([-3.0, -1.2, -2.5, 0.3, -0.2]),
        "ricker_harvest": np.array([np.log(0.8), np.log(12.0), -0.5]),
        "plackett_luce": 0.3 * r.normal(size=6),
        "horn_schunck": 0.1 * r.normal(size=72),
        "idm_car_following": np.log(np.array([30.0, 1.5, 1.0, 1.5, 2.0])),
        "battery_thevenin": np.log(np.array([0.05, 0.02, 200.0, 60.0])),
        "colebrook_pipes": np.array([0.2, -0.3, 0.5, 0.1]),
        "jc69_pruning": np.log(np.array([0.1, 0.15, 0.2, 0.3, 0.12])),
        "bateman_chain": np.log(np.array([0.9, 0.5, 0.3, 0.15])),
        "solow_growth": np.array([-0.8, -1.5, np.log(0.05)]),
        "erlang_c_staffing": np.concatenate([np.log(lam_ec), [np.log(1.1)]]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: value-dependent graphs dl.prepare refuses by name (ricker_harvest's Python max(·, 0.05) on a traced stock)
SPECIALISED = {"ricker_harvest"}
#: (f, g·cos(k + 1), |g|²) of the flattened gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "lj_coordination": (-5.344316776658004, 1.154199959438993, 302.75224015844276),  # jax, n=12
    "debye_scattering": (1.157670551849892, -1.7333124917873495, 5.818084245328152),  # jax, n=12
    "sir_rk4": (0.26559939136066985, 1.1777522353712737, 14.168755259685557),  # jax, n=3
    "planar_quadrotor": (3.4309409594628404, 3.2544402028283903, 120.13932586109836),  # jax, n=10
    "pid_clip_loop": (0.44506335944690345, -0.041248807837203014, 0.002700485783565608),  # jax, n=3
    "allpass_phaser": (1.2205607660817233, -1.1387334706856522, 3.127839170214513),  # jax, n=4
    "cbow_eye_softmax": (1.9661985708394911, 0.21767702828617397, 0.10058118791647476),  # jax, n=36
    "lattice_forward": (4.616446729262923, -0.1181881990048295, 2.110447333972431),  # jax, n=24
    "snell_lens_trace": (0.1379842688562821, 0.46634665708556705, 0.5047779189163071),  # jax, n=3
    "gompertz_makeham": (22.607851019671816, -9.87288293831973, 71.2420774445902),  # jax, n=5
    "ricker_harvest": (0.3378534883617124, -2.5172923141757186, 27.08149984290479),  # jax, n=3
    "plackett_luce": (16.78903628971015, -0.5946731558447206, 7.206764303332364),  # jax, n=6
    "horn_schunck": (0.2942311631943468, -0.13217787450133062, 0.1538730696509763),  # jax, n=72
    "idm_car_following": (0.03255133204847792, 0.0066674552099590155, 0.009416032471965227),  # jax, n=5
    "battery_thevenin": (1.807265945189436, -0.9324739514451365, 1.249227970020772),  # jax, n=4
    "colebrook_pipes": (2.9133105004606303, -0.5567162399797858, 0.5752653428805365),  # jax, n=4
    "jc69_pruning": (46.36104993329462, -0.23713690290591652, 9.039505666668076),  # jax, n=5
    "bateman_chain": (39.404166169791644, 37.62404430407805, 1880.8209940415775),  # jax, n=4
    "solow_growth": (0.11339651815161535, -0.5055236867684334, 1.1703576283121309),  # jax, n=3
    "erlang_c_staffing": (7.930235241372391, -220.6758862600551, 30973.878235946093),  # jax, n=7
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "lj_coordination": (-4.634891296526427, 6.217741252685208, 1111.2019426348213),  # jax, n=12
    "debye_scattering": (1.0552867417206424, -1.370621421212824, 10.276787147958329),  # jax, n=12
    "sir_rk4": (0.3449124072482934, 1.6000510900725906, 21.538493258212114),  # jax, n=3
    "planar_quadrotor": (3.532316036992291, 3.300379201830876, 123.82392603091085),  # jax, n=10
    "pid_clip_loop": (0.4436637430403533, -0.031055819390418883, 0.0008294387790272268),  # jax, n=3
    "allpass_phaser": (1.229723306405964, -1.1805594478612518, 2.9742711473137744),  # jax, n=4
    "cbow_eye_softmax": (1.9857154677744102, 0.2010323553268907, 0.10148818943175451),  # jax, n=36
    "lattice_forward": (4.6323093589816, -0.10517310855795542, 2.110350876772992),  # jax, n=24
    "snell_lens_trace": (0.1381828490969683, 0.46452697196257386, 0.5033372557324611),  # jax, n=3
    "gompertz_makeham": (22.75629732532397, -10.963507399824337, 88.18676696332825),  # jax, n=5
    "ricker_harvest": (0.1814682540813758, -0.7391475259545944, 0.817061726554301),  # jax, n=3
    "plackett_luce": (16.64594678717395, -0.6482590007682476, 6.572583360188691),  # jax, n=6
    "horn_schunck": (0.3035010954169912, -0.13123706024746046, 0.15514503090249898),  # jax, n=72
    "idm_car_following": (0.02998091379124438, 0.011030629607827906, 0.00945131383982895),  # jax, n=5
    "battery_thevenin": (1.7474049610689755, -0.9336367500074146, 1.2393946181591442),  # jax, n=4
    "colebrook_pipes": (2.9376394888562527, -0.5488301301266606, 0.5874672761168989),  # jax, n=4
    "jc69_pruning": (46.52548199716288, -0.200120746976672, 9.300547989806564),  # jax, n=5
    "bateman_chain": (38.50252973576066, 37.24265079567794, 1821.374246840485),  # jax, n=4
    "solow_growth": (0.0862558730284497, -0.17548986223280424, 0.05563069708585957),  # jax, n=3
    "erlang_c_staffing": (5.049447528561264, -133.65734294766472, 11468.529799744738),  # jax, n=7
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS = {
    "allpass_phaser": (-1.0300947196402672, 11.826976391502427),  # jax.hessian
    "snell_lens_trace": (-0.041130769069499515, 0.08278129067935758),  # jax.hessian
    "gompertz_makeham": (-20.293984036148487, 871.6671876860618),  # jax.hessian
    "plackett_luce": (-1.0749517037702676, 23.047010146367043),  # jax.hessian
    "colebrook_pipes": (0.160564221212329, 0.24207351629791724),  # jax.hessian
    "jc69_pruning": (0.7551091802040383, 5.6783146132964175),  # jax.hessian
    "bateman_chain": (-7.7438712622744355, 940.2692231964281),  # jax.hessian
    "erlang_c_staffing": (2326.4141563816047, 17935513.007916726),  # jax.hessian
}

#: symbolic Hessians over 0.2 s, left out (the module docstring gives their times)
NO_SYMBOLIC_HESSIAN = {
    "plackett_luce",
    "jc69_pruning",
    "gompertz_makeham",
    "erlang_c_staffing",
    "snell_lens_trace",
    "bateman_chain",
    "colebrook_pipes",
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(POINTS))
def test_gradient_of_user_code_at_two_points(name, method):
    """dl.value_and_grad at the point equals JAX's; prepared there and called twice at the second point (the
    general path, then the armed common case), JAX's there; the specialised one is refused by dl.prepare by name
    and differentiated fresh at the second point. (lattice_forward's prepared symbolic value was NaN.)"""
    f = FUNCS[list(POINTS).index(name)]
    at_two_points(
        f,
        POINTS[name],
        GRAD[name],
        PERTURBED[name],
        method,
        lambda s, v, g: check_gradient(s, v, g, gradient_tol(method)),
        specialised=name in SPECIALISED,
    )


test_hessian_of_user_code = hessian_test(
    POINTS,
    HESS,
    globals(),
    no_symbolic=NO_SYMBOLIC_HESSIAN,
    doc="""dl.hessian of the small loop-free ones equals jax.hessian's.""",
)


@pytest.mark.parametrize("method", METHODS)
def test_logsumexp_over_an_all_minus_inf_set_prepared(method):
    """lattice_forward's prepared symbolic value was NaN (fresh, right): logsumexp's SymPy form shifted by the set's
    max, -inf for a lattice's unreachable state, and -inf - (-inf) is NaN in the lambdified code (the impl shifts by 0
    there). NumPy's value, prepared at one point and called at another, and the gradient: the softmax of the
    reachable entries; symbolic Hessians (and symbolic inside forward, reverse inside symbolic), NaN before."""
    mask = np.array([[0.0, -np.inf, 0.0], [-np.inf, -np.inf, -np.inf]])

    def f(x):
        A = x.reshape(2, 3) + mask
        a = np.logaddexp.reduce(A, axis=1)  # a[1] = -inf
        b = dspecial.logsumexp(A, axis=1, keepdims=True)
        return np.logaddexp(a[0], a[1]) + np.logaddexp(b[1, 0], x[4])

    def want(x):
        s = np.exp(x[[0, 2]] - np.logaddexp(x[0], x[2]))
        return np.array([s[0], 0.0, s[1], 0.0, 1.0, 0.0])

    x0, x1 = np.array([0.3, 1.0, -0.4, 2.0, 0.7, -1.0]), np.array([-0.2, 0.5, 0.6, 1.0, -0.3, 0.4])
    p = dl.prepare(f, x0, method=method)
    tol = 1e-8 if method == "numeric" else 1e-14
    for x in (x0, x1):
        assert p(x) == pytest.approx(f(x), rel=1e-14)
        np.testing.assert_allclose(p.grad(x), want(x), rtol=tol, atol=tol)
    if method == "symbolic":  # its Hessians were NaN (the module docstring)
        s = 1.0 / (1.0 + np.exp(x0[2] - x0[0]))
        H = np.zeros((6, 6))
        H[np.ix_([0, 2], [0, 2])] = s * (1 - s) * np.array([[1.0, -1.0], [-1.0, 1.0]])
        for m in ("symbolic", ("forward", "symbolic"), ("symbolic", "reverse"), ("reverse", "symbolic")):
            np.testing.assert_allclose(dl.hessian(f, method=m)(x0), H, rtol=1e-14, atol=1e-15)
