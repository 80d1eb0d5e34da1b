"""What a new user met reading README.md and docs/ (session 55): each a claim checked as written."""

import numpy as np
import pytest

import difflab as dl


@pytest.mark.parametrize("op", [dl.grad, dl.value_and_grad, dl.jacobian, dl.hessian])
def test_a_method_passed_where_argnums_goes_says_to_name_it(op):
    # docs/numeric.md wrote dl.grad(f, "numeric"); the error said only "argnums must be an int"
    with pytest.raises(
        TypeError,
        match=r"argnums must be an int.*got 'numeric'; a method is passed by keyword: "
        r"method='numeric'",
    ):
        op(lambda x: np.sum(np.sin(x)), "numeric")(np.array([1.0, 2.0]))


def test_numeric_md_nested_tan_example_at_the_pole():
    # docs/numeric.md: jacobian(grad(Σ tan, numeric), forward) at [1, 2], [1.5707, 2], then [π/2 − 1e-7, 2]
    J = dl.jacobian(dl.grad(lambda x: np.sum(np.tan(x)), method="numeric"), method="forward")
    J(np.array([1.0, 2.0]))
    for x0, said in ((1.5707, 2.23763201e12), (np.pi / 2 - 1e-7, 1.99999999e21)):
        exact = 2 * np.tan(x0) / np.cos(x0) ** 2  # (tan)'' = 2 sec² tan
        got = J(np.array([x0, 2.0]))[0, 0]
        assert got == pytest.approx(said, rel=1e-8) and got == pytest.approx(exact, rel=1e-6)


def test_check_exits_3_when_the_users_own_code_raises_a_value_error(tmp_path, monkeypatch, capsys):
    # README: "an exception raised by the code run (a NameError in your function) with 3"; a ValueError or
    # TypeError the user's function (or its --grad) raised itself exited 2, as bad input, with no traceback hint
    from difflab.cli import main

    (tmp_path / "rd55.py").write_text(
        "import numpy as np\n"
        "def f(w):\n    return np.sum(w ** 2)\n"
        "def f_raises(w):\n    raise ValueError('w must be sorted')\n"
        "def g_raises(w):\n    return len(3)\n"
        "def g_shape(w):\n    return np.ones(3)\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rd55:f_raises", "--at", "w=[1,2]"]) == 3
    err = capsys.readouterr().err
    assert "ValueError: w must be sorted" in err and "rd55.py:5 in f_raises" in err and "DIFFLAB_TRACEBACK" in err
    assert main(["check", "rd55:f", "--at", "w=[1,2]", "--grad", "rd55:g_raises"]) == 3
    assert "TypeError" in capsys.readouterr().err
    # difflab's own bad-input errors stay 2, a wrong gradient 1 (a right one 0: tests/test_cli.py)
    assert main(["check", "rd55:f", "--at", "w=[1,2]", "--wrt", "q"]) == 2
    assert main(["check", "rd55:f", "--at", "w=[1,2]", "--grad", "rd55:g_shape"]) == 1


def test_symbolic_eigh_beyond_2x2_is_no_longer_refused():
    # README's "what does not work yet" said symbolic's jacobian, hessian and Symbolic(matrix=False) of eigh/svd
    # beyond 2×2 raise NotDifferentiableError; they give reverse's numbers (the claim is gone from README)
    A = np.array([[2.0, 0.5, 0.1], [0.5, 3.0, 0.2], [0.1, 0.2, 4.0]])
    vals = lambda A: np.linalg.eigvalsh(A)  # noqa: E731
    loss = lambda A: np.sum(np.linalg.eigvalsh(A) ** 3)  # noqa: E731
    np.testing.assert_allclose(
        dl.jacobian(vals, method="symbolic")(A), dl.jacobian(vals, method="reverse")(A), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        dl.hessian(loss, method="symbolic")(A), dl.hessian(loss, method="reverse")(A), rtol=1e-10, atol=1e-12
    )
    g = dl.grad(loss, method=dl.Symbolic(matrix=False))(A)
    w, V = np.linalg.eigh(A)
    np.testing.assert_allclose(g, np.tril(V @ np.diag(3 * w**2) @ V.T * (2 - np.eye(3))), rtol=1e-10)


def test_elliprj_at_p_equal_to_x_is_finite_and_right():
    # docs/scipy.md: at p = x every partial is finite (special55: x's and p's by the integral of RD's last-argument
    # partial), against central differences of SciPy's own (RJ is smooth across p = x)
    sc = pytest.importorskip("scipy.special")
    at = [1.0, 2.0, 3.0, 1.0]
    g = dl.grad(sc.elliprj, argnums=(0, 1, 2, 3))(*at)
    h = 1e-6
    for i in range(4):
        up, down = list(at), list(at)
        up[i] += h
        down[i] -= h
        assert g[i] == pytest.approx((sc.elliprj(*up) - sc.elliprj(*down)) / (2 * h), rel=1e-7)


@pytest.mark.parametrize("at", [5, 2.5, ["x", 1.0], ("x=1",)])
def test_explore_names_a_point_of_the_wrong_type(at):
    # README: difflab.explore.explore(text, at) returns the page's record; explore("x", 5) raised a bare
    # "TypeError: argument of type 'int' is not iterable"
    from difflab.explore import ExploreError, explore

    with pytest.raises(
        ExploreError, match=rf"the point is a str such as 'x=3,y=2' or a dict .*got {type(at).__name__}"
    ):
        explore("x^2", at)  # (a str or dict point: tests/explore)


def test_explore_html_with_an_empty_name_is_refused_not_served(capsys, monkeypatch):
    # `difflab explore x --at x=1 --html ""` started the server (and a browser) instead of naming the problem
    import difflab.explore.server
    from difflab.cli import main

    def serve(*args, **kwargs):  # (on the tree before, the server: it must not block the test)
        raise AssertionError("explore --html '' started the server")

    monkeypatch.setattr(difflab.explore.server, "serve", serve)
    assert main(["explore", "x", "--at", "x=1", "--html", ""]) == 2
    assert "--html needs a file name" in capsys.readouterr().err


def test_distribution_shape_parameters_differentiate_in_log_densities_not_cdfs():
    # README said "the distributions' shape parameters ... are not differentiated"; their log-densities are
    # (docs/scipy.md: "differentiable in ... the shape parameters where the formula is")
    pytest.importorskip("scipy")
    from scipy.special import digamma

    import difflab.scipy.stats as dst

    # d/da log Gamma(x; a) = log x − ψ(a)
    assert dl.grad(lambda a: dst.gamma.logpdf(0.5, a))(2.0) == pytest.approx(np.log(0.5) - digamma(2.0), rel=1e-13)
    assert dl.grad(lambda p: dst.binom.logpmf(3, 10, p))(0.4) == pytest.approx(3 / 0.4 - 7 / 0.6, rel=1e-13)
    # their CDFs too since gammainc56 (gammainc's a: tests/test_gammainc56.py)
    assert np.isfinite(dl.grad(lambda a: dst.gamma.cdf(0.5, a))(2.0))
