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


def test_counts_read_by_python_are_guarded():
    """Each method, prepared at P1: at P2 (other counts: traced again there) and at P3 (the counts the same: the
    trace reused, its guard holds) JAX's values and gradients; a fresh gradient at P2 too."""
    for method in METHODS:
        check_prepared_where_masks_differ({f: want[:2] for f, want in JAX.items()}, P1, P2, method)
        check_prepared_where_masks_differ({f: want[::2] for f, want in JAX.items()}, P1, P3, method, fresh=False)
    for f in JAX:
        staged = dl.prepare(f, P1).staged
        assert staged.holds([P3]) and not staged.holds([P2]), f.__name__  # (reused where the counts are P1's)


def test_a_count_vmap_would_batch_is_refused():
    """vmap batches one trace over its rows: a count read as a Python int holds for the first row only, so vmap(f)
    and vmap(dl.grad(f)) refuse it by name, as before (a guard vmap cannot check gave the first row's count to all)."""
    X = np.stack([P1, P2])
    for f in JAX:
        for g in (f, dl.grad(f)):
            with pytest.raises(ValueError, match="vmap cannot batch"):
                dl.vmap(g)(X)
