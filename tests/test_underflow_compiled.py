"""A primal whose exp underflows harmlessly (far points of an RBF kernel: exp(-4800) = 0; a softmax's logit gaps past
745; sigmoid(-800)) stays on the compiled path on every call (issue 17: extreme46 sent any underflow to the
interpreter, 3-4x per call), with the analytic derivative."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.differentiators import reverse


def _rbf(p):
    d = p[:, None, :] - _Q[None, :, :]
    return dnp.sum(dnp.exp(-dnp.sum(d * d, axis=-1)))


def _rbf_grad(p):  # d/dp_i Σ_j e^(-|p_i - q_j|²) = Σ_j -2 (p_i - q_j) e^(-|p_i - q_j|²)
    d = p[:, None, :] - _Q[None, :, :]
    return np.sum(-2.0 * d * np.exp(-np.sum(d * d, axis=-1))[..., None], axis=1)


def _softmax_grad(z):  # d/dz -Σ y·log softmax(z) = softmax(z)·Σy - y
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) * _Y.sum(axis=1, keepdims=True) - _Y


_rng = np.random.default_rng(0)
_Q = _rng.normal(size=(6, 3))
_Q[3:] += 40.0  # |p - q|² ~ 4800: exp underflows to exactly 0, as its partial
_H = np.array([[1.0, 0.0, 0.0], [1.0, 0.001, 0.002]])
_Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
CASES = {
    "rbf": (_rbf, _rng.normal(size=(4, 3)), _rbf_grad),
    "log_softmax": (
        lambda z: -dnp.sum(_Y * dnp.log_softmax(z, axis=-1)),
        np.array([[0.0, -800.0, -1000.0], [5.0, -900.0, 0.0]]),
        _softmax_grad,
    ),
    # logits H @ w with gaps of 720 and 1000: softmax weights e^-720 (subnormal) and 0; the rule's products with
    # them (e^out·Σū, then H.T @ dz) underflow from an operand already tiny, not a term lost
    "log_softmax of a matmul": (
        lambda w: -dnp.sum(_Y * dnp.log_softmax(_H @ w, axis=-1)),
        np.array([[0.0, -720.0, -1000.0], [1.0, 2.0, 3.0], [0.5, -0.5, 0.25]]),
        lambda w: _H.T @ _softmax_grad(_H @ w),
    ),
    "sigmoid": (
        lambda x: dnp.sum(dnp.sigmoid(x)),
        np.array([-800.0, 1.0, -1000.0]),
        lambda x: np.exp(-abs(x)) / (1 + np.exp(-abs(x))) ** 2,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_harmless_primal_underflow_stays_compiled_and_right(name, monkeypatch):
    f, x, exact = CASES[name]
    swept = []  # the interpreter's tape sweeps (reverse.backward), per call
    backward = reverse.backward
    monkeypatch.setattr(reverse, "backward", lambda *a, **k: swept.append(1) or backward(*a, **k))
    prepared = dl.prepare(f, x, method="reverse")
    with np.errstate(under="ignore", over="ignore"):
        want = exact(x)
    for call in range(4):
        swept.clear()
        got = prepared.grad(x)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
        if call > 1:  # (the first two are interpreted: a prepared product is lowered from its third call)
            assert not swept, f"call {call}: interpreted"


def test_the_checks_run_only_on_a_call_that_underflowed(monkeypatch):
    """underflow48 (issue 17): a wrapper that underflowed once checked every later call (2.40 vs 1.53 ms for an MLP);
    now NumPy's under="call" counts underflows, and a call with none returns at once."""
    from difflab.compile import graphs

    f, far, exact = CASES["log_softmax of a matmul"]
    near = np.array([[0.0, -2.0, 1.0], [1.0, 2.0, 3.0], [0.5, -0.5, 0.25]])  # logit gaps of a few: no underflow
    checked = []
    product = graphs._normal_product
    monkeypatch.setattr(graphs, "_normal_product", lambda args: checked.append(1) or product(args))
    prepared = dl.prepare(f, far, method="reverse")
    for call, x in enumerate((far, far, far, near, far, near)):
        checked.clear()
        with np.errstate(under="ignore"):
            want = exact(x)
        np.testing.assert_allclose(prepared.grad(x), want, rtol=1e-13, atol=0)
        if x is near:
            assert not checked, "a call with no underflow ran the product checks"
        elif call > 1:  # (the first two are interpreted: a prepared product is lowered from its third call)
            assert checked, "an underflowing call skipped the product checks"


@pytest.mark.parametrize("method", ["symbolic", "reverse"])
def test_no_underflow_wrapper_runs_until_an_underflow_raised(method, monkeypatch):
    """perf47 (issue 17): every `_under` call of the generated code went through its Python wrapper on every call
    (13 of them in a 4-16-3 MLP's gradient: 0.95x -> 1.08x hand NumPy at batch 1); now the names call the op itself
    until an underflow raises, then the wrappers are bound and the call rerun: the same answers, compiled."""
    from difflab.compile import graphs
    from difflab.nn import MLP

    built, ran = [], []  # `_underflow_exact` wrappers made, and their calls
    make = graphs._underflow_exact

    def counted(*how):
        run = make(*how)
        built.append(1)
        return lambda *args, **params: ran.append(1) or run(*args, **params)

    monkeypatch.setattr(graphs, "_underflow_exact", counted)
    rng = np.random.default_rng(0)
    params = {"W0": rng.normal(size=(4, 5)), "b0": rng.normal(size=5), "W1": rng.normal(size=(5, 3)), "b1": np.zeros(3)}
    X, Y = rng.normal(size=(2, 4)), np.eye(3)[[0, 2]]
    far = {**params, "W1": params["W1"] * 3000.0}  # logit gaps of thousands: softmax weights e^-gap = 0

    def want(p):  # d/dθ of mean over rows of -Σ y·log softmax(tanh(X W0 + b0) W1 + b1), by hand
        h = np.tanh(X @ p["W0"] + p["b0"])
        z = h @ p["W1"] + p["b1"]
        with np.errstate(under="ignore"):
            e = np.exp(z - z.max(axis=1, keepdims=True))
        dz = (e / e.sum(axis=1, keepdims=True) - Y) / len(X)
        dh = dz @ p["W1"].T * (1 - h * h)
        return {"W0": X.T @ dh, "b0": dh.sum(0), "W1": h.T @ dz, "b1": dz.sum(0)}

    prepared = dl.prepare(MLP([4, 5, 3], activation="tanh").loss("cross_entropy"), params, X, Y, method=method)
    for call, p in enumerate((params, params, params, params, far, far, params)):
        ran.clear()
        got = prepared.grad(p, X, Y)
        for k, v in want(p).items():
            np.testing.assert_allclose(got[k], v, rtol=1e-12, atol=1e-15, err_msg=f"call {call}: {k}")
        if call == 3:  # compiled (from the third call), nothing underflowed yet: no wrapper ran
            assert built, "the gradient's code has no `_under` name: nothing tested"
            assert not ran, f"{len(ran)} wrapper calls on a call with no underflow"
        if call == 5:  # (after an underflow: they run, as before)
            assert ran, "an underflowing call ran no wrapper"


def test_lowered_code_binds_its_wrappers_at_its_first_underflow_and_reruns_once():
    """The `_under` names of lowered code (compile.graphs `_swapper`) call the op itself until an underflow raises in
    the program; then every one is its wrapper, and the same call, rerun, answers: e^-800·(-800) is 0."""
    from difflab.compile.graphs import lower

    fn = lower(dl.trace(lambda x: dnp.sum(dnp.exp(x) * x), np.array([0.5, 1.0])))
    env = fn.__globals__
    names = [k for k in env if k.endswith(("_under", "_under_read"))]
    assert len(names) == 3 and env[names[0]] is np.exp  # exp, then the product and the sum that read it
    x = np.array([-800.0, 1.0])
    with np.errstate(all="raise"):
        np.testing.assert_allclose(fn(x)[0], np.e, rtol=1e-15)
        assert all([env[k].__name__ == "run" for k in names])
        np.testing.assert_allclose(fn(x)[0], np.e, rtol=1e-15)
    assert x.tolist() == [-800.0, 1.0]


def test_a_wrapper_per_check_where_one_op_is_read_by_a_quotient_rule_and_another_not():
    """Two products of one underflowing value, one of them read by sqrt's rule t/(2·out): each gets its own wrapper
    (a shared name kept whichever was built last, so the read product could skip its subnormal check)."""
    from difflab.compile.graphs import lower

    def f(x):
        e = dnp.exp(-x)
        return dnp.sum(dnp.sqrt(e * 1.5)) + dnp.sum(e * 3.0)

    fn = lower(dl.trace(f, np.array([1.0, 2.0])))
    env = fn.__globals__
    muls = sorted(k for k in env if k.startswith("op_mul_under"))
    assert muls == ["op_mul_under", "op_mul_under_read"]
    assert env["op_mul_under_read"] is env["op_mul_under"]  # (both the call itself until an underflow)
    x = np.array([720.0, 2.0])
    want = np.sum(np.sqrt(np.exp(-x) * 1.5)) + np.sum(np.exp(-x) * 3.0)
    with np.errstate(all="raise"):
        try:
            got = fn(x)[0]
        except FloatingPointError as error:  # (the read product's subnormal: the interpreter decides)
            assert "subnormal" in str(error)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-15)
        assert env["op_mul_under_read"] is not env["op_mul_under"]


def test_the_product_bound_is_the_masked_minimum_whatever_its_guess():
    """perf48: `_normal_product` scans a large argument with one min first (enough where it has no 0, subnormal or NaN
    entry); its bound stays the product of the least normal-range magnitudes (the masked scan, the reference here),
    whether the argument is small or large, dense or not."""
    from difflab.compile import graphs

    tiny = np.finfo(np.float64).tiny

    def reference(args):
        bound = 1.0
        for a in args:
            m = np.abs(np.asarray(a))
            normal = m[m >= tiny]
            if not normal.size:
                return np.inf
            bound *= float(normal.min())
        return bound

    dense = np.array([[3.0, -0.5], [2.0, 4.0]])
    holey = np.array([0.0, 1e-310, -2.0, np.nan, 0.25])
    cases = [
        (dense, holey), (holey, dense), (dense, dense), (np.zeros(3), dense), (dense, np.array([np.nan])),
        (np.array([1e-200]), np.array([-1e-120, 0.0])), (np.array([3, 0]), 2.0), (np.empty(0), dense),
        (np.array([np.inf, 0.0]), dense), (np.array([1 + 1j, 0j]), holey), (holey, dense),
    ]  # fmt: skip
    big = np.full(2048, 0.5)  # (past the size where it tries one min pass first)
    holey_big = np.concatenate([big, holey])
    cases += [(big, holey_big), (holey_big, big), (big, np.nan * big), (big * 1e-310, dense), (big.astype(int), big)]
    for args in cases:
        assert graphs._normal_product(args) == reference(args), args
