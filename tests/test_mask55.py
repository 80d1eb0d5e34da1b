"""Data-dependent reads left after mask50 (issue 11). Iterating over a masked read, `for v in x[m]`,
`sum(v**2 for v in x[m])`, `[f(v) for v in M[rows]]`, specialised the trace (dl.prepare refused it): its items are now
recomputed from the mask at each call (the i-th, x at m's (i+1)-th selected position: trace._masked_items) and their
number guarded as len(x[m]) is (traced again where the count differs). A mask's count spelled through numbers,
`m.astype(int).sum()`, `m.sum(dtype=int)` (refused: "would drop the derivative"), `int(np.sum(m.astype(float)))`
(refused as a conversion), used as a Python int (range bound, divisor), is a count guarded the same way. A write by
`np.argwhere(m)` of a 1-d mask (NumPy's index of shape (count, 1)), `z[np.argwhere(m)] = v`, `*= 2`, `= np.sin(x[np.argwhere(m)])`,
and by its transpose, specialised the trace: it is y[:, None] updated by m, replayed where m changes. Prepared at P1
and called at P2 (every mask and count differs) and at P3 (every mask differs, every count is P1's), each method
agrees with JAX x64 (jax.value_and_grad of the same functions written with jnp.where over the masks and jnp.cumsum
for an item's rank, /tmp/m55/jaxref.py) and with NumPy's own value bit for bit."""

import numpy as np
import pytest

import difflab as dl
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
P3 = np.array([0.9, 0.3, -0.6, 1.7, -0.2])  # (P1's counts: x > 0 3, x < 0.5 3, x > 0.5 2, M's rows 2; other masks)
METHODS = ("symbolic", "numeric", "forward", "reverse")


def iterated(x):
    s = 0.0
    for v in x[x > 0]:
        s = s + v * v
    M = np.outer(x[:3], x)
    return (
        s
        + sum(np.sin(v) * i for i, v in enumerate(x[x < 0.5]))
        + sum([np.exp(r).sum() * r[0] for r in M[M[:, 0] > 0]])  # (rows of a row mask)
    )


def counts_as_numbers(x):
    m, n = x > 0, x > 0.5
    return sum(x[j] ** 2 for j in range(m.astype(int).sum())) / m.sum(dtype=int) + np.cos(
        x[: int(np.sum(n.astype(float)))]
    ).sum() * int(n.astype(float).sum())


# {f: [(value, gradient) at P1, at P2, at P3]} by jax.value_and_grad in x64 (/tmp/m55/jaxref.py)
JAX = {
    iterated: [
        (
            39.99454477170276,
            [128.61582507437527, 0.4900565592278865, 155.24742149488108, 6.299549267832441, 2.4052635967377993],
        ),
        (
            104.97108370798453,
            [337.87142872198774, 16.074921921597767, 3.163837372864146, 14.890644207889599, 95.99831879033107],
        ),
        (
            12.177759183128163,
            [30.46583969062081, 7.890559486432828, 1.3178159780146297, 6.901539490247158, 2.645328067021625],
        ),
    ],
    counts_as_numbers: [
        (4.478721820537893, [-0.39104041332267914, 1.0640781719344528, 1.3333333333333333, 0.0, 0.0]),
        (6.815920805903652, [-2.2424849598121632, -0.49600799238518367, 0.7365606199840186, 0.45, 0.0]),
        (3.5738929147925407, [-0.9666538192549669, -0.39104041332267914, -0.39999999999999997, 0.0, 0.0]),
    ],
}


def written(x):
    z = x**2
    z[np.argwhere(x > 0)] = 1.5
    y = x * 1.0
    y[np.argwhere(x < 0.5)] *= 3.0  # (y[a] read as stack([y], axis=1)[m], so an elementwise function of the read)
    w, m = x * 1.0, x > 0.5
    w[np.argwhere(m)] = np.sin(x[np.argwhere(m)])
    Z = np.outer(x, x[:2])
    Z[np.argwhere(x > 0)] = x[:2] * 2  # (rows: (count, 1, 2), a row broadcast)
    u = x * 1.0
    u[np.argwhere(x > 0).T] += x[0]  # ((1, count))
    v = x * 1.0
    v[np.nonzero(x < 0)] = np.cos(x[x < 0])  # (recorded on main too: y[m])
    q = x * 1.0
    q[x > 1] += x[1]
    return (z * x).sum() + (y**2).sum() + (w**2).sum() + (Z**2).sum() + (u**2).sum() + (v**3).sum() + (q**2).sum()


JAX_WRITES = {  # (at P1, at P2: jnp.where(m, new, old) for each write, /tmp/m55/jaxref.py)
    written: [
        (66.41680213487697, [25.53, -58.82486101799571, 22.943197504692073, 8.75544972998846, -9.352906928793093]),
        (112.13326858954784, [90.66112000805988, 24.056, -7.494864662783383, 13.303847630878197, 31.668397926110494]),
    ]
}


@pytest.mark.parametrize("method", METHODS)
def test_writes_by_argwhere(method):
    """Each write prepared at P1, called at P2 (every mask differs): JAX's values and gradients, NumPy's value."""
    check_prepared_where_masks_differ(JAX_WRITES, P1, P2, method)


@pytest.mark.parametrize("method", METHODS)
def test_iteration_and_counts_as_numbers_are_guarded(method):
    """Prepared at P1: at P2 (other counts: traced again there) and at P3 (the counts the same: the trace reused,
    its items recomputed from P3's masks) JAX's values and gradients; a fresh gradient at P2 too."""
    check_prepared_where_masks_differ({f: want[:2] for f, want in JAX.items()}, P1, P2, method)
    check_prepared_where_masks_differ({f: want[::2] for f, want in JAX.items()}, P1, P3, method, fresh=False)
    for f in JAX:
        staged = dl.prepare(f, P1, method=method).staged
        assert staged.holds([P3]) and not staged.holds([P2]), f.__name__  # (reused where the counts are P1's)


def test_vmap_of_an_iteration_is_each_rows():
    """vmap cannot check a guard per row: iteration over a masked read and the counts through numbers (in f, its
    Hessian, the prepared f's gradient and the prepared f inside another function) answer each row alone, never the
    first row's count for every row (refused by name until mask56); vmap inside a derivative, jacobian(vmap(p)), is
    each row's (JAX's)."""
    X = np.stack([P1, P2])
    for f, want in JAX.items():
        p = dl.prepare(f, P1)
        for g, k, c in ((f, 0, 1.0), (p.grad, 1, 1.0), (lambda x: p(x) * 2.0, 0, 2.0)):
            np.testing.assert_allclose(dl.vmap(g)(X), [c * np.array(want[0][k]), c * np.array(want[1][k])], rtol=1e-12)
        H = dl.vmap(dl.hessian(f))(X)
        np.testing.assert_allclose(H, [dl.hessian(f)(P1), dl.hessian(f)(P2)], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dl.jacobian(dl.vmap(p))(X), [[want[0][1], [0.0] * 5], [[0.0] * 5, want[1][1]]])


def test_np_array_of_nonzero_stays_refused_naming_the_spellings():
    """np.array / np.asarray of np.nonzero(m) build a new NumPy array of the indices' values: NumPy's array of a
    tuple is a base ndarray whatever its items' __array__ return (an ndarray subclass too, subok=True: measured on
    NumPy 2.4), and np.array takes no dispatch, so nothing can record it. prepare's refusal names both and the
    spellings that are prepared (np.transpose(np.nonzero(m)) is np.argwhere(m), prepared)."""
    for spelling in (np.array, np.asarray):
        with pytest.raises(ValueError, match=r"np\.asarray\(np\.nonzero\(m\)\).*np\.transpose\(np\.nonzero\(m\)\)"):
            dl.prepare(lambda x: np.sin(x[tuple(spelling(np.nonzero(x > 0)))]).sum(), P1)
    p = dl.prepare(lambda x: np.sin(x[np.transpose(np.nonzero(x > 0))]).sum(), P1)
    assert p(P2) == np.sin(P2[np.transpose(np.nonzero(P2 > 0))]).sum()
    np.testing.assert_allclose(p.grad(P2), np.where(P2 > 0, np.cos(P2), 0.0), rtol=1e-15)
