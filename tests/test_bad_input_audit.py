"""Issue 15 audited from outside (a hostile user's probes, bench/bad_input_walk.py): the holes that
audit found, each kept closed here. Cheap: scalars and 2-vectors, one method where the hole was in
the shared API boundary."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NumericIgnoresRuleWarning
from difflab.testing import GradientMismatch, check_grad

METHODS = ["symbolic", "numeric", "forward", "reverse"]


def _f(x, y):
    return dnp.sum(x * x) + 3.0 * dnp.sum(y)


ARGNUM_OPERATORS = {
    "grad": lambda a, m: dl.grad(_f, argnums=a, method=m)(1.0, 2.0),
    "value_and_grad": lambda a, m: dl.value_and_grad(_f, argnums=a, method=m)(1.0, 2.0),
    "jacobian": lambda a, m: dl.jacobian(_f, argnums=a, method=m)(1.0, 2.0),
    "hessian": lambda a, m: dl.hessian(_f, argnums=a, method=m)(1.0, 2.0),
    "prepare": lambda a, m: dl.prepare(_f, 1.0, 2.0, argnums=a, method=m).grad(1.0, 2.0),
    "compare": lambda a, m: dl.compare(_f, 1.0, 2.0, argnums=a, methods=[m]),
}


@pytest.mark.parametrize("operator", list(ARGNUM_OPERATORS))
def test_a_repeated_or_empty_argnums_is_refused_by_every_operator(operator):
    # argnums (0, 0) gave (0, 2) by forward and numeric for d(x² + 3y)/dx at x = 1 (a wrong number),
    # (2, 2) by reverse; () gave () or "tuple.index(x): x not in tuple"
    for m in ("forward", "numeric"):
        with pytest.raises(ValueError, match=r"argnums \(0, 0\) names argument 0 twice"):
            ARGNUM_OPERATORS[operator]((0, 0), m)
    with pytest.raises(ValueError, match=r"argnums \(\) names no argument"):
        ARGNUM_OPERATORS[operator]((), "reverse")


def test_a_numpy_integer_argnums_after_a_list_one():
    # a NumPy integer compared with the last call's argnums (a tuple) was an array: "the truth value
    # of an empty array is ambiguous"
    assert dl.grad(_f, argnums=[0, 1])(1.0, 2.0) == (2.0, 3.0)
    assert dl.value_and_grad(_f, argnums=np.int64(1))(1.0, 2.0) == (7.0, 3.0)
    assert "reverse" in str(dl.compare(_f, 1.0, 2.0, argnums=np.int64(1)))


def _numeric_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, NumericIgnoresRuleWarning)]


def test_numeric_warns_about_stop_gradient_at_every_call():
    f = lambda x: dnp.sum(x * dl.stop_gradient(x))  # noqa: E731
    x = np.array([0.5, 1.5])
    g = dl.grad(f, method="numeric")
    assert [len(_numeric_warnings(lambda: g(x))) for _ in range(3)] == [1, 1, 1]  # the third was silent
    # vjp after jvp of the same function reused its preparation and said nothing
    assert len(_numeric_warnings(lambda: dl.jvp(f, (x,), (np.ones(2),), method="numeric"))) == 1
    assert len(_numeric_warnings(lambda: dl.vjp(f, x, method="numeric")[1](1.0))) == 1
    with pytest.warns(NumericIgnoresRuleWarning):
        p = dl.prepare(f, x, method="numeric")
    assert len(_numeric_warnings(lambda: p.grad(x))) == 1 and len(_numeric_warnings(lambda: p.jacobian(x))) == 1
    assert _numeric_warnings(lambda: p.grad(x))[0].filename == __file__
    assert not _numeric_warnings(lambda: dl.grad(lambda x: dnp.sum(x * x), method="numeric")(x))


def _gen(x):
    yield x


@pytest.mark.parametrize("ret, name", [(lambda x: None, "NoneType"), (lambda x: "a", "str"), (_gen, "generator")])
def test_vmap_trace_and_checkpoint_name_a_returned_non_number(ret, name):
    # vmap stacked them into object arrays, trace gave a graph, symbolic through checkpoint gave NaN
    for call in (
        lambda: dl.vmap(ret)(np.ones(2)),
        lambda: dl.trace(ret, 1.0),
        lambda: dl.grad(lambda x: dnp.sum(dl.checkpoint(ret)(x)), method="symbolic")(1.0),
    ):
        with pytest.raises(TypeError, match=f"returned a {name}"):
            call()


def test_compare_refuses_a_repeat_below_one():
    with pytest.raises(ValueError, match="repeat must be a whole number >= 1"):
        dl.compare(lambda x: x * x, 1.0, repeat=0)


def _visible(info):
    """The traceback entries pytest would show (frames with __tracebackhide__ left out)."""
    return [e for e in info.traceback if not e.ishidden(info)]


@pytest.mark.parametrize(
    "case",
    ["wrong shape", "None", "int x", "argnums", "negative rtol"],
)
def test_an_oracle_refusal_shows_no_difflab_frame(case):
    def loss(w):
        return np.sum(np.tanh(w) ** 2)

    x = np.linspace(-1, 1, 5)
    call = {
        "wrong shape": lambda: check_grad(loss, lambda w: np.ones(3), x),
        "None": lambda: check_grad(loss, lambda w: None, x),
        "int x": lambda: check_grad(loss, lambda w: w, np.arange(3)),
        "argnums": lambda: check_grad(loss, lambda w: w, x, argnums=3),
        "negative rtol": lambda: check_grad(loss, lambda w: w, x, rtol=-1.0),
    }[case]
    with pytest.raises((GradientMismatch, TypeError, ValueError)) as info:
        call()
    frames = [str(e.path) for e in _visible(info)]
    assert not [p for p in frames if "/difflab/" in p.replace("\\", "/") and "/tests/" not in p], frames
    if case == "None":
        assert "returned a NoneType for args[0]" in str(info.value)


@pytest.mark.parametrize(
    "f, x",
    [(lambda x: x / x, 0.0), (lambda x: dnp.exp(x) - dnp.exp(x), 1000.0), (lambda x: 0.0 / x, 0.0)],
    ids=["x/x at 0", "exp(x)-exp(x) at 1000", "0/x at 0"],
)
@pytest.mark.parametrize("method", METHODS)
def test_an_equation_sympy_folds_is_nan_where_numpy_is(method, f, x):
    # SymPy folds x/x to 1 and x − x to 0: the symbolic method gave (1, 0) for x/x at 0, where
    # the other methods give NaN with the DomainWarning naming div
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, g = dl.value_and_grad(f, method=method)(x)
        h = dl.hessian(f, method=method)(x)
    assert np.isnan(value) and np.isnan(g) and np.isnan(h)
    assert [w for w in caught if issubclass(w.category, dl.DomainWarning)]
    assert dl.value_and_grad(f, method=method)(2.0) == pytest.approx((f(2.0), 0.0), abs=1e-9)


def test_a_forward_gradient_of_a_huge_input_is_refused_up_front():
    # chunked forward mode passed the per-block size check and ran 1e5 sweeps of 2e5 elements (minutes;
    # hours at 1e6) where numeric refuses at once
    with pytest.raises(ValueError, match=r"100000 tangent directions"):
        dl.grad(lambda v: dnp.sum(dnp.tanh(v)), method="forward")(np.ones(10**5))


def test_a_numeric_hessian_of_a_large_input_is_refused_up_front():
    # NumPy's MemoryError ("Unable to allocate 3.64 TiB") at n = 1e4, after tracing
    with pytest.raises(ValueError, match=r"evaluations of f"):
        dl.hessian(lambda v: dnp.sum(dnp.tanh(v)), method="numeric")(np.ones(3000))


@pytest.mark.parametrize(
    "f", [lambda v: dnp.sum(dnp.relu(v)), lambda v: dnp.sum(v * 0.0)], ids=["relu", "x*0 (SymPy folds it)"]
)
def test_symbolic_inside_vmap_gives_a_nan_input_no_finite_gradient(f):
    # on traced values symbolic's value came from its SymPy code, where relu(NaN) is 0 (a Piecewise)
    # and x·0 is 0: the guard saw a finite output and the gradient at [NaN, 1] was [0, 1]
    x = np.array([[np.nan, 1.0], [0.5, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = dl.vmap(dl.grad(f, method="symbolic"))(x)
        want = dl.vmap(dl.grad(f, method="reverse"))(x)
    assert np.isnan(got[0]).all() and np.array_equal(got[1], want[1])
