"""JAX's keywords of `jax.checkpoint` on dl.checkpoint (round 22 of user code met them as Python's "unexpected keyword
argument"): `prevent_cse` taken (it changes nothing here: no pass merges the recomputation with the stored forward
pass), `policy` refused by name unless None (difflab's checkpoint stores f's inputs and output only)."""

import functools

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp


def _layer(x):
    return dnp.tanh(x) * 2.0


@pytest.mark.parametrize("prevent_cse", [True, False])
def test_prevent_cse_is_taken_and_the_gradient_is_the_uncheckpointed_ones(prevent_cse):
    layer = functools.partial(dl.checkpoint, prevent_cse=prevent_cse)(_layer)  # (JAX's decorator spelling)
    x = np.array([0.3, -0.7, 1.1])
    for method in ("reverse", "forward"):
        got = dl.grad(lambda x: dnp.sum(layer(layer(x))), method=method)(x)
        want = dl.grad(lambda x: dnp.sum(_layer(_layer(x))), method="reverse")(x)
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_a_policy_is_refused_by_name():
    def everything_saveable(*args, **kwargs):
        return True

    with pytest.raises(TypeError, match="policy=everything_saveable is not supported.*policy=None"):
        dl.checkpoint(_layer, policy=everything_saveable)
    assert dl.checkpoint(_layer, policy=None)(0.5) == _layer(0.5)
