"""Item assignment on traced values (difflab.assign): `y[i] = v` and `y[i] op= v` as NumPy users write them,
under every method, fresh and prepared, vmapped and nested; and the refusals where NumPy's views would make
the rebound tracer's answer differ from NumPy's.

The references are independent of difflab: each function is NumPy code, so its value is NumPy's own, and
its gradient is the complex step of that same NumPy code (exact to rounding: assignment into a complex copy
is analytic), so NumPy's semantics (last write wins, `+=` adds once) are what the methods are held to.
JAX's `.at[]` formulations are checked too, in a slow test.
"""

from __future__ import annotations

import numpy as np
import pytest

import difflab as dl
from difflab.trace import Tracer

METHODS = ("reverse", "forward", "numeric", "symbolic")
X = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
MASK = np.array([True, False, True, False, False])


def _copy_then_scale(x):
    y = x.copy()
    y[0] = 2 * y[0] ** 2
    return (y * y).sum()


def _fixed_mask(x):
    y = x * 1.0
    y[MASK] = 0
    return (y**2 * x).sum()


def _column_add(x):
    a = np.outer(x[:2], x[2:])
    a[:, 1] += x[:2]
    return (a**2).sum()


def _shifted_into_zeros_like(x):
    out = np.zeros_like(x)
    out[1:] = x[:-1] ** 2
    return (out * x).sum()


def _repeated_last_write_wins(x):
    y = x.copy()
    y[[0, 0, 2]] = x[2:] * x[1]  # y[0] = x[3] x[1] (the last write), y[2] = x[4] x[1]
    return (y**3).sum()


def _repeated_add_once(x):
    y = x.copy()
    y[[0, 0, 2]] += x[2:] * x[1]  # y[0] = x[0] + x[3] x[1] (read, add, write back: once)
    return (y**3).sum()


def _matrix_entries(x):
    a = np.eye(3) * x[0]
    a[0, 1] = x[1]
    a[..., 2] = 5.0
    a[None, 1, :2] = x[3:]
    a[np.array([2, 0]), np.array([0, 2])] -= x[2]
    return (a @ a).sum() + np.sin(a).sum()


def _diag_of_vector_filled(x):
    # np.diag of a vector is a new matrix, not a view of x: a Leslie matrix's fecundities written into its first
    # row (refused on main as "writes into a view ... of another traced value")
    s = np.exp(x[:3])
    L = np.diag(s, -1)
    L[0, :] = x[1:]
    return np.sum((L @ L) * np.arange(16.0).reshape(4, 4)) + s @ s


def _empty_filled(x):
    h = np.empty_like(x, shape=(3,))
    h[0] = x[0]
    h[1] = x[1] * x[2]
    h[2] = np.exp(x[3])
    return h @ h


def _into_the_argument(x):
    x[1] = x[0] ** 2
    x[-1] *= 3.0
    x[::2] /= 2.0
    return (x**2).sum()


def _alias_add(x):  # two names for one array: NumPy's `a += 1` changes x too
    a = x
    a += 1.0
    return (x * a).sum()


def _alias_chain(x):
    y = x * 2.0
    names = [y, y]
    for _ in range(2):
        b = names[1]
        b *= x
        b -= 0.5
    return (names[0] ** 2).sum() + y[0]


def _ufunc_out(x):  # numpy.<ufunc>(..., out=a): written into a (the argument too), returning a
    a = x * 1.0
    np.add(a, 1.0, out=a)
    np.multiply(a, x, out=a)
    np.negative(x, out=x)
    np.exp(x, out=a, where=np.array([True, False, True, False, True]))
    return (a * x).sum()


def _fill_and_put(x):
    y = x * 3.0
    z = y
    z.fill(x[1])
    np.put(y, [0, 4, 0, 7], x[2:] ** 2, mode="wrap")  # position 0 twice: its last write (x[4]²)
    y.put([1], x[0])
    return (y**2 * x).sum()


def _place_putmask_copyto(x):
    y = x**2
    np.place(y, np.array([True, False, True, True, False]), x[:2])  # x0, x1, x0 in turn
    w = x * 1.0
    np.putmask(w, np.array([False, True, False, True, True]), x[:3] * 2.0)  # w.flat[n] = (2x).flat[n % 3]
    u = x * 0.5
    np.copyto(u, y * w, where=np.array([True, True, False, False, True]))
    np.copyto(w, -1.0)
    return (y * w * u).sum() + (y**2).sum()


def _ufunc_at(x):  # numpy.<ufunc>.at: unbuffered, add accumulating a repeated position
    y = x * 1.0
    np.add.at(y, [0, 0, 2], x[1])
    np.subtract.at(y, np.array([1]), x[0])
    np.multiply.at(y, (slice(1, 3),), x[2])
    np.negative.at(y, [4])
    return (y**2 * x).sum()


def _fill_diagonal(x):  # numpy.fill_diagonal: wrap, values repeated in turn, a cube's diagonal
    a = np.outer(x, x[:3])  # 5 x 3: tall, so wrap restarts the diagonal at row 4
    np.fill_diagonal(a, x[3:] ** 2, wrap=True)  # a[0,0] = x3², a[1,1] = x4², a[2,2] = x3², a[4,0] = x4²
    b = np.outer(x[:3], x[1:4])
    np.fill_diagonal(b, x[0])
    c = (x[:2, None, None] * x[None, 2:4, None] * x[None, None, 3:]).copy()
    np.fill_diagonal(c, [x[1], 2.0])
    return (a**2 * x[:, None]).sum() + (b @ b).sum() + (c**3).sum()


def _put_along_axis(x):  # numpy.put_along_axis: broadcast values, a repeated index keeps its last write
    a = np.outer(x[:3], x)
    np.put_along_axis(a, np.array([[0, 4, 0], [1, 1, 2], [3, 2, 1]]), x[2:] * x[0], axis=1)
    np.put_along_axis(a, np.array([[2, 0, -1, 1, 2]]), x[None, :], axis=0)
    np.put_along_axis(a, np.array([1, 7, -2]), x[4], axis=None)
    return (a**2 * x[:3, None]).sum()


PATTERNS = [
    _fill_diagonal,
    _put_along_axis,
    _alias_add,
    _ufunc_at,
    _alias_chain,
    _ufunc_out,
    _fill_and_put,
    _place_putmask_copyto,
    _copy_then_scale,
    _fixed_mask,
    _column_add,
    _shifted_into_zeros_like,
    _repeated_last_write_wins,
    _repeated_add_once,
    _matrix_entries,
    _empty_filled,
    _diag_of_vector_filled,
    _into_the_argument,
]


def _complex_step(f, x, h=1e-30):
    """NumPy's own gradient of f at x, by the complex step on f's NumPy code (no difflab)."""
    return np.array([f(x + 1j * h * e).imag / h for e in np.eye(x.size)])


@pytest.mark.parametrize("f", PATTERNS, ids=lambda f: f.__name__.strip("_"))
def test_each_pattern_is_numpys_in_every_method_fresh_and_prepared(f):
    want_value, want = f(X.copy()), _complex_step(f, X)
    for method in METHODS:
        tol = 1e-6 if method == "numeric" else 1e-12
        x = X.copy()
        value, g = dl.value_and_grad(f, method=method)(x)
        np.testing.assert_array_equal(x, X)  # the caller's array is never written (unlike NumPy's)
        assert value == pytest.approx(want_value, rel=1e-14)
        np.testing.assert_allclose(g, want, rtol=tol, atol=tol)
        p = dl.prepare(f, X, method=method)
        for at in (X, X + 0.25):  # the prepared graph at another point: the update is no constant
            np.testing.assert_allclose(p.grad(at), _complex_step(f, at), rtol=tol, atol=tol)
            assert float(p(at)) == pytest.approx(f(at.copy()), rel=1e-14)
    # complex step too: the update's where has a constant mask, analytic in the values it picks (Op.selects)
    np.testing.assert_allclose(dl.grad(f, method=dl.Numeric(scheme="complex"))(X), want, rtol=1e-13, atol=1e-13)


def test_repeated_indices_keep_numpys_last_write_and_add_once():
    def put(x):
        y = x.copy()
        y[[0, 0]] = x[1:3]
        return y

    def add(x):
        y = x.copy()
        y[[0, 0]] += x[1:3]
        return y

    x = np.array([1.0, 10.0, 100.0])
    for f, row0 in ((put, [0.0, 0.0, 1.0]), (add, [1.0, 0.0, 1.0])):
        for method in ("reverse", "forward", "symbolic"):
            np.testing.assert_array_equal(dl.jacobian(f, method=method)(x)[0], row0)
        np.testing.assert_array_equal(dl.vmap(f)(np.stack([x, 2 * x])), np.stack([f(x), f(2 * x)]))


def test_hessian_and_nested_gradients_through_assignment():
    # f = y0^3 + y1^3 + y2^3 with y = (x1 x2, x1, x2): the Hessian by hand
    def f(x):
        y = x.copy()
        y[0] = x[1] * x[2]
        return (y**3).sum()

    x = np.array([0.5, 1.5, -2.0])
    p = x[1] * x[2]
    h = np.zeros((3, 3))
    h[1, 1], h[2, 2] = 6 * p * x[2] ** 2 + 6 * x[1], 6 * p * x[1] ** 2 + 6 * x[2]
    h[1, 2] = h[2, 1] = 3 * p**2 + 6 * p * x[1] * x[2]
    for method in ("reverse", "forward", "symbolic", ("forward", "reverse")):
        np.testing.assert_allclose(dl.hessian(f, method=method)(x), h, rtol=1e-12)

    def outer(x):  # the inner function assigns into its own values
        def inner(z):
            w = z * 1.0
            w[0] = z[1] * x[0]
            return (w**2).sum()

        return dl.grad(inner)(x * 2.0).sum()

    # w = (z1 x0, z1, z2) at z = 2x: inner's gradient (0, 2 w0 x0 + 2 w1, 2 w2) sums to 4 x1 (x0² + 1) + 4 x2
    want = np.array([8 * x[1] * x[0], 4 * (x[0] ** 2 + 1), 4.0])
    for method in ("reverse", "forward", "symbolic"):
        np.testing.assert_allclose(dl.grad(outer, method=method)(x), want, rtol=1e-12)


def test_a_traced_mask_with_a_scalar_is_numpy_where_and_prepares():
    # (y[mask] = 0.0 is where(mask, 0.0, y): no count read, so prepare reuses it where the mask differs; it was
    # refused as specialised; tests/test_maskset44.py has the JAX-checked cases)
    def f(x):
        y = x * 1.0
        y[x > 0] = 0.0
        return (y**2 * x).sum()

    for method in METHODS:
        p = dl.prepare(f, X, method=method)
        for x in (X, -X):
            want = np.where(x > 0, 0.0, 3 * x**2)
            np.testing.assert_allclose(dl.grad(f, method=method)(x), want, rtol=1e-6)
            np.testing.assert_allclose(p.grad(x), want, rtol=1e-6)


def test_outputs_do_not_alias_inputs_and_copies_are_copies():
    def f(x):
        x[0] = 1.0
        return x

    x = X.copy()
    out = dl.prepare(f, X)(x)
    np.testing.assert_array_equal(x, X)
    assert out[0] == 1.0 and not np.shares_memory(out, x)
    np.testing.assert_array_equal(dl.jacobian(f)(x)[0], 0.0)

    def copies(x):  # each of these is a new array in NumPy: writing into it leaves x
        outs = []
        for y in (x.copy(), np.copy(x), x + 0.0, x * 1.0, +x, np.positive(x), x.astype(float), x.flatten()):
            y[0] = 7.0
            outs.append(y.sum() + x[0])
        return sum(outs)

    assert dl.value_and_grad(copies)(X)[0] == pytest.approx(copies(X.copy()))
    np.testing.assert_array_equal(dl.grad(copies)(X), [8.0, 8.0, 8.0, 8.0, 8.0])


def _view_then_write_base(x):
    y = x.copy()
    v = y[1:]
    y[1] = 5.0
    return v.sum()


def _write_into_view(x):
    y = x.copy()
    v = y[1:]
    v[0] = 5.0
    return y.sum()


def _write_into_reshape_of_argument(x):
    a = x.reshape(5, 1)
    a[0, 0] = 1.0
    return a.sum()


def _row_of_matrix(x):
    a = np.outer(x, x)
    row = a[0]
    row[1] = 4.0
    return a.sum()


def _transposed(x):
    a = np.outer(x, x)
    b = a.T
    a[0, 1] = 4.0
    return b.sum()


def _diagonal_taken(x):
    a = np.outer(x, x)
    d = np.diagonal(a)
    a[0, 0] = 9.0
    return d.sum()


def _ravelled(x):
    y = x * 2.0
    w = y.ravel()
    y[0] = 4.0
    return w.sum()


@pytest.mark.parametrize(
    "f, said",
    [
        (_view_then_write_base, r"`y\[1\] = \.\.\.` writes into a traced value .* shares its elements .* \(del v\)"),
        (_write_into_view, r"`v\[0\] = \.\.\.` writes into a view \(v\d+: f64\[4\]\) of another traced value"),
        (_write_into_reshape_of_argument, r"`a\[0, 0\] = \.\.\.` writes into a view .* copy the view first"),
        (_row_of_matrix, r"`row\[1\] = \.\.\.` writes into a view"),
        (_transposed, r"`a\[0, 1\] = \.\.\.` .* shares its elements with another one still in use"),
        (_diagonal_taken, r"`a\[0, 0\] = \.\.\.` .* shares its elements"),
        (_ravelled, r"`y\[0\] = \.\.\.` .* shares its elements"),
    ],
    ids=lambda p: p.__name__.strip("_") if callable(p) else "",
)
def test_writes_numpys_views_would_see_are_refused_by_name(f, said):
    with pytest.raises(dl.UnsupportedOperationError, match=said):
        dl.grad(f)(X)


def test_views_no_longer_reachable_do_not_refuse():
    def dropped(x):  # the view is deleted before the write: NumPy's answer and difflab's agree
        y = x.copy()
        v = y[1:]
        s = v.sum()
        del v
        y[1] = 5.0
        return s + y.sum()

    def temporary(x):  # `y[1:] += ...` reads the view y[1:], a temporary gone before the write
        y = x.copy()
        y[1:] += x[:-1] ** 2
        return y.sum()

    def base_dropped(x):  # a view whose base is gone, a copy of it kept: nothing else sees the write
        a = np.outer(x, x) * 1.0
        b = a[:, 1:]
        del a
        c = b.copy()
        b[0, 0] = 3.0
        return b.sum() + c.sum()

    def updates(x):  # `op=` on an indexed view or on the whole array: nothing else sees it
        a = np.outer(x, x)
        a[0] += x
        a[:, 1] -= x
        a[1:, 1:] *= 2
        a /= 3
        return a.sum()

    for f in (dropped, temporary, base_dropped, updates):
        np.testing.assert_allclose(dl.grad(f)(X), _complex_step(f, X), rtol=1e-12, atol=1e-12)


def _add_into_view(x):
    y = x * 2
    v = y[1:]
    v += 1.0
    return y.sum()


def _add_into_viewed(x):
    y = x * 2
    v = y[1:]
    y *= 3.0
    return v.sum()


@pytest.mark.parametrize("f, text", [(_add_into_view, r"v \+= 1\.0"), (_add_into_viewed, r"y \*= 3\.0")])
def test_in_place_operators_numpys_views_would_see_are_refused(f, text):
    # (a name rebound to y + v, as JAX's, would leave the view NumPy's in-place update changes)
    with pytest.raises(dl.UnsupportedOperationError, match=rf"`{text}` updates in place .* shares its elements"):
        dl.grad(f)(X)
    copied = dl.grad(_copy_first)(X)  # the same with a copy: allowed
    np.testing.assert_array_equal(copied, [2.0, 4.0, 4.0, 4.0, 4.0])


def _copy_first(x):
    y = x * 2
    v = y[1:].copy()
    v += 1.0
    return y.sum() + v.sum()


def test_what_numpy_would_cast_or_cannot_broadcast_is_refused():
    def complex_into_real(x):
        y = x * 2
        y[0] = 1j
        return y.real.sum()

    def wrong_shape(x):
        y = x * 2
        y[:2] = np.ones(3)
        return y.sum()

    def inner_into_outer(x):
        y = x * 2

        def inner(z):
            y[0] = z
            return z**2

        dl.grad(inner)(1.0)
        return y.sum()

    with pytest.raises(dl.UnsupportedOperationError, match=r"`y\[0\] = \.\.\.` stores complex128 values .* imaginary"):
        dl.grad(complex_into_real)(X)
    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(3,\) into shape \(2,\)"):
        dl.grad(wrong_shape)(X)
    with pytest.raises(IndexError, match="out of bounds"):
        dl.grad(lambda x: x.__setitem__(9, 1.0) or x.sum())(X)
    with pytest.raises(dl.UnsupportedOperationError, match=r"value traced by an inner derivative .* enclosing one"):
        dl.grad(inner_into_outer)(X)


def test_a_numpy_array_of_the_functions_own_names_zeros_like():
    def f(x):
        h = np.zeros(3)
        h[1:] = x[:2]
        return h @ h

    with pytest.raises(dl.TracerConversionError, match=r"`h\[1:\] = \.\.\.`.*h = np\.zeros_like\(x\)"):
        dl.grad(f)(X)

    def g(x):
        made = [np.zeros_like(x), np.empty_like(x), np.ones_like(x), np.full_like(x, 2.0), np.zeros_like(x, shape=2)]
        assert all(isinstance(m, Tracer) for m in made)  # traced, as jax.numpy's: assignment can fill them
        return sum(m.sum() for m in made) + x[0]

    value, grad = dl.value_and_grad(g)(X)
    assert value == pytest.approx(5 + 10 + X[0])
    np.testing.assert_array_equal(grad, [1.0, 0.0, 0.0, 0.0, 0.0])

    def filled(x):  # full_like of a traced fill: a new array, sharing no element with the fill
        h = np.full_like(x, x[0])
        h[1] = 5.0
        return h.sum() + x[0]

    np.testing.assert_array_equal(dl.grad(filled)(X), [5.0, 0.0, 0.0, 0.0, 0.0])


@pytest.mark.slow  # importing and compiling JAX: seconds
def test_against_jax_at_formulations():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def column_add(x):
        a = jnp.outer(x[:2], x[2:])
        return (a.at[:, 1].add(x[:2]) ** 2).sum()

    def shifted(x):
        return (jnp.zeros_like(x).at[1:].set(x[:-1] ** 2) * x).sum()

    def matrix_entries(x):
        a = (jnp.eye(3) * x[0]).at[0, 1].set(x[1]).at[..., 2].set(5.0).at[1, :2].set(x[3:])
        a = a.at[jnp.array([2, 0]), jnp.array([0, 2])].add(-x[2])
        return (a @ a).sum() + jnp.sin(a).sum()

    pairs = [(_column_add, column_add), (_shifted_into_zeros_like, shifted), (_matrix_entries, matrix_entries)]
    for ours, theirs in pairs:
        want = np.asarray(jax.grad(theirs)(jnp.asarray(X)))
        hess = np.asarray(jax.hessian(theirs)(jnp.asarray(X)))
        for method in ("reverse", "forward", "symbolic"):
            np.testing.assert_allclose(dl.grad(ours, method=method)(X), want, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(dl.hessian(ours, method=method)(X), hess, rtol=1e-10, atol=1e-10)


# -- JAX's spelling: x.at[idx].set(v) and its siblings (difflab.assign.At) ------------------------------------


def _at_chain(x):
    y = x.at[0].set(2 * x[1]).at[np.array([2, 2])].add(x[0] * x[3]).at[1:3].multiply(x[3]).at[3].max(x[0] * 3)
    y = y.at[np.array([0, 1])].apply(np.sin)
    y = y.at[2].subtract(x[1]).at[0].divide(x[2]).at[1].power(2.0).at[2].min(x[0])
    return (y**2).sum() + y.at[1:].get().sum()


def _at_chain_by_hand(x):
    """The same updates written out (x at [1, 2, 3, 4]: every max/min branch fixed near it)."""
    y0, y1 = np.sin(2 * x[1]), np.sin(x[1] * x[3])
    y2 = (x[2] + 2 * x[0] * x[3]) * x[3]
    y3 = max(x[3], 3 * x[0])
    y0, y1, y2 = y0 / x[2], y1**2.0, min(y2 - x[1], x[0])
    return y0**2 + y1**2 + y2**2 + y3**2 + y1 + y2 + y3


@pytest.mark.parametrize("method", METHODS)
def test_at_updates_are_jaxs_and_leave_x_unchanged(method):
    x = np.array([1.0, 2.0, 3.0, 4.0])
    value, g = dl.value_and_grad(_at_chain, method=method)(x)
    assert value == pytest.approx(_at_chain_by_hand(x), rel=1e-14)
    ref = _complex_step(_at_chain_by_hand, x)
    np.testing.assert_allclose(g, ref, rtol=1e-7 if method == "numeric" else 1e-13, atol=1e-12)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0, 4.0])
    # (the chain applied to a traced x leaves x itself as it was: .at is out of place)
    kept = dl.grad(lambda x: (x.at[0].set(5.0) * 0 + x).sum(), method=method)(x)
    np.testing.assert_allclose(kept, np.ones(4), rtol=1e-9)


def test_at_updates_apply_once_per_repetition_of_a_position():
    """.add accumulates a repeated position; .multiply, .max, .apply, ... (and numpy.multiply.at & co.) were refused
    there: they apply once per repetition, in order, as JAX's values and NumPy's unbuffered ufunc.at."""
    x = np.array([1.0, 2.0, 3.0])
    g = dl.jacobian(lambda x: x.at[np.array([0, 0, 2])].add(x[1]))(x)
    np.testing.assert_array_equal(g, [[1, 2, 0], [0, 1, 0], [0, 1, 1]])  # position 0 gets x1 twice
    g = dl.jacobian(lambda x: x.at[np.array([0, 0])].multiply(x[1]))(x)  # x0·x1·x1 (JAX's value: 4)
    np.testing.assert_array_equal(g, [[4, 4, 0], [0, 1, 0], [0, 0, 1]])
    y = x.copy()
    np.maximum.at(y, [0, 0, 2], [5.0, 4.0, 1.0])
    np.exp.at(y, [1, 1])
    assert dl.jacobian(lambda x: x.at[np.array([1, 1])].apply(np.exp))(x)[1, 1] == pytest.approx(
        np.exp(np.exp(2.0) + 2.0)
    )
    z = dl.vjp(
        lambda x: x.at[np.array([0, 0, 2])].max(np.array([5.0, 4.0, 1.0])).at[np.array([1, 1])].apply(np.exp), x
    )[0]
    np.testing.assert_array_equal(z, y)
    np.testing.assert_array_equal(dl.grad(lambda x: x.at[5].set(1.0, mode="drop").sum())(x), [1.0, 1.0, 1.0])
    with pytest.raises(IndexError):
        dl.grad(lambda x: x.at[5].set(1.0).sum())(x)


# -- in-place operators on every name of the one object, and where NumPy's would differ or refuse -----------


def test_in_place_operator_on_an_argument_alias_is_numpys_update():
    # d/dx Σ x·a with a = x; a += 1: NumPy's x is a too, so Σ (x + 1)² and its gradient 2(x + 1)
    def f(x):
        a = x
        a += 1
        return (x * a).sum()

    for method in METHODS:
        value, g = dl.value_and_grad(f, method=method)(X)
        assert value == pytest.approx(((X + 1) ** 2).sum(), rel=1e-14)
        np.testing.assert_allclose(g, 2 * (X + 1), rtol=1e-6 if method == "numeric" else 1e-14)

    def scalar(x):  # a 0-d value stands for a NumPy scalar (immutable): `s += 1` makes a new one, t is kept
        s = x.sum()
        t = s
        s += 1.0
        return t * s

    np.testing.assert_allclose(dl.grad(scalar)(X), np.full(5, 2 * X.sum() + 1), rtol=1e-14)


def test_in_place_updates_numpy_refuses_are_refused():
    def complex_into_real(x):
        a = x * 2
        a *= 1j
        return a.real.sum()

    def wider(x):
        a = x * 2
        a += np.ones((2, 5))
        return a.sum()

    def ufunc_wider(x):
        a = x[:2] * 2
        np.add(x, 1.0, out=a)
        return a.sum()

    def inner_into_outer(x):
        a = x * 2

        def inner(z):
            b = a
            b += z
            return z**2

        dl.grad(inner)(1.0)
        return a.sum()

    with pytest.raises(dl.UnsupportedOperationError, match=r"`a \*= 1j` updates a traced float64 array .* complex128"):
        dl.grad(complex_into_real)(X)
    with pytest.raises(ValueError, match=r"non-broadcastable output operand with shape \(5,\) .* \(2, 5\)"):
        dl.grad(wider)(X)
    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(5,\) into shape \(2,\)"):
        dl.grad(ufunc_wider)(X)
    with pytest.raises(dl.UnsupportedOperationError, match=r"`b \+= z` updates in place .* enclosing derivative"):
        dl.grad(inner_into_outer)(X)
    with pytest.raises(IndexError, match="index 9 is out of bounds for axis 0 with size 5"):
        dl.grad(lambda x: np.put(x, [9], 1.0) or x.sum())(X)
    with pytest.raises(dl.UnsupportedOperationError, match=r"`numpy\.put\(\.\.\.\)` writes into a traced"):
        dl.grad(_put_with_view)(X)
    with pytest.raises(TypeError, match="Cannot cast array data from dtype.'complex128'. to dtype.'float64'."):
        dl.grad(lambda x: np.copyto(x, x * 1j) or x.sum())(X)


def _put_with_view(x):
    y = x * 2
    v = y[1:]
    np.put(y, [1], 1.0)  # (v's first element: y[0], beside v, is NumPy's and taken, tests/test_user_code65.py)
    return v.sum()


def test_in_place_writes_under_vmap_and_a_traced_copyto_mask_needs_no_retrace():
    def f(x):
        y = x * 1.0
        np.copyto(y, x**2, where=x > 0)  # a traced mask: numpy.where, not a specialisation
        z = y
        z += x[0]
        a = np.outer(y, x[:2])
        np.fill_diagonal(a, x[3], wrap=True)
        np.put_along_axis(a, np.array([[1], [0], [1], [1], [0]]), x[:, None] ** 3, axis=1)
        return a

    batch = np.stack([X, -X, X + 1])
    np.testing.assert_array_equal(dl.vmap(f)(batch), np.stack([f(b.copy()) for b in batch]))
    p = dl.prepare(lambda x: f(x).sum(), X)
    for at in (X, -X):
        np.testing.assert_allclose(p.grad(at), _complex_step(lambda x: f(x).sum(), at), rtol=1e-14, atol=1e-14)


def test_strings_stored_are_parsed_as_numpys_and_a_non_number_names_the_cause():
    """y[0] = "1" stores 1.0, as NumPy's assignment parses it (a constant: derivative 0 there); a string that is
    no number raises NumPy's ValueError naming it and the assignment (it raised TypeError "data type '' not
    understood")."""

    def parsed(x):
        y = x.copy()
        y[0] = "1"
        y[3:] = ["2.5", "-1e-1"]
        np.put(y, [1], "4")
        return (y * x).sum()

    for method in METHODS:
        value, g = dl.value_and_grad(parsed, method=method)(X)
        assert value == pytest.approx(parsed(X.copy()), rel=1e-14)
        np.testing.assert_allclose(g, _complex_step(parsed, X), rtol=1e-6 if method == "numeric" else 1e-14)

    def bad(x):
        y = x.copy()
        y[0] = "abc"
        return y.sum()

    with pytest.raises(ValueError) as numpys:
        bad(X.copy())
    with pytest.raises(ValueError, match=r"could not convert string to float: 'abc' \(.*y\[0\] = .*stores a string"):
        dl.grad(bad)(X)
    assert "could not convert string to float: 'abc'" in str(numpys.value)
    with pytest.raises(ValueError, match="could not convert string to float: 'x'"):
        dl.grad(lambda x: (x.copy().fill("x"), x.sum())[1])(X)


def test_a_list_of_traced_values_given_to_numpy_array_names_the_line_and_np_stack():
    """NumPy converts the list itself (no protocol reaches difflab before each element's __array__): the
    error quotes the user's line and says what traces instead."""
    with pytest.raises(dl.UnsupportedOperationError, match=r"`np\.array\(\[x\[0\], x\[1\] \* 2\]\)`.*numpy\.stack"):
        dl.grad(lambda x: np.array([x[0], x[1] * 2]).sum())(X)
    with pytest.raises(dl.UnsupportedOperationError, match=r"`np\.asarray\(\[x\.sum\(\), 1\.0\]\)`.*numpy\.stack"):
        dl.grad(lambda x: np.asarray([x.sum(), 1.0]).sum())(X)
    np.testing.assert_array_equal(dl.grad(lambda x: np.stack([x[0], x[1] * 2]).sum())(X), [1, 2, 0, 0, 0])
