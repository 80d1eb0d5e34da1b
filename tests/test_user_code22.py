"""What a user writes, round 22: functions in plain NumPy by someone coming from JAX, using difflab's transformations
as they would use JAX's (dl.grad, value_and_grad(has_aux=True), jvp, vjp, jacfwd, jacrev, hessian, hvp, linearize,
vmap with in_axes/out_axes, custom_jvp, custom_vjp, checkpoint, stop_gradient) inside the function differentiated.

Meta-learning: MAML's inner SGD step by dl.grad (grad inside grad); a learned optimizer (log step size, momentum)
unrolled 5 steps. Privacy: DP-SGD's per-example gradients by vmap(grad, in_axes=(None, 0, 0)), clipped and averaged.
Second order without matrices: a Gauss–Newton step, JᵀJv by jvp∘vjp inside 3 CG iterations; a natural-gradient step by
a Fisher-vector product (jvp and vjp of the logits); a truncated Newton step by dl.hvp inside CG on Rosenbrock; J by
dl.linearize's jvp_fn on the basis, then solve(JᵀJ + λI, −Jᵀr). Implicit differentiation: a deep-equilibrium layer,
a fixed-point solver in custom_vjp whose bwd solves the adjoint by iteration. Flows: a planar flow's log-det by jacfwd and
slogdet per sample (vmap); FFJORD's divergence by Hutchinson's estimator (vjp with fixed Rademacher probes).
Physics-informed: a Sobolev loss (vmap(grad(model, argnums=1))); a PINN's u'' by vmap(grad(grad(u))). Robustness:
FGSM (sign of grad in the inputs). RL: TD(0) with a stop_gradient target. Rules: JAX's docs' log1pexp with its
custom_jvp; an RNN cell in dl.checkpoint. Dynamics: a Hénon map's finite-time Lyapunov exponent (jacrev per step,
slogdet of the product). Ensembles: vmap over stacked weights with in_axes=(0, None), out_axes=1. A gradient penalty
from value_and_grad(has_aux=True) inside; a Hessian-trace penalty by jacfwd(jacrev).

Each one's value and gradient under every method at its point (fresh) and at x + 0.05·sin(k + 1) (prepared at the
first), against JAX x64 (f, g·cos(k + 1), |g|²; stored, so CI needs no JAX): the same source run with np = jax.numpy
and dl a shim mapping each name to JAX's (dl.hvp to jax.jvp of jax.grad; the custom rules rebuilt by
jax.custom_jvp/custom_vjp around the same functions); a Hessian kept for three of them (henon_lyapunov,
td_semi_gradient, custom_jvp_softplus; jax.hessian), the symbolic ones cheap.

What they met (first run, 21 functions × 4 methods, fresh and prepared at two points, then dl.hessian under all four
for 13 of them; a Laplace evidence by dl.hessian inside, right, is left out: round 10 has one): every gradient right under every method (JAX x64, to 1e-9; numeric to 1e-6) and quiet, but for the
rules: forward refuses custom_vjp by name (as JAX does), numeric says NumericIgnoresRuleWarning for custom_vjp,
custom_jvp and stop_gradient (right where the rule is the function's own derivative; TD's full gradient, not its
semi-gradient). Wrong silently: henon_lyapunov's numeric Hessian, 270 for −16 in H[0, 0] (the fixed test below): its
log|det| of a cond-3.7e3 product of jacrev's Jacobians gives logabsdet a length scale that shrinks the steps to 6e-9,
where LU's round-off (1e-14, 40 times eps·|f|) is the second differences' whole; f holding rules' equations (jacrev's),
numeric never judged its round-off. Now judged (differentiators/offsets.py) and said; its message's bound (eps·|f|)
still understates that round-off (0.11 of H[0, 0], the truth 17 times it): LU's own error is not among f's terms.
Judged too, test_user_code10's laplace_evidence now says its 1e-9 entries are 2–4 % off (true). The numeric Hessian
of linearize_jtj is 1.3e-4 off and says so (not kept). JAX's own hessian of deq_implicit fails (forward over
custom_vjp); difflab's reverse-over-reverse pair is not checked here.
JAX keywords a user reaches for that difflab lacked (recorded here; since added or refused by name, stop 63:
tests/test_jaxkw63.py): checkpoint's policy= (refused by name;
prevent_cse= taken: tests/test_checkpoint62.py), custom_jvp.defjvps, vmap(axis_size=, axis_name=), grad(allow_int=) (Python's "unexpected keyword argument"),
linear_transpose(f, *primals) (difflab's takes a Linearized: dl.linear_transpose(dl.linearize(f, x)[1]); Python's
"takes 1 positional argument"), and dl.remat, which is difflab's module remat, not jax.remat's alias of checkpoint
("'module' object is not callable"). dl.lax and dl.tree_util said only "no attribute": now they name difflab's
spellings (dl.stop_gradient, Python control flow; difflab.tree), tests/test_errors.py.
"""

import numpy as np

import pytest

from user_code import METHODS, at_two_points, check_gradient, check_hessian, two_points_test

import difflab as dl
from difflab.errors import NotDifferentiableError, NumericAccuracyWarning, NumericIgnoresRuleWarning

# ---------------------------------------------------------------- data

_r = np.random.default_rng(22)
X_lr = _r.standard_normal((6, 3))
y_lr = (X_lr @ np.array([1.0, -0.5, 0.3]) + 0.3 * _r.standard_normal(6) > 0).astype(float)
t_fit = np.linspace(0, 2, 7)
y_fit = 1.5 * np.exp(-0.8 * t_fit) + 0.2 + 0.02 * _r.standard_normal(7)
W_fp = 0.3 * _r.standard_normal((3, 3))
x_fp = np.array([0.5, -0.2, 0.8])
z_fl = _r.standard_normal((5, 2))
probes_hu = np.sign(_r.standard_normal((3, 3)))
x_so = np.linspace(-1, 1, 5)
x_pi = np.linspace(0.1, 0.9, 4)
X_tasks = _r.standard_normal((3, 4, 2))
y_tasks = X_tasks @ np.array([0.7, -1.2]) + 0.1 * _r.standard_normal((3, 4))
s_td = _r.standard_normal((5, 2))
s2_td = _r.standard_normal((5, 2))
r_td = np.array([1.0, 0.0, -0.5, 0.3, 0.8])
xs_rnn = _r.standard_normal((4, 2))
W0_en = 0.5 * _r.standard_normal((3, 2))


# ---------------------------------------------------------------- the functions


def _nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def maml_inner(p):
    """MAML: one inner SGD step per task by dl.grad, the outer loss at the adapted weights (grad inside grad)."""
    w0, lr = p[:2], np.exp(p[2])

    def task_loss(w, X, y):
        return np.mean((X @ w - y) ** 2)

    total = 0.0
    for X, y in zip(X_tasks, y_tasks):
        w = w0 - lr * dl.grad(task_loss)(w0, X[:2], y[:2])
        total = total + task_loss(w, X[2:], y[2:])
    return total


def dp_sgd_clip(p):
    """DP-SGD: per-example gradients by vmap(grad) with in_axes=(None, 0, 0), each clipped to norm 1, averaged."""

    def loss(w, x, y):
        return np.logaddexp(0.0, x @ w) - y * (x @ w)

    G = dl.vmap(dl.grad(loss), in_axes=(None, 0, 0))(p, X_lr, y_lr)
    norms = np.sqrt(np.sum(G**2, axis=1) + 1e-12)
    G = G / np.maximum(1.0, norms / 0.5)[:, None]
    w = p - 0.5 * G.mean(0)
    return _nll(w, X_lr, y_lr)


def _resid(q):
    return q[0] * np.exp(-q[1] * t_fit) + q[2] - y_fit


def gauss_newton_cg(q):
    """A Gauss–Newton step: JᵀJv by jvp∘vjp (never forming J), (JᵀJ + λI)d = −Jᵀr by 3 steps of CG in NumPy."""
    r, pullback = dl.vjp(_resid, q)
    g = pullback(r)[0]

    def gn(v):
        return pullback(dl.jvp(_resid, (q,), (v,))[1])[0] + 1e-3 * v

    d = np.zeros_like(q)
    res = -g
    s = res
    for _ in range(3):
        As = gn(s)
        a = (res @ res) / (s @ As)
        d = d + a * s
        new = res - a * As
        s = new + (new @ new) / (res @ res) * s
        res = new
    return 0.5 * np.sum(_resid(q + d) ** 2)


@dl.custom_vjp
def fixed_point(W, x):
    z = np.zeros_like(x)
    for _ in range(30):
        z = np.tanh(W @ z + x)
    return z


def _fp_fwd(W, x):
    z = fixed_point(W, x)
    return z, (W, z)


def _fp_bwd(res, zbar):
    W, z = res
    D = 1 - z**2
    u = zbar  # u = zbar + (D W)ᵀ u by fixed-point iteration
    for _ in range(30):
        u = zbar + W.T @ (D * u)
    return np.outer(D * u, z), D * u


fixed_point.defvjp(_fp_fwd, _fp_bwd)


def deq_implicit(p):
    """A deep equilibrium layer: a fixed-point solver wrapped in custom_vjp whose bwd solves the adjoint (implicit
    differentiation, as in JAX's docs)."""
    W = W_fp + 0.1 * p[:9].reshape(3, 3)
    z = fixed_point(W, x_fp * p[9])
    return np.sum((z - 0.3) ** 2)


def fisher_natural_step(w):
    """A Fisher-vector product of logistic regression, Jᵀ diag(σ(1−σ)) J v, by jvp and vjp of the logits; a natural
    gradient step solved by 4 CG iterations; the loss after it."""

    def logits(w):
        return X_lr @ w

    z, pullback = dl.vjp(logits, w)
    s = 1 / (1 + np.exp(-z))
    g = pullback(s - y_lr)[0]

    def fvp(v):
        return pullback(s * (1 - s) * dl.jvp(logits, (w,), (v,))[1])[0] + 0.1 * v

    d, res = np.zeros_like(w), g
    sdir = res
    for _ in range(3):
        As = fvp(sdir)
        a = (res @ res) / (sdir @ As)
        d = d + a * sdir
        new = res - a * As
        sdir = new + (new @ new) / (res @ res) * sdir
        res = new
    return _nll(w - 0.5 * d, X_lr, y_lr)


def planar_flow(p):
    """A planar normalising flow y = z + u tanh(wᵀz + b): the log-det of its Jacobian by dl.jacfwd and slogdet
    per sample (vmap), the flow's negative log-likelihood under a standard normal base."""
    u, w, b = p[:2], p[2:4], p[4]

    def flow(z):
        return z + u * np.tanh(w @ z + b)

    def logdet(z):
        return np.linalg.slogdet(dl.jacfwd(flow)(z))[1]

    y = dl.vmap(flow)(z_fl)
    return np.mean(0.5 * np.sum(y**2, axis=1) - dl.vmap(logdet)(z_fl))


def hutchinson_ffjord(p):
    """FFJORD's divergence by Hutchinson's estimator: εᵀ(∂f/∂z)ε by vjp with fixed Rademacher probes."""
    W = p[:9].reshape(3, 3)
    z = np.array([0.3, -0.6, 0.9])

    def field(z):
        return np.tanh(W @ z + p[9:12])

    out, pullback = dl.vjp(field, z)
    tr = sum(pullback(e)[0] @ e for e in probes_hu) / len(probes_hu)
    return np.sum(out**2) + tr**2


def _rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def newton_cg_hvp(x):
    """A truncated Newton step: H v by dl.hvp inside conjugate gradient (4 iterations) in NumPy; f after the step."""
    g = dl.grad(_rosen)(x)
    d, res = np.zeros_like(x), -g
    s = res
    for _ in range(3):
        Hs = dl.hvp(_rosen, (x,), (s,))[1]
        a = (res @ res) / (s @ Hs)
        d = d + a * s
        new = res - a * Hs
        s = new + (new @ new) / (res @ res) * s
        res = new
    return _rosen(x + 0.5 * d)


def _mlp(theta, x):
    W1, b1, w2 = theta[:6].reshape(6, 1), theta[6:12], theta[12:18]
    return np.tanh(W1[:, 0] * x + b1) @ w2


def sobolev_loss(theta):
    """Sobolev training: the model's values and its x-derivative (vmap(grad) in argnums=1) matched to sin and cos."""
    f = dl.vmap(_mlp, in_axes=(None, 0))(theta, x_so)
    df = dl.vmap(dl.grad(_mlp, argnums=1), in_axes=(None, 0))(theta, x_so)
    return np.mean((f - np.sin(2 * x_so)) ** 2) + np.mean((df - 2 * np.cos(2 * x_so)) ** 2)


def pinn_poisson(theta):
    """A physics-informed network: u'' by grad(grad) in x per collocation point, u'' + π² sin(πx) = 0, u(0)=u(1)=0."""

    def u(x):
        return x * (1 - x) * _mlp(theta, x)

    upp = dl.vmap(dl.grad(dl.grad(u)))(x_pi)
    return np.mean((upp + np.pi**2 * np.sin(np.pi * x_pi)) ** 2)


def fgsm_adversarial(w):
    """Adversarial training by FGSM: x + ε sign(∇ₓ loss), the loss at the perturbed inputs (sign's derivative 0)."""

    def loss(w, X):
        return _nll(w, X, y_lr)

    gx = dl.grad(loss, argnums=1)(w, X_lr)
    X_adv = X_lr + 0.1 * np.sign(gx)
    return loss(w, X_adv) + 0.5 * loss(w, X_lr)


def learned_optimizer(h):
    """A learned optimizer unrolled 5 steps: momentum SGD with a learned log step size and momentum, on a quadratic
    and a logistic inner loss, the meta-loss the sum of losses along the path."""
    lr, mom = np.exp(h[0]), 1 / (1 + np.exp(-h[1]))

    def inner(w):
        return _nll(w, X_lr, y_lr) + 0.05 * np.sum(w**2)

    w, v, meta = np.zeros(3), np.zeros(3), 0.0
    for _ in range(5):
        v = mom * v - lr * dl.grad(inner)(w)
        w = w + v
        meta = meta + inner(w)
    return meta


def td_semi_gradient(w):
    """TD(0) with a stop_gradient target: ½ Σ (r + γ V(s') − V(s))² with V(s') held constant."""

    def V(s):
        return np.tanh(s @ w[:2] + w[2]) * w[3]

    target = r_td + 0.9 * dl.stop_gradient(V(s2_td))
    return 0.5 * np.sum((target - V(s_td)) ** 2)


@dl.custom_jvp
def log1pexp(x):
    return np.logaddexp(0.0, x)


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), t / (1 + np.exp(-x))


def custom_jvp_softplus(w):
    """A numerically safe softplus with its own custom_jvp (JAX's docs' log1pexp), in a Poisson regression."""
    rate = log1pexp(X_lr @ w)
    return np.sum(rate - (y_lr + 1) * np.log(rate))


def checkpointed_rnn(p):
    """An Elman RNN whose cell is wrapped in dl.checkpoint (rematerialised in reverse), 4 steps."""
    W, U, b = p[:4].reshape(2, 2), p[4:8].reshape(2, 2), p[8:10]
    cell = dl.checkpoint(lambda h, x: np.tanh(W @ h + U @ x + b))
    h = np.zeros(2)
    for x in xs_rnn:
        h = cell(h, x)
    return np.sum((h - np.array([0.5, -0.5])) ** 2)


def linearize_jtj(q):
    """J by dl.linearize's jvp_fn on the basis vectors (the linearisation evaluated once), then the Gauss–Newton
    step by solve(JᵀJ + λI, −Jᵀr)."""
    r, f_jvp = dl.linearize(_resid, q)
    J = np.stack([f_jvp(e) for e in np.eye(3)], axis=1)
    d = np.linalg.solve(J.T @ J + 1e-3 * np.eye(3), -J.T @ r)
    return 0.5 * np.sum(_resid(q + d) ** 2)


def henon_lyapunov(p):
    """A finite-time Lyapunov exponent of the Hénon map: jacrev per step, the product's log|det| by slogdet."""
    a, b = p

    def step(x):
        return np.stack([1 - a * x[0] ** 2 + x[1], b * x[0]])

    x, M = np.array([0.1, 0.1]), np.eye(2)
    for _ in range(4):
        M = dl.jacrev(step)(x) @ M
        x = step(x)
    return np.linalg.slogdet(M)[1] / 4 + np.sum(x**2)


def ensemble_vmap(p):
    """A deep ensemble's members by vmap over stacked weights, in_axes=(0, None), out_axes=1 (members in columns)."""
    Ws = W0_en + p[:6].reshape(3, 2)

    def member(w, X):
        return np.tanh(X @ w)

    preds = dl.vmap(member, in_axes=(0, None), out_axes=1)(Ws, X_lr[:, :2])
    return np.mean((preds.mean(1) - (2 * y_lr - 1) * 0.5) ** 2) + 0.1 * np.mean(preds.var(1))


def value_and_grad_aux(w):
    """An outer loss built from value_and_grad(has_aux=True) inside: the inner loss returns (loss, logits); the
    gradient-penalty term uses the gradient, the aux feeds an accuracy-like soft term."""

    def inner(w):
        z = X_lr @ w
        return _nll(w, X_lr, y_lr), z

    (val, z), g = dl.value_and_grad(inner, has_aux=True)(w)
    return val + 0.1 * np.sum(g**2) + 0.01 * np.sum(np.tanh(z))


def hessian_trace_penalty(w):
    """Loss + λ tr(H)/n with H by jacfwd(jacrev) of the loss (JAX's hessian spelt out)."""
    H = dl.jacfwd(dl.jacrev(lambda v: _nll(v, X_lr, y_lr)))(w)
    return _nll(w, X_lr, y_lr) + 0.1 * np.trace(H)


def points():
    return {
        "maml_inner": np.array([0.2, -0.3, np.log(0.1)]),
        "dp_sgd_clip": np.array([0.3, -0.2, 0.1]),
        "gauss_newton_cg": np.array([1.2, 0.6, 0.1]),
        "deq_implicit": np.array([0.1, -0.2, 0.3, 0.0, 0.2, -0.1, 0.1, 0.05, -0.3, 1.0]),
        "fisher_natural_step": np.array([0.3, -0.2, 0.1]),
        "planar_flow": np.array([0.5, -0.3, 0.8, 0.4, 0.1]),
        "hutchinson_ffjord": np.linspace(-0.5, 0.6, 12),
        "newton_cg_hvp": np.array([-0.5, 0.8, 0.6]),
        "sobolev_loss": np.linspace(-1, 1.2, 18),
        "pinn_poisson": np.sin(np.arange(18.0)),
        "fgsm_adversarial": np.array([0.4, -0.3, 0.2]),
        "learned_optimizer": np.array([np.log(0.1), 0.5]),
        "td_semi_gradient": np.array([0.3, -0.4, 0.1, 1.2]),
        "custom_jvp_softplus": np.array([0.3, -0.2, 0.1]),
        "checkpointed_rnn": np.linspace(-0.4, 0.5, 10),
        "linearize_jtj": np.array([1.2, 0.6, 0.1]),
        "henon_lyapunov": np.array([1.2, 0.3]),
        "ensemble_vmap": np.linspace(-0.3, 0.3, 6),
        "value_and_grad_aux": np.array([0.3, -0.2, 0.1]),
        "hessian_trace_penalty": np.array([0.3, -0.2, 0.1]),
    }


POINTS = points()
FUNCS = [globals()[name] for name in POINTS]


#: (f, g·cos(k + 1), |g|²) of the gradient by jax.value_and_grad in x64 (the module docstring says how)
GRAD = {
    "maml_inner": (0.3316319537979615, -0.18438438395710766, 0.6391494287189334),  # jax, n=3
    "dp_sgd_clip": (2.886589246380498, 0.552259414217577, 7.5245932909097615),  # jax, n=3
    "gauss_newton_cg": (0.002244692783939725, 0.0037840151317125154, 9.76146952143808e-05),  # jax, n=3
    "deq_implicit": (1.192699842436721, -0.9691223726857282, 1.250202814139542),  # jax, n=10
    "fisher_natural_step": (2.112299801396803, 0.36178017501109244, 2.255311370807478),  # jax, n=3
    "planar_flow": (1.9472512831921727, 0.1996714682097803, 1.2504942274021489),  # jax, n=5
    "hutchinson_ffjord": (0.6866152758075637, 0.045927362442971464, 2.858475137486835),  # jax, n=12
    "newton_cg_hvp": (12.225055172952867, 15.324554503721952, 11937.267965322928),  # jax, n=3
    "sobolev_loss": (19.681028640533935, -3.503635780749956, 475.7537110403557),  # jax, n=18
    "pinn_poisson": (9.018360517764682, 10.441404396305892, 37.83379773955373),  # jax, n=18
    "fgsm_adversarial": (4.789064083990203, 0.9457448800763146, 19.295888183961214),  # jax, n=3
    "learned_optimizer": (9.192657928859056, -1.61731349003054, 11.707566115312389),  # jax, n=2
    "td_semi_gradient": (0.9829649561814792, 0.2952896717316587, 0.8532629804753873),  # jax, n=4
    "custom_jvp_softplus": (7.006137029329576, -0.49724421645208794, 5.1265333948317675),  # jax, n=3
    "checkpointed_rnn": (0.40199177903282846, -1.4676016772174836, 4.517901468011369),  # jax, n=10
    "linearize_jtj": (0.00224469278393839, 0.003784015131967936, 9.761469522197116e-05),  # jax, n=3
    "henon_lyapunov": (-0.6156626280372095, -5.306953384435769, 93.63500743527415),  # jax, n=2
    "ensemble_vmap": (0.5160326507033309, -0.1555783474874106, 0.7207346766560238),  # jax, n=6
    "value_and_grad_aux": (4.414263962946583, 2.0842876053579276, 35.53530381555495),  # jax, n=3
    "hessian_trace_penalty": (3.970728677989824, 0.8987825107270273, 12.475551796326002),  # jax, n=3
}

#: the same at x + 0.05·sin(k + 1)
PERTURBED = {
    "maml_inner": (0.38057922533699157, -0.15559547129719814, 1.041734645565279),  # jax, n=3
    "dp_sgd_clip": (2.7482567623749787, 0.4837432543906949, 6.582163024576877),  # jax, n=3
    "gauss_newton_cg": (0.0020375444533766098, -0.0012808884489930897, 4.875182272120337e-06),  # jax, n=3
    "deq_implicit": (1.1607455351074072, -0.9844671745720651, 1.2896509452052844),  # jax, n=10
    "fisher_natural_step": (2.035288674301395, 0.36354970490581406, 2.309308022461818),  # jax, n=3
    "planar_flow": (2.01380340580311, 0.16769111642062084, 1.287740799573185),  # jax, n=5
    "hutchinson_ffjord": (0.6196190021003795, 0.16713097794461246, 2.6668509693408136),  # jax, n=12
    "newton_cg_hvp": (18.731111378451036, 14.527990472968838, 21627.490843322175),  # jax, n=3
    "sobolev_loss": (20.567837838034485, -3.551841888666748, 495.7438165333866),  # jax, n=18
    "pinn_poisson": (8.520378853638448, 7.640425201144241, 25.42148681537058),  # jax, n=18
    "fgsm_adversarial": (4.549519453146304, 0.8363652749384615, 16.87616535533587),  # jax, n=3
    "learned_optimizer": (9.029628792495739, -1.5974938767496087, 11.203225329837144),  # jax, n=2
    "td_semi_gradient": (0.9965180697921713, 0.486416225106011, 0.8264679100467331),  # jax, n=4
    "custom_jvp_softplus": (6.894303864987462, -0.6357504310563314, 4.102418996360474),  # jax, n=3
    "checkpointed_rnn": (0.26988625541625, -1.3399413237318776, 2.765747580738096),  # jax, n=10
    "linearize_jtj": (0.002037544453381135, -0.001280888449086465, 4.875182272452707e-06),  # jax, n=3
    "henon_lyapunov": (-0.318440039909227, -6.321518228915647, 115.1031205450915),  # jax, n=2
    "ensemble_vmap": (0.5149263222739059, -0.1698006669616961, 0.7411711689353484),  # jax, n=6
    "value_and_grad_aux": (4.121242428659518, 1.9051107788527042, 30.54606681699152),  # jax, n=3
    "hessian_trace_penalty": (3.7936964273269327, 0.8410898052477553, 11.420503410126564),  # jax, n=3
}


#: the ones with a rule (custom_vjp, custom_jvp, stop_gradient): numeric differentiates the function itself, and says so
RULED = ("deq_implicit", "td_semi_gradient", "custom_jvp_softplus")
PLAIN = {k: v for k, v in POINTS.items() if k not in RULED}

test_gradient_of_user_code_at_two_points = two_points_test(PLAIN, [globals()[k] for k in PLAIN], GRAD, PERTURBED)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", RULED)
def test_gradient_of_user_code_with_rules(name, method):
    """The custom rules and stop_gradient under the exact methods equal JAX's at both points; forward refuses
    custom_vjp by name (as JAX does); numeric differentiates the function itself, with a NumericIgnoresRuleWarning
    naming the rule: right where the rule is the function's own derivative (the converged fixed point, log1pexp), the
    full gradient where stop_gradient cuts one (TD's semi-gradient is not)."""
    f, x = globals()[name], POINTS[name]
    if (name, method) == ("deq_implicit", "forward"):
        with pytest.raises(NotDifferentiableError, match="custom_vjp function fixed_point: it has only a VJP rule"):
            dl.grad(f, method="forward")(x)
    elif method != "numeric":
        at_two_points(f, x, GRAD[name], PERTURBED[name], method, lambda s, v, g: check_gradient(s, v, g, 1e-9))
    else:
        with pytest.warns(NumericIgnoresRuleWarning, match="cannot honour (custom_vjp_fixed|stop_gradient|custom_jvp)"):
            value, g = dl.value_and_grad(f, method="numeric")(x)
        if name != "td_semi_gradient":
            check_gradient(GRAD[name], float(value), g, 1e-6)
            return

        def full(w):  # the same loss with V(s') differentiated too
            V = lambda s: np.tanh(s @ w[:2] + w[2]) * w[3]  # noqa: E731
            return 0.5 * np.sum((r_td + 0.9 * V(s2_td) - V(s_td)) ** 2)

        np.testing.assert_allclose(g, dl.grad(full)(x), rtol=1e-6)


#: (uᵀHv, ΣH²) of the Hessian, by jax.hessian in x64 (the same source and shim)
HESS = {
    "henon_lyapunov": (-18.663774919995333, 1219.0275799452188),  # jax, n=2
    "td_semi_gradient": (-1.0852273673400705, 50.660266761997775),  # jax, n=4
    "custom_jvp_softplus": (-2.8063801678929483, 78.57642318269485),  # jax, n=3
}


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
@pytest.mark.parametrize("name", sorted(HESS))
def test_hessian_of_user_code(name, method):
    """dl.hessian of a jacrev inside, a custom_jvp's rule and stop_gradient equals jax.hessian's."""
    check_hessian(globals()[name], POINTS[name], method, HESS[name])


def test_numeric_hessian_through_an_ill_conditioned_slogdet_is_said():
    """henon_lyapunov's log|det| of a product of jacrev's Jacobians (cond 3.7e3): numeric's Hessian steps shrink to
    6e-9 for logabsdet's length scale, where f's round-off (1e-14, LU's) swamps the second differences: H[0, 0] 270
    for -16. Main answered so silently (f holds jacrev's rule equations, and such an f's round-off was not judged)."""
    with pytest.warns(NumericAccuracyWarning, match=r"cannot resolve this derivative: H\[0, 0\]"):
        dl.hessian(henon_lyapunov, method="numeric")(POINTS["henon_lyapunov"])
