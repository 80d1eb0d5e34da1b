"""The symbolic method's shortcuts around SymPy's general constructors (ops/canonical.py, the
one-example printer's `_plain_code`, `Program._singular`'s scan): each gives exactly what SymPy's own
`a * b`, `Add`, `diff` and code printer give (the same arguments in the same order, the same text), so the
generated code and every value it computes are unchanged; and a nested symbolic derivative built with
them equals reverse's."""

import numpy as np
import pytest
import sympy as sp

import difflab as dl
import difflab.numpy as dnp
from difflab.compile.symbolic import _named_printer, _plain_code, scalar_code
from difflab.differentiators import Symbolic
from difflab.ops.canonical import derivative, product, total

x, y, z = sp.symbols("x0_1 v3_0 t_v3_2", real=True)
ALL = [
    x,
    y,
    z,
    sp.Integer(2),
    sp.Integer(-1),
    sp.Integer(0),
    sp.Integer(1),
    sp.Rational(1, 2),
    sp.Float(0.37),
    sp.Float(-1.5),
    sp.Float(1.0),
    sp.Float(-1.0),
    sp.Float(0.0),
    sp.oo,
    sp.nan,
    x * y,
    -x,
    2.5 * y * z,
    2 * x * z,
    x * y * z,
    -y * z,
    -3 * x * y * z,
    x + y,
    x**2,
    sp.sin(z),
]


def same(a, b) -> bool:
    """Equal as SymPy objects, with the same arguments in the same order (what the printer walks)."""
    return a == b and type(a) is type(b) and getattr(a, "args", ()) == getattr(b, "args", ())


@pytest.mark.parametrize("a", ALL, ids=str)
def test_product_is_sympy_s_product(a):
    for b in ALL:
        assert same(product(a, b), a * b), (a, b)


@pytest.mark.parametrize(
    "terms",
    [
        [],
        [x],
        [0, x],
        [x, y, z],
        [z, y, x],  # SymPy's order, not the given one
        [x * y, 2.5 * z, -y],
        [x, 2 * x],  # like terms: SymPy collects them
        [x * y, -x * y],  # cancel to 0
        [sp.Float(0.5), x, sp.Integer(3)],
        [x + y, z],  # a sum inside: flattened
        [sp.oo * x, y],
        [x**2, x * y, sp.sin(z)],
        [sp.Float(0.0), x],
    ],
    ids=str,
)
def test_total_is_sympy_s_sum(terms):
    assert same(total(terms), sp.Add(*terms) if terms else sp.S.Zero)
    assert same(total(terms), sum(terms, sp.S.Zero))  # (adjoints were summed term by term before)


@pytest.mark.parametrize(
    "e",
    [
        x * y + 2.5 * y * z - x,
        x * y * z,
        -x,
        3 * x,
        x + y + z + 1,
        -(x * y) + y,
        x**2 + y,
        x**2 - y**3,
        # negative powers: an opaque rule's 1/σ_j and named gap 1/(σ_q² − σ_p²) (complex_matrices.py)
        x / y,
        -2 * x * z / y**2 + y**-3,
        x**-2 * y * z + x,
        1 / x,
        y**3,
    ],
    ids=str,
)
def test_derivative_of_a_sum_of_products_is_sympy_s_diff(e):
    for u in (x, y, z):
        assert same(derivative(e, u), e.diff(u)), (e, u)


@pytest.mark.parametrize("e", [x**2.5 + y, sp.sin(x) * y, 1 / (x + y), x, sp.Integer(3)], ids=str)
def test_derivative_leaves_powers_and_functions_to_sympy(e):
    assert derivative(e, x) is None


@pytest.mark.parametrize(
    "e",
    [
        x * y,
        -x,
        -x * y * z,
        2 * x * y,
        -3 * x,
        sp.Float(0.1) * x * y,
        sp.Float(-0.1) * x,
        sp.Float(1.0) * x,
        sp.Float(-1.0) * x * z,
        x * y - 2.5 * z + sp.Float(-0.25),
        -x - y,
        x + sp.Integer(1),
        -x * y + sp.Float(1.5) * z,
        sp.Rational(1, 3) * x * y + z,  # a rational coefficient: the general printer
        x**2 * y - z,
        sp.sin(x) * y + z,
    ],
    ids=str,
)
def test_plain_code_prints_what_sympy_s_code_printer_prints(e):
    named = _named_printer({y: "_a1"})
    general = _named_printer({y: "_a1"})
    general_text = type(general).__mro__[1]._print(general, e)  # the base printer (names still answered)
    plain = _plain_code(named, e)
    assert plain is None or plain == general_text
    assert named.code(e) == general.doprint(e) == general_text
    if e.is_Mul and all(f.is_Symbol for f in e.args):
        assert plain == "*".join(named._print(f) for f in e.args)  # the shortcut was taken


def test_scalar_code_evaluates_what_lambdify_evaluates():
    a, b, c = sp.symbols("a b c", real=True)
    s = sp.Symbol("s", real=True)
    exprs = [-s * c + sp.Float(0.3) * a - b, sp.Float(-1.7) * a * b * c]
    fn = scalar_code([a, b, c], [(s, a * b + sp.Float(2.5) * c)], exprs)
    ref = sp.lambdify([a, b, c], [e.subs(s, a * b + sp.Float(2.5) * c) for e in exprs], "math")
    point = (0.7, -1.3, 2.2)
    assert list(fn(*point)) == ref(*point)  # bitwise: the same operations in the same order


def test_singular_scans_appended_assignments_once_and_matches_a_rescan():
    graph = dl.trace(lambda x: dnp.log(x) * dnp.sum(x) / dnp.sum(x**2), np.array([0.5, 1.5, 2.0]))
    prepared = Symbolic().prepare(graph, (0,))
    prepared._expand()
    program = prepared.program.extended(3, 3)
    first = program._singular()
    program.gradient(program.outputs, list(program.inputs[0]), "u_", u=list(program.inputs[-1]))
    grown = program._singular()
    from difflab.differentiators.program import _maybe_infinite

    rescan = set()
    for s, e in program.assignments:
        if _maybe_infinite(e, rescan):
            rescan.add(s)
    assert first <= grown == rescan and len(grown) > len(first)


def test_a_third_order_tensordot_check_under_symbolic_equals_reverse():
    """The shape of autograd's test_tensordot_3 (the products these shortcuts speed up), once: a JVP of a VJP
    of tensordot, symbolic over symbolic against reverse over reverse."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 4))
    u, v = rng.standard_normal(4), rng.standard_normal((2, 3))

    def vjp_f(a, m):
        def pulled(a):
            return dl.vjp(lambda a: dnp.tensordot(a, b, axes=[(0, 1), (0, 1)]), a, method=m)[1](u)

        return dl.jvp(pulled, (a,), (v,), method=m)[1]

    np.testing.assert_allclose(vjp_f(a, "symbolic"), vjp_f(a, "reverse"), rtol=1e-13, atol=1e-14)


def _strong_products():
    from difflab.ops.elementwise import strong_mul_sympy

    sm = strong_mul_sympy()
    w = sp.Symbol("o7_2", real=True)
    return [
        sm(x, y),
        sm(x, y * z / w**2),
        sm(w, -x * y + 2 * z / w) + x * y,
        sm(z, x) + sm(w, y**2),
        sm(x, sp.Float(1.5)),
    ]


@pytest.mark.parametrize("e", _strong_products(), ids=str)
def test_derivative_of_strong_products_is_sympy_s_diff(e):
    # a Hessian's second sweep differentiates the first's adjoints, sums of strong products: program.py's
    # `_strong_term` takes them as canonical.derivative's terms, equal to SymPy's diff through strong_mul's rule
    from difflab.differentiators.program import _strong_term

    w = sp.Symbol("o7_2", real=True)
    for u in (x, y, z, w):
        assert same(derivative(e, u, _strong_term), e.diff(u)), (e, u)
    assert derivative(-e, x, _strong_term) is None or same(derivative(-e, x, _strong_term), (-e).diff(x))


@pytest.mark.parametrize(
    "a", [x, -x * y, x * y / z**2, x * y - z, sp.Float(2.5), sp.Integer(0), sp.Integer(-1), x + 1, sp.oo], ids=str
)
def test_strong_products_of_plain_terms_are_sympy_s(a):
    # strong_mul's evaluation skips SymPy's is_zero on symbols, products and sums of them (`_not_zero_plainly`):
    # the same object as through SymPy's assumptions (a fresh class without the shortcut computes that)
    from difflab.ops import elementwise

    fn = elementwise.strong_mul_sympy()
    for b in (y, y * z, -z / y, sp.Float(-1.5), sp.Integer(0), y - z**2):
        slow = a.is_zero or b.is_zero
        want = (
            sp.Integer(0) if slow else a * b if (a.is_Number and a.is_finite) or (b.is_Number and b.is_finite) else None
        )
        got = fn(a, b)
        assert same(got, want) if want is not None else (got.func is fn and got.args == (a, b)), (a, b, got)


def test_derivative_asks_each_term_only_in_the_symbols_it_reads():
    # a Hessian's second sweep takes an adjoint sum's partial in every active symbol: a term is asked in the
    # symbols it reads (and once, in none, whether it is taken), not in every symbol (k² asks: 64 here, was main's)
    xs = sp.symbols("x0_0:8", real=True)
    e = sp.Add(*[sp.exp(s) * s for s in xs[:-1]]) + sp.exp(xs[-1])
    asked = []

    def other(t, u):
        asked.append((t, u))
        return t.diff(u)

    for u in xs:
        assert same(derivative(e, u, other), e.diff(u)), u
    assert len(asked) <= 2 * len(xs)


@pytest.mark.parametrize("k", [0, 1])
def test_a_sum_s_partial_is_sympy_s_diff_term_by_term(k):
    # program.py's `_sum_diff`: a sum `derivative` does not take, differentiated term by term (the terms reading u)
    from difflab.differentiators.program import _hypot_form, _sympy_partial
    from difflab.ops.elementwise import strong_mul_sympy

    sm = strong_mul_sympy()
    e = [x * sp.exp(y) + y * z + sp.sin(z) * x, sm(x, sp.exp(y)) + sp.cos(x) * z + y][k]

    assert derivative(e, x, None) is None
    for u in (x, y, z):
        assert same(_sympy_partial(e, u, None), _hypot_form(e.diff(u))), u
