"""dl.lax's array functions (difflab/lax_array.py, the cumulative ones in difflab/lax.py) against JAX 0.10.2 with
x64: values and gradients by all four methods, the integer arithmetic, clamped dynamic starts under vmap, and bad
input refused by name. The literals were computed in the session with JAX (named beside each); CI has no JAX."""

import numpy as np
import pytest

import difflab as dl
import difflab.lax as lax
import difflab.numpy as dnp
from difflab.errors import UnsupportedOperationError

X = np.array([[0.5, -1.25, 2.0, 0.75], [1.5, -0.25, -2.0, 1.0], [0.25, 3.0, -0.5, -1.75]])
W = np.array([[1.0, -2.0, 0.5, 3.0], [-1.5, 2.5, 1.0, -0.5], [2.0, 0.25, -1.0, 1.5]])
KEY = np.array([2.0, 1.0, 2.0, 1.0, 0.0])
ALL = ("reverse", "forward", "symbolic", "numeric")

#: name: (f, arguments, methods): the methods that must equal JAX's gradient (numeric cannot follow clamp's
#: convention at a tie, -0.5 and 1.0 in X)
CASES = {
    "dynamic_slice": (lambda x: lax.dynamic_slice(x, (5, -1), (2, 2)), (X,), ALL),
    "dynamic_update_slice": (
        lambda x, u: lax.dynamic_update_slice(x, u * x[0, 0], (-1, 3)),
        (X, np.array([[2.0, -3.0]])),
        ALL,
    ),
    "clamp_select": (
        lambda x: lax.clamp(-0.5, x, 1.0) + lax.select(x > 0.6, x * x, -x),
        (X,),
        ("reverse", "forward", "symbolic"),
    ),
    "pad": (lambda x, v: lax.pad(x, v, [(-1, 2, 1), (1, -2, 2)]), (X, 0.5), ALL),
    "dot_general": (
        lambda a, b: lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,)))),
        (X.reshape(2, 3, 2), W.reshape(2, 2, 3)),
        ALL,
    ),
    "sort": (
        lambda k, v: (lambda r: r[2] + r[1])(lax.sort((KEY, k, v), num_keys=2)),
        (np.array([0.5, 0.5, -1.0, 0.25, 3.0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])),
        ALL,
    ),
    "top_k": (lambda x: lax.top_k(x, 2)[0], (np.array([[1.0, 3.0, 2.0, 3.0], [0.5, -1.0, 4.0, 0.0]]),), ALL),
    "cumsum": (lambda x: lax.cumsum(x, 1, reverse=True), (X,), ALL),
    "cummax": (lambda x: lax.cummax(x), (np.array([1.0, 3.0, 2.0, 3.0, 0.5]),), ALL),
    "cumlogsumexp": (lambda x: lax.cumlogsumexp(x, axis=0, reverse=True), (X,), ALL),
    "integer_pow": (
        lambda x: lax.integer_pow(x, 3) + lax.rsqrt(x) + lax.integer_pow(x, -2),
        (np.abs(X) + 0.5,),
        ALL,
    ),
    "conv": (
        lambda x, w: lax.conv_general_dilated(
            x, w, (2, 1), "SAME", rhs_dilation=(1, 2), dimension_numbers=("NHWC", "HWIO", "NHWC")
        ),
        (X.reshape(1, 3, 2, 2), W.ravel()[:8].reshape(2, 2, 2, 1)),
        ("reverse", "forward"),
    ),
}

#: name: (value, gradients of sum(f · u), u = cos(1 + arange(size)) in f's shape) from JAX 0.10.2 x64, rounded to 13
#: decimals
JAX = {
    # jax.lax.dynamic_slice(x, (5, -1), (2, 2))
    "dynamic_slice": (
        [[-2.0, 1.0], [-0.5, -1.75]],
        (
            [
                [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.5403023058681, -0.4161468365471],
                [0.0, 0.0, -0.9899924966004, -0.6536436208636],
            ],
        ),
    ),
    # jax.lax.dynamic_update_slice(x, u * x[0, 0], (-1, 3))
    "dynamic_update_slice": (
        [[0.5, -1.25, 2.0, 0.75], [1.5, -0.25, -2.0, 1.0], [0.25, 3.0, 1.0, -1.5]],
        (
            [
                [-1.9824081743532, -0.4161468365471, -0.9899924966004, -0.6536436208636],
                [0.2836621854632, 0.9601702866504, 0.7539022543433, -0.1455000338086],
                [-0.9111302618847, -0.8390715290765, 0.0, 0.0],
            ],
            [[0.002212848994, 0.4219269793662]],
        ),
    ),
    # jax.lax.clamp(-0.5, x, 1.0) at ties + lax.select(x > 0.6, x * x, -x)
    "clamp_select": (
        [[0.0, 0.75, 5.0, 1.3125], [3.25, 0.0, 1.5, 2.0], [0.0, 10.0, 0.0, 1.25]],
        (
            [
                [0.0, 0.4161468365471, -3.9599699864018, -1.634109052159],
                [0.8509865563897, 0.0, -0.7539022543433, -0.2910000676172],
                [0.0, -5.0344291744587, -0.0044256979881, -0.8438539587325],
            ],
        ),
    ),
    # jax.lax.pad(x, v, [(-1, 2, 1), (1, -2, 2)])
    "pad": (
        [
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            [0.5, 1.5, 0.5, 0.5, -0.25, 0.5, 0.5, -2.0, 0.5],
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            [0.5, 0.25, 0.5, 0.5, 3.0, 0.5, 0.5, -0.5, 0.5],
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        ],
        (
            [
                [0.0, 0.0, 0.0, 0.0],
                [0.0044256979881, 0.1367372182078, -0.2751633380516, 0.0],
                [-0.748057529689, 0.8342233605065, -0.9036922050915, 0.0],
            ],
            -0.474556366777,
        ),
    ),
    # jax.lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,))))
    "dot_general": (
        [
            [[-3.25, 0.875, -2.875], [4.25, -5.125, 2.875], [0.75, -2.625, 0.125]],
            [[-1.75, 0.0, -2.5], [1.0, -3.125, 5.0], [-0.9375, 2.0, -3.625]],
        ],
        (
            [
                [
                    [0.8775997306622, -0.229854069076],
                    [-0.7408828484649, 0.0140015758402],
                    [0.5893371910182, 0.2021311590311],
                ],
                [
                    [0.8464235393945, 1.0515873578416],
                    [-0.6802976533714, -1.0494073921335],
                    [0.5005556051906, 1.0262235303369],
                ],
            ],
            [
                [
                    [0.0937172927218, 0.14100090194, 0.0586489321735],
                    [-1.3540861615687, 0.7693051932335, 2.1854009012095],
                ],
                [
                    [2.3838344936771, 0.1629145776017, -2.2077882498017],
                    [3.5591729058401, 0.8961731942018, -2.5907640192711],
                ],
            ],
        ),
    ),
    # jax.lax.sort((k1, k2, v), num_keys=2)[2] + [1]
    "sort": (
        [8.0, 4.25, 2.5, 2.0, 1.5],
        (
            [0.2836621854632, -0.9899924966004, -0.6536436208636, -0.4161468365471, 0.5403023058681],
            [0.2836621854632, -0.9899924966004, -0.6536436208636, -0.4161468365471, 0.5403023058681],
        ),
    ),
    # jax.lax.top_k(x, 2)[0]
    "top_k": (
        [[3.0, 3.0], [4.0, 0.5]],
        ([[0.0, 0.5403023058681, 0.0, -0.4161468365471], [-0.6536436208636, 0.0, -0.9899924966004, 0.0]],),
    ),
    # jax.lax.cumsum(x, 1, reverse=True)
    "cumsum": (
        [[2.0, 1.5, 2.75, 0.75], [0.25, -1.25, -1.0, 1.0], [1.0, 0.75, -2.25, -1.75]],
        (
            [
                [0.5403023058681, 0.124155469321, -0.8658370272794, -1.5194806481431],
                [0.2836621854632, 1.2438324721136, 1.9977347264569, 1.8522346926483],
                [-0.9111302618847, -1.7502017909611, -1.7457760929731, -0.9019221342406],
            ],
        ),
    ),
    # jax.lax.cummax(x)
    "cummax": ([1.0, 3.0, 3.0, 3.0, 3.0], ([0.5403023058681, -1.5911300508478, 0.0, -0.1849907177002, 0.0],)),
    # jax.lax.cumlogsumexp(x, axis=0, reverse=True)
    "cumlogsumexp": (
        [
            [2.0034288779846, 3.0516797393618, 2.0956743294144, 1.6112474319701],
            [1.7519290813454, 3.0380413716878, -0.2985867220172, 1.0619675890032],
            [0.25, 3.0, -0.5, -1.75],
        ],
        (
            [
                [0.1201450701579, -0.0056370362009, -0.8996655062271, -0.2762523746287],
                [0.5470787383702, 0.0205171150498, 0.1210530651147, -0.4914724946205],
                [-0.7543895790814, -0.3099281578222, 0.5469478968434, 0.8124351733095],
            ],
        ),
    ),
    # jax.lax.integer_pow(x, 3) + lax.rsqrt(x) + lax.integer_pow(x, -2)
    "integer_pow": (
        [
            [3.0, 6.4418345582634, 16.4174555320337, 3.4875521909999],
            [8.9571067811865, 3.354353316157, 16.4174555320337, 4.6359410253722],
            [3.354353316157, 43.4911551368861, 3.0, 12.2548225308642],
        ],
        (
            [
                [0.2701511529341, -3.5781730136837, -18.3104150254641, -2.1607687539442],
                [3.2828858154661, -3.6707704685369, 13.9438058501066, -0.8563028925747],
                [3.4832884383293, -30.7326665309974, 0.002212848994, 12.5428501954227],
            ],
        ),
    ),
    # jax.lax.conv_general_dilated(x, w, (2, 1), 'SAME', rhs_dilation=(1, 2), dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
    "conv": (
        [[[[0.75], [0.125]], [[-5.5], [-5.75]]]],
        (
            [
                [
                    [[-0.4161468365471, 0.8322936730943], [0.2701511529341, 1.6209069176044]],
                    [[0.6242202548207, -1.0403670913679], [0.5403023058681, -0.2701511529341]],
                    [[-0.6536436208636, 1.3072872417272], [-0.4949962483002, -2.9699774898013]],
                ]
            ],
            [
                [[[-0.3714843234895], [-1.4407473169069]], [[1.5756008600365], [2.1377135984519]]],
                [[[-0.6242202548207], [0.1040367091368]], [[-1.0806046117363], [0.5403023058681]]],
            ],
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_by_every_method_are_jaxs(name):
    f, args, methods = CASES[name]
    value, grads = JAX[name]
    y = f(*args)
    np.testing.assert_allclose(y, value, rtol=0, atol=1e-12)
    u = np.cos(np.arange(np.size(y)).reshape(np.shape(y)) + 1.0)
    for method in methods:
        got = dl.grad(lambda *a: dnp.sum(f(*a) * u), argnums=tuple(range(len(args))), method=method)(*args)
        for g, want in zip(got, grads):
            np.testing.assert_allclose(g, want, rtol=0, atol=1e-6 if method == "numeric" else 1e-11, err_msg=method)


def test_integer_division_rounds_toward_zero_and_round_breaks_ties_as_jaxs():
    a, b = np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2])
    assert lax.div(a, b).tolist() == [3, -3, -3, 3]  # jax.lax.div(a, b)
    assert lax.div(a, b).dtype == np.int64
    assert lax.rem(a, b).tolist() == [1, -1, 1, -1]  # jax.lax.rem(a, b)
    assert lax.rem(np.array([5.5, -5.5]), 2.0).tolist() == [1.5, -1.5]
    ties = np.array([0.5, 1.5, 2.5, -2.5, 0.49999999999999994])
    assert lax.round(ties).tolist() == [1.0, 2.0, 3.0, -3.0, 0.0]  # jax.lax.round(ties)
    assert lax.round(ties[:4], lax.RoundingMethod.TO_NEAREST_EVEN).tolist() == [0.0, 2.0, 2.0, -2.0]


def test_top_k_indices_and_batched_dynamic_starts_clamp_as_jaxs():
    _, indices = lax.top_k(np.array([[1.0, 3.0, 2.0, 3.0], [0.5, -1.0, 4.0, 0.0]]), 2)
    assert indices.tolist() == [[1, 3], [2, 0]] and indices.dtype == np.int32  # jax.lax.top_k(x, 2)[1]
    # jax.vmap(lambda s: jax.lax.dynamic_slice_in_dim(X[0], s, 2))(np.array([0, 3, -1, 9]))
    got = dl.vmap(lambda s: lax.dynamic_slice_in_dim(X[0], s, 2))(np.array([0, 3, -1, 9]))
    assert got.tolist() == [[0.5, -1.25], [2.0, 0.75], [2.0, 0.75], [2.0, 0.75]]
    assert lax.exp is dnp.exp and lax.atan2 is dnp.arctan2  # (difflab.numpy's own functions under JAX's names)


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match=r"dynamic_slice: 1 start indices for an operand of 2 dimensions"):
        lax.dynamic_slice(X, (0,), (1, 1))
    with pytest.raises(TypeError, match=r"dot_general: the paired dimensions"):
        lax.dot_general(X, W, (((1,), (0,)), ((), ())))
    with pytest.raises(ValueError, match=r"pad: a dimension would be negative after padding"):
        lax.pad(X, 0.0, [(-2, -2, 0), (0, 0, 0)])
    with pytest.raises(UnsupportedOperationError, match=r"reduce: computation '<lambda>' is not supported"):
        lax.reduce(X, 0.0, lambda a, b: a * b + 1.0, (0,))
    assert lax.reduce(X, 1.0, lax.max, (0,)).tolist() == [1.5, 3.0, 2.0, 1.0]
    with pytest.raises(UnsupportedOperationError, match=r"reduce_precision to exponent_bits=8, mantissa_bits=23"):
        lax.reduce_precision(X, 8, 23)


def test_bad_operands_and_configs_are_named():
    # (were IndexError "list assignment index out of range", "'int' object is not iterable", "unhashable type")
    with pytest.raises(
        ValueError, match=r"dynamic_index_in_dim: the operand must have at least one axis, got shape \(\)"
    ):
        dl.lax.dynamic_index_in_dim(np.float64(2.0), 0)
    with pytest.raises(ValueError, match=r"dynamic_slice_in_dim: the operand must have at least one axis"):
        dl.lax.dynamic_slice_in_dim(3.0, 0, 1)
    with pytest.raises(ValueError, match=r"pad: padding_config needs one \(low, high, interior\) per axis .* \[1, 1\]"):
        dl.lax.pad(np.ones(2), 0.0, [1, 1])
    with pytest.raises(TypeError, match=r"reduce: computation must be a function .* got ndarray"):
        dl.lax.reduce(np.ones(2), 0.0, np.ones(2), (0,))
    assert not hasattr(dl.lax, "flatten") and not hasattr(dl.lax, "Traced")  # (difflab's own names, not JAX's lax)
