"""difflab.numpy's own nonzero and argwhere (issue 11, after mask49): `dnp.nonzero(m)`, `dnp.argwhere(m)`, `dnp.where(m)`
with the condition alone, `np.transpose(np.nonzero(m))` and `np.argwhere(m).ravel()` were read on the mask's values (so
dl.prepare refused them, and np.where(m) was one equation of where whose replay broke where the count changed) though
np.nonzero(m) and np.argwhere(m) were recorded: now each is the trace's own (difflab.trace.nonzero_of, one path for
every spelling), so prepared at P1 and called at P2, where every mask differs, each method agrees with JAX x64
(jax.value_and_grad of the same functions written with jnp.where over the masks, /tmp/mdnp49/jaxref.py;
argwhere_rows and nonzero_writes are test_mask49's functions in these spellings, its values) and with NumPy's own value bit for bit."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.trace import Tracer
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])  # (P2[1] - 0.2 and P2[3] - 0.9 are 0: nonzero of floats drops them)


def argwhere_rows(x):
    M = np.outer(x[:2], x)
    return (M[tuple(dnp.argwhere(M > 0.1).T)] ** 2).sum() + np.sin(x[np.argwhere(x > 0).ravel()]).sum()


def nonzero_pairs(x):
    M = np.outer(x[:2], x)
    rows, cols = dnp.nonzero(M > 0.1)
    C = np.column_stack(np.nonzero(M < -0.1))  # (np.argwhere(M < -0.1))
    return np.exp(M[rows, cols]).sum() + np.sin(M[C[:, 0], C[:, 1]]).sum()


def nonzero_writes(x):
    z = x * 1.0
    z[dnp.where(x < 0)] = 0.0
    M = np.outer(x[:2], x)
    rows, cols = (M < 0).nonzero()
    M[rows, cols] = np.exp(M[rows, cols])
    M[tuple(np.transpose(np.nonzero(M > 1)).T)] *= 3.0
    return (z**2).sum() + (M**2).sum()


def truth(x):
    M = np.outer(x[:2], x)
    return (
        np.sin(x[dnp.flatnonzero(x - 0.2)]).sum()
        + (x[np.where(x > 0.5)] ** 2).sum()
        + np.cos(x[dnp.nonzero(x - 0.9)[0]]).sum()
        + np.tanh(M[tuple(dnp.transpose(dnp.nonzero(M > 0.1)).T)]).sum()
    )


# {f: [(value, gradient) at P1, at P2]} by jax.value_and_grad in x64 (the jnp.where spellings in the docstring)
JAX = {
    argwhere_rows: [
        (4.557135320724712, [3.6493364891256057, -7.295999999999999, -0.05614683654714242, 0.8908421872844885, -1.152]),
        (20.96898763084619, [30.76073720166771, 5.040066577841243, 0.0, 4.743609968270665, 9.487498882744655]),
    ],
    nonzero_pairs: [
        (
            6.6482001051755875,
            [1.864536411582148, -11.222125080455697, 1.431508098766647, -0.43085197302254674, -1.641446691875312],
        ),
        (
            45.47247695038732,
            [91.85250550447483, 8.543027930262578, 1.3506706535290154, 6.025581768669824, 40.97949982468911],
        ),
    ],
    nonzero_writes: [
        (
            25.83973609607493,
            [0.4362868825388938, -61.71405473819678, 4.340248607082352, 1.078702457505416, -0.6800232833600679],
        ),
        (169.61609009645778, [277.04605820415566, 3.959847737969706, 1.5744771539086604, 38.322, 93.67600000000002]),
    ],
    truth: [
        (
            9.688985884971487,
            [2.7529872152315287, 0.4909196905815274, 2.8880290654033423, 1.807773960443719, 0.3494393679369735],
        ),
        (
            15.635150142700603,
            [2.794058255894062, 5.241776244639272, 1.2508566957869456, 2.9693136840562713, 3.176922180258443],
        ),
    ],
}
METHODS = ("symbolic", "numeric", "forward", "reverse")


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_masks_differ(method):
    check_prepared_where_masks_differ(JAX, P1, P2, method)


def test_every_spelling_is_the_traces_own_with_numpys_values():
    """Each spelling of nonzero and argwhere on a traced array gives NumPy's arrays (values, dtype, order), recorded
    (a traced array, not NumPy's: the trace is not specialised to the mask)."""
    seen = {}
    M2 = np.outer(P2[:2], P2)

    def f(x):
        M = np.outer(x[:2], x)
        for name, got in {
            "dnp.nonzero": dnp.nonzero(M > 0.1),
            "dnp.where": dnp.where(M > 0.1),
            "np.where": np.where(M > 0.1),
            "method": (M > 0.1).nonzero(),
        }.items():
            seen[name] = (got, np.nonzero(M2 > 0.1))
        for name, got in {
            "dnp.argwhere": dnp.argwhere(M > 0.1),
            "np.transpose(np.nonzero)": np.transpose(np.nonzero(M > 0.1)),
            "dnp.transpose(dnp.nonzero)": dnp.transpose(dnp.nonzero(M > 0.1)),
            "np.stack(np.nonzero, axis=1)": np.stack(np.nonzero(M > 0.1), axis=1),
            "np.column_stack(np.nonzero)": np.column_stack(np.nonzero(M > 0.1)),
        }.items():
            seen[name] = ((got,), (np.argwhere(M2 > 0.1),))
        seen["dnp.nonzero of floats"] = (dnp.nonzero(x - 0.2), np.nonzero(P2 - 0.2))
        seen["dnp.flatnonzero"] = ((dnp.flatnonzero(M - 0.3),), (np.flatnonzero(M2 - 0.3),))
        seen["np.argwhere(m).ravel()"] = ((np.argwhere(x > 0).ravel(),), (np.argwhere(P2 > 0).ravel(),))
        seen["np.transpose(np.nonzero(m), (0, 1))"] = (
            (np.transpose(np.nonzero(M > 0.1), (0, 1)),),
            (np.transpose(np.nonzero(M2 > 0.1), (0, 1)),),
        )
        return x.sum()

    assert not dl.trace(f, P2).specialised  # (none read the mask's values: dnp.nonzero's, dnp.argwhere's were)
    for name, (got, want) in seen.items():
        assert isinstance(got, tuple) and len(got) == len(want), name
        for g, w in zip(got, want):
            assert isinstance(g, Tracer), name  # (recorded, not NumPy's array)
            np.testing.assert_array_equal(np.asarray(g.value), w, err_msg=name)
            assert np.asarray(g.value).dtype == w.dtype and g.shape == w.shape, name
