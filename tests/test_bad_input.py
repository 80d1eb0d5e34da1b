"""The bad-input battery (issue 15): methods × operators × bad inputs, each answered with the right
kind of answer — an error of the right type whose message names the problem, or NaN with one
DomainWarning naming the equation and pointing at this file — never a wrong number or a bare
traceback. Keep it fast: every case is a scalar or a 2-vector."""

import functools
import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.ops.complexes import is_complex

METHODS = ["symbolic", "numeric", "forward", "reverse"]


def _operators(method):
    """name -> (f, x) -> the derivative (as an array), for every public operator."""
    return {
        "grad": lambda f, x: dl.grad(f, method=method)(x),
        "value_and_grad": lambda f, x: dl.value_and_grad(f, method=method)(x)[1],
        "jacobian": lambda f, x: dl.jacobian(f, method=method)(x),
        "hessian": lambda f, x: dl.hessian(f, method=method)(x),
        "jvp": lambda f, x: dl.jvp(f, (x,), (1.0,), method=method)[1],
        "vjp": lambda f, x: dl.vjp(f, x, method=method)[1](1.0)[0],
        "prepare": lambda f, x: dl.prepare(f, 2.0, method=method).grad(x),
        "vmap": lambda f, x: dl.vmap(dl.grad(f, method=method))(np.array([x]))[0],
        "second call": lambda f, x: (lambda g: (g(2.0), g(x))[1])(dl.grad(f, method=method)),
    }


OPERATORS = list(_operators("reverse"))

# (f, point): every one leaves its op's domain at the point
DOMAIN = {
    "log(-1)": (lambda x: dnp.log(x), -1.0, "log"),
    "sqrt(-1)": (lambda x: dnp.sqrt(x), -1.0, "sqrt"),
    "1/0": (lambda x: 1.0 / x, 0.0, "div"),
    "0**-1": (lambda x: x**-1.0, 0.0, "pow"),
    "log(0)": (lambda x: dnp.log(x), 0.0, "log"),
}


def _run(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, caught


@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize("method", METHODS)
def test_outside_the_domain_is_nan_with_one_warning_at_the_callers_line(method, operator):
    for case, (f, x, op) in DOMAIN.items():  # one test per method and operator: its cases in turn
        what = f"{method} {operator} {case}"
        d, caught = _run(lambda: _operators(method)[operator](f, x))
        assert np.isnan(d).all(), f"{what} gave {d!r}"
        domain = [w for w in caught if issubclass(w.category, dl.DomainWarning)]
        assert domain, f"{what}: no DomainWarning"
        assert op in str(domain[0].message) and "=" in str(domain[0].message), what  # names the equation
        # one per user equation that left its domain, however many methods, stencil points, derivative
        # rules or derived equations (a Hessian's, numeric's under vmap) met it: v1, the user's
        assert len(domain) == 1, (what, [str(w.message) for w in domain])
        assert str(domain[0].message).startswith(f"v1 = {op}("), what
        assert all(w.filename == __file__ for w in domain), (what, [w.filename for w in domain])
        stray = [w for w in caught if not issubclass(w.category, dl.DomainWarning)]
        assert not stray, f"{what}: a stray NumPy warning"


# nested operators: each derived equation remembers the user's equation it came from (Eqn.source),
# so a DomainWarning is issued once per user equation and call, naming it
NESTED = {
    "grad": lambda f, x, m: dl.grad(f, method=m)(x),
    "hessian": lambda f, x, m: dl.hessian(f, method=m)(x),
    "vmap(grad)": lambda f, x, m: dl.vmap(dl.grad(f, method=m))(np.array([x, x])),
    "jvp(grad)": lambda f, x, m: dl.jvp(dl.grad(f, method=m), (x,), (1.0,), method=m)[1],
    "grad(grad)": lambda f, x, m: dl.grad(dl.grad(f, method=m), method=m)(x),
    "vmap(hessian)": lambda f, x, m: dl.vmap(dl.hessian(f, method=m))(np.array([x, x])),
    "hvp": lambda f, x, m: dl.hvp(f, (x,), (1.0,), method=m)[1],
    "linearize(grad)": lambda f, x, m: dl.linearize(dl.grad(f, method=m), x)[1](1.0),
}
# (f, x, the user's equations that leave their domain)
NESTED_CASES = {
    "log(x)·x at -1": (lambda x: dnp.log(x) * x, -1.0, ["v1 = log(v0)"]),
    # log(0) = -inf, then -inf·0 = NaN: two user equations, each named once
    "log(x)·x at 0": (lambda x: dnp.log(x) * x, 0.0, ["v1 = log(v0)", "v2 = mul(v1, v0)"]),
    "x**-1 at 0": (lambda x: x**-1.0, 0.0, ["v1 = pow(v0, -1.0)"]),
    "two logs at -1": (lambda x: dnp.log(x) + dnp.log(x - 2.0), -1.0, ["v1 = log(v0)", "v3 = log(v2)"]),
}


@pytest.mark.parametrize("operator", list(NESTED))
@pytest.mark.parametrize("method", METHODS)
def test_nested_operators_warn_once_per_user_equation(method, operator):
    run = NESTED[operator]
    for case, (f, x, equations) in NESTED_CASES.items():  # one test per method and operator
        what = f"{method} {operator} {case}"
        d, caught = _run(lambda: run(f, x, method))
        assert not np.isfinite(d).all(), f"{what} gave {d!r}"
        domain = [w for w in caught if issubclass(w.category, dl.DomainWarning)]
        named = sorted(str(w.message).split(":")[0] for w in domain)
        assert named == equations, (what, [str(w.message) for w in domain])
        assert all(w.filename == __file__ for w in domain), (what, [w.filename for w in domain])
        # no anonymous NumPy RuntimeWarning besides (forward's traced sweep and linearize's compiled
        # primal part once evaluated outside the guard)
        stray = [str(w.message) for w in caught if not issubclass(w.category, dl.DomainWarning)]
        assert not stray, (what, stray)


@pytest.mark.parametrize("inner", METHODS)
def test_symbolic_outside_keeps_the_guard_of_any_inner_gradient(inner):
    # the API's guard on a traced gradient (finite_or_nan of the value) survives the outer symbolic
    # translation: a named SymPy value is a real, finite symbol, so |y| < oo would fold to True
    def f(x):
        return dnp.log(x) + dnp.log(x - 2.0)

    for operator in (
        lambda: dl.grad(dl.grad(f, method=inner), method="symbolic")(-1.0),
        lambda: dl.jvp(dl.grad(f, method=inner), (-1.0,), (1.0,), method="symbolic")[1],
        lambda: dl.hessian(f, method=("symbolic", inner))(-1.0),
    ):
        d, caught = _run(operator)
        assert np.isnan(d), f"symbolic over {inner} gave {d!r}"
        said = sorted(str(w.message).split(":")[0] for w in caught if issubclass(w.category, dl.DomainWarning))
        assert said == ["v1 = log(v0)", "v3 = log(v2)"], said
    # inside the domain the guard is 1: the second derivative itself, -1/x² - 1/(x-2)²
    x = 3.0
    d2 = dl.grad(dl.grad(f, method=inner), method="symbolic")(x)
    tol = 1e-5 if inner == "numeric" else 1e-12
    assert d2 == pytest.approx(-1.0 / x**2 - 1.0 / (x - 2.0) ** 2, rel=tol)


def test_compare_warns_once_for_all_methods():
    _, caught = _run(lambda: dl.compare(lambda x: dnp.log(x), -1.0))
    assert len(caught) == 1 and caught[0].filename == __file__


@pytest.mark.parametrize("method", METHODS)
def test_two_equations_out_of_the_domain_give_two_warnings(method):
    def f(x):
        return dnp.log(x) + dnp.sqrt(x - 2.0) + dnp.log(x - 3.0)

    g, caught = _run(lambda: dl.grad(f, method=method)(-1.0))
    assert np.isnan(g)
    said = [str(w.message).split(":")[0] for w in caught if issubclass(w.category, dl.DomainWarning)]
    assert said == ["v1 = log(v0)", "v3 = sqrt(v2)", "v6 = log(v5)"]
    assert all(w.filename == __file__ for w in caught)


def test_compare_on_the_command_line_warns_once_per_equation(capsys):
    from difflab.cli import main

    assert main(["compare", "log(x) + log(x - 2)", "--at", "x=-1"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: ") == 2 and "v1 = log(v0)" in err and "v3 = log(v2)" in err


def test_a_domain_error_in_one_output_leaves_the_others_finite():
    jac, _ = _run(lambda: dl.jacobian(lambda v: dnp.log(v), method="forward")(np.array([-1.0, 2.0])))
    assert np.isnan(jac[0]).all() and jac[1, 1] == 0.5


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "f",
    [lambda v: dnp.sum(v * 0.0), lambda v: dnp.sum(dnp.relu(v)), lambda v: dnp.sum(dnp.abs(v)), lambda v: dnp.max(v)],
    ids=["x*0", "relu", "abs", "max"],
)
def test_a_nonfinite_input_never_gets_a_finite_derivative(method, x, f):
    point = np.array([x, 1.0])
    g, _ = _run(lambda: dl.grad(f, method=method)(point))
    assert not np.isfinite(g[0])
    jac, _ = _run(lambda: dl.jacobian(f, method=method)(point))
    assert not np.isfinite(jac[0])


# -- the API boundary: argnums, dtypes, keywords, what f returns ---------------------------------


def _calls(method, argnums):
    f = lambda x, y: x * y
    return {
        "grad": lambda: dl.grad(f, argnums=argnums, method=method)(1.0, 2.0),
        "value_and_grad": lambda: dl.value_and_grad(f, argnums=argnums, method=method)(1.0, 2.0),
        "jacobian": lambda: dl.jacobian(f, argnums=argnums, method=method)(1.0, 2.0),
        "hessian": lambda: dl.hessian(f, argnums=argnums, method=method)(1.0, 2.0),
        "prepare": lambda: dl.prepare(f, 1.0, 2.0, argnums=argnums, method=method),
        "compare": lambda: dl.compare(f, 1.0, 2.0, methods=[method], argnums=argnums),
    }


@pytest.mark.parametrize("operator", list(_calls("reverse", 0)))
@pytest.mark.parametrize("method", METHODS)
def test_bad_argnums_are_refused_alike_by_every_operator(method, operator):
    for argnums in [2, -3, (0, 5), 1.0, "0"]:
        kind, words = (ValueError, "out of range") if isinstance(argnums, (int, tuple)) else (TypeError, "argnums")
        try:
            with pytest.raises(kind, match=words):
                _calls(method, argnums)[operator]()
        except BaseException as err:  # (pytest.raises' own failure, or another exception): say which cell
            raise AssertionError(f"{method} {operator} argnums={argnums!r}: {type(err).__name__}: {err}") from err


@pytest.mark.parametrize("method", METHODS)
def test_negative_argnums_count_from_the_end(method):
    assert dl.grad(lambda x, y: x * y**2.0, argnums=-1, method=method)(3.0, 2.0) == pytest.approx(12.0)


def _int_calls(method):
    sq = lambda x: x * x
    return {
        "grad int": lambda: dl.grad(sq, method=method)(3),
        "grad bool": lambda: dl.grad(sq, method=method)(True),
        "jvp int primal": lambda: dl.jvp(sq, (3,), (1.0,), method=method),
        "vjp int": lambda: dl.vjp(sq, np.arange(3), method=method),
        "hessian int": lambda: dl.hessian(sq, method=method)(3),
        "dict int leaf": lambda: dl.grad(lambda d: d["a"] * d["b"], method=method)({"a": 1.0, "b": 2}),
        "list bool leaf": lambda: dl.grad(lambda p: p[0] * p[1], method=method)([1.0, np.array(True)]),
        "prepare int": lambda: dl.prepare(sq, 3, method=method),
    }


@pytest.mark.parametrize("case", list(_int_calls("reverse")))
@pytest.mark.parametrize("method", METHODS)
def test_integer_and_boolean_arguments_name_the_argument_and_dtype(method, case):
    with pytest.raises(TypeError, match=r"argument 0 \(leaf \d\) has dtype (int64|bool)"):
        _int_calls(method)[case]()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", ["grad", "jacobian", "hessian", "value_and_grad", "vmap"])
def test_keyword_arguments_are_named(method, op):
    f = lambda x, scale=1.0: x * scale
    transform = dl.vmap(f) if op == "vmap" else getattr(dl, op)(f, method=method)
    # (vmap batches keyword arguments along axis 0, as JAX's: a scalar one has none, said by name)
    with pytest.raises(TypeError if op != "vmap" else ValueError, match="keyword argument.*'scale'"):
        transform(np.ones(2) if op == "vmap" else 1.0, scale=2.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "ret, name",
    [(None, "NoneType"), ("a", "str"), ((i for i in range(2)), "generator")],
    ids=["None", "str", "generator"],
)
def test_a_function_returning_no_number_names_the_type(method, ret, name):
    for call in (
        lambda: dl.grad(lambda x: ret, method=method)(1.0),
        lambda: dl.jvp(lambda x: ret, (1.0,), (1.0,), method=method),
        lambda: dl.jacobian(lambda x: ret, method=method)(1.0),
    ):
        with pytest.raises(TypeError, match=f"returned a {name}"):
            call()


# -- no result aliases an input, a constant or another result ------------------------------------

ALIASING = {
    "slice": lambda x: x[:2],
    "reshape": lambda x: dnp.reshape(x, (2, 2)),
    "identity": lambda x: x,
    "twice": lambda x: (x, x),
}


@pytest.mark.parametrize("f", list(ALIASING))
@pytest.mark.parametrize("method", METHODS)
def test_results_never_alias_the_input(method, f):
    g = ALIASING[f]
    for call in (
        lambda x: dl.vjp(g, x, method=method)[0],
        lambda x: dl.jvp(g, (x,), (np.ones(4),), method=method)[0],
        lambda x: dl.jvp(g, (x,), (np.ones(4),), method=method)[1],
    ):
        x = np.arange(4.0)
        results = call(x)
        for y in results if isinstance(results, tuple) else (results,):
            y[...] = 99.0
        assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
        if isinstance(results, tuple):  # two results of their own
            assert not np.shares_memory(results[0], results[1])


@pytest.mark.parametrize("method", METHODS)
def test_a_pullback_is_the_derivative_at_the_point_of_the_call(method):
    """symbolic's and reverse's pullbacks read the caller's array: writing into x after dl.vjp moved
    the derivative they gave (cos(5)·5 + sin(5) for cos(0.2)·0.2 + sin(0.2)). linearize and its
    transpose keep their own values, as do forward's and numeric's pullbacks."""
    x = np.array([0.2, -0.7, 1.1])
    want = np.cos(x) * x + np.sin(x)
    _, pullback = dl.vjp(lambda w: dnp.sin(w) * w, x, method=method)
    _, tree_pullback = dl.vjp(lambda d: dnp.sum(dnp.sin(d["w"]) * d["w"]), {"w": x}, method=method)
    _, aux_pullback, _ = dl.vjp(lambda w: (dnp.sin(w) * w, w[0]), x, method=method, has_aux=True)
    x[:] = 5.0
    tol = dict(rtol=1e-8) if method == "numeric" else dict(rtol=1e-15)
    np.testing.assert_allclose(pullback(np.ones(3))[0], want, **tol)
    np.testing.assert_allclose(tree_pullback(1.0)[0]["w"], want, **tol)
    np.testing.assert_allclose(aux_pullback(np.ones(3))[0], want, **tol)  # has_aux's own path, the same copy
    if method != "numeric":  # forward's linearisation kept x[::-1], a view of the caller's x, as a stored value
        x = np.array([0.2, -0.7, 1.1])
        _, lin = dl.linearize(lambda w: w[::-1] * w[0], x, method=method)
        back = dl.linear_transpose(lin)
        x[:] = 5.0
        np.testing.assert_allclose(lin(np.ones(3)), [1.3, -0.5, 0.4], rtol=1e-15)
        np.testing.assert_allclose(back(np.ones(3))[0], [0.8, 0.2, 0.2], rtol=1e-15)


@pytest.mark.parametrize("f", list(ALIASING))
def test_vmap_results_never_alias_the_input(f):
    x = np.arange(8.0).reshape(2, 4)
    results = dl.vmap(ALIASING[f])(x)
    for y in results if isinstance(results, tuple) else (results,):
        y[...] = 99.0
    assert x.ravel().tolist() == list(map(float, range(8)))


@pytest.mark.parametrize("method", METHODS)
def test_gradients_of_two_arguments_are_arrays_of_their_own(method):
    gx, gy = dl.grad(lambda x, y: dnp.sum(x + y), argnums=(0, 1), method=method)(np.ones(2), np.ones(2))
    gx[...] = 5.0
    assert gy == pytest.approx([1.0, 1.0], rel=1e-6)


# -- numeric cannot honour stop_gradient: it says so ----------------------------------------------


def test_numeric_warns_on_a_graph_with_stop_gradient_and_compare_notes_it():
    from difflab.errors import NumericIgnoresRuleWarning
    from difflab.ops import stop_gradient

    f = lambda x: x * stop_gradient(x)
    with pytest.warns(NumericIgnoresRuleWarning, match="stop_gradient") as caught:
        assert dl.grad(f, method="numeric")(3.0) == pytest.approx(6.0)  # the function's derivative
    assert caught[0].filename == __file__
    assert dl.grad(f, method="reverse")(3.0) == 3.0  # the rule's
    with pytest.warns(NumericIgnoresRuleWarning):
        table = str(dl.compare(f, 3.0))
    assert "note: numeric differentiates through stop_gradient" in table


def test_the_flag_is_read_from_the_registry_not_the_name():
    flagged = {name for name, op in dl.REGISTRY.items() if op.numeric_ignores}
    assert "stop_gradient" in flagged and "tanh" not in flagged


# -- size guard: refuse up front, with the size --------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_million_element_jacobian_is_refused_up_front(method):
    with pytest.raises(ValueError, match=r"1e\+06|2e\+06|1000000"):
        dl.jacobian(lambda v: dnp.tanh(v), method=method)(np.ones(10**6))


@pytest.mark.parametrize("method", [dl.Symbolic(matrix=False), "numeric"], ids=["symbolic per scalar", "numeric"])
def test_a_million_element_gradient_is_refused_by_the_expanding_methods(method):
    with pytest.raises(ValueError, match=r"1e\+06|2e\+06|1000000"):
        dl.grad(lambda v: dnp.sum(dnp.tanh(v)), method=method)(np.ones(10**6))


def test_the_symbolic_gradient_of_a_million_elements_is_written_at_matrix_level():
    g = dl.grad(lambda v: dnp.sum(dnp.tanh(v)), method="symbolic")(np.full(10**6, 0.5))
    assert g.shape == (10**6,) and np.all(g == 1.0 - np.tanh(0.5) ** 2)


# -- strong zeros (issue 18's rule): kept in the battery ---------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_x_squared_at_zero_has_derivative_zero_and_curvature_two(method):
    assert dl.grad(lambda x: x**2.0, method=method)(0.0) == 0.0
    assert float(dl.hessian(lambda x: x**2.0, method=method)(0.0)) == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_zero_to_the_y_is_flat(method):
    assert dl.grad(lambda y: 0.0**y, method=method)(2.0) == 0.0


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_std_of_a_constant_vector_has_a_finite_gradient(method):
    assert np.all(np.isfinite(dl.grad(lambda x: dnp.std(x), method=method)(np.ones(3))))
    assert dl.grad(lambda x: dnp.std(x), method=method)(np.ones(3)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("method", ["symbolic", "forward", "reverse"])
def test_strong_zeros_of_a_runtime_zero_base_and_a_zero_times_infinity(method):
    # x**y at x = 0 with both variable: ∂/∂y = x**y·log x is 0 there, not 0·(-∞)
    gx, gy = dl.grad(lambda x, y: x**y, argnums=(0, 1), method=method)(0.0, 2.0)
    assert (gx, gy) == (0.0, 0.0)
    H = dl.hessian(lambda v: v[0] ** v[1], method=method)(np.array([0.0, 3.0]))
    assert H.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    # sqrt(x·x) at 0: sqrt's infinite partial meets (x·x)' = 0
    assert dl.grad(lambda x: dnp.sqrt(x * x), method=method)(0.0) == 0.0
    # away from the singular points nothing changes
    np.testing.assert_allclose(
        dl.grad(lambda x, y: x**y, argnums=(0, 1), method=method)(1.5, 2.5),
        [2.5 * 1.5**1.5, 1.5**2.5 * np.log(1.5)],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        dl.grad(lambda x: dnp.std(x), method=method)(np.array([1.0, 2.0, 4.0])),
        dl.grad(lambda x: dnp.std(x), method="reverse")(np.array([1.0, 2.0, 4.0])),
        rtol=1e-12,
    )


# -- another output's NaN stays in its own rows (issue 15) ---------------------------------------
# x0 = -1 makes a = exp(log(x)) NaN in element 0 only; element 1 of y depends on x1 alone, so row 1
# of the Jacobian must equal its value at a point without NaN, for every elementwise op


def _elementwise_cases():
    from difflab.ops import REGISTRY

    cases = {}
    for name, op in REGISTRY.items():
        if not (op.elementwise and op.differentiable) or op.nargs not in (1, 2):
            continue
        rules = getattr(op, "float_partials", None) or ()
        if op.domain == ("integer",) or (rules and all(getattr(r[0], "refuses", False) for r in rules)):
            continue  # no argument to differentiate (zeta_riemann: ζ(x), refused in x; mathieu_a's m and q)
        if op.nargs == 1 and "complex" in op.domain:  # (wofz: complex on a real x; its real part a real output)
            cases[name] = lambda x, op=op: dnp.real(op(dnp.exp(dnp.log(x)))) * x
        elif op.nargs == 1:
            cases[name] = lambda x, op=op: op(dnp.exp(dnp.log(x))) * x
        elif "integer" in op.domain:  # an order or shape parameter (jv's v, gammainc's a): never differentiated
            k = op.domain.index("integer")
            cases[f"{name}(n, x)"] = lambda x, op=op, k=k: op(*((2, dnp.exp(dnp.log(x)) * x))[:: 1 - 2 * k])
        else:
            cases[f"{name}(a, x)"] = lambda x, op=op: op(dnp.exp(dnp.log(x)), x)
            cases[f"{name}(x, a)"] = lambda x, op=op: op(x, dnp.exp(dnp.log(x)))
    return cases


ELEMENTWISE_NAN = _elementwise_cases()


@functools.lru_cache(maxsize=None)
def _nan_free_jacobian(case):
    """The reference of an ELEMENTWISE_NAN case: reverse's Jacobian at a point without NaN, computed once
    for both methods and both tests (read only)."""
    return _run(lambda: dl.jacobian(ELEMENTWISE_NAN[case], method="reverse")(np.array([2.0, 0.3])))[0]


@pytest.mark.parametrize("case", list(ELEMENTWISE_NAN))
def test_a_nan_in_one_element_leaves_the_other_rows_finite(case):
    f, want = ELEMENTWISE_NAN[case], _nan_free_jacobian(case)
    for method in ("forward", "reverse"):
        jac = dl.jacobian(f, method=method)
        for call in range(2):  # the second call runs compiled code
            got, _ = _run(lambda: jac(np.array([-1.0, 0.3])))
            np.testing.assert_allclose(got[1], want[1], rtol=1e-12, atol=0, err_msg=f"{case} {method}, call {call}")


# (f, row 1 of its Jacobian at (-1, 3)): output 0 is NaN, output 1 does not depend on it
ZERO_SEED = {
    "div": (lambda x: dnp.stack([x[1] / dnp.log(x[0]), x[1] * 2.0]), [0.0, 2.0]),
    "exp": (lambda x: dnp.stack([dnp.exp(x[1] * dnp.log(x[0])), x[1] * 2.0]), [0.0, 2.0]),
    "sum, pytree out": (lambda x: (dnp.sum(dnp.log(x[:1]) * x[1:]), dnp.sum(x[1:] ** 2.0)), [0.0, 6.0]),
    "matmul": (
        lambda x: dnp.stack([dnp.sum(dnp.reshape(x, (1, 2)) @ dnp.stack([dnp.log(x[0]), x[1]])), x[1] * 2.0]),
        [0.0, 2.0],
    ),
}


@pytest.mark.parametrize("method", ["forward", "reverse"])
@pytest.mark.parametrize("case", list(ZERO_SEED))
def test_a_zero_seed_never_meets_another_outputs_nan(method, case):
    f, row = ZERO_SEED[case]
    jac = dl.jacobian(f, method=method)
    for _call in range(2):  # the second call runs compiled code
        got, _ = _run(lambda: jac(np.array([-1.0, 3.0])))
        rows = np.stack([np.ravel(j) for j in got]) if isinstance(got, tuple) else got
        assert np.isnan(rows[0]).all()
        np.testing.assert_array_equal(rows[1], row)


# -- a zero cotangent inside one non-elementwise equation (issue 15) -----------------------------
# v @ M where M = log(W) has a NaN in column 2 and only outputs 0 and 1 are used: the cotangent of
# v @ M is 0 in entry 2, which must meet the NaN column as 0 (strong zeros, DESIGN.md §3), not 0·NaN

W_NAN = np.array([[1.0, 2.0, -1.0], [3.0, 1.0, 2.0], [2.0, 1.0, 1.5]])  # log(W)[0, 2] is NaN
USED = np.array([True, True, False])


def _v_at_m(v, W):
    return dnp.sum(dnp.where(USED, (v * v) @ dnp.log(W), 0.0))


def test_v_at_m_with_a_nan_column_whose_output_is_unused():
    v = np.array([0.5, -1.0, 2.0])
    logw = np.log(np.where(W_NAN > 0, W_NAN, 1.0))
    want_v = 2.0 * v * logw[:, :2].sum(axis=1)  # d/dv Σ_{j<2} Σ_i v_i² log W_ij
    want_w = np.where(USED, (v * v)[:, None] / W_NAN, 0.0)
    for method in EXACT_METHODS:
        g = dl.grad(_v_at_m, argnums=(0, 1), method=method)
        for _call in range(2):  # the second call runs compiled code
            (gv, gw), _ = _run(lambda: g(v, W_NAN))
            np.testing.assert_allclose(gv, want_v, rtol=1e-12, err_msg=method)
            np.testing.assert_allclose(gw, want_w, rtol=1e-12, atol=1e-15, err_msg=method)
    for pair in [("forward", "reverse"), ("reverse", "reverse"), ("forward", "forward"), "symbolic"]:
        H, _ = _run(lambda: dl.hessian(_v_at_m, method=pair)(v, W_NAN))
        np.testing.assert_allclose(H, np.diag(2.0 * logw[:, :2].sum(axis=1)), rtol=1e-12, err_msg=str(pair))


EXACT_METHODS = ["symbolic", "forward", "reverse"]
# a NaN row (row 0 of log(W)ᵀ·v) reduced by each sum-like op; only the other rows are used
REDUCED = {
    "max": lambda m: dnp.max(m, axis=1),
    "prod": lambda m: dnp.prod(m, axis=1),
    "logsumexp": lambda m: dnp.logsumexp(m, axis=1),
    "log_softmax": lambda m: dnp.sum(dnp.log_softmax(m, axis=1), axis=1),
    "einsum": lambda m: dnp.einsum("ij,ij->i", m, m),
    "matmul": lambda m: m @ np.array([1.0, -2.0, 0.5]),
    "tensordot": lambda m: dnp.tensordot(m, np.array([1.0, -2.0, 0.5]), axes=1),
    "dot": lambda m: dnp.dot(m, np.array([1.0, -2.0, 0.5])),
}


@pytest.mark.parametrize("case", list(REDUCED))
def test_a_nan_row_of_a_reduction_whose_output_is_unused(case):
    """Gradient and Hessian at a point where row 2 of the reduced matrix is NaN equal their values
    where it is finite, in every exact method and Hessian pair."""
    reduce = REDUCED[case]

    def f(v, W):
        m = dnp.log(W).T * v
        return dnp.sum(dnp.where(USED, reduce(m), 0.0))

    v, w_ok = np.array([0.5, -1.0, 2.0]), np.where(W_NAN > 0, W_NAN, 1.7)
    for method in EXACT_METHODS:
        (gv, gw), _ = _run(lambda: dl.grad(f, argnums=(0, 1), method=method)(v, W_NAN))
        want_v, want_w = dl.grad(f, argnums=(0, 1), method=method)(v, w_ok)
        np.testing.assert_allclose(gv, want_v, rtol=1e-12, atol=1e-15, err_msg=method)
        np.testing.assert_allclose(gw, np.where(W_NAN > 0, want_w, 0.0), rtol=1e-12, atol=1e-15, err_msg=method)
    for pair in [("forward", "reverse"), ("reverse", "reverse"), ("forward", "forward")]:
        H, _ = _run(lambda: dl.hessian(f, method=pair)(v, W_NAN))
        np.testing.assert_allclose(H, dl.hessian(f, method=pair)(v, w_ok), rtol=1e-12, atol=1e-15, err_msg=str(pair))


def _nan_entry_cases():
    """(name, args, params, k) for every non-elementwise registry op: argument k's first entry made
    NaN (through log of -1), when some outputs stay finite; only those outputs are used."""
    from difflab.ops import REGISTRY, examples

    cases = []
    for name, op in REGISTRY.items():
        if op.elementwise or not op.differentiable:
            continue
        for j, (args, params) in enumerate(examples(op, np.random.default_rng(len(name)))):
            for k, a in enumerate(args):
                if np.asarray(a).dtype.kind != "f" or np.size(a) < 2:
                    continue
                outs = []
                for entry in (np.nan, 0.4, -0.7):
                    moved = list(args)
                    moved[k] = np.array(a, dtype=float)
                    moved[k].flat[0] = entry
                    try:
                        with np.errstate(all="ignore"):
                            outs.append(op.impl(*moved, **params))
                    except (ValueError, np.linalg.LinAlgError):
                        break
                if len(outs) < 3:
                    continue
                # the outputs NaN does not reach and that do not depend on the entry (LAPACK may
                # answer finite numbers for a matrix holding a NaN)
                used = np.isfinite(outs[0]) & (outs[1] == outs[2])
                if used.any():
                    cases.append((f"{name}-{j}-arg{k}", op, args, params, k, used))
    return cases


NAN_ENTRY = {c[0]: c[1:] for c in _nan_entry_cases()}
# symbolic differentiates each scalar in SymPy (strong by construction) and is slow: one sample per op
NAN_ENTRY_CASES = [(m, c) for c in NAN_ENTRY for m in EXACT_METHODS if m != "symbolic" or "-0-" in c]


@pytest.mark.parametrize("case", NAN_ENTRY)
def test_a_nan_entry_of_a_non_elementwise_op_reaches_no_used_output(case):
    """f(zs) = Σ w·op(args) over the outputs that stay finite, argument k = log(z_k) with z_k[0] = -1:
    the gradient equals its value at z_k[0] = e^0.4 (the used outputs do not depend on that entry).
    One test per case, over its methods (NAN_ENTRY_CASES), sharing the reference."""
    op, args, params, k, used = NAN_ENTRY[case]
    floats = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]
    weights = np.random.default_rng(7).uniform(0.5, 1.5, np.shape(used))

    def f(*zs):
        xs = list(zs)
        xs[k] = dnp.log(zs[k])
        out = op(*xs, **params)
        out = dnp.real(out) if is_complex(out) else out  # sqrtm's root of a stack with a negative eigenvalue
        return dnp.sum(dnp.where(used, out * weights, 0.0))

    z_ok = list(args)
    z_ok[k] = np.exp(args[k])
    z_bad = list(z_ok)
    z_bad[k] = z_ok[k].copy()
    z_bad[k].flat[0] = -1.0
    z_ok[k].flat[0] = np.exp(0.4)
    want = dl.grad(f, argnums=tuple(floats), method="reverse")(*z_ok)
    for method in [m for m, c in NAN_ENTRY_CASES if c == case]:
        g = dl.grad(f, argnums=tuple(floats), method=method)
        for call in range(2 if method == "reverse" else 1):  # the second call runs compiled code
            got, _ = _run(lambda: g(*z_bad))
            for gi, wi in zip(got, want):
                np.testing.assert_allclose(gi, wi, rtol=1e-10, atol=1e-12, err_msg=f"{case} {method}, call {call}")


# -- found by this battery's own sweep (issue 15, last holes) ------------------------------------


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_vmap_of_grad_refuses_int_and_bool_arguments(method):
    """vmap traces every argument, an int or bool one too: the inner grad still names its dtype."""

    def f(x, y):
        return dnp.sum(dnp.log(x) * y)

    with pytest.raises(TypeError, match="argument 0 .*has dtype int64: only floating-point"):
        dl.vmap(dl.grad(f, method=method), in_axes=(0, None))(np.array([[1, 2], [3, 4]]), np.ones(2))
    with pytest.raises(TypeError, match="argument 1 .*has dtype bool: only floating-point"):
        dl.vmap(dl.grad(f, argnums=1, method=method), in_axes=(0, None))(np.ones((2, 2)), np.array([True, False]))


def test_check_grad_outside_the_domain_follows_difflabs_answer():
    """At log(-1) (or a NaN input) f has no derivative: difflab's NaN passes, a finite formula
    evaluated there (y/x) is reported, not the other way round."""
    from difflab.testing import GradientMismatch, check_grad

    def f(x, y):
        return dnp.sum(dnp.log(x) * y)

    y = np.array([1.5, -0.5])
    for x in (np.array([-1.0, 2.0]), np.array([np.nan, 2.0])):
        _run(lambda: check_grad(f, dl.grad(f), x, y))
        with pytest.raises(GradientMismatch, match="does not match the reference"):
            _run(lambda: check_grad(f, lambda x, y: y / x, x, y))


# -- decompositions' rules contract (co)tangents strongly (issue 15) -----------------------------
# Each case fails with plain products: a zero (co)tangent entry meets an infinite factor of the rule
# (a gap 1/(σj² - σi²) at a repeated singular value, an infinite tangent in the upper triangle that
# eigh and cholesky never read, an infinite cotangent on cholesky's structural zeros, an infinite
# tangent pinv's used block does not depend on). Compared with numeric, which has no rule to get wrong.

_LOWER = np.tri(3) > 0
_SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])


def _upper_sqrt(z):  # z's lower triangle, and sqrt(z) above it: sqrt's tangent is infinite at z[0, 2] = 0
    return dnp.where(_LOWER, z, 0.0) + dnp.where(_LOWER, 0.0, dnp.sqrt(z))


def _svd_u0(a):
    u, s, vt = dnp.linalg.svd(a, full_matrices=False)
    return dnp.sum(u[:, 0] * np.array([0.3, -1.2, 0.7, 2.0]))


def _svd_vt0(a):
    u, s, vt = dnp.linalg.svd(a, full_matrices=False)
    return dnp.sum(vt[0, :] * np.array([0.3, -1.2, 0.7]))


def _eigh_upper(z):
    w, v = dnp.linalg.eigh(_upper_sqrt(z))
    return dnp.sum(w * np.arange(3.0)) + dnp.sum(v[:, 0] * np.arange(3.0))


def _pinv_block(z):  # a = diag(2, 2 + sqrt(z11)) with a zero row: p[0, 0] and p[0, 2] do not depend on z11
    row = dnp.stack([z[1, 0] * 0.0, 2.0 + dnp.sqrt(z[1, 1])])
    p = dnp.linalg.pinv(z + dnp.stack([np.zeros(2), row, np.zeros(2)]))
    return p[0, 0] + p[0, 2] * 3.0


_SIGMA_REPEATED = np.array([[3.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
_UPPER_ZERO = np.where(np.arange(9).reshape(3, 3) == 2, 0.0, _SPD)
DECOMPOSITION_STRONG = {
    "svd u, sigma repeated in the unused columns": (_svd_u0, _SIGMA_REPEATED),
    "svd vt, sigma repeated in the unused rows": (_svd_vt0, _SIGMA_REPEATED),
    "cholesky, infinite tangent above the diagonal": (
        lambda z: dnp.sum(dnp.linalg.cholesky(_upper_sqrt(z)) * np.arange(9.0).reshape(3, 3)),
        _UPPER_ZERO,
    ),
    "eigh, infinite tangent above the diagonal": (_eigh_upper, _UPPER_ZERO),
    "cholesky, infinite cotangent on L's zeros": (lambda a: dnp.sum(dnp.sqrt(dnp.linalg.cholesky(a))), _SPD),
    "pinv, infinite tangent outside the used block": (
        _pinv_block,
        np.array([[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
    ),
}


@pytest.mark.parametrize("method", ["forward", "reverse"])
@pytest.mark.parametrize("case", list(DECOMPOSITION_STRONG))
def test_decomposition_rules_contract_strongly(method, case):
    f, x = DECOMPOSITION_STRONG[case]
    got, _ = _run(lambda: dl.grad(f, method=method)(x))
    assert np.isfinite(got).all(), got
    if "pinv" in case:  # numeric's stencil would leave sqrt's domain: the used outputs' gradient at z11 = 1
        want = dl.grad(f, method="numeric")(x + np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        want[1, 1] = 0.0  # (they do not depend on z11)
    else:
        want = dl.grad(f, method=dl.Numeric(scheme="forward"))(x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# -- strong zeros and another output's NaN under nesting (issue 15) ------------------------------
# On traced values (an inner derivative inside vmap or an outer derivative) whether a tangent or
# cotangent is 0 where a partial is NaN is known only when the recorded product runs: the rules
# record strong_mul there (plain products of finite constants stay plain)


@pytest.mark.parametrize("case", list(ELEMENTWISE_NAN))
def test_a_nan_in_one_element_leaves_the_other_rows_finite_under_nesting(case):
    f, want = ELEMENTWISE_NAN[case], _nan_free_jacobian(case)
    x = np.array([-1.0, 0.3])
    for method in ("forward", "reverse"):
        rows, _ = _run(lambda: dl.vmap(dl.jacobian(f, method=method))(np.stack([x, x])))
        np.testing.assert_allclose(rows[1][1], want[1], rtol=1e-12, atol=0, err_msg=f"{case} {method}, vmap")
        inner = lambda y: dnp.sum(dl.jacobian(f, method=method)(y)[1])  # noqa: E731
        (value, _), _ = _run(lambda: dl.value_and_grad(inner, method=method)(x))
        np.testing.assert_allclose(value, np.sum(want[1]), rtol=1e-12, atol=0, err_msg=f"{case} {method}, nested")


NESTED_STRONG_FIRST = {
    "x**2 at 0": (lambda x: x**2.0, 0.0),
    "0**y": (lambda y: 0.0**y, 2.0),
    "std of a constant vector": (lambda x: dnp.std(x), np.ones(3)),
    "sqrt(x*x) at 0": (lambda x: dnp.sqrt(x * x), 0.0),
    "sqrt(x)*0 at 0": (lambda x: dnp.sqrt(x) * 0.0, 0.0),
}


@pytest.mark.parametrize("method", ["forward", "reverse"])
@pytest.mark.parametrize("case", list(NESTED_STRONG_FIRST))
def test_strong_zero_gradients_computed_on_traced_values(method, case):
    """The gradient 0 of the convention, computed inside vmap, inside an outer derivative and as
    jvp(grad)'s primal; jvp(grad) of std at a constant vector was a bare FloatingPointError."""
    f, x = NESTED_STRONG_FIRST[case]
    ones = np.ones_like(x) if np.ndim(x) else 1.0
    calls = [
        lambda: dl.vmap(dl.grad(f, method=method))(np.stack([x, x]))[0],
        lambda: dl.value_and_grad(lambda y: dnp.sum(dl.grad(f, method=method)(y)), method=method)(x)[0],
        lambda: dl.jvp(dl.grad(f, method=method), (x,), (ones,), method=method)[0],
    ]
    for call in calls:
        got, _ = _run(call)
        assert np.shape(got) in (np.shape(x), ()) and np.all(np.asarray(got) == 0.0), got


NESTED_STRONG_SECOND = {  # (f, x, Hessian)
    "x**2 at 0": (lambda x: x**2.0, 0.0, 2.0),
    "x*x at 0": (lambda x: x * x, 0.0, 2.0),
    "x**3 at 0": (lambda x: x**3.0, 0.0, 0.0),
    "0**y": (lambda y: 0.0**y, 2.0, 0.0),
    "x**y at (0, 2)": (lambda v: v[0] ** v[1], np.array([0.0, 2.0]), np.array([[2.0, 0.0], [0.0, 0.0]])),
}


@pytest.mark.parametrize("case", list(NESTED_STRONG_SECOND))
def test_strong_zero_second_derivatives_under_every_nesting(case):
    f, x, want = NESTED_STRONG_SECOND[case]
    v = 1.0 if np.ndim(x) == 0 else np.array([1.0, 0.0])
    for m in EXACT_METHODS:
        got = [dl.hessian(f, method=m)(x), dl.hvp(f, (x,), (v,), method=m)[1]]
        if m != "symbolic":  # symbolic refuses traced values (its own test)
            got += [
                dl.jacobian(dl.grad(f, method=m), method=m)(x),
                dl.jvp(dl.grad(f, method=m), (x,), (v,), method=m)[1],
            ]
        for g, w in zip(got, [want, np.dot(want, v), want, np.dot(want, v)]):
            np.testing.assert_array_equal(g, w, err_msg=m)
    for pair in [("forward", "reverse"), ("reverse", "forward"), ("reverse", "reverse"), ("forward", "forward")]:
        np.testing.assert_array_equal(dl.hessian(f, method=pair)(x), want, err_msg=str(pair))


@pytest.mark.parametrize(
    "f, primals, tangents",
    [
        (lambda v: v[0] * v[1] ** 2.0, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),)),
        (lambda x: x**3.0, (2.0,), (1.0,)),
        (lambda x, y: x * y**2.0, (1.0, 2.0), (1.0, 0.0)),
        (lambda d: d["a"] ** 3.0, ({"a": 2.0},), ({"a": 1.0},)),
    ],
    ids=["vector", "float", "two floats", "dict"],
)
def test_hvp_returns_the_same_structure_for_every_method(f, primals, tangents):
    """Symbolic's hvp wrapped one primal's results in a 1-tuple (an array of shape (1, n))."""
    want = dl.hvp(f, primals, tangents, method="reverse")
    for method in ["symbolic", "forward", "numeric"]:
        got = dl.hvp(f, primals, tangents, method=method)
        assert type(got) is type(want) and len(got) == 2
        for g, w in zip(got, want):
            assert type(g) is type(w) and np.shape(g) == np.shape(w), (method, g, w)
            np.testing.assert_allclose(tree_leaves(g), tree_leaves(w), rtol=1e-6, err_msg=method)


def tree_leaves(x):
    from difflab import tree

    return [np.asarray(leaf, dtype=float) for leaf in tree.flatten(x)[0]]


# -- an infinite derivative a strong zero cancels left no domain: no DomainWarning (issue 15) -------

QUIET_STRONG_ZEROS = {  # (f, x, gradient by the convention)
    "std of a constant vector": (lambda x: dnp.std(x), np.ones(3), np.zeros(3)),
    "sqrt(x*x) at 0": (lambda x: dnp.sqrt(x * x), 0.0, 0.0),
    "norm at 0": (lambda x: dnp.linalg.norm(x), np.zeros(2), np.zeros(2)),
    "sqrt(x)*0 at 0": (lambda x: dnp.sqrt(x) * 0.0, 0.0, 0.0),
    "x**0.5 under a zero weight": (lambda x: dnp.sum(x**0.5 * np.array([0.0, 1.0])), np.array([0.0, 1.0]), [0.0, 0.5]),
}


@pytest.mark.parametrize("method", EXACT_METHODS)
@pytest.mark.parametrize("case", list(QUIET_STRONG_ZEROS))
def test_a_cancelled_infinite_derivative_is_not_a_domain_warning(method, case):
    """The result follows the convention table, so nothing was outside a domain: DESIGN.md §6's
    DomainWarning is for a result holding NaN or inf. Reverse (std, sqrt(x*x), norm) and forward
    (sqrt(x)*0, x**0.5) issued one for sqrt/pow before; the compiled tier (later calls) neither."""
    f, x, want = QUIET_STRONG_ZEROS[case]
    g = dl.grad(f, method=method)
    for _call in range(3):
        got, caught = _run(lambda: g(x))
        np.testing.assert_array_equal(got, want)
        assert not caught, [str(w.message) for w in caught]


@pytest.mark.parametrize("method", METHODS)
def test_an_infinite_derivative_in_the_result_still_warns_once_naming_the_equation(method):
    """Symbolic's generated code gave inf with no warning (forward and reverse named sqrt); numeric's
    stencil steps out of the domain at 0: NaN, with the same one warning naming the equation."""
    g, caught = _run(lambda: dl.grad(lambda x: dnp.sqrt(x) * 2.0 + x, method=method)(0.0))
    assert g == np.inf if method != "numeric" else np.isnan(g)
    assert [str(w.message).split(":")[0] for w in caught] == ["v1 = sqrt(v0)"]
    assert caught[0].filename == __file__
    # and in one entry of a gradient whose other entries a strong zero made finite
    g, caught = _run(
        lambda: dl.grad(lambda x: dnp.sum(dnp.sqrt(x * np.array([1.0, 0.0]) + x * x)), method=method)(np.zeros(2))
    )
    assert [str(w.message).split(":")[0] for w in caught] == ["v4 = sqrt(v3)"] and not np.isfinite(g).all()


SINGULAR = {  # (f, x, the equation whose derivative is infinite there)
    "sqrt at 0": (lambda x: dnp.sqrt(x), 0.0, "v1 = sqrt(v0)"),
    "x**0.5 at 0": (lambda x: x**0.5, 0.0, "v1 = pow(v0, 0.5)"),
    "arcsin at 1": (lambda x: dnp.arcsin(x), 1.0, "v1 = arcsin(v0)"),
    "sqrt of an entry": (lambda x: dnp.sum(dnp.sqrt(x) * np.array([2.0, 1.0])), np.array([0.0, 4.0]), "v1 = sqrt(v0)"),
}
SINGULAR_OPERATORS = {
    "grad": lambda f, x, m: dl.grad(f, method=m)(x),
    "value_and_grad": lambda f, x, m: dl.value_and_grad(f, method=m)(x)[1],
    "jacobian": lambda f, x, m: dl.jacobian(f, method=m)(x),
    "jvp": lambda f, x, m: dl.jvp(f, (x,), (np.ones_like(x),), method=m)[1],
    "vjp": lambda f, x, m: dl.vjp(f, x, method=m)[1](1.0)[0],
    "prepare.grad": lambda f, x, m: _third_call(dl.prepare(f, x, method=m).grad, x),
}


def _third_call(fn, x):
    """fn(x) the third time (the compiled tier runs from the second), the first two calls' warnings
    set aside: each call warns once of its own."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(x), fn(x)
    return fn(x)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", list(SINGULAR))
def test_an_infinite_derivative_is_the_same_answer_and_warning_for_every_method(case, method):
    """Where f is finite and its derivative infinite, the exact methods answer inf (numeric NaN: its
    stencil leaves the domain) with one DomainWarning naming the equation at the caller's line
    (symbolic gave inf silently). One test per case and method, over the operators."""
    f, x, equation = SINGULAR[case]
    for operator, call in SINGULAR_OPERATORS.items():
        what = f"{case}, {method} {operator}"
        d, caught = _run(lambda: call(f, x, method))
        first = np.ravel(d)[0]
        assert np.isnan(first) if method == "numeric" else first == np.inf, (what, d)
        assert np.isfinite(np.ravel(d)[1:]).all(), (what, d)
        assert [str(w.message).split(":")[0] for w in caught] == [equation], (what, [str(w.message) for w in caught])
        assert caught[0].filename == __file__ and issubclass(caught[0].category, dl.DomainWarning), what


# -- found by bench/bad_input_walk.py (issue 15) ---------------------------------------------------


@pytest.mark.parametrize("method", EXACT_METHODS)
@pytest.mark.parametrize("case", ["log(-1)", "sqrt(-1)", "1/0", "0**-1"])
def test_linearize_outside_the_domain_is_nan_like_jvp(method, case):
    """linearize's J v gave the formula's finite number (1/x = -1 at log(-1)) where jvp gives NaN;
    its transpose too, where vjp's pullback gives NaN."""
    f, x, op = DOMAIN[case]
    (y, lin), caught = _run(lambda: dl.linearize(f, x, method=method))
    said = [str(w.message) for w in caught]
    assert not np.isfinite(y) and len(said) == 1 and said[0].startswith(f"v1 = {op}("), said
    (jv, back), caught = _run(lambda: (lin(1.0), dl.linear_transpose(lin)(1.0)))
    assert np.isnan(jv) and np.isnan(back).all() and not caught  # said once, by linearize
    # a vector: the NaN output's entry only; a cotangent 0 there keeps the other entries
    y, lin = _run(lambda: dl.linearize(lambda v: f(v) * 2.0, np.array([x, 0.5]), method=method))[0]
    jv = lin(np.ones(2))
    assert np.isnan(jv[0]) and np.isfinite(jv[1])
    back = dl.linear_transpose(lin)(np.array([0.0, 1.0]))[0]
    assert np.isfinite(back).all()


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_linearize_along_a_nan_input_is_nan_like_jvp(method):
    x = np.array([np.nan, 2.0])
    y, lin = dl.linearize(lambda v: v * 0.0, x, method=method)
    assert np.isnan(y[0]) and y[1] == 0.0
    assert np.isnan(lin(np.ones(2))).all()
    assert np.array_equal(lin(np.array([0.0, 1.0])), [np.nan, 0.0], equal_nan=True)
    assert np.isnan(dl.linear_transpose(lin)(np.array([0.0, 1.0]))[0][0])


def test_symbolic_values_at_a_nan_input_are_nan_not_sympys_simplification():
    """SymPy simplifies x·0 to 0: at x = NaN the symbolic method returned f(x) = 0.0 for every
    operator (NumPy, and the other methods, give NaN)."""
    f, x = (lambda v: dnp.sum(v * 0.0)), np.array([np.nan, 2.0])
    for method in METHODS:
        value, g = dl.value_and_grad(f, method=method)(x)
        assert np.isnan(value) and np.isnan(g[0]), method
        assert np.isnan(dl.jvp(f, (x,), (np.ones(2),), method=method)[0]), method
        assert np.isnan(dl.vjp(f, x, method=method)[0]), method


@pytest.mark.parametrize("method", METHODS)
def test_hvp_at_a_nan_input_is_not_finite(method):
    """Forward and reverse hvp gave H v = [0, 0] at x = [NaN, 1] for Σ x·0 (dl.hessian gives NaN)."""
    for f in (lambda v: dnp.sum(v * 0.0), lambda v: dnp.sum(dnp.relu(v)), lambda v: dnp.max(v)):
        for v in (np.array([1.0, 1.0]), np.array([0.0, 1.0])):
            g, hv = _run(lambda: dl.hvp(f, (np.array([np.nan, 1.0]),), (v,), method=method))[0]
            assert np.isnan(hv[0]) and np.isnan(g[0])
            h = _run(lambda: dl.hessian(f, method=method)(np.array([np.nan, 1.0])))[0]
            np.testing.assert_array_equal(np.isnan(hv), np.isnan(h @ v))


def test_numeric_stepping_out_of_the_domain_into_a_decomposition_is_nan_with_the_warning():
    """Numeric's stencil at sqrt's edge fed pinv a NaN matrix: a bare LinAlgError ("SVD did not
    converge") before; now NaN, with the DomainWarning naming sqrt (where the NaN was born)."""
    g = dl.grad(_pinv_block, method="numeric")
    for _call in range(2):
        got, caught = _run(lambda: g(np.array([[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]])))
        assert np.isnan(got).any()
        assert [str(w.message).split(" = ")[1][:4] for w in caught] == ["sqrt"]


def test_an_integer_conversion_of_a_traced_value_is_named():
    """np.int64(x) (autograd's test_cast_to_int) names the conversion, not a list given to NumPy."""
    from difflab.errors import UnsupportedOperationError

    with pytest.raises(UnsupportedOperationError, match=r"converted to int64 \(numpy\.int64\(x\)"):
        dl.grad(lambda W: np.sum(W[:, :-1][np.int64(W[:, -1])]))(np.ones((5, 3)))
    with pytest.raises(UnsupportedOperationError, match=r"converted to bool"):
        dl.grad(lambda x: np.sum(np.asarray(x, dtype=bool) * x))(np.ones(3))


def _given(f):
    """name -> a call of each public door that takes a function, given `f` (found by a new user's first hour)."""
    from difflab import testing

    x, sq = np.ones(2), lambda x: dnp.sum(x * x)
    return {
        "grad": lambda: dl.grad(f),
        "grad has_aux": lambda: dl.grad(f, has_aux=True),
        "value_and_grad": lambda: dl.value_and_grad(f),
        "jacobian": lambda: dl.jacobian(f),
        "jacobian sparse": lambda: dl.jacobian(f, sparse=True),
        "hessian": lambda: dl.hessian(f, method=("forward", "reverse")),
        "jvp": lambda: dl.jvp(f, (x,), (x,)),
        "vjp": lambda: dl.vjp(f, x),
        "vmap": lambda: dl.vmap(f),
        "hvp": lambda: dl.hvp(f, (x,), (x,)),
        "prepare_hvp": lambda: dl.prepare_hvp(f, x),
        "linearize": lambda: dl.linearize(f, x),
        "prepare": lambda: dl.prepare(f, x),
        "compare": lambda: dl.compare(f, x),
        "trace": lambda: dl.trace(f, x),
        "sparsity": lambda: dl.sparsity(f, x),
        "check_grad f": lambda: testing.check_grad(f, lambda x: 2 * x, x),
        "check_grad grad_f": lambda: testing.check_grad(sq, f, x),
        "check_jacobian jac_f": lambda: testing.check_jacobian(sq, f, x),
        "check_jvp jvp_f": lambda: testing.check_jvp(sq, f, x),
        "check_vjp vjp_f": lambda: testing.check_vjp(sq, f, x),
        "check_hvp hvp_f": lambda: testing.check_hvp(sq, f, x),
        "taylor_test grad_f": lambda: testing.taylor_test(sq, f, x),
    }


@pytest.mark.parametrize("door", list(_given(None)))
def test_a_non_callable_is_refused_at_once_naming_the_operator_and_the_value(door):
    # was Python's "'float' object is not callable" at the first call (grad, trace, check_grad ...), an
    # unused transform that never complained (grad(3.0)), or a black-box reference of a float (check_hvp)
    name, _, role = door.partition(" ")
    role = "f" if role in ("", "has_aux", "sparse", "f") or not role.endswith("_f") else role
    words = f"{name} takes {role + ' as ' if name.startswith(('check', 'taylor')) else ''}a function, got float 2.5"
    with pytest.raises(TypeError, match=words):
        _given(2.5)[door]()


@pytest.mark.parametrize("door", ["jvp", "hvp"])
def test_primals_and_tangents_must_be_tuples_as_in_jax(door):
    # an array was unpacked into its entries, one per argument of f: f(x, y, z) at a 3-vector ran
    # as f(x[0], x[1], x[2]), a number for a question not asked; a float raised "not iterable"
    f3 = lambda x, y, z: x * y * z
    call = getattr(dl, door)
    with pytest.raises(TypeError, match=f"{door} takes primals as a tuple or list .* got ndarray"):
        call(f3, np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.0]))
    with pytest.raises(TypeError, match=f"{door} takes tangents as a tuple or list .* got float"):
        call(lambda x: x * x, (2.0,), 1.0)
    assert call(lambda x: x * x, [2.0], [1.0])[1] == pytest.approx(4.0 if door == "jvp" else 2.0)


@pytest.mark.parametrize("method", METHODS)
def test_a_prepared_function_refuses_an_integer_argument_as_preparing_does(method):
    # prepare(f, 3) refused the int, but p.grad(array([1, 2, 3])) of one prepared at floats computed with it
    p = dl.prepare(lambda x: dnp.sum(x * x), np.ones(3), method=method)
    for bad, dtype in ((np.array([1, 2, 3]), "int64"), (np.array([True, False, True]), "bool")):
        with pytest.raises(TypeError, match=rf"argument 0 \(leaf 0\) has dtype {dtype}"):
            p.grad(bad)
    assert np.allclose(p.grad(np.array([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])


def test_forward_chunk_true_is_refused_by_name():
    # True is an int: Forward(chunk=True) was taken, and the gradient raised "an integer is required"
    for chunk in (True, False, 2.5, "big", np.array([1, 2])):
        with pytest.raises(ValueError, match="chunk must be a positive int, 'auto' or None"):
            dl.Forward(chunk=chunk)
    assert dl.grad(lambda x: dnp.sum(x * x), method=dl.Forward(chunk=2))(np.ones(3)).tolist() == [2.0, 2.0, 2.0]


def test_a_methods_on_off_settings_take_only_booleans():
    # a string was taken as True: Reverse(compiled="no") compiled, Symbolic(cse="no") shared subexpressions
    for make, name in (
        (dl.Reverse, "compiled"),
        (dl.Forward, "compiled"),
        (dl.Symbolic, "cse"),
        (dl.Symbolic, "matrix"),
    ):
        for bad in ("no", None, 2, np.array([True])):
            with pytest.raises(TypeError, match=rf"{make.__name__}\({name}=\.\.\.\) must be True or False, got"):
                make(**{name: bad})
        assert getattr(make(**{name: np.False_}), name) is False


def test_compare_names_a_methods_value_it_cannot_use():
    with pytest.raises(TypeError, match="methods must be 'all', a method or a list of them, got int 3"):
        dl.compare(lambda x: x * x, 1.0, methods=3)


def test_a_prepared_function_names_a_wrong_argument_count_and_itself():
    # found by a new user's first hour: p.grad() read "prepared for arguments shaped ((3,)), called with ();
    # prepare again for new shapes", p.grad(x=x) "passed to the differentiated function the function", and
    # prepare(f) with no example "argnums 0 is out of range for a function called with 0 arguments"
    def loss(x):
        return dnp.sum(x * x)

    p = dl.prepare(loss, np.ones(3))
    with pytest.raises(TypeError, match=r"^prepared for 1 argument\(s\), called with 0$"):
        p.grad()
    with pytest.raises(TypeError, match=r"^prepared for 1 argument\(s\), called with 2$"):
        p(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="keyword argument.*'x' passed to the differentiated function loss:"):
        p.grad(x=np.ones(3))
    with pytest.raises(TypeError, match="prepare traces f at example arguments"):
        dl.prepare(loss)


def test_a_traced_value_stored_into_the_functions_own_array_is_named():
    # NumPy's "setting an array element with a sequence" was the last line, difflab's reason only its cause
    def f(x):
        y = np.zeros(3)
        y[0] = x[0]
        return dnp.sum(y * x)

    for method in ("reverse", "forward", "symbolic", "numeric"):
        with pytest.raises(
            dl.TracerConversionError, match=r"start from a traced array instead, h = np\.zeros_like\(x\).*np\.where"
        ) as info:
            dl.grad(f, method=method)(np.ones(3))
        assert isinstance(info.value, TypeError) and info.value.__cause__ is None
    with pytest.raises(dl.TracerConversionError, match=r"`float\(x\)` converts a traced value .* to a Python number"):
        dl.grad(lambda x: float(x) * x)(1.0)


def test_a_constant_division_by_zero_is_nan_for_every_method_not_an_internal_error():
    # found by a new user's `difflab compare "x/0"`: SymPy folds x/0.0 to zoo·x, which NumPy's code printer
    # did not know (KeyError: 'ComplexInfinity'), and the matrix-level gradient divided Python floats
    # (ZeroDivisionError); the derivative of a value that is not finite is NaN, as for the other methods, and
    # the value is NumPy's ±inf with the DomainWarning naming the division (SymPy's zoo printed as NaN)
    for f, x, value in (
        (lambda x: x / 0.0, 3.0, np.inf),
        (lambda x: x / 0.0, -3.0, -np.inf),
        (lambda x: dnp.sum(x**2 / 0.0), np.array([3.0, 1.0]), np.inf),
    ):
        for method in METHODS:
            (v, d), caught = _run(lambda: dl.value_and_grad(f, method=method)(x))
            assert v == value and np.isnan(d).all(), (method, x, v, d)
            assert [str(w.message).split(":")[0] for w in caught if w.category is dl.DomainWarning] == [
                f"v{1 if np.ndim(x) == 0 else 2} = div(v{0 if np.ndim(x) == 0 else 1}, 0.0)"
            ], (method, x)


def test_a_string_argument_is_named_as_not_a_number():
    # newuser23: dl.grad(f)("a") answered "(use 2.0 rather than 2, or x.astype(float))", a hint for integers
    with pytest.raises(TypeError, match=r"has dtype <U1: only floating-point values can be differentiated \(a str is"):
        dl.grad(lambda x: x)("a")
    with pytest.raises(TypeError, match=r"has dtype int64: .*\(use 2.0 rather than 2.*allow_int=True in grad"):
        dl.grad(lambda x: x)(2)


class _ForeignArray:
    """Another library's float array (as a jax.Array is): a dtype and __array__, not an ndarray."""

    dtype = np.dtype(np.float64)

    def __array__(self, dtype=None, copy=None):
        return np.array([1.0, 2.0])


def test_another_librarys_float_array_is_named_with_the_conversion():
    # realcode38: a jax.Array given to dl.grad answered "has dtype float64: only floating-point values can be
    # differentiated (a ArrayImpl is not a number)", refusing a float for not being one
    for method in METHODS:
        with pytest.raises(
            TypeError, match=r"is a .*_ForeignArray of dtype float64, not a NumPy array: .*numpy\.asarray"
        ):
            dl.grad(lambda x: np.sum(x), method=method)(_ForeignArray())


# -- linear algebra above 4×4 at bad matrices (realcode26) ------------------------------------------
_A5 = np.random.default_rng(0).normal(size=(5, 5))
_SINGULAR5 = np.vstack([_A5[:4], _A5[3:4]])  # rows 3 and 4 equal
_LINALG5 = {
    "inv": lambda a: np.sum(np.linalg.inv(a)),
    "solve": lambda a: np.sum(np.linalg.solve(a, np.ones(5))),
    "slogdet": lambda a: np.linalg.slogdet(a)[1],
    "cholesky": lambda a: np.sum(np.linalg.cholesky(a)),
    "eigh": lambda a: np.sum(np.linalg.eigh(a)[0]) + np.sum(np.linalg.eigh(a)[1][:, 0] ** 2),
    "eigvalsh": lambda a: np.sum(np.linalg.eigvalsh(a) ** 2),
    "svd": lambda a: np.sum(np.linalg.svd(a)[0][:, 0] ** 2) + np.sum(np.linalg.svd(a, compute_uv=False)),
    "pinv": lambda a: np.sum(np.linalg.pinv(a)),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("entry", [np.nan, np.inf])
def test_a_5x5_decomposition_of_a_matrix_holding_nan_or_inf_is_nan(method, entry):
    """svd and pinv of a 5×5 holding inf never returned (LAPACK's gesdd loops forever on it: NumPy's own
    np.linalg.svd and pinv hang), eigh's and svd's of a NaN matrix raised LinAlgError "did not converge" under
    reverse and symbolic (forward and numeric gave NaN): every method now gives NaN, as JAX does."""
    a = _A5.copy()
    a[2, 1] = entry
    for name, f in _LINALG5.items():
        if name in ("inv", "solve") and entry == np.inf:
            continue  # (LAPACK's LU answers such a matrix partly: NumPy's value, differentiated as it is)
        g, _ = _run(lambda: dl.grad(f, method=method)(a))
        assert np.isnan(g).all(), (name, entry)


@pytest.mark.parametrize("method", METHODS)
def test_a_singular_5x5_is_nan_with_the_warning_for_every_method(method):
    """inv, solve, slogdet and cholesky of a singular 5×5 (symbolic's opaque entries, above its explicit 4×4
    forms): NaN with a DomainWarning naming the equation for every method; symbolic raised NumPy's LinAlgError
    ("Singular matrix", "Matrix is not positive definite") from the code it generated."""
    for name in ("inv", "solve", "slogdet", "cholesky"):
        a = _SINGULAR5 @ _SINGULAR5.T if name == "cholesky" else _SINGULAR5
        g, caught = _run(lambda: dl.grad(_LINALG5[name], method=method)(a))
        assert np.isnan(g).all(), name
        assert any(w.category is dl.DomainWarning for w in caught), name


@pytest.mark.parametrize("method", METHODS)
def test_a_non_square_matrix_to_a_square_only_function_names_the_equation(method):
    """inv, det, slogdet, eigh, eigvalsh and cholesky of a 5×4 matrix: a ValueError naming the op, the
    equation and the shape (it was NumPy's bare LinAlgError from inside the trace); svd and pinv take it."""
    a = _A5[:, :4]
    for name, f in {**_LINALG5, "det": lambda a: np.linalg.det(a)}.items():
        if name in ("svd", "pinv"):
            assert np.isfinite(dl.grad(f, method=method)(a)).all()
            continue
        with pytest.raises(
            ValueError, match=r"cannot apply to arguments of shapes \(5, 4\) in equation `v1 = .*square"
        ):
            dl.grad(f, method=method)(a)


def test_this_rounds_item_assignment_cho_solve_and_full_name_bad_input():
    """Bad input to item assignment (`y[i] = v`, x.at[i].set), difflab.scipy.linalg.cho_solve and
    difflab.numpy.full gets an error naming the problem: cho_solve of c alone (not cho_factor's pair) said
    "too many values to unpack"; dnp.full(3, g, dtype=int) of a traced g gave floats (g itself, derivative 3)
    where NumPy gives integers (now those integers, zero derivative); a float size said "'float' object is not iterable"; order='X' was accepted."""
    import difflab.scipy.linalg as dsla

    x, x0 = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])
    A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])

    def into(idx, v):
        def f(x):
            y = x.copy()
            y[idx] = v(x)
            return np.sum(y)

        return f

    cases = [
        (into(5, lambda x: x[0]), IndexError, "index 5 is out of bounds for axis 0 with size 3"),
        (
            into(0, lambda x: x[:2]),
            ValueError,
            r"could not broadcast input array from shape \(2,\) into shape \(\) \(`y\[idx\] = ",
        ),
        (into(1.5, lambda x: x[0]), IndexError, "only integers, slices"),
        (into(np.array([True, False]), lambda x: 1.0), IndexError, "boolean index did not match"),
        (lambda x: np.sum(x.at[7].set(1.0)), IndexError, "index 7 is out of bounds"),
        (
            lambda x: np.sum(x.at[0].set(x[1], mode="wrap")),
            ValueError,
            "mode must be one of 'promise_in_bounds', 'clip', 'drop', 'fill', got 'wrap'",
        ),
        (lambda x: np.sum(np.array(x.tolist())), dl.UnsupportedOperationError, r"`np\.array\(x\.tolist\(\)\)`"),
        (
            lambda g: np.sum(dnp.full(2.5, g[0])),
            TypeError,
            "expected a sequence of integers or a single integer, got '2.5'",
        ),
        (lambda g: np.sum(dnp.full(-1, g[0])), ValueError, "negative dimensions are not allowed"),
        (lambda g: np.sum(dnp.full(3, g[0], order="X")), ValueError, "order must be one of"),
    ]
    for method in METHODS:
        for f, kind, match in cases:
            with pytest.raises(kind, match=match):
                dl.grad(f, method=method)(x)
        with pytest.raises(
            TypeError, match=r"takes the pair \(c, lower\) that cho_factor returns, not an array of shape \(3, 3\)"
        ):
            dl.grad(lambda a: np.sum(dsla.cho_solve(dsla.cho_factor(a)[0], x)), method=method)(A)
        assert np.array_equal(x, x0)
        assert dl.grad(lambda x: sum(x.tolist()), method=method)(x) == pytest.approx([1.0, 1.0, 1.0])
        assert dl.grad(lambda g: np.sum(dnp.full(3, g, dtype=np.float32)), method=method)(0.5) == pytest.approx(3.0)
        # dtype=int: NumPy's integers of the traced fill (its cast values, as x.astype(int): realcode38), derivative 0
        seen = []
        g = dl.grad(lambda g: seen.append(dnp.full(3, g[0] + 1.7, dtype=int)) or np.sum(g), method=method)(x)
        assert seen[0].dtype == np.int64 and seen[0].tolist() == [2, 2, 2] and g == pytest.approx([1.0, 1.0, 1.0])
    assert np.array_equal(dnp.full((2, 3), 1.5), np.full((2, 3), 1.5))


@pytest.mark.parametrize("outer", [None, "reverse"])
def test_symbolic_at_an_exactly_singular_3x3_is_nan_like_the_other_methods(outer):
    """inv, solve and slogdet of an exactly singular 3×3 (two equal rows): NumPy refuses it (LAPACK's pivot is 0)
    and forward/reverse/numeric give NaN (slogdet: -inf) with a DomainWarning. symbolic's SymPy closed forms (up to
    4×4) evaluated a denominator that rounds to ~1e-17, not 0, and answered finite numbers silently (realcode26:
    sum(inv(A)) = 0.0, log|det| = -36.5, gradients ~1e17); they now carry a factor that is NaN where LAPACK cannot
    invert A (log|det| a term that is -inf there, as NumPy's), every derivative NaN. As the inner method of reverse
    too. Off the singular point the values and Hessians are reverse's."""
    S = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [0.3, -1.0, 2.0]])
    A = np.array([[2.0, 0.5, 0.1], [0.3, 1.5, 0.2], [0.1, 0.4, 3.0]])
    fs = (
        lambda a: np.sum(np.linalg.inv(a)),
        lambda a: np.linalg.slogdet(a)[1],
        lambda a: np.sum(np.linalg.solve(a, np.arange(1.0, 4.0))),
    )
    for f in fs:
        if outer is None:
            run = dl.value_and_grad(f, method="symbolic")
        else:  # reverse's gradient of symbolic's value: the traced form of the factor
            run = dl.value_and_grad(lambda a: dl.value_and_grad(f, method="symbolic")(a)[0], method=outer)
        (v, g), caught = _run(lambda: run(S))
        assert (v == -np.inf if f is fs[1] else np.isnan(v)) and np.isnan(g).all()
        assert any(w.category is dl.DomainWarning for w in caught)
        (v, g), caught = _run(lambda: run(A))
        assert not caught
        ref_v, ref_g = dl.value_and_grad(f, method="reverse")(A)
        assert v == pytest.approx(ref_v, rel=1e-13) and np.allclose(g, ref_g, rtol=1e-12)
    np.testing.assert_allclose(
        dl.hessian(fs[0], method="symbolic")(A), dl.hessian(fs[0], method="reverse")(A), rtol=1e-11
    )


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_a_nested_list_operand_is_a_constant(method):
    # `x + [[0, 2], [-2, 0]]`: the identity fold read the nested list with np.result_type, which takes it
    # as a structured dtype spec and raised "Field elements must be 2- or 3-tuples" (a bare TypeError)
    def f(x):
        m = np.reshape(x, (2, 2))
        return np.sum((m + [[0.0, 2.0], [-2.0, 0.0]]) ** 2 * [[1, 0], [0, 1]]) + np.sum(m * [[1, 1], [1, 1]])

    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert dl.grad(f, method=method)(x) == pytest.approx([3.0, 1.0, 1.0, 9.0], rel=1e-6)
