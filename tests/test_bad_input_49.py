"""Session 49's bad-input holes (issue 11; DESIGN.md §6), left by tests/test_bad_input_48.py: a custom_jvp rule's
primal out of the wrong shape or value, a numpy.matrix given to dl.evaluate or dl.stop_gradient, hvp's 0-d leaves
inside pytrees, the numeric sparse Jacobian's doubled DomainWarning, check_grad's atol=True, and the CLI's and the
explorer's bad requests. Each case was a wrong number, a silent acceptance, a bare traceback or an unclear message
on main. Cheap: small arrays, no Hypothesis."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab import testing

METHODS = ["symbolic", "numeric", "forward", "reverse"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)  # (NumPy's: "the matrix subclass is not recommended")
    M = np.matrix([[1.0, 2.0], [3.0, 4.0]])
X = np.array([1.0, 2.0])


def _sin_with_primal(primal):
    @dl.custom_jvp
    def f(a):
        return dnp.sin(a)

    @f.defjvp
    def f_rule(p, t):
        (a,), (ta,) = p, t
        return primal(a), dnp.cos(a) * ta

    return f


# -- a custom_jvp rule's primal out ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_custom_jvp_rules_primal_out_of_another_shape_is_refused_naming_the_rule(method):
    # on main ignored: the gradient cos(x) came back; JAX: "Custom JVP rule must produce primal and tangent outputs
    # with corresponding shapes and dtypes"
    f = _sin_with_primal(lambda a: dnp.sum(dnp.sin(a)))
    with pytest.raises(ValueError, match=r"^custom_jvp rule of f: its primal out has shape \(\), expected the functio"):
        dl.grad(lambda a: f(a).sum(), method=method)(X)
    with pytest.raises(TypeError, match=r"^custom_jvp rule of f: its primal out is a NoneType, expected an array of"):
        dl.grad(lambda a: _sin_with_primal(lambda a: None)(a).sum(), method=method)(X)
    ok = _sin_with_primal(dnp.sin)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", dl.errors.NumericIgnoresRuleWarning
        )  # (numeric's: it differentiates sin itself)
        np.testing.assert_allclose(dl.grad(lambda a: ok(a).sum(), method=method)(X), np.cos(X), rtol=1e-6)


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_custom_jvp_rules_primal_out_of_another_value_is_refused_where_the_rule_runs(method):
    # on main ignored: jvp gave sin(x) with the tangent; JAX's jvp gives the rule's sin(x) + 1 (and f's elsewhere)
    f = _sin_with_primal(lambda a: dnp.sin(a) + 1.0)
    with pytest.raises(ValueError, match=r"rule of f: its primal out is not the function's value \(element 0: .*1\.84"):
        dl.jvp(f, (X,), (np.ones(2),), method=method)
    with pytest.raises(ValueError, match=r"rule of f: its primal out is not the function's value"):
        dl.grad(lambda a: f(a).sum(), method=method)(X)
    # (the same value by another formula passes: sin x = 2 sin(x/2) cos(x/2), round-off apart)
    g = _sin_with_primal(lambda a: 2.0 * dnp.sin(a / 2.0) * dnp.cos(a / 2.0))
    np.testing.assert_allclose(dl.jvp(g, (X,), (np.ones(2),), method=method)[1], np.cos(X), rtol=1e-12)


# -- numpy.matrix ----------------------------------------------------------------------------------------------------


def test_evaluate_and_stop_gradient_refuse_a_numpy_matrix():
    # on main evaluate gave (matrix([[30.]]),) of shape (1, 1) for a () output, stop_gradient the matrix itself
    g = dl.trace(lambda t: (t * t).sum(), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"a numpy.matrix of shape \(2, 2\): difflab evaluates plain arrays"):
        dl.evaluate(g, M)
    for x in (M, {"w": (M,)}):
        with pytest.raises(TypeError, match=r"a numpy.matrix of shape \(2, 2\): .* pass numpy.asarray\(x\)"):
            dl.stop_gradient(x)
    (y,) = dl.evaluate(g, np.asarray(M))
    assert type(y) is not np.matrix and np.shape(y) == () and y == 30.0
    assert dl.grad(lambda x: x * dl.stop_gradient(x))(3.0) == 3.0


# -- hvp's 0-d leaves inside pytrees ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric", "reverse-over-reverse", "symbolic"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hvp_answers_0d_arrays_for_0d_leaves_inside_pytrees(method, dtype):
    # on main Python floats (float64 for a float32 leaf) by the forward outer methods, a float64 0-d array by
    # reverse-over-reverse; dl.grad answers 0-d arrays of the leaf's dtype
    p = {"a": np.array(2.0, dtype=dtype), "b": (np.array(1.0, dtype=dtype), np.ones(2))}
    f = lambda d: d["a"] ** 3 * d["b"][0] + d["b"][1].sum()  # noqa: E731
    g, hv = dl.hvp(f, (p,), (p,), method=method)
    # ∇ = (3a²b, a³, 1); H v at v = p: (6ab·a + 3a²·b, 3a²·a, 0) = (36, 24, 0)
    for got, want in ((g["a"], 12.0), (g["b"][0], 8.0), (hv["a"], 36.0), (hv["b"][0], 24.0)):
        assert type(got) is np.ndarray and got.shape == () and got.dtype == dtype
        assert float(got) == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(hv["b"][1], np.zeros(2), atol=1e-6)
    assert type(dl.grad(f, method="reverse")(p)["a"]) is np.ndarray


# -- the numeric sparse Jacobian's warnings --------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_sparse_jacobian_warns_once_per_equation_as_the_dense_one(method):
    # on main numeric's sparse jacobian warned once per colour sweep (2 DomainWarnings, the dense one 1), and
    # difflab.sparse's dependency pass issued NumPy's bare "invalid value encountered in log"
    x = np.array([1.0, -1.0, 2.0])
    f = lambda a: np.log(a[:2]) * a[2]  # noqa: E731
    for sparse in (False, True):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            J = dl.jacobian(f, sparse=sparse, method=method)(x)
        assert [type(w.message) for w in seen] == [dl.DomainWarning], (sparse, [str(w.message) for w in seen])
        J = J.toarray() if sparse else np.asarray(J)
        np.testing.assert_allclose(J[0], [2.0, 0.0, 0.0], rtol=1e-6)  # (2/x₀, and log(x₀) = 0)


# -- check_grad's tolerances -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tol", [{"atol": True}, {"rtol": True}, {"atol": -1e-3}, {"rtol": np.nan}, {"rtol": np.True_}])
@pytest.mark.parametrize("check", ["check_grad", "check_hessian", "check_jvp"])
def test_the_checks_refuse_a_tolerance_that_is_no_finite_number_by_name(tol, check):
    # on main atol=True (or rtol=True) was a tolerance of 1.0: it passed the gradient -cos of sin; check_jvp took
    # rtol=nan for its primal check
    (name,) = tol
    f = lambda a: np.sum(np.sin(a))  # noqa: E731
    calls = {
        "check_grad": lambda **kw: testing.check_grad(f, lambda a: -np.cos(a), X, **kw),
        "check_hessian": lambda **kw: testing.check_hessian(f, lambda a: np.diag(np.sin(a)), X, **kw),
        "check_jvp": lambda **kw: testing.check_jvp(np.sin, lambda x, v: (np.sin(x), -np.cos(x) * v), X, **kw),
    }
    with pytest.raises(
        ValueError, match=rf"^{check}: {name} must be a finite number >= 0 or None \(the default\), got"
    ):
        calls[check](**tol)
    with pytest.raises(testing.GradientMismatch):
        calls[check](**{name: 1e-3})
    assert testing.check_grad(f, np.cos, X, rtol=np.float32(1e-3))  # (a NumPy float is a number)


# -- the CLI ---------------------------------------------------------------------------------------------------------


def test_the_cli_names_a_number_beyond_float64_and_an_empty_folder(tmp_path, capsys, monkeypatch):
    from difflab.cli import main

    # on main "OverflowError: int too large to convert to float" for a 400-digit integer (1e400 was named)
    big = "9" * 400
    for at in (f"x={big}", f"x=[1,{big}]"):
        assert main(["compare", "x*x", "--at", at]) == 2
        err = capsys.readouterr().err
        assert "--at x: '9999" in err or "--at x: '[1,9" in err
        assert "is not a finite number (a float64 ends at 1.8e308)" in err and big not in err  # (echoed cut short)
    # on main --out "" wrote the run into the current folder, --report "" published nothing, silently
    monkeypatch.chdir(tmp_path)
    for flag in ("--out", "--report"):
        argv = ["run", "cost_scaling", "--quiet", "--out", str(tmp_path / "runs"), flag, ""]
        assert main(argv) == 2
        assert f"difflab run: error: {flag} is empty: give a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # (nothing run, nothing written)
    assert main(["compare", "x*x", "--at", "x=3", "--methods", "reverse"]) == 0
    assert "reverse    6" in capsys.readouterr().out


# -- the explorer's API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, said",
    [
        ("f=x&f=y&at=x%3D1", "/api/graph got f twice"),
        ("f=x&at=x%3D1&at=x%3D2", "/api/graph got at twice"),
        ("fn=x&at=x%3D1", "/api/graph got the field 'fn'; it takes f (the expression) and at (the point)"),
    ],
    ids=["f twice", "at twice", "misspelt f"],
)
def test_the_explorer_api_names_a_field_given_twice_or_unknown(query, said):
    # on main the first f (or at) won silently, and a misspelt field was dropped: "the expression is empty"
    from difflab.explore.server import query_fields

    assert isinstance(query_fields(query), str) and said in query_fields(query)
    assert query_fields("f=x%2Ay&at=x%3D1") == ("x*y", "x=1")


def test_the_explorer_api_answers_a_bad_query_or_method_with_json():
    import json
    import threading
    import urllib.error
    import urllib.request

    from difflab.explore.server import ExplorerServer

    server = ExplorerServer(port=0, start_worker=False)  # (each request here is refused before the worker)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        for query, said in (("f=x&f=y", "got f twice"), ("f=x&at=x%3D1_000", "x = '1_000' is not a number")):
            url = f"http://127.0.0.1:{server.port}/api/graph?{query}"
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url, timeout=10)
            assert err.value.code == 400 and said in json.loads(err.value.read())["error"]["message"]
        # on main http.server's 501 HTML page, without the security headers, for a JSON body POSTed
        post = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/graph", data=b'{"f": "x"}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(post, timeout=10)
        assert err.value.code == 405 and err.value.headers["Allow"] == "GET, HEAD"
        assert err.value.headers["X-Content-Type-Options"] == "nosniff"
        assert "POST is not supported: /api/graph answers GET ?f=" in json.loads(err.value.read())["error"]["message"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("value", ["1_000", " ١ ", "9" * 500])
def test_the_explorers_point_takes_decimals_only_as_the_cli_does(value):
    # on main Python's float() read '1_000' as 1000, Arabic-Indic '١' as 1 (the CLI's --at refuses both), and a
    # 500-digit number was echoed whole in its message
    from difflab.explore.model import ExploreError, parse_at

    with pytest.raises(ExploreError, match=r"^x = '.{1,60}' is not a (finite )?number") as err:
        parse_at(f"x={value}")
    assert len(str(err.value)) < 200
    assert parse_at("x=1e-7, y=-.5, z=1.5e+21, w= 2 ") == {"x": 1e-7, "y": -0.5, "z": 1.5e21, "w": 2.0}
