"""The registry is the only name table: a throwaway op, registered in a fixture and nowhere else, is
traced from NumPy and difflab.numpy, printed, differentiated by every method, parsed by the
expression language and drawn by the strategies; removing it removes it everywhere."""

import numpy as np
import pytest
from hypothesis import find, settings

import difflab as dl
import difflab.numpy as dnp
from difflab.cli import parse_expression
from difflab.ops import REGISTRY, defop, elementwise_sympy, unregister
from difflab.testing.strategies import SHAPE_OPS, functions

NAME = "throwaway_cbrt"


@pytest.fixture
def throwaway():
    """A cube root entry spelled numpy.cbrt, with an array method; unregistered afterwards."""
    op = defop(
        NAME,
        np.cbrt,
        partials=(lambda out, x: 1.0 / (3.0 * out * out),),
        sympy=elementwise_sympy(lambda x: x ** (1 / __import__("sympy").Integer(3))),
        domain=("positive",),
        numpy=("cbrt", NAME),
        methods=(NAME,),
        doc="cube root (a test's throwaway)",
    )
    yield op
    unregister(NAME)


def test_a_throwaway_op_is_seen_everywhere(throwaway):
    x = np.array([0.5, 2.0, 3.0])
    f = lambda x: np.sum(np.cbrt(x) * x)  # noqa: E731  plain NumPy, dispatched to the entry
    graph = dl.trace(f, x)
    assert f"{NAME}(v0)" in str(graph)
    expected = np.cbrt(x) + x / (3.0 * np.cbrt(x) ** 2)
    for method in ("symbolic", "numeric", "forward", "reverse"):
        np.testing.assert_allclose(dl.grad(f, method=method)(x), expected, rtol=1e-6 if method == "numeric" else 1e-12)
    numeric = dl.grad(f, method="numeric")(x)
    np.testing.assert_allclose(dl.grad(f, method="reverse")(x), numeric, rtol=1e-6)
    # second derivatives nest through the rule (written with difflab's ops)
    h = dl.hessian(lambda x: dnp.sum(getattr(dnp, NAME)(x)), method="reverse")(x)
    np.testing.assert_allclose(np.diag(h), -2.0 / 9.0 * x ** (-5.0 / 3.0), rtol=1e-12)
    # difflab.numpy exports it under each spelling, and traced values have the method
    assert dnp.cbrt is throwaway and NAME in dnp.__all__ and "cbrt" in dnp.UFUNCS
    g = dl.grad(lambda x: getattr(x, NAME)().sum())(x)
    np.testing.assert_allclose(g, 1.0 / (3.0 * np.cbrt(x) ** 2), rtol=1e-12)
    # the CLI's expression language
    fn, names = parse_expression(f"{NAME}(x) * y", ["x", "y"])
    assert names == ["x", "y"] and float(fn(8.0, 2.0)) == 4.0
    assert dl.grad(fn, argnums=0)(8.0, 2.0) == pytest.approx(2.0 / 12.0, rel=1e-14)
    # the Hypothesis strategies draw it
    drawn = find(functions(ops=[NAME], max_eqns=3), lambda f: NAME in f.ops, settings=settings(database=None))
    assert drawn(np.full(drawn.shapes[0], 0.7), *[np.full(s, 0.7) for s in drawn.shapes[1:]]) is not None


def test_removing_the_op_removes_it_everywhere(throwaway):
    unregister(NAME)
    try:
        assert NAME not in dnp.__all__ and not hasattr(dnp, NAME) and NAME not in dnp.METHODS
        # numpy.cbrt is the registry's own cbrt again (the throwaway had shadowed it)
        assert dnp.cbrt is REGISTRY["cbrt"] and dnp.UFUNCS["cbrt"] is REGISTRY["cbrt"]
        assert "cbrt(v0)" in str(dl.trace(lambda x: np.cbrt(x), np.ones(2)))
        with pytest.raises(ValueError, match="unknown function"):
            parse_expression(f"{NAME}(x)")
    finally:  # the fixture unregisters it again
        defop(NAME, np.cbrt, partials=(lambda out, x: 1.0 / (3.0 * out * out),), doc="placeholder")


def test_shape_ops_table_is_read_from_the_registry():
    assert set(SHAPE_OPS) == {name for name, op in REGISTRY.items() if op.strategy is not None}
    assert {"sum", "matmul", "getitem", "concatenate"} <= set(SHAPE_OPS)


def _rebinding_gaps():
    """(module, name) where a module of difflab.numpy would call something other than what
    difflab.numpy publishes under that name (the package rebinds its modules' globals)."""
    gaps, seen = [], 0
    for module in dnp._MODULES:
        for name in dnp._READS[module]:
            if name in dnp._published or name in dnp._DERIVED:
                seen += 1
                if vars(module).get(name) is not getattr(dnp, name):
                    gaps.append((module.__name__, name))
    return gaps, seen


def test_the_numpy_modules_call_what_the_namespace_publishes():
    # as when difflab.numpy was one module: `sum` inside reductions is dnp.sum (the registry's entry,
    # the registry spelling's front), and a derived function calls the other's stacking wrapper
    gaps, seen = _rebinding_gaps()
    assert not gaps and seen > 200
    assert dnp.statistical.sort is dnp.sort and dnp.reductions.sum is dnp.sum


def test_a_registry_change_reaches_the_numpy_modules(throwaway):
    unregister(NAME)
    try:
        defop(NAME, np.sqrt, partials=(lambda out, x: 0.5 / out,), numpy=("sqrt",), doc="a sqrt shadow")
        # the modules that call sqrt now call the throwaway, as difflab.numpy does
        assert dnp.linear_algebra.sqrt is dnp.sqrt is REGISTRY[NAME]
        assert not _rebinding_gaps()[0]
    finally:
        unregister(NAME)
        defop(NAME, np.cbrt, partials=(lambda out, x: 1.0 / (3.0 * out * out),), doc="placeholder")
    assert dnp.linear_algebra.sqrt is dnp.sqrt is REGISTRY["sqrt"] and not _rebinding_gaps()[0]


def test_numpys_untraced_names_are_numpys_own():
    """`import difflab.numpy as np` runs code written for NumPy (realcode26: dnp.zeros, dnp.inf, dnp.float32,
    dnp.arange, dnp.tril_indices were AttributeErrors): a public name difflab does not trace is NumPy's object, a
    traced value given to one still meets NumPy's dispatch (traced or refused by name), an unknown name stays an
    AttributeError, and dir() and __all__ keep to what difflab traces."""
    assert dnp.zeros is np.zeros and dnp.inf == np.inf and dnp.float32 is np.float32 and dnp.random is np.random
    assert dnp.linalg.LinAlgError is np.linalg.LinAlgError and dnp.fft.fftfreq is np.fft.fftfreq
    assert "zeros" not in dnp.__all__ and "zeros" not in dir(dnp) and dnp.exp is not np.exp

    def f(w):
        h = dnp.zeros_like(w)
        h[0] = w[0] ** 2
        return dnp.sum(h) + dnp.sum(w * dnp.arange(3.0)) + dnp.sum(w[dnp.tril_indices(2)[0]])

    # tril_indices(2)[0] = [0, 1, 1]: the last sum is w0 + 2 w1
    np.testing.assert_allclose(dl.grad(f)(np.array([1.5, 1.0, 1.0])), [3.0 + 0.0 + 1.0, 1.0 + 2.0, 2.0])
    for missing in ("no_such_name", "_private"):
        with pytest.raises(AttributeError, match=f"'difflab.numpy' has no attribute '{missing}'"):
            getattr(dnp, missing)
    with pytest.raises(AttributeError, match="'difflab.numpy.linalg' has no attribute 'no_such_name'"):
        dnp.linalg.no_such_name
    with pytest.raises(dl.UnsupportedOperationError, match="numpy.bartlett converted a traced value"):
        dl.grad(lambda m: dnp.bartlett(m).sum())(3.0)
