"""The inverses that solve for a shape parameter (gdtrib, chdtriv, btdtria/b, pdtrik, stdtridf, bdtrik/n, nbdtrik/n,
fdtridfd): values,
first and second derivatives against mpmath (findroot of the CDF at 30 digits, mpmath.diff of the root; the values
below printed by that script at these points: gdtrib's b with P(b, a·x) = p, chdtriv's v with P(v/2, x/2) = p,
btdtria/b's a/b with I_x(a, b) = p, pdtrik's k with Q(k + 1, m) = p, stdtridf's ν with stdtr(ν, t) = p, bdtrik/n's
k/n with I_{1-p}(n - k, k + 1) = y, nbdtrik/n's with I_p(n, k + 1) = y, fdtridfd's dfd with fdtr(dfn, dfd, x) = p)."""

import numpy as np
import pytest

import difflab as dl

special = pytest.importorskip("scipy.special")
from difflab.scipy import special as ds  # noqa: E402

#: name: (arguments, value, gradient, Hessian) from mpmath (dps 30)
MPMATH = {
    "gdtrib": (
        (1.5, 0.3, 2.0),
        4.27351532257201,
        [2.308488886474292, -5.434688689631451, 1.731366664855719],
        [
            [-0.10713894345772802, -1.6710341754429883, 1.07389023564385],
            [-1.6710341754429883, 10.794747568433872, -1.2532756315822413],
            [1.07389023564385, -1.2532756315822413, -0.06026565569497202],
        ],
    ),
    "chdtriv": (
        (0.3, 2.0),
        3.752461400365051,
        [-6.630431157266026, 1.2786154310232976],
        [[14.961928662781245, -1.445312674309215], [-1.445312674309215, -0.07809303183565353]],
    ),
    "btdtria": (
        (0.3, 2.0, 0.4),
        2.245057561952347,
        [-5.0455436843880985, 0.8841709163300763, 7.047756478184636],
        [
            [14.300171750818842, -1.1671570126025075, -14.189060485715473],
            [-1.1671570126025075, -0.06488722964621225, 3.3633702343673604],
            [-14.189060485715473, 3.3633702343673604, 21.92877779363914],
        ],
    ),
    "btdtrib": (
        (2.0, 0.3, 0.4),
        1.7258362622479964,
        [1.1057604323338683, 5.210226104718837, -6.766904528366456],
        [
            [0.11305938768881549, 2.0868824893452795, -4.859390068667146],
            [2.0868824893452795, 1.8989350601972448, -17.81946864124386],
            [-4.859390068667146, -17.81946864124386, 34.352611719627994],
        ],
    ),
    "pdtrik": (
        (0.6, 2.0),
        1.6889633830116368,
        [3.8410429432249673, 1.094601196172197],
        [[4.6782280046928655, 0.9182521487361432], [0.9182521487361432, -0.02679511860760112]],
    ),
    "stdtridf": (
        (0.69, 1.0),
        0.4470246711677894,
        [5.620580306563347, -0.6270380175960482],
        [[73.57954127511964, -12.444674883867302], [-12.444674883867302, 2.487959029112693]],
    ),
    "bdtrik": (
        (0.6, 5.0, 0.4),
        1.74845673294656,
        [2.9300020203572608, 0.42756990230519926, 5.468098370137768],
        [
            [2.1885516487424685, 0.27596033203539794, 0.7816174098465515],
            [0.27596033203539794, -0.002695768989087434, 1.0049771265734193],
            [0.7816174098465515, 1.0049771265734193, -1.3226551814641943],
        ],
    ),
    "bdtrin": (
        (1.5, 0.4, 0.3),
        7.996536061782796,
        [3.5664353458033777, -11.750235579020854, -28.60525823936063],
        [
            [-0.048213648621850874, -2.4689216003908387, -12.034210050927285],
            [-2.4689216003908387, 20.704234898617614, 47.45354519725983],
            [-12.034210050927285, 47.45354519725983, 189.9297572876633],
        ],
    ),
    "nbdtrik": (
        (0.6, 2.0, 0.4),
        2.511239090978225,
        [7.257514037754066, 1.68444203701002, -12.749374295684852],
        [
            [13.912272468483517, 1.9489011610247637, -24.03670490917766],
            [1.9489011610247637, -0.04903744024296278, -6.826678555200274],
            [-24.03670490917766, -6.826678555200274, 63.005122364391596],
        ],
    ),
    "nbdtrin": (
        (1.5, 0.4, 0.3),
        1.5517419756366473,
        [0.502096642125923, -3.3463403089921013, 5.466741939526773],
        [
            [-0.019578554306058902, -0.6795740725709877, 2.2161155971631623],
            [-0.6795740725709877, 6.3092648548255985, -9.995097334506136],
            [2.2161155971631623, -9.995097334506136, 14.1583953319227],
        ],
    ),
    "fdtridfd": (
        (2.0, 0.5, 1.2),
        1.3686492892663373,
        [0.45015310913383233, 10.636617878596597, -1.9314346311291934],
        [
            [-0.16064231562098413, 4.707308282700336, -1.336664208618292],
            [4.707308282700336, 110.4208121050223, -25.74682966635426],
            [-1.336664208618292, -25.74682966635426, 7.435975996496088],
        ],
    ),
}
#: one method's Hessian per op (symbolic's on the cheapest; the methods' first derivatives agree with reverse's to
#: 1e-12 in tests/test_registry.py's Jacobians, their Hessians in tests/test_random_graphs.py's)
HESSIAN_BY = {"gdtrib": "forward", "chdtriv": "symbolic", "btdtria": "reverse", "pdtrik": "forward"}
HESSIAN_BY |= {"stdtridf": "reverse", "nbdtrin": "forward", "fdtridfd": "reverse"}  # (the rest: 0.5 CPU-s more)


@pytest.mark.parametrize("name", list(MPMATH))
def test_value_gradient_and_hessian_against_mpmath(name):
    args, value, grad, hess = MPMATH[name]
    fn = getattr(ds, name)
    nums = tuple(range(len(args)))
    assert float(fn(*args)) == pytest.approx(value, rel=1e-14)
    got = dl.grad(fn, argnums=nums, method="reverse")(*args)
    np.testing.assert_allclose(np.array(got, dtype=float), grad, rtol=1e-13)
    numeric = dl.grad(fn, argnums=nums, method="numeric")(*args)
    np.testing.assert_allclose(np.array(numeric, dtype=float), grad, rtol=1e-8)
    if name in HESSIAN_BY:
        got = dl.hessian(fn, argnums=nums, method=HESSIAN_BY[name])(*args)
        np.testing.assert_allclose(np.array(got, dtype=float), hess, rtol=1e-12, atol=1e-12 * np.max(np.abs(hess)))


def test_the_value_is_the_root_scipys_search_stops_short_of():
    # SciPy's is 2.0e-11 (relative) from mpmath's root at (0.69, 1.0), nbdtrik's 6.6e-13 (MPMATH's point); one
    # Newton step on the CDF
    assert abs(special.stdtridf(0.69, 1.0) / 0.4470246711677894 - 1) > 1e-11
    assert ds.stdtridf(0.69, 1.0) == pytest.approx(0.4470246711677894, rel=1e-14)
    args, value = MPMATH["nbdtrik"][:2]
    assert abs(special.nbdtrik(*args) / value - 1) > 5e-13
    assert ds.nbdtrik(*args) == pytest.approx(value, rel=1e-15)


def test_where_no_shape_solves_it_the_answer_is_scipys_constant_and_its_slope_0():
    # pdtrik is 0 for p ≤ e^-m (a root k < 0 is no count: SciPy's search starts at 0); stdtridf answers its search's
    # ends, 1e10 above Φ(t) and 5e-51 at ½: constants, where the implicit function theorem's slope is no derivative
    p, m = np.array([0.1, 0.6]), np.array([1.0, 2.0])
    assert ds.pdtrik(p, m)[0] == 0.0
    for method in ("reverse", "symbolic"):
        gp, gm = dl.grad(lambda p, m: ds.pdtrik(p, m).sum(), argnums=(0, 1), method=method)(p, m)
        assert gp[0] == gm[0] == 0.0 and gp[1] == pytest.approx(MPMATH["pdtrik"][2][0], rel=1e-13)
    assert ds.stdtridf(0.9, 1.0) == 1e10
    assert dl.grad(lambda p, t: ds.stdtridf(p, t), argnums=(0, 1), method="forward")(0.9, 1.0) == (0.0, 0.0)


def test_the_polished_value_keeps_scipys_dtype():
    # (the Newton step ran in float64: stdtridf of float32 arguments was float64, SciPy's float32)
    got = ds.stdtridf(np.float32(0.69), np.float32(1.0))
    assert np.asarray(got).dtype == np.float32 == special.stdtridf(np.float32(0.69), np.float32(1.0)).dtype
    assert float(got) == pytest.approx(0.4470246711677894, rel=1e-6)
