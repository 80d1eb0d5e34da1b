"""edges60 (issue 11's user-edge leftovers): holomorphic=True on a non-holomorphic f says the same ValueError under
every method and operator; np.subtract.reduce, scipy.special.xlogy.reduce (every binary ufunc NumPy does not
reorder: its left fold) and `axis=None` of a ufunc's reduce on traced values; vectors built from traced pieces
(dnp.array, np.stack; np.array and object arrays refused by name); out= into a NumPy buffer and NumPy's positional
arguments; `difflab.runner.run` refusing before it makes a folder. 23 of the 25 tests failed on main (the other two
pin what already worked: holomorphic z³ and constants under symbolic and reverse).

References: Cauchy–Riemann by hand (Re z, |z|, conj z have no complex derivative); NumPy's and SciPy's own
functions (values, errors); the folds' derivatives by hand (xlogy.reduce([a, b, c]) = a·log b·log c).
"""

from __future__ import annotations

import re
import numpy as np
import pytest
import scipy.special as sc

import difflab as dl

METHODS = ["symbolic", "numeric", "forward", "reverse"]
EXACT = ["symbolic", "forward", "reverse"]
CAUCHY_RIEMANN = r"holomorphic=True, but the function is not holomorphic here \(.*Cauchy–Riemann"


@pytest.mark.parametrize("method", METHODS)
def test_holomorphic_on_a_non_holomorphic_f_is_one_value_error(method):
    """|z| + 0j and Re z + 0j (complex outputs, no complex derivative): forward mode said a TypeError "needs complex
    outputs, got a real one" (it read its real Jacobian block, not f's output), the others the Cauchy–Riemann
    ValueError; and `hessian` of Re z + 0j (its f' = 1 holomorphic) was a silent 0 under every method."""
    z, zv = 1.0 + 2.0j, np.array([1.0 + 2.0j, 0.5 - 1.0j])
    for f in (lambda z: np.abs(z) + 0j, lambda z: np.real(z) + 0j):
        for call in (
            lambda: dl.grad(f, method=method, holomorphic=True)(z),
            lambda: dl.value_and_grad(f, method=method, holomorphic=True)(z),
            lambda: dl.jacobian(f, method=method, holomorphic=True)(zv),
            lambda: dl.hessian(f, method=method, holomorphic=True)(z),
            lambda: dl.hessian(lambda z: (f(z), 1), method=method, holomorphic=True, has_aux=True)(z),
            lambda: dl.prepare(f, zv, method=method, holomorphic=True),
            *([lambda: dl.jacfwd(f, holomorphic=True)(zv)] if method == "forward" else []),  # (jacfwd: forward's)
        ):
            with pytest.raises(ValueError, match=CAUCHY_RIEMANN):
                call()


@pytest.mark.parametrize("method", EXACT)
def test_holomorphic_constant_and_polynomial_still_differentiate(method):
    """A constant complex f (forward's block real zeros: was the TypeError above) has f' = f'' = 0 (complex); z³ has
    3z² and 6z; a real output or input stays JAX's TypeError."""
    z = 1.0 + 2.0j
    for op in (dl.grad, dl.hessian):
        d = op(lambda z: 1j + 0.0 * z, method=method, holomorphic=True)(z)
        assert d == 0 and np.iscomplexobj(d)
    assert dl.grad(lambda z: z**3.0, method=method, holomorphic=True)(z) == pytest.approx(3 * z**2, rel=1e-14)
    assert dl.hessian(lambda z: z**3.0, method=method, holomorphic=True)(z) == pytest.approx(6 * z, rel=1e-14)
    with pytest.raises(TypeError, match="needs complex outputs"):
        dl.grad(np.abs, method=method, holomorphic=True)(z)
    with pytest.raises(TypeError, match="needs complex inputs"):
        dl.hessian(lambda z: z**2, method=method, holomorphic=True)(2.0)


# -- 2. ufunc.reduce / accumulate of the binary ufuncs NumPy folds left to right --------------------------------------

R = np.array([[3.0, 1.5, 0.7, -0.4], [2.0, -1.0, 4.0, 0.3], [0.5, 2.5, -1.5, 1.1]])


def _numpy_reduce(u, a, **kw):
    """`u.reduce(a, **kw)` (NumPy's shape, keepdims and errors) with NumPy's documented values, r = u(r, aᵢ) from the
    first element or `initial`: NumPy 2.4's AVX-512 arctan2 loop, reducing along a contiguous axis, reads its
    accumulator as a vector (np.arctan2.reduce([3, 1.5, 0.7]) is arctan2(3, 0.7) = 1.3416 on such a CPU, where the fold
    and NumPy's own accumulate give 1.0070), so arctan2's values come from accumulate."""
    want = u.reduce(a, **kw)
    axis = kw.get("axis", 0)
    if u is not np.arctan2 or axis == () or a.ndim == 0:
        return want
    b = np.moveaxis(a, 0 if axis is None else np.ravel(axis)[0], -1)
    if "initial" in kw:
        b = np.concatenate([np.full(b.shape[:-1] + (1,), kw["initial"]), b], axis=-1)
    return np.arctan2.accumulate(b, axis=-1)[..., -1].reshape(np.shape(want))


def _same(got, want, u):
    """Equal shapes and values, to the bit but for arctan2's, to an ulp: on an AVX-512 CPU NumPy's arctan2 rounds
    some values otherwise in its vector loop than in its scalar one, and which one runs depends on the call's strides."""
    if np.shape(got) != np.shape(want):
        return False
    if u is np.arctan2:
        return np.allclose(got, want, rtol=3e-16, atol=0, equal_nan=True)
    return np.array_equal(got, want, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::difflab.DomainWarning")
def test_folds_give_numpys_values_and_errors():
    """NumPy's subtract/arctan2/xlogy/hypot reduce (axis an int, a 1-tuple, None, (), keepdims, initial,
    hypot's identity 0: hypot.reduce([-3]) is 3) and accumulate, to the bit, and NumPy's refusals: two axes of a
    non-reorderable ufunc, an empty axis with no identity, accumulate's axis=None of a 2-d value. They were refused
    by name (subtract.reduce, xlogy.reduce) or computed by a fold from the first element (hypot.reduce([-3]): −3), and
    np.add.reduce(x, axis=None) of a 2-d traced x summed axis 0 only (axis=None was dropped as a default)."""
    ufuncs = (np.subtract, np.arctan2, sc.xlogy, np.hypot, np.add)
    keywords = ({}, {"axis": 1}, {"axis": (0,)}, {"axis": -1, "keepdims": True}, {"axis": None}, {"axis": ()},
                {"axis": 1, "initial": 0.7})  # fmt: skip
    for u in ufuncs:
        for kw in keywords:  # (add's initial=: refused by name before reduce61)
            for a in (R, R[0], np.array(-1.3)):
                try:
                    want = _numpy_reduce(u, a, **kw)
                except ValueError as e:  # (NumPy's: not reorderable, an axis out of bounds)
                    with pytest.raises(ValueError, match=re.escape(str(e).split(" for ")[0])):
                        dl.vjp(lambda a: u.reduce(a, **kw), a, method="forward")  # noqa: B023
                    continue
                got = dl.vjp(lambda a: u.reduce(a, **kw), a, method="forward")[0]  # noqa: B023
                assert _same(got, want, u), (u, kw, a.shape)
        for axis in (0, 1, (1,), -1):
            got = dl.vjp(lambda a: u.accumulate(a, axis=axis), R, method="reverse")[0]  # noqa: B023
            assert _same(got, u.accumulate(R, axis=axis), u)
    with pytest.raises(ValueError, match="zero-size array to reduction operation subtract which has no identity"):
        dl.grad(lambda a: np.sum(np.subtract.reduce(a, axis=1)))(R[:, :0])
    with pytest.raises(ValueError, match="accumulate does not allow multiple axes"):
        dl.grad(lambda a: np.sum(np.subtract.accumulate(a, axis=None)))(R)
    assert dl.grad(lambda a: np.sum(np.subtract.reduce(a, axis=1, initial=2.0)))(R[:, :0]).shape == (3, 0)


@pytest.mark.parametrize("method", METHODS)
def test_subtract_and_xlogy_folds_differentiate_twice(method):
    """Gradients and Hessians (fresh and prepared) against the folds' closed forms: xlogy.reduce([a, b, c]) =
    a·log b·log c; Σ_rows (r₀ − r₁ − r₂ − r₃)² of subtract.reduce along axis 1 (H = 2 s sᵀ per row, s = (1, −1, −1,
    −1)); Σ subtract.accumulate(v)² = |J v|², J lower triangular with first column 1, −1 below the diagonal."""
    tol = {"rtol": 1e-6, "atol": 1e-6} if method == "numeric" else {"rtol": 1e-13, "atol": 1e-13}
    a, b, c = v = np.array([1.7, 2.5, 3.25])
    la, lb, lc = np.log(v)
    g = [lb * lc, a * lc / b, a * lb / c]
    h = [[0.0, lc / b, lb / c], [lc / b, -a * lc / b**2, a / (b * c)], [lb / c, a / (b * c), -a * lb / c**2]]
    s = np.array([1.0, -1.0, -1.0, -1.0])
    J = -np.tril(np.ones((3, 3)))  # (J v)_k = v₀ − v₁ − … − v_k
    J[:, 0] = 1.0
    cases = (
        (lambda v: sc.xlogy.reduce(v), v, g, h),
        (lambda x: np.sum(np.subtract.reduce(x, axis=1) ** 2), R, 2 * (R @ s)[:, None] * s,
         np.einsum("ik,jl->ijkl", np.eye(3), 2 * np.outer(s, s))),
        (lambda v: np.sum(np.subtract.accumulate(v) ** 2), v, 2 * J.T @ J @ v, 2 * J.T @ J),
    )  # fmt: skip
    for f, x, grad, hess in cases:
        p = dl.prepare(f, x, method=method)
        for got_g, got_h in (
            (dl.grad(f, method=method)(x), dl.hessian(f, method=method)(x)),
            (p.grad(x), p.hessian(x)),
        ):
            np.testing.assert_allclose(got_g, grad, **tol)
            np.testing.assert_allclose(got_h, hess, **tol)


# -- 3. np.array of traced values, and NumPy object arrays holding them ------------------------------------------------

V = np.array([1.5, -0.7, 2.0])


def _object_array(x):
    """What a user's loop builds when np.array([a, b]) is refused: an object array filled with traced values."""
    o = np.empty(2, dtype=object)
    o[0], o[1] = x[0], x[1] * 2.0
    return o


@pytest.mark.parametrize("method", METHODS)
def test_vectors_of_traced_pieces(method):
    """dnp.array / np.stack of traced scalars compute (d/dx Σ [x₀x₁, sin x₂]² by hand); np.array and np.asarray of
    them are refused quoting the call and naming both spellings; an object array of them (which NumPy fills without
    asking the traced values anything) refuses by name where NumPy's object loop meets it: np.exp of it was NumPy's
    bare TypeError "loop of ufunc does not support argument 0 of type Tracer", np.arctan2 an AttributeError naming no
    object array, np.trunc "type Tracer doesn't define __trunc__", and returning it named no fix."""
    import difflab.numpy as dnp

    tol = {"rtol": 1e-7} if method == "numeric" else {"rtol": 1e-14}
    p, s = V[0] * V[1], np.sin(V[2])
    want = [2 * p * V[1], 2 * p * V[0], 2 * s * np.cos(V[2])]
    for build in (dnp.array, np.stack, dnp.asarray):
        got = dl.grad(lambda x: np.sum(build([x[0] * x[1], np.sin(x[2])]) ** 2), method=method)(V)  # noqa: B023
        np.testing.assert_allclose(got, want, **tol)
    spelled = r"numpy\.stack\(\[a, b\]\) or difflab\.numpy\.array\(\[a, b\]\)"
    for f in (
        lambda x: np.array([x[0], x[1]]),
        lambda x: np.asarray([x[0], 1.0]),
        lambda x: np.array([x], dtype=object),
    ):
        with pytest.raises(
            dl.UnsupportedOperationError, match=r"`np\.(as)?array\(\[x.*\)`: a traced value .*" + spelled
        ):
            dl.grad(lambda x: np.sum(f(x)), method=method)(V)  # noqa: B023
    # the object array: sums and products of its traced elements are Python's operators on them (exact)
    np.testing.assert_allclose(
        dl.grad(lambda x: np.sum(_object_array(x) ** 2), method=method)(V), [3.0, -5.6, 0.0], **tol
    )
    stack = r"difflab\.numpy\.stack\(\[a, b\]\)"
    with pytest.raises(
        dl.UnsupportedOperationError, match=r"numpy\.exp of a NumPy object array holding traced .*" + stack
    ):
        dl.grad(lambda x: np.sum(np.exp(_object_array(x))), method=method)(V)
    with pytest.raises(
        AttributeError, match=r"numpy\.arctan2 of a NumPy object array holding traced values .*" + stack
    ):
        dl.grad(lambda x: np.sum(np.arctan2(_object_array(x), 1.0)), method=method)(V)
    with pytest.raises(dl.TracerConversionError, match="to a Python number"):
        dl.grad(lambda x: np.sum(np.trunc(_object_array(x))), method=method)(V)
    with pytest.raises(TypeError, match=r"returned an array of dtype object; .*" + stack):
        dl.jacobian(_object_array, method=method)(V)


# -- 4. out= into a NumPy buffer, and NumPy's positional arguments ---------------------------------------------------

M = np.array([[1.5, -0.7, 2.0], [0.3, 0.2, 0.1]])


@pytest.mark.parametrize("method", METHODS)
def test_out_into_a_numpy_buffer_is_refused_naming_it_and_left_alone(method):
    """np.add(x, 1, out=buf) and np.multiply(x, 2, out=x_copy) into the user's float arrays: refused naming out= and
    the buffer as spelled (it read "out=c ... into c"), the buffer left as it was; an out given positionally
    (np.sum(x, 0, None, buf): NumPy's 4th argument, difflab's sum's keepdims) was silently not written, and
    `x.sum(out=buf)` / `x.clip(0, 1, out=buf)` were a bare TypeError "unexpected keyword argument 'out'"."""
    buf, x_copy, b0 = np.full(3, 7.0), M[0].copy(), np.zeros(())
    calls = (
        (lambda x: np.add(x, 1.0, out=buf), "add", "buf"),
        (lambda x: np.multiply(x, 2, out=x_copy), "multiply", "x_copy"),
        (lambda x: np.add(x, 1.0, out=(buf,)), "add", "buf"),
        (lambda x: np.sum(x, 0, None, buf[:1].reshape(())), "sum", "c"),
        (lambda x: x.sum(out=b0), "sum", "b0"),
        (lambda x: x.clip(0, 1, out=buf), "clip", "buf"),
        (lambda x: np.cumsum(x, 0, None, buf), "cumsum", "c"),
    )
    for f, name, spelled in calls:
        with pytest.raises(dl.UnsupportedOperationError, match=rf"numpy\.{name}\(\.\.\., out={spelled}"):
            dl.grad(lambda x: np.sum(f(x)), method=method)(M[0])  # noqa: B023
    np.testing.assert_array_equal(buf, np.full(3, 7.0))
    np.testing.assert_array_equal(x_copy, M[0])
    assert b0 == 0.0


@pytest.mark.parametrize("method", METHODS)
def test_numpys_positional_arguments_are_read_as_numpy_reads_them(method):
    """Positional arguments past where difflab's signature parts from NumPy's are passed by NumPy's names: np.prod(x,
    0, np.float64) (NumPy's dtype, difflab's keepdims: a (1, 3) result), np.max(x, 0, None, True) (out, keepdims) and
    x.max(0, None, True) had the wrong shape silently; np.sum(x, 0, None, None, True), np.std(x, 0, None, None, 1)
    were refused; an out given positionally into a traced buffer is written as out= is (it was ignored: c stayed 0)."""
    tol = {"rtol": 1e-7, "atol": 1e-7} if method == "numeric" else {"rtol": 1e-14, "atol": 1e-14}
    for f in (
        lambda x: np.prod(x, 0, np.float64),
        lambda x: np.max(x, 0, None, True),
        lambda x: x.max(0, None, True),
        lambda x: np.sum(x, 0, None, None, True),
        lambda x: x.sum(1, None, None, True),
        lambda x: np.std(x, 0, None, None, 1),
        lambda x: np.mean(x, 1, None, None, True),
    ):
        value, vjp = dl.vjp(f, M, method=method)
        assert value.shape == f(M).shape and np.allclose(value, f(M), rtol=1e-14)
        assert vjp(np.ones_like(value))[0].shape == M.shape

    def into(x):
        c = np.zeros_like(x[0])
        r = np.sum(x, 0, None, c)  # (NumPy: c written, r is c)
        return np.sum(c**2) + np.sum(r)

    np.testing.assert_allclose(dl.grad(into, method=method)(M), np.tile(2 * M.sum(0) + 1, (2, 1)), **tol)


# -- 5. the runner's Python API checks before it makes a run folder ---------------------------------------------------


def test_runner_run_refuses_bad_settings_before_making_its_folder(tmp_path):
    """`difflab.runner.run` made the run folder (config.json, experiment.py) and then refused an unknown executor; it
    ran serially with a scheduler and no Dask, took a config= of a wrong key to a bare KeyError, seed="x" and seed=-1
    to NumPy's bare errors and out=<a file> to NotADirectoryError, each after making the folder, and out="" wrote
    into the current folder. Every one is a ConfigError now, with nothing made; a good run still runs."""
    from difflab import runner

    demo, out = runner._demo_experiment(), tmp_path / "runs"
    (tmp_path / "a_file").write_text("x")
    refused = (
        ({"executor": "bogus"}, "unknown executor 'bogus'; valid executors: serial, process, dask"),
        ({"scheduler": "tcp://127.0.0.1:1"}, "needs executor='dask'"),
        ({"config": {"m": [1]}}, r"config= for squares: unknown keys \['m'\]; missing keys \['n'\]"),
        ({"config": {"n": "abc"}}, "config= n=.*must be a list"),
        ({"config": {"n": []}}, "must not be empty"),
        ({"seed": "x"}, "seed must be a non-negative integer, not 'x'"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"jobs": "2"}, "jobs must be an integer"),
        ({"out": tmp_path / "a_file" / "runs"}, "cannot make a folder there, .*a_file is a file"),
        ({"out": ""}, "out= is empty"),
    )
    for settings, message in refused:
        with pytest.raises(runner.ConfigError, match=message):
            runner.run(demo, **{"out": out, "quiet": True, **settings})
        assert not out.exists(), settings
    run_dir = runner.run(demo, out=out, quiet=True, config={"n": [2, 3]}, render_report=False)
    assert sorted(p.name for p in (run_dir / "cells").iterdir()) == ["0000.json", "0001.json"]
