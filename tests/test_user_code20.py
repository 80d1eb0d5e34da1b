"""What a user writes, round 20: functions in plain NumPy (scipy.special, difflab.scipy.special's logsumexp and
difflab.scipy.linalg's expm where users reach for SciPy) from domains the first nineteen rounds do not cover.

Acoustics: a classroom's reverberation by Eyring's formula over octave bands, each surface's absorption a list
comprehension np.stack'ed, np.log1p(−ᾱ), math.prod of the room's size. Genetics: a Wright–Fisher population under
selection and mutation, its binomial transition matrix by gammaln/xlogy/xlog1py, `dist = dist @ P` in a loop into a
Python list. Photonics: a Fabry–Pérot etalon's Airy transmission summed in complex form, |t|². Econometrics: a
random-effects probit by log_ndtr, integrated by Gauss–Hermite nodes through logsumexp with b= weights. Power
systems: a long transmission line by complex √(zy), cosh, sinh, np.conj and np.angle(deg=True). Astronomy: a Sérsic
galaxy with b_n = gammaincinv(2n, ½) of a traced n, np.hypot of rotated offsets, a Poisson likelihood. Cosmology:
Press–Schechter cluster counts, σ(R) by np.trapezoid over a k grid with the top-hat window. Materials: a two-term
Ogden energy by eigvalsh(FᵀF) and det. Reinforcement learning: exact policy evaluation by np.linalg.solve(I − γP_π,
r_π), `mu0.T @ V`. Control: an H2 cost with the Lyapunov equation written by Kronecker sums (column-major flatten and
reshape). Geometry: an octahedral mesh's volume and area by np.cross and np.einsum. Sports: Fast4 tennis, the set by
dynamic programming over a list of lists with math.comb. Traffic: stochastic user equilibrium by successive averages
(x0.copy(), x = x + (y − x)/(k + 1)). Audio: a soft-knee compressor, np.where gain computer, np.clip, a smoothing loop
writing g[n] = … into np.zeros_like. Quantum control: an X gate from four pulses by expm(−iHdt) of complex
Hamiltonians. Crystallography: a hexagonal powder pattern (Bragg angles by np.arcsin and np.degrees, pseudo-Voigt
peaks, a closed-form scale). Hydrogeology: Theis's drawdown by exp1 through keyword-only arguments. Chemistry: a
titration's pH by Newton steps on ln[H⁺]. Credit: CDS hazard rates by np.repeat/np.cumsum, spreads grown by
np.append. Vehicle dynamics: Pacejka's magic formula on float32 data and parameters.

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the first
point), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the source of these functions run with
np = jax.numpy, special and dspecial = jax.scipy.special, dlinalg = jax.scipy.linalg, and the spellings JAX needs:
item writes as .at[…].set (wright_fisher, audio_compressor), xlogy's integer counts as floats (JAX's float0 tangent),
lists in np.concatenate as arrays, and gammaincinv (JAX has none) by 40 Newton steps on jax.scipy.special.gammainc
(converged: its derivative in n is the implicit one). The float32 one at its float32 point in float64 (difflab
computes float32 arguments in float64, as docs/api.md says). Hessian: cds_hazard's (the rest left for the file's
time; sersic_profile's and theis_pumping's JAX Hessians fail: no second derivative of igamma in a, exp1's jvp).

What they met (first run, 20 functions × 4 methods, fresh and prepared at two points): 77 of 80 right. powder_xrd
under reverse and forward raised "RuntimeWarning: overflow encountered in exp" / "... in matmul" (warnings are errors
here; a user sees NumPy's warning from inside difflab): exp's quotient rule (t·e^(x/2))/e^(−x/2), taken for a whole
array where one e^x underflowed, computed e^(−x/2) = inf for the x < −1416 beside it, and the trial sweeps rescaled.py
runs at 2^1000 (not kept where they overflow) let NumPy's overflow out. Fixed, each with a test below (exp's
quotient rule under np.errstate(over="ignore"), as its float branch; the trials quiet as the quiet trial already
was). Its forward gradient at the second point, right, then said a DerivativeRangeWarning: tangent terms t·e^x of
peaks far off (x near −1416, ~1e-610) below float64's range, which the trial at 2^1000 overflowed lifting and 2^500
could not lift; the trials now step down from 2^1000 (990, 960, 900, 800, then 500), the first finite one kept, and
say nothing (a test below). qubit_gate under symbolic was refused by name ("no SymPy form of expm on complex
values"); now the complex 2×2 exponentials go through the real 4×4 embedding [[A, −B], [B, A]] (stop 61).
"""

import math
import warnings

import numpy as np
import pytest
import scipy.special as special

import difflab as dl
from difflab.scipy import linalg as dlinalg
from difflab.scipy import special as dspecial
from user_code import METHODS, hessian_test, two_points_test

# ---------------------------------------------------------------- data

dims_rv = (7.5, 5.6, 3.1)  # a classroom, m
bands_rv = np.array([125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0])  # octave bands, Hz
m_rv = np.array([0.0, 0.0, 0.0003, 0.0008, 0.0021, 0.0066])  # air attenuation, 1/m
t60_rv = np.array([1.39, 1.49, 1.41, 1.19, 0.94, 0.67])  # measured RT60, s
N_wf = 6  # gene copies in a line
gens_wf = [1, 2, 4]  # generations sampled
pbar_wf = np.array([0.545, 0.58, 0.655])  # mean allele frequency over replicate lines
het_wf = np.array([0.405, 0.37, 0.31])  # mean heterozygosity 2p(1 − p)
lam_fp = np.linspace(1550.2, 1550.9, 13)  # nm
T_fp = np.array([0.028, 0.036, 0.027, 0.079, 0.129, 0.209, 0.39, 0.775, 0.57, 0.262, 0.152, 0.07, 0.054])  # measured
y_pb = np.array([[1, 1, 0, 1], [0, 0, 0, 1], [1, 1, 1, 1], [0, 1, 0, 0], [1, 0, 1, 1]])  # choices, 5 people × 4 waves
x_pb = np.array(
    [
        [0.2, 0.5, -0.1, 0.9],
        [-0.8, -0.3, -1.1, 0.4],
        [1.2, 0.7, 0.3, 1.5],
        [-0.5, 0.6, -0.9, -0.2],
        [0.1, -0.4, 0.8, 0.6],
    ]
)
gh_x, gh_w = np.polynomial.hermite.hermgauss(6)  # Gauss–Hermite nodes and weights
omega_tl = 2 * math.pi * 50.0
len_tl = 300.0  # km
Vr_tl = 220e3 / math.sqrt(3)  # receiving-end phase voltage, V
S_tl = np.array([50e6 + 20e6j, 100e6 + 30e6j, 150e6 + 60e6j]) / 3  # per-phase loads, VA
Vs_tl = np.array([127.7e3, 132.7e3, 143.0e3])  # measured |Vs|, V
dvs_tl = np.array([5.26, 10.0, 13.7])  # measured angle of Vs, degrees
Is_tl = np.array([147.7, 256.4, 376.9])  # measured |Is|, A
yy_sp, xx_sp = np.mgrid[-3:4, -3:4].astype(float)  # 7×7 pixel centres
counts_sp = np.array(
    [
        [3, 4, 6, 7, 6, 4, 3],
        [4, 8, 13, 16, 12, 7, 4],
        [6, 13, 29, 45, 27, 12, 5],
        [7, 17, 47, 118, 44, 15, 6],
        [5, 12, 26, 42, 28, 13, 6],
        [4, 7, 11, 15, 13, 8, 4],
        [3, 4, 5, 6, 6, 4, 3],
    ]
)
k_ps = np.geomspace(0.01, 10.0, 30)  # h/Mpc
R_ps = np.array([4.0, 6.0, 8.0, 12.0])  # Mpc/h, the mass bins' top-hat radii
N_ps = np.array([131.0, 14.0, 5.0, 0.0])  # clusters counted per bin
rho_pe = 0.9
P_pe = np.array(  # P[s, a, s']: 4 states, 2 actions
    [
        [[0.9, 0.1, 0.0, 0.0], [0.2, 0.8, 0.0, 0.0]],
        [[0.1, 0.8, 0.1, 0.0], [0.0, 0.2, 0.8, 0.0]],
        [[0.0, 0.1, 0.8, 0.1], [0.0, 0.0, 0.2, 0.8]],
        [[0.5, 0.0, 0.0, 0.5], [0.0, 0.0, 0.1, 0.9]],
    ]
)
R_pe = np.array([[0.0, -0.1], [0.0, -0.1], [0.0, -0.1], [1.0, 0.5]])
mu0_pe = np.array([0.4, 0.3, 0.2, 0.1])
A_ly = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, -2.0, -1.5]])
B_ly = np.array([[0.0], [0.0], [1.0]])
Cq_ly = np.diag([1.0, 0.3, 0.1])
tri_mv = np.array(
    [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
)  # an octahedron's faces, outward
dirs_mv = np.array([[1.0, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])
d_tn = np.array([-0.6, -0.2, 0.0, 0.3, 0.7])  # opponents' strength offsets
won_tn = np.array([7, 6, 5, 3, 2])  # Fast4 sets won of 8
t0_rc = np.array([10.0, 12.0, 15.0])  # free-flow times, min
cap_rc = np.array([1200.0, 1500.0, 900.0])  # veh/h
D_rc = 3000.0
obs_rc = np.array([1180.0, 1240.0, 580.0])  # counted flows
level_ac = np.array([-30.0, -28.0, -12.0, -6.0, -4.0, -5.0, -9.0, -20.0, -26.0, -8.0, -3.0, -2.0, -15.0, -25.0])  # dBFS
target_ac = np.array([-30.0, -28.0, -12.9, -9.6, -9.0, -9.6, -10.9, -18.6, -24.6, -11.3, -8.4, -7.9, -13.6, -23.2])
sx = np.array([[0, 1], [1, 0]], dtype=complex)
sy = np.array([[0, -1j], [1j, 0]])
sz = np.array([[1, 0], [0, -1]], dtype=complex)
hkl_xr = [(1, 0, 0), (0, 0, 2), (1, 0, 1), (1, 0, 2), (1, 1, 0), (1, 0, 3)]
mult_xr = np.array([6.0, 2.0, 12.0, 12.0, 6.0, 12.0])
F2_xr = np.array([30.0, 45.0, 100.0, 25.0, 35.0, 30.0])  # |F|², arbitrary units
tt_xr = np.linspace(30.0, 50.0, 21)  # 2θ, degrees
y_xr = np.array(
    [2.5, 2.9, 8.7, 1.9, 4.0, 4.8, 36.6, 7.9, 3.0, 2.4, 2.4, 2.0, 1.4, 2.1, 2.0, 2.5, 2.4, 5.3, 6.1, 2.7, 2.0]
)  # counts over background, scaled
r_th = np.array([10.0, 30.0])  # observation wells, m
t_th = np.array([60.0, 300.0, 900.0, 3600.0, 7200.0, 14400.0])  # s
s_th = np.array([[1.44, 2.94, 4.01, 5.37, 6.06, 6.74], [0.14, 0.95, 1.88, 3.21, 3.85, 4.54]])  # drawdown, m
Vb_ti = np.array([2.0, 5.0, 10.0, 15.0, 20.0, 23.0])  # NaOH added, mL
pH_ti = np.array([3.74, 4.2, 4.62, 5.0, 5.5, 6.26])  # measured
mat_cd = np.array([1.0, 2.0, 3.0, 5.0])  # CDS maturities, y
quote_cd = np.array([62.0, 75.0, 88.0, 104.0])  # par spreads, bp
alpha_py = np.array([-8.0, -5.0, -3.0, -1.5, -0.5, 0.5, 1.5, 3.0, 5.0, 8.0], dtype=np.float32)  # slip angle, deg
Fy_py = np.array(
    [-3420.0, -3370.0, -2980.0, -1920.0, -690.0, 720.0, 1960.0, 3030.0, 3380.0, 3400.0], dtype=np.float32
)  # lateral force, N


# ---------------------------------------------------------------- functions


def eyring_reverb(p):
    """A classroom's reverberation by Eyring's formula per octave band: the floor, ceiling and walls' absorption
    coefficients α = expit(a + b·log₂(f/1000)) per surface (a list comprehension np.stack'ed), the mean ᾱ over the
    surface areas, T = 0.161V/(−S ln(1 − ᾱ) + 4mV) with np.log1p, math.prod of the room's dimensions; the squared
    error to measured RT60s."""
    Lx, Ly, Lz = dims_rv
    V = math.prod(dims_rv)
    areas = np.array([Lx * Ly, Lx * Ly, 2 * (Lx + Ly) * Lz])  # floor, ceiling, walls
    octave = np.log2(bands_rv / 1000)
    alpha = np.stack([special.expit(p[2 * i] + p[2 * i + 1] * octave) for i in range(3)])
    S = areas.sum()
    abar = areas @ alpha / S
    T = 0.161 * V / (-S * np.log1p(-abar) + 4 * m_rv * V)
    return np.sum((T - t60_rv) ** 2) * 100


def wright_fisher(p):
    """A Wright–Fisher population of N = 6 gene copies under selection s and two-way mutation (rates by np.exp): the
    binomial transition matrix from scipy.special.gammaln and xlogy, started at p = ½ and stepped by `dist = dist @ P`
    in a loop; the expected allele frequency and heterozygosity at the sampled generations against replicate
    lines'."""
    s, u, v = p[0], np.exp(p[1]), np.exp(p[2])
    i = np.arange(N_wf + 1)
    q = i / N_wf
    q_sel = q * (1 + s) / (1 + s * q)
    q_mut = (1 - u) * q_sel + v * (1 - q_sel)
    logc = special.gammaln(N_wf + 1) - special.gammaln(i + 1) - special.gammaln(N_wf - i + 1)
    P = np.exp(logc + special.xlogy(i, q_mut[:, None]) + special.xlog1py(N_wf - i, -q_mut[:, None]))
    dist = np.zeros(N_wf + 1)
    dist[N_wf // 2] = 1.0
    out = []
    for g in range(1, max(gens_wf) + 1):
        dist = dist @ P
        if g in gens_wf:
            out.append(dist)
    D = np.stack(out)
    pbar, het = D @ q, D @ (2 * q * (1 - q))
    return np.sum((pbar - pbar_wf) ** 2 + (het - het_wf) ** 2) * 1e3


def fabry_perot(p):
    """A fibre Fabry–Pérot etalon's transmission near 1550 nm by summing the multiple reflections in complex form:
    mirror reflectance by expit, round-trip loss by np.exp, the gap's optical length offset in nm; the field
    t = (1 − R)·e^{−γ/2}/(1 − R e^{−γ} e^{iδ}), T = |t|², against a measured spectrum."""
    R, loss, dL = special.expit(p[0]), np.exp(p[1]), p[2]
    nL = 1.0e6 + dL  # nm: a 1 mm etalon
    delta = 4 * np.pi * nL / lam_fp
    t = (1 - R) * np.exp(-loss / 2) / (1 - R * np.exp(-loss) * np.exp(1j * delta))
    T = np.abs(t) ** 2
    return np.sum((T - T_fp) ** 2) * 100


def probit_panel(p):
    """A random-effects probit on a panel of 5 people × 4 waves: P(y | u) = Φ((2y − 1)(β₀ + β₁x + σu)) by
    scipy.special.log_ndtr, the person effect u integrated out by 6-point Gauss–Hermite quadrature
    (np.polynomial.hermite.hermgauss) through difflab.scipy.special.logsumexp with b= weights; the negative
    log-likelihood."""
    b0, b1, sigma = p[0], p[1], np.exp(p[2])
    sign = 2 * y_pb - 1
    eta = b0 + b1 * x_pb[:, :, None] + sigma * math.sqrt(2) * gh_x  # person, wave, node
    ll = special.log_ndtr(sign[:, :, None] * eta).sum(axis=1)  # person, node
    return -np.sum(dspecial.logsumexp(ll, b=gh_w / math.sqrt(math.pi), axis=1))


def transmission_line(p):
    """A 300 km, 50 Hz overhead line identified from sending-end measurements by the long-line model: series
    resistance and inductance, shunt capacitance by np.exp; the complex propagation constant γ = √(zy) and surge
    impedance √(z/y), Vs = cosh(γℓ)Vr + Zc sinh(γℓ)Ir for three loads (Ir = conj(S/Vr)); |Vs|, its angle by
    np.angle in degrees and |Is| against measured."""
    r, ell, c = 0.03 * np.exp(p[0]), 1e-3 * np.exp(p[1]), 1e-8 * np.exp(p[2])  # Ω/km, H/km, F/km
    z = r + 1j * omega_tl * ell
    y = 1j * omega_tl * c
    gam, Zc = np.sqrt(z * y), np.sqrt(z / y)
    Ir = np.conj(S_tl / Vr_tl)
    Vs = np.cosh(gam * len_tl) * Vr_tl + Zc * np.sinh(gam * len_tl) * Ir
    Is = np.sinh(gam * len_tl) / Zc * Vr_tl + np.cosh(gam * len_tl) * Ir
    e1 = (np.abs(Vs) - Vs_tl) / 1e3
    e2 = np.angle(Vs, deg=True) - dvs_tl
    e3 = (np.abs(Is) - Is_tl) / 10
    return np.sum(e1**2 + e2**2 + e3**2)


def sersic_profile(p):
    """A galaxy's Sérsic profile fitted to a 7×7 cutout's photon counts: centre, effective radius and index by
    np.exp, axis ratio by expit, position angle; b_n = gammaincinv(2n, ½) (traced n), elliptical radius by np.hypot
    of the rotated pixel offsets, I = I_e exp(−b_n((r/r_e)^{1/n} − 1)) plus sky; the Poisson negative log-likelihood."""
    x0, y0, re, n, qa, pa = p[0], p[1], np.exp(p[2]), np.exp(p[3]), special.expit(p[4]), p[5]
    Ie, sky = 12.0, 3.0
    bn = special.gammaincinv(2 * n, 0.5)
    dx, dy = xx_sp - x0, yy_sp - y0
    u = dx * np.cos(pa) + dy * np.sin(pa)
    v = -dx * np.sin(pa) + dy * np.cos(pa)
    r = np.hypot(u, v / qa)
    mu = Ie * np.exp(-bn * ((r / re) ** (1 / n) - 1)) + sky
    return np.sum(mu - counts_sp * np.log(mu))


def press_schechter(p):
    """Cluster counts by Press–Schechter: a power spectrum A kⁿˢ T(k)² with BBKS's transfer function (shape Γ by
    np.exp), σ(R) by np.trapezoid over a log-spaced k grid with the top-hat window 3(sin x − x cos x)/x³, the
    multiplicity √(2/π)ν e^{−ν²/2} of ν = δc/σ; the Poisson log-likelihood of the counts per mass bin."""
    A, ns, Gam = np.exp(p[0]), p[1], np.exp(p[2])
    q = k_ps / Gam
    Tk = np.log1p(2.34 * q) / (2.34 * q) * (1 + 3.89 * q + (16.1 * q) ** 2 + (5.46 * q) ** 3 + (6.71 * q) ** 4) ** -0.25
    Pk = A * k_ps**ns * Tk**2
    x = k_ps * R_ps[:, None]
    W = 3 * (np.sin(x) - x * np.cos(x)) / x**3
    sigma = np.sqrt(np.trapezoid(k_ps**3 * Pk * W**2 / (2 * np.pi**2), np.log(k_ps), axis=1))
    nu = 1.686 / sigma
    lam = 2e4 * np.sqrt(2 / np.pi) * nu * np.exp(-(nu**2) / 2) / R_ps**3
    return np.sum(lam - N_ps * np.log(lam))


def ogden_energy(F):
    """A two-term Ogden solid's strain energy in its deformation gradient (flat 3×3): the principal stretches
    λᵢ = √eigvalsh(FᵀF), Σ_p μ_p/α_p (Σᵢ (J^{−1/3}λᵢ)^{α_p} − 3) isochoric, plus κ/2 (J − 1)² by np.linalg.det; the
    gradient is the first Piola–Kirchhoff stress."""
    F = F.reshape(3, 3)
    J = np.linalg.det(F)
    lam = np.sqrt(np.linalg.eigvalsh(F.T @ F)) * J ** (-1 / 3)
    W = 0.0
    for mu, alpha in [(0.6, 1.3), (0.002, 5.0)]:
        W = W + mu / alpha * (np.sum(lam**alpha) - 3)
    return W + 50.0 / 2 * (J - 1) ** 2


def policy_evaluation(theta):
    """Exact policy evaluation for a softmax policy on a 4-state, 2-action MDP: π(a|s) by a max-shifted softmax
    (keepdims), P_π by np.einsum('sa,sat->st'), V = (I − γP_π)⁻¹ r_π by np.linalg.solve, the return μ₀ᵀV by
    `mu0.T @ V` and an entropy bonus; the negated objective."""
    logits = theta.reshape(4, 2)
    z = logits - logits.max(axis=1, keepdims=True)
    pi = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    P = np.einsum("sa,sat->st", pi, P_pe)
    r = np.sum(pi * R_pe, axis=1)
    V = np.linalg.solve(np.eye(4) - rho_pe * P, r)
    entropy = -np.sum(pi * np.log(pi))
    return -(mu0_pe.T @ V) - 0.05 * entropy


def lyapunov_h2(k):
    """The H2 cost of a third-order plant under state feedback u = −kx: the closed loop A − Bk, its controllability
    Gramian from the Lyapunov equation written by Kronecker sums, vec X = solve(I⊗A + A⊗I, −vec BBᵀ) (column-major
    flatten and reshape), the cost trace(QX) + k X kᵀ."""
    Acl = A_ly - B_ly @ k[None, :]
    n = Acl.shape[0]
    L = np.kron(np.eye(n), Acl) + np.kron(Acl, np.eye(n))
    X = np.linalg.solve(L, -(B_ly @ B_ly.T).flatten(order="F")).reshape(n, n, order="F")
    return np.trace(Cq_ly @ X) + (k @ X @ k.T)


def mesh_volume(r):
    """An octahedral mesh's six vertices moved radially (r traced): the enclosed volume by the divergence theorem,
    Σ v₀·(v₁ × v₂)/6 by np.cross and np.einsum('ij,ij->i'), the area by the norms of the faces' cross products; the
    isoperimetric quotient's inverse A^{3/2}/V scaled to 1 for a sphere plus a volume penalty."""
    V3 = dirs_mv * r[:, None]
    a, b, c = V3[tri_mv[:, 0]], V3[tri_mv[:, 1]], V3[tri_mv[:, 2]]
    vol = np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6
    area = np.linalg.norm(np.cross(b - a, c - a), axis=1).sum() / 2
    return area**1.5 / (6 * math.sqrt(math.pi) * vol) + (vol - 1.5) ** 2


def _game(p):
    """A no-ad game won by the server with point probability p: first to 4 points, the deciding point at 3–3."""
    q = 1 - p
    return sum(math.comb(3 + k, k) * p**4 * q**k for k in range(3)) + math.comb(6, 3) * p**3 * q**3 * p


def tennis_fast4(p):
    """Fast4 tennis (first to 4 games, no-ad scoring, a tiebreak at 3–3 taken as one more game at the mean of holding
    and breaking): player A's and the opponents' serve-point probabilities by expit around the five opponents'
    strengths (arrays over the matches); the set won by dynamic programming over game scores, a list of lists
    filled in nested Python loops with serve alternating; the binomial log-likelihood of the sets won of 8."""
    ga = _game(special.expit(p[0] - d_tn))  # A holds serve
    gb = 1 - _game(special.expit(p[1] + d_tn))  # A breaks
    W = [[None] * 4 for _ in range(4)]  # W[i][j]: P(A wins the set from i–j games)
    for i in range(3, -1, -1):
        for j in range(3, -1, -1):
            if i == 3 and j == 3:
                W[i][j] = (ga + gb) / 2
                continue
            g = ga if (i + j) % 2 == 0 else gb
            win = 1.0 if i == 3 else W[i + 1][j]
            lose = 0.0 if j == 3 else W[i][j + 1]
            W[i][j] = g * win + (1 - g) * lose
    P = W[0][0]
    return -np.sum(won_tn * np.log(P) + (8 - won_tn) * np.log1p(-P))


def route_choice_msa(p):
    """Stochastic user equilibrium on three parallel routes: BPR travel times t₀(1 + a(x/c)^β) (a, β by np.exp), a
    logit split of the demand with dispersion θ (np.exp), the flows by the method of successive averages in a loop
    (`x = x + (y − x)/(k + 1)`, a copy kept of the start); the squared error to counted flows."""
    theta, a, beta = np.exp(p[0]), np.exp(p[1]), np.exp(p[2])
    x0 = np.full(3, D_rc / 3)
    x = x0.copy()
    for k in range(8):
        t = t0_rc * (1 + a * (x / cap_rc) ** beta)
        w = np.exp(-theta * (t - t.min()))
        y = D_rc * w / w.sum()
        x = x + (y - x) / (k + 1)
    return np.sum(((x - obs_rc) / 100) ** 2)


def audio_compressor(p):
    """A feed-forward dynamic-range compressor on a level envelope in dBFS: threshold, ratio (1 + np.exp) and knee
    width (np.exp), the soft-knee gain computer by np.where over the three regions, np.clip'ed; the gain smoothed
    by a one-pole filter with attack or release coefficients chosen by np.where, written g[n] = … into
    np.zeros_like in a loop; the squared error to the target output."""
    T, R, W = p[0], 1 + np.exp(p[1]), np.exp(p[2])
    a_att, a_rel = special.expit(p[3]), 0.9
    over = level_ac - T
    knee = level_ac + (1 / R - 1) * (over + W / 2) ** 2 / (2 * W)
    out = np.where(2 * over < -W, level_ac, np.where(2 * np.abs(over) <= W, knee, T + over / R))
    gc = np.clip(out - level_ac, -40.0, 0.0)
    g = np.zeros_like(gc)
    g[0] = gc[0]
    for n in range(1, len(gc)):
        a = np.where(gc[n] < g[n - 1], a_att, a_rel)
        g[n] = a * g[n - 1] + (1 - a) * gc[n]
    return np.mean((level_ac + g - target_ac) ** 2)


def qubit_gate(p):
    """A single-qubit X gate by four piecewise-constant pulses with a detuning: each step's complex Hamiltonian
    Ωx σx + Ωy σy + Δσz, its propagator difflab.scipy.linalg.expm(−iHdt), multiplied up in a loop; the infidelity
    1 − |tr(U_targetᴴ U)|²/4 by .conj().T and np.trace."""
    dt, Delta = 0.5, 0.15
    U = np.eye(2, dtype=complex)
    for k in range(4):
        H = p[2 * k] * sx + p[2 * k + 1] * sy + Delta * sz
        U = dlinalg.expm(-1j * H * dt) @ U
    fid = np.abs(np.trace(sx.conj().T @ U)) ** 2 / 4
    return 1 - fid


def powder_xrd(p):
    """A hexagonal phase's powder pattern (Cu Kα): lattice constants a and c, the reflections' d-spacings from a
    list of (h, k, l) tuples, 2θ = 2 arcsin(λ/2d) by np.degrees, pseudo-Voigt peaks (width by np.exp, Lorentzian
    fraction by expit, a zero shift) summed over reflections by broadcasting; the least-squares scale by a
    closed-form projection, the residual's sum of squares."""
    a, c, w, eta, zero = p[0], p[1], np.exp(p[2]), special.expit(p[3]), p[4]
    h, k, l = (np.array(col, dtype=float) for col in zip(*hkl_xr))
    inv_d2 = 4 / 3 * (h**2 + h * k + k**2) / a**2 + l**2 / c**2
    two_theta = 2 * np.degrees(np.arcsin(1.5406 / 2 * np.sqrt(inv_d2))) + zero
    x = (tt_xr[:, None] - two_theta) / w
    prof = (
        eta / (np.pi * w * (1 + x**2)) + (1 - eta) * np.exp(-math.log(2) * x**2) * math.sqrt(math.log(2) / math.pi) / w
    )
    model = prof @ (mult_xr * F2_xr)
    base = y_xr - 2.0
    scale = (model @ base) / (model @ model)
    return np.sum((scale * model - base) ** 2)


def theis_drawdown(r, t, *, T, S, Q=0.01):
    """Theis's drawdown s = Q/(4πT)·E₁(r²S/4Tt) by scipy.special.exp1, keyword-only aquifer parameters."""
    u = r**2 * S / (4 * T * t)
    return Q / (4 * np.pi * T) * special.exp1(u)


def theis_pumping(p):
    """A pumping test interpreted by Theis: transmissivity and storativity by np.exp, a well-loss term at the
    wells, the drawdown at two observation wells over six times by broadcasting through theis_drawdown's keyword
    arguments; the squared error to the observed drawdowns."""
    T, S = np.exp(p[0]), np.exp(p[1])
    s = theis_drawdown(r_th[:, None], t_th[None, :], T=T, S=S) + p[2] / r_th[:, None]
    return np.sum((s - s_th) ** 2) * 100


def titration_ph(p):
    """A weak acid titrated with 0.1 M NaOH: pKa, the acid's concentration (np.exp) and the electrode's offset; [H⁺]
    from the charge balance h + Na = C·Ka/(Ka + h) + Kw/h by eight Newton steps on ln h over all titrant volumes
    at once, started from a constant; the pH against the readings."""
    Ka, C, off = 10 ** -p[0], np.exp(p[1]), p[2]
    Va, Cb, Kw = 25.0, 0.1, 1e-14
    Na = Cb * Vb_ti / (Va + Vb_ti)
    Ct = C * Va / (Va + Vb_ti)
    lnh = np.full(len(Vb_ti), math.log(1e-5))
    for _ in range(8):
        h = np.exp(lnh)
        f = h + Na - Ct * Ka / (Ka + h) - Kw / h
        df = h + Ct * Ka * h / (Ka + h) ** 2 + Kw / h
        lnh = lnh - f / df
    pH = -np.log10(np.exp(lnh)) + off
    return np.sum((pH - pH_ti) ** 2) * 100


def cds_hazard(p):
    """A CDS curve bootstrapped as piecewise-constant hazard rates (np.exp) between the maturities: a quarterly grid,
    the rates spread over it by np.repeat, survival by np.exp(−np.cumsum), discount factors at 3%; each maturity's
    premium and protection legs (40% recovery), the par spreads in bp against quotes, appended by np.append."""
    lam = np.exp(p)
    dt = 0.25
    quarters = (np.diff(np.concatenate([[0.0], mat_cd])) / dt).astype(int)
    haz = np.repeat(lam, quarters)
    t = dt * np.arange(1, len(haz) + 1)
    Q = np.exp(-np.cumsum(haz * dt))
    Qprev = np.concatenate([[1.0], Q[:-1]])
    D = np.exp(-0.03 * t)
    spreads = np.array([])
    for m in mat_cd:
        n = int(round(m / dt))
        prem = np.sum(dt * D[:n] * (Q[:n] + Qprev[:n]) / 2)
        prot = 0.6 * np.sum(D[:n] * (Qprev[:n] - Q[:n]))
        spreads = np.append(spreads, 1e4 * prot / prem)
    return np.sum((spreads - quote_cd) ** 2) / 100


def pacejka_tyre(p):
    """Pacejka's magic formula fitted to a float32 lateral-force sweep: stiffness B, shape C, peak D and curvature E
    (float32 parameters), slip in degrees by np.radians, F = D sin(C arctan(Bα − E(Bα − arctan Bα))) plus a
    horizontal shift; the squared error in kN."""
    B, C, D, E, Sh = p[0], p[1], 1e3 * p[2], p[3], p[4]
    a = np.radians(alpha_py + Sh)
    Ba = B * a
    F = D * np.sin(C * np.arctan(Ba - E * (Ba - np.arctan(Ba))))
    return np.sum(((F - Fy_py) / 1e3) ** 2)


def points():
    return {
        "eyring_reverb": np.array([-2.5, 0.3, -1.5, 0.6, -2.8, -0.2]),
        "wright_fisher": np.array([0.2, np.log(0.02), np.log(0.01)]),
        "fabry_perot": np.array([1.5, np.log(0.05), 120.0]),
        "probit_panel": np.array([0.3, 0.9, np.log(0.8)]),
        "transmission_line": np.array([0.0, 0.0, 0.0]),
        "sersic_profile": np.array([0.1, -0.15, np.log(1.3), np.log(1.5), 1.0, 0.4]),
        "press_schechter": np.array([np.log(1.5e6), 0.96, np.log(0.21)]),
        "ogden_energy": np.array([1.1, 0.2, 0.05, -0.1, 0.95, 0.1, 0.03, 0.02, 1.05]),
        "policy_evaluation": np.array([0.1, -0.2, 0.3, 0.4, -0.1, 0.5, 0.2, 0.0]),
        "lyapunov_h2": np.array([1.0, 0.8, 0.5]),
        "mesh_volume": np.array([1.0, 1.1, 0.9, 1.05, 1.2, 0.95]),
        "tennis_fast4": np.array([0.6, 0.5]),
        "route_choice_msa": np.array([np.log(0.2), np.log(0.15), np.log(4.0)]),
        "audio_compressor": np.array([-12.0, np.log(2.0), np.log(6.0), 0.5]),
        "qubit_gate": np.array([0.8, 0.1, 0.7, -0.1, 0.9, 0.05, 0.75, 0.0]),
        "powder_xrd": np.array([3.24, 5.2, np.log(0.3), 0.0, 0.05]),
        "theis_pumping": np.array([np.log(1e-3), np.log(2e-4), 0.5]),
        "titration_ph": np.array([4.7, np.log(0.1), 0.02]),
        "cds_hazard": np.log(np.array([0.010, 0.013, 0.016, 0.02])),
        "pacejka_tyre": np.array([10.0, 1.9, 3.4, 0.97, 0.1], dtype=np.float32),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]

#: (f, g·cos(k + 1), |g|²) of the gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "eyring_reverb": (34.48807223092624, 330.34179589654644, 340732.4674586325),  # jax, n=6
    "wright_fisher": (6.229216799761202, -24.39878494630068, 2245.4233140799724),  # jax, n=3
    "fabry_perot": (39.14818281816173, 23.95371910697595, 2083.4963679764305),  # jax, n=3
    "probit_panel": (8.367528111513312, 0.33005830911996814, 19.000511657651085),  # jax, n=3
    "transmission_line": (2.342733393515109, 0.1616376667891374, 5655.766545649401),  # jax, n=3
    "sersic_profile": (-1388.5904515599477, 538.4124610067448, 211415.83140746652),  # jax, n=6
    "press_schechter": (-527.5998026065771, -30.96872351531073, 5381.951720202264),  # jax, n=3
    "ogden_energy": (0.3410265157990055, -0.031081963916560953, 116.38911873862912),  # jax, n=9
    "policy_evaluation": (-2.023762480669035, 0.11090890391764087, 0.23021723243221728),  # jax, n=8
    "lyapunov_h2": (0.4055555555555558, 0.1066997199168095, 0.019044853109282167),  # jax, n=3
    "mesh_volume": (1.2951413641414562, 0.09448173779418345, 0.021173986560534288),  # jax, n=6
    "tennis_fast4": (25.160402334841457, -6.176373024537069, 87.59607205471495),  # jax, n=2
    "route_choice_msa": (2.275957533039869, 3.1995648048014496, 17.01356829349303),  # jax, n=3
    "audio_compressor": (8.73739484626337, -0.25690170580685334, 13.487052110181107),  # jax, n=4
    "qubit_gate": (0.04149393335784324, -0.14544742534998975, 0.07672852534133456),  # jax, n=8
    "powder_xrd": (151.9631898823314, -10643.003764803098, 798642328.6124666),  # jax, n=5
    "theis_pumping": (186.26721275477723, 1201.2816284275052, 6240620.782890173),  # jax, n=3
    "titration_ph": (28.828115173870877, -179.94462215484765, 493431.68522419385),  # jax, n=3
    "cds_hazard": (2.670403424069196, 15.071445430751073, 565.1065190673775),  # jax, n=4
    "pacejka_tyre": (0.8483692453942645, 4.180221850983168, 24.959506503977327),  # jax, n=5
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "eyring_reverb": (34.05888526659072, 325.8783832141501, 331218.4473303111),  # jax, n=6
    "wright_fisher": (5.129909463179241, -1.6742802922067417, 34.79776074253314),  # jax, n=3
    "fabry_perot": (41.34347541657605, 24.57108408085946, 2293.690876842388),  # jax, n=3
    "probit_panel": (8.210620588829684, 0.37362635322189347, 18.104754226340013),  # jax, n=3
    "transmission_line": (7.346656435427509, -11.305590050167371, 21448.116755846913),  # jax, n=3
    "sersic_profile": (-1387.479238232526, 542.0139676078131, 208520.73648942832),  # jax, n=6
    "press_schechter": (-527.8832866637496, -30.822084997769352, 5148.129474609603),  # jax, n=3
    "ogden_energy": (0.44154998428209663, -0.035339149110879, 152.9260463450959),  # jax, n=9
    "policy_evaluation": (-2.0240818013665507, 0.11349949820606697, 0.2323962889729501),  # jax, n=8
    "lyapunov_h2": (0.4121512677809998, 0.11111077564918617, 0.021514628947737535),  # jax, n=3
    "mesh_volume": (1.2967341828504928, 0.09983150354797364, 0.03046497977487971),  # jax, n=6
    "tennis_fast4": (24.962018077401325, -6.116276919244492, 86.3274617363077),  # jax, n=2
    "route_choice_msa": (2.0821180512601254, 3.3658147318768186, 16.188098041190848),  # jax, n=3
    "audio_compressor": (8.904954346805127, -0.2830171111978081, 14.78896171366367),  # jax, n=4
    "qubit_gate": (0.04084299422838056, -0.13283159831758015, 0.07417549010684545),  # jax, n=8
    "powder_xrd": (98.61398508739663, 888.9789947496773, 7258285.784625964),  # jax, n=5
    "theis_pumping": (332.8548000061052, 1613.3881926481965, 11652538.360813117),  # jax, n=3
    "titration_ph": (46.230606767525465, -138.26075477197887, 423786.9779858804),  # jax, n=3
    "cds_hazard": (1.9567857189233655, 15.45222070072717, 345.64822110994646),  # jax, n=4
    "pacejka_tyre": (0.6043535671606712, 3.3920636730655978, 16.7889754623971),  # jax, n=5
}

#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same JAX spellings; ≤ 6 inputs)
HESS_ALL = {
    "eyring_reverb": (-26.410506133819162, 36459029.744166344),  # jax, n=6
    "wright_fisher": (487.33583151053784, 1334473.1182436647),  # jax, n=3
    "fabry_perot": (13.609223952066781, 1993.899121806369),  # jax, n=3
    "probit_panel": (0.7444241182033293, 27.926849790685058),  # jax, n=3
    "transmission_line": (-214.45247839249458, 2088780.8542586216),  # jax, n=3
    "press_schechter": (2.857108993084963, 145308.51216024984),  # jax, n=3
    "lyapunov_h2": (0.08737263149186589, 1.0696563619303467),  # jax, n=3
    "mesh_volume": (0.108877059880131, 37.095959023125985),  # jax, n=6
    "tennis_fast4": (0.9891084170723969, 3854.289149374185),  # jax, n=2
    "route_choice_msa": (3.662093842610065, 282.9819690325379),  # jax, n=3
    "audio_compressor": (-0.48631142103989494, 25.03650421140008),  # jax, n=4
    "powder_xrd": (1304937.9904674503, 9880050807050.19),  # jax, n=5
    "titration_ph": (814.3383490811877, 23854714.35117556),  # jax, n=3
    "cds_hazard": (7.400174452899109, 16123.237069444524),  # jax, n=4
    "pacejka_tyre": (-16.018587033318866, 491.56766237645536),  # jax, n=5
}


test_gradient_of_user_code_at_two_points = two_points_test(
    POINTS,
    FUNCS,
    GRAD,
    PERTURBED,
    float32={"pacejka_tyre"},
)


#: the small ones' Hessians
HESS = {k: HESS_ALL[k] for k in ("cds_hazard",)}

test_hessian_of_user_code = hessian_test(
    POINTS, HESS, globals(), doc="dl.hessian of the small ones equals jax.hessian's."
)


def _peaks_far_out(x):
    """Σ x·e^(−x²) at 0.5, 30 and 60: e^(−900) underflowed (its slope's quotient rule applies) beside e^(−3600)."""
    return np.sum(np.exp(-(x**2)) * x)


@pytest.mark.parametrize("method", METHODS)
def test_exp_far_below_its_range_beside_an_underflowed_one_says_nothing(method):
    # on main reverse (fresh and prepared) raised "RuntimeWarning: overflow encountered in exp": exp's quotient rule
    # (t·e^(x/2))/e^(−x/2), taken for the whole array where one e^x underflowed at x > −1416, computed e^1800 for
    # the x = −3600 beside it (a float x there is inf, said nothing). The gradient is (1 − 2x²)e^(−x²).
    x = np.array([0.5, 30.0, 60.0])
    want = (1 - 2 * x**2) * np.exp(-(x**2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(dl.grad(_peaks_far_out, method=method)(x), want, rtol=1e-6, atol=1e-300)
        np.testing.assert_allclose(dl.prepare(_peaks_far_out, x, method=method).grad(x), want, rtol=1e-6, atol=1e-300)


def _profile_energy(w):
    """g·g of g = 10⁴e^(−(x/w)²) + 10⁴w at x² = 1, 900: e^(−900)'s slope term is lost, and the sweep seeded at 2^1000
    to lift it overflows in g·ġ."""
    g = np.exp(-((np.array([1.0, 30.0]) / w[0]) ** 2)) * 1e4 + 1e4 * w[0]
    return g @ g


def _far_profile_energy(w):
    """_profile_energy's g·g with the far point at x² = 1400: e^(−1400)'s slope term (~1e-605) needs a seed near
    2^1000 to come back into range, and 2^1000 itself overflows in g·ġ."""
    g = np.exp(-((np.array([1.0, math.sqrt(1400.0)]) / w[0]) ** 2)) * 1e4 + 1e4 * w[0]
    return g @ g


@pytest.mark.parametrize("method", METHODS)
def test_a_lost_term_only_a_seed_just_below_2_to_the_1000_lifts_is_lifted(method):
    # on main (and after the fix above) forward and reverse, fresh and prepared, said "DerivativeRangeWarning: v5 =
    # exp(v4): a term of its derivative underflowed ... the result may lack it" with the right gradient: the trial
    # at 2^1000 overflowed and 2^500 left the term lost; rescaled.py now steps down from 2^1000 (990, 960, ...), its
    # first finite trial kept. powder_xrd's forward gradient at its second point said the same. 2g·ġ, as above.
    xs2 = np.array([1.0, 1400.0])
    g, dg = 1e4 * np.exp(-xs2) + 1e4, 1e4 * (2 * xs2 * np.exp(-xs2) + 1)
    want = 2 * g @ dg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = dl.prepare(_far_profile_energy, np.ones(1), method=method)
        for grad in (dl.grad(_far_profile_energy, method=method), p.grad):
            assert grad(np.ones(1))[0] == pytest.approx(want, rel=1e-6 if method == "numeric" else 1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_a_rescaled_sweep_that_overflowed_says_nothing(method):
    # on main forward said "RuntimeWarning: overflow encountered in matmul" and reverse "... in multiply": the trial
    # sweep at 2^1000 (rescaled.py), which is not kept where it overflowed, let NumPy's overflow warning out; the
    # answer (from the 2^500 trial) was right. The gradient: 2g·ġ, ġ = 10⁴(2x²e^(−x²) + 1) at w = 1.
    xs2 = np.array([1.0, 900.0])
    g, dg = 1e4 * np.exp(-xs2) + 1e4, 1e4 * (2 * xs2 * np.exp(-xs2) + 1)
    want = 2 * g @ dg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for grad in (
            dl.grad(_profile_energy, method=method),
            dl.prepare(_profile_energy, np.ones(1), method=method).grad,
        ):
            assert grad(np.ones(1))[0] == pytest.approx(want, rel=1e-6 if method == "numeric" else 1e-13)
