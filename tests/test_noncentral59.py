"""The noncentral χ², F and t CDFs in their degrees of freedom (special59): chndtr, chndtrix, chndtrinc and the new
chndtridf to second order, ncfdtr, ncfdtri, nctdtr and nctdtrit to first (ncfdtr's and nctdtr's second order in the
degrees of freedom since misc62: tests/test_noncentral62.py; a third refused by name), against mpmath at
30 digits: mpmath.diff of the Poisson mixtures difflab.ops.special._mp_chndtr, _mp_ncfdtr and _mp_nctdtr, and of
findroot of them for the inverses (the numbers below printed by that script at these points)."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.errors import NotDifferentiableError

special = pytest.importorskip("scipy.special")

#: CHNDTR: (x, df, nc), ∂df, ∂df², ∂x∂df, ∂nc∂df; NCFDTR: (dfn, dfd, nc, f), ∂dfn, ∂dfd; NCTDTR: (df, nc, t), ∂df
CHNDTR = [
    ((2.0, 3.0, 1.5), -0.12449186908451185, 0.03852571600393947, -0.02346211221200297, 0.035351615511587796),
    ((0.3, 1.2, 40.0), -3.899991344672878e-09, 4.9818895718881196e-09, -1.8947251882084906e-08, 1.822052487725588e-09),
    ((50.0, 2.0, 3.0), -6.91099799623577e-08, -4.74629834107633e-08, 2.617322602603302e-08, -9.619008403436716e-08),
    ((1.0, 2.5, 0.0), -0.19410713123971873, 0.09941462070756799, -0.06551104069215687, 0.07122013239897192),
    ((8.0, 4.0, 3.0), -0.08272562910687922, -0.006397619292641733, 0.009677036151525363, -0.002128099717817894),
]
NCFDTR = [
    ((3.0, 5.0, 1.5, 1.2), 0.01169778101079807, 0.007975120339142099),
    ((1.0, 2.0, 0.0, 0.5), -0.18099581957681707, 0.031887848182811616),
    ((2.5, 7.0, 20.0, 3.0), 0.046546011524924526, -0.003304256988177907),
    ((4.0, 1.5, 3.0, 0.05), -0.0015479620595174437, -0.0008416613473014719),
    ((10.0, 3.0, 50.0, 2.0), 0.011558308898395214, -0.014873024105227521),
]
NCTDTR = [
    ((3.0, 0.8, 1.5), 0.01952547688585003),
    ((1.0, -1.2, 0.7), 0.016825663917875124),
    ((2.5, 1.3, -2.0), -0.0029564701566379826),
    ((6.0, -0.5, -0.4), -0.00099966736162649),
    ((20.0, -3.0, 1.0), 4.75245302553105e-07),
]
CHNDTRIDF = (
    (2.0, 0.3, 1.5),
    2.700829300358526,
    [1.1854843620545883, -7.364640590442858, -0.7215503263275843],
    [
        [-0.021505986023490336, -1.4696454539374693, -0.05619492213654594],
        [-1.4696454539374693, 14.672680376100356, -0.5489083530611352],
        [-0.05619492213654594, -0.5489083530611352, -0.02835593668051669],
    ],
)
INVERSES = {
    "chndtrix": ((0.3, 2.5, 1.5), 0.8408923848207049),
    "chndtrinc": ((2.0, 2.5, 0.2), -1.428009345034844),
    "ncfdtri": ((2.0, 2.5, 0.7, 0.4), [0.09504246821290585, -0.07472173331331011]),
    "nctdtrit": ((2.0, -0.5, 0.7), -0.0015939681652773513),
}


def _columns(points):
    return [np.array(c) for c in zip(*points)]


def test_chndtr_in_df_to_second_order_against_mpmath():
    x, df, nc = _columns([p for p, *_ in CHNDTR])
    ref = np.array([r for _, *r in CHNDTR])

    def slope(x, df, nc):  # (elementwise: the gradient of the sum is each point's ∂df)
        return dl.grad(lambda d: dnp.sum(special.chndtr(x, d, nc)))(df)

    np.testing.assert_allclose(slope(x, df, nc), ref[:, 0], rtol=1e-12)
    dx, ddf, dnc = dl.grad(lambda *a: dnp.sum(slope(*a)), argnums=(0, 1, 2))(x, df, nc)
    np.testing.assert_allclose(np.stack([ddf, dx, dnc], axis=1), ref[:, 1:], rtol=1e-12)


def test_chndtridf_is_scipys_with_mpmaths_gradient_and_hessian():
    args, value, grad, hess = CHNDTRIDF
    assert special.chndtridf(*args) == special.chndtridf(*[float(a) for a in args])  # (traced below: SciPy's value)
    f = lambda z: special.chndtridf(z[0], z[1], z[2])  # noqa: E731
    z = np.array(args)
    value_, grad_ = dl.value_and_grad(f)(z)
    assert value_ == special.chndtridf(*args)
    np.testing.assert_allclose(value_, value, rtol=1e-14)
    np.testing.assert_allclose(grad_, grad, rtol=1e-13)
    # (symbolic's first derivatives at chndtridf's samples: tests/test_registry.py; its Hessian here cost 2 CPU-s)
    for method in ("reverse", "forward"):
        np.testing.assert_allclose(dl.hessian(f, method=method)(z), hess, rtol=1e-12, err_msg=method)


def test_the_chi2_inverses_in_df():
    for name, (args, slope) in INVERSES.items():
        if name.startswith("chndtr"):
            got = dl.grad(lambda d: getattr(special, name)(args[0], d, args[2]))(args[1])
            np.testing.assert_allclose(got, slope, rtol=1e-12, err_msg=name)


def test_ncfdtr_and_ncfdtri_in_both_degrees_of_freedom():
    dfn, dfd, nc, f = _columns([p for p, *_ in NCFDTR])
    got = dl.grad(lambda a, b: dnp.sum(special.ncfdtr(a, b, nc, f)), argnums=(0, 1))(dfn, dfd)
    np.testing.assert_allclose(np.stack(got, axis=1), [r for _, *r in NCFDTR], rtol=1e-12)
    (a, b, c, p), slopes = INVERSES["ncfdtri"]
    got = dl.grad(lambda a, b: special.ncfdtri(a, b, c, p), argnums=(0, 1), method="forward")(a, b)
    np.testing.assert_allclose(got, slopes, rtol=1e-12)


def test_nctdtr_and_nctdtrit_in_df_either_sign_of_t_and_nc():
    df, nc, t = _columns([p for p, _ in NCTDTR])
    got = dl.grad(lambda d: dnp.sum(special.nctdtr(d, nc, t)))(df)
    np.testing.assert_allclose(got, [r for _, r in NCTDTR], rtol=1e-11)
    (d, c, p), slope = INVERSES["nctdtrit"]
    got = dl.grad(lambda d: special.nctdtrit(d, c, p), method="symbolic")(d)
    np.testing.assert_allclose(got, slope, rtol=1e-12)


@pytest.mark.parametrize(
    "fn",
    [
        lambda d: special.ncfdtr(d, 2.5, 0.7, 1.2),
        lambda d: special.ncfdtr(2.0, d, 0.7, 1.2),
        lambda d: special.nctdtr(d, 0.5, 1.0),
    ],
)
def test_a_third_derivative_through_ncf_or_nct_degrees_of_freedom_is_refused_by_name(fn):
    # (the second is computed since misc62: tests/test_noncentral62.py)
    with pytest.raises(NotDifferentiableError, match="degree of freedom is not computed"):
        dl.grad(dl.grad(dl.grad(fn)))(2.0)
