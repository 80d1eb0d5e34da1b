"""Data-dependent reads left after mask49 (issue 11): a count read by Python, `len(x[m])`, `len(np.nonzero(m)[0])`,
`x[m].size`, `x[m].shape[0]`, and a traced count used as a Python int, `range(np.count_nonzero(m))`, `int(m.sum())`,
specialised the trace (dl.prepare refused them). Python's len() must return an int, so the count is the traced
point's; the trace now holds a guard on it (trace.Trace.guards, checked as a numeric derivative's decisions are:
Staged.check), so a prepared function reuses its trace wherever the counts are the same and traces again where one
differs. Prepared at P1 and called at P2 (every mask and count differs) and at P3 (every mask differs, every count is
P1's), each method agrees with JAX x64 (jax.value_and_grad of the same functions written with jnp.where over the masks
and jnp.sum(m) for the counts, /tmp/m50/jaxref.py) and with NumPy's own value bit for bit."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
P3 = np.array([0.9, 0.3, -0.6, 1.7, -0.2])  # (P1's counts: x > 0 3, x < 0 2, x > 0.5 2; other masks)
METHODS = ("symbolic", "numeric", "forward", "reverse")


def mean_over_mask(x):
    m, n = x > 0, x < 0
    return (
        np.sum(x[m] ** 2) / len(x[m])
        + np.sin(x[m]).sum() / x[m].size
        + np.sum(x[n]) / len(np.nonzero(n)[0])
        + np.exp(x[x > 0.5]).sum() * x[x > 0.5].shape[0]
    )


def count_as_int(x):
    k, s = np.count_nonzero(x > 0), (x > 0.5).sum()
    return sum(x[j] ** 2 for j in range(k)) / k + np.cos(x[: int(s)]).sum() * (s - 1)


# {f: [(value, gradient) at P1, at P2, at P3]} by jax.value_and_grad in x64 (the jnp.where spellings in the docstring)
JAX = {
    mean_over_mask: [
        (20.14862938637716, [0.518445496375202, 0.5, 15.972729919012254, 4.749119477369116, 0.5]),
        (50.28091395049895, [14.21275151143112, 0.34501664446031044, 1.0, 7.984211825538516, 28.02791521898853]),
        (17.42060498134873, [5.726409545070787, 0.518445496375202, 0.5, 12.038279952022558, 0.5]),
    ],
    count_as_int: [
        (3.161027576935613, [-0.09552020666133956, 0.13203908596722636, 1.3333333333333333, 0.0, 0.0]),
        (4.809780537269101, [-1.244989973208109, -0.29733866159012246, 0.44104041332267907, 0.45, 0.0]),
        (1.9969464573962703, [-0.18332690962748344, -0.09552020666133956, -0.39999999999999997, 0.0, 0.0]),
    ],
}


def argwhere_index(x):
    M = np.outer(x[:2], x)
    return (
        np.sin(x[np.argwhere(x > 0)]).sum()  # ((count, 1): NumPy's index of two axes)
        + (np.outer(x, x[:2])[np.argwhere(M > 0.1)] ** 2).sum()  # ((count, 2, 2): each coordinate's row)
        + np.cos(x[np.argwhere(x < 0.5)[:, 0]]).sum()
    )


def nonzero_stacks(x):
    M = np.outer(x[:2], x)
    i = np.vstack(np.nonzero(M > 0.1)).T
    j = dnp.array(np.nonzero(M < -0.1)).T  # (NumPy's np.array cannot be recorded: test_np_array_of_nonzero...)
    k = np.stack(np.nonzero(x > 0.5), axis=1)
    return (
        np.exp(M[i[:, 0], i[:, 1]]).sum()
        + np.sin(M[tuple(j.T)]).sum()
        + (x[k] ** 2).sum()
        + np.cos(x[np.vstack(np.nonzero(x > 0.5)).T]).sum()
    )


def masked_means(x):  # (NumPy's mean of a masked read: its sum over the count, no count read by Python: no guard)
    return (
        np.mean(x[x > 0])
        + np.sin(x[x < 0.5]).mean() * 3
        + (np.outer(x, x[:3])[x > 0].mean(axis=0) ** 2).sum()
        + np.outer(x, x)[np.outer(x, x) > 0.1].mean()
    )


# {f: [(value, gradient) at P1, at P2]} by jax.value_and_grad in x64 (jnp.where over the masks, /tmp/m50/jaxref.py)
JAX_READS = {
    masked_means: [
        (6.4598961117187965, [6.025336489125605, -2.304308912189993, 8.52, 4.52, 0.6543943273362185]),
        (
            6.015257019533916,
            [6.638000000000001, 4.337433200095196, 0.5690047336884091, 2.3180000000000005, 2.3180000000000005],
        ),
    ],
    argwhere_index: [
        (
            18.087290558329876,
            [7.985816282464266, -32.04396091403277, 5.703853163452858, 2.9068421872844885, -0.8345816576913494],
        ),
        (
            61.88179069781304,
            [116.17073720166769, 14.429397247046182, 0.29552020666133955, 8.865609968270666, 19.563498882744653],
        ),
    ],
    nonzero_stacks: [
        (
            11.486895455912935,
            [1.864536411582148, -11.222125080455697, 4.522210671940965, 0.32493033973976215, -1.641446691875312],
        ),
        (
            53.47632300307034,
            [93.85501051787078, 8.543027930262578, 1.3506706535290154, 7.04225485904234, 44.571003420869516],
        ),
    ],
}


def test_counts_read_by_python_are_guarded():
    """Each method, prepared at P1: at P2 (other counts: traced again there) and at P3 (the counts the same: the
    trace reused, its guard holds) JAX's values and gradients; a fresh gradient at P2 too."""
    for method in METHODS:
        check_prepared_where_masks_differ({f: want[:2] for f, want in JAX.items()}, P1, P2, method)
        check_prepared_where_masks_differ({f: want[::2] for f, want in JAX.items()}, P1, P3, method, fresh=False)
    for f in JAX:
        staged = dl.prepare(f, P1).staged
        assert staged.holds([P3]) and not staged.holds([P2]), f.__name__  # (reused where the counts are P1's)


def test_a_count_under_vmap_is_each_rows():
    """vmap batches one trace over its rows: a count read as a Python int holds for the first row only, so vmap(f),
    vmap(dl.grad(f)) and vmap of f prepared answer each row alone (a guard vmap cannot check gave the first row's
    count to every row: vmap(grad(f)) and vmap(prepared) were wrong by up to 15 before trace.hand_guard; refused by
    name until mask56), JAX's rows; a derivative of the prepared f inside another operator's trace is that trace's
    guard (its reuse checks it)."""
    X = np.stack([P1, P2])
    for f, want in JAX.items():
        p = dl.prepare(f, P1)
        for x in (P2, P1):
            np.testing.assert_allclose(dl.grad(lambda x: p(x) * 2.0)(x), 2 * dl.grad(f)(x), rtol=1e-14)
        for g, k in ((f, 0), (dl.grad(f), 1), (p, 0), (p.grad, 1)):
            np.testing.assert_allclose(dl.vmap(g)(X), [want[0][k], want[1][k]], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_argwhere_as_an_index_and_stacks_of_nonzero(method):
    """x[np.argwhere(m)] (NumPy's index of two axes: (count, m.ndim, ...)) is one read by m, and np.vstack(np.nonzero(m))
    (.T), dnp.array(np.nonzero(m)), np.stack(np.nonzero(m), axis=1) are np.argwhere(m)'s forms, their columns the
    mask's reads; np.mean(x[m]) (x.mean(), axis=, of rows and of a 2-d mask) is the masked sum over the traced count:
    prepared at P1, called at P2 (every mask differs), JAX's values; they were read on the values."""
    check_prepared_where_masks_differ(JAX_READS, P1, P2, method)


def test_fresh_arrays_are_numpys():
    """The arrays of those spellings are NumPy's own (values, shapes, dtype), fresh."""
    seen = {}

    def f(x):
        M = np.outer(x[:2], x)
        m, W = np.outer(P2[:2], P2) > 0.1, np.outer(P2, P2[:2])
        seen["x[argwhere]"] = (x[np.argwhere(x > 0)], P2[np.argwhere(P2 > 0)])
        seen["x[argwhere.T]"] = (x[np.argwhere(x > 0).T], P2[np.argwhere(P2 > 0).T])
        seen["N[argwhere 2-d]"] = (np.outer(x, x[:2])[np.argwhere(M > 0.1)], W[np.argwhere(m)])
        seen["vstack"] = (np.vstack(np.nonzero(M > 0.1)), np.vstack(np.nonzero(m)))
        seen["vstack.T"] = (np.vstack(np.nonzero(M > 0.1)).T, np.vstack(np.nonzero(m)).T)
        seen["dnp.array"] = (dnp.array(np.nonzero(M > 0.1)), np.array(np.nonzero(m)))
        return x.sum()

    dl.grad(f, method="reverse")(P2)
    for name, (got, want) in seen.items():
        got = np.asarray(got.value)
        np.testing.assert_array_equal(got, want, err_msg=name)
        assert got.shape == want.shape and got.dtype == want.dtype, name


def test_np_array_of_nonzero_names_the_traced_spelling():
    """np.array(np.nonzero(m)) is NumPy's array of the indices' values (np.array takes no dispatch: nothing can record
    it); prepare's refusal named a NumPy array W indexed by them, now np.stack(np.nonzero(m)), which is prepared."""
    with pytest.raises(ValueError, match=r"np\.array\(np\.nonzero\(m\)\).*write np\.stack\(np\.nonzero\(m\)\)"):
        dl.prepare(lambda x: np.sin(x[tuple(np.array(np.nonzero(x > 0)))]).sum(), P1)
    p = dl.prepare(lambda x: np.sin(x[tuple(np.stack(np.nonzero(x > 0)))]).sum(), P1)
    assert p(P2) == np.sin(P2[P2 > 0]).sum()


def test_a_mean_over_an_empty_mask_by_len_is_nan_said():
    """len(x[m]) of an empty mask is the int 0: the derivative rules divided a Python float by it (ZeroDivisionError,
    a bare traceback, fresh too); NaN as NumPy's value (0.0 / 0), with the DomainWarning, by every method, fresh and
    prepared where the mask is empty (traced again there) or not."""
    empty = P1 + 20.0

    def f(x):
        return x[x > 10].sum() / len(x[x > 10])

    for method in METHODS:
        with pytest.warns(dl.DomainWarning):
            value, grad = dl.value_and_grad(f, method=method)(P1)
        assert np.isnan(value) and np.isnan(grad).all(), method
        p = dl.prepare(f, empty, method=method)
        with pytest.warns(dl.DomainWarning):
            assert np.isnan(p.value_and_grad(P1)[1]).all(), method
        np.testing.assert_allclose(p.grad(empty), [0.2] * 5, rtol=1e-6, err_msg=method)
