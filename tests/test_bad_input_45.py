"""Session 45's bad-input holes (issue 11; DESIGN.md §6), found by a walk over the newer surface that earlier
batteries did not cover (difflab.scipy, linearize/linear_transpose, custom rules, pytrees, the CLI), each kept
closed here and grouped by entry point. Cheap: small vectors, no Hypothesis."""

import numpy as np
import pytest

import difflab as dl

pytest.importorskip("scipy")
import scipy.stats  # noqa: E402

from difflab.scipy import stats as dstats  # noqa: E402

METHODS = ["symbolic", "numeric", "forward", "reverse"]


# -- difflab.scipy.stats: a parameter outside its domain is NaN, as SciPy's ------------------------------------

X = np.array([0.3, 0.5, 1.2])

OUTSIDE = {  # on main each was a finite number where SciPy answers NaN
    "gamma.pdf a=-1": ("gamma", "pdf", (X, -1.0), {}),  # 0 (gammaln(-1) = inf)
    "beta.cdf a=0": ("beta", "cdf", (X / 2, 0.0, 1.0), {}),  # 1
    "chi2.pdf df=0": ("chi2", "pdf", (X, 0.0), {}),  # 0
    "norm.cdf scale=-1": ("norm", "cdf", (X,), {"scale": -1.0}),  # the mirrored distribution's
    "norm.cdf scale=0": ("norm", "cdf", (X,), {"scale": 0.0}),  # 1
    "laplace.cdf scale=-1": ("laplace", "cdf", (X,), {"scale": -1.0}),
    "cauchy.cdf scale=-1": ("cauchy", "cdf", (X,), {"scale": -1.0}),
    "lognorm.cdf s=-1": ("lognorm", "cdf", (X, -1.0), {}),
    "poisson.pmf k=0 mu=-1": ("poisson", "pmf", (np.array([0.0]), -1.0), {}),  # e
    "binom.pmf n=3.5": ("binom", "pmf", (np.array([1.0]), 3.5, 0.5), {}),  # 0.309
    "binom.cdf n=-2": ("binom", "cdf", (np.array([1.0]), -2.0, 0.5), {}),
}


@pytest.mark.parametrize("case", OUTSIDE)
def test_a_distribution_parameter_outside_its_domain_is_nan_with_the_warning_as_scipys(case):
    dist, fn, args, kw = OUTSIDE[case]
    with np.errstate(divide="ignore", invalid="ignore"):
        want = getattr(getattr(scipy.stats, dist), fn)(*args, **kw)
    assert np.isnan(want).all()  # the reference: SciPy's NaN
    with pytest.warns(dl.DomainWarning, match=rf"scipy\.stats\.{dist}\.{fn}: \w+ = \S+ is outside its domain"):
        got = getattr(getattr(dstats, dist), fn)(*args, **kw)
    assert np.isnan(got).all()


@pytest.mark.parametrize("method", METHODS)
def test_a_traced_parameter_outside_its_domain_is_nan_and_so_is_its_derivative(method):
    # d/ds norm.cdf(0.3, scale=s): on main -0.114 at s = -1 (the mirrored distribution's); NaN now, and at s = 1 the
    # derivative of ndtr(0.3/s), -φ(0.3)·0.3, unchanged (the check is one equation, prepared graphs check each call)
    f = lambda s: dstats.norm.cdf(0.3, scale=s)  # noqa: E731
    assert np.isnan(dl.grad(f, method=method)(-1.0))
    want = -np.exp(-0.5 * 0.3**2) / np.sqrt(2 * np.pi) * 0.3
    assert dl.grad(f, method=method)(1.0) == pytest.approx(want, rel=1e-6)
    if method != "symbolic":  # (its second lambdify is the test's whole cost)
        p = dl.prepare(f, 1.0, method=method)
        assert np.isnan(p.grad(-1.0)) and p.grad(1.0) == pytest.approx(want, rel=1e-6)


def test_a_distribution_method_given_an_unknown_keyword_names_itself_and_its_signature():
    # on main: "_norm_pdf() got an unexpected keyword argument 'sigma'" (for gamma's logcdf: "<lambda>() ...")
    with pytest.raises(TypeError, match=r"scipy\.stats\.norm\.pdf\(x, loc=0\.0, scale=1\.0\): .*'sigma'"):
        dstats.norm.pdf(X, sigma=1.0)
    with pytest.raises(TypeError, match=r"scipy\.stats\.gamma\.logcdf\(x, a, loc=0\.0, scale=1\.0\)"):
        dstats.gamma.logcdf(X)


@pytest.mark.parametrize(
    "cov, said",
    [
        (-np.eye(2), r"cov must be symmetric positive semidefinite .* smallest eigenvalue is -1"),
        (np.array([[1.0, 1.0], [1.0, 1.0]]), r"cov is singular .* allow_singular=True"),
    ],
    ids=["-I", "singular"],
)
def test_multivariate_normal_refuses_a_covariance_scipy_refuses(cov, said):
    # on main -1.838 at cov = -I (slogdet's |det| = 1, the quadratic form 0 at the mean), -inf... for the singular one
    with pytest.raises(ValueError, match="(?i)the input matrix must be symmetric positive"):
        scipy.stats.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), cov)
    with pytest.raises(ValueError, match="multivariate_normal: " + said):
        dstats.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), cov)


@pytest.mark.parametrize("mean, cov", [(np.zeros(3), np.eye(2)), (np.zeros(2), np.eye(3))], ids=["mean", "cov"])
def test_multivariate_normal_names_a_mean_or_cov_of_the_wrong_size(mean, cov):
    # on main NumPy's "operands could not be broadcast together" or matmul's gufunc signature
    with pytest.raises(ValueError, match=r"x has 2 components .* mean must have shape \(2,\) and cov \(2, 2\); got"):
        dstats.multivariate_normal.logpdf(np.zeros(2), mean, cov)


@pytest.mark.parametrize(
    "x, alpha, said",
    [
        (np.array([0.2, 0.3, 0.5]), np.array([-1.0, 1.0, 1.0]), r"every alpha must be > 0"),
        (np.array([0.2, 0.3, 0.6]), np.array([1.0, 2.0, 1.0]), r"x must lie on the simplex .* sums are 1\.1"),
        (
            np.array([0.2, 0.3, 0.4, 0.1]),
            np.array([1.0, 2.0]),
            r"alpha must be a vector of K >= 2 .* alpha of shape \(2,\) and x of shape \(4,\)",
        ),
    ],
    ids=["alpha<0", "off the simplex", "sizes"],
)
def test_dirichlet_refuses_what_scipy_refuses(x, alpha, said):
    # on main -inf, 0.588 (a density off its support) and a number from the first two components
    with pytest.raises(ValueError):
        scipy.stats.dirichlet.logpdf(x, alpha)
    with pytest.raises(ValueError, match="dirichlet: " + said):
        dstats.dirichlet.logpdf(x, alpha)


# -- difflab.scipy.linalg and signal: arguments SciPy refuses ---------------------------------------------------

from difflab.scipy import linalg as dlinalg  # noqa: E402
from difflab.scipy import signal as dsignal  # noqa: E402

A3 = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
B3 = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "l_and_u, ab, said",
    [
        ((1.5, 0), np.ones((2, 3)), r"l_and_u must be two whole numbers >= 0, got \(1\.5, 0\)"),  # was (1, 0)'s x
        ((-1, 0), np.ones((3, 3)), r"l_and_u must be two whole numbers >= 0"),  # was "Singular matrix"
        ((5, 5), np.ones((3, 3)), r"ab must have l \+ u \+ 1 = 11 rows .* got shape \(3, 3\)"),  # was an IndexError
        ((1, 0), np.ones((3, 3)), r"ab must have l \+ u \+ 1 = 2 rows"),  # was the solve with ab's first 2 rows
    ],
    ids=["1.5", "-1", "too wide", "too many rows"],
)
def test_solve_banded_refuses_band_widths_scipy_refuses(l_and_u, ab, said):
    import scipy.linalg

    with pytest.raises(ValueError, match="invalid values for the number of lower and upper diagonals"):
        scipy.linalg.solve_banded(l_and_u, ab, B3)
    with pytest.raises(ValueError, match="solve_banded: " + said):
        dlinalg.solve_banded(l_and_u, ab, B3)


def test_solve_banded_with_the_right_widths_still_solves():
    import scipy.linalg

    ab = np.array([[0.0, 1.0, 2.0], [4.0, 5.0, 6.0], [0.5, 0.25, 0.0]])  # one super-, one sub-diagonal
    np.testing.assert_allclose(dlinalg.solve_banded((1, 1), ab, B3), scipy.linalg.solve_banded((1, 1), ab, B3))


def test_solve_triangular_refuses_an_unknown_trans_and_lu_solve_names_its_pair():
    # trans=5 was read as 0 (SciPy passes it on to LAPACK, which does the same): the solve with T, not Tᵀ;
    # lu_solve(A, b) was Python's "too many values to unpack (expected 2)"
    with pytest.raises(ValueError, match=r"solve_triangular: trans must be 0/'N', 1/'T' or 2/'C', got 5"):
        dlinalg.solve_triangular(np.triu(A3), B3, trans=5)
    with pytest.raises(TypeError, match=r"lu_solve takes the pair \(lu, piv\) .* not an array of shape \(3, 3\)"):
        dlinalg.lu_solve(A3, B3)
    np.testing.assert_allclose(dlinalg.lu_solve(dlinalg.lu_factor(A3), B3), np.linalg.solve(A3, B3))


@pytest.mark.parametrize(
    "args, kw, said",
    [
        ((B3, np.ones((2, 2))), {}, r"same number of dimensions .* \(3,\) and \(2, 2\)"),  # was a (2, 4) result
        ((B3, np.ones(0)), {}, r"must not be empty"),  # was "negative dimensions are not allowed"
        ((B3, B3), {"method": "bogus"}, r"method must be 'auto', 'direct' or 'fft'"),  # was ignored
    ],
    ids=["ndim", "empty", "method"],
)
def test_convolve_refuses_what_scipy_refuses(args, kw, said):
    import scipy.signal

    with pytest.raises(ValueError):
        scipy.signal.convolve(*args, **kw)
    with pytest.raises(ValueError, match="convolve: .*" + said):
        dsignal.convolve(*args, **kw)


# -- custom rules: the decorators' own inputs ---------------------------------------------------------------------

import difflab.numpy as dnp  # noqa: E402

XV = np.array([0.3, -0.5, 1.2])


def test_a_rule_that_is_no_function_is_refused_when_it_is_given():
    # on main defjvp(3) and defvjp(1, 2) were taken, and the first derivative was Python's "'int' object is not
    # callable" from inside difflab
    @dl.custom_jvp
    def f(a):
        return dnp.sin(a)

    @dl.custom_vjp
    def g(a):
        return dnp.sin(a)

    with pytest.raises(TypeError, match=r"f\.defjvp takes the rule, a function \(primals, tangents\).*got int"):
        f.defjvp(3)
    with pytest.raises(TypeError, match=r"g\.defvjp takes two functions, fwd .* its bwd is a int"):
        g.defvjp(lambda a: (g(a), a), 2)
    f.defjvp(lambda p, t: (f(p[0]), 2.0 * t[0]))  # the rule, given right, is taken
    np.testing.assert_array_equal(dl.grad(lambda a: dnp.sum(f(a)))(XV), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("kind", ["custom_jvp", "custom_vjp"])
def test_a_custom_function_takes_its_arguments_by_keyword_as_its_signature_says(kind):
    # on main: "_Custom.__call__() got an unexpected keyword argument 'scale'" (JAX binds them by the signature)
    def scaled(a, scale=1.0):
        return dnp.sin(a) * scale

    f = getattr(dl, kind)(scaled)
    if kind == "custom_jvp":
        f.defjvp(lambda p, t: (f(*p), 3.0 * t[0] * p[1] + t[1]))  # a rule unlike sin's derivative, on purpose
    else:
        f.defvjp(lambda a, s: (f(a, s), s), lambda s, u: (3.0 * u * s, dnp.sum(u)))
    got = dl.grad(lambda a: dnp.sum(f(a, scale=2.0)))(XV)
    np.testing.assert_array_equal(got, np.full(3, 6.0))  # the rule's 3·scale, not sin's derivative
    np.testing.assert_allclose(f(a=XV), np.sin(XV))  # the default scale, untraced
    with pytest.raises(TypeError, match=rf"{kind} function scaled: got an unexpected keyword argument 'sigma'"):
        f(XV, sigma=2.0)


@pytest.mark.parametrize("kind", ["custom_jvp", "custom_vjp"])
def test_a_custom_function_called_on_plain_values_returns_no_view_of_its_argument(kind):
    # DESIGN §6: on main the identity's result was x itself, so a user's write into it changed x
    f = getattr(dl, kind)(lambda a: a[::-1])
    if kind == "custom_jvp":
        f.defjvp(lambda p, t: (f(p[0]), t[0][::-1]))
    else:
        f.defvjp(lambda a: (f(a), None), lambda r, u: (u[::-1],))
    x = XV.copy()
    y = f(x)
    assert not np.shares_memory(y, x)
    y[0] = 9.0
    np.testing.assert_array_equal(x, XV)


def test_a_dict_with_keys_of_two_types_is_named():
    # on main Python's bare "'<' not supported between instances of 'str' and 'int'" from difflab's tree module
    with pytest.raises(TypeError, match=r"a dict in a pytree has keys of types int, str.* got \[1, 'a'\]"):
        dl.grad(lambda d: d[1] * d["a"])({1: 2.0, "a": 3.0})


# -- linearize and linear_transpose: the returned functions' arguments --------------------------------------------


def test_the_linearised_and_transposed_functions_name_their_bad_arguments():
    y, lin = dl.linearize(dnp.sin, XV)
    # on main "the linearisation of Op: ..." (the registry op's class), and Python's "Linearized.__call__() got an
    # unexpected keyword argument 'v'"
    with pytest.raises(ValueError, match=r"the linearisation of sin: a tangent of shape \(2,\)"):
        lin(np.ones(2))
    with pytest.raises(TypeError, match=r"the linearisation of sin takes its tangents positionally.* 'v'"):
        lin(v=np.ones(3))
    lt = dl.linear_transpose(lin)
    # on main: "cotangent of shape () for an output of shape (3,)" for a str, Python's "transposed() takes 1
    # positional argument but 2 were given", and a complex cotangent's imaginary part dropped silently
    with pytest.raises(TypeError, match=r"a cotangent is a str, not a number or a numeric array"):
        lt("a")
    with pytest.raises(TypeError, match=r"the transposed linearisation of sin takes one cotangent.* got 2 arguments"):
        lt(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match=r"a complex cotangent for a real output"):
        lt(np.ones(3) * 1j)
    np.testing.assert_allclose(lt(np.ones(3))[0], np.cos(XV))
    np.testing.assert_allclose(lin(np.ones(3)), np.cos(XV))


# -- the command line -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, said",
    [
        (
            ["compare", "x*y", "--at", "x=1", "--at", "y=2"],
            r"--at is given twice; give every value in one: --at x=1,y=2",
        ),
        (
            ["compare", "x**2", "--at", "x=1", "--methods", "symbolic", "--methods", "numeric"],
            r"--methods is given twice; give every value in one: --methods symbolic,numeric",
        ),
    ],
    ids=["at", "methods"],
)
def test_an_option_given_twice_is_refused_not_the_first_dropped(argv, said, capsys):
    # on main argparse kept the last: x was lost ("no value for 'x'"), symbolic silently not compared
    from difflab.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err.replace("\n", " ")


@pytest.mark.parametrize("flag", ["--out", "--report"])
def test_run_refuses_a_folder_it_cannot_write_before_running(flag, tmp_path, capsys):
    # on main the whole run went first, then "FileNotFoundError: [Errno 2] ..." with status 1 (for --report; --out's
    # the same before the first cell). /proc refuses a new folder even to root
    from difflab.cli import main

    if __import__("os").path.isdir("/proc/self"):
        target, said = "/proc/difflab_x", "cannot write there"
    else:  # (no /proc: a folder under a file, which no user can make either)
        (tmp_path / "afile").write_text("")
        target, said = str(tmp_path / "afile" / "sub"), "cannot make a folder there"
    argv = ["run", "cost_scaling", "--quiet", "--out", str(tmp_path / "runs"), flag, target]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{flag} {target}: {said}" in err
    assert not (tmp_path / "runs").exists()  # refused up front: no run directory was made


# -- jacobian(sparse=True): a NaN input ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_sparse_jacobian_keeps_a_nan_inputs_nan_in_its_own_column(method):
    # on main numeric's compressed direction (one colour for the whole diagonal) moved the NaN input, and its JVP
    # was NaN in every output: [[nan, 0, 0], [0, nan, 0], [0, 0, nan]] where cos(0.5), cos(1.0) are the answers
    x = np.array([np.nan, 0.5, 1.0])
    got = dl.jacobian(dnp.sin, sparse=True, method=method)(x).toarray()
    np.testing.assert_array_equal(np.isnan(got), [[True, False, False], [False] * 3, [False] * 3])
    np.testing.assert_allclose(got[1:, 1:], np.diag(np.cos(x[1:])), rtol=1e-6)


@pytest.mark.parametrize("assume_a", ["sym", "pos", "diagonal", "tridiagonal", "lower triangular"])
@pytest.mark.parametrize("lower", [False, True])
def test_scipy_linalg_solve_takes_scipys_keywords_and_reads_what_scipy_reads(assume_a, lower):
    # on main Python's "_solve() got an unexpected keyword argument 'assume_a'" (NumPy's solve under SciPy's name);
    # a is not symmetric on purpose: SciPy reads one triangle, the band or the diagonal only
    import scipy.linalg

    a = np.array([[4.0, 1.0, 0.3], [3.0, 5.0, 0.2], [0.7, 0.4, 6.0]])
    a = a + a.T if assume_a == "pos" else a
    want = scipy.linalg.solve(a, B3, assume_a=assume_a, lower=lower, transposed=True)
    np.testing.assert_allclose(dlinalg.solve(a, B3, assume_a=assume_a, lower=lower, transposed=True), want)


def test_scipy_linalg_solve_names_a_bad_structure_and_a_b_of_the_wrong_length():
    # on main: the keyword's TypeError, and matmul's "mismatch in its core dimension 0, with gufunc signature ..."
    with pytest.raises(ValueError, match=r"solve: 'bogus' is not a recognized matrix structure \(assume_a: 'gen'"):
        dlinalg.solve(A3, B3, assume_a="bogus")
    with pytest.raises(ValueError, match=r"solve: a of shape \(3, 3\) needs b with 3 rows, got shape \(4,\)"):
        dlinalg.solve(A3, np.ones(4))
    with pytest.raises(np.linalg.LinAlgError):  # SciPy's answer to a matrix that is not positive definite
        dlinalg.solve(-A3, B3, assume_a="pos")


# -- difflab.testing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["a", 2.7, True, -1], ids=["str", "float", "bool", "negative"])
def test_check_grad_refuses_a_seed_that_is_no_whole_number(seed):
    # on main int(seed): 'a' was "invalid literal for int() with base 10: 'a'", 2.7 was taken as 2, True as 1
    from difflab.testing import check_grad

    with pytest.raises(ValueError, match=r"seed must be a non-negative int, got " + repr(seed).replace(".", r"\.")):
        check_grad(lambda a: dnp.sum(dnp.sin(a)), lambda a: np.cos(a), XV, seed=seed)
    assert check_grad(lambda a: dnp.sum(dnp.sin(a)), lambda a: np.cos(a), XV, seed=np.int64(3)).max_abs_error < 1e-12


# -- an op given out= -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_an_op_given_out_by_keyword_on_a_traced_value_is_named_as_the_positional_one_is(method):
    # on main: "_scaled.<locals>.rule() got multiple values for argument 'out'" from inside the derivative (sin), or
    # "erf: cannot apply ... _scipy.<locals>.impl() got an unexpected keyword argument 'out'" (a SciPy function)
    from difflab.scipy import special

    for op in (dnp.sin, special.erf):
        with pytest.raises(dl.UnsupportedOperationError, match=rf"^{op.name} was given out=, an array written in"):
            dl.grad(lambda a: dnp.sum(op(a, out=np.empty(3))), method=method)(XV)


def test_a_scipy_function_given_an_unknown_keyword_names_itself():
    # on main "_scipy.<locals>.impl() got an unexpected keyword argument 'bogus'" (the registry's impl)
    from difflab.scipy import special

    with pytest.raises(TypeError, match=r"^erf got an unexpected keyword argument 'bogus'$"):
        special.erf(XV, bogus=1)


# -- difflab.nn.train -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw, error, said",
    [
        ({"optimizer": "adam"}, TypeError, r"optimizer must be an optimizer object .* got str 'adam'"),
        ({"seed": -1}, ValueError, r"seed must be a non-negative int or None, got -1"),
        ({"log_every": -1}, ValueError, r"log_every must be an int >= 0"),
        (
            {"data": (np.ones((4, 2)), np.array([0, 1, 0, 1]))},
            TypeError,
            r"data must be a difflab\.nn\.Dataset .*tuple",
        ),
        ({"data": "empty"}, ValueError, r"has no training examples"),
    ],
    ids=["optimizer str", "seed -1", "log_every -1", "data tuple", "empty data"],
)
def test_train_names_a_bad_argument_before_training(kw, error, said):
    # on main: "'str' object has no attribute 'init'", NumPy's "expected non-negative integer", a progress line
    # for log_every=-1, "'tuple' object has no attribute 'X_train'", "range() arg 3 must not be zero"
    from difflab import nn

    data = nn.load_dataset("xor", n=40, seed=0)
    if kw.get("data") == "empty":
        kw = {"data": nn.Dataset("empty", np.ones((0, 2)), np.zeros(0, dtype=int), data.X_test, data.y_test)}
    args = {"data": data, "epochs": 1, **kw}
    with pytest.raises(error, match=said):
        nn.train(nn.MLP([2, 3, 2]), args.pop("data"), **args)


def test_an_mlp_and_to_dot_name_an_input_they_cannot_take():
    # on main: matmul's "mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?)", NumPy's
    # AxisError from predict's argmax of one example, and "'int' object has no attribute 'inputs'"
    from difflab import nn

    model = nn.MLP([2, 4, 3])
    params = model.init(0)
    with pytest.raises(ValueError, match=r"MLP\(\[2, 4, 3\].*takes X of shape \(N, 2\), got shape \(5, 4\)"):
        model.predict(params, np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"predict takes a batch X of shape \(N, 2\), got shape \(2,\)"):
        model.predict(params, np.ones(2))
    with pytest.raises(TypeError, match=r"to_dot takes a Graph .* got int"):
        dl.to_dot(3)
    assert model.predict(params, np.ones((5, 2))).shape == (5,)


def test_a_frozen_distribution_is_scipys_not_a_bare_error():
    # on main norm(0.5, 2.0) was "'types.SimpleNamespace' object is not callable"
    np.testing.assert_allclose(dstats.norm(0.5, 2.0).logpdf(X), scipy.stats.norm(0.5, 2.0).logpdf(X))
    np.testing.assert_allclose(dstats.gamma(2.0, scale=3.0).cdf(X), scipy.stats.gamma(2.0, scale=3.0).cdf(X))
    assert dstats.norm(0.0, 1.0).entropy() == pytest.approx(scipy.stats.norm(0.0, 1.0).entropy())
    # d/ds log N(1; 0, s) = -1/s + 1/s³: -0.375 at s = 2
    assert dl.grad(lambda s: dstats.norm(0.0, s).logpdf(1.0))(2.0) == pytest.approx(-0.375)


def test_a_distribution_parameter_that_is_no_number_is_named():
    # on main NumPy's "ufunc 'subtract' did not contain a loop with signature matching types"
    with pytest.raises(TypeError, match=r"^scipy\.stats\.laplace\.pdf: loc is a str, not a number$"):
        dstats.laplace.pdf(X, loc="a")


@pytest.mark.parametrize("method", METHODS)
def test_a_traced_dirichlet_point_off_the_simplex_is_nan(method):
    # on main the density's formula there: a gradient [0, 3.33, 0] at [0.2, 0.3, 0.6], a point SciPy refuses
    alpha = np.array([1.0, 2.0, 1.0])
    g = lambda y: dl.grad(lambda y: dstats.dirichlet.logpdf(y, alpha), method=method)(y)  # noqa: E731
    assert np.isnan(g(np.array([0.2, 0.3, 0.6]))).all()
    np.testing.assert_allclose(g(np.array([0.2, 0.3, 0.5])), [0.0, 1 / 0.3, 0.0], atol=1e-6)  # (α-1)/x on it


def test_the_points_strategy_names_bounds_that_are_no_numbers():
    # on main math.isfinite's bare "must be real number, not str"
    from hypothesis.errors import InvalidArgument

    from difflab.testing.strategies import points

    with pytest.raises(InvalidArgument, match=r"need finite min_value <= max_value, got 'a', 2\.0"):
        points(dl.trace(dnp.sin, np.ones(2)), min_value="a")
