"""A nested numeric derivative made once and called at several points answers each as a fresh one would (issue 11).

On main the operator kept the graph it traced at the first point: the inner numeric level's steps, held pieces and
reported error were that point's, so at the next points a central-over-central Hessian of a tanh MLP moved by up to
1.8e-7 and a relu MLP's Jacobian of a central gradient warned "cannot resolve" where a fresh operator stayed quiet.
"""

import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp
from difflab import Numeric

_RNG = np.random.default_rng(5)
_W, _V = _RNG.normal(size=(5, 4)), _RNG.normal(size=5)
_POINTS = [np.array([0.13, -0.13, 0.64, 0.1])] + [_RNG.normal(size=4) for _ in range(3)]
_C, _R = Numeric(), Numeric(scheme="richardson")


def _run(op, x):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        value = op(x)
    return value, [str(w.message) for w in said]


def _tanh_mlp(x):
    return np.sum(np.tanh(_W @ x) * _V) + 0.1 * np.sum(x**2)


def _relu_mlp(x):
    return np.sum(dnp.relu(_W @ x) * _V)


def test_a_reused_nested_numeric_hessian_answers_as_a_fresh_one():
    """Bit-identical values and the same warnings, point after point; and close to the exact Hessian
    (W^T diag(v·tanh'') W + 0.2 I: the reference, independent of the method)."""
    for make in (
        lambda: dl.hessian(_tanh_mlp, method=(_C, _C)),
        lambda: dl.jacobian(dl.grad(_tanh_mlp, method=_R), method=_C),
    ):
        op = make()
        for x in _POINTS:
            (got, said), (want, fresh_said) = _run(op, x), _run(make(), x)
            assert np.array_equal(got, want) and said == fresh_said == []
            t = np.tanh(_W @ x)
            exact = _W.T @ np.diag(_V * -2 * t * (1 - t**2)) @ _W + 0.2 * np.eye(4)
            assert np.max(np.abs(got - exact)) < 1e-4


def test_a_reused_jacobian_of_a_numeric_gradient_of_a_relu_mlp_stays_quiet():
    """main: the reused operator warned "cannot resolve" at the 3rd and 4th points, a fresh one did not."""
    make = lambda: dl.jacobian(dl.grad(_relu_mlp, method=_C), method=_C)  # noqa: E731
    op = make()
    for x in _POINTS:
        (got, said), (want, fresh_said) = _run(op, x), _run(make(), x)
        assert said == fresh_said == [] and np.array_equal(got, want)
        assert np.max(np.abs(got)) < 1e-3  # piecewise linear: its Hessian is 0 away from the kinks
