"""special60: silent small errors of the shape partials in a tiny shape parameter, against mpmath (40 digits: diff of
betainc(a, b, 0, x, regularized=True) and gammainc(a, 0, x, regularized=True)).

- beta_shape's first fraction term d₁ = -(p + q)x/(p + 1) was a jet quotient by p(p + 1), its ∂p² summing ±6e6 to 0.2
  at p = 1e-3 (∂b² of betainc(3, 0.001, 0.9) 2.5e-9 off);
- ∂q² I_x(p, q) and ∂a² Q(a, x) for a shape below 1 are formed with the factor q (a) of 1/B(p, q) (1/Γ(a)) taken out:
  as ∂² log + (∂ log)², -ψ'(q) and (1/q + …)² cancelled from 1/q² to O(1/q) (∂a² Q 7e-11 off at a = 1e-6)."""

import numpy as np
import pytest

from difflab.ops import incomplete

#: (a, b, x), ∂a² and ∂b² of I_x(a, b); main's in the tiny shape: 2.5e-9, 3.9e-9, 2.6e-8, 8.1e-11, 1.1e-13 relative off
#: (in the other shape, where I or 1 - I is near 1 and its slope O(tiny), up to 8e-12 still: ∂ log I's two terms cancel)
BETA = [
    ((3.0, 0.001, 0.9), 0.00014915947677886758, -0.105099674444693),
    ((0.001, 3.0, 0.1), 0.10509967444469263, -0.00014915947677886758),
    ((3.0, 1e-4, 0.9), 1.4942023252965133e-05, -0.10244632630059325),
    ((5.0, 0.002, 0.95), 9.495388131847117e-05, -0.16016340588216227),
    ((0.5, 0.001, 0.3), 0.01604493986780624, -3.689828650766243),
]
#: (a, x), ∂a P and ∂a² P; main's ∂a²: 2.3e-14, 2.6e-14, 8.8e-13, 7.1e-11, 6.8e-15 relative off
GAMMA = [
    ((1e-3, 2.0), -0.04905334583936488, -0.15289776820824402),
    ((0.01, 1.5), -0.10269005300378604, -0.267351516020458),
    ((1e-4, 5.0), -0.001148832366538588, -0.0053684131960102365),
    ((1e-6, 1.01), -0.21574206850344396, -0.4447088057079889),
    ((0.3, 1.4), -0.20386848262544896, -0.2779755411927298),
]


def test_beta_shape_second_derivatives_in_a_tiny_shape_are_mpmaths():
    a, b, x = (np.array(c) for c in zip(*[p for p, *_ in BETA]))
    incomplete._cache.clear()
    *got, done = incomplete.beta_shape(a, b, x)
    assert done.all()
    tiny = np.where(a < b, 0, 1)
    want = np.array([r[k] for (_, *r), k in zip(BETA, tiny)])
    np.testing.assert_allclose(np.where(tiny == 0, got[2], got[4]), want, rtol=1e-14)


@pytest.mark.parametrize("shape", [(), (5,)])
def test_gamma_shape_second_derivative_for_a_below_one_in_the_fraction_is_mpmaths(shape):
    points = GAMMA if shape else GAMMA[3:4]
    a, x = (np.array(c).reshape(shape or ()) for c in zip(*[p for p, *_ in points])) if shape else GAMMA[3][0]
    incomplete._cache.clear()
    da, daa, done = incomplete.gamma_shape(a, x)
    assert np.all(done)
    want = np.array([r for _, *r in points]).reshape(*shape, 2) if shape else np.array(GAMMA[3][1:])
    np.testing.assert_allclose(np.stack([da, daa], axis=-1), want, rtol=1e-14)
