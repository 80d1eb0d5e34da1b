"""Session 43's second bad-input battery (a throwaway driver over the public operators, every method, odd
inputs and functions): the holes it found, each kept closed here, grouped by entry point. Cheap: 4-vectors."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]


def _sum_x_sin_x(x):
    return dnp.sum(dnp.sin(x) * x)


# -- every operator: masked arrays ---------------------------------------------------------------------------


MASKED_DOORS = {
    "grad": lambda f, x, m: dl.grad(f, method=m)(x),
    "value_and_grad": lambda f, x, m: dl.value_and_grad(f, method=m)(x),
    "hessian": lambda f, x, m: dl.hessian(f, method=m)(x),
    "vjp": lambda f, x, m: dl.vjp(f, x, method=m)[1](1.0),
    "prepared": lambda f, x, m: dl.prepare(f, np.ones(4), method=m).grad(x),
}


@pytest.mark.parametrize("door", MASKED_DOORS)
@pytest.mark.parametrize("method", METHODS)
def test_a_masked_array_is_refused_naming_it_and_the_spelling_that_works(door, method):
    # on main the first call differentiated the data under the mask, a later one NumPy's masked arithmetic:
    # grad gave a masked result with -0.932 (sin's term alone) under the mask under 'reverse', 0.0 under
    # 'numeric', where x*cos(x) + sin(x) at -1.2 is -1.367
    x = np.ma.array([0.3, -1.2, 2.0, 0.7], mask=[0, 1, 0, 0])
    for _ in range(3):  # the first call and the cached ones alike
        with pytest.raises(TypeError, match=r"MaskedArray.*x\.filled"):
            MASKED_DOORS[door](_sum_x_sin_x, x, method)
    np.testing.assert_array_equal(x.mask, [0, 1, 0, 0])  # the argument as it was
    plain = dl.grad(_sum_x_sin_x, method=method)(x.filled(0.0))  # the spelling the message gives works
    d = np.array([0.3, 0.0, 2.0, 0.7])
    np.testing.assert_allclose(plain, d * np.cos(d) + np.sin(d), rtol=1e-6)


# -- method objects: a NumPy integer is a count ------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        lambda: dl.Forward(chunk=np.int64(2)),
        lambda: dl.Numeric(order=np.int64(4)),
        lambda: dl.Numeric(scheme="richardson", richardson_terms=np.int64(5)),
    ],
    ids=["Forward(chunk=np.int64(2))", "Numeric(order=np.int64(4))", "Numeric(richardson_terms=np.int64(5))"],
)
def test_a_numpy_integer_setting_is_taken_as_its_int(method):
    # on main each was refused as "must be a positive int ..., got np.int64(2)" (a count read from a shape or
    # an np.arange is a NumPy integer)
    x = np.array([0.3, -1.2, 2.0, 0.7])
    d = dl.grad(_sum_x_sin_x, method=method())(x)
    np.testing.assert_allclose(d, x * np.cos(x) + np.sin(x), rtol=1e-7)


def test_a_numpy_bool_is_still_no_count():
    with pytest.raises(ValueError, match="chunk must be a positive int"):
        dl.Forward(chunk=np.bool_(True))
    with pytest.raises(ValueError, match="richardson_terms must be an int"):
        dl.Numeric(richardson_terms=np.bool_(True))


# -- the operators' on/off options take only booleans ------------------------------------------------------------


def _square(x):
    return x * x


ON_OFF = {
    "grad(has_aux='no')": lambda x: dl.grad(lambda x: dnp.sum(x * x), has_aux="no")(x),
    "value_and_grad(has_aux='no')": lambda x: dl.value_and_grad(lambda x: dnp.sum(x * x), has_aux="no")(x),
    "jacobian(has_aux='no')": lambda x: dl.jacobian(_square, has_aux="no")(x),
    "jacobian(sparse='no')": lambda x: dl.jacobian(_square, sparse="no")(x),
    "jacobian(holomorphic='no')": lambda x: dl.jacobian(_square, holomorphic="no")(x),
    "jacfwd(has_aux='no')": lambda x: dl.jacfwd(_square, has_aux="no")(x),
    "jvp(has_aux='no')": lambda x: dl.jvp(_square, (x,), (x,), has_aux="no"),
    "vjp(has_aux='no')": lambda x: dl.vjp(_square, x, has_aux="no"),
    "linearize(has_aux='no')": lambda x: dl.linearize(_square, x, has_aux="no"),
    "Numeric(error_estimate='no')": lambda x: dl.grad(lambda x: dnp.sum(x * x), method=dl.Numeric(error_estimate="no"))(
        x
    ),
}


@pytest.mark.parametrize("call", ON_OFF)
def test_an_on_off_option_given_a_string_is_refused_naming_it(call):
    # on main each 'no' was taken as True: jacobian(sparse='no') gave a SciPy sparse matrix, has_aux='no' said
    # "has_aux=True: f must return a pair", Numeric(error_estimate='no') estimated errors
    option = call.split("(")[1].split("=")[0]
    with pytest.raises(TypeError, match=rf"{option}=\.\.\.\) must be True or False, got 'no'"):
        ON_OFF[call](np.array([0.3, -1.2]))


def test_numpy_bools_still_switch_an_option():
    x = np.array([0.3, -1.2])
    d, aux = dl.grad(lambda x: (dnp.sum(x * x), "tag"), has_aux=np.True_)(x)
    np.testing.assert_allclose(d, 2 * x)
    assert aux == "tag"
    np.testing.assert_allclose(dl.jacobian(_square, sparse=np.False_)(x), np.diag(2 * x))


# -- difflab.testing: a complex answer for a real function ---------------------------------------------------------


def test_check_grad_fails_a_gradient_with_an_imaginary_part():
    # on main NumPy's cast dropped the imaginary part (a ComplexWarning) and check_grad passed grad + 1j
    from difflab.testing import GradientMismatch, check_grad, check_jacobian

    x = np.array([0.3, -1.2, 2.0, 0.7])
    exact = x * np.cos(x) + np.sin(x)  # d/dx of sum(x sin x), the closed form
    with pytest.raises(GradientMismatch, match=r"returned complex values for args\[0\] \(largest imaginary part 1\)"):
        check_grad(_sum_x_sin_x, lambda a: a * np.cos(a) + np.sin(a) + 1j, x)
    with pytest.raises(GradientMismatch, match="returned complex values"):
        check_jacobian(dnp.sin, lambda a: np.diag(np.cos(a)) * (1 + 1e-3j), x)
    # a complex dtype holding real values is the real gradient
    assert check_grad(_sum_x_sin_x, lambda a: (a * np.cos(a) + np.sin(a)) + 0j, x).max_abs_error < 1e-12
    np.testing.assert_allclose(dl.grad(_sum_x_sin_x)(x), exact, rtol=1e-12)


# -- compare -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("methods", [[], ()])
def test_compare_with_no_methods_is_refused(methods):
    # on main compare returned an empty Comparison (rows=[]): a table with nothing compared, no word why
    with pytest.raises(
        TypeError, match=r"methods must be 'all', a method or a list of them, got (list \[\]|tuple \(\))"
    ):
        dl.compare(_sum_x_sin_x, np.array([0.3, -1.2]), methods=methods)


# -- a leaked tracer -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_tracer_leaked_from_a_finished_gradient_is_named_when_used_in_the_next(method):
    # on main the next gradient silently closed over the dead trace's value and returned a Tracer object (its
    # value the gradient with the leaked value held constant) where an array is due
    leaked = {}

    def f(a):
        leaked["x"] = a  # stored in a global: leaves the differentiation
        return dnp.sum(a * a)

    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(dl.grad(f, method=method)(x), 2 * x)  # d/dx sum(x²) = 2x
    from difflab.errors import TracerConversionError

    with pytest.raises(TracerConversionError, match="of a differentiation that has finished was used: it leaked"):
        dl.grad(lambda a: dnp.sum(a * leaked["x"]), method=method)(x)
    # the spelling the message gives: the value passed in as an argument
    np.testing.assert_allclose(dl.grad(lambda a, c: dnp.sum(a * c), method=method)(x, x), x)
