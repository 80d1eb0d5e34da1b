"""Session 47's bad-input holes (issue 11; DESIGN.md §6), left by session 46's battery (tests/test_bad_input_46.py):
a traced QR of dependent columns, the orthogonal polynomials at a whole negative float degree, logm of a 0×0
matrix, lfilter's empty signal and a string zi, eval_hermite's non-whole degree. Each case was a wrong number, a bare
traceback or an unclear message on main; SciPy (or NumPy) is the reference. Cheap: small arrays, no Hypothesis."""

import warnings

import numpy as np
import pytest

import difflab as dl

pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402

from difflab.scipy import linalg as dlinalg  # noqa: E402

# -- wrong numbers ---------------------------------------------------------------------------------------------

RANK1 = np.array([[1.0, 1.0], [1.0, 1.0]])


@pytest.mark.parametrize("method", ["numeric", "forward", "reverse", "symbolic"])
def test_a_traced_qr_of_dependent_columns_is_nan_naming_qr(method):
    # on main d Q[0,1]/dA at [[1, 1], [1, 1]] was round-off presented as a derivative: [[9.71, -9.36], [4.11, -4.47]]
    # (reverse), [[12, -8], ...] (forward), ±3.2e15 (symbolic), ±1.2e5 (numeric); Q is not unique there
    f = lambda a: dlinalg.qr(a)[0][0, 1]  # noqa: E731
    with pytest.warns(dl.DomainWarning, match=r"qr_signs\(v0\): qr: the matrix's first min\(m, n\) columns are "):
        g = dl.grad(f, method=method)(RANK1)
    assert np.isnan(g).all()


def test_qr_of_independent_columns_plain_or_traced_is_unchanged():
    f = lambda a: dlinalg.qr(a)[0][0, 1]  # noqa: E731
    a = np.array([[2.0, 1.0], [0.5, 1.0]])  # independent columns: the central difference of SciPy's Q
    h, e = 1e-6, np.eye(4).reshape(4, 2, 2)
    want = [(scipy.linalg.qr(a + h * d)[0][0, 1] - scipy.linalg.qr(a - h * d)[0][0, 1]) / (2 * h) for d in e]
    for method in ("forward", "reverse"):
        np.testing.assert_allclose(dl.grad(f, method=method)(a).ravel(), want, atol=1e-8)
    for got, want in zip(dlinalg.qr(RANK1), scipy.linalg.qr(RANK1)):  # (a plain matrix: LAPACK's factors)
        np.testing.assert_array_equal(got, want)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # diag(1, 1e-20): its second column is independent (R_22 its whole norm), Q = I, d Q[1,0]/d A[1,0] = 1
        g = dl.grad(lambda a: np.linalg.qr(a)[0][1, 0])(np.diag([1.0, 1e-20]))
    np.testing.assert_array_equal(g, [[0.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_a_traced_complete_qr_of_dependent_columns_is_nan_in_its_extra_columns_too(method):
    # on main Q[2, 2] of the complete QR of a rank-1 3×2 was LAPACK's and its gradient round-off
    tall = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert np.isnan(dl.grad(lambda a: dlinalg.qr(a)[0][2, 2], method=method)(tall)).all()
    said = sorted(str(w.message).split(":")[0] for w in seen if w.category is dl.DomainWarning)
    assert said == ["v1 = qr_signs(v0)", "v9 = qr_complement(v0)"], said


# -- the orthogonal polynomials at a whole negative float degree: SciPy's float call ------------------------------

POLE = [  # (family, degree and parameters): SciPy's float call is NaN (its form's 1/Γ(n + 1) pole times an infinity)
    ("eval_laguerre", (-1.0,)),  # or 0 where the Γ ratio is finite; on main all were 0, SciPy's integer loop's value
    ("eval_laguerre", (-2.0,)),
    ("eval_gegenbauer", (-2.0, 0.7)),
    ("eval_gegenbauer", (-1.0, -0.5)),
    ("eval_genlaguerre", (-2.0, 1.0)),
    ("eval_gegenbauer", (-1.0, 0.7)),  # 0 (SciPy's float call too): slope 0, not 2α·C^(1.7)₋₂'s NaN
    ("eval_genlaguerre", (-1.0, 1.0)),  # 0
]


@pytest.mark.parametrize("family, pre", POLE, ids=[f"{f}{p}" for f, p in POLE])
def test_an_orthogonal_polynomial_at_a_whole_negative_float_degree_is_scipys_float_call(family, pre):
    import scipy.special

    from difflab.scipy import special as dspecial

    want = getattr(scipy.special, family)(*pre, 0.3)
    np.testing.assert_array_equal(getattr(dspecial, family)(*pre, 0.3), want)
    for method in ("forward", "reverse"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dl.DomainWarning)
            value, slope = dl.value_and_grad(lambda t: getattr(dspecial, family)(*pre, t), method=method)(0.3)
        np.testing.assert_array_equal([value, slope], [want, 0.0 * want])  # (0 where SciPy's is 0 for every x)
    assert getattr(dspecial, family)(*(int(pre[0]), *pre[1:]), 0.3) == 0.0  # an integer degree: SciPy's integer loop


def test_a_degree_array_mixing_whole_negative_and_positive_floats_is_scipys_float_call():
    import scipy.special

    from difflab.scipy import special as dspecial

    n = np.array([-2.0, 2.0, -1.0, 0.0])
    np.testing.assert_allclose(dspecial.eval_laguerre(n, 0.3), scipy.special.eval_laguerre(n, 0.3), rtol=1e-15)


# -- bare tracebacks and unclear messages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["logm", "sqrtm"])
def test_logm_and_sqrtm_of_a_0x0_matrix_are_empty(name):
    # on main "cannot reshape array of size 0 into shape (0,0)" (SciPy's logm: "attempt to get argmax of an empty
    # sequence"; its sqrtm and expm give the empty matrix)
    fn = getattr(dlinalg, name)
    for shape in [(0, 0), (3, 0, 0)]:
        got = fn(np.zeros(shape))
        assert got.shape == shape and got.dtype == np.float64
    for method in ("reverse", "symbolic"):  # (symbolic: an empty result needs no SymPy translation)
        g = dl.grad(lambda a: fn(a).sum() + 1.0, method=method)(np.zeros((0, 0)))
        assert g.shape == (0, 0)


def test_lfilter_of_an_empty_signal_with_one_coefficient_is_empty():
    from difflab.scipy import signal as dsignal

    # on main np.convolve's "v cannot be empty" (SciPy's own too), and with axis 0 of a (2, 0) x
    # apply_along_axis's "Cannot apply_along_axis when any iteration dimensions are 0"
    assert dsignal.lfilter(np.array([2.0]), np.array([1.0]), np.array([])).shape == (0,)
    assert dsignal.lfilter(np.array([2.0]), np.array([1.0]), np.zeros((2, 0)), axis=0).shape == (2, 0)
    y, zf = dsignal.lfilter(np.array([2.0]), np.array([1.0]), np.array([]), zi=np.array([]))
    assert y.shape == (0,) and zf.shape == (0,)
    g = dl.grad(lambda b: dsignal.lfilter(b, np.array([1.0]), np.array([])).sum() + b[0])(np.array([2.0]))
    np.testing.assert_array_equal(g, [1.0])


@pytest.mark.parametrize("which", ["b", "a", "x", "zi"])
def test_lfilter_of_a_string_argument_is_named(which):
    from difflab.scipy import signal as dsignal

    # on main zi='ab': SciPy's "input type '<U32' not supported" (a NotImplementedError) or NumPy's "ufunc 'multiply'
    # did not contain a loop with signature matching types"
    args = {"b": np.array([1.0, 0.5]), "a": np.array([1.0]), "x": np.array([1.0, 2.0]), "zi": np.array([0.0])}
    args[which] = "ab"
    with pytest.raises(TypeError, match=rf"lfilter: {which} must be numbers, got str 'ab'"):
        dsignal.lfilter(args["b"], args["a"], args["x"], zi=args["zi"])


@pytest.mark.parametrize("family", ["eval_hermite", "eval_hermitenorm"])
def test_a_hermite_polynomial_of_a_degree_that_is_no_whole_number_says_so(family):
    from difflab.scipy import special as dspecial

    # on main SciPy's "ufunc 'eval_hermite' not supported for the input types, and the inputs could not be safely
    # coerced to any supported types according to the casting rule ''safe''" (plain, or inside difflab's
    # "cannot apply to arguments" when traced)
    fn = getattr(dspecial, family)
    for n, said in [(0.5, "0.5"), (np.array([1.0, np.nan]), "nan")]:
        with pytest.raises(TypeError, match=rf"{family}: the degree n must be a whole number .* got {said}$"):
            fn(n, 0.3)
    with pytest.raises(ValueError, match=rf"`v1 = {family}\(1.5, v0\)`: {family}: the degree n must be a whole"):
        dl.grad(lambda t: fn(1.5, t))(0.3)
    assert fn(2.0, 0.3) == pytest.approx(4 * 0.09 - 2 if family == "eval_hermite" else 0.09 - 1, rel=1e-14)


# -- the newest scipy.special entries at the edges of their domains ---------------------------------------------


def test_lambertw_at_infinity_and_of_a_plain_argument_is_scipys():
    import scipy.special

    from difflab.scipy import special as dspecial

    # on main W₀(∞) was NaN + 0j, traced or not, with no warning (SciPy: inf + 0j); a plain z below -1/e, a complex z
    # or a branch k = 1 gave NaN + 0j or the UnsupportedOperationError meant for a traced z (SciPy: its values)
    for z, k in [(np.inf, 0), (-0.4, 0), (0.4 + 1j, 0), (2.0, 1), (np.array([-np.inf, 2.0]), 0)]:
        np.testing.assert_array_equal(dspecial.lambertw(z, k), scipy.special.lambertw(z, k))
    assert dl.value_and_grad(lambda z: dspecial.lambertw(z).real)(np.inf)[0] == np.inf
    with pytest.raises(dl.UnsupportedOperationError, match="k=1: difflab differentiates the real principal branch"):
        dl.grad(lambda z: dspecial.lambertw(z, k=1).real)(2.0)


# -- the operators called with no primals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, said",
    [
        (lambda: dl.hvp(lambda: 1.0, (), ()), r"hvp of <lambda>: no primals: the gradient and H v need the point"),
        (lambda: dl.vjp(lambda: 1.0), r"names no argument to differentiate \(the function was given no arguments"),
        (lambda: dl.jvp(lambda: 1.0, (), ()), r"names no argument to differentiate \(the function was given no"),
        (lambda: dl.linearize(lambda: 1.0), r"names no argument to differentiate \(the function was given no"),
    ],
    ids=["hvp", "vjp", "jvp", "linearize"],
)
def test_an_operator_given_no_primals_says_so(call, said):
    # on main hvp's bare "max() arg is an empty sequence"; the others "argnums () names no argument to
    # differentiate", an argnums the caller never wrote
    with pytest.raises(ValueError, match=said):
        call()


# -- empty matrices through the decompositions and the matrix norms -----------------------------------------------

EMPTY_AS_NUMPYS = {  # on main, traced: 'attempt to get argmax of an empty sequence' (the eigenvectors' and singular
    # vectors' sign convention), max's 'zero-size array to reduction operation maximum', 'index 0 is out of bounds'
    "eigh": (lambda a: np.linalg.eigh(a)[1], (0, 0)),
    "eigvalsh": (lambda a: np.linalg.eigvalsh(a), (2, 0, 0)),
    "svd": (lambda a: np.linalg.svd(a, full_matrices=False)[0], (3, 0)),
    "svdvals": (lambda a: np.linalg.svd(a, compute_uv=False), (0, 0)),
    "lstsq": (lambda a: np.linalg.lstsq(a, np.ones((3, 2)), rcond=None)[0], (3, 0)),
    "norm 2": (lambda a: np.linalg.norm(a, 2), (0, 3)),
    "norm 1": (lambda a: np.linalg.norm(a, 1), (0, 0)),
    "norm inf": (lambda a: np.linalg.norm(a, np.inf), (0, 3)),
    "vector norm inf": (lambda a: np.linalg.norm(a, np.inf), (0,)),
}


@pytest.mark.parametrize("case", EMPTY_AS_NUMPYS)
def test_an_empty_matrix_through_a_decomposition_or_norm_is_numpys(case):
    fn, shape = EMPTY_AS_NUMPYS[case]
    a = np.zeros(shape)
    want = fn(a)
    value, g = dl.value_and_grad(lambda x: np.sum(fn(x)) + 1.0)(a)
    assert value == np.sum(want) + 1.0 and g.shape == shape
    np.testing.assert_array_equal(dl.jacobian(fn)(a), np.zeros(np.shape(want) + shape))


@pytest.mark.parametrize("name", ["lu", "lu_factor", "solve_sylvester"])
def test_lu_and_sylvester_of_a_0x0_matrix_are_scipys_empties(name):
    # on main "cannot reshape array of size 0 into shape (0,0)" (a stack reshaped to (-1, 0, 0)), plain or traced
    fn = {
        "lu": lambda m, a: m.lu(a)[1],
        "lu_factor": lambda m, a: m.lu_factor(a)[0],
        "solve_sylvester": lambda m, a: m.solve_sylvester(a, a, a),
    }[name]
    e = np.zeros((0, 0))
    np.testing.assert_array_equal(fn(dlinalg, e), fn(scipy.linalg, e))
    assert dl.grad(lambda a: fn(dlinalg, a).sum() + 1.0)(e).shape == (0, 0)
