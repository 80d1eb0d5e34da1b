"""Full Hessians of scipy.special.ncfdtr (dfn, dfd, nc, f) and nctdtr (df, nc, t) and of their inverses (on main refused
by name: a degree of freedom mixed with nc, f or t). The mixed partials are Poisson mixtures (incomplete.ncfdtr_dfs,
nctdtr_df: ∂nc F = -½Σⱼ wⱼ·Pⱼ/aⱼ and ∂f F = Σⱼ wⱼ·Pⱼ/f differentiated in dfn, dfd; Lenth's weights' slopes in nc, its
density's series in df), the density and ∂nc entries (ncfdtr_pdf, ncfdtr_dnc, nctdtr_pdf, nctdtr_dnc) carry them.
References: mpmath's diff of the mixtures _mp_ncfdtr, _mp_nctdtr at 30 digits (ncfdtr64); for the inverses, mpmath's
implicit second derivatives, -(G_xx + G_xv·g_xᵀ + g_x·G_vxᵀ + G_vv·g_x·g_xᵀ)/G_v, at the value SciPy answers."""

import numpy as np
import pytest

import difflab as dl
import difflab.scipy.special as dsp
from difflab.errors import NotDifferentiableError

#: (dfn, dfd, nc, f) -> mpmath's Hessian of ncfdtr
NCF = {
    (3.0, 5.0, 1.5, 2.0): [
        [-0.011968229416456622756, 0.0033703126158014263897, 0.017106605726995388292, 0.010809310528435282883],
        [0.0033703126158014263897, -0.005098068794701471021, -0.0030139940537301321879, 0.007420321332827488847],
        [0.017106605726995388292, -0.0030139940537301321879, 0.0075653134242897991154, 0.017042428634772427696],
        [0.010809310528435282883, 0.007420321332827488847, 0.017042428634772427696, -0.11458238192635232922],
    ],
    (7.0, 2.5, 12.0, 0.8): [
        [-0.00044274439227884002227, -0.0013231495627292361245, -0.00046633574051605532456, 0.024705468605805556353],
        [-0.0013231495627292361245, 0.0063164782690027182446, 0.00028502855477258454098, -0.0118596406715505371],
        [-0.00046633574051605532456, 0.00028502855477258454098, 0.0013282437571418006283, -0.017708890121361593759],
        [0.024705468605805556353, -0.0118596406715505371, -0.017708890121361593759, 0.15744178956674662841],
    ],
}
#: (df, nc, t) -> mpmath's Hessian of nctdtr (nc < 0 at the second, t < 0 at the third: F(t) = 1 - F(-t; df, -nc))
NCT = {
    (4.0, 0.5, 1.2): [
        [-0.0040921860139275185685, 0.00022689960454815248301, 0.0091282468609301907242],
        [0.00022689960454815248301, -0.1665696173677431992, 0.17766291359724413544],
        [0.0091282468609301907242, 0.17766291359724413544, -0.20151938418867266925],
    ],
    (2.5, -1.3, 0.7): [
        [-0.0023069579231320348962, 0.0051416055510048434185, 0.0023816346329999316712],
        [0.0051416055510048434185, -0.12247371355191182783, 0.092360234234410937879],
        [0.0023816346329999316712, 0.092360234234410937879, -0.085583285887036075244],
    ],
    (4.5, -1.0, -2.0): [
        [0.0051984645091624024894, 0.0018913728767990297441, 0.0062205333601380724667],
        [0.0018913728767990297441, 0.15933625334662054239, -0.16253823011321747697],
        [0.0062205333601380724667, -0.16253823011321747697, 0.17167243639240031982],
    ],
}
#: inverse -> (its arguments, mpmath's implicit Hessian at SciPy's answer); p = ncfdtr(3, 5, 1.5, 2), nctdtr(4, 0.5,
#: 1.2), nctdtr(4, -0.5, 1.2)
INVERSES = {
    "ncfdtridfn": (
        (0.632009722794858, 5.0, 1.5, 2.0),
        [
            [442.7253801057464, -10.87486944422772, 18.573968053262664, -91.49995158765239],
            [-10.87486944422772, 0.4053682264640059, -0.5163270325808176, 1.8988877749609476],
            [18.573968053262664, -0.5163270325808176, -0.2875285094320343, -4.921404880831464],
            [-91.49995158765239, 1.8988877749609476, -4.921404880831464, 22.40329039505817],
        ],
    ),
    "ncfdtrinc": (
        (3.0, 5.0, 0.632009722794858, 2.0),
        [
            [0.012723418424030363, 0.07142575509192309, -2.747644240205337, 0.6918208764309799],
            [0.07142575509192309, -0.07035703701493218, 0.21909964077666008, 0.08624487195451788],
            [-2.747644240205337, 0.21909964077666008, 12.383556084427754, -4.590767844285574],
            [0.6918208764309799, 0.08624487195451788, -4.590767844285574, -0.10097867268049518],
        ],
    ),
    "ncfdtri": (
        (3.0, 5.0, 1.5, 0.4),
        [
            [0.0076052359824602105, 0.0014581035877534463, -0.08250216434696142, -0.44075886757475613],
            [0.0014581035877534463, 0.008324533627460058, -0.0037910480967843483, -0.15354587372668582],
            [-0.08250216434696142, -0.0037910480967843483, 0.020605240141447108, 0.6764286394953136],
            [-0.44075886757475613, -0.15354587372668582, 0.6764286394953136, 5.658357816480614],
        ],
    ),
    "nctdtridf": (
        (0.7186186093812159, 0.5, 1.2),
        [
            [5627.114662315509, 1762.0781271896726, -1629.3344762356408],
            [1762.0781271896726, 570.299592899753, -530.0234364102071],
            [-1629.3344762356408, -530.0234364102071, 491.9197440087499],
        ],
    ),
    "nctdtrinc": (
        (4.0, 0.934657794853066, 1.2),
        [
            [-0.018199757465296375, 0.0968775978946049, 0.05061374415789965],
            [0.0968775978946049, -99.18334609926379, -0.8017668018557079],
            [0.05061374415789965, -0.8017668018557079, -0.12387599236298591],
        ],
    ),
    "nctdtrit": (
        (4.0, 0.5, 0.4),
        [
            [0.0018642679671268664, -0.014125691182975547, -0.03954633939153741],
            [-0.014125691182975547, -0.029757335464776505, 0.010902197966342375],
            [-0.03954633939153741, 0.010902197966342375, -1.5422572451293326],
        ],
    ),
}


def _hessian(fn, x, method):
    return dl.hessian(lambda v: fn(*(v[i] for i in range(len(x)))), method=method)(np.array(x))


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_full_hessians_of_the_noncentral_f_and_t_cdfs_match_mpmath(method):
    for name, table in (("ncfdtr", NCF), ("nctdtr", NCT)):
        for x, want in table.items():
            np.testing.assert_allclose(_hessian(getattr(dsp, name), x, method), want, rtol=1e-12, err_msg=f"{name}{x}")


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_the_inverses_full_hessians_are_the_implicit_ones_at_scipys_answer(method):
    for name, (x, want) in INVERSES.items():
        got = _hessian(getattr(dsp, name), x, method)
        # (relative to the largest entry: an implicit Hessian's entries are sums of products of the CDF's partials)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * np.max(np.abs(want)), err_msg=name)


def test_the_density_slope_in_df_at_t_zero():
    # ∂df∂t nctdtr at t = 0 (y = 0: the series' P/t read as y^(a - ½)/√(t² + df)): ∂df of the density there,
    # e^(-nc²/2)·Γ((df + 1)/2)/(√(π·df)·Γ(df/2)), by mpmath's diff
    mpmath = pytest.importorskip("mpmath")

    def density(d):
        return mpmath.exp(-0.125) * mpmath.gamma((d + 1) / 2) / (mpmath.sqrt(mpmath.pi * d) * mpmath.gamma(d / 2))

    with mpmath.workdps(30):
        want = float(mpmath.diff(density, 4))
    h = dl.hessian(lambda v: dsp.nctdtr(v[0], 0.5, v[1]))(np.array([4.0, 0.0]))
    np.testing.assert_allclose([h[0, 1], h[1, 0]], want, rtol=1e-13)


def test_a_third_order_mixing_a_degree_of_freedom_is_refused_by_name():
    # (the mixed entries' own partials: the third order is not computed)
    with pytest.raises(NotDifferentiableError, match=r"ncfdtr_ddfn\w* is not differentiable"):
        dl.jacobian(dl.hessian(lambda v: dsp.ncfdtr(v[0], 5.0, v[1], 2.0)))(np.array([3.0, 1.5]))
    with pytest.raises(NotDifferentiableError, match=r"nctdtr_ddf\w* is not differentiable"):
        dl.jacobian(dl.hessian(lambda v: dsp.nctdtr(v[0], 0.5, v[1])))(np.array([4.0, 1.2]))
