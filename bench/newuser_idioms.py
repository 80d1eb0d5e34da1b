"""A new user's NumPy/SciPy idioms, round 2 (issue 11: coverage; session 55, newuser55).

Each idiom is a small scalar function f(np, sp, x) written as a JAX/autograd user writes it: plain `np.`/`scipy.`
calls on the traced argument. It is differentiated by `dl.grad` under the four methods (and `dl.hessian` where
marked cheap) and compared with JAX x64 running the very same code on `jax.numpy`/`jax.scipy`; where JAX lacks the
call (np.polynomial, scipy.interpolate, ...) or refuses it, the reference is numdifftools' Richardson-extrapolated
central differences of f on plain arrays (column `ref`). JAX and numdifftools are checked against each other too.

Cells: `right` (agrees: rtol 1e-7 with an absolute floor of that times the largest entry; numeric 1e-5), `wrong`
(a number that disagrees), `refused` (a difflab error naming the problem: DifflabError), `traceback` (any other
exception), `timeout`.

    python bench/newuser_idioms.py                           # the table on stdout
    python bench/newuser_idioms.py --only expm lfilter --methods reverse
    python bench/newuser_idioms.py --output docs/coverage.md # replace the generated section there
"""

from __future__ import annotations

import _common  # noqa: F401  (pins threads before NumPy is imported)

import argparse
import builtins
import json
import signal
import sys
import time
import types
import warnings
from pathlib import Path

import numpy
import scipy
import scipy.integrate
import scipy.interpolate
import scipy.linalg
import scipy.ndimage
import scipy.signal
import scipy.stats

import difflab as dl
from difflab.errors import DifflabError

METHODS = ("symbolic", "numeric", "forward", "reverse")
R = numpy.random.default_rng(55)
V6 = numpy.array([0.31, -0.52, 0.73, -0.44, 0.26, 0.67])
POS6 = numpy.abs(V6) + 0.2
SQ3 = numpy.array([[1.2, 0.3, -0.4], [0.2, 0.9, 0.5], [-0.3, 0.6, 1.7]])
SPD3 = numpy.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.1]])
M34 = numpy.linspace(-0.8, 0.9, 12).reshape(3, 4) + 0.01 * numpy.arange(12).reshape(3, 4) ** 2
W6 = R.normal(size=6)
W34 = R.normal(size=(3, 4))
C34 = R.normal(size=(3, 4)) + 1j * R.normal(size=(3, 4))
B3 = R.normal(size=(3, 3))
T8 = numpy.linspace(-0.9, 0.8, 8)
XD = numpy.linspace(0.0, 2.0, 7)
YD = numpy.sin(XD) + 0.1 * XD**2

CASES: list = []


def case(label, x0, hess=False):
    """Register f(np, sp, x) under label at x0; hess: also compare dl.hessian (cheap cases)."""

    def add(f):
        CASES.append((label, f, numpy.array(x0, dtype=float), hess))
        return f

    return add


# -- np.fft beyond rfft ----------------------------------------------------------------------------------------
@case("fft.fftn 2-D", M34, hess=True)
def _(np, sp, x):
    return np.sum(np.abs(np.fft.fftn(x) * C34) ** 2)


@case("fft.ifftn", M34)
def _(np, sp, x):
    return np.sum(np.real(np.fft.ifftn(x * C34)) * W34)


@case("fft.irfftn(rfftn·filter)", M34, hess=True)
def _(np, sp, x):
    y = np.fft.irfftn(np.fft.rfftn(x) * np.array([1.0, 0.5, 0.2]), s=x.shape)
    return np.sum(y**2 * W34)


@case("fft.fftshift", V6)
def _(np, sp, x):
    return np.sum(np.fft.fftshift(x) * W6) + np.sum(np.fft.ifftshift(x**2) * W6)


@case("fft.fftshift complex 2-D", M34)
def _(np, sp, x):
    return np.sum(np.abs(np.fft.fftshift(np.fft.fft2(x))) * W34)


@case("fft.hfft", V6, hess=True)
def _(np, sp, x):
    return np.sum(np.fft.hfft(x * (1 + 0.5j)) * np.arange(10.0))


@case("fft.ihfft", V6)
def _(np, sp, x):
    return np.sum(np.abs(np.fft.ihfft(x)) ** 2 * np.arange(4.0))


@case("fft.fft n=8 norm=ortho", V6, hess=True)
def _(np, sp, x):
    return np.sum(np.abs(np.fft.fft(x, n=8, norm="ortho")) ** 3)


@case("fft.rfft2/irfft2", M34)
def _(np, sp, x):
    return np.sum(np.fft.irfft2(np.fft.rfft2(x**2), s=(3, 4)) * W34)


@case("fft.fft axis=0 + ifft", M34)
def _(np, sp, x):
    return np.sum(np.real(np.fft.ifft(np.fft.fft(x, axis=0) ** 2, axis=0)) * W34)


# -- polynomials -------------------------------------------------------------------------------------------------
@case("polynomial.Polynomial(c)(t)", V6[:4], hess=True)
def _(np, sp, c):
    return np.sum(np.polynomial.Polynomial(c)(T8) ** 2)


@case("Polynomial(c).deriv()(t)", V6[:4])
def _(np, sp, c):
    return np.sum(np.polynomial.Polynomial(c).deriv()(T8) * T8)


@case("Polynomial(coef)(traced t)", V6)
def _(np, sp, t):
    return np.sum(np.polynomial.Polynomial([0.3, -1.0, 0.5, 0.2])(t) ** 2)


@case("chebyshev.chebval", V6[:4], hess=True)
def _(np, sp, c):
    return np.sum(np.polynomial.chebyshev.chebval(T8, c) ** 2)


@case("chebval at traced t", V6)
def _(np, sp, t):
    return np.sum(np.polynomial.chebyshev.chebval(t, [0.3, -1.0, 0.5, 0.2]) ** 2)


@case("legendre.legval", V6[:4])
def _(np, sp, c):
    return np.sum(np.polynomial.legendre.legval(T8, c) ** 2)


@case("hermite.hermval", V6[:4])
def _(np, sp, c):
    return np.sum(np.polynomial.hermite.hermval(T8, c) ** 2)


@case("polynomial.polyval (low first)", V6[:4])
def _(np, sp, c):
    return np.sum(np.polynomial.polynomial.polyval(T8, c) ** 2)


@case("Chebyshev(c)(t)", V6[:4])
def _(np, sp, c):
    return np.sum(np.polynomial.Chebyshev(c)(T8) ** 2)


# (poly56: the series classes' methods, and fits of traced data)
@case("Legendre(c).integ(2, k)(t) + deriv(2)", V6[:4])
def _(np, sp, c):
    p = np.polynomial.Legendre(c, domain=[-1.0, 2.0])
    return np.sum(p.integ(2, k=[0.5, -0.2], lbnd=0.3)(T8) * T8 + p.deriv(2)(T8) ** 2)


@case("Hermite(c) * Hermite(c) - c[0]", V6[:4], hess=True)
def _(np, sp, c):
    p = np.polynomial.Hermite(c)
    return np.sum((p * p - c[0] + 2.0 * p)(T8 * 0.5))


@case("Polynomial.fit(x, traced y, 3)(t)", V6)
def _(np, sp, y):
    return np.sum(np.polynomial.Polynomial.fit(T8[:6], y, 3)(T8) ** 2)


# (poly58: roots, division, fromroots, convert, a traced value on the left of a series)
@case("Polynomial(c).roots() (real, distinct)", [0.3, -1.2, 0.4, 0.9])
def _(np, sp, c):
    return np.sum(np.real(np.polynomial.Polynomial(c).roots()) ** 3)


@case("Chebyshev(c).roots() (complex pair)", [1.0, 0.5, 0.3, 0.2], hess=True)
def _(np, sp, c):
    r = np.polynomial.Chebyshev(c).roots()
    return np.sum(np.real(r)) + np.sum(np.imag(r) ** 2)


@case("divmod(Legendre(c), Legendre(d))", V6, hess=True)
def _(np, sp, c):
    q, r = divmod(np.polynomial.Legendre(c[:4]), np.polynomial.Legendre([1.0, c[4], c[5]]))
    return np.sum(q(T8) ** 2) + np.sum(r(T8))


@case("Hermite.fromroots(traced roots)", [0.5, -1.0, 0.7])
def _(np, sp, r):
    return np.sum(np.polynomial.Hermite.fromroots(r)(T8) ** 2)


@case("Chebyshev(c).convert(kind=Polynomial)", V6[:4])
def _(np, sp, c):
    return np.sum(np.polynomial.Chebyshev(c).convert(kind=np.polynomial.Polynomial).coef * np.arange(1.0, 5.0))


@case("x * Laguerre(c) + x (traced x on the left)", V6[:4])
def _(np, sp, c):
    return np.sum((c[0] * np.polynomial.Laguerre(c) - c[1])(T8))


@case("polyder + polyval", V6[:4], hess=True)
def _(np, sp, c):
    return np.sum(np.polyval(np.polyder(c), T8) ** 2)


@case("polyint + polyval", V6[:4])
def _(np, sp, c):
    return np.sum(np.polyval(np.polyint(c), T8) ** 2)


@case("polyadd/polymul", V6[:4], hess=True)
def _(np, sp, c):
    return np.sum(np.polymul(np.polyadd(c, np.array([1.0, 2.0])), c) ** 2)


@case("roots (real, distinct)", [1.0, -6.0, 11.0, -6.05])
def _(np, sp, c):
    return np.sum(np.real(np.roots(c)) ** 3)


# -- histogram, nan-reductions, statistics -----------------------------------------------------------------------
@case("histogram weights=traced", V6, hess=True)
def _(np, sp, w):
    h, _ = np.histogram(V6 * 2.1, bins=4, range=(-1.5, 1.6), weights=w**2)
    return np.sum(h * np.arange(1.0, 5.0))


@case("histogram counts of traced x (zero)", V6)
def _(np, sp, x):
    h, _ = np.histogram(x, bins=3, range=(-1.0, 1.0))
    return np.sum(h * x[:3])


@case("histogram density=True", V6)
def _(np, sp, w):
    h, _ = np.histogram(V6, bins=3, range=(-1.0, 1.0), weights=w**2, density=True)
    return np.sum(h * np.arange(1.0, 4.0))


def _with_nan(np, x):
    return np.where(np.arange(x.size) % 3 == 1, np.nan, x)


@case("nanmean", V6, hess=True)
def _(np, sp, x):
    return np.nanmean(_with_nan(np, x) ** 2)


@case("nansum", V6)
def _(np, sp, x):
    return np.nansum(np.sin(_with_nan(np, x)))


@case("nanstd", V6)
def _(np, sp, x):
    return np.nanstd(_with_nan(np, x))


@case("nanmax", V6)
def _(np, sp, x):
    return np.nanmax(_with_nan(np, x) ** 3)


@case("x[nanargmin]", V6)
def _(np, sp, x):
    return x[np.nanargmin(_with_nan(np, x))] ** 2


@case("nanvar axis=1", M34)
def _(np, sp, x):
    return np.sum(np.nanvar(np.where(W34 > 1.0, np.nan, x), axis=1))


@case("nanprod", V6)
def _(np, sp, x):
    return np.nanprod(_with_nan(np, x))


@case("nanmedian", V6)
def _(np, sp, x):
    return np.nanmedian(_with_nan(np, x) ** 2)


@case("ptp", M34)
def _(np, sp, x):
    return np.sum(np.ptp(x, axis=1) ** 2)


@case("quantile method=lower", V6)
def _(np, sp, x):
    return np.quantile(x, 0.3, method="lower") ** 2


@case("quantile method=midpoint", V6)
def _(np, sp, x):
    return np.sum(np.quantile(x, [0.3, 0.7], method="midpoint") ** 2)


@case("quantile method=weibull", V6)
def _(np, sp, x):
    return np.quantile(x, 0.35, method="weibull") ** 2


@case("average returned=True", V6)
def _(np, sp, x):
    avg, sw = np.average(x**2, weights=POS6 * x, returned=True)
    return avg * sw


@case("cov + corrcoef (rowvar=False)", M34)
def _(np, sp, x):
    return np.sum(np.cov(x, rowvar=False) * np.eye(4)) + np.sum(np.corrcoef(x.T) ** 2)


# -- creation and shape idioms with traced values ------------------------------------------------------------------
@case("einsum with einsum_path", M34)
def _(np, sp, x):
    path = np.einsum_path("ij,jk,kl->il", x, x.T, x, optimize="greedy")[0]
    return np.sum(np.einsum("ij,jk,kl->il", x, x.T, x, optimize=path) ** 2)


@case("matmul out=", SQ3)
def _(np, sp, x):
    out = np.empty((3, 3))
    np.matmul(x, x, out=out)
    return np.sum(out**2)


@case("logspace traced endpoints", V6[:2], hess=True)
def _(np, sp, x):
    return np.sum(np.logspace(x[0], x[1], 5) * np.arange(5.0))


@case("geomspace traced endpoints", POS6[:2], hess=True)
def _(np, sp, x):
    return np.sum(np.geomspace(x[0], x[1], 5) * np.arange(5.0))


@case("linspace endpoint=False traced", V6[:2])
def _(np, sp, x):
    return np.sum(np.linspace(x[0], x[1], 5, endpoint=False) ** 2)


@case("meshgrid", V6)
def _(np, sp, x):
    X, Y = np.meshgrid(x[:3], x[3:], indexing="ij")
    return np.sum(X * Y**2)


@case("tri * A", SQ3)
def _(np, sp, x):
    return np.sum(np.tri(3, k=-1) * x**2)


@case("vander increasing", V6[:4], hess=True)
def _(np, sp, x):
    return np.sum(np.vander(x, 4, increasing=True) @ np.array([1.0, -0.5, 0.3, 0.2]))


@case("inner 3-D", M34.reshape(3, 2, 2))
def _(np, sp, x):
    return np.sum(np.inner(x, x) ** 2)


@case("ix_ indexing", SQ3)
def _(np, sp, x):
    return np.sum(x[np.ix_([0, 2], [1, 2])] ** 2)


@case("put_along_axis on a copy", M34)
def _(np, sp, x):
    b = x.copy()
    np.put_along_axis(b, np.array([[1], [0], [3]]), x[:, :1] ** 2, axis=1)
    return np.sum(b**2 * W34)


@case("insert", V6)
def _(np, sp, x):
    return np.sum(np.insert(x, 2, x[0] * 3.0) ** 2 * np.arange(7.0))


@case("delete", V6)
def _(np, sp, x):
    return np.sum(np.delete(x, [1, 3]) ** 2 * np.arange(4.0))


@case("unique values", V6)
def _(np, sp, x):
    return np.sum(np.unique(x) * W6)


@case("lexsort", V6)
def _(np, sp, x):
    order = np.lexsort((x, np.array([1, 0, 1, 0, 1, 0])))
    return np.sum(x[order] * W6)


@case("where(isclose)", V6)
def _(np, sp, x):
    return np.sum(np.where(np.isclose(x, 0.73), 0.0, x**2))


@case("where(logical_and/or/not)", V6)
def _(np, sp, x):
    m = np.logical_or(np.logical_and(x > 0, x < 0.5), np.logical_not(x > -0.5))
    return np.sum(np.where(m, x**2, np.sin(x)))


@case("clip with array bounds", V6)
def _(np, sp, x):
    return np.sum(np.clip(x, -0.4 * np.ones(6), np.linspace(0.2, 0.8, 6)) ** 2)


@case("clip with traced bounds", V6)
def _(np, sp, x):
    return np.sum(np.clip(W6, x - 0.3, x + 0.3) ** 2)


# -- elementwise odd ones --------------------------------------------------------------------------------------------
@case("float_power", POS6, hess=True)
def _(np, sp, x):
    return np.sum(np.float_power(x, 2.5) + np.float_power(2.0, x))


@case("frexp mantissa", POS6 * 3)
def _(np, sp, x):
    m, e = np.frexp(x)
    return np.sum(m**2 * e)


@case("ldexp", V6, hess=True)
def _(np, sp, x):
    return np.sum(np.ldexp(x, np.array([1, 2, 3, -1, 0, 2])) ** 2)


@case("modf", POS6 * 3)
def _(np, sp, x):
    frac, whole = np.modf(x)
    return np.sum(frac**2 + whole * x)


@case("divmod", V6 * 3)
def _(np, sp, x):
    q, r = np.divmod(x, 0.7)
    return np.sum(r**2 + q * x)


@case("spacing (zero derivative)", POS6)
def _(np, sp, x):
    return np.sum(x**2 + 1e10 * np.spacing(x))


@case("fmod / remainder", V6 * 3)
def _(np, sp, x):
    return np.sum(np.fmod(x, 0.7) ** 2 + np.remainder(x, 0.9) ** 2)


@case("logaddexp2 / hypot / copysign", V6)
def _(np, sp, x):
    return np.sum(np.logaddexp2(x, 0.3) + np.hypot(x, 0.4) + np.copysign(x**2, W6))


@case("cumulative_sum include_initial", V6)
def _(np, sp, x):
    return np.sum(np.cumulative_sum(x, include_initial=True) ** 2)


@case("cumulative_prod", V6, hess=True)
def _(np, sp, x):
    return np.sum(np.cumulative_prod(x) * W6)


@case("vecdot", M34, hess=True)
def _(np, sp, x):
    return np.sum(np.vecdot(x, W34) ** 2)


@case("matvec / vecmat", SQ3)
def _(np, sp, x):
    return np.sum(np.matvec(x, x[0]) ** 2) + np.sum(np.vecmat(x[1], x) ** 3)


# -- np.linalg, NumPy 2 names ----------------------------------------------------------------------------------------
@case("linalg.matrix_norm fro", SQ3, hess=True)
def _(np, sp, x):
    return np.linalg.matrix_norm(x)


@case("linalg.matrix_norm nuc", SQ3)
def _(np, sp, x):
    return np.linalg.matrix_norm(x, ord="nuc")


@case("linalg.vector_norm ord=3", V6, hess=True)
def _(np, sp, x):
    return np.linalg.vector_norm(x, ord=3)


@case("linalg.vector_norm axis keepdims", M34)
def _(np, sp, x):
    return np.sum(np.linalg.vector_norm(x, axis=1, keepdims=True) * x)


@case("linalg.vecdot", M34)
def _(np, sp, x):
    return np.sum(np.linalg.vecdot(x, x**2))


@case("linalg.matrix_transpose", M34)
def _(np, sp, x):
    return np.sum((np.linalg.matrix_transpose(x) @ x) ** 2)


@case("linalg.outer", V6)
def _(np, sp, x):
    return np.sum(np.linalg.outer(x, x[:3]) ** 2)


@case("linalg.tensorsolve", (SQ3 @ SQ3 + numpy.eye(3)).reshape(3, 3))
def _(np, sp, x):
    a = np.kron(x, np.eye(2)).reshape(3, 2, 6)  # (3,2) x (6,) -> a is (3,2,6)
    return np.sum(np.linalg.tensorsolve(a, np.arange(6.0).reshape(3, 2)) ** 2)


@case("linalg.tensorinv", SQ3)
def _(np, sp, x):
    a = np.kron(x, np.eye(2)).reshape(6, 3, 2)
    return np.sum(np.linalg.tensorinv(a, ind=1) ** 2)


@case("linalg.svdvals", M34)
def _(np, sp, x):
    return np.sum(np.linalg.svdvals(x) ** 3)


@case("linalg.eigvalsh UPLO=U", SPD3, hess=True)
def _(np, sp, x):
    return np.sum(np.linalg.eigvalsh(x, UPLO="U") ** 3)


@case("linalg.cross / diagonal / trace", SQ3)
def _(np, sp, x):
    return np.sum(np.linalg.cross(x[0], x[1]) ** 2) + np.linalg.trace(x) * np.sum(np.linalg.diagonal(x))


# -- scipy.linalg --------------------------------------------------------------------------------------------------
@case("scipy.linalg.expm", SQ3 * 0.5, hess=True)
def _(np, sp, x):
    return np.sum(sp.linalg.expm(x) * B3)


@case("scipy.linalg.logm", SPD3)
def _(np, sp, x):
    return np.sum(np.real(sp.linalg.logm(x)) * B3)


@case("scipy.linalg.sqrtm", SPD3)
def _(np, sp, x):
    return np.sum(np.real(sp.linalg.sqrtm(x)) * B3)


@case("scipy.linalg.solve_triangular lower", SQ3 + 2 * numpy.eye(3), hess=True)
def _(np, sp, x):
    return np.sum(sp.linalg.solve_triangular(x, np.array([1.0, 2.0, 3.0]), lower=True) ** 2)


@case("scipy.linalg.cho_factor/cho_solve", SPD3, hess=True)
def _(np, sp, x):
    return np.sum(sp.linalg.cho_solve(sp.linalg.cho_factor(x), np.array([1.0, 2.0, 3.0])) ** 2)


@case("scipy.linalg.lu_factor/lu_solve", SQ3, hess=True)
def _(np, sp, x):
    return np.sum(sp.linalg.lu_solve(sp.linalg.lu_factor(x), np.array([1.0, 2.0, 3.0])) ** 2)


@case("scipy.linalg.block_diag", SQ3)
def _(np, sp, x):
    return np.sum(sp.linalg.block_diag(x, x[:2, :2] ** 2) @ np.arange(5.0))


@case("scipy.linalg.toeplitz", V6[:3])
def _(np, sp, x):
    return np.sum(sp.linalg.toeplitz(x, x**2) @ np.array([1.0, -2.0, 0.5]))


@case("scipy.linalg.circulant", V6[:4])
def _(np, sp, x):
    return np.sum((sp.linalg.circulant(x) @ x) ** 2)


@case("scipy.linalg.solve_sylvester", SQ3 + 2 * numpy.eye(3))
def _(np, sp, x):
    return np.sum(sp.linalg.solve_sylvester(x, SPD3, B3) ** 2)


@case("scipy.linalg.solve assume_a=pos", SPD3)
def _(np, sp, x):
    return np.sum(sp.linalg.solve(x, np.array([1.0, 2.0, 3.0]), assume_a="pos") ** 2)


# -- scipy.signal, ndimage, stats, integrate, interpolate --------------------------------------------------------------
@case("scipy.signal.convolve same", V6, hess=True)
def _(np, sp, x):
    return np.sum(sp.signal.convolve(x, np.array([0.2, 0.5, 0.3]), mode="same") ** 2)


@case("scipy.signal.fftconvolve", V6)
def _(np, sp, x):
    return np.sum(sp.signal.fftconvolve(x, x[::-1]) ** 2)


@case("scipy.signal.lfilter", V6)
def _(np, sp, x):
    return np.sum(sp.signal.lfilter(np.array([0.3, 0.2]), np.array([1.0, -0.5]), x) ** 2)


@case("scipy.ndimage.gaussian_filter1d", V6)
def _(np, sp, x):
    return np.sum(sp.ndimage.gaussian_filter1d(x, 1.2) ** 2 * W6)


@case("scipy.ndimage.convolve1d", V6)
def _(np, sp, x):
    return np.sum(sp.ndimage.convolve1d(x, np.array([0.2, 0.5, 0.3])) ** 2 * W6)


@case("scipy.stats.norm.logpdf loc scale", [0.3, 1.4], hess=True)
def _(np, sp, p):
    return np.sum(sp.stats.norm.logpdf(V6, loc=p[0], scale=p[1]))


@case("scipy.stats.t.logpdf df loc scale", [4.5, 0.3, 1.4], hess=True)
def _(np, sp, p):
    return np.sum(sp.stats.t.logpdf(V6, p[0], loc=p[1], scale=p[2]))


@case("scipy.stats.multivariate_normal.logpdf", [0.1, -0.2, 0.3])
def _(np, sp, m):
    return np.sum(sp.stats.multivariate_normal.logpdf(SQ3, mean=m, cov=SPD3))


@case("multivariate_normal.logpdf traced cov", SPD3)
def _(np, sp, c):
    return np.sum(sp.stats.multivariate_normal.logpdf(SQ3, mean=np.zeros(3), cov=(c + c.T) / 2))


@case("scipy.stats.gamma.logpdf a loc scale", [2.5, -1.0, 0.8], hess=True)
def _(np, sp, p):
    return np.sum(sp.stats.gamma.logpdf(V6, p[0], loc=p[1], scale=p[2]))


@case("scipy.integrate.trapezoid", V6)
def _(np, sp, x):
    return sp.integrate.trapezoid(x**2, x=np.linspace(0, 1, 6))


@case("scipy.integrate.simpson", V6)
def _(np, sp, x):
    return sp.integrate.simpson(np.sin(x), x=np.linspace(0, 1, 6))


@case("scipy.integrate.cumulative_trapezoid", V6)
def _(np, sp, x):
    return np.sum(sp.integrate.cumulative_trapezoid(x**2, dx=0.2, initial=0) ** 2)


@case("CubicSpline(xd, yd)(traced x)", [0.3, 0.9, 1.45, 1.8])
def _(np, sp, x):
    return np.sum(sp.interpolate.CubicSpline(XD, YD)(x) ** 2)


@case("CubicSpline(xd, yd).derivative()(x)", [0.3, 0.9, 1.45, 1.8])
def _(np, sp, x):
    return np.sum(sp.interpolate.CubicSpline(XD, YD, bc_type="natural").derivative()(x) ** 2)


@case("CubicSpline(xd, traced yd)(t) clamped", YD, hess=True)
def _(np, sp, y):
    return np.sum(sp.interpolate.CubicSpline(XD, y, bc_type="clamped")(T8 + 1.0) ** 2)


@case("CubicSpline(xd, traced yd)(traced x)", numpy.r_[YD, 0.3, 0.9, 1.45, 1.8])
def _(np, sp, v):
    return np.sum(sp.interpolate.CubicSpline(XD, v[:7], bc_type="natural")(v[7:]) ** 3)


@case("CubicSpline(xd, traced yd).integrate + antiderivative", YD, hess=True)
def _(np, sp, y):
    s = sp.interpolate.CubicSpline(XD, y)
    return s.integrate(0.2, 1.7) ** 2 + np.sum(s.antiderivative()(T8 + 1.0) ** 2)


@case("CubicSpline(xd, yd).integrate(a, traced b)", [1.3])
def _(np, sp, b):
    return sp.interpolate.CubicSpline(XD, YD).integrate(0.1, b[0]) ** 2


@case("CubicSpline(xd, traced yd).solve(0.5, extrapolate=False)", YD)
def _(np, sp, y):
    return np.sum(sp.interpolate.CubicSpline(XD, y - 0.3 * XD).solve(0.5, extrapolate=False) ** 2)


# -- keywords a user passes along (where=, initial=, weights=, traced q, prepend=, return_*) ----------------------------
@case("sum/mean where=", M34)
def _(np, sp, x):
    m = W34 > -0.5
    return np.sum(x**2, where=m) + np.mean(np.sin(x), axis=1, where=m).sum()


@case("max initial= where=", M34)
def _(np, sp, x):
    return np.sum(np.max(x**2, axis=1, initial=0.1, where=W34 > -0.5))


@case("std/var where=", M34)
def _(np, sp, x):
    return np.std(x, where=W34 > -0.5) + np.sum(np.var(x, axis=0, where=W34 > -1.0))


@case("prod where=", M34)
def _(np, sp, x):
    return np.prod(x + 1.5, where=W34 > 0)


@case("quantile of traced q", [0.3, 0.55])
def _(np, sp, q):
    return np.sum(np.quantile(V6, q) ** 2)


@case("quantile weights= inverted_cdf", V6)
def _(np, sp, x):
    return np.quantile(x, 0.4, weights=POS6, method="inverted_cdf") ** 2


@case("nanpercentile weights= (NaN entries)", V6)
def _(np, sp, x):
    return np.nanpercentile(_with_nan(np, x), 40.0, weights=POS6, method="inverted_cdf") ** 2


@case("quantile weights= over a tuple axis", M34)
def _(np, sp, x):
    w = POS6[:4] * numpy.ones((3, 1))
    return np.sum(np.quantile(x[None], [0.3, 0.8], axis=(0, 2), weights=w[None], method="inverted_cdf") ** 2)


@case("percentile weights= along axis", M34)
def _(np, sp, x):
    return np.sum(np.percentile(x, [20.0, 70.0], axis=1, weights=POS6[:4], method="inverted_cdf") ** 2)


@case("nanquantile/nanpercentile", V6)
def _(np, sp, x):
    y = _with_nan(np, x)
    return np.nanquantile(y, 0.3) ** 2 + np.nanpercentile(y, 70.0) ** 3


@case("median axis even count", M34)
def _(np, sp, x):
    return np.sum(np.median(x, axis=1) ** 2)


@case("diff prepend/append traced", V6)
def _(np, sp, x):
    return np.sum(np.diff(x**2, prepend=x[0], append=x[-1] * 2) ** 2)


@case("ediff1d to_begin", V6)
def _(np, sp, x):
    return np.sum(np.ediff1d(x, to_begin=x[:1] * 3, to_end=[1.0]) ** 2)


@case("unique return_counts", V6)
def _(np, sp, x):
    v, c = np.unique(np.concatenate([x, x[:2]]), return_counts=True)
    return np.sum(v * c * np.arange(6.0))


@case("unique return_inverse", V6)
def _(np, sp, x):
    v, inv = np.unique(np.concatenate([x, x[:2]]), return_inverse=True)
    return np.sum(v[inv] ** 2 * np.arange(8.0))


@case("interp traced xp, fp", [0.0, 0.7, 1.3, 2.0])
def _(np, sp, xp):
    return np.sum(np.interp(np.array([0.2, 0.9, 1.5]), xp, xp**2 + 1.0) ** 2)


@case("searchsorted + gather", V6)
def _(np, sp, x):
    i = np.searchsorted(np.sort(x), 0.1)
    return np.sort(x)[i] ** 2 + np.sum(x[:i] ** 2)


@case("take mode=clip / choose", V6)
def _(np, sp, x):
    return np.sum(np.take(x, [0, 7, -9], mode="clip") ** 2) + np.sum(np.choose([0, 1, 0], [x[:3], x[3:]]) ** 3)


@case("compress / extract", V6)
def _(np, sp, x):
    return np.sum(np.compress(W6 > 0, x) ** 2) + np.sum(np.extract(W6 < 0, x) ** 3)


@case("resize cyclic", V6)
def _(np, sp, x):
    return np.sum(np.resize(x, (3, 4)) * W34)


@case("apply_over_axes", M34)
def _(np, sp, x):
    return np.sum(np.apply_over_axes(np.sum, x**2, [0]) ** 2)


@case("nan_to_num posinf= on log", V6)
def _(np, sp, x):
    return np.sum(np.nan_to_num(np.log(x**2), posinf=3.0, neginf=-3.0) * W6)


@case("heaviside(x, traced h0)", [0.0, 0.3, -0.2])
def _(np, sp, x):
    return np.sum(np.heaviside(x, x[0] + 0.5) * x)


@case("correlate full", V6)
def _(np, sp, x):
    return np.sum(np.correlate(x, x[:3] ** 2, mode="full") ** 2)


@case("convolve valid traced kernel", V6)
def _(np, sp, x):
    return np.sum(np.convolve(W6, x[:3], mode="valid") ** 2)


@case("linalg.inv/det batched", numpy.stack([SQ3, SPD3]))
def _(np, sp, x):
    return np.sum(np.linalg.inv(x) * B3) + np.sum(np.linalg.det(x) ** 2)


@case("linalg.solve batched (..., n, 1)", numpy.stack([SQ3, SPD3]))
def _(np, sp, x):
    return np.sum(np.linalg.solve(x, np.ones((2, 3, 1))) ** 2)


@case("linalg.matrix_norm ord=2/-2/1/inf", SQ3)
def _(np, sp, x):
    return sum(np.linalg.matrix_norm(x, ord=o) ** 2 for o in (2, -2, 1, np.inf))


@case("linalg.vector_norm ord=inf/-inf/0", V6)
def _(np, sp, x):
    return sum(np.linalg.vector_norm(x, ord=o) ** 2 for o in (np.inf, -np.inf)) + np.linalg.vector_norm(x, ord=0) * x[0]


@case("linalg.matrix_power negative", SQ3)
def _(np, sp, x):
    return np.sum(np.linalg.matrix_power(x, -2) * B3)


@case("linalg.eig of symmetric (real parts)", SPD3)
def _(np, sp, x):
    w, v = np.linalg.eig(x)
    return np.sum(np.real(w) ** 3)


@case("cross axisa/axisb", M34[:, :3])
def _(np, sp, x):
    return np.sum(np.cross(x, x**2, axisa=0, axisb=0) ** 2)


@case("einsum optimize=True 4 operands", SQ3)
def _(np, sp, x):
    return np.einsum("ij,jk,kl,li->", x, x.T, x, B3, optimize=True)


@case("angle / unwrap period", V6 * 3)
def _(np, sp, x):
    return np.sum(np.unwrap(np.cumsum(x), period=2.0) ** 2) + np.sum(np.angle(x + 0.5j) ** 2)


@case("round / floor piecewise-constant", V6 * 3)
def _(np, sp, x):
    return np.sum(x * np.round(x, 1) + np.floor(x) * x**2)


@case("cumulative_sum axis include_initial 2-D", M34)
def _(np, sp, x):
    return np.sum(np.cumulative_sum(x, axis=1, include_initial=True) ** 2)


@case("histogram traced bin edges", [-1.0, -0.1, 0.4, 1.0])
def _(np, sp, e):
    h, edges = np.histogram(V6, bins=e)
    return np.sum(h * edges[1:]) + np.sum(edges**2)


@case("histogram2d weights", V6)
def _(np, sp, w):
    h, _, _ = np.histogram2d(V6, V6[::-1], bins=2, range=[[-1, 1], [-1, 1]], weights=w**2)
    return np.sum(h * np.array([[1.0, 2.0], [3.0, 4.0]]))


@case("ma.masked_array mean", V6)
def _(np, sp, x):
    return np.ma.masked_array(x**2, mask=W6 > 1.0).mean()


@case("trapezoid 2-D axis=0 with x", M34)
def _(np, sp, x):
    return np.sum(np.trapezoid(x**2, x=np.array([0.0, 0.4, 1.0]), axis=0))


@case("polyval of traced x (poly1d)", V6)
def _(np, sp, x):
    return np.sum(np.poly1d([0.3, -1.0, 0.5])(x) ** 2)


@case("poly of traced roots", V6[:3])
def _(np, sp, r):
    return np.sum(np.poly(r) ** 2)


@case("sort_complex / real_if_close", V6)
def _(np, sp, x):
    return np.sum(np.real_if_close(x + 0j) ** 2)


@case("select default traced", V6)
def _(np, sp, x):
    return np.sum(np.select([x > 0.5, x < -0.3], [x**2, np.sin(x)], default=x * 3.0))


@case("block + kron 3-D", SQ3)
def _(np, sp, x):
    return np.sum(np.block([[x, x**2], [np.eye(3), x.T]]) ** 2) + np.sum(np.kron(x[None], x[:2, :2, None]) ** 2)


@case("fftfreq with traced d", [0.5])
def _(np, sp, d):
    return np.sum(np.fft.fftfreq(6, d[0]) ** 2) + np.sum(np.fft.rfftfreq(5, d[0]) ** 3)


@case("linalg.lstsq rcond=None residuals", M34.T)
def _(np, sp, a):
    sol, res, rank, sv = np.linalg.lstsq(a, np.array([1.0, 2.0, 0.5, -1.0]), rcond=None)
    return np.sum(sol**2) + np.sum(res) + np.sum(sv)


@case("linalg.qr mode=r / complete", M34.T)
def _(np, sp, a):
    r = np.linalg.qr(a, mode="r")
    q, r2 = np.linalg.qr(a, mode="complete")
    return np.sum(np.abs(np.diag(r))) + np.sum((q @ r2) ** 2)


@case("linalg.pinv hermitian=True", SPD3)
def _(np, sp, a):
    return np.sum(np.linalg.pinv(a, hermitian=True) * B3)


# ---------------------------------------------------------------------------------------------------------------------


def _jax():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy as jsp
    import jax.scipy.integrate  # noqa: F401
    import jax.scipy.linalg  # noqa: F401
    import jax.scipy.ndimage  # noqa: F401
    import jax.scipy.signal  # noqa: F401
    import jax.scipy.stats  # noqa: F401

    ns = types.SimpleNamespace(
        linalg=jsp.linalg,
        signal=jsp.signal,
        ndimage=jsp.ndimage,
        stats=jsp.stats,
        integrate=jsp.integrate,
        interpolate=types.SimpleNamespace(),
    )
    return jax, jnp, ns


def reference(f, x0, order):
    """{"jax": JAX x64's derivative of the same code, "nd": numdifftools' of f on plain arrays}; None where either
    cannot answer (JAX lacks the call; a step leaves the domain)."""
    import numdifftools as nd

    plain = lambda v: f(numpy, scipy, v.reshape(x0.shape))  # noqa: E731
    shape = x0.shape if order == 1 else x0.shape + x0.shape
    refs = {"nd": None}
    refs["nd_tol"] = 0.0
    for base in (None, 1e-4):  # numdifftools' default first steps are 2: cho_factor of a matrix no longer SPD
        step = (nd.Gradient if order == 1 else nd.Hessian)(plain, base_step=base)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                refs["nd"] = numpy.asarray(step(x0.ravel())).reshape(shape)
            refs["nd_tol"] = 0.0 if base is None else 1e-4  # (small first steps: about 1e-5 accurate)
            break
        except Exception:  # noqa: BLE001  (a step leaving the domain)
            pass
    try:
        jax, jnp, ns = _jax()
        op = jax.grad if order == 1 else jax.hessian
        refs["jax"] = numpy.asarray(op(lambda v: f(jnp, ns, v))(jnp.asarray(x0)))
        if not numpy.all(numpy.isfinite(refs["jax"])):
            refs["jax"] = None
    except Exception:  # noqa: BLE001  (JAX lacks or refuses the call)
        refs["jax"] = None
    return refs


def _close(got, ref, tol):
    return got.shape == ref.shape and numpy.allclose(got, ref, rtol=tol, atol=tol * max(1.0, numpy.abs(ref).max()))


def source(refs):
    """The ref column: which references answered, and whether they agree (numdifftools at 1e-5)."""
    j, n = refs["jax"], refs["nd"]
    if j is None or n is None:
        return "jax" if j is not None else "nd" if n is not None else "none"
    return "jax = nd" if _close(j, n, builtins.max(1e-5, refs["nd_tol"])) else "jax ≠ nd"


class _Timeout(Exception):
    pass


def _alarm(*_):
    raise _Timeout


def _attempt(f, x0, method, order, timeout, np_, sp_):
    """dl.grad/dl.hessian of f spelled with the namespaces np_, sp_: the array, or the exception raised."""
    op = dl.grad if order == 1 else dl.hessian
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return numpy.asarray(op(lambda v: f(np_, sp_, v), method=method)(x0.copy()))
    except Exception as e:  # noqa: BLE001  (the table's point: which idioms raise, and how)
        return e
    finally:
        signal.alarm(0)


def _judge(got, ref, method):
    """(verdict, why) of an array or an exception against the references."""
    if isinstance(got, _Timeout):
        return "timeout", "over the time limit"
    if isinstance(got, DifflabError):
        return "refused", f"{type(got).__name__}: {str(got).splitlines()[0][:140]}"
    if isinstance(got, Exception):
        return "traceback", f"{type(got).__name__}: {str(got).splitlines()[0][:140] if str(got) else ''}"
    tol = 1e-5 if method == "numeric" else 1e-7
    have = {k: r for k, r in ref.items() if r is not None and k != "nd_tol"}
    if not have:
        return "no ref", "neither JAX nor numdifftools answered"
    agree = [k for k, r in have.items() if _close(got, r, builtins.max(tol, ref["nd_tol"] if k == "nd" else 0))]
    if agree:
        return "right", "" if len(agree) == len(have) else f"agrees with {agree[0]} only"
    r = next(iter(have.values()))
    err = numpy.abs(got - r).max() if got.shape == r.shape else float("nan")
    return "wrong", f"max |Δ| {err:.3g} from {next(iter(have))} (shape {got.shape})"


def cell(f, x0, method, order, ref, timeout):
    """The plain spelling's verdict; a refusal naming difflab.numpy/difflab.scipy is retried with those
    namespaces (the refusal's advice) and the verdict reads `refused → right` when the advice works."""
    got = _attempt(f, x0, method, order, timeout, numpy, scipy)
    verdict, why = _judge(got, ref, method)
    if verdict == "refused" and "use difflab." in str(got):
        import difflab.numpy as dnp
        import difflab.scipy as dsp

        advised, how = _judge(_attempt(f, x0, method, order, timeout, dnp, dsp), ref, method)
        tail = str(got).split("; ")[-1][:90]  # the refusal's advice
        return f"refused → {advised}", f"{type(got).__name__}: …{tail}" + (f" [dnp/dsp: {how}]" if how else "")
    return verdict, why


def run(only, methods, timeout, skip=0, stop=None):
    rows = []
    for label, f, x0, hess in CASES[skip:stop]:
        if only and not any(o in label for o in only):
            continue
        for order in (1, 2) if hess else (1,):
            ref = reference(f, x0, order)
            src = source(ref)
            for m in methods:
                t = time.perf_counter()
                verdict, why = cell(f, x0, m, order, ref, timeout)
                rows.append((label, "grad" if order == 1 else "hessian", m, verdict, why, src))
                print(
                    f"{label:45s} {rows[-1][1]:7s} {m:8s} {verdict:9s} {time.perf_counter() - t:5.1f}s {why}",
                    file=sys.stderr,
                    flush=True,
                )
    return rows


BEGIN = "<!-- newuser_idioms: begin (generated by bench/newuser_idioms.py; do not edit by hand) -->"
END = "<!-- newuser_idioms: end -->"


def table(rows, command):
    n = len({r[0] for r in rows})
    counts = {v: sum(r[3] == v for r in rows) for v in sorted({r[3] for r in rows})}
    lines = [
        BEGIN,
        "",
        f"`{command}`: {n} idioms, {len(rows)} cells (idiom × grad/hessian × method): "
        + ", ".join(f"{v} {c}" for v, c in counts.items())
        + ".",
        "",
        "| idiom | order | ref | symbolic | numeric | forward | reverse | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    by = {}
    for label, order, m, verdict, why, src in rows:
        by.setdefault((label, order), {"src": src})[m] = (verdict, why)
    for (label, order), d in by.items():
        notes = sorted({f"{m}: {d[m][1]}" for m in METHODS if m in d and d[m][1]})
        note = "; ".join(notes).replace("|", "/")[:220]
        cells = " | ".join(d[m][0] if m in d else "—" for m in METHODS)
        lines.append(f"| {label} | {order} | {d['src']} | {cells} | {note} |")
    lines += ["", END]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--methods", nargs="*", default=list(METHODS))
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--skip", type=int, default=0, help="start at the case of this index")
    ap.add_argument("--stop", type=int, default=None, help="stop before the case of this index")
    ap.add_argument("--save", help="write the rows as JSON (to run parts in parallel)")
    ap.add_argument("--load", nargs="*", help="tabulate rows saved by --save instead of running")
    ap.add_argument("--output", help="a Markdown file whose generated section (between the markers) is replaced")
    a = ap.parse_args()
    if a.load:
        merged = {}  # (a later file's row replaces an earlier one of the same idiom, order and method: a re-run)
        for f in a.load:
            merged.update({tuple(r[:3]): tuple(r) for r in json.loads(Path(f).read_text())})
        order = {label: i for i, (label, *_) in enumerate(CASES)}
        rows = sorted(merged.values(), key=lambda r: (order.get(r[0], -1), r[1], METHODS.index(r[2])))
    else:
        rows = run(a.only, a.methods, a.timeout, a.skip, a.stop)
    if a.save:
        Path(a.save).write_text(json.dumps(rows))
    text = table(rows, "python bench/newuser_idioms.py" + (f" --timeout {a.timeout}" if a.timeout != 60 else ""))
    if a.output:
        path = Path(a.output)
        old = path.read_text()
        if BEGIN in old:
            old = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END) :]
        else:
            old = old.rstrip("\n") + "\n\n## A new user's idioms, round 2 (newuser55)\n\n" + text + "\n"
        path.write_text(old)
    print(text)


if __name__ == "__main__":
    main()
