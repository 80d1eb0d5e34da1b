"""What a new user met in the README's SciPy paragraph (session 46, newuser46).

`difflab.scipy.integrate` was not an attribute of `difflab.scipy` (only `from difflab.scipy import integrate`
worked: `dsc.integrate.simpson` raised AttributeError), and SciPy's own `scipy.integrate.simpson` on a traced value
was refused with "difflab.scipy has no differentiable version of it" although `difflab.scipy.integrate.simpson`
exists (the by-name table listed odeint only).
"""

import numpy as np
import pytest

import difflab as dl
from difflab.errors import UnsupportedOperationError

si = pytest.importorskip("scipy.integrate")


def test_integrate_is_an_attribute_of_difflab_scipy():
    import difflab.scipy as dsc

    t = np.linspace(0.0, 1.0, 5)
    x = np.array([0.1, 0.4, -0.2, 0.3, 0.9])
    # d/dx_i simpson(x**2, x=t) = 2 x_i w_i with SciPy's own weights w = simpson(e_i, x=t)
    w = np.array([si.simpson(e, x=t) for e in np.eye(5)])
    g = dl.grad(lambda x: dsc.integrate.simpson(x**2, x=t))(x)
    np.testing.assert_allclose(g, 2 * x * w, rtol=1e-13)
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        dsc.nosuch  # noqa: B018


@pytest.mark.parametrize("name", ["simpson", "cumulative_trapezoid"])
def test_scipys_own_quadrature_names_difflabs(name):
    x = np.linspace(0.0, 1.0, 5)
    with pytest.raises(UnsupportedOperationError, match=f"use difflab.scipy.integrate.{name}"):
        dl.grad(lambda x: np.sum(getattr(si, name)(x**2, dx=0.25)))(x)


def test_by_name_table_lists_every_integrate_function():
    import difflab.scipy as dsc
    from difflab.scipy import integrate

    assert set(dsc.BY_NAME["integrate"]) == set(integrate.__all__)


def test_an_unsupported_scipy_ufunc_points_at_scipy_not_numpy():
    # it said "Every NumPy name difflab traces is in difflab.numpy.__all__": a scipy.special user was sent to NumPy's list
    special = pytest.importorskip("scipy.special")
    with pytest.raises(UnsupportedOperationError) as err:
        dl.grad(lambda x: special.obl_rad2(1.0, 1.0, 1.5, x))(
            0.5
        )  # (ber until special48, chndtr until special50 made them ones, chdtriv until shapeinv57, nctdtrinc until special60, obl_rad1 until spheroid61)
    message = str(err.value)
    assert message.startswith("scipy.special.obl_rad2 is not a difflab primitive")
    assert "dir(difflab.scipy.special)" in message and "scipy_special_coverage.py" in message
    assert "difflab.numpy.__all__" not in message


def test_a_check_names_how_it_called_the_users_function_when_that_raises():
    # a user who wrote jvp_f(x, v) got only their own IndexError, with no word of the (primals, tangents) signature
    from difflab.testing import check_jvp

    x = np.array([0.3, 0.7])
    with pytest.raises(IndexError) as err:  # the user's own error, its type kept on every Python
        check_jvp(np.sin, lambda x, v: (np.sin(x), np.cos(x)[5] * v), x)
    # (exception notes exist from Python 3.11; before it the error is the user's alone, unchanged)
    notes = ["difflab.testing called jvp_f (<lambda>) as (primals, tangents) -> (f(*primals), J v)"]
    assert getattr(err.value, "__notes__", None) == (notes if hasattr(BaseException, "add_note") else None)


def test_compare_of_a_vector_expression_says_its_numbers_are_a_jacobian(capsys):
    # it printed six numbers "flattened over w, x" for sin(w)*x with w of 2: a 2 × 3 Jacobian, unsaid
    from difflab.cli import main

    assert main(["compare", "sin(w)*x", "--at", "w=[1,2],x=0.5"]) == 0
    out = capsys.readouterr().out
    assert "(the 2 × 3 Jacobian row after row, one row per output; columns flattened over w, x):" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("reverse") and "  0  " in line)
    expected = [0.5 * np.cos(1.0), 0.0, np.sin(1.0), 0.0, 0.5 * np.cos(2.0), np.sin(2.0)]
    np.testing.assert_allclose([float(v) for v in row.split()[1:]], expected, rtol=1e-15)
