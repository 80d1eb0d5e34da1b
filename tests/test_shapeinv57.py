"""The inverses that solve for a shape parameter (gdtrib, chdtriv, btdtria, btdtrib, pdtrik, stdtridf): values,
first and second derivatives against mpmath (findroot of the CDF at 30 digits, mpmath.diff of the root; the values
below printed by that script at these points: gdtrib's b with P(b, a·x) = p, chdtriv's v with P(v/2, x/2) = p,
btdtria/b's a/b with I_x(a, b) = p, pdtrik's k with Q(k + 1, m) = p, stdtridf's ν with stdtr(ν, t) = p)."""

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
}
#: one method's Hessian per op (each method's second order met twice; their first derivatives agree with reverse's
#: to 1e-12 in tests/test_registry.py's Jacobians)
HESSIAN_BY = dict(zip(MPMATH, ("symbolic", "reverse", "forward", "symbolic", "reverse", "forward")))


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
    got = dl.hessian(fn, argnums=nums, method=HESSIAN_BY[name])(*args)
    np.testing.assert_allclose(np.array(got, dtype=float), hess, rtol=1e-12, atol=1e-12 * np.max(np.abs(hess)))


def test_stdtridf_value_is_the_root_scipys_search_stops_short_of():
    # SciPy's is 2.0e-11 (relative) from mpmath's root at (0.69, 1.0); one Newton step on stdtr(ν, t) = p
    assert abs(special.stdtridf(0.69, 1.0) / 0.4470246711677894 - 1) > 1e-11
    assert ds.stdtridf(0.69, 1.0) == pytest.approx(0.4470246711677894, rel=1e-14)


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
