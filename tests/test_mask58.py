"""What was left of issue 11 after mask56. A masked read an output uses with no count read by Python
(`np.cumsum(x[m]).sum()`, `np.sort(x[m])[-1]`, `np.diff(x[m])`, `x[m] @ np.sin(x[m])`): the graph's shapes hold the
mask's count, so it specialised the trace (dl.prepare refused it, vmap refused it by name). Its count is now guarded
when the trace closes (trace._guard_used) and the read gathered, as mask56 did where Python read the count: prepared
at P1, called at P2 (every count differs: traced again) and P3 (P1's counts: reused), each method agrees with JAX x64
(jax.value_and_grad of the same code, eager, /tmp/m58/jaxref.py) and NumPy's value bit for bit; vmap answers each
row alone."""

import numpy as np
import pytest

import difflab as dl
from mask_cases import check_prepared_where_masks_differ

P1 = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
P2 = np.array([1.5, 0.2, -0.3, 0.9, 2.2])
P3 = np.array([0.9, 0.3, -0.6, 1.7, -0.2])  # (P1's counts of x > 0 and x < 0.5; A > 0.2: 6, P1's 7)
METHODS = ("symbolic", "numeric", "forward", "reverse")


def shape_reads(x):
    m = x > 0
    s = np.cumsum(x[m]).sum() + np.sort(x[m])[-1] * 2 + (np.diff(x[m]) ** 2).sum()
    return s + np.cumprod(np.exp(x[x < 0.5] * 0.1))[-1] + x[m] @ np.sin(x[m])


def two_d_reads(x):
    A = np.outer(x, x[:3])
    return np.cumsum(A[A > 0.2])[-1] * 0.1 + np.sort(np.sin(A[A > 0.2]))[0]


JAX = {  # {f: [(value, gradient) at P1, P2, P3]}: jax.value_and_grad in x64 (/tmp/m58/jaxref.py)
    shape_reads: [
        (
            17.41629872763671,
            [0.2699306964910777, 0.08780954309205613, 10.077003753731397, -0.4203927816631672, 0.08780954309205613],
        ),
        (
            23.8797124868821,
            [7.703600789105609, -0.5063123702617736, 0.09900498337491681, 2.142775881071081, 5.11379394585783],
        ),
        (
            14.150709882933047,
            [5.542775881071082, -1.322755904150907, 0.09512294245007141, 6.572629170150076, 0.09512294245007141],
        ),
    ],
    two_d_reads: [
        (0.1161975046920719, [0.47000000000000003, -0.28, -2.084574483454448, 0.23, -0.12]),
        (0.6362543058567514, [-1.522455493799503, 0.52, 0.0, 0.15000000000000002, -1.3112196548632973]),
        (0.6417314366888311, [0.6991312689097672, 1.2173938067293015, -0.12, 0.12000000000000001, 0.0]),
    ],
}


@pytest.mark.parametrize("method", METHODS)
def test_a_read_whose_shape_an_output_uses_guards_its_count(method):
    """Prepared at P1: at P2 (other counts) traced again, at P3 shape_reads' trace reused (two_d_reads' traced
    again: its 2-d mask's count differs); JAX's gradients and NumPy's values everywhere."""
    check_prepared_where_masks_differ({f: want[:2] for f, want in JAX.items()}, P1, P2, method)
    check_prepared_where_masks_differ({f: want[::2] for f, want in JAX.items()}, P1, P3, method, fresh=False)
    staged = dl.prepare(shape_reads, P1, method=method).staged
    assert staged.holds([P3]) and not staged.holds([P2])


def test_vmap_of_such_reads_is_each_rows():
    """vmap traces f at the first row and checks no guard: f, its gradient, the prepared f and its gradient answer
    each row alone (JAX's rows; were refused 'vmap cannot batch')."""
    X = np.stack([P1, P2, P3])
    for f, want in JAX.items():
        p = dl.prepare(f, P1)
        for g, k in ((f, 0), (dl.grad(f), 1), (p, 0), (p.grad, 1)):
            np.testing.assert_allclose(dl.vmap(g)(X), [w[k] for w in want], rtol=1e-12, atol=1e-12)


def test_vmap_of_reads_of_other_lengths_says_so():
    """Rows whose reads differ in length cannot be stacked: refused naming the shapes (was NumPy's bare 'all input
    arrays must have the same shape' from the stacking)."""
    X = np.stack([P1, P2])
    for f in (lambda x: x[x > 0] * 2, dl.jacobian(lambda x: np.sin(x[x > 0]))):
        with pytest.raises(ValueError, match=r"vmap cannot stack f.s rows: .*\(3,[ 5]*\) at one row, \(4,"):
            dl.vmap(f)(X)
