"""The autograd import shim (difflab.peers.autograd_shim) keeps working without the network:
its operators give the known derivatives for every method, its check_grads passes right
derivatives and catches a wrong one, and `installed()` presents `import autograd` and takes it back.
(bench/peer_suite.py runs autograd's own test suite through it; that needs the download.)
"""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import difflab as dl
from difflab.peers import autograd_shim as ag

METHODS = ag.METHODS
X = np.array([0.3, -1.2, 0.7])


def f(x, scale=1.0):
    return scale * np.sum(np.sin(x) * x)


def df(x, scale=1.0):  # d/dx sum(x sin x), by hand
    return scale * (np.sin(x) + x * np.cos(x))


@pytest.mark.parametrize("method", METHODS)
def test_operators_give_the_known_derivatives(method):
    np.testing.assert_allclose(ag.grad(f, method=method)(X, scale=2.0), df(X, 2.0), rtol=1e-7, atol=1e-9)
    value, g = ag.value_and_grad(f, method=method)(X)
    assert value == pytest.approx(f(X)) and np.allclose(g, df(X), atol=1e-7)
    np.testing.assert_allclose(ag.elementwise_grad(np.tanh, method=method)(X), 1 - np.tanh(X) ** 2, atol=1e-7)
    jac = ag.jacobian(lambda x: np.sin(x) * x, method=method)(X)
    np.testing.assert_allclose(jac, np.diag(df(X)), atol=1e-7)
    # argnum picks the argument; a tuple gives a tuple
    gx, gs = ag.grad(f, (0, 1), method=method)(X, 3.0)
    np.testing.assert_allclose(gx, df(X, 3.0), atol=1e-6)
    assert gs == pytest.approx(f(X), abs=1e-6)


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse"])
def test_second_order_products(method):
    # f(x) = sum(x**3): H = diag(6x)
    cube = lambda x: np.sum(x**3)
    v = np.array([1.0, 2.0, -1.0])
    tol = dict(rtol=1e-4, atol=1e-5) if method == "numeric" else dict(rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ag.hessian(cube, method=method)(X), np.diag(6 * X), **tol)
    hvp, g = ag.make_hvp(cube, method=method)(X)
    np.testing.assert_allclose(hvp(v), 6 * X * v, **tol)
    np.testing.assert_allclose(g, 3 * X**2, **tol)
    np.testing.assert_allclose(ag.hessian_tensor_product(cube, method=method)(X, v), 6 * X * v, **tol)
    # Gauss-Newton of g(y) = sum(y**2)/2 after f(x) = 2x: J^T H_g J v = 4 v
    np.testing.assert_allclose(ag.make_ggnvp(lambda x: 2.0 * x, method=method)(X)(v), 4 * v, **tol)


@pytest.mark.parametrize("method", METHODS)
def test_check_grads_passes_right_derivatives(method):
    # numeric's second derivatives are good to about 1e-5, and the central-difference reference of its
    # first derivative is worse: autograd's 1e-6 tolerance assumes exact first derivatives
    order = 1 if method == "numeric" else 2
    ag.check_grads(f, modes=["fwd", "rev"], order=order, method=method)(X, scale=0.5)
    ag.check_grads(lambda x, y: np.tanh(x) * y, (0, 1), order=order, method=method)(X, X[::-1].copy())


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_check_grads_catches_a_wrong_derivative(method):
    @dl.custom_jvp
    def wrong_sin(x):
        return np.sin(x)

    wrong_sin.defjvp(lambda primals, tangents: (np.sin(primals[0]), 1.1 * np.cos(primals[0]) * tangents[0]))

    @dl.custom_vjp
    def wrong_cos(x):
        return np.cos(x)

    wrong_cos.defvjp(lambda x: (np.cos(x), x), lambda x, u: (-1.1 * np.sin(x) * u,))
    wrong = wrong_sin if method == "forward" else wrong_cos
    mode = "fwd" if method == "forward" else "rev"
    with pytest.raises(AssertionError):
        ag.check_grads(wrong, modes=[mode], order=1, method=method)(X)


def test_installed_presents_autograd_and_takes_it_back():
    before = sys.modules.get("autograd")
    with ag.installed("forward") as autograd:
        import autograd.numpy as anp
        import autograd.numpy.random as npr
        from autograd.test_util import check_grads

        assert autograd.grad(anp.tanh)(0.5) == pytest.approx(1 - np.tanh(0.5) ** 2)
        # plain NumPy, dispatching on traced values (a list holding traced values goes to difflab.numpy's sum)
        assert anp.tanh is np.tanh and anp.sum.__wrapped__ is np.sum and npr.randn is np.random.randn
        check_grads(anp.sin)(npr.randn(3))
        with pytest.raises(ImportError):
            import autograd.numpy.numpy_boxes  # noqa: F401  (autograd's internals are not presented)
    assert sys.modules.get("autograd") is before


def test_bad_input_gets_a_clear_error(monkeypatch):
    assert ag.holomorphic_grad(np.sin)(0.5 + 0.25j) == pytest.approx(
        np.cos(0.5 + 0.25j)
    )  # f'(z) (tests/test_complex.py)
    with pytest.raises(ValueError, match="choose one of symbolic, numeric, forward, reverse"):
        ag.grad(f, method="backprop")(X)
    monkeypatch.setenv(ag.ENV, "adjoint")
    with pytest.raises(ValueError, match="'adjoint'"):
        ag.current_method()
    with pytest.raises(IndexError, match="argnum 2 is out of range"):
        ag.grad(f, 2)(X)
    with pytest.raises(ValueError, match="modes"):
        ag.check_grads(f, modes=["backward"])(X)


def test_flatten_round_trips():
    value = {"w": np.arange(6.0).reshape(2, 3), "b": (1.0, np.ones(2))}
    flat, unflatten = ag.flatten(value)
    with ag.installed():
        from autograd.misc import flatten  # the function, not the submodule of the same name

        assert flatten is ag.flatten
    assert flat.shape == (9,)
    back = unflatten(flat)
    np.testing.assert_array_equal(back["w"], value["w"])
    assert float(back["b"][0]) == 1.0


def test_peer_runner_sorts_failures_by_cause():
    path = pathlib.Path(__file__).resolve().parents[1] / "bench" / "peer_suite.py"
    spec = importlib.util.spec_from_file_location("bench_peer_suite", path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    assert runner.cause_of("ModuleNotFoundError: No module named 'autograd.extend'").startswith("autograd internals")
    assert runner.cause_of("UnsupportedOperationError: numpy.fft.fft is not a difflab primitive").startswith(
        "unsupported"
    )
    assert runner.cause_of("AssertionError: Derivative (VJP) check of f failed with method reverse").startswith(
        "wrong value"
    )
    assert runner.cause_of(
        "AssertionError: Derivative (VJP) check of fun failed", "test_linalg.py::test_svd_tall_2d"
    ).startswith("wrong value")  # eigh/svd give NumPy's signs now: a failed check is a wrong value
    assert runner.cause_of("Derivative (VJP) check of f failed (relative difference 2.0e-05)").startswith("near miss")
    # not wrong values: autograd's graph-cache call counting, a dtype other than autograd's
    assert runner.cause_of("assert 4 == 3", "test_misc.py::test_const_graph").startswith("autograd internals")
    assert runner.cause_of(
        "module 'autograd.scipy.linalg' has no attribute 'sqrtm'", "test_scipy.py::test_sqrtm"
    ).startswith("a SciPy function difflab.scipy does not have")
    assert runner.cause_of("AssertionError: assert dtype('float64') == dtype('float32')").startswith(
        "a result's dtype is not autograd's"
    )
    # a user rule the method does not run: not a missing op, not symbolic's closed form
    assert runner.cause_of(
        "MissingRuleError: JVP of primitive foo with respect to argument 0 is not defined (defjvp gives it)"
    ).startswith("a primitive's own rules")
    assert runner.cause_of(
        "Failed: DID NOT RAISE AssertionError", "test_tests.py::test_check_vjp_2nd_order_fail"
    ).startswith("a primitive's own rules")
    assert runner.cause_of("Failed: DID NOT RAISE TypeError", "test_logic.py::test_nograd").startswith("a boolean")
    assert runner.cause_of(
        "Failed: DID NOT RAISE NotImplementedError", "test_fft.py::test_rfftn_odd_not_implemented"
    ).startswith("autograd's own limitation")
    assert runner.cause_of("AssertionError: assert False", "test_wrappers.py::test_wrapped_name_and_docs").startswith(
        "autograd's own wrappers"
    )
    # symbolic's refusal of an 8×8 inverse at translation: its own cause, not the generic NotDifferentiableError's
    assert runner.cause_of(
        "NotDifferentiableError: the symbolic method has no closed form for inv of a 8×8 matrix (SymPy's is used up "
        "to 4×4); use 'forward' or 'reverse'",
        "test_linalg.py::test_inv",
    ).startswith("symbolic: a matrix too large")
    # numeric's 1.000000000005219 asked to be exactly 1.0 is round-off; 1.001 == 1.0 stays a wrong value
    assert runner.cause_of("assert 1.000000000005219 == 1.0\n", "test_numpy.py::test_mean_list_of_boxes").startswith(
        "an exact == of a finite-difference derivative"
    )
    assert runner.cause_of("assert 1.8334264312505144e-11 == 0.0\n").startswith("an exact ==")
    assert runner.cause_of("assert 5.999999999926663 == np.float64(6.0)\n").startswith("an exact ==")
    assert runner.cause_of("assert 1.001 == 1.0\n").startswith("wrong value")
    assert runner.cause_of("AssertionError: value mismatch (relative difference nan):").startswith("NaN at a domain")
    near = "Derivative (VJP) check of vjp_fun failed with method numeric (relative difference 2.7e-05)"
    assert runner.cause_of(near, "test_linalg.py::test_norm_axis_complex[shape0-0]").startswith("near miss")
    assert runner.cause_of("ComplexLeaf: argument 0 has dtype complex128", "test_x.py::test_y").startswith("complex")
    assert runner.cause_of("NotDifferentiableError: no registry op translates to a SymPy Piecewise").startswith(
        "symbolic as an inner method"
    )


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_primitive_takes_the_users_rule(method, monkeypatch):
    # a deliberately scaled rule shows the rule is used, not the function's own derivative; the
    # primitive follows the selected method (its JVP rule under forward, its VJP rule otherwise)
    monkeypatch.setenv(ag.ENV, method)

    @ag.primitive
    def cube(x, label="c"):
        return x**3

    ag.defvjp(cube, lambda ans, x, label="c": lambda g: 2.0 * g * 3 * x**2)
    ag.defjvp(cube, lambda t, ans, x, label="c": 2.0 * t * 3 * x**2)
    g = ag.grad(lambda x: np.sum(cube(x, label="z")), method=method)(X)
    np.testing.assert_allclose(g, 6 * X**2, rtol=1e-12)
    assert cube(2.0) == 8.0  # untraced: the function itself
    with pytest.raises(dl.NotDifferentiableError, match="not defined"):
        ag.grad(ag.primitive(lambda x: 2.0 * x), method=method)(1.0)
    # autograd's test_no_vjp_def / test_no_jvp_def expect NotImplementedError for a missing rule
    with pytest.raises(NotImplementedError, match="not defined"):
        ag.deriv(ag.primitive(lambda x: 2.0 * x), method=method)(1.0)


@pytest.mark.parametrize("method", METHODS)
def test_autograd_numpy_extras(method):
    """autograd.numpy's make_diagonal, and the two private helpers of autograd.numpy.linalg that its
    test_pinv calls (_dot, T): values as autograd's, derivatives by the method."""
    d = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    with ag.installed(method):
        import autograd.numpy as anp

        np.testing.assert_array_equal(anp.make_diagonal(d, axis1=-1, axis2=-2), [np.diag(r) for r in d])
        w = np.arange(18.0).reshape(2, 3, 3)
        g = dl.grad(lambda d: np.sum(anp.make_diagonal(d, axis1=-1, axis2=-2) * w), method=method)(d)
        np.testing.assert_allclose(g, np.broadcast_to(np.diagonal(w, axis1=-1, axis2=-2), d.shape), atol=1e-7)
        with pytest.raises(NotImplementedError, match="axis1=-1, axis2=-2"):
            anp.make_diagonal(d)
        a = np.arange(6.0).reshape(3, 2)
        np.testing.assert_array_equal(anp.linalg._dot(anp.linalg.T(a), a), a.T @ a)
        g = dl.grad(lambda a: np.sum(anp.linalg._dot(anp.linalg.T(a), a)), method=method)(a)
        np.testing.assert_allclose(g, 2 * a.sum(axis=1, keepdims=True) * np.ones((3, 2)), atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_gaps_the_peer_suite_found(method):
    # np.linspace with traced ends: out = start + (stop - start) * k/(num-1), so d/dstart = 1 - k/(num-1)
    weights = np.arange(1.0, 6.0)
    g = dl.grad(lambda a, b: np.sum(np.linspace(a, b, 5) * weights), argnums=(0, 1), method=method)(1.2, -3.4)
    fractions = np.arange(5) / 4
    np.testing.assert_allclose(g, (np.sum(weights * (1 - fractions)), np.sum(weights * fractions)), rtol=1e-7)
    assert np.allclose(dl.jacobian(lambda a: np.linspace(a, 2.0, 3), method=method)(1.0), [1.0, 0.5, 0.0])
    # x.flatten() traces (it is ravel); np.gradient of a matrix gives NumPy 2's tuple
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(
        dl.grad(lambda x: np.sum(x.flatten() * np.arange(6.0)), method=method)(a),
        np.arange(6.0).reshape(2, 3),
        atol=1e-7,
    )
    traced = dl.vjp(lambda x: np.gradient(x), a, method=method)[0]
    assert isinstance(traced, tuple) and len(traced) == 2
    np.testing.assert_allclose(traced[1], np.gradient(a)[1])


@pytest.mark.parametrize("method", METHODS)
def test_tensor_jacobian_product_contracts_the_leading_axes(method):
    """autograd's tensor_jacobian_product(fun)(a, V): V contracted with the Jacobian over fun's leading
    V.ndim axes; a V smaller than the output (autograd's test_tensor_jacobian_product) leaves the rest."""
    fun = lambda a: np.roll(np.sin(a), 1)
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 2, 2))
    J = np.zeros((3, 2, 2) * 2)  # J[i, j] = d fun(a)[i] / d a[j]: roll moves the flat entry k to k + 1
    flat = J.reshape(12, 12)
    flat[(np.arange(12) + 1) % 12, np.arange(12)] = np.cos(a).ravel()
    tol = 1e-6 if method == "numeric" else 1e-12
    for V in (rng.normal(size=(3, 2, 2)), rng.normal(size=(3, 2)), rng.normal(size=3)):
        got = ag.tensor_jacobian_product(fun, method=method)(a, V)
        np.testing.assert_allclose(got, np.tensordot(V, J, axes=V.ndim), atol=tol, err_msg=str(V.shape))


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_python_modulo_on_traced_values(method):
    """autograd's suite writes `x % y`: Tracer had no __mod__ (found by the peer suite)."""
    gx, gy = dl.grad(lambda x, y: x % y, argnums=(0, 1), method=method)(7.5, 2.0)
    assert abs(gx - 1.0) < 1e-6 and abs(gy - (-np.floor(7.5 / 2.0))) < 1e-6
    assert abs(dl.grad(lambda y: 7.5 % y, method=method)(2.0) + 3.0) < 1e-6


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_autograd_scipy_is_difflab_scipy(method):
    """autograd.scipy.special/stats/signal are difflab.scipy's: differentiable by the selected method."""
    pytest.importorskip("scipy")
    import scipy.special as sc

    with ag.installed(method) as autograd:
        import autograd.scipy.signal as signal
        import autograd.scipy.special as special
        import autograd.scipy.stats.norm as norm

        d_gammaln = autograd.grad(lambda x: special.gammaln(x))(2.5)
        d_logpdf = autograd.grad(norm.logpdf, 1)(0.3, 1.1, 2.0)  # in loc: (x - loc)/scale²
        d_conv = autograd.grad(lambda a: signal.convolve(a, np.array([1.0, 2.0])).sum())(np.ones(3))
    tol = 1e-6 if method == "numeric" else 1e-12
    assert d_gammaln == pytest.approx(sc.digamma(2.5), rel=tol)
    assert d_logpdf == pytest.approx((0.3 - 1.1) / 4.0, rel=tol)
    np.testing.assert_allclose(d_conv, [3.0, 3.0, 3.0], rtol=tol)


def test_a_test_over_the_cpu_limit_fails_naming_the_limit(monkeypatch):
    import signal

    monkeypatch.setenv(ag.ENV_TEST_CPU, "0.2")
    call = ag.pytest_runtest_call(None)  # the hook wrapper: armed up to its yield (the test runs there)
    next(call)
    try:
        with pytest.raises(SystemExit, match=r"more than 0\.2 s of CPU time"):
            while True:  # a test that never ends on its own
                pass
    finally:
        call.close()  # disarmed after the test
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_report_only_without_reports_leaves_the_table_alone(tmp_path, monkeypatch):
    # docs/peer_suite.md's `python bench/peer_suite.py --report-only` on a fresh clone (no cache) wrote a
    # table of "not run" over bench/PEER_SUITE.md, the committed results
    monkeypatch.setenv("DIFFLAB_CACHE", str(tmp_path / "cache"))
    path = pathlib.Path(__file__).resolve().parents[1] / "bench" / "peer_suite.py"
    spec = importlib.util.spec_from_file_location("bench_peer_suite_fresh", path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    table = tmp_path / "PEER_SUITE.md"
    table.write_text("the committed table\n")
    assert runner.main(["--report-only", "--output", str(table)]) == 2
    assert table.read_text() == "the committed table\n"


def test_update_replaces_one_cell_and_keeps_the_others(tmp_path):
    """`--update`: the report's other cells, failures and causes are read back from the markdown (`parse` inverts
    `render`), only the fresh file × method is replaced, its seconds beside the old sum and a note naming it."""
    path = pathlib.Path(__file__).resolve().parents[1] / "bench" / "peer_suite.py"
    spec = importlib.util.spec_from_file_location("bench_peer_suite_update", path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    over = "SystemExit: timeout: the test used more than 10 s of CPU time"
    old = {
        "symbolic": {"a.py::t1": ("passed", ""), "a.py::t2": ("failed", over), "b.py::t3": ("error", over)},
        "reverse": {"a.py::t1": ("passed", ""), "a.py::t2": ("passed", ""), "b.py::t3": ("failed", "assert 1 == 2")},
    }
    table = tmp_path / "PEER_SUITE.md"
    text = runner.report(old, ["symbolic", "reverse"], ["a.py", "b.py"], {"symbolic": 30.0, "reverse": 4.0})
    table.write_text(text)
    assert runner.render(*[runner.parse(text)[k] for k in (2, 3, 4, 0, 1)]) == text  # the round trip
    fresh = {
        "symbolic": {
            "b.py::t3": ("passed", ""),
            "b.py::t4": ("failed", "ImportError: cannot import name 'vspace' from 'autograd.core'"),
        }
    }
    new = runner.update(table, fresh, ["symbolic"], ["b.py"], {"symbolic": 7.0}, "today")
    assert "| a.py | 1 / 1 / 0 | 2 / 0 / 0 |" in new and "| b.py | 1 / 1 / 0 | 0 / 1 / 0 |" in new
    assert "| seconds (sum over files) | 30 (updated: 7) | 4 |" in new
    assert "- updated: symbolic × b.py (today, 7 s)" in new
    assert "`b.py::t3`" not in new.split("### symbolic")[1].split("### reverse")[0]  # its old failure gone
    assert "- `b.py::t4` — autograd internals (Box, VSpace, primitive/defvjp, tracer, misc): ImportError" in new
    assert "| a test over the per-test CPU limit (--test-cpu) | 1 | 0 |" in new  # a.py's kept, b.py's replaced
    (tmp_path / "again.md").write_text(new)  # b.py updated again, then a.py: one note per cell, seconds per note
    again = runner.update(tmp_path / "again.md", fresh, ["symbolic"], ["b.py"], {"symbolic": 5.0}, "later")
    assert "(today, 7 s)" not in again and "- updated: symbolic × b.py (later, 5 s)" in again
    assert "| seconds (sum over files) | 30 (updated: 5) | 4 |" in again
    (tmp_path / "third.md").write_text(again)
    fresh_a = {"symbolic": {"a.py::t1": ("passed", ""), "a.py::t2": ("passed", "")}}
    third = runner.update(tmp_path / "third.md", fresh_a, ["symbolic"], ["a.py"], {"symbolic": 3.0}, "last")
    assert "| seconds (sum over files) | 30 (updated: 5 + 3) | 4 |" in third


def test_a_run_of_some_files_or_methods_leaves_the_committed_table_alone(tmp_path, monkeypatch):
    # docs/peer_suite.md's `python bench/peer_suite.py --methods reverse --files test_numpy.py` wrote its one
    # cell over bench/PEER_SUITE.md (newuser23); a full run and --update still write it, --output wins
    monkeypatch.setenv("DIFFLAB_CACHE", str(tmp_path / "cache"))
    path = pathlib.Path(__file__).resolve().parents[1] / "bench" / "peer_suite.py"
    spec = importlib.util.spec_from_file_location("bench_peer_suite_output", path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    committed, partial = runner.HERE / "PEER_SUITE.md", tmp_path / "cache" / "peer_suite" / "PEER_SUITE.partial.md"

    def where(*argv):
        import argparse

        ns = argparse.Namespace(output=None, files=None, methods=list(runner.METHODS), update=False)
        for key, value in argv:
            setattr(ns, key, value)
        return runner.output_path(ns)

    assert where() == committed
    assert where(("methods", ["reverse"]), ("files", ["test_numpy.py"])) == partial
    assert where(("files", ["test_numpy.py"])) == partial and where(("methods", ["reverse"])) == partial
    assert where(("files", ["test_numpy.py"]), ("update", True)) == committed
    assert where(("files", ["a.py"]), ("output", tmp_path / "mine.md")) == tmp_path / "mine.md"


@pytest.mark.parametrize("method", ["symbolic", "numeric", "forward", "reverse"])
def test_the_shims_grad_takes_an_output_of_one_entry_as_autograds(method):
    """autograd's grad takes f returning shape (1,) (its check is size == 1); difflab's refuses it as JAX's, so the
    shim hands difflab the one entry: grad, value_and_grad, grad_and_aux and make_hvp as autograd answers them."""
    x = np.array([1.0, 2.0, 3.0])
    f = lambda x: dl.numpy.sum(x**3.0, keepdims=True).reshape(1, 1)  # noqa: E731
    tol = dict(rtol=1e-6) if method == "numeric" else dict(rtol=1e-14)
    np.testing.assert_allclose(ag.grad(f, method=method)(x), 3.0 * x**2, **tol)
    np.testing.assert_allclose(ag.value_and_grad(f, method=method)(x)[1], 3.0 * x**2, **tol)
    np.testing.assert_allclose(ag.grad_and_aux(lambda x: (f(x)[0], "aux"), method=method)(x)[0], 3.0 * x**2, **tol)
    np.testing.assert_allclose(ag.make_hvp(f, method=method)(x)[0](np.ones(3)), 6.0 * x, **tol)


def test_peer_runner_reads_the_exception_that_failed_the_test():
    # autograd's test_eig_batched under symbolic (a junit report of 2026-12-04): the shim realifies the complex
    # argument while it handles a ComplexLeaf, and the test then used up its CPU time; the table said
    # "ComplexLeaf: ... complex leaves are differentiated ..." as the failure and test_eig_complex's cause
    # "complex numbers", where its error was the symbolic method's expansion limit
    path = pathlib.Path(__file__).resolve().parents[1] / "bench" / "peer_suite.py"
    spec = importlib.util.spec_from_file_location("bench_peer_suite_chain", path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    leaf = (
        "E   difflab.api.boundary.ComplexLeaf: argument 0 (leaf 0) has dtype complex128; complex leaves are "
        "differentiated as their real and imaginary parts by grad\n\n"
        "During handling of the above exception, another exception occurred:\n"
    )
    timeout = "SystemExit: timeout: the test used more than 60 s of CPU time ($DIFFLAB_PEER_TEST_CPU)"
    limit = "difflab.errors.NotDifferentiableError: the symbolic method would expand 2.13e+05 array elements"
    for last, cause in ((timeout, "a test over the per-test CPU limit"), (limit, "symbolic as an inner method")):
        message = f"{last}\n{leaf}E   {last}"  # junit's message attribute, then the failure's text
        assert runner._first_line(message) == last
        assert runner.cause_of(message, "test_linalg.py::test_eig_complex").startswith(cause)
    raised_from = leaf.replace(
        "During handling of the above exception, another exception occurred",
        "The above exception was the direct cause of the following exception",
    )
    assert runner._first_line(f"{limit}\n{raised_from}E   {limit}") == limit
    # one exception: its first E line, as before
    assert runner._first_line(f"{timeout}\nE   {timeout}\nE   more") == timeout
