"""What a user writes, round 19: functions in plain NumPy (difflab.scipy.linalg and scipy.special where users reach for
them) from domains the first eighteen rounds do not cover.

Finance: SABR implied volatilities by Hagan's formula, z/x(z) guarded at the money by np.where(z == 0, 1, z / xz) under
np.errstate; a Vasicek zero curve through a keyword-only pricing function. Radiative transfer: an aerosol layer's
two-stream reflectance and transmittance by np.cosh/np.sinh over a surface. Signal: an analog Butterworth low-pass from
its complex poles, H(iω) multiplied up in a Python loop over them, 20 log₁₀|H|. Robotics: a 3-link arm's reach and
Yoshikawa manipulability sqrt(det(J Jᵀ)), the Jacobian's columns list comprehensions np.stack'ed. Fisheries: a
Beverton–Holt stock assessment, biomass stepped in a Python list. Nuclear: point reactor kinetics by forward Euler, the
power grown by np.append. Optics: a Gaussian beam's complex q through ABCD tuples. Aerodynamics: Prandtl's lifting line
by np.linalg.solve. Structural dynamics: a shear building's stiffness assembled `K[i:i + 2, i:i + 2] += …` into
np.zeros_like, its frequencies by the generalized eigh(K, M). Meta-analysis: DerSimonian–Laird's τ² = max(0, ·) by
Python's max (specialised: prepare refuses it by name). Psychophysics: a Weibull psychometric function with a lapse
rate, np.clip and xlogy. Actuarial: annuity factors under Gompertz–Makeham by np.cumprod. Wind energy: a Weibull site
and a power curve cut out by np.where, np.trapezoid, on float32 data and parameters. Colour science: a float32 colour
correction matrix judged by CIELAB ΔE (np.cbrt under np.where). Contact mechanics: Greenwood–Williamson asperities, the
separation by Newton steps started from .max().item() of the data. Heat transfer: ε-NTU by np.minimum/np.maximum.
Hydraulics: Manning's normal depth by fixed-point sweeps. Geophysics: two buried spheres by variable projection
(solve(KᵀK, Kᵀg)). Rocketry: a vertical ascent through the ISA atmosphere, burnout by np.where, drag by Python's abs,
the mass np.clip'ed.

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the first
point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source of these functions run with
np = jax.numpy and special = jax.scipy.special, and four spellings JAX needs: sabr_hagan's np.errstate dropped and its
where written double (JAX's gradient of the single where is NaN at the money), shear_building's `+=` as .at[…].add and
eigh(K, M) by the Cholesky-reduced eigvalsh, random_effects_ci's max(0, ·) as np.maximum, hertz_contact's
np.sqrt(max(z − d, 0)) double-where'd (JAX's gradient is NaN for the asperities out of contact; difflab's is finite,
the one-sided derivative 0). The float32 ones at their float32 points in float64 (difflab computes float32 arguments in
float64, as docs/api.md says). Hessians: the two kept (arm_manipulability, shear_building) were picked for the file's
time.

What they met (first run, 20 functions × 4 methods, fresh and prepared at two points): 76 of 80 right, values and
gradients all right; sabr_hagan failed under all four on a DomainWarning ("v22 = div(v9, v20): invalid value
encountered in divide") for the 0/0 in where's untaken branch, which the user had silenced by np.errstate and NumPy
never says (symbolic, numeric, forward and every prepared call warned; fresh reverse did not). Fixed: a user's equation
recorded under their own np.errstate ignoring 'divide' or 'invalid' is a graph.Quiet equation, silent for that error
(test_a_nan_the_user_silenced_by_np_errstate_is_silent). The symbolic method's preparation dominates the file's time
(sabr_hagan, beverton_holt, butterworth_fit: ~1 s each), most of it SymPy's assumption queries in shifts.shift_free
over the scalar intermediates of these recursions; the loops were shortened for it (4 years, 5 Newton steps, ...).
"""

import math
import warnings

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
from difflab.scipy import linalg as dlinalg
from user_code import METHODS, hessian_test, two_points_test

# ---------------------------------------------------------------- data

K_sb = np.array([0.020, 0.030, 0.045])  # strikes; the forward 0.03 is one of them
F_sb, T_sb = 0.03, 2.0
vol_sb = np.array([0.2786, 0.2098, 0.1910])  # market Black vols
tau_vs = np.array([0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0])  # years
y_vs = np.array([2.103, 2.158, 2.258, 2.46, 2.65, 2.95, 3.161, 3.347])  # zero yields, %
lam_ts = np.array([0.44, 0.55, 0.67, 0.87, 1.24])  # µm
as_ts = np.array([0.05, 0.08, 0.10, 0.30, 0.25])  # surface albedo
A_ts = np.array([0.1446, 0.1511, 0.1542, 0.3125, 0.2575])  # top-of-atmosphere albedo
w_bw = 2 * np.pi * np.logspace(2, 4, 5)  # rad/s
db_bw = np.array([3.0, 3.27, -0.24, -37.08, -76.7])  # measured gain, dB
L_mp = [1.0, 0.8, 0.5]  # link lengths, m
target_mp = np.array([1.2, 1.0])
C_bh = np.array([22.0, 30.0, 35.0, 41.0])  # catches, kt
I_bh = np.array([1.10, 0.98, 0.78, 0.66])  # survey index
rho_rk = np.clip(np.arange(20) / 8.0, 0.0, 1.0)  # reactivity ramp, shape
logn_rk = np.log(np.array([1.0, 1.07, 1.22, 1.41]))  # log power every 4th step
z_gb = np.array([0.05, 0.10, 0.15, 0.20, 0.25, 0.30])  # m behind the lens
w_gb = np.array([0.66, 0.36, 0.09, 0.31, 0.64, 0.97]) * 1e-3  # beam radius, m
m_sb = np.array([2.0, 2.0, 1.8, 1.5])  # storey masses, t
f_sb = np.array([0.36, 0.95, 1.40, 1.75])  # measured natural frequencies, Hz
v_ma = np.array([0.04, 0.09, 0.02, 0.06, 0.12, 0.03, 0.05, 0.08])  # within-study variances
x_pf = np.array([-2.0, -1.7, -1.4, -1.1, -0.8, -0.5])  # log10 contrast
n_pf = np.array([40, 40, 40, 40, 40, 40])
k_pf = np.array([21, 23, 29, 35, 38, 39])  # correct responses
ages_la = np.array([55.0, 62.0, 69.0, 76.0])
t_la = np.arange(30.0)
price_la = np.array([15.9, 13.1, 10.2, 7.6])  # annuity-due factors quoted
v_wd = np.arange(0.5, 30.0, 1.0, dtype=np.float32)  # m/s, bin centres
hist_wd = np.array(
    [0.030, 0.070, 0.100, 0.118, 0.122, 0.115, 0.101, 0.083, 0.064, 0.047, 0.033, 0.022, 0.014, 0.009, 0.005]
    + [0.003] * 3
    + [0.001] * 4
    + [0.0] * 8,
    dtype=np.float32,
)
rgb_lc = np.array(
    [
        [0.42, 0.31, 0.25],
        [0.75, 0.58, 0.49],
        [0.30, 0.38, 0.55],
        [0.28, 0.36, 0.22],
        [0.50, 0.48, 0.70],
        [0.35, 0.68, 0.62],
    ],
    dtype=np.float32,
)  # a colour checker's first six patches as the camera sees them
lab_lc = np.array(
    [
        [37.99, 13.56, 14.06],
        [65.71, 18.13, 17.81],
        [49.93, -4.88, -21.93],
        [43.14, -13.10, 21.91],
        [55.11, 8.84, -25.40],
        [70.72, -33.40, -0.20],
    ]
)  # their reference CIELAB
M_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])  # linear sRGB → XYZ
white_lc = np.array([0.95047, 1.0, 1.08883])
z_hc = np.array([1.20, 0.85, 1.05, 0.40, 1.12, 0.99])  # asperity heights, µm
mh_hx = np.array([0.5, 0.8, 1.0, 1.2, 1.5])  # hot-side flow, kg/s
mc_hx = np.array([1.0, 1.0, 0.8, 0.7, 0.6])  # coolant flow, kg/s
Th_hx = np.array([61.5, 66.2, 68.8, 71.9, 74.3])  # hot outlet, °C (90 °C in, coolant 20 °C in)
Q_mn = np.array([5.0, 12.0, 25.0, 60.0])  # discharge, m³/s
y_mn = np.array([1.02, 1.70, 2.38, 3.66])  # gauged depth, m
x_ga = np.linspace(-10.0, 10.0, 11)  # station, km
g_ga = np.array([0.21, 0.33, 0.55, 0.98, 1.62, 1.85, 1.41, 1.05, 0.93, 0.64, 0.38])  # Bouguer anomaly, mGal

# ---------------------------------------------------------------- functions


def sabr_hagan(p):
    """SABR calibration by Hagan's formula (β = 1/2): α, ν by np.exp and ρ by np.tanh; z/x(z) is 0/0 at the money, so
    the user writes np.where(z == 0, 1, z / xz) under np.errstate; the squared error in vol points."""
    alpha, rho, nu = np.exp(p[0]), np.tanh(p[1]), np.exp(p[2])
    beta = 0.5
    logfk = np.log(F_sb / K_sb)
    fkb = (F_sb * K_sb) ** ((1 - beta) / 2)
    z = nu / alpha * fkb * logfk
    with np.errstate(divide="ignore", invalid="ignore"):
        xz = np.log((np.sqrt(1 - 2 * rho * z + z**2) + z - rho) / (1 - rho))
        ratio = np.where(z == 0, 1.0, z / xz)
    denom = fkb * (1 + (1 - beta) ** 2 / 24 * logfk**2 + (1 - beta) ** 4 / 1920 * logfk**4)
    corr = (
        1
        + (
            (1 - beta) ** 2 / 24 * alpha**2 / fkb**2
            + rho * beta * nu * alpha / (4 * fkb)
            + (2 - 3 * rho**2) / 24 * nu**2
        )
        * T_sb
    )
    vol = alpha / denom * ratio * corr
    return np.sum((vol - vol_sb) ** 2) * 1e4


def vasicek_zero(tau, *, a, b, sigma, r0):
    """The Vasicek zero-coupon bond price P(τ) = A(τ)·exp(−B(τ)r₀), keyword-only parameters."""
    B = -np.expm1(-a * tau) / a
    lnA = (b - sigma**2 / (2 * a**2)) * (B - tau) - sigma**2 * B**2 / (4 * a)
    return np.exp(lnA - B * r0)


def vasicek_curve(p):
    """A Vasicek short-rate model fitted to a zero curve: prices by vasicek_zero called with keyword arguments, the
    mean level and short rate in percent, the yields −log P/τ in percent, their squared error."""
    P = vasicek_zero(tau_vs, a=np.exp(p[0]), b=p[1] / 100, sigma=np.exp(p[2]), r0=p[3] / 100)
    y = -np.log(P) / tau_vs * 100
    return np.sum((y - y_vs) ** 2)


def two_stream_albedo(p):
    """An aerosol layer over a surface in the hemispheric-mean two-stream approximation: optical depth by Ångström's
    law, single-scattering albedo by expit and asymmetry by tanh; the layer's diffuse reflectance and transmittance
    by np.cosh/np.sinh, the surface added by the adding formula; the squared error to satellite albedos."""
    tau = np.exp(p[0]) * (lam_ts / 0.55) ** (-p[1])
    w, g = special.expit(p[2]), np.tanh(p[3])
    g1, g2 = 2 - w * (1 + g), w * (1 - g)
    k = np.sqrt(g1**2 - g2**2)
    d = k * np.cosh(k * tau) + g1 * np.sinh(k * tau)
    R, T = g2 * np.sinh(k * tau) / d, k / d
    A = R + T**2 * as_ts / (1 - R * as_ts)
    return np.sum((A - A_ts) ** 2) * 1e3


def butterworth_fit(p):
    """A 4th-order analog Butterworth low-pass fitted to a measured magnitude response: its poles
    ω_c·exp(iπ(2k + n − 1)/2n) (complex, traced), H(iω) as a product over the poles in a Python loop, 20 log₁₀|H|."""
    wc, gain_db = np.exp(p[0]), p[1]
    n = 4
    k = np.arange(1, n + 1)
    poles = wc * np.exp(1j * np.pi * (2 * k + n - 1) / (2 * n))
    s = 1j * w_bw
    H = 10 ** (gain_db / 20) * np.ones(len(s), dtype=complex)
    for pk in poles:
        H = H * (-pk) / (s - pk)
    mag = 20 * np.log10(np.abs(H))
    return np.mean((mag - db_bw) ** 2)


def arm_manipulability(q):
    """A planar 3-link arm reaching a target while keeping away from singularities: the end effector by Python sums
    of np.cos/np.sin chains of the cumulative angles, the Jacobian's columns by list comprehensions np.stack'ed,
    Yoshikawa's manipulability sqrt(det(J Jᵀ))."""
    th = np.cumsum(q)
    c, s = np.cos(th), np.sin(th)
    x = sum(L_mp[i] * c[i] for i in range(3))
    y = sum(L_mp[i] * s[i] for i in range(3))
    cols = [
        np.stack([-sum(L_mp[i] * s[i] for i in range(j, 3)), sum(L_mp[i] * c[i] for i in range(j, 3))])
        for j in range(3)
    ]
    J = np.stack(cols, axis=1)
    w = np.sqrt(np.linalg.det(J @ J.T))
    return (x - target_mp[0]) ** 2 + (y - target_mp[1]) ** 2 - 0.1 * w


def beverton_holt(p):
    """A surplus-production stock assessment with Beverton–Holt recruitment in steepness form: unfished recruitment
    by np.exp, steepness in (0.2, 1) by expit, the survey's catchability; biomass S ← 0.6S + R(S) − C stepped over the
    catches, appended to a Python list and np.stack'ed; the survey index's lognormal misfit."""
    R0, h, q = np.exp(p[0]), 0.2 + 0.8 * special.expit(p[1]), np.exp(p[2])
    S0 = R0 / 0.4
    S = S0
    stock = []
    for C in C_bh:
        stock.append(S)
        R = 4 * h * R0 * S / (S0 * (1 - h) + S * (5 * h - 1))
        S = 0.6 * S + R - C
    S = np.stack(stock)
    return np.sum((np.log(I_bh) - np.log(q * S)) ** 2)


def reactor_kinetics(p):
    """Point reactor kinetics with one delayed-neutron group under a reactivity ramp: β by expit, λ and the generation
    time Λ by np.exp, the ramp's height; forward Euler from equilibrium, the power grown by np.append; the log power
    every fourth step against measurements."""
    beta, lam, Lam = 0.01 * special.expit(p[0]), np.exp(p[1]), np.exp(p[2])
    dt = 0.05
    n = np.array([1.0])
    C = beta / (Lam * lam)
    for k in range(12):
        rho = p[3] * 1e-3 * rho_rk[k]
        dn = (rho - beta) / Lam * n[-1] + lam * C
        C = C + dt * (beta / Lam * n[-1] - lam * C)
        n = np.append(n, n[-1] + dt * dn)
    return np.sum((np.log(n[::4]) - logn_rk) ** 2)


def gaussian_beam(p):
    """A Gaussian beam through a thin lens by ABCD matrices on the complex beam parameter q (traced, complex): the
    waist by np.exp, M² by np.exp, the lens's focal length; q ← (Aq + B)/(Cq + D) over a list of (A, B, C, D) tuples,
    the radius sqrt(−λM²/(π Im(1/q))) behind the lens against a knife-edge scan."""
    w0, M2, f = 1e-3 * np.exp(p[0]), np.exp(p[1]), 0.1 * p[2]
    lam = 1.064e-6 * M2
    q = 1j * math.pi * w0**2 / lam
    for A, B, C, D in [(1.0, 0.3, 0.0, 1.0), (1.0, 0.0, -1 / f, 1.0)]:
        q = (A * q + B) / (C * q + D)
    qz = q + z_gb
    w = np.sqrt(-lam / (math.pi * (1 / qz).imag))
    return np.sum(((w - w_gb) * 1e3) ** 2)


def lifting_line(p):
    """Prandtl's lifting line for a tapered, twisted wing of aspect ratio 8: taper by expit, washout and angle of
    attack; the Fourier coefficients of the circulation by np.linalg.solve at four stations, C_L = πAR·A₁ and the
    induced drag πAR·Σ n A_n²; 1/e plus a penalty holding C_L at 0.5."""
    AR, a0 = 8.0, 2 * math.pi
    taper, twist, alpha = special.expit(p[0]), p[1], p[2]
    theta = np.linspace(np.pi / 8, np.pi / 2, 4)
    n = np.array([1.0, 3.0, 5.0, 7.0])
    c = 2 / (AR * (1 + taper)) * (1 - (1 - taper) * np.abs(np.cos(theta)))  # span 1
    alpha_geo = alpha - twist * np.abs(np.cos(theta))
    M = np.sin(np.outer(theta, n)) * (4 / (a0 * c[:, None]) + n / np.sin(theta)[:, None])
    A = np.linalg.solve(M, alpha_geo)
    CL = math.pi * AR * A[0]
    CDi = math.pi * AR * np.sum(n * A**2)
    return CDi / CL**2 * math.pi * AR + 100 * (CL - 0.5) ** 2


def shear_building(p):
    """A 4-storey shear building's modal identification: storey stiffnesses by np.exp, K assembled element by element
    `K[i:i + 2, i:i + 2] += k·[[1, −1], [−1, 1]]` into np.zeros_like, the ground spring last; the natural
    frequencies by the generalized problem eigh(K, M) against measured ones."""
    k = np.exp(p)  # kN/m over t: ω² in s⁻²
    K = np.zeros_like(k, shape=(5, 5))
    for i in range(4):
        K[i : i + 2, i : i + 2] += k[i] * np.array([[1.0, -1.0], [-1.0, 1.0]])
    K = K[1:, 1:]  # storey 0's lower node is the ground
    w2 = dlinalg.eigh(K, np.diag(m_sb), eigvals_only=True)
    f = np.sqrt(w2) / (2 * math.pi)
    return np.sum((f / f_sb - 1) ** 2) * 100


def random_effects_ci(y):
    """A DerSimonian–Laird random-effects meta-analysis of eight studies' effects (traced: the sensitivity of the
    upper confidence bound to each study): Cochran's Q, τ² = max(0, ·) by Python's max, the pooled estimate
    and its standard error, μ + 1.96·se."""
    w = 1 / v_ma
    mu_fe = np.sum(w * y) / np.sum(w)
    Q = np.sum(w * (y - mu_fe) ** 2)
    tau2 = max(0.0, (Q - (len(y) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    ws = 1 / (v_ma + tau2)
    mu = np.sum(ws * y) / np.sum(ws)
    se = np.sqrt(1 / np.sum(ws))
    return mu + 1.96 * se


def psychometric_fit(p):
    """A 2AFC psychometric function, Weibull in log contrast, with guess rate ½ and a lapse rate in (0, 0.1) by expit;
    ψ clipped by np.clip(ψ, 1e-9, 1 − 1e-9); the binomial negative log-likelihood by scipy.special.xlogy."""
    alpha, beta, lapse = p[0], np.exp(p[1]), 0.1 * special.expit(p[2])
    F = 1 - np.exp(-(10 ** (beta * (x_pf - alpha))))
    psi = np.clip(0.5 + (0.5 - lapse) * F, 1e-9, 1 - 1e-9)
    return -np.sum(special.xlogy(k_pf, psi) + special.xlogy(n_pf - k_pf, 1 - psi))


def life_annuity(p):
    """Pricing life annuities under Gompertz–Makeham mortality: one-year survival exp(−A − B e^{gx}(e^g − 1)/g) on
    the grid ages × years by broadcasting, survival to each year by np.cumprod with a leading column of ones, the
    annuity-due factors Σ vᵗ ₜpₓ at the interest rate i (in percent); the squared error to quoted factors."""
    A, B, g, i = np.exp(p[0]), np.exp(p[1]), np.exp(p[2]), p[3] / 100
    x = ages_la[:, None] + t_la[None, :]
    px = np.exp(-A - B * np.exp(g * x) * np.expm1(g) / g)
    tpx = np.concatenate([np.ones((len(ages_la), 1)), np.cumprod(px, axis=1)[:, :-1]], axis=1)
    v = (1 + i) ** -t_la
    return np.sum((tpx @ v - price_la) ** 2)


def wind_aep(p):
    """A wind site's Weibull distribution fitted to a float32 histogram of hub-height speeds, the turbine's power curve
    a logistic with cut-out by np.where(v > 25, 0, P); the annual energy by np.trapezoid; misfit minus 0.1·AEP."""
    k, c, v50 = np.exp(p[0]), np.exp(p[1]), p[2]
    u = v_wd / c
    pdf = k / c * u ** (k - 1) * np.exp(-(u**k))
    P = np.where(v_wd > 25, 0.0, 2000 * special.expit((v_wd - v50) / 1.5))  # kW
    aep = 8760 * np.trapezoid(pdf * P, v_wd) / 1e6  # GWh
    return 1e3 * np.sum((pdf - hist_wd) ** 2) - 0.1 * aep


def lab_color_correction(ccm):
    """A camera's 3×3 colour-correction matrix (float32, flat) judged by CIELAB ΔE76 on a colour checker: camera RGB
    @ Cᵀ to linear sRGB, to XYZ over the D65 white, CIELAB's f by np.where(t > δ³, np.cbrt(t), t/3δ² + 4/29)."""
    C = ccm.reshape(3, 3)
    xyz = rgb_lc @ C.T @ M_xyz.T / white_lc
    d = 6 / 29
    f = np.where(xyz > d**3, np.cbrt(xyz), xyz / (3 * d**2) + 4 / 29)
    L = 116 * f[:, 1] - 16
    a, b = 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])
    dE = np.sqrt((L - lab_lc[:, 0]) ** 2 + (a - lab_lc[:, 1]) ** 2 + (b - lab_lc[:, 2]) ** 2)
    return np.mean(dE)


def hertz_contact(p):
    """Greenwood–Williamson contact of a rough surface: six asperities' Hertz forces (4/3)E√R·max(z − d, 0)^{3/2}; the
    separation d balancing the load by five Newton steps from below the highest asperity (found by .max().item()
    on the data); the real contact area πR·Σ max(z − d, 0)."""
    E, R, W = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    d = z_hc.max().item() - 0.1
    for _ in range(5):
        pen = np.maximum(z_hc - d, 0.0)
        F = 4 / 3 * E * np.sqrt(R) * np.sum(pen**1.5)
        dF = -2 * E * np.sqrt(R) * np.sum(np.sqrt(pen))
        d = d - (F - W) / dF
    return math.pi * R * np.sum(np.maximum(z_hc - d, 0.0))


def heat_exchanger(p):
    """A counterflow heat exchanger identified by ε-NTU from five runs: UA by np.exp scaled with the hot flow's power
    law, the coolant's heat capacity by np.exp; C_min, C_max by np.minimum/np.maximum, the effectiveness, the hot
    outlet temperature against measured."""
    UA = 1e3 * np.exp(p[0]) * (mh_hx / 1.0) ** p[1]
    Ch, Cc = mh_hx * 4186.0, mc_hx * 1e3 * np.exp(p[2])
    Cmin, Cmax = np.minimum(Ch, Cc), np.maximum(Ch, Cc)
    Cr, NTU = Cmin / Cmax, UA / Cmin
    e = np.exp(-NTU * (1 - Cr))
    eff = (1 - e) / (1 - Cr * e)
    Th_out = 90.0 - eff * Cmin * (90.0 - 20.0) / Ch
    return np.sum((Th_out - Th_hx) ** 2)


def manning_depth(p):
    """Normal depth in a trapezoidal channel by Manning's equation: roughness, slope and side slope by np.exp; the
    depth at four discharges by five fixed-point sweeps A = (Qn P^{2/3}/√S)^{3/5}, y = (√(b² + 4zA) − b)/2z; the
    squared error to gauged depths."""
    n, S, z = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    b = 4.0
    y = np.ones_like(Q_mn)
    for _ in range(5):
        P = b + 2 * y * np.sqrt(1 + z**2)
        A = (Q_mn * n * P ** (2 / 3) / np.sqrt(S)) ** 0.6
        y = (np.sqrt(b**2 + 4 * z * A) - b) / (2 * z)
    return np.sum((y - y_mn) ** 2) * 100


def gravity_spheres(p):
    """Two buried spheres under a gravity profile by variable projection: their positions and depths (np.exp)
    traced, the kernel z/r³ per station and sphere, the excess masses by the normal equations solve(KᵀK, Kᵀg); the
    residual's sum of squares."""
    xs, zs = p[:2], np.exp(p[2:])
    dx = x_ga[:, None] - xs[None, :]
    K = zs / (dx**2 + zs**2) ** 1.5
    m = np.linalg.solve(K.T @ K, K.T @ g_ga)
    return np.sum((K @ m - g_ga) ** 2)


def rocket_ascent(p):
    """A sounding rocket's vertical ascent: mass flow, specific impulse and drag area by np.exp; 10 Euler steps with the
    ISA density (np.where at the tropopause), thrust until burnout by np.where(m > dry, …), drag ½ρv|v|C_dA by
    Python's abs, the mass np.clip'ed at the dry mass; the apogee h + v²/2g against 15 km."""
    mdot, Isp, CdA = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    h, v, m = 0.0, 0.0, 500.0
    dt, dry = 3.0, 200.0
    for _ in range(10):
        T = np.where(h < 11000, 288.15 - 0.0065 * h, 216.65)
        rho = np.where(h < 11000, 1.225 * (T / 288.15) ** 4.256, 0.3639 * np.exp(-(h - 11000) / 6341.6))
        thrust = np.where(m > dry, Isp * 9.81 * mdot, 0.0)
        a = (thrust - 0.5 * rho * v * abs(v) * CdA) / m - 9.81
        h, v, m = h + dt * v, v + dt * a, np.clip(m - dt * mdot, dry, None)
    return (h + v**2 / (2 * 9.81) - 15000.0) ** 2 / 1e6


def points():
    return {
        "sabr_hagan": np.array([np.log(0.035), np.arctanh(-0.3), np.log(0.5)]),
        "vasicek_curve": np.array([np.log(0.3), 4.0, np.log(0.012), 2.0]),
        "two_stream_albedo": np.array([np.log(0.3), 1.3, 2.5, 0.75]),
        "butterworth_fit": np.array([np.log(2 * np.pi * 1000), 3.0]),
        "arm_manipulability": np.array([0.3, 0.9, 0.6]),
        "beverton_holt": np.array([np.log(60.0), 1.0, np.log(0.0075)]),
        "reactor_kinetics": np.array([0.3, np.log(0.08), np.log(1e-3), 2.0]),
        "gaussian_beam": np.array([np.log(1.0), np.log(1.3), 1.5]),
        "lifting_line": np.array([-0.5, 0.05, 0.08]),
        "shear_building": np.log(np.array([80.0, 70.0, 60.0, 50.0])),
        "random_effects_ci": np.array([0.60, 0.12, 0.75, 0.20, -0.30, 0.58, 0.25, -0.15]),
        "psychometric_fit": np.array([-1.5, np.log(1.5), -2.0]),
        "life_annuity": np.array([np.log(5e-4), np.log(3e-5), np.log(0.1), 3.0]),
        "wind_aep": np.array([np.log(2.0), np.log(7.5), 9.0], dtype=np.float32),
        "lab_color_correction": np.array([1.6, -0.4, -0.2, -0.3, 1.5, -0.2, 0.0, -0.5, 1.5], dtype=np.float32),
        "hertz_contact": np.array([np.log(100.0), np.log(20.0), np.log(50.0)]),
        "heat_exchanger": np.array([np.log(2.0), 0.6, np.log(3.5)]),
        "manning_depth": np.array([np.log(0.03), np.log(1e-3), np.log(1.5)]),
        "gravity_spheres": np.array([-4.0, 3.0, np.log(2.5), np.log(4.0)]),
        "rocket_ascent": np.array([np.log(12.0), np.log(200.0), np.log(0.2)]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: (f, g·cos(k + 1), |g|²) of the gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "sabr_hagan": (0.0701241221474771, -3.4039832913509254, 14.033013418891217),  # jax, n=3
    "vasicek_curve": (0.003992684557462728, 0.023409350339981025, 0.004926523004054641),  # jax, n=4
    "two_stream_albedo": (0.03901610494005445, -0.2964989571906992, 0.13256454213316043),  # jax, n=4
    "butterworth_fit": (0.04444550736301777, -0.7496013647555918, 2.165455871135756),  # jax, n=2
    "arm_manipulability": (0.1477963960020425, 0.7107083402264908, 2.073508114171497),  # jax, n=3
    "beverton_holt": (0.0014593023485433346, -0.013183880731145839, 0.0006345220579058719),  # jax, n=3
    "reactor_kinetics": (0.00020607443011948958, 0.0005429489823476218, 6.887082653001161e-06),  # jax, n=4
    "gaussian_beam": (0.003370755379021756, 0.2638791927334526, 0.05455745832537594),  # jax, n=3
    "lifting_line": (5.1192731220856, 166.05889062032898, 49087.055940138285),  # jax, n=3
    "shear_building": (0.10158480099687535, 1.6223278372933863, 5.203210428018762),  # jax, n=4
    "random_effects_ci": (0.577807617864219, -0.009181681562221837, 0.16583051806704044),  # jax, n=8
    "psychometric_fit": (117.11929192672625, -36.56963588524088, 4777.893361039806),  # jax, n=3
    "life_annuity": (0.042397147264106184, -2.893678402316336, 6.924430980798854),  # jax, n=4
    "wind_aep": (3.004785796404804, -5.835995692376913, 1580.8479823814675),  # jax, n=3
    "lab_color_correction": (20.418593849070838, 8.138168428423953, 1320.0834864525227),  # jax, n=9
    "hertz_contact": (15.091255777804374, -24.735979297718632, 455.4686983150232),  # jax, n=3
    "heat_exchanger": (1.0616521821265792, 25.179720767518095, 1609.2944219696549),  # jax, n=3
    "manning_depth": (0.5263553163915542, 27.79699459919034, 697.8863296216508),  # jax, n=3
    "gravity_spheres": (1.6616918489414052, 2.200574064695865, 8.10959674135508),  # jax, n=4
    "rocket_ascent": (0.9572450036367965, 42.72092744372056, 5067.466473829579),  # jax, n=3
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "sabr_hagan": (2.9742172573956607, 26.077455709527914, 13882.538800086952),  # jax, n=3
    "vasicek_curve": (0.008472960431517044, 0.07451429968091777, 0.02308868101317679),  # jax, n=4
    "two_stream_albedo": (0.2136290631420897, 4.687684629170775, 45.98561420171196),  # jax, n=4
    "butterworth_fit": (0.9840468309365535, 23.340426869317877, 1964.1104266393384),  # jax, n=2
    "arm_manipulability": (0.23312551597342632, 0.7679195917324279, 3.4093600985837145),  # jax, n=3
    "beverton_holt": (0.018519708110891254, -0.1441583869625347, 0.758209970396196),  # jax, n=3
    "reactor_kinetics": (0.000290641827287658, 0.0010924873931290955, 2.9636871424974243e-05),  # jax, n=4
    "gaussian_beam": (0.01003597735415905, 0.47784687068314263, 0.1878044667669587),  # jax, n=3
    "lifting_line": (8.189050474285832, 226.2297674428182, 94617.00752811924),  # jax, n=3
    "shear_building": (0.051453615222448304, 0.6416568093521176, 0.8348073601513845),  # jax, n=4
    "random_effects_ci": (0.5887239229599963, -0.007663329375703577, 0.16574177204792548),  # jax, n=8
    "psychometric_fit": (114.79121974777651, -32.629193147281555, 3784.5869727949976),  # jax, n=3
    "life_annuity": (0.5456074619604057, -87.373738263093, 6868.1114513277425),  # jax, n=4
    "wind_aep": (5.810242991292428, -6.470699533481806, 2962.2885834574945),  # jax, n=3
    "lab_color_correction": (21.176266299910964, -24.482479232963247, 1493.9595378351885),  # jax, n=9
    "hertz_contact": (14.949468078529387, -25.628798148360335, 488.80886575351576),  # jax, n=3
    "heat_exchanger": (2.5811926832936902, 35.27689674635475, 10505.63094689818),  # jax, n=3
    "manning_depth": (0.9833495688606843, 50.292284928081685, 2335.540633121183),  # jax, n=3
    "gravity_spheres": (1.7484965062938533, 2.3125450512867576, 8.838337976509589),  # jax, n=4
    "rocket_ascent": (5.633003972745819, -66.49127325880609, 12860.207728472098),  # jax, n=3
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings)
HESS_ALL = {
    "sabr_hagan": (536.3001797158607, 5976689.694629124),  # jax, n=3
    "vasicek_curve": (1.0471405992368974, 139.9816981331372),  # jax, n=4
    "two_stream_albedo": (88.87732075516413, 13563.910609770885),  # jax, n=4
    "butterworth_fit": (495.1324749538594, 1168655.068382849),  # jax, n=2
    "arm_manipulability": (1.0855989829319241, 55.734278807365015),  # jax, n=3
    "beverton_holt": (-2.4969734154101686, 508.2780813172737),  # jax, n=3
    "reactor_kinetics": (0.00925232384551558, 0.03409463980862202),  # jax, n=4
    "gaussian_beam": (4.079296016782891, 119.16528634317838),  # jax, n=3
    "lifting_line": (1029.971104603545, 38231369.86265872),  # jax, n=3
    "shear_building": (-19.61190302384044, 2447.704624892376),  # jax, n=4
    "random_effects_ci": (0.03704552677249105, 0.1581073491522139),  # jax, n=8
    "psychometric_fit": (75.70562659176284, 42430.32316276582),  # jax, n=3
    "life_annuity": (-1672.246270803749, 44609815.440383896),  # jax, n=4
    "wind_aep": (-15.834083883535243, 71889.02406044793),  # jax, n=3
    "lab_color_correction": (-627.4904876137834, 453510.4567932584),  # jax, n=9
    # hertz_contact: JAX's Hessian is NaN (max(z − d, 0)^{3/2}'s second derivative 0·∞ at the asperities out of contact)
    "heat_exchanger": (220.259421433592, 5383786.901654358),  # jax, n=3
    "manning_depth": (445.36030031818854, 2967063.539475771),  # jax, n=3
    "gravity_spheres": (2.353495936966253, 19.109411524419492),  # jax, n=4
    "rocket_ascent": (1765.3424573670723, 8370844.962071286),  # jax, n=3
}


test_gradient_of_user_code_at_two_points = two_points_test(
    POINTS, FUNCS, GRAD, PERTURBED, specialised={"random_effects_ci"}, float32={"wind_aep", "lab_color_correction"}
)


#: the small ones' Hessians
HESS = {k: HESS_ALL[k] for k in ("arm_manipulability", "shear_building")}

test_hessian_of_user_code = hessian_test(
    POINTS, HESS, globals(), doc="dl.hessian of the small ones equals jax.hessian's."
)


def _ratio(p, kinds=("divide", "invalid")):
    """sabr_hagan's guard alone: z/log(1 + z) → 1 at z = 0, under the user's np.errstate ignoring `kinds`."""
    z = p * np.array([0.0, 0.5, -0.4])
    with np.errstate(**{k: "ignore" for k in kinds}):
        r = np.where(z == 0, 1.0, z / np.log1p(z))
    return np.sum(r**2)


@pytest.mark.parametrize("method", METHODS)
def test_a_nan_the_user_silenced_by_np_errstate_is_silent(method):
    # on main symbolic, numeric and forward (and every prepared call) gave "DomainWarning: v3 = div(v1, v2): invalid
    # value encountered in divide" for the 0/0 of where's untaken branch, which NumPy itself, under the user's
    # np.errstate, answers silently; fresh reverse said nothing. The gradient is the double-where spelling's:
    # Σ 2r·(log1p(z) − z/(1 + z))/log1p(z)² · z/p over the two nonzero z.
    z = 1.3 * np.array([0.5, -0.4])
    r = z / np.log1p(z)
    want = np.sum(2 * r * (np.log1p(z) - z / (1 + z)) / np.log1p(z) ** 2 * z / 1.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dl.grad(_ratio, method=method)(1.3) == pytest.approx(want, rel=1e-6 if method == "numeric" else 1e-12)
        p = dl.prepare(_ratio, 1.3, method=method)
        for _ in range(2):
            assert p.grad(1.3) == pytest.approx(want, rel=1e-6 if method == "numeric" else 1e-12)
    # 0/0 is an invalid value, not a division by zero: ignoring 'divide' only leaves it said, as NumPy says it
    with pytest.warns(dl.DomainWarning, match="invalid value encountered in divide"):
        dl.grad(lambda p: _ratio(p, kinds=("divide",)), method=method)(1.3)
    # an np.errstate around the call, not the user's line, is not the user's: said as before
    with np.errstate(invalid="ignore"), pytest.warns(dl.DomainWarning, match="invalid value encountered in divide"):
        dl.grad(lambda p: _ratio(p, kinds=()), method=method)(1.3)
