"""Data-dependent reads under dl.prepare (issue 11): `x[np.argmax(x)]`, `x[np.argmin(x)]`, a column's argmax taken
along an axis, `w[np.searchsorted(edges, x)]` (histogram-like binning), `x[np.argsort(x)[-k:]]` (top k) are recorded
as gathers whose integer indices are registry ops (argmax, argmin, searchsorted, argsort) recomputed at each call:
prepared at one point, called where the picked positions and bins differ, every method agrees with JAX x64
(values stored below), first and second derivatives, the compiled tier with the interpreters; fresh results equal
NumPy's own indexing bit for bit. A masked read summed over its count (`x[x > 0].sum()`, `X[rows].sum(axis=0)`,
`x[np.nonzero(x > 0)].sum()`) is recorded as masked_sum(h(x), m), NumPy's sum of the selected elements: prepared the
same way; the count of nonzero's index arrays read by Python code (len) still specialises the trace, by name."""

import numpy as np
import pytest

import difflab as dl

E = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])


def argmax_pick(x):
    return np.sin(x)[np.argmax(x)] * x[np.argmin(x)] + x[x.argmax()] ** 2


def topk(x):
    return (x[np.argsort(x)[-2:]] ** 3).sum()


def binning(x):
    w = np.concatenate([np.cos(x[:3]), x[:3] ** 2])  # (a traced weight per bin: six bins of five edges)
    return (w[np.searchsorted(E, x)] * x).sum() + x[np.searchsorted(E, x, side="right") % 5].sum()


def columns(x):
    X = np.outer(x, x[:3])
    return (np.take_along_axis(X, np.argmax(X, axis=0, keepdims=True), 0) ** 2).sum() + X.ravel()[np.argmin(X)]


P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])  # (argmax, argmin, the top two and every bin but one differ from P1's)

# {name: (f, [(value, gradient, Hessian's diagonal) at P1, at P2])} from JAX x64: jax.value_and_grad and jax.hessian
# of the same functions written with jnp (jnp.argmax, jnp.searchsorted, jnp.argsort, jnp.take_along_axis)
JAX = {
    "argmax_pick": (
        argmax_pick,
        [
            (
                2.908843087809182,
                [0.0, 0.9092974268256817, 4.4993762038565706, 0.0, 0.0],
                [0.0, 0.0, 3.091156912190818, 0.0, 0.0],
            ),
            (
                4.597451078854124,
                [0.0, 0.0, 0.8084964038195901, 0.0, 4.576550335176604],
                [0.0, 0.0, 0.0, 0.0, 2.242548921145877],
            ),
        ],
    ),
    "topk": (
        topk,
        [
            (8.343, [0.0, 0.0, 12.0, 1.4699999999999998, 0.0], [0.0, 0.0, 12.0, 4.199999999999999, 0.0]),
            (14.023000000000003, [6.75, 0.0, 0.0, 0.0, 14.520000000000003], [9.0, 0.0, 0.0, 0.0, 13.200000000000001]),
        ],
    ),
    "binning": (
        binning,
        [
            (
                3.6268090602944603,
                [2.358477411446465, -3.2174791452612848, 2.1672107719522953, 1.09, 0.3623577544766736],
                [2.546403786950727, 4.14494310179067, 0.12484405096414272, 0.0, 0.0],
            ),
            (
                6.680047324472749,
                [3.74, 2.614937288364125, 0.7191706191735094, 3.25, 1.09],
                [1.8, 3.2940199733523725, 4.208932702174879, 0.0, 0.0],
            ),
        ],
    ),
    "columns": (
        columns,
        [
            (16.0336, [2.4, -4.912, 31.16, 0.0, 0.0], [8.0, 17.28, 48.18, 0.0, 0.0]),
            (
                10.431700000000003,
                [14.520000000000003, 1.9360000000000004, 2.0920000000000005, 0.0, 9.776],
                [9.680000000000001, 9.680000000000001, 1.08, 0.0, 4.58],
            ),
        ],
    ),
}


def nz_sum(x):
    return (x[np.nonzero(x > 0)] ** 2).sum()


def nz_outer(x):
    X = np.outer(x, x)
    return np.sum(X[np.nonzero(X > 0.5)])


def masked_log(x):
    return np.exp(x[(x < 1).nonzero()]).sum() + (np.log(x[x > 0]) * 2).sum()  # (log never taken at x <= 0)


def rows(x):
    return (np.outer(x, x[:2])[x > 0.5].sum(axis=0) ** 2).sum()


# from JAX x64, written with jnp.where(m, h(x), 0).sum(axis) (masked_log: log(where(x > 0, x, 1)))
JAX.update(
    {
        "nz_sum": (
            nz_sum,
            [
                (4.58, [0.6, -0.0, 4.0, 1.4, -0.0], [2.0, 0.0, 2.0, 2.0, 0.0]),
                (7.940000000000001, [3.0, 0.4, -0.0, 1.8, 4.4], [2.0, 2.0, 0.0, 2.0, 2.0]),
            ],
        ),
        "nz_outer": (
            nz_outer,
            [
                (9.440000000000001, [4.0, -2.4, 6.0, 4.0, 0.0], [0.0, 2.0, 2.0, 0.0, 0.0]),
                (21.16, [9.2, 0.0, 0.0, 9.2, 9.2], [2.0, 0.0, 0.0, 2.0, 2.0]),
            ],
        ),
        "masked_log": (
            masked_log,
            [
                (
                    2.6001246375848748,
                    [8.01652547424267, 0.30119421191220214, 1.0, 4.870895564613334, 0.6703200460356392],
                    [-20.87236341464622, 0.30119421191220214, -0.5, -2.067879945590749, 0.6703200460356392],
                ),
                (
                    3.3800721707598536,
                    [1.3333333333333333, 11.22140275816017, 0.7408182206817179, 4.681825333379172, 0.9090909090909091],
                    [
                        -0.8888888888888888,
                        -48.778597241839826,
                        0.7408182206817179,
                        -0.009532691312185815,
                        -0.4132231404958677,
                    ],
                ),
            ],
        ),
        "rows": (
            rows,
            [
                (
                    11.153699999999999,
                    [4.374, -17.496, 8.261999999999999, 8.261999999999999, 0.0],
                    [14.58, 14.58, 3.06, 3.06, 0.0],
                ),
                (
                    48.45640000000001,
                    [84.548, 8.464000000000002, 0.0, 21.068, 21.068],
                    [102.1, 42.31999999999999, 0.0, 4.58, 4.58],
                ),
            ],
        ),
    }
)
METHODS = ("symbolic", "numeric", "forward", "reverse")


def _tol(method, order=1):
    if method != "numeric":
        return {"rtol": 1e-12, "atol": 1e-12}
    return {"rtol": 1e-6, "atol": 1e-6} if order == 1 else {"rtol": 1e-4, "atol": 1e-4}


@pytest.mark.parametrize("method", METHODS)
def test_prepared_at_one_point_called_where_the_picks_differ(method):
    for case, (f, want) in JAX.items():
        p = dl.prepare(f, P1, method=method)  # (argmax's, searchsorted's were refused: specialised to P1's indices)
        for x, (value, grad, hess) in ((P2, want[1]), (P1, want[0])):
            cell = f"{case} {method}"
            for _ in range(3 if method == "reverse" else 1):  # (reverse lowers its sweeps from the second call on)
                got = p.value_and_grad(x)
            np.testing.assert_allclose(got[0], value, rtol=1e-12, err_msg=cell)
            np.testing.assert_allclose(got[1], grad, **_tol(method), err_msg=cell)
            if method != "symbolic" or case in ("argmax_pick", "nz_sum"):  # (SymPy's Hessians: two, kept cheap)
                np.testing.assert_allclose(np.diagonal(p.hessian(x)), hess, **_tol(method, 2), err_msg=cell)


def test_a_prepared_gradient_and_its_jacobian():
    for case, (f, want) in JAX.items():
        q = dl.prepare(dl.grad(f, method="forward"), P1, method="reverse")
        np.testing.assert_allclose(q(P2), want[1][1], rtol=1e-12, atol=1e-12, err_msg=case)
        np.testing.assert_allclose(np.diagonal(q.jacobian(P2)), want[1][2], rtol=1e-12, atol=1e-12, err_msg=case)


def test_compiled_tier_equals_the_interpreters():
    for case in ("argmax_pick", "binning", "masked_log", "rows"):
        f = JAX[case][0]
        for name in ("reverse", "forward"):
            spec = dl.get_method(name)
            spec.compiled = False
            slow, fast = dl.prepare(f, P1, method=spec), dl.prepare(f, P1, method=name)
            for _ in range(3):
                got = fast.jacobian(P2)
            np.testing.assert_allclose(got, slow.jacobian(P2), rtol=1e-12, atol=1e-14, err_msg=f"{case} {name}")


def test_fresh_values_are_numpys_own():
    # NumPy's indexing and indices, bit for bit: the value of a fresh trace, and the index ops on NaN and ties
    for case, (f, _) in JAX.items():
        for x in (P1, P2):
            assert dl.value_and_grad(f)(x)[0] == f(x), case
    x = np.array([1.0, np.nan, 3.0, 3.0, np.nan])  # (NumPy's argmax and argmin pick the first NaN; ties the first)
    for fn in (np.argmax, np.argmin):
        for v in (x, np.array([3.0, 1.0, 3.0, 1.0])):
            np.testing.assert_array_equal(dl.vmap(fn)(np.stack([v, v[::-1]])), [fn(v), fn(v[::-1])])
            p = dl.prepare(lambda v: v[fn(v)] * v[0], v[::-1] + 0.5)  # (prepared where the pick is elsewhere)
            np.testing.assert_array_equal(p(v), v[fn(v)] * v[0])  # (NaN where NumPy picks a NaN)
    got = dl.vmap(lambda v: np.searchsorted(E, v, side="right"))(np.array([[0.5, np.nan], [-3.0, 2.0]]))
    np.testing.assert_array_equal(
        got, [np.searchsorted(E, [0.5, np.nan], "right"), np.searchsorted(E, [-3.0, 2.0], "right")]
    )


def test_the_index_ops_nest_and_vmap():
    # vmap over rows: each row's own argmax and bin (the batch rules); the symbolic method's named index functions
    X = np.stack([P1, P2])
    got = dl.vmap(lambda x: x[np.argmax(x)] * x[np.searchsorted(E, x[0]) % 5])(X)
    np.testing.assert_array_equal(got, [2.0 * P1[np.searchsorted(E, 0.3) % 5], 2.2 * P2[np.searchsorted(E, 1.5) % 5]])
    g = dl.prepare(argmax_pick, P1, method="symbolic").grad(P2)
    np.testing.assert_allclose(g, JAX["argmax_pick"][1][1][1], rtol=1e-12, atol=1e-12)


def test_masked_sums_are_numpys_own_and_a_count_read_is_guarded():
    # NumPy's sum of the selected elements (pairwise over 300 of them), not a sum with zeros between: bit for bit
    x = np.random.default_rng(46).normal(size=300)
    for f in (lambda x: np.sin(x[x > 0.1]).sum(), lambda x: np.cos(x[np.nonzero(x < 0.2)]).sum()):
        assert dl.value_and_grad(f)(x)[0] == f(x)
        assert dl.prepare(f, np.abs(x))(x) == f(x)

    def counted(x):
        return len(np.nonzero(x > 0)[0]) * x.sum()  # (the count read by Python: a number the graph cannot recompute)

    # (guarded since mask50: prepared, traced again where the count differs; tests/test_mask50.py)
    np.testing.assert_allclose(dl.prepare(counted, P1).grad(P2), [4.0] * 5)  # (P1's count 3)
    np.testing.assert_allclose(dl.grad(counted)(P2), [4.0] * 5)  # (fresh: the count at P2)
