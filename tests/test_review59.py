"""review59: stop 58's speed paths and features, reviewed for silent wrong numbers.

- incomplete.gamma_shape's series ends where every component of an element's jet has converged, so an element's
  answer is its own, whatever else its batch holds (a vmap, a row of a grid), and log x - ψ(a + 1) is formed
  without ψ(a) + 1/a, which cancelled for a ≪ 1 (1e-12 of mpmath's at a = 1e-4);
- the symbolic method divides by a constant as NumPy does (x/3.0, not SymPy's 0.333…·x): a comparison after it
  sees NumPy's value, so where(x·3/3 == x, ...) takes NumPy's branch;
- a ufunc method given keywords its traced form does not take (np.add.reduce(x, initial=1.0)) is refused by name,
  not with a lambda's TypeError."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import UnsupportedOperationError
from difflab.ops import incomplete


def test_a_gamma_series_element_answers_alike_alone_and_beside_a_slower_one():
    # (41.57, 41.73) converges in ~100 terms, (9000, 8990) in ~700: main summed the first element's jet on until
    # the second's value had converged, which moved its ∂a² by 8e-15 of itself (its jet had not converged)
    a, x = 41.5709928763323, 41.72958766816788
    incomplete._cache.clear()
    alone = incomplete.gamma_shape(a, x)
    both = incomplete.gamma_shape(np.array([a, 9000.0]), np.array([x, 8990.0]))
    assert alone[0] == both[0][0] and alone[1] == both[1][0]


@pytest.mark.parametrize(
    "a, x, da, daa",
    [  # mpmath (40 digits: diff of gammainc(a, 0, x, regularized=True)); main: 1.2e-12 and 2.7e-12 relative off
        (1e-4, 0.9, -0.2602331049913594, -0.49163272441102523),
        (1e-4, 0.3, -0.9057090365172337, -0.32367625321426974),
    ],
)
def test_gamma_shape_at_a_tiny_shape_is_mpmaths(a, x, da, daa):
    incomplete._cache.clear()
    got = incomplete.gamma_shape(a, x)
    np.testing.assert_allclose([got[0], got[1]], [da, daa], rtol=1e-14)


def test_the_symbolic_method_divides_by_a_constant_as_numpy_does():
    # NumPy: 0.1·3/3 = 0.10000000000000002 != 0.1, so 2x (value 0.2, slope 2); SymPy's 0.333…·(0.1·3) is 0.1
    f = lambda x: dnp.where(x * 3 / 3 == x, x, 2 * x)  # noqa: E731
    value, slope = dl.value_and_grad(f, method="symbolic")(0.1)
    assert (value, slope) == (0.2, 2.0) == (f(np.float64(0.1)), dl.grad(f, method="reverse")(0.1))


# (initial= is taken since misc62: logaddexp.reduce is NumPy's left fold, from the start given; tests/test_reduceat62.py)
@pytest.mark.parametrize("keyword", [{"where": np.array([True, False, True])}])
def test_a_ufunc_method_with_a_keyword_it_does_not_take_is_refused_by_name(keyword):
    name = next(iter(keyword))
    with pytest.raises(UnsupportedOperationError, match=f"numpy.logaddexp.reduce.*{name}"):  # (add's: reduce61)
        dl.grad(lambda x: dnp.logaddexp.reduce(x, **keyword))(np.array([1.0, 2.0, 3.0]))
