"""JAX users' composed transformations (stop 66) against JAX x64's answers, stored as literals.

tests/transforms66.py holds the 223 cases (each written once over a backend: difflab or JAX) and
`PYTHONPATH=. python tests/transforms66.py --write` rewrites JAX's answers in tests/transforms66_jax.json
(structure, dtypes, shapes, values, or what JAX raised). Here every case runs in difflab and must agree
(values at rtol 1e-9 of max(1, |JAX|), 2e-6 for float32; the same structure, shapes and dtypes), never mutate
or alias an input, and raise a clear error where JAX does; the few where difflab's documented contract differs
are listed in DIFFERENT with the difference expected.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import transforms66 as t66

import difflab as dl

REFS = json.loads(t66.REFERENCES.read_text())

#: where difflab differs from JAX on purpose (docs/api.md), and the difference expected
DIFFERENT = {
    # allow_int's derivative of an integer leaf is float64 zeros (README), JAX's float0
    "O4 grad allow_int=True (JAX: float0 zeros)": ("form", "[1]: dtype float64 vs JAX float0"),
    # a derivative block by a float32 leaf is float32 (docs/api.md); JAX's jacfwd block has the output's dtype
    "P7 jacfwd/jacrev float32 mixed with float64 arg": ("form", "[0][0]: dtype float32 vs JAX float64"),
    # a Hessian block is float32 where either leaf is (docs/api.md); JAX's (jacfwd of jacrev) by its row's leaf
    "P11 hessian mixed float32/float64 argnums": ("form", "[1][0]: dtype float32 vs JAX float64"),
    # an integer primal of vjp is refused naming its dtype (DESIGN.md §6, tests/test_bad_input.py), where JAX's vjp
    # takes it (its cotangent float0)
    "O8 vjp at an int primal": ("refused", "argument 0 (leaf 0) has dtype int64"),
    # NumPy's own conversion of a traced value cannot be intercepted (README): difflab.numpy.asarray can
    "R17 grad of a function returning a 0-d array from a Python float": ("refused", "m.asarray(x)`: a traced value"),
    # difflab's convention table (docs/accuracy.md) where JAX's differs: abs'(0) = 0 (JAX's 1 at 0: x|x|'' is 2),
    # a zero tangent absorbing an infinite partial (strong zeros: JAX's where-gradient NaN), norm'(0) = 0 (JAX: NaN)
    "S7 hessian at a kink of abs (convention)": ("convention", [0, 0, 0, 0, 2, 0, 0, 0, -2]),
    "S9 grad of where with a NaN in the discarded branch (JAX's known NaN)": ("convention", [0.5, 0.0, 0.0]),
    "S10 grad of norm at zero": ("convention", [0.0, 0.0, 0.0]),
    # difflab takes a float32 tangent of a float64 primal, where JAX asks for equal dtypes
    "S4 jvp with a float32 tangent for a float64 primal (JAX refuses)": ("jax-raised", "difflab answered"),
    # a custom_jvp rule calling f itself, both closing over the outer tracer: JAX 0.10 raises UnexpectedTracerError
    # there (its K12, the rule writing a * sin(x) out, it answers); difflab converts the closure (jaxgaps67) and
    # answers K12's 2 a cos 0.3 = 2.1017402760763333
    "K11 custom_jvp rule closing over an outer grad's tracer": ("jax-raised", "difflab answered"),
}


@pytest.mark.parametrize("name", [name for name, _ in t66.CASES])
def test_case_against_jax(name):
    body = dict(t66.CASES)[name]
    res, err, notes = t66.run_difflab(body)
    assert notes == [], notes  # no input mutated, no output aliasing an input
    cat, detail = t66.judge(name, res, err, REFS[name])
    if name in DIFFERENT and DIFFERENT[name][0] == "convention":  # JAX's number differs: difflab's, exactly
        assert cat == "wrong", detail
        np.testing.assert_allclose(np.concatenate([np.ravel(x) for x in t66._leaves(res)]), DIFFERENT[name][1])
    elif name in DIFFERENT:
        want_cat, want = DIFFERENT[name]
        assert (cat, want in detail) == (want_cat, True), detail
    elif "raised" in REFS[name]:  # JAX refuses: difflab too, with a clear error
        assert cat == "both-raised" and isinstance(err, (dl.DifflabError, TypeError, ValueError)), detail
    else:
        assert cat == "agree", detail


def test_every_case_has_a_jax_answer():
    assert sorted(REFS) == sorted(name for name, _ in t66.CASES) and len(REFS) == 223


def test_linear_transpose_of_a_linearisation_takes_jax_primals():
    # jax.linear_transpose(f_jvp, x): the primals give structures and shapes only; it was refused ("takes no
    # primals"). JAX x64: linear_transpose(f_jvp, x)(v) for f = sin(x) * sum(x) at x = (0.3, 0.5, 0.7)
    x, v = np.array([0.3, 0.5, 0.7]), np.array([1.0, 2.0, 3.0])
    jax_says = [4.6200290792712275, 5.819772031253937, 6.628814188363016]
    for method in ("forward", "reverse"):
        _, f_jvp = dl.linearize(lambda z: np.sin(z) * np.sum(z), x, method=method)
        for primal in (x, dl.ShapeDtypeStruct((3,), np.float64), np.zeros(3)):
            (ct,) = dl.linear_transpose(f_jvp, primal)(v)
            np.testing.assert_allclose(ct, jax_says, rtol=1e-12)
        with pytest.raises(ValueError, match=r"primal of shape \(2,\) where the linearised one has shape \(3,\)"):
            dl.linear_transpose(f_jvp, x[:2])
        with pytest.raises(ValueError, match="primal 0 has structure"):
            dl.linear_transpose(f_jvp, {"a": x})
        with pytest.raises(TypeError, match="one per linearised argument"):
            dl.linear_transpose(f_jvp, x, x)
