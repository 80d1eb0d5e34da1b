"""First and second derivatives at large and tiny magnitudes under the exact methods (issue 11), against SymPy's
derivative evaluated in 50 digits (run: `nice -n 10 python bench/extreme_magnitudes.py [NAME ...]`, about 10 s).

For each expression, point and order it prints what each exact method gave where that is not the derivative to
1e-9 (or a correctly rounded 0/subnormal below 1e-300): `said` (a warning came with it), `SILENT WRONG`, or
`right+warn`. Where the reference is 0 (sqrt(2x²)'' and the like) a second derivative within 4 ulps of the size of
its terms, |f'(x)/x| (hypot(x,x)'' at 1e-100: -3.9e84 beside terms of 1.4e100, their difference rounded), prints as
`rounding (exact 0)`, not as silent. Not part of the timed tests: tests/test_overflow_second_order.py keeps the cases.
"""

from __future__ import annotations

import math
import sys
import warnings

import mpmath as mp
import sympy as sp

import difflab as dl
import difflab.numpy as dnp

EXACT = ("symbolic", "forward", "reverse")
X = sp.Symbol("x", positive=True)
CASES = [
    ("log(x*x)", lambda x: dnp.log(x * x), "log(x*x)"),
    ("log(x)", lambda x: dnp.log(x), "log(x)"),
    ("log1p(x)", lambda x: dnp.log1p(x), "log(1+x)"),
    ("log1p(x*x)", lambda x: dnp.log1p(x * x), "log(1+x*x)"),
    ("sqrt(x)", lambda x: dnp.sqrt(x), "sqrt(x)"),
    ("cbrt(x)", lambda x: dnp.cbrt(x), "x**(S(1)/3)"),
    ("1/x", lambda x: 1 / x, "1/x"),
    ("reciprocal(x)", lambda x: dnp.reciprocal(x), "1/x"),
    ("x**-2", lambda x: x**-2.0, "x**-2"),
    ("x**0.5", lambda x: x**0.5, "sqrt(x)"),
    ("x**3", lambda x: x**3.0, "x**3"),
    ("x**-0.5", lambda x: x**-0.5, "1/sqrt(x)"),
    ("hypot(x,1)", lambda x: dnp.hypot(x, 1.0), "sqrt(x*x+1)"),
    ("hypot(x,x)", lambda x: dnp.hypot(x, x), "sqrt(2*x*x)"),
    ("arctan(x)", lambda x: dnp.arctan(x), "atan(x)"),
    ("arctan2(x,1)", lambda x: dnp.arctan2(x, 1.0), "atan2(x,1)"),
    ("tanh(x)", lambda x: dnp.tanh(x), "tanh(x)"),
    ("exp(-x)", lambda x: dnp.exp(-x), "exp(-x)"),
    ("x/(x*x)", lambda x: x / (x * x), "1/x"),
    ("sqrt(x*x)", lambda x: dnp.sqrt(x * x), "x"),
    ("1/sqrt(x*x+1)", lambda x: 1 / dnp.sqrt(x * x + 1.0), "1/sqrt(x*x+1)"),
    ("1/sqrt(x*x+x*x)", lambda x: 1 / dnp.sqrt(x * x + x * x), "1/sqrt(2*x*x)"),
    ("1/(x*x)", lambda x: 1 / (x * x), "1/x**2"),
    ("log(sqrt(x))", lambda x: dnp.log(dnp.sqrt(x)), "log(x)/2"),
    ("sigmoid(x)", lambda x: dnp.sigmoid(x), "1/(1+exp(-x))"),
    ("1/(1+exp(-x))", lambda x: 1 / (1 + dnp.exp(-x)), "1/(1+exp(-x))"),
    ("log(1+exp(x))", lambda x: dnp.log(1 + dnp.exp(x)), "log(1+exp(x))"),
    ("logaddexp(x,0)", lambda x: dnp.logaddexp(x, 0.0), "log(1+exp(x))"),
    ("norm([x,x])", lambda x: dnp.linalg.norm(dnp.stack([x, x])), "sqrt(2*x*x)"),
    ("norm([x,1])", lambda x: dnp.linalg.norm(dnp.stack([x, 1.0 + 0 * x])), "sqrt(x*x+1)"),
    ("logsumexp([x,2x])", lambda x: dnp.logsumexp(dnp.stack([x, 2 * x])), "log(exp(x)+exp(2*x))"),
    ("x*log(x)", lambda x: x * dnp.log(x), "x*log(x)"),
    ("x/sqrt(x)", lambda x: x / dnp.sqrt(x), "sqrt(x)"),
    ("square(x)", lambda x: dnp.square(x), "x*x"),
    ("log(x**2)", lambda x: dnp.log(x**2.0), "log(x*x)"),
    ("log(square(x))", lambda x: dnp.log(dnp.square(x)), "log(x*x)"),
    ("1/x**2", lambda x: 1 / x**2.0, "1/x**2"),
    ("(x*x+1)**-0.5", lambda x: (x * x + 1.0) ** -0.5, "(x*x+1)**(-S(1)/2)"),
    ("1/cbrt(x*x)", lambda x: 1 / dnp.cbrt(x * x), "x**(-S(2)/3)"),
    ("arctan(x*x)", lambda x: dnp.arctan(x * x), "atan(x*x)"),
]
POINTS = [1e100, 7e149, 1e160, 1e200, 1e300, 1e-100, 1e-150, 7e-160, 1e-200, 1e-300, 1e-310]


def _float(r) -> float:
    r = mp.mpf(str(r))
    return math.copysign(math.inf, r) if abs(r) > mp.mpf("1.7976931348623157e308") else float(r)


def main(names) -> None:
    mp.mp.dps = 60
    counts: dict[str, int] = {}
    for name, f, text in CASES:
        if names and name not in names:
            continue
        e = sp.sympify(text, locals={"x": X})
        derivatives = {1: sp.diff(e, X), 2: sp.diff(e, X, 2)}
        for x in POINTS:
            for order, op in ((1, dl.grad), (2, dl.hessian)):
                r = derivatives[order].subs(X, sp.Float(repr(x), 60)).evalf(50)
                if not r.is_real:
                    continue
                want = _float(r)
                # the size of a second derivative's terms, |f'(x)/x|: a reference 0 is their difference, rounded
                terms = abs(_float(derivatives[1].subs(X, sp.Float(repr(x), 60)).evalf(50) / x)) if order == 2 else 0.0
                for method in EXACT:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        got = float(op(f, method=method)(x))
                    said = sorted({w.category.__name__ for w in caught})
                    right = got == want or (math.isfinite(want) and abs(got - want) <= 1e-9 * abs(want))
                    right = right or (abs(want) < 1e-300 and abs(got - want) <= 1e-9 * 2.2e-308)
                    if right and not said:
                        continue
                    rounding = want == 0.0 and abs(got) <= 4 * 2.220446049250313e-16 * terms
                    status = (
                        "right+warn"
                        if right
                        else "said"
                        if said
                        else "rounding (exact 0)"
                        if rounding
                        else "SILENT WRONG"
                    )
                    counts[status] = counts.get(status, 0) + 1
                    print(f"{name:18s} x={x:8.0e} d{order} {method:8s} got={got:.6e} want={want:.6e} {status} {said}")
    print(counts)


if __name__ == "__main__":
    main(sys.argv[1:])
