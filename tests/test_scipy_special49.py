"""scipy.special's next names (issue 11, special49): gdtrix and gdtria (the gamma distribution's inverses in x and in
the rate a: slopes 1/the CDF's slope at the answer, and -x/a, -a/x as gdtr reads a·x only; b by gammainc_da since gammainc56), the parabolic
cylinder pairs pbdv, pbvv, pbwa ((w, w′), w′'s slope by Weber's equation, the order refused) and h1vp, h2vp (Hankel's
derivatives, n and v refused traced), sph_legendre_p (∂θ by the recurrence in m: no 1/sin θ at the poles) and sph_harm_y
(P̄·e^(imφ)), legendre_p and assoc_legendre_p (eval_legendre, lpmv). References: mpmath's diff at 40 digits of its own function (findroot of gammainc;
pcfd, pcfv(-v - 1/2, x), pcfw; hankel1/2's n + 1-th and n + 2-th derivatives), written out below."""

import numpy as np
import pytest

import difflab as dl
from difflab.errors import NotDifferentiableError
from special_cases import check_against_mpmath

sc = pytest.importorskip("scipy.special")
dsp = pytest.importorskip("difflab.scipy.special")


def _part(fn, k):
    return lambda *a: fn(*a)[k]


def _h(fn, part):
    return lambda *a: part(fn(*a))


#: name -> (function, the differentiated argument, the point, rtol, mpmath's first and second derivatives there)
CASES = {
    "gdtrix-a": (sc.gdtrix, 0, (2.0, 3.0, 0.4), 1e-15, (-0.5712692260008452, 0.5712692260008452)),
    "gdtrix-p": (sc.gdtrix, 2, (2.0, 3.0, 0.4), 2e-15, (1.8818917942133233, 0.8836504554457038)),
    # (∂²p is -1.9e-4 of terms ~1: 1.2e-15 absolute off, 6e-12 relative)
    "gdtria-p": (sc.gdtria, 0, (0.3, 2.5, 1.7), 1e-11, (1.9076210800691262, -0.00018944618377981267)),
    "gdtria-x": (sc.gdtria, 2, (0.3, 2.5, 1.7), 1e-15, (-0.5190152478823368, 0.6106061739792197)),
    # (SciPy's own pbdv, pbvv values are ~1e-14 relative off mpmath's: the tolerances)
    "pbdv-d": (_part(sc.pbdv, 0), 1, (1.3, -0.7), 1e-14, (0.20774962410868508, 1.3904738939218872)),
    "pbdv-dp": (_part(sc.pbdv, 1), 1, (1.3, -0.7), 3e-14, (1.3904738939218872, -0.05838621627679882)),
    "pbvv-v": (_part(sc.pbvv, 0), 1, (0.4, 1.2), 1e-14, (0.8362620769475921, -0.27234920396524387)),
    "pbvv-vp": (_part(sc.pbvv, 1), 1, (0.4, 1.2), 1e-14, (-0.27234920396524387, -0.14897129492365113)),
    "pbwa-w": (_part(sc.pbwa, 0), 1, (1.0, 0.8), 1e-14, (-0.28385959105205494, 0.30831154504219277)),
    "pbwa-wp": (_part(sc.pbwa, 1), 1, (1.0, 0.8), 1e-14, (0.30831154504219277, -0.3852570779323894)),
    "h1vp-im": (_h(dsp.h1vp, np.imag), 1, (1.5, 0.9, 1), 1e-15, (-3.9187723405606323, 16.65584405177783)),
    # (the real parts' sum of J's cancels: 1e-13)
    "h2vp-re": (_h(dsp.h2vp, np.real), 1, (0.0, 2.3, 2), 1e-13, (0.35990966663385193, -0.1791804187271119)),
    # (mpmath's spherharm(n, m, θ, φ): Re at φ = 0 is P̄ₙᵐ(θ))
    "sph_legendre_p": (_part(dsp.sph_legendre_p, 0), 2, (3, -2, 1.1), 1e-15, (-0.34861060090652357, -2.3865696240825653)),
    "sph_legendre_p-m0": (_part(dsp.sph_legendre_p, 0), 2, (4, 0, 2.5), 1e-15, (1.514319132332386, 5.913241248019154)),
    "sph_harm_y-theta": (_h(dsp.sph_harm_y, np.real), 2, (3, 2, 1.1, 0.7), 1e-15,
                         (-0.05925234782081799, -0.4056384203378159)),
    "sph_harm_y-phi": (_h(dsp.sph_harm_y, np.imag), 3, (3, 2, 1.1, 0.7), 1e-15,
                       (0.1251602883788294, -1.4513295956335137)),
    # (mpmath's legendre(n, x) and legenp(n, m, x); m < 0 through P^|m|: lpmv's slope reached its NaN at |m| > n)
    "legendre_p": (_part(dsp.legendre_p, 0), 1, (5, -0.7), 1e-15, (-1.5335625000000008, -17.272499999999994)),
    "assoc_legendre_p": (_part(dsp.assoc_legendre_p, 0), 2, (2, 1, 0.4), 1e-15, (-2.225822480407122, 4.177313898803283)),
    "assoc_legendre_p-m<0": (_part(dsp.assoc_legendre_p, 0), 2, (3, -2, -0.6), 1e-15, (-0.00999999999999999, 0.45)),
}  # fmt: skip

#: the symbolic method's SymPy and lambdify cost ~0.1 s a case: a few (the registry's tests translate every entry)
SYMBOLIC = {"gdtrix-p", "gdtria-x", "pbdv-dp", "pbwa-w", "sph_legendre_p"}


@pytest.mark.parametrize("name", CASES)
def test_first_and_second_derivatives_match_mpmath(name):
    check_against_mpmath(CASES, SYMBOLIC, name)


def test_values_are_scipys():
    for name in ("gdtrix-p", "gdtria-x", "pbdv-dp", "pbvv-v", "pbwa-wp"):
        fn, i, point, _, _ = CASES[name]
        f = lambda t, fn=fn, i=i, point=point: fn(*point[:i], t, *point[i + 1 :])  # noqa: E731
        value, _ = dl.value_and_grad(f)(point[i])
        assert float(value) == float(fn(*point)), name
    x = np.array([0.5, 1.5])
    got = dl.vmap(lambda t: dl.numpy.stack(sc.pbdv(1.3, t)))(x)
    assert np.array_equal(got, np.stack(sc.pbdv(1.3, x), axis=-1))
    assert np.array_equal(dl.vmap(lambda t: dsp.h1vp(1.0, t, 2) * 1.0)(x), sc.h1vp(1.0, x, 2))  # complex, SciPy's


def test_the_inverses_undo_gdtr():
    """gdtr(a, b, gdtrix(a, b, p)) = p for every a: its derivative in a is 0, in p 1 (chain rule through both)."""
    for method in ("reverse", "forward"):
        g = dl.grad(lambda a, p: sc.gdtr(a, 3.0, sc.gdtrix(a, 3.0, p)), argnums=(0, 1), method=method)(2.0, 0.4)
        np.testing.assert_allclose(g, (0.0, 1.0), atol=1e-15)
        g = dl.grad(lambda p, x: sc.gdtr(sc.gdtria(p, 2.5, x), 2.5, x), argnums=(0, 1), method=method)(0.3, 1.7)
        np.testing.assert_allclose(g, (1.0, 0.0), atol=1e-15)


def test_the_orders_and_counts_are_refused_by_name():
    with pytest.raises(NotDifferentiableError, match=r"pbdv is not differentiable in its argument v"):
        dl.grad(lambda v: sc.pbdv(v, 1.0)[1])(1.0)
    with pytest.raises(NotDifferentiableError, match=r"pbwa is not differentiable in its argument a"):
        dl.grad(lambda a: sc.pbwa(a, 1.0)[0])(1.0)
    with pytest.raises(TypeError, match=r"h1vp\(v, z, n\) is differentiable in z only: n"):
        dl.grad(lambda n: np.real(dsp.h1vp(1.0, 0.9, n)))(1.0)
    with pytest.raises(TypeError, match=r"h2vp\(v, z, n\) is differentiable in z only: v"):
        dl.grad(lambda v: np.real(dsp.h2vp(v, 0.9)))(1.0)
    with pytest.raises(ValueError, match=r"h2vp: n must be a non-negative integer, got -1"):
        dsp.h2vp(1.0, 0.9, -1)


def test_sph_legendre_p_at_the_poles_and_sph_harm_y_is_scipys():
    """At θ = 0 and π the recurrence has no 1/sin θ: ∂θ P̄₁¹(π) = √(3/8π) (mpmath's diff: 0.3454941494713355), and
    P̄₃³'s second derivative at 0 is 0 (P̄₃³ ~ sin³θ); sph_harm_y bit for bit SciPy's on a batch."""
    for method in ("reverse", "forward"):
        g = dl.grad(lambda t: dsp.sph_legendre_p(1, 1, t)[0], method=method)
        np.testing.assert_allclose(float(g(np.pi)), 0.3454941494713355, rtol=1e-15)
        assert float(dl.grad(dl.grad(lambda t: dsp.sph_legendre_p(3, 3, t)[0], method=method), method=method)(0.0)) == 0
    t, p = np.array([0.3, 1.2, 2.9]), np.array([0.1, -2.0, 4.0])
    assert np.array_equal(dl.vmap(lambda a, b: dsp.sph_harm_y(3, -2, a, b) * 1.0)(t, p), sc.sph_harm_y(3, -2, t, p))
    with pytest.raises(NotDifferentiableError, match=r"sph_legendre_p is not differentiable in its argument m"):
        dl.grad(lambda m: dsp.sph_legendre_p(2, m, 0.3)[0])(1.0)
    with pytest.raises(TypeError, match=r"sph_harm_y\(n, m, theta, phi\) is differentiable in theta and phi only: n"):
        dl.grad(lambda n: np.real(dsp.sph_harm_y(n, 1, 0.3, 0.1)))(2.0)


def test_the_legendre_fronts_are_scipys_and_refuse_what_they_do_not_take():
    x = np.linspace(-0.95, 0.95, 9)
    for n, m in ((3, -2), (4, 3), (2, -4), (1, 0)):
        got = dl.vmap(lambda t: dsp.assoc_legendre_p(n, m, t) * 1.0, out_axes=1)(x)
        assert got.shape == sc.assoc_legendre_p(n, m, x).shape == (1, 9)  # (SciPy's leading diff_n + 1 axis)
        np.testing.assert_allclose(got, sc.assoc_legendre_p(n, m, x), rtol=2e-15, atol=1e-300)
    got = dl.vmap(lambda t: dsp.legendre_p(3, t), out_axes=1)(x)
    np.testing.assert_allclose(got, sc.legendre_p(3, x), rtol=0, atol=5e-16)
    got = dl.vmap(lambda t: dsp.sph_legendre_p(3, -2, t) * 1.0, out_axes=1)(x)
    assert np.array_equal(got, sc.sph_legendre_p(3, -2, x))
    with pytest.raises(ValueError, match=r"assoc_legendre_p: norm=True is not supported"):
        dsp.assoc_legendre_p(2, 1, 0.3, norm=True)
    with pytest.raises(ValueError, match=r"legendre_p: diff_n=1 is not taken"):
        dsp.legendre_p(2, 0.3, diff_n=1)
    with pytest.raises(TypeError, match=r"assoc_legendre_p\(n, m, z\) is differentiable in z only: m"):
        dl.grad(lambda m: dsp.assoc_legendre_p(2, m, 0.3)[0])(1.0)
