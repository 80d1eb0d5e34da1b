"""atmode66: JAX's out-of-bounds modes of x.at[...] (.get: "fill" with fill_value, "clip"; updates: "drop", "clip";
NumPy's negative positions first, then the mode; "promise_in_bounds" checked), for constant and traced indices,
fresh, prepared at another index and vmapped (main refused every mode but "promise_in_bounds" by name); and
x.at[i].multiply/.divide/.power/.min/.max by a traced index of any length recorded as one equation of the registry's
scatter_mul_along / scatter_min_along / scatter_max_along (main: more than 16 positions read the index, so prepare
refused the trace). A tie of .min/.max splits the derivative evenly among x and every update achieving it, as JAX's
scatter_min/max JVP does. Values and gradients: JAX 0.10.2's (x64) as literals. JAX refuses scatter_mul's gradient
at repeated positions and scatter_apply's at all: those references were computed one update at a time (the same
function); its .min/.max under mode="clip" answer an infinite gradient where an index is clamped (a division by a
zero count), so those were computed with the index clamped by hand (jnp.clip, then no mode)."""

import numpy as onp
import pytest

import difflab as dl
import difflab.numpy as np

METHODS = ("symbolic", "numeric", "forward", "reverse")
W = onp.arange(1.0, 7.0)
CI = onp.array([1, 8, -1, -9, 1])  # (6 positions: 8 out of range; -9 is -3 after NumPy's negatives: out; 1 twice)
X0 = onp.array([0.3, -1.2, 0.8, 0.5, 1.1, -0.4])
X1 = onp.array([1.3, 0.2, -0.6, 0.9, -0.4, 0.7])


def _close(method):
    return dict(rtol=1e-6, atol=1e-7) if method == "numeric" else dict(rtol=1e-12, atol=1e-12)


def get_const(x):
    """.get by constant indices: fill (fill_value), clip, promise_in_bounds in range, along X's columns, X.at[1, 5]."""
    i = onp.array([0, 7, -1, -8, 2])
    X = x.reshape(2, 3)
    return (
        np.sum(x.at[i].get(mode="fill", fill_value=0.5) * W[:5])
        + np.sum(x.at[i].get(mode="clip") ** 2)
        + np.sum(x.at[onp.array([0, -1, 3])].get(mode="promise_in_bounds") * x[1])
        + np.sum(X.at[:, onp.array([0, 4, -4])].get(mode="fill", fill_value=-1.0) * x[2])
        + X.at[1, 5].get(mode="clip") * x[3]
    )


def upd_const(x):
    """Every update by a constant index with positions out of range and repeated, dropped and clipped."""
    v = np.stack([x[0] * 2, x[1] + 1, x[2] * 0.5, x[3] - 1, x[4] * x[5]])
    s = 0.0
    for mode in ("drop", "clip"):
        s = s + np.sum(x.at[CI].add(v, mode=mode) * W) + np.sum(x.at[CI].multiply(v, mode=mode) * W)
        s = s + np.sum(x.at[CI].min(v, mode=mode) * W) + np.sum(x.at[CI].max(v, mode=mode) * W[::-1])
        s = s + np.sum(x.at[CI].divide(v + 3.0, mode=mode) * W) + np.sum(x.at[CI].power(2.0, mode=mode) * W)
        s = s + np.sum(x.at[CI].apply(np.sin, mode=mode) * W)
    return s + np.sum(x.at[onp.array([1, 8, -1, -9, 3])].set(v, mode="drop") * W)


def get_traced(x):
    """.get by traced indices (argsort's, argmax's), which positions fall out of range depending on x's order."""
    i = np.argsort(x)[:3] * 3 - 7  # (-7: -1 after NumPy's negatives, out; -4, -1, 2, 5 in; 8 out)
    X = x.reshape(2, 3)
    j = np.argmax(x[:3]) * 2 - 1  # (-1, 1 in; 3 out, along X's columns)
    return (
        np.sum(x.at[i].get(mode="fill", fill_value=0.25) * W[:3])
        + np.sum(x.at[i].get(mode="clip") * x[0])
        + np.sum(X.at[:, j].get(mode="fill", fill_value=2.0) * x[1])
        + X.at[np.argmin(x[:2]) + 1, j].get(mode="clip") * x[4]
    )


def upd_traced(x):
    """Updates by traced indices, dropped and clipped: along x, along X's columns, and X.at[i, j]."""
    i = np.argsort(x)[:3] + 4  # (4, 5 in range)
    k = np.argsort(x)[:4] * 3 - 7  # (positions repeated after NumPy's negatives and the clamp)
    v = np.stack([x[0] * 2, x[1] + 1, x[2] * 0.5, x[3] - 1])
    X = x.reshape(2, 3)
    j = np.argmax(x[:3]) * 2 - 1
    s = np.sum(x.at[i].set(v[:3], mode="drop") * W) + np.sum(x.at[k].add(v, mode="clip") * W)
    for mode in ("drop", "clip"):
        s = s + np.sum(x.at[k].multiply(v, mode=mode) * W) + np.sum(x.at[k].min(v, mode=mode) * W)
        s = s + np.sum(x.at[k].max(v, mode=mode) * W[::-1]) + np.sum(x.at[k].divide(v + 3.0, mode=mode) * W)
        s = s + np.sum(X.at[:, j].multiply(x[5], mode=mode) ** 2)
        s = s + np.sum(X.at[np.argmin(x[:2]) + 1, j].add(x[4], mode=mode) ** 2)
    return s


def long_traced(x):
    """20 positions by a traced index (each position 3 or 4 times): .multiply, .divide, .min, .max, one equation each."""
    o = np.argsort(x)
    i = np.concatenate([o, o[::-1], o, o[:2]])
    v = np.concatenate([x * 0.5 + 1.0, np.cos(x), x - 0.25, x[:2] * x[2]])
    return (
        np.sum(x.at[i].multiply(v) * W)
        + np.sum(x.at[i].divide(v + 3.0) * W)
        + np.sum(x.at[i].min(v) * W)
        + np.sum(x.at[i].max(v * 2.0) * W[::-1])
    )


# fmt: off
#: name -> (f, ((value, gradient) at X0, at X1)): jax.value_and_grad's (x64)
CASES = {
    "get_const": (get_const, ((3.999999999999999, [1.8, 0.39999999999999997, 3.4, -0.8, 0.0, 0.7000000000000002]),
                              (10.410000000000002, [5.800000000000001, 2.9, 2.0, 0.29999999999999993, 0.0, 6.9]))),
    "upd_const": (upd_const, ((140.1381421703422, [57.96868834097746, -14.275788089443688, 56.18087988136431, 56.252,
                                                   66.87061979166667, 38.47372670150206]),
                              (80.38108580071234, [54.64556891183028, 10.97357658060707, 66.26334705075445,
                                                   57.14542211652794, 78.84248356401383, 31.057368059377907]))),
    "get_traced": (get_traced, ((-2.98, [1.0, 4.0, 1.3, 0.0, -0.4, 1.4000000000000001]),
                                (1.0799999999999996, [0.7999999999999999, 0.09999999999999998, 4.5, 0.0, 0.7,
                                                      5.3999999999999995]))),
    "upd_traced": (upd_traced, ((51.14242577030812, [27.99782135076253, 21.30612244897959, 24.059690888119952,
                                                     53.66666666666667, 49.2, 30.974857142857143]),
                                (95.41341444991792, [55.38623293455313, 43.37082195636876, 15.793135802469138,
                                                     70.28276677424834, 41.4, 34.943068261787474]))),
    "long_traced": (long_traced, ((39.54165098018391, [5.652307630409578, 14.011818226466483, 6.648972901039221,
                                                       9.738369858050357, 2.752040908716267, 9.074624341252235]),
                                  (48.63508737145564, [4.433845154032929, 0.6951961645740514, 7.030822133853094,
                                                       11.390201423389074, 10.682801126990073, 9.731841098985822]))),
}
# fmt: on


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(CASES))
def test_modes_and_long_indices_fresh_and_prepared(name, method):
    """Each method's value and gradient equal JAX's at both points, fresh and from one dl.prepare at X0 reused at X1
    (other positions out of range, another order; main: mode= refused by name, the long index specialised)."""
    f, points = CASES[name]
    for x, (value, grad) in zip((X0, X1)[: 1 if method == "symbolic" else 2], points):
        v, g = dl.value_and_grad(f, method=method)(x)
        assert float(v) == pytest.approx(value, rel=1e-12)
        onp.testing.assert_allclose(g, grad, **_close(method))
    if method in ("reverse", "forward"):
        p = dl.prepare(f, X0, method=method)
        for x, (value, grad) in zip((X1, X0), points[::-1]):
            assert float(p(x)) == pytest.approx(value, rel=1e-12)
            onp.testing.assert_allclose(p.grad(x), grad, **_close(method))


@pytest.mark.parametrize("name", list(CASES))
def test_modes_and_long_indices_vmapped_and_jitted(name):
    """dl.vmap of the gradient over both points in one batch, and dl.jit's value at both points."""
    f, ((v0, g0), (v1, g1)) = CASES[name]
    onp.testing.assert_allclose(dl.vmap(dl.grad(f))(onp.stack([X0, X1])), [g0, g1], rtol=1e-12, atol=1e-12)
    j = dl.jit(f)
    assert [float(j(X0)), float(j(X1)), float(j(X0))] == pytest.approx([v0, v1, v0], rel=1e-12)


def test_a_long_traced_index_is_one_equation():
    """x.at[i].multiply/.min/.max by 20 traced positions: one scatter_*_along equation each, the trace not specialised
    (main: 20 > 16 positions read the index)."""
    g = dl.trace(long_traced, X0)
    names = [e.op.name for e in g.eqns]
    assert names.count("scatter_mul_along") == 2  # (.multiply; .divide: x / Π v, JAX's form)
    assert names.count("scatter_min_along") == names.count("scatter_max_along") == 1
    assert not getattr(g, "specialised", False)


@pytest.mark.parametrize("method", METHODS)
def test_ties_split_evenly_as_jaxs(method):
    """x[0] tied with two updates of its position (.min): each of the three gets 1/3, as JAX's scatter_min JVP; x[1]
    tied with an update (.max: 1/2 each). jax.value_and_grad's (x64): 45.8, [2, 4, 3, 11, 10, 12]."""

    def ties(x):
        v = np.stack([x[0], x[0] * 1.0, x[1]])
        u = np.stack([x[1], x[2] - 9.0, x[3]])
        return np.sum(x.at[onp.array([0, 0, 1])].min(v) * W) + np.sum(x.at[onp.array([1, 1, 2])].max(u) * W)

    x = onp.array([1.0, 2.0, 0.5, 1.5, 0.7, 0.9])
    v, g = dl.value_and_grad(ties, method=method)(x)
    assert float(v) == pytest.approx(45.8, rel=1e-12)
    if method != "numeric":  # (the numeric method cannot follow a convention at a kink)
        onp.testing.assert_allclose(g, [2.0, 4.0, 3.0, 11.0, 10.0, 12.0], rtol=1e-12)
    shares = dl.grad(lambda z: np.sum(z[:3].at[onp.array([0, 0, 1])].min(z[3:])), method=method)
    if method != "numeric":  # (x's and each update's share: JAX's [1/3, 1/2, 1] and [1/3, 1/3, 1/2])
        want = [1 / 3, 0.5, 1.0, 1 / 3, 1 / 3, 0.5]
        onp.testing.assert_allclose(shares(onp.array([1.0, 2.0, 3.0, 1.0, 1.0, 2.0])), want, rtol=1e-12)


def test_fill_defaults_default_error_and_promise_checked():
    """fill_value's default (NaN for floats, the smallest integer for a traced integer index, JAX's); no mode: NumPy's
    IndexError, as before; "promise_in_bounds" in range is the plain read, out of range IndexError (JAX's own answer
    there is undefined: its value clamped, its gradient dropped); a mode JAX has not: ValueError."""
    x = onp.array([1.0, 2.0, 3.0])
    got = dl.jit(lambda x: x.at[onp.array([0, 5, -1, -4])].get(mode="fill"))(x)
    onp.testing.assert_array_equal(got, [1.0, onp.nan, 3.0, onp.nan])
    low = dl.jit(lambda x: np.where(np.argsort(x).at[7].get(mode="fill") == onp.iinfo(onp.intp).min, x[0], x[1]))
    assert float(low(x)) == 1.0
    with pytest.raises(IndexError):
        dl.grad(lambda x: np.sum(x.at[7].set(x[0])))(x)
    with pytest.raises(IndexError):
        dl.grad(lambda x: np.sum(x.at[onp.array([0, 3])].add(1.0)))(x)
    p = dl.prepare(lambda x: np.sum(x.at[np.argmax(x) + 1].get(mode="promise_in_bounds") * x), x[::-1].copy())
    assert float(p(x[::-1].copy())) == 3.0 * 2.0 + 2.0 * 2.0 + 1.0 * 2.0
    with pytest.raises(IndexError):
        p(x)
    with pytest.raises(ValueError, match="mode must be one of"):
        dl.grad(lambda x: np.sum(x.at[0].set(1.0, mode="wrap")))(x)


def test_complex_and_integer_targets_as_before():
    """The new ops keep what main's rounds did: .max of complex values by NumPy's lexicographic order (its derivative
    following the pick), .power of an integer array integer, .divide into one refused as .set's cast."""
    x = onp.array([1.0, 2.0, 3.0])

    def cmax(x):
        return np.sum(np.abs((x * (1 + 1j)).at[onp.array([0, 0])].max(onp.array([2 + 0j, 1 + 5j]))))

    assert float(dl.jit(cmax)(x)) == pytest.approx(9.071067811865476, rel=1e-12)  # |1+5j| + |2+2j| + |3+3j|
    onp.testing.assert_allclose(dl.grad(cmax)(x), [0.0, 2**0.5, 2**0.5], rtol=1e-12)
    ints = dl.jit(lambda x: (np.argsort(x) + 2).at[onp.array([0, 0, 1])].power(onp.array([2, 3, 2])))(x)
    assert ints.dtype.kind == "i" and ints.tolist() == [64, 9, 4]
    with pytest.raises(dl.UnsupportedOperationError, match="stores float64 values into a traced int64"):
        dl.jit(lambda x: (np.argsort(x) + 2).at[onp.array([0])].divide(3))(x)
