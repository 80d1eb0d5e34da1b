"""Review of the public surface by a seeded fuzz of less-travelled ops (review56), against NumPy's values, analytic
derivatives and JAX x64.

- `np.linalg.norm(x, ord, axis=(r, c))` with r > c (`axis=(1, 0)`, `(2, 1)`, `(-1, -2)`): the axes were read sorted,
  so ord 1 and inf (and -1, -inf) were swapped: NumPy's max column sum came back as the max row sum, a wrong value
  and derivative by all four methods. A repeated axis (`axis=(1, -2)`) gave a number where NumPy refuses.
- `np.gradient(f, axis=(2, 0))`: the derivatives came back in sorted axis order (NumPy's: the caller's), so the first
  output was the derivative along axis 0 (and the spacings paired with the wrong axes): a wrong value.
- `np.median(x, axis=(2, 0))` and `np.expand_dims(x, (3, 0))` of a traced x: a bare TypeError
  ("unsupported operand type(s) for %: 'tuple' and 'int'"); now NumPy's values.
- `np.linalg.pinv(A, rcond=0.3)` of a full-rank A whose cutoff drops a singular value that is not zero: its
  derivative was Golub & Pereyra's constant-rank rule (JAX's too), not the truncated pseudo-inverse's (off by 0.07-0.7
  against central differences of NumPy's pinv); now the rule plus the kept/dropped pairs' term (ops/decompositions.py;
  the symbolic method's opaque kind reads that term as a part of its own). So were `np.linalg.lstsq(a, b, rcond=0.35)`
  (off by 0.18), `pinv(S, rcond=0.3, hermitian=True)` and `pinv(A, rtol=0.3)`, which are that pinv; of a complex A
  too, by forward and reverse (off by 0.39; conjugate transposes).
- `difflab.scipy.linalg.pinv(a, atol=1.0)` (SciPy's keywords): a bare TypeError from NumPy's signature; now SciPy's
  rtol taken, and atol > 0 and return_rank refused by name.
- `np.cumprod(x, axis=1)` (`np.multiply.accumulate`, `np.nancumprod`) of x shaped (2, 0): a ValueError from the
  first entry's getitem ("index 0 is out of bounds"); NumPy's empty result now.
- A custom_vjp bwd updating its residuals in place (`res *= 0`, res the fwd's argument): under reverse mode the
  caller's input was changed (DESIGN §6: inputs never mutated); a rule's NumPy arguments are copies now.
- `np.sort`, `np.partition`, `np.argsort`, `np.cumsum`, `np.cumprod`, `np.argmax`, `np.concatenate` with a tuple
  axis (`axis=(1, 0)`): NumPy's TypeError, where difflab took the first axis and returned a number.
- `vmap` of a float32 (float16, complex64) batch ran its batched graph in float32, where every other operator (and
  vmap's rows alone) compute in float64 and round once (docs/api.md): vmap(grad(sum(sin(1e4·x)·x))) was off by 0.9,
  grad of each row by 8e-5 (float32's rounding of the result).
- A prepared numeric gradient called at a point where its step decisions do not hold is prepared again there; when
  that preparation's own check failed at its own point (a numeric step at a tie of norm(., inf)'s row sums), it was
  prepared again without end: a RecursionError. Found by the fuzz (/tmp/review56/fuzz.py 4 30, case 25).
"""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ("symbolic", "numeric", "forward", "reverse")
X3 = np.arange(8.0).reshape(2, 2, 2) / 9 + np.eye(2) - np.array([0.0, 0.5])


def _induced_norm_grad(x, ord, r, c):
    """d/dx of sum over the stack of NumPy's ord-1/inf norm over axes (r, c): sign(x) on the extreme line."""
    a = np.moveaxis(x, (r, c), (-2, -1))  # rows r, columns c
    lines = np.abs(a).sum(axis=-2) if abs(ord) == 1 else np.abs(a).sum(axis=-1)  # column sums (ord 1) or row sums
    k = np.argmax(lines, axis=-1) if ord > 0 else np.argmin(lines, axis=-1)
    g = np.zeros_like(a)
    for b in range(a.shape[0]):
        if abs(ord) == 1:
            g[b, :, k[b]] = np.sign(a[b, :, k[b]])
        else:
            g[b, k[b], :] = np.sign(a[b, k[b], :])
    return np.moveaxis(g, (-2, -1), (r, c))


@pytest.mark.parametrize("ord", [1, -1, np.inf, -np.inf])
@pytest.mark.parametrize("axis, method", [((2, 1), m) for m in METHODS] + [((-1, -2), "reverse")])
def test_matrix_norm_over_reversed_axes(ord, axis, method):
    def f(x):
        return np.sum(np.linalg.norm(x, ord, axis=axis))

    value, g = dl.value_and_grad(f, method=method)(X3)
    assert value == pytest.approx(f(X3), rel=1e-12)
    r, c = (a % 3 for a in axis)
    tol = 1e-6 if method == "numeric" else 1e-12
    np.testing.assert_allclose(g, _induced_norm_grad(X3, ord, r, c), atol=tol)


def test_matrix_norm_of_a_repeated_axis_is_refused():
    with pytest.raises(ValueError, match="duplicate axes"):
        dl.grad(lambda x: np.sum(np.linalg.norm(x, 1, axis=(1, -2))))(X3)


X345 = np.sin(np.arange(60.0)).reshape(3, 4, 5)


@pytest.mark.parametrize("k", [0, 1])
def test_gradient_over_axes_in_the_callers_order(k):
    def f(x):
        return np.sum(np.gradient(x**2, 0.5, 2.0, axis=(2, 0))[k] * X345)

    value, g = dl.value_and_grad(f)(X345)
    assert value == pytest.approx(f(X345), rel=1e-12)
    # f is linear in x**2: d/dx = 2x · (the transposed stencil applied to X345), by NumPy's own gradient
    e = np.eye(60).reshape(60, 3, 4, 5)
    want = np.array([np.sum(np.gradient(u, 0.5, 2.0, axis=(2, 0))[k] * X345) for u in e]).reshape(3, 4, 5)
    np.testing.assert_allclose(g, 2 * X345 * want, atol=1e-12)


def test_median_and_expand_dims_over_a_tuple_of_axes():
    def f(x):
        m = np.median(x, axis=(2, 0), keepdims=True)
        return np.sum(np.expand_dims(m, (3, 0)) * np.arange(4.0)[:, None, None])

    value, g = dl.value_and_grad(f, method="reverse")(X345)
    assert value == pytest.approx(f(X345), rel=1e-12)
    # the median of 15 values is one of them: the derivative is its weight, at the middle one of each row
    flat = np.moveaxis(X345, 1, 0).reshape(4, 15)
    want = np.zeros((4, 15))
    want[np.arange(4), np.argsort(flat, axis=1)[:, 7]] = np.arange(4.0)
    np.testing.assert_allclose(g, np.moveaxis(want.reshape(4, 3, 5), 0, 1), atol=1e-15)


def _pinv_central(a, rcond, da, h=1e-6):
    return (np.linalg.pinv(a + h * da, rcond=rcond) - np.linalg.pinv(a - h * da, rcond=rcond)) / (2 * h)


@pytest.mark.parametrize(
    "shape, method",
    [((4, 5), "forward"), ((5, 4), "reverse"), ((2, 4, 4), "forward"), ((2, 4, 4), "reverse"), ((3, 4), "symbolic")],
)
def test_pinv_whose_cutoff_drops_a_nonzero_singular_value(shape, method):
    rng = np.random.default_rng(0)
    a, da = rng.normal(size=shape), rng.normal(size=shape)
    s = np.linalg.svd(a, compute_uv=False)
    assert np.any((s < 0.3 * s[..., :1]) & (s > 0.05))  # the cutoff drops a value far from 0 and from itself
    _, got = dl.jvp(lambda x: np.linalg.pinv(x, rcond=0.3), (a,), (da,), method=method)
    np.testing.assert_allclose(got, _pinv_central(a, 0.3, da), atol=1e-7)
    w = rng.normal(size=got.shape)
    g = dl.grad(lambda x: np.sum(np.linalg.pinv(x, rcond=0.3) * w), method=method)(a)
    assert np.sum(g * da) == pytest.approx(np.sum(w * _pinv_central(a, 0.3, da)), abs=1e-7)


def test_lstsq_whose_rcond_drops_a_nonzero_singular_value():
    rng = np.random.default_rng(3)
    a, b, da = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(4, 3))
    w = np.arange(1.0, 4.0)
    g = dl.grad(lambda x: np.sum(np.linalg.lstsq(x, b, rcond=0.35)[0] * w), method="reverse")(a)
    x = lambda h: np.linalg.lstsq(a + h * da, b, rcond=0.35)[0] @ w  # noqa: E731
    assert np.sum(g * da) == pytest.approx((x(1e-6) - x(-1e-6)) / 2e-6, abs=1e-7)


def test_scipy_pinv_takes_scipys_keywords():
    from difflab.errors import UnsupportedOperationError
    from difflab.scipy import linalg as dsl

    a = np.array([[2.0, 0.0], [0.0, 0.1], [1.0, 0.0]])
    assert dl.grad(lambda x: np.sum(dsl.pinv(x, rtol=0.3)))(a) == pytest.approx(
        dl.grad(lambda x: np.sum(np.linalg.pinv(x, rcond=0.3)))(a)
    )
    with pytest.raises(UnsupportedOperationError, match="atol"):
        dl.grad(lambda x: np.sum(dsl.pinv(x, atol=1.0)))(a)


@pytest.mark.parametrize("method", METHODS)
def test_cumprod_along_an_empty_axis(method):
    value, g = dl.value_and_grad(lambda x: np.sum(np.cumprod(x, axis=1)) + 1.0, method=method)(np.zeros((2, 0)))
    assert value == 1.0 and g.shape == (2, 0)


def test_a_custom_vjp_rule_updating_its_residuals_leaves_the_input_alone():
    @dl.custom_vjp
    def f(a):
        return np.sin(a)

    def bwd(res, ct):
        g = ct * np.cos(res)
        res *= 0.0
        return (g,)

    f.defvjp(lambda a: (np.sin(a), a), bwd)
    x = np.array([0.3, -1.2, 2.0])
    g = dl.grad(lambda a: np.sum(f(a)), method="reverse")(x)
    np.testing.assert_array_equal(x, [0.3, -1.2, 2.0])
    np.testing.assert_allclose(g, np.cos(x))


@pytest.mark.parametrize(
    "f",
    [
        lambda a: np.sort(a, axis=(1, 0)),
        lambda a: np.partition(a, 1, axis=(1, 0)),
        lambda a: np.cumsum(a, axis=(1, 0)),
        lambda a: np.cumprod(a, axis=(1,)),
        lambda a: np.take_along_axis(a, np.argsort(a, axis=(1, 0)), 1),
        lambda a: np.take_along_axis(a, np.argmax(a, axis=(1,), keepdims=True), 1),
        lambda a: np.concatenate([a, a], axis=(0,)),
    ],
)
def test_one_axis_functions_refuse_a_tuple_of_axes(f):
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError):
        f(x)  # NumPy's
    with pytest.raises(TypeError, match="axis must be an int"):
        dl.grad(lambda a: np.sum(f(a)))(x)


def test_vmap_of_a_float32_batch_computes_in_float64():
    xs = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)

    def f(x):
        return np.sum(np.sin(x * 1e4) * x)

    x64 = xs.astype(np.float64)
    want = np.sin(x64 * 1e4) + x64 * 1e4 * np.cos(x64 * 1e4)  # float64's, then rounded once
    got = dl.vmap(dl.grad(f, method="reverse"))(xs)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6)
    np.testing.assert_array_equal(dl.vmap(f)(xs), np.array([f(x) for x in x64], dtype=np.float32))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_complex_pinv_whose_cutoff_drops_a_nonzero_singular_value(method):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4))
    w = rng.normal(size=(4, 3))

    def f(x):
        p = np.linalg.pinv(x, rcond=0.55)  # drops σ3/σ1 = 0.51
        return np.sum(np.real(p) * w + np.imag(p) * w[::-1])

    def partial(e, h=1e-6):
        return (f(a + h * e) - f(a - h * e)) / (2 * h)

    units = np.eye(12).reshape(12, 3, 4)
    want = sum(e * (partial(e) - 1j * partial(1j * e)) for e in units)  # JAX's convention: ∂f/∂x − i ∂f/∂y
    np.testing.assert_allclose(dl.grad(f, method=method)(a), want, atol=1e-7)


def test_a_prepared_numeric_gradient_prepared_again_at_its_call_point_answers():
    x = np.array([[-0.6909960968010289, -0.9425888045951382, 1.3637456318264412],
                  [-0.8315553613322153, -0.8198842779349499, 1.4061047588196547],
                  [0.4915618168496386, 0.08444873889628754, 0.5500427113985354]])  # fmt: skip
    x2 = np.array([[-0.6376159534605803, -0.4983336841143405, -1.3532714137033035],
                   [1.023801314596798, -0.7645680727685162, 0.12197688447563698],
                   [0.2866674212979046, 2.113997541071915, -1.5195749824732874]])  # fmt: skip
    w = np.random.default_rng(123).normal(size=(3, 3))

    def f(a):
        b = np.linalg.solve(a + 4 * np.eye(3), a)
        return np.sum(w * b / np.linalg.norm(b[None] * b[:, None], np.inf, axis=(-1, -2), keepdims=True)[0])

    got = dl.prepare(dl.grad(f, method="numeric"), x)(x2)
    np.testing.assert_allclose(got, dl.grad(f, method="reverse")(x2), atol=1e-7)


def test_symbolic_complex_pinv_whose_cutoff_drops_a_nonzero_singular_value_is_refused_by_name():
    # its rule is the constant-rank one: 0.2029 for forward/reverse/numeric's 0.3370 before (a silent wrong number)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    w = rng.normal(size=(3, 3))

    def loss(rcond):
        def f(x):
            p = dnp.linalg.pinv(a + x[0] * np.eye(3) * (1 + 0.5j) + x[1] * np.ones((3, 3)), rcond=rcond)
            return dnp.sum(dnp.real(p) * w + dnp.imag(p) * w.T)

        return f

    x = np.array([0.1, 0.2])
    with pytest.raises(dl.NotDifferentiableError, match=r"rcond=0.15 dropping a nonzero singular value.*'forward'"):
        dl.grad(loss(0.15), method="symbolic")(x)
    np.testing.assert_allclose(dl.grad(loss(0.15), method="reverse")(x), [0.33704728, -0.34942534], rtol=1e-7)
    np.testing.assert_allclose(  # a cutoff below every singular value: the constant-rank rule holds
        dl.grad(loss(0.01), method="symbolic")(x), dl.grad(loss(0.01), method="reverse")(x), rtol=1e-12
    )
