"""What a user writes, round 2: 23 more functions in plain NumPy (no difflab inside them), in areas
tests/test_user_code.py does not cover (an RK4 integrator, a 2-D convolution by sliding_window_view
and einsum, causal attention with -inf masking, batch norm, Sinkhorn transport, Black-Scholes with
scipy.special, a Newton `while` loop on a traced condition, a KL divergence with scipy.special.xlogy, ...),
each one's gradient under every method, fresh and prepared, against JAX x64 (the function's source run with
`jax.numpy` for `numpy` and `jax.scipy.special` for `scipy.special`: g·cos(k + 1) and |g|² of jax.grad's
gradient flattened in sorted-key order), and the Hessians of the small ones against jax.hessian. Then what JAX refuses too
(float(x), x.item(), math.exp of a traced value, NumPy's own conversions, item assignment): a clear error
quoting the user's code and saying what to write instead; and what the functions met that was missing or
wrong (xlogy, a draw from np.random kept by the cache, np.diff's prepend, z.real, reshape's order="F")."""

import functools
import math
import warnings

import numpy as np
import pytest
import scipy.special as special
from numpy.lib.stride_tricks import sliding_window_view

import difflab as dl
from user_code import check_gradient, check_hessian, fresh_and_prepared

METHODS = ["symbolic", "numeric", "forward", "reverse"]
_r = np.random.default_rng(3)

# ---------------------------------------------------------------- data
IMG = _r.normal(size=(2, 6, 6))
X_att = _r.normal(size=(5, 4))
X_bn = _r.normal(size=(6, 3))
A_ot, B_ot = np.array([0.2, 0.3, 0.5]), np.array([0.4, 0.6])
X_lr = _r.normal(size=(8, 3))
y_lr = np.where(_r.random(8) > 0.5, 1.0, -1.0)
knots = np.linspace(0.0, 1.0, 6)
t_sp = np.linspace(0.05, 0.95, 9)
y_sp = np.sin(6 * t_sp)
data_kde = _r.normal(size=7)
G_noise = -np.log(-np.log(_r.uniform(0.05, 0.95, size=(3, 4))))
A_ls, b_ls = _r.normal(size=(4, 2)), _r.normal(size=4)
counts = np.array([0.0, 2.0, 1.0, 4.0, 3.0])
X_pois = _r.normal(size=(5, 2))
u0_heat = np.sin(np.linspace(0, 3.0, 8))
P_kl = np.array([[0.5, 0.0, 0.3, 0.2], [0.1, 0.6, 0.0, 0.3]])


# ---------------------------------------------------------------- functions
def rk4_pendulum(p):
    damp, w0 = p[0], p[1]

    def rhs(s):
        th, om = s
        return np.stack([om, -damp * om - w0**2 * np.sin(th)])

    s = np.array([1.0, 0.0])
    dt = 0.1
    for _ in range(15):
        k1 = rhs(s)
        k2 = rhs(s + 0.5 * dt * k1)
        k3 = rhs(s + 0.5 * dt * k2)
        k4 = rhs(s + dt * k3)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return s[0] ** 2 + 0.5 * s[1] ** 2


def conv2d(w):  # w: (2 out, 3, 3) over a batch of two 6×6 images
    win = sliding_window_view(IMG, (3, 3), axis=(1, 2))  # (2, 4, 4, 3, 3)
    y = np.einsum("bijkl,okl->boij", win, w)
    y = np.maximum(y, 0.0)
    return np.mean(y**2)


def masked_attention(W):
    Wq, Wk = W
    T, d = X_att.shape
    q, k = X_att @ Wq, X_att @ Wk
    s = q @ k.T / np.sqrt(d)
    mask = np.tril(np.ones((T, T), dtype=bool))
    s = np.where(mask, s, -np.inf)
    s = s - s.max(axis=-1, keepdims=True)
    a = np.exp(s)
    a = a / a.sum(axis=-1, keepdims=True)
    return np.sum((a @ X_att) ** 2)


def batchnorm(p):
    gamma, beta, W = p["gamma"], p["beta"], p["W"]
    h = X_bn @ W
    mu = h.mean(axis=0, keepdims=True)
    var = h.var(axis=0, keepdims=True)
    hn = (h - mu) / np.sqrt(var + 1e-5)
    out = gamma * hn + beta
    return np.sum(np.tanh(out) * np.arange(1.0, 4.0))


def sinkhorn(C):
    eps = 0.5

    def lse(M, axis):
        m = np.max(M, axis=axis, keepdims=True)
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(M - m), axis=axis))

    f = np.zeros(3)
    g = np.zeros(2)
    for _ in range(10):
        f = eps * np.log(A_ot) - eps * lse((g[None, :] - C) / eps, 1)
        g = eps * np.log(B_ot) - eps * lse((f[:, None] - C) / eps, 0)
    P = np.exp((f[:, None] + g[None, :] - C) / eps)
    return np.sum(P * C)


def logistic(w):
    z = y_lr * (X_lr @ w)
    return np.mean(np.log1p(np.exp(-z))) + 0.5 * np.mean(np.logaddexp(0, -z))


def black_scholes(p):
    S, K, T, r, sigma = p[0], 100.0, 0.5, 0.03, p[1]
    d1 = (np.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    call = S * special.ndtr(d1) - K * np.exp(-r * T) * special.ndtr(d2)
    put_d1 = 0.5 * (1 + special.erf(-d1 / np.sqrt(2.0)))
    return call + S * put_d1


def interp_loss(fk):
    pred = np.interp(t_sp, knots, fk)
    return np.sum((pred - y_sp) ** 2) + 0.1 * np.sum(np.diff(fk, 2) ** 2)


def kde_loglik(p):
    log_h, shift = p[0], p[1]
    h = np.exp(log_h)
    pts = np.linspace(-1.0, 1.0, 4) + shift
    z = (pts[:, None] - data_kde[None, :]) / h
    dens = np.mean(np.exp(-0.5 * z**2), axis=1) / (h * np.sqrt(2 * np.pi))
    return np.sum(np.log(dens))


def gumbel_softmax(logits):
    tau = 0.7
    y = (logits + G_noise) / tau
    y = y - np.max(y, axis=1, keepdims=True)
    e = np.exp(y)
    soft = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(soft * np.arange(4.0)) + np.sum(soft**2)


def nbody_energy(x):
    P = x.reshape(-1, 2)
    n = P.shape[0]
    D = np.sqrt(np.sum((P[:, None, :] - P[None, :, :]) ** 2, axis=-1) + 1e-12)
    i, j = np.triu_indices(n, k=1)
    m = np.arange(1.0, n + 1)
    return -np.sum(m[i] * m[j] / D[i, j]) + 0.5 * np.sum(np.linalg.norm(P, axis=1) ** 2)


def traced_inplace(x):
    h = np.zeros(3)
    for k in range(3):
        h = h + x[k] * x
    x = x * 1.0
    x += 1  # rebinds the local (a traced value has no in-place update, as JAX's): the caller's x is untouched
    x *= h
    x /= 2.0
    x -= h**2
    return np.sum(x)


def conversions(x):
    b = x.astype(np.float64)
    c = np.clip(b, 0, None) + np.clip(b, None, 0.5) + np.copy(b) * 0.5
    return np.sum(c**2)


def errstate_log(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(x > 0, np.log(np.abs(x) + 1e-300), 0.0)
    return np.sum(y * x)


def einsum_optimize(p):
    A, B = p["A"], p["B"]
    C = np.einsum("ij,jk,kl->il", A, B, A.T, optimize=True)
    return np.einsum("ii->", C, optimize="greedy") + np.einsum("ij,ij->", A, A, optimize=True)


def lstsq_fit(p):
    A = A_ls + 0.1 * p["dA"]
    coef, res, rank, sv = np.linalg.lstsq(A, b_ls + p["db"], rcond=None)
    return np.sum(coef**2) + np.sum((A @ coef - b_ls) ** 2)


def reduce_matmuls(t):
    mats = [np.stack([np.stack([np.cos(a), -np.sin(a)]), np.stack([np.sin(a), np.cos(a)])]) * (1 + 0.1 * a) for a in t]
    M = functools.reduce(np.matmul, mats)
    M2 = functools.reduce(lambda a, b: a @ b, mats[::-1])
    return np.sum(M * np.array([[1.0, 2.0], [3.0, 4.0]])) + np.trace(M2)


def newton_sqrt(a):
    x = a * 1.0 + 1.0
    while np.max(np.abs(x * x - a)) > 1e-12:  # a traced condition: as many steps as this point needs
        x = 0.5 * (x + a / x)
    return np.sum(x * np.arange(1.0, a.size + 1))


def poisson_glm(w):
    eta = X_pois @ w
    return -np.sum(counts * eta - np.exp(eta) - special.gammaln(counts + 1))


def heat_roll(k):
    u = u0_heat
    for _ in range(10):
        lap = np.roll(u, 1) - 2 * u + np.roll(u, -1)
        u = u + 0.1 * k[0] * lap - 0.05 * k[1] * u**3
    return np.sum(u**2)


def fft_power(x):
    F = np.fft.rfft(x)
    pw = np.abs(F) ** 2
    return np.sum(pw * np.arange(pw.size)) + np.real(F[1]) * np.imag(F[2])


def triplet(E):
    a, p, n = E[0], E[1], E[2]
    dp = np.sum((a - p) ** 2)
    dn = np.sum((a - n) ** 2)
    return np.maximum(dp - dn + 5.0, 0.0) + 0.1 * np.linalg.norm(E, ord="fro")


def kl_xent(logits):
    q = np.exp(logits - logits.max(axis=1, keepdims=True))
    q = q / q.sum(axis=1, keepdims=True)
    kl = np.sum(special.xlogy(P_kl, P_kl)) - np.sum(special.xlogy(P_kl, q))  # 0·log 0 = 0
    return kl + 0.1 * np.sum(special.xlog1py(q, q))


# ---------------------------------------------------------------- points
def points():
    r = np.random.default_rng(1)
    return {
        "rk4_pendulum": np.array([0.3, 1.5]),
        "conv2d": 0.5 * r.normal(size=(2, 3, 3)),
        "masked_attention": tuple(0.5 * r.normal(size=(4, 4)) for _ in range(2)),
        "batchnorm": {"gamma": r.normal(size=3), "beta": r.normal(size=3), "W": r.normal(size=(3, 3))},
        "sinkhorn": np.array([[0.9, 1.3], [0.6, 1.1], [1.4, 0.7]]),
        "logistic": r.normal(size=3),
        "black_scholes": np.array([95.0, 0.25]),
        "interp_loss": r.normal(size=6),
        "kde_loglik": np.array([-0.3, 0.2]),
        "gumbel_softmax": r.normal(size=(3, 4)),
        "nbody_energy": r.normal(size=8),
        "traced_inplace": np.array([0.5, -1.0, 2.0]),
        "conversions": np.array([0.8, -0.4, 1.3]),
        "errstate_log": np.array([0.8, -0.4, 1.3, 0.0]),
        "einsum_optimize": {"A": r.normal(size=(2, 3)), "B": r.normal(size=(3, 3))},
        "lstsq_fit": {"dA": r.normal(size=(4, 2)), "db": r.normal(size=4)},
        "reduce_matmuls": np.array([0.3, -0.5, 1.1]),
        "newton_sqrt": np.array([2.0, 3.0, 0.5]),
        "poisson_glm": np.array([0.2, -0.3]),
        "heat_roll": np.array([0.8, 0.3]),
        "fft_power": r.normal(size=6),
        "triplet": r.normal(size=(3, 4)),
        "kl_xent": r.normal(size=(2, 4)),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]
#: (f, g·cos(k + 1), |g|²) of the flattened gradient, by jax.grad in x64
GRAD = {
    "rk4_pendulum": (0.6041921776115373, -0.7363538708373243, 1.212841510082001),  # jax, n=2
    "conv2d": (0.5234197749216399, -0.5805235461580456, 0.8637301133677678),  # jax, n=18
    "masked_attention": (16.785780251000848, -2.5632005614753313, 10.552946454866333),  # jax, n=32
    "batchnorm": (-7.794563617648787, 0.17471793741008118, 157.71790879252094),  # jax, n=15
    "sinkhorn": (0.8441188522515928, 0.27699828617846045, 0.3664497814785571),  # jax, n=6
    "logistic": (0.8478939780677353, -0.011151614249767733, 0.06184338354162723),  # jax, n=3
    "black_scholes": (57.12286123678869, 6.655016914267991, 311.4327094893802),  # jax, n=2
    "interp_loss": (5.852132570006711, -0.2951028961029834, 23.62376415548057),  # jax, n=6
    "kde_loglik": (-5.908209224204481, 0.19432316470295422, 1.599012373455875),  # jax, n=2
    "gumbel_softmax": (6.79786776861183, 0.003543933555282516, 0.891577152196173),  # jax, n=12
    "nbody_energy": (-41.64836819207622, -3.834160587168446, 2392.966663370635),  # jax, n=8
    "traced_inplace": (-6.75, 13.94641645328262, 557.296875),  # jax, n=3
    "conversions": (9.252500000000001, -3.771838784300905, 83.27250000000001),  # jax, n=3
    "errstate_log": (0.16255870275637063, -0.8299938192458898, 2.1970694780692477),  # jax, n=4
    "einsum_optimize": (13.10381667797741, 7.330619147709002, 200.2023533070752),  # jax, n=15
    "lstsq_fit": (2.1428317412886524, 2.2693904631484534, 7.9715696625985375),  # jax, n=12
    "reduce_matmuls": (5.5768651732018535, 4.122856183438939, 67.31555458556511),  # jax, n=3
    "newton_sqrt": (6.999635521070491, -2.1493279989277845, 4.958333333333335),  # jax, n=3
    "poisson_glm": (14.046742047851208, 5.25401079841105, 159.62348396360431),  # jax, n=2
    "heat_roll": (2.5713400358051746, 0.40887174426752837, 1.882853671641279),  # jax, n=2
    "fft_power": (51.55409172012245, -17.798332420333075, 867.2834122456453),  # jax, n=6
    "triplet": (3.3794017641946725, 0.36325327970532195, 27.358841510120257),  # jax, n=12
    "kl_xent": (1.2207845172732328, -0.6751898616315025, 0.48923482169069066),  # jax, n=8
}

#: (uᵀHv, ΣH²) of the Hessian in the flattened argument, by jax.hessian in x64
HESS = {
    "rk4_pendulum": (1.2610373828780512, 7.89868589336251),  # jax.hessian
    "black_scholes": (-91.44741042729, 60115.0788100055),  # jax.hessian
    "kde_loglik": (0.41171507580583594, 9.920187093613373),  # jax.hessian
    "logistic": (-0.04684847227513691, 0.40879595305414074),  # jax.hessian
    "interp_loss": (-0.9548187341592662, 53.77352539062501),  # jax.hessian
    "heat_roll": (-0.3162491608684963, 2.618927042479045),  # jax.hessian
    "poisson_glm": (0.5466553935024179, 70.10897585316043),  # jax.hessian
    "newton_sqrt": (0.2925909188110733, 4.51707175925926),  # jax.hessian
    "nbody_energy": (-16.754092988291834, 63220.261120059986),  # jax.hessian
    "triplet": (0.34267644247877316, 96.13135092418779),  # jax.hessian
}


def _check_grad(name, value, g, method):
    check_gradient(GRAD[name], value, g, 1e-6 if method == "numeric" else 1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_gradient_of_user_code(f, method):
    """dl.value_and_grad of each function, and its prepared twin, equal jax.grad's (fft_power's complex
    values too, symbolic's included; newton_sqrt's `while` on its values cannot be prepared)."""
    check = lambda value, g: _check_grad(f.__name__, value, g, method)  # noqa: E731
    fresh_and_prepared(f, POINTS[f.__name__], method, check, specialised=f is newton_sqrt)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(HESS))
def test_hessian_of_user_code(name, method):
    """dl.hessian of the small functions equals jax.hessian's."""
    f, x = globals()[name], POINTS[name]
    check_hessian(f, x, method, HESS[name])


@pytest.mark.parametrize("method", METHODS)
def test_while_loop_on_traced_values_reused(method):
    """One dl.grad and one dl.hessian of newton_sqrt, reused at points needing 5 and 9 Newton steps and
    back: each answers with its own point's loop (d/da Σ k·√a_k = k / (2√a_k), the Hessian's diagonal
    −k / (4 a_k^1.5))."""
    g, H = dl.grad(newton_sqrt, method=method), dl.hessian(newton_sqrt, method=method)
    k = np.arange(1.0, 4.0)
    tol = 1e-6 if method == "numeric" else 1e-10
    for a in (np.array([2.0, 3.0, 0.5]), np.array([100.0, 0.01, 50.0]), np.array([2.0, 3.0, 0.5])):
        np.testing.assert_allclose(g(a), k / (2 * np.sqrt(a)), rtol=tol)
        np.testing.assert_allclose(H(a), np.diag(-k / (4 * a**1.5)), rtol=100 * tol, atol=100 * tol)


@pytest.mark.filterwarnings("ignore:overflow encountered in divide:RuntimeWarning")  # 1/(1e-300)², times a strong 0
@pytest.mark.parametrize("method", METHODS)
def test_where_over_log_at_zero_has_a_finite_hessian(method):
    """errstate_log at x = 0: where's untaken log branch has derivative 0 to every order (jax.hessian
    gives that row NaN: the where-of-a-NaN-derivative trap); the other entries are jax.hessian's."""
    x = POINTS["errstate_log"]
    H = np.asarray(dl.hessian(errstate_log, method=method)(x))
    np.testing.assert_allclose(H, np.diag([1 / 0.8, 0.0, 1 / 1.3, 0.0]), atol=1e-6 if method == "numeric" else 1e-12)


# -- what JAX refuses too: a clear error quoting the user's code, with what to write instead -------------------
X3 = np.array([0.3, 2.0, -0.5])


def _refused(f, error, match):
    for method in METHODS:
        with pytest.raises(error, match=match):
            dl.grad(f, method=method)(X3)


def test_python_numbers_of_traced_values_are_refused_by_their_code():
    """float(x), int(x), x.item() and math.exp/math.sqrt of a traced value make a Python number
    without its derivative (JAX: ConcretizationTypeError): the error quotes the call and says what to write
    (numpy.exp for math.exp). x.item() was an AttributeError listing the array methods."""
    conversion = dl.TracerConversionError
    _refused(lambda x: math.exp(x[0]), conversion, r"`math\.exp\(x\[0\]\)` converts .* use numpy\.exp \(it traces\)")
    _refused(lambda x: math.sqrt(x[1]) * x[2], conversion, r"`math\.sqrt\(x\[1\]\)` converts .* use numpy\.sqrt")
    _refused(lambda x: float(x[0]) * x[1], conversion, r"`float\(x\[0\]\)` .*\(x\[i\] rather than float\(x\[i\]\)")
    _refused(lambda x: int(x[0]) * x[1], conversion, r"`int\(x\[0\]\)` converts .* Python number")
    _refused(lambda x: x[2].item() * x[1], conversion, r"`x\[2\]\.item\(\)` .* rather than x\[i\]\.item\(\)")
    # x.tolist() gives the elements as 0-d traced values (NumPy's Python numbers would drop the derivative)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    for method in ("reverse", "forward", "numeric", "symbolic"):
        g = dl.grad(lambda x: sum(v * v for row in x.tolist() for v in row), method=method)(x)
        np.testing.assert_allclose(g, 2 * x, rtol=1e-8)
    assert dl.grad(lambda x: x[0].tolist() * x[1])(np.array([2.0, 5.0])).tolist() == [5.0, 2.0]


def _store_into_numpy(x):
    out = np.zeros(3)
    out[0] = 2 * x[0]
    return out @ x


def _accumulate_into_numpy(x):
    h = np.zeros(3)
    for k in range(3):
        h += x[k] * x
    return np.sum(h)


def _update_a_slice_of_numpy(x):
    h = np.ones(3)
    h[:2] *= x[1:]
    return np.sum(h)


def _assign_into_a_traced_copy(x):
    y = x.copy()
    y[0] = 2 * y[0]
    return y @ y


def test_numpys_own_conversions_are_refused_by_their_code():
    """np.asarray(x, dtype=float), np.array([a, b]), np.vectorize(g)(x), `h += x` and `out[0] = x` into an
    array of the function's own: NumPy converts the traced value itself (no dispatch reaches difflab); the
    error quotes the line and says what traces instead (`h += x` was "numpy.add(..., out=...) writes into
    an array in place", naming no `+=`; np.vectorize and np.asarray got the generic message only)."""
    unsupported = dl.UnsupportedOperationError
    _refused(
        lambda x: np.sum(np.asarray(x, dtype=float) ** 2), unsupported, r"`np\.asarray\(x, dtype=float\)`: .*drop it"
    )
    _refused(
        lambda x: np.sum(np.array([x[0], x[1] ** 2])),
        unsupported,
        r"`np\.array\(\[x\[0\], x\[1\] \*\* 2\]\)`.*numpy\.stack",
    )
    _refused(
        lambda x: np.sum(np.vectorize(lambda t: t**3 if t > 0 else np.sin(t))(x)),
        unsupported,
        r"numpy\.vectorize \(`np\.vectorize\(.*use difflab\.numpy\.vectorize",
    )
    _refused(
        _accumulate_into_numpy, unsupported, r"`h \+= x\[k\] \* x` writes a traced value into h, .* write h = h \+"
    )
    _refused(_update_a_slice_of_numpy, unsupported, r"`h\[:2\] \*= x\[1:\]` .* build the new array")
    _refused(_store_into_numpy, dl.TracerConversionError, r"stored into a NumPy array \(`out\[0\] = \.\.\.`\)")
    # (y[0] = ... into a traced copy was refused here, "immutable, as JAX's": it records an update now,
    # tests/test_setitem.py)
    assert dl.grad(_assign_into_a_traced_copy)(np.array([1.0, 2.0])) == pytest.approx([8.0, 4.0])


def test_scipys_python_functions_name_difflab_scipys():
    """scipy.special.logsumexp (Sinkhorn written with SciPy's) is SciPy's Python code: refused naming
    difflab.scipy.special.logsumexp, which traces (the sinkhorn above writes its own). scipy.linalg's
    solve_triangular converts in a scipy._lib decorator: named by the function it wraps (was "scipy._lib.wrapper
    ... difflab.scipy has no differentiable version of it"); scipy.optimize.minimize's "must return a scalar
    value" ValueError gives way to its cause; scipy.integrate.quad's float() quotes the user's call, not
    SciPy's internal line."""
    import scipy.integrate
    import scipy.linalg
    import scipy.optimize

    unsupported = dl.UnsupportedOperationError
    _refused(lambda x: special.logsumexp(x), unsupported, r"use difflab\.scipy\.special\.logsumexp")
    _refused(
        lambda x: np.sum(scipy.linalg.solve_triangular(np.triu(np.outer(x, x) + np.eye(3)), x)),
        unsupported,
        r"scipy\.linalg\.solve_triangular is SciPy's .* use difflab\.scipy\.linalg\.solve_triangular",
    )
    _refused(
        lambda x: scipy.optimize.minimize(lambda t: np.sum((t - x[:2]) ** 2), np.zeros(2)).fun,
        unsupported,
        r"scipy\.optimize\.minimize is SciPy's Python code",
    )
    _refused(
        lambda x: scipy.integrate.quad(lambda t: x[0] * t**2, 0, 1)[0],
        dl.TracerConversionError,
        r"`scipy\.integrate\.quad\(lambda t: x\[0\] \* t\*\*2, 0, 1\)` converts",
    )


@pytest.mark.parametrize("method", METHODS)
def test_reshape_and_ravel_in_column_major_order(method):
    """x.reshape(2, 3, order="F"), np.reshape(..., order="F"), x.ravel(order="F"), x.flatten(order="F"):
    NumPy's values and their gradients (were a TypeError: unexpected keyword 'order'); 'A' and 'K' follow
    a memory layout a traced value has not, and are refused by name."""
    x = np.arange(1.0, 7.0)
    W = np.arange(6.0).reshape(2, 3) * 0.1 + 0.3

    def f(x):
        A = x.reshape(2, 3, order="F")
        B = np.reshape(x, (3, -1), order="F")
        return np.sum(A * W) + B.ravel(order="F") @ np.arange(6.0) + A.flatten(order="F") ** 2 @ np.arange(6.0)

    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    want = W.ravel(order="F") + np.arange(6.0) + 2 * x * np.arange(6.0)
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-12)
    with pytest.raises(ValueError, match=r"numpy\.ravel\(\.\.\., order='K'\).*memory layout"):
        dl.grad(lambda x: x.ravel(order="K").sum(), method=method)(x)


@pytest.mark.parametrize("method", METHODS)
def test_xlogy_where_the_weight_is_zero(method):
    """scipy.special.xlogy and xlog1py (were "not a difflab primitive"): Σ xlogy(p, p/q) has gradient −p/q and
    Hessian diag(p/q²), 0 where p is 0 to every order, with no warning (jax.grad's is NaN there: x/y at
    0/0); d xlogy(x, y)/dx = log y, also at x = 0."""
    p, q = P_kl[0], np.array([0.3, 0.1, 0.4, 0.2])
    f = lambda q: np.sum(special.xlogy(p, p / q))  # noqa: E731
    tol = 1e-6 if method == "numeric" else 1e-13
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(dl.grad(f, method=method)(q), -p / q, rtol=tol, atol=tol)
        np.testing.assert_allclose(dl.hessian(f, method=method)(q), np.diag(p / q**2), rtol=1e3 * tol, atol=1e3 * tol)
    g = dl.grad(lambda v: special.xlogy(v[0], v[1]) + special.xlog1py(v[0], v[1]), method=method)(np.array([0.0, 0.5]))
    np.testing.assert_allclose(g, [np.log(0.5) + np.log1p(0.5), 0.0], rtol=tol, atol=tol)


def reparam_elbo(p):
    mu, log_s = p["mu"], p["log_s"]
    eps = np.random.normal(size=3)  # NumPy's global generator: a new draw on every call
    z = mu + np.exp(log_s) * eps
    return np.sum(z**2) - np.sum(log_s)


@pytest.mark.parametrize("method", METHODS)
def test_a_draw_from_numpys_global_generator_is_new_on_every_call(method):
    """One dl.grad of a reparameterised loss drawing eps with np.random.normal, called at two seeds: each
    call's gradient is its own draw's, d/dmu = 2z, d/dlog_s = 2z·s·eps − 1 (the cached graph of the first
    call kept its eps: np.random is read through the module `np`, which the cache compares by identity;
    a Generator in a closure was already never cached); an unseeded np.random.default_rng() too, while a
    seeded default_rng(0) (the same draws on every call) keeps the cache."""
    p = {"mu": np.array([0.3, -0.2, 0.5]), "log_s": np.array([-0.5, 0.1, 0.0])}
    g = dl.grad(reparam_elbo, method=method)
    state = np.random.get_state()
    try:
        for seed in (0, 1, 0):
            np.random.seed(seed)
            eps = np.random.normal(size=3)
            np.random.seed(seed)
            got = g(p)
            s = np.exp(p["log_s"])
            z = p["mu"] + s * eps
            tol = 1e-6 if method == "numeric" else 1e-12
            np.testing.assert_allclose(got["mu"], 2 * z, rtol=tol)
            np.testing.assert_allclose(got["log_s"], 2 * z * s * eps - 1, rtol=tol, atol=tol)
    finally:
        np.random.set_state(state)
    fresh = dl.grad(lambda w: np.sum((w + np.random.default_rng().normal(size=2)) ** 2), method=method)
    w = np.array([1.0, -2.0])
    assert not np.allclose(fresh(w), fresh(w))  # an unseeded default_rng(): a new stream on every call
    from difflab.compile.reads import reads_of  # (a seeded one is the same on every call: still cached)

    assert reads_of(lambda w: w * np.random.default_rng(0).normal()) is not None
    assert reads_of(lambda w: w * np.random.default_rng().normal()) is None


@pytest.mark.parametrize("method", METHODS)
def test_diff_with_prepend_and_append(method):
    """np.diff(x, prepend=0.0) and np.diff(..., axis=0, append=...) (were refused: difflab's diff took
    (a, n, axis) only): NumPy's values, jax.grad's gradient (jax.numpy.diff takes both)."""
    x = np.array([0.5, -1.0, 2.0, 0.3, 1.1])

    def f(x):
        a = np.diff(x, prepend=0.0) ** 2
        b = np.diff(x.reshape(5, 1), axis=0, append=np.ones((1, 1))) ** 3
        return np.sum(a) + np.sum(b) + np.sum(np.diff(x, n=2, prepend=x[:1], append=2.0) * np.arange(5.0))

    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    want = [-1.75, -29.25, 27.730000000000004, 1.7499999999999982, -1.5099999999999993]  # jax.grad, x64
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-12)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_real_and_imag_attributes(method):
    """z.real and z.imag of a traced complex value (were "traced values have no attribute 'real'"), as
    np.real(z) and np.imag(z): d/dx Σ Re(e^{ix})·x + Im(e^{ix}) = cos x − x sin x + cos x."""
    x = np.array([0.5, -1.0, 2.0])

    def f(x):
        z = np.exp(1j * x)
        return np.sum(z.real * x + z.imag) + np.sum(x.real**2) + np.sum(x.imag)

    value, g = dl.value_and_grad(f, method=method)(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    want = 2 * np.cos(x) - x * np.sin(x) + 2 * x
    np.testing.assert_allclose(g, want, rtol=1e-6 if method == "numeric" else 1e-12)
