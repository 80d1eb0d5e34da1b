"""What a user writes, round 18: functions in plain NumPy (and scipy.special where users reach for it) from domains the
first seventeen rounds do not cover.

Hydrology: Green–Ampt infiltration, its implicit cumulative infiltration by fixed-point sweeps over all times at once;
Nash's cascade unit hydrograph with scipy.special.gamma, routed by np.convolve(…)[:12]. Acoustics: a shoebox room's
impulse response by first-order image sources (a list comprehension of traced coordinates np.stack'ed, Gaussian
arrivals summed by Python's sum), the source located. Finance: Black–Litterman's posterior by np.linalg.inv's
precision form and np.linalg.solve. Metrology: Deming regression, both instruments' readings traced. Text: a softmax
topic model by np.einsum('dk,kw->dw'). Neuroscience: a leaky integrate-and-fire neuron, v += … in a Python loop, an
expit surrogate spike and a smooth reset, spikes in a Python float. Control: an LQR-like cost by the Lyapunov recursion
X = A X Aᵀ + Q in a loop. Econometrics: Heckman's selection likelihood by scipy.special.log_ndtr and np.where. Sports:
Glicko ratings' likelihood, accumulated per player by a one-hot product instead of np.add.at. Materials: a compressible
Mooney–Rivlin energy in the deformation gradient (np.linalg.det, np.trace; the gradient is the stress, the Hessian the
tangent). Oceanography: the depth from the wave dispersion relation by Newton steps over all periods. Seismology: a
hypocentre by a Huber misfit (np.where on Python's abs). Geodesy: a 7-parameter Helmert transformation of WGS84 ECEF
coordinates. Biomechanics: a Hill-type muscle, activation written a[t + 1] = … into np.zeros_like(p, shape=13),
np.where force–velocity, np.expm1 passive force. Astronomy: a galaxy rotation curve, exponential disc and NFW halo by
np.log1p. Antennas: a linear array's beam pattern from complex weights a·np.exp(1j·φ), 20 log₁₀|AF| and a boolean mask
of constant angles. Chemistry: a dual-site Langmuir isotherm on float32 data with float32 parameters. Genetics:
Hardy–Weinberg with inbreeding, genotype frequencies np.stack'ed on axis 1, gammaln constants. Meteorology: the Magnus
dew point calibrated on float32 station data.

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the
first point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source of these functions run
with np = jax.numpy and special = jax.scipy.special, hill_muscle's item writes as .at[…].set and lqr_cost's
np.diag(list) as np.diag(np.array(list)); the float32 ones at their float32 points in float64 (difflab computes
float32 arguments in float64, as docs/api.md says). Hessians: those of all 20 under every method equal JAX's but
helmert_transform's numeric one and the float32 ones (see below), checked once; three small ones kept for the file's
time.

What they met (first run, 20 functions × 4 methods, fresh and prepared at two points): 79 of 80 right; the one left,
hypocenter_location under numeric at its first point, was a true NumericAccuracyWarning: with every residual in the
Huber loss's linear part, three positive and three negative, ∂f/∂t₀ is exactly 0 and the stencil says it cannot
resolve it (the point moved so that both regimes occur). Checked once and left out: the float32 functions' Hessians
come back float32, not within the exact methods' 1e-9; helmert_transform's numeric Hessian is 5e-4 off on its largest
entries without a warning (f's residuals are differences of 6.4e6 m ECEF coordinates, a round-off inside f that the
Hessian stencil's bound eps·|f| does not see). Symbolic Hessians over 0.15 CPU s are left out (CPU seconds:
image_source_rir's 1.9, black_litterman's 1.8, lqr_cost's 1.8, wave_dispersion's 1.3, array_factor's 1.2, topic_model's
0.9, deming_regression's 0.7, heckman_selection's 0.7, nfw_rotation_curve's 0.7, green_ampt's 0.5, lif_neuron's 0.5).
"""

import math

import numpy as np
import scipy.special as special


from user_code import hessian_test, two_points_test

# ---------------------------------------------------------------- data

t_ga = np.array([0.5, 1.0, 2.0, 3.0])  # h
F_ga = np.array([2.9, 4.4, 6.7, 8.6])  # cm
room_is = np.array([5.0, 4.0, 3.0])  # m
mic_is = np.array([3.5, 1.2, 1.6])
t_is = np.arange(12) / 1000.0 * 3.0  # s
Sigma_bl = np.array(
    [
        [0.040, 0.006, 0.010, 0.004],
        [0.006, 0.025, 0.005, 0.003],
        [0.010, 0.005, 0.060, 0.012],
        [0.004, 0.003, 0.012, 0.015],
    ]
)
w_mkt_bl = np.array([0.35, 0.25, 0.15, 0.25])
P_bl = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
x_dm = np.array([1.1, 2.3, 2.9, 4.2, 5.1, 5.8, 7.2, 8.1])
y_dm = np.array([1.4, 2.2, 3.4, 4.1, 5.5, 6.3, 7.0, 8.6])
counts_tm = np.array([[4, 0, 1, 2, 0, 3], [0, 5, 2, 0, 1, 0], [2, 1, 0, 4, 3, 1]])
I_lif = 1.2 + 0.6 * np.sin(np.arange(14) / 1.5)
rate_lif = 0.11
B_lq = np.array([0.0, 1.0])
Z_hk = np.column_stack([np.ones(10), np.linspace(-1, 1, 10), np.cos(np.arange(10.0))])
X_hk = np.column_stack([np.ones(10), np.sin(np.arange(10.0))])
d_hk = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 1])
y_hk = np.array([1.3, 0.8, 0.0, 1.9, 0.0, 0.4, 1.1, 0.0, 2.2, 0.9])
pl_gk = np.array([0, 0, 1, 2, 1, 3, 0, 2])
op_gk = np.array([1, 2, 2, 3, 3, 0, 3, 1])
s_gk = np.array([1.0, 0.5, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
T_wd = np.array([4.0, 6.0, 8.0, 10.0, 12.0])  # s
L_wd = np.array([24.3, 49.5, 76.8, 104.5, 132.0])  # m
sta_hy = np.array(
    [[0.0, 0.0, 0.0], [10.0, 0.0, 0.1], [0.0, 12.0, 0.2], [9.0, 11.0, 0.0], [5.0, -6.0, 0.3], [-4.0, 5.0, 0.1]]
)  # km
t_hy = np.array([1.911, 1.931, 2.21, 2.156, 2.328, 2.182])  # s
lat_hm = np.radians(np.array([48.1, 48.3, 47.9, 48.6, 48.0]))
lon_hm = np.radians(np.array([11.5, 11.9, 12.3, 11.2, 12.0]))
h_hm = np.array([520.0, 610.0, 480.0, 700.0, 550.0])
act_hm = 0.5 + 0.4 * np.sin(np.arange(12) / 2.0)
lm_hm = 1.0 + 0.1 * np.cos(np.arange(12) / 2.5)
vm_hm = 0.3 * np.sin(np.arange(12) / 3.0)
F_hm = np.array([420.0, 500.0, 560.0, 600.0, 590.0, 540.0])
rain_nc = np.array([0.0, 5.0, 12.0, 8.0, 3.0, 0.0, 0.0, 2.0])
q_nc = np.array([0.0, 0.4, 2.1, 4.6, 6.0, 5.9, 4.9, 3.9, 3.1, 2.4, 1.8, 1.3])
r_rc = np.array([1.0, 2.0, 3.5, 5.0, 7.5, 10.0, 14.0, 18.0])  # kpc
v_rc = np.array([95.0, 140.0, 168.0, 180.0, 186.0, 188.0, 189.0, 187.0])  # km/s
theta_af = np.radians(np.linspace(-60, 60, 9))
mask_af = np.abs(theta_af) > np.radians(20)
P_lg = np.array([0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0], dtype=np.float32)  # bar
q_lg = np.array([0.62, 1.11, 1.83, 2.71, 3.58, 4.25, 4.81], dtype=np.float32)  # mmol/g
n_hw = np.array([[38, 44, 18], [52, 36, 12], [25, 50, 25]])
T_mg = np.array([12.5, 17.0, 21.3, 25.9, 29.4, 8.1], dtype=np.float32)  # °C
RH_mg = np.array([0.82, 0.64, 0.55, 0.48, 0.41, 0.91], dtype=np.float32)
Td_mg = np.array([9.6, 10.2, 11.8, 14.2, 15.0, 6.8], dtype=np.float32)


# ---------------------------------------------------------------- functions


def green_ampt(p):
    """Green–Ampt infiltration under ponding: conductivity and wetting-front suction by np.exp, the moisture deficit by
    expit; the implicit cumulative infiltration F = Kt + ψΔθ log(1 + F/(ψΔθ)) by 6 fixed-point sweeps over all the
    times at once from F = Kt; the squared error to ring-infiltrometer data."""
    K, psi = np.exp(p[0]), np.exp(p[1])
    dtheta = special.expit(p[2])
    s = psi * dtheta
    F = K * t_ga
    for _ in range(6):
        F = K * t_ga + s * np.log(1 + F / s)
    return np.sum((F - F_ga) ** 2)


def room_impulse(src, beta):
    """A shoebox room's impulse response by image sources: the source position mirrored over the six first-order
    images, each a list comprehension of coordinates (2w − x on the mirrored axis) np.stack'ed; arrivals as Gaussian
    pulses exp(−((t − r/c)/σ)²)·β^order/(4πr) summed by Python's sum, normalised to unit energy."""
    images = [(src, 0)]
    for axis in range(3):
        for wall in (0.0, room_is[axis]):
            img = [2 * wall - src[k] if k == axis else src[k] for k in range(3)]
            images.append((np.stack(img), 1))
    arrivals = []
    for pos, order in images:
        r = np.sqrt(np.sum((pos - mic_is) ** 2))
        arrivals.append(beta**order / (4 * math.pi * r) * np.exp(-(((t_is - r / 343.0) / 1.5e-3) ** 2)))
    h = sum(arrivals)
    return h / np.sqrt(np.sum(h**2))


target_is = room_impulse(np.array([1.5, 2.4, 1.2]), 0.73)


def image_source_rir(p):
    """Acoustic source localisation: the source position (traced) and the walls' reflection coefficient by expit fitted
    to a measured impulse response through room_impulse."""
    return np.sum((room_impulse(p[:3], special.expit(p[3])) - target_is) ** 2)


def black_litterman(p):
    """Black–Litterman: equilibrium returns Π = δΣw by reverse optimisation, two views' returns Q (traced) and
    confidences Ω by np.diag(np.exp(·)); the posterior mean by np.linalg.inv's precision form, the mean-variance
    weights by np.linalg.solve normalised to sum to one; their utility at the market's risk aversion."""
    delta, tau = 2.5, 0.05
    Q, Omega = p[:2], np.diag(np.exp(p[2:4]))
    Pi = delta * Sigma_bl @ w_mkt_bl
    prec = np.linalg.inv(tau * Sigma_bl) + P_bl.T @ np.linalg.inv(Omega) @ P_bl
    mu = np.linalg.solve(prec, np.linalg.inv(tau * Sigma_bl) @ Pi + P_bl.T @ np.linalg.solve(Omega, Q))
    w = np.linalg.solve(delta * Sigma_bl, mu)
    w = w / w.sum()
    return -(w @ mu - 0.5 * delta * w @ Sigma_bl @ w) * 100


def deming_regression(p):
    """Deming regression of two instruments' readings (both traced: the sensitivity of the fit to each reading) with
    the error-variance ratio δ = 1.5: the closed-form slope by np.sqrt of the sample moments (np.mean, Python's
    float division), the intercept, the orthogonal residuals' weighted sum of squares and the slope's bias from 1."""
    x, y = p[:8], p[8:]
    delta = 1.5
    mx, my = np.mean(x), np.mean(y)
    sxx, syy = np.mean((x - mx) ** 2), np.mean((y - my) ** 2)
    sxy = np.mean((x - mx) * (y - my))
    b = (syy - delta * sxx + np.sqrt((syy - delta * sxx) ** 2 + 4 * delta * sxy**2)) / (2 * sxy)
    a = my - b * mx
    resid = np.sum((y - a - b * x) ** 2) / (delta + b**2)
    return resid + 10 * (b - 1) ** 2 + a**2


def topic_model(theta):
    """A softmax topic model of 3 documents over 6 words with 2 topics: document–topic and topic–word logits sliced
    and reshaped from one vector, softmax by hand with the max subtracted (keepdims=True), the word probabilities by
    np.einsum('dk,kw->dw'), the multinomial log-likelihood of the counts, an L2 prior."""
    A, B = theta[:6].reshape(3, 2), theta[6:18].reshape(2, 6)
    th = np.exp(A - A.max(axis=1, keepdims=True))
    th = th / th.sum(axis=1, keepdims=True)
    ph = np.exp(B - B.max(axis=1, keepdims=True))
    ph = ph / ph.sum(axis=1, keepdims=True)
    probs = np.einsum("dk,kw->dw", th, ph)
    return -np.sum(counts_tm * np.log(probs)) + 0.05 * np.sum(theta**2)


def lif_neuron(p):
    """A leaky integrate-and-fire neuron under a sinusoidal current: membrane time constant and resistance by np.exp,
    a threshold; 14 Euler steps v += dt(−v + RI)/τ in place, a surrogate spike s = expit((v − θ)/0.05) and a smooth
    reset v = v(1 − s); the firing rate (spikes accumulated in a Python float) against a target rate."""
    tau, R, theta = np.exp(p[0]), np.exp(p[1]), p[2]
    v = 0.0
    spikes = 0.0
    for I in I_lif:
        v += 0.5 * (-v + R * I) / tau
        s = special.expit((v - theta) / 0.05)
        v = v * (1 - s)
        spikes += s
    return (spikes / len(I_lif) - rate_lif) ** 2 * 100 + 0.01 * np.sum(p**2)


def lqr_cost(p):
    """A discrete LQR-like cost: a damped oscillator's 2 × 2 state matrix from traced entries (np.stack of rows), a
    state feedback gain, the closed loop A − BK; its cost as trace(X) with X = Σₖ Aₖ Q Aₖᵀ by 30 steps of the
    Lyapunov recursion X = A X Aᵀ + Q in a loop."""
    A = np.stack([np.stack([1.0 + 0.0 * p[0], 0.1]), np.stack([-0.1 * np.exp(p[0]), 1.0 - 0.1 * p[1]])])
    K = p[2:4]
    Acl = A - np.outer(B_lq, K)
    Q = np.diag([1.0, 0.1]) + 0.5 * np.outer(K, K)
    X = Q
    for _ in range(30):
        X = Acl @ X @ Acl.T + Q
    return np.trace(X)


def heckman_selection(p):
    """Heckman's sample-selection model by maximum likelihood: selection index Zγ, outcome Xβ, σ by np.exp and ρ by
    np.tanh; the selected observations' log-likelihood by scipy.special.log_ndtr of the conditional index over
    math.sqrt-free np.sqrt(1 − ρ²), the unselected ones' log_ndtr(−Zγ), chosen by np.where on the indicator."""
    gamma, beta = p[:3], p[3:5]
    sigma, rho = np.exp(p[5]), np.tanh(p[6])
    zg = Z_hk @ gamma
    e = (y_hk - X_hk @ beta) / sigma
    sel = special.log_ndtr((zg + rho * e) / np.sqrt(1 - rho**2)) - 0.5 * e**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
    return -np.sum(np.where(d_hk == 1, sel, special.log_ndtr(-zg)))


def glicko_ratings(p):
    """Glicko ratings of 4 players from 8 games: ratings (traced, ×100 on the Glicko-2 scale) and rating deviations by
    np.exp; g(φ) = 1/√(1 + 3φ²/π²) with math.pi, the expected score E = expit(g(φ_j)(μ_i − μ_j)); the Bernoulli
    log-likelihood of the (half-point) results accumulated player by player without np.add.at: a one-hot matrix
    product; a prior on the ratings."""
    mu, phi = p[:4], np.exp(p[4:8])
    g = 1 / np.sqrt(1 + 3 * phi[op_gk] ** 2 / math.pi**2)
    E = special.expit(g * (mu[pl_gk] - mu[op_gk]))
    ll_game = s_gk * np.log(E) + (1 - s_gk) * np.log(1 - E)
    onehot = (pl_gk[None, :] == np.arange(4)[:, None]).astype(float)
    ll_player = onehot @ ll_game
    return -np.sum(ll_player) + 0.5 * np.sum(mu**2) + 0.5 * np.sum((p[4:8] + 0.5) ** 2)


def mooney_rivlin(F_flat):
    """A compressible Mooney–Rivlin solid's strain energy at a deformation gradient F (the variable: its gradient is
    the first Piola–Kirchhoff stress, its Hessian the tangent): J = np.linalg.det(F), C = FᵀF, I₁ = np.trace(C),
    I₂ = (I₁² − tr(C²))/2, the isochoric invariants by J^(−2/3) and J^(−4/3), a volumetric (J − 1)² term."""
    F = F_flat.reshape(3, 3)
    c10, c01, kappa = 0.4, 0.1, 5.0
    J = np.linalg.det(F)
    C = F.T @ F
    I1 = np.trace(C)
    I2 = 0.5 * (I1**2 - np.trace(C @ C))
    return c10 * (J ** (-2 / 3) * I1 - 3) + c01 * (J ** (-4 / 3) * I2 - 3) + 0.5 * kappa * (J - 1) ** 2


def wave_dispersion(p):
    """The water depth from swell periods and wavelengths: the linear dispersion relation ω² = gk·tanh(kh) solved for
    k by 5 Newton steps from the deep-water guess over all periods, the depth h by np.exp and a current's Doppler
    shift; the wavelengths 2π/k against the measured ones."""
    h, U = np.exp(p[0]), p[1]
    omega = 2 * np.pi / T_wd
    k = omega**2 / 9.81
    for _ in range(5):
        th = np.tanh(k * h)
        f = 9.81 * k * th - (omega - k * U) ** 2
        df = 9.81 * th + 9.81 * k * h * (1 - th**2) + 2 * U * (omega - k * U)
        k = k - f / df
    return np.sum((2 * np.pi / k - L_wd) ** 2)


def hypocenter_location(p):
    """An earthquake located by Geiger's misfit: hypocentre (x, y, depth) and origin time, P-wave speed by np.exp;
    straight-ray travel times by np.linalg.norm(axis=1), a Huber loss of the residuals by np.where on Python's abs."""
    src, t0, v = p[:3], p[3], 6.0 * np.exp(p[4])
    r = t0 + np.linalg.norm(sta_hy - src, axis=1) / v - t_hy
    a = abs(r)
    return np.sum(np.where(a < 0.05, 0.5 * r**2, 0.05 * (a - 0.025)))


def _ecef(lat, lon, h):
    a, e2 = 6378137.0, 6.69437999014e-3
    N = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    return np.stack(
        [(N + h) * np.cos(lat) * np.cos(lon), (N + h) * np.cos(lat) * np.sin(lon), (N * (1 - e2) + h) * np.sin(lat)],
        axis=1,
    )


def helmert_transform(p):
    """A 7-parameter Helmert transformation between two datums: translations (m), small rotations (arc seconds) in a
    rotation matrix np.stack'ed from traced rows, a scale in ppm; geodetic to ECEF coordinates (WGS84, np.sqrt of
    1 − e² sin²φ); the residuals in metres to the target datum's points."""
    tx, ty, tz = p[0], p[1], p[2]
    rx, ry, rz = p[3:6] * (np.pi / 180 / 3600)
    s = 1 + p[6] * 1e-6
    R = np.stack(
        [np.stack([1.0 + 0 * rz, -rz, ry]), np.stack([rz, 1.0 + 0 * rz, -rx]), np.stack([-ry, rx, 1.0 + 0 * rz])]
    )
    X = _ecef(lat_hm, lon_hm, h_hm)
    Y = np.stack([tx, ty, tz]) + s * X @ R.T
    return np.sum((Y - target_hm) ** 2)


target_hm = _ecef(lat_hm, lon_hm, h_hm) + np.array([1.2, -0.7, 2.4])


def hill_muscle(p):
    """A Hill-type muscle: activation dynamics da/dt = (u − a)/τ written a[t + 1] = … into np.zeros_like(p, shape=13);
    the force–length Gaussian, the force–velocity hyperbola by np.where on the velocity's sign, the passive force by
    np.expm1 of the stretch beyond slack; the force every other step against a dynamometer trace."""
    F0, tau, w, kpe = 800.0 * np.exp(p[0]), np.exp(p[1]), np.exp(p[2]), p[3]
    a = np.zeros_like(p, shape=13)
    a[0] = 0.05
    for t in range(12):
        a[t + 1] = a[t] + 0.01 * (act_hm[t] - a[t]) / tau
    fl = np.exp(-(((lm_hm - 1) / w) ** 2))
    fv = np.where(vm_hm < 0, (1 + vm_hm) / (1 - vm_hm / 0.25), 1.5 - 0.5 * (1 - vm_hm) / (1 + 7.56 * vm_hm / 0.25))
    fpe = np.where(lm_hm > 1, np.expm1(kpe * (lm_hm - 1)) / np.expm1(kpe), 0.0)
    force = F0 * (a[1:] * fl * fv + fpe)
    return np.mean((force[::2] - F_hm) ** 2) / 1e3


def nash_cascade(p):
    """Nash's cascade of n linear reservoirs: the instantaneous unit hydrograph (t/k)^(n−1) e^(−t/k)/(kΓ(n)) with
    scipy.special.gamma, on a 12-hour grid; the runoff np.convolve(rain, uh)[:12] times a runoff coefficient by expit;
    the squared error to the gauged discharge."""
    n, k, c = 1 + np.exp(p[0]), np.exp(p[1]), special.expit(p[2])
    t = np.arange(1.0, 13.0)
    uh = (t / k) ** (n - 1) * np.exp(-t / k) / (k * special.gamma(n))
    q = c * np.convolve(rain_nc, uh)[:12]
    return np.sum((q - q_nc) ** 2)


def nfw_rotation_curve(p):
    """A galaxy's rotation curve: an exponential disc (mass, scale length) and an NFW halo (ρ_s r_s³ and r_s by
    np.exp), the halo's enclosed mass by np.log1p(x) − x/(1 + x), the circular speed √(v_d² + v_h²); the χ² with 5
    km/s errors."""
    Md, Rd, rho, rs = np.exp(p)
    G = 4.30091e-6  # kpc (km/s)² / M_sun
    y = r_rc / (2 * Rd)
    v_disk2 = G * Md / r_rc * (1 - (1 + 2 * y) * np.exp(-2 * y))
    x = r_rc / rs
    v_halo2 = 4 * np.pi * G * rho / r_rc * (np.log1p(x) - x / (1 + x))
    return np.sum((np.sqrt(v_disk2 + v_halo2) - v_rc) ** 2) / 25


def array_factor(p):
    """An 8-element uniform linear array's beam pattern: amplitude tapers by np.exp and phases, complex weights
    a·np.exp(1j·φ), the array factor Σ w_n exp(1j·π n sinθ) by a complex matrix product, the power pattern 20 log₁₀|AF|
    normalised to broadside; the side-lobe level outside ±20° (np.mean of the mask) plus a main-lobe penalty."""
    amp, phase = np.exp(p[:8]), p[8:]
    w = amp * np.exp(1j * phase)
    steer = np.exp(1j * np.pi * np.outer(np.sin(theta_af), np.arange(8)))
    AF = steer @ w
    gain = 20 * np.log10(np.abs(AF) / np.abs(np.sum(w)))
    return np.mean(gain[mask_af] + 40) ** 2 / 100 + np.sum((gain[~mask_af] - np.max(gain[~mask_af])) ** 2)


def langmuir_isotherm(p):
    """A dual-site Langmuir isotherm fitted to float32 adsorption data with float32 parameters: capacities and
    affinities by np.exp, the loading Σ q_m bP/(1 + bP); the squared relative error."""
    q1, q2, b1, b2 = np.exp(p)
    q = q1 * b1 * P_lg / (1 + b1 * P_lg) + q2 * b2 * P_lg / (1 + b2 * P_lg)
    return np.sum(((q - q_lg) / q_lg) ** 2)


def hardy_weinberg(p):
    """Genotype counts in three populations under Hardy–Weinberg with inbreeding: allele frequencies by expit and a
    shared F by expit; the genotype frequencies p² + Fpq, 2pq(1 − F), q² + Fpq as a list np.stack'ed on axis 1; the
    multinomial log-likelihood with scipy.special.gammaln's constant."""
    pa = special.expit(p[:3])
    F = special.expit(p[3])
    qa = 1 - pa
    freq = np.stack([pa**2 + F * pa * qa, 2 * pa * qa * (1 - F), qa**2 + F * pa * qa], axis=1)
    const = np.sum(special.gammaln(n_hw.sum(axis=1) + 1)) - np.sum(special.gammaln(n_hw + 1))
    return -(const + np.sum(n_hw * np.log(freq)))


def magnus_dewpoint(p):
    """Calibrating the Magnus dew-point formula to float32 station data: the coefficients a, b by shifts of 17.62 and
    243.12, a hygrometer gain by np.exp; γ = aT/(b + T) + ln(gain·RH), T_d = bγ/(a − γ); the squared error."""
    a, b = 17.62 + p[0], 243.12 + 10 * p[1]
    gam = a * T_mg / (b + T_mg) + np.log(np.exp(p[2]) * RH_mg)
    Td = b * gam / (a - gam)
    return np.sum((Td - Td_mg) ** 2)


def points():
    r = np.random.default_rng(18)
    return {
        "green_ampt": np.array([np.log(1.2), np.log(8.0), np.log(0.3 / 0.7)]),
        "image_source_rir": np.array([1.3, 2.7, 1.1, 0.8]),
        "black_litterman": np.array([0.02, 0.05, np.log(0.001), np.log(0.002)]),
        "deming_regression": np.concatenate([x_dm, y_dm]),
        "topic_model": 0.5 * r.normal(size=18),
        "lif_neuron": np.array([np.log(4.0), np.log(1.1), 1.0]),
        "lqr_cost": np.array([0.1, 0.5, 0.4, 0.8]),
        "heckman_selection": np.array([0.3, 0.5, -0.2, 0.8, 0.4, np.log(0.6), 0.3]),
        "glicko_ratings": np.concatenate([0.3 * r.normal(size=4), np.log(np.array([0.8, 1.0, 1.2, 0.6]))]),
        "mooney_rivlin": (np.eye(3) + 0.08 * r.normal(size=(3, 3))).ravel(),
        "wave_dispersion": np.array([np.log(15.0), 0.3]),
        "hypocenter_location": np.array([4.0, 5.0, 8.0, 0.28, 0.0]),
        "helmert_transform": np.array([1.0, -0.5, 2.0, 0.3, -0.2, 0.5, 1.5]),
        "hill_muscle": np.array([0.0, np.log(0.05), np.log(0.45), 5.0]),
        "nash_cascade": np.array([np.log(2.0), np.log(1.8), 0.5]),
        "nfw_rotation_curve": np.log(np.array([5e10, 3.0, 1e7 * 20.0**3, 20.0])),
        "array_factor": np.concatenate([0.2 * np.cos(np.arange(8.0) - 3.5), 0.1 * r.normal(size=8)]),
        "langmuir_isotherm": np.array([np.log(3.0), np.log(2.5), np.log(2.0), np.log(0.3)], dtype=np.float32),
        "hardy_weinberg": np.array([0.4, 0.6, 0.0, -1.5]),
        "magnus_dewpoint": np.array([0.2, -0.3, 0.02], dtype=np.float32),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: (f, g·cos(k + 1), |g|²) of the gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "green_ampt": (7.578636328976041, -1.600678176182641, 1619.1164588362183),  # jax, n=3
    "image_source_rir": (0.14292686833736046, -0.2590465928614998, 0.5478637410887446),  # jax, n=4
    "black_litterman": (-1.7844219800545131, 2.0315041842579036, 412.27878281279357),  # jax, n=4
    "deming_regression": (0.28243190134933244, 0.16192265575521658, 0.9080077312456337),  # jax, n=16
    "topic_model": (54.65639567460338, -7.518400517813117, 19.852609141870513),  # jax, n=18
    "lif_neuron": (0.34094176282203786, -0.7309058334423671, 12.118345349419865),  # jax, n=3
    "lqr_cost": (14.1470873297806, -1.677398777715487, 32.93086331024612),  # jax, n=4
    "heckman_selection": (12.649978457250022, 2.456778039485531, 37.18088134578904),  # jax, n=7
    "glicko_ratings": (6.003712795884751, -0.2516456662017442, 7.385477386521238),  # jax, n=8
    "mooney_rivlin": (0.023832021624624583, 0.10810839670499471, 0.4596436175614111),  # jax, n=9
    "wave_dispersion": (241.683920166158, 849.1961185298895, 5161923.44760903),  # jax, n=2
    "hypocenter_location": (0.02216274298470494, -0.09207753206650905, 0.018561761467529015),  # jax, n=5
    "helmert_transform": (834.9868698355615, 891.4146260378707, 8290227.043917316),  # jax, n=7
    "hill_muscle": (38.92676276556245, -9.559742089627717, 801.1474027403998),  # jax, n=4
    "nash_cascade": (50.64581165679215, 22.649561835305082, 5544.974264627804),  # jax, n=3
    "nfw_rotation_curve": (285.5867483139333, 679.5425225093277, 5142753.711967176),  # jax, n=4
    "array_factor": (1067.4012018319147, 1702.253774914044, 8768715.959431931),  # jax, n=16
    "langmuir_isotherm": (1.1114420457860605, 0.6628087140216747, 9.704844338037898),  # jax, n=4
    "hardy_weinberg": (17.319731393223435, 0.8345512233551557, 104.14051463867469),  # jax, n=4
    "magnus_dewpoint": (0.9069103555105781, -64.13402420530362, 4412.842410402882),  # jax, n=3
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "green_ampt": (5.428478690180992, -1.3567580259847973, 1256.6677674515918),  # jax, n=3
    "image_source_rir": (0.13647705469018645, -0.2715550342000849, 0.5283917607047285),  # jax, n=4
    "black_litterman": (-3.5239560936057157, -3.9778013186569985, 1277.4967467215251),  # jax, n=4
    "deming_regression": (0.2926996367511309, 0.19594461067541624, 0.91909896909188),  # jax, n=16
    "topic_model": (54.50814875376929, -7.480964839492179, 19.25923031410426),  # jax, n=18
    "lif_neuron": (0.3148029054951031, -0.6210023437185477, 9.703019642921827),  # jax, n=3
    "lqr_cost": (13.9309655820107, -2.441289337141379, 22.429101141370783),  # jax, n=4
    "heckman_selection": (12.91792481642257, 2.114841090601411, 51.43254444751161),  # jax, n=7
    "glicko_ratings": (5.90466627088128, -0.1912253313735737, 6.8837164685035495),  # jax, n=8
    "mooney_rivlin": (0.022628098677688765, 0.09285466843497636, 0.35070876588304933),  # jax, n=9
    "wave_dispersion": (384.5965514570519, 1128.5765253785082, 8846323.182716751),  # jax, n=2
    "hypocenter_location": (0.03038142365894926, -0.28677422117590845, 0.22109663806017027),  # jax, n=5
    "helmert_transform": (999.0822562281637, 1009.4171779430318, 11000693.360748332),  # jax, n=7
    "hill_muscle": (37.604506985491746, -4.013662009936939, 422.2957752461171),  # jax, n=4
    "nash_cascade": (55.024006967092106, 22.73992080728891, 7279.384399494179),  # jax, n=3
    "nfw_rotation_curve": (367.38189104976595, 740.8988121314617, 7043157.888615182),  # jax, n=4
    "array_factor": (1563.0522688395852, 11718.345691259841, 63591862.74254151),  # jax, n=16
    "langmuir_isotherm": (0.9837421471391063, 0.6436800256548121, 9.284028001877122),  # jax, n=4
    "hardy_weinberg": (16.814565179172746, 0.9185403380765872, 76.54604182708027),  # jax, n=4
    "magnus_dewpoint": (1.4735201863945058, -83.08264376925781, 7393.805852520145),  # jax, n=3
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS_ALL = {
    "green_ampt": (4.565672178200462, 6068.160932641271),  # jax, n=3
    "image_source_rir": (-0.24333744966572934, 3.1448035870456192),  # jax, n=4
    "black_litterman": (-113.70056441542776, 192092.25027667492),  # jax, n=4
    "deming_regression": (0.6892650233867146, 27.19785988954121),  # jax, n=16
    "topic_model": (0.7191880730119965, 63.87770588372661),  # jax, n=18
    "lif_neuron": (2.423866819074441, 269.9170999750661),  # jax, n=3
    "lqr_cost": (-15.537811217413616, 4116.567621766361),  # jax, n=4
    "heckman_selection": (-5.9038691298894195, 1195.7798035197384),  # jax, n=7
    "glicko_ratings": (1.2188029222373817, 18.206722508689758),  # jax, n=8
    "mooney_rivlin": (-0.3183868096056531, 197.9085108629557),  # jax, n=9
    "wave_dispersion": (5545.15728798347, 171388232.15063423),  # jax, n=2
    "hypocenter_location": (-2.661284314761488, 82.99159389602367),  # jax, n=5
    "helmert_transform": (2360.050584828553, 182114096.46243677),  # jax, n=7
    "hill_muscle": (106.80029839219976, 269729.26645395486),  # jax, n=4
    "nash_cascade": (1.2371983367753308, 43320.19082833747),  # jax, n=3
    "nfw_rotation_curve": (1222.8963741321998, 128569812.58546089),  # jax, n=4
    "array_factor": (36791.71706301446, 632586414.6920588),  # jax, n=16
    "langmuir_isotherm": (-0.3621736978892221, 3.938678497683407),  # jax, n=4
    "hardy_weinberg": (1.6709990547538336, 5235.600618775303),  # jax, n=4
    "magnus_dewpoint": (-378.85112726285416, 6997676.16297943),  # jax, n=3
}


test_gradient_of_user_code_at_two_points = two_points_test(
    POINTS, FUNCS, GRAD, PERTURBED, float32={"langmuir_isotherm", "magnus_dewpoint"}
)


#: the small ones' Hessians
HESS = {k: HESS_ALL[k] for k in ("mooney_rivlin", "hardy_weinberg", "glicko_ratings")}
#: symbolic Hessians over 0.15 CPU s, left out (the module docstring gives their times)
NO_SYMBOLIC_HESSIAN = set()

test_hessian_of_user_code = hessian_test(
    POINTS, HESS, globals(), no_symbolic=NO_SYMBOLIC_HESSIAN, doc="dl.hessian of the small ones equals jax.hessian's."
)
