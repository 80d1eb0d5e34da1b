"""Second derivatives of scipy.special.ncfdtr in (dfn, dfd) and of nctdtr in df (on main refused by name: their
first slopes, the internal entries ncfdtr_ddfn/ddfd and nctdtr_ddf, were not differentiated again): the mixtures of
the central terms' second slopes (incomplete.ncfdtr_dfs, nctdtr_df), against mpmath's diff of the Poisson mixtures
(_mp_ncfdtr, _mp_nctdtr at 30 digits, /tmp/m62 in misc62) under reverse, forward and symbolic. A third order
through a degree of freedom is refused by name (a Hessian mixing one with nc, f or t: test_noncentral64)."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dsp
from difflab.errors import NotDifferentiableError

#: (dfn, dfd, nc, f) -> mpmath's (∂dfn², ∂dfn∂dfd, ∂dfd²) of ncfdtr
NCF = {
    (3.0, 5.0, 1.5, 1.2): (-0.0029523510906126863, 0.0012788475156575116, -0.002716379850742857),
    (7.0, 2.5, 12.0, 3.0): (-0.006173449408259415, 0.0062132242644839418, -0.017838894828430802),
}
#: (df, nc, t) -> mpmath's ∂df² of nctdtr (t < 0: F(t) = 1 − F(−t; df, −nc))
NCT = {
    (3.0, 0.8, 1.5): -0.011178484530244884,
    (4.5, -1.0, -2.0): 0.0051984645091624025,
    (12.0, 3.0, 2.5): -2.6117221178751301e-5,
}


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_ncfdtr_hessian_in_its_degrees_of_freedom_matches_mpmath(method):
    for (dfn, dfd, nc, f), (nn, nd, dd) in NCF.items():
        h = dl.hessian(lambda v: dsp.ncfdtr(v[0], v[1], nc, f), method=method)(np.array([dfn, dfd]))
        np.testing.assert_allclose(h, [[nn, nd], [nd, dd]], rtol=1e-12)


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_nctdtr_second_derivative_in_df_matches_mpmath(method):
    for (df, nc, t), want in NCT.items():
        assert dl.hessian(lambda v: dsp.nctdtr(v, nc, t), method=method)(df) == pytest.approx(want, rel=1e-12)


def test_stacked_points_each_their_own_second_derivative():
    # (one mixture grid over several elements: each element's rows summed on its own)
    df, nc, t = (np.array(c) for c in zip(*NCT))
    h = dl.hessian(lambda d: np.sum(dsp.nctdtr(d, nc, t)))(df)
    np.testing.assert_allclose(h, np.diag(list(NCT.values())), rtol=1e-12, atol=1e-300)
    dfn, dfd, nc, f = (np.array(c) for c in zip(*NCF))
    h = dl.hessian(lambda d: np.sum(dsp.ncfdtr(d, dfd, nc, f)))(dfn)
    np.testing.assert_allclose(np.diag(h), [v[0] for v in NCF.values()], rtol=1e-12)


def test_a_third_derivative_through_a_degree_of_freedom_is_refused_by_name():
    # (a Hessian mixing a degree of freedom with nc, f or t: tests/test_noncentral64.py)
    with pytest.raises(NotDifferentiableError, match="ncfdtr_ddfn2 is not differentiable in its argument dfn"):
        dl.jacobian(dl.hessian(lambda v: dsp.ncfdtr(v[0], 5.0, 1.5, v[1])))(np.array([3.0, 1.2]))
    with pytest.raises(NotDifferentiableError, match="nctdtr_ddf2 is not differentiable in its argument df"):
        dl.jacobian(dl.hessian(lambda v: dsp.nctdtr(v[0], 0.8, v[1])))(np.array([3.0, 1.5]))
