"""Forward mode inside a trace (issue 17 §3, issue 11 §2): on traced values a chunked forward sweep is
recorded once, each equation batched over the k tangent directions by the registry's batching
rules, instead of once per direction. It must give what one sweep per direction gives
(`Forward(chunk=1)`: the interpreter's push, one direction at a time), for every op's samples and
every nesting with forward inside, and record a number of equations that does not grow with k.
vmap on traced values runs through the same batched evaluation."""

import warnings

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp
from difflab.graph import counting
from difflab.ops import REGISTRY, examples
from tier import one_per

BATCHED = dl.Forward(chunk=None)  # all directions in one batched sweep
CHUNKED = dl.Forward(chunk=2)  # several batched sweeps
ONE_BY_ONE = dl.Forward(chunk=1)  # one interpreted sweep per direction
#: the outer method of the one-sweep-per-direction reference, interpreted: its graph holds k sweeps (k ≤ 6), the
#: largest of the test's, and lowering it for one call was most of a case's CPU (suitetime49); the batched and
#: chunked nestings keep compiled outers, checked against it. The forward-over-reverse reference's outer forward is
#: interpreted too (the same Hessian bit for bit in all 712 cases; half its CPU was lowering for one call)
INTERPRETED = {"reverse": dl.Reverse(compiled=False), "forward": dl.Forward(compiled=False)}


def _float_positions(args):
    return [i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]


#: at most this many directions: a sample's float arguments (often 3 arrays of 12) are moved along DIRECTIONS
#: random directions, so every argument's rules are in every Hessian entry (the 36-input samples cost 36² before)
DIRECTIONS = 6


def _scalar_of(op, args, params):
    """g(z): a weighted sum of op's output, z the float arguments raveled and concatenated; or, with more than
    DIRECTIONS of them, g(u) = that sum at z₀ + P·u, P a fixed random n×DIRECTIONS matrix (u = 0: the sample)."""
    pos = _float_positions(args)
    shapes = [np.shape(args[i]) for i in pos]
    sizes = [int(np.prod(s)) for s in shapes]
    out = op.impl(*args, **params)
    w = np.random.default_rng(3).uniform(0.5, 1.5, np.shape(out))

    def g(z):
        xs, start = list(args), 0
        for i, s, k in zip(pos, shapes, sizes):
            xs[i] = dnp.reshape(z[start : start + k], s)
            start += k
        return dnp.sum(op(*xs, **params) * w)

    z = np.concatenate([np.ravel(args[i]) for i in pos]).astype(float)
    if z.size <= DIRECTIONS:
        return g, z
    P = np.random.default_rng(4).normal(size=(z.size, DIRECTIONS))
    return (lambda u: g(z + dnp.matmul(P, u))), np.zeros(DIRECTIONS)


#: entries whose every second derivative is refused by name (the noncentral t and F degrees of freedom's inverses:
#: their rules hold nctdtr_ddf, ncfdtr_ddfn/dfd, not differentiated again; tests/test_special60.py checks the refusal)
FIRST_ORDER_ONLY = {"nctdtridf", "ncfdtridfn", "ncfdtridfd"}

CASES = [
    (name, k, args, params)
    for name, op in REGISTRY.items()
    if op.differentiable and name not in FIRST_ORDER_ONLY
    for k, (args, params) in enumerate(examples(op, np.random.default_rng(len(name))))
    if _float_positions(args)
    and np.asarray(op.impl(*args, **params)).dtype.kind == "f"
    # a unary elementwise entry's JVP is its partial times the tangent, one form for all of them: its array
    # sample is enough here (its scalar one runs the same sweep; test_registry checks every sample's rules)
    and not (op.elementwise and op.nargs == 1 and k > 0)
]
CASES = one_per(CASES, lambda c: c[0], offset=1)  # the default tier's one sample per op (tests/tier.py)


@pytest.mark.parametrize("name,k,args,params", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_second_derivatives_with_forward_inside_equal_one_sweep_per_direction(name, k, args, params):
    """Hessians with forward as the inner method (its sweep on the outer method's traced values),
    batched and chunked, equal the same nesting with one interpreted sweep per direction, and the
    forward-over-reverse Hessian (forward never traced there). The outer forward sweep batches all (≤ 6) directions;
    a chunked outer sweep only splits that batch (the same per-equation batching rules at a smaller size, which
    test_registry's batch-rule tests check at sizes 2 and 3): test_hessian_of_an_mlp_loss_by_every_nesting_with_
    forward_inside nests CHUNKED over CHUNKED on an MLP loss. The chunked inner sweep is checked under the outer
    reverse only: its chunks (base._jvp_columns) are the same calls of the batched sweep whatever the outer method,
    joined by a traced concatenate whose JVP and VJP rules test_registry checks; the outer forward's push through
    the batched equations is the BATCHED cell's (the chunked one under forward was 19% of this test's CPU)."""
    g, z = _scalar_of(REGISTRY[name], args, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.DifflabWarning)  # a kink or singular sample: all methods alike
        reference = dl.hessian(g, method=(INTERPRETED["forward"], "reverse"))(z)
        scale = max(1.0, np.max(np.abs(reference)))
        for outer in ("reverse", "forward"):
            one = dl.hessian(g, method=(INTERPRETED[outer], ONE_BY_ONE))(z)
            for inner in (BATCHED, CHUNKED) if outer == "reverse" else (BATCHED,):
                got = dl.hessian(g, method=(outer, inner))(z)
                np.testing.assert_allclose(got, one, rtol=1e-12, atol=1e-13 * scale, err_msg=f"{outer} over {inner}")
            np.testing.assert_allclose(one, reference, rtol=1e-9, atol=1e-10 * scale, err_msg=f"{outer} over forward")


def _mlp_loss(n):
    rng = np.random.default_rng(0)
    A, y = rng.normal(size=(6, n)) / np.sqrt(n), rng.normal(size=6)

    def loss(x):
        return dnp.mean((dnp.tanh(A @ x) - y) ** 2.0) + 0.1 * dnp.sum(x * x)

    return loss, rng.normal(size=n)


def _eqns_recorded(fn, x):
    return len(dl.trace(fn, x).eqns)


@pytest.mark.parametrize(
    "nested",
    [
        lambda f: dl.grad(f, method=BATCHED),  # forward inside the trace
        lambda f: dl.jacobian(dl.grad(f, method="reverse"), method=BATCHED),  # forward over reverse, inside
        lambda f: dl.hessian(f, method=BATCHED),  # forward over forward, inside
    ],
    ids=["grad", "jacobian of grad", "hessian"],
)
def test_forward_inside_a_trace_records_a_number_of_equations_independent_of_n(nested):
    """One batched sweep: the recorded tape does not grow with the number of directions n (one
    sweep per direction grows in proportion), and its values are right."""
    counts = {}
    for n in (4, 16):
        loss, x = _mlp_loss(n)
        counts[n] = _eqns_recorded(lambda x: nested(loss)(x), x)
    assert counts[16] == counts[4]
    loss, x = _mlp_loss(16)
    one_by_one = _eqns_recorded(lambda x: dl.grad(loss, method=ONE_BY_ONE)(x), x)
    assert _eqns_recorded(lambda x: dl.grad(loss, method=BATCHED)(x), x) * 4 < one_by_one


def test_hessian_of_an_mlp_loss_by_every_nesting_with_forward_inside():
    loss, x = _mlp_loss(12)
    reference = dl.hessian(loss, method="symbolic")(x)
    for pair in (("reverse", BATCHED), (BATCHED, BATCHED), ("reverse", dl.Forward()), (CHUNKED, CHUNKED)):
        np.testing.assert_allclose(dl.hessian(loss, method=pair)(x), reference, rtol=1e-10, atol=1e-12)
    # hvp as jvp of a forward gradient, and a third derivative (forward inside forward inside reverse)
    v = np.linspace(-1.0, 1.0, 12)
    _, hv = dl.jvp(dl.grad(loss, method=BATCHED), (x,), (v,), method=BATCHED)
    np.testing.assert_allclose(hv, reference @ v, rtol=1e-10, atol=1e-12)
    third = dl.grad(lambda x: dnp.sum(dl.hessian(loss, method=BATCHED)(x)), method="reverse")(x)
    one = dl.grad(lambda x: dnp.sum(dl.hessian(loss, method=ONE_BY_ONE)(x)), method="reverse")(x)
    np.testing.assert_allclose(third, one, rtol=1e-10, atol=1e-12)


def test_reverse_over_chunked_forward_repeats_no_more_work_than_its_first_call():
    """Issue 17 §3: reverse's Jacobian of a chunked forward gradient is one pullback per row; a
    row's cotangent is zero outside its chunk, and the interpreted pullback skips the other chunks'
    sweeps. The repeated call keeps that skip (the rows stay interpreted) instead of running the
    lowered pullback, which computes every chunk for every row: no more equations or elements than
    the first call, the same Hessian. A dense Jacobian's rows are lowered from the second call."""
    loss, x = _mlp_loss(12)
    H = dl.hessian(loss, method=("reverse", CHUNKED))
    costs, values = [], []
    for _ in range(3):
        with counting() as cost:
            values.append(H(x))
        costs.append(cost)
    repeated = [(c.eqns, c.elements) for c in costs[1:]]
    assert all(e <= costs[0].eqns and n <= costs[0].elements for e, n in repeated), costs
    assert all(np.array_equal(v, values[0]) for v in values)
    (outer,) = H.preparations()
    assert outer.sparse_rows is True  # the first call's rows pulled at most half the equations
    # (before, the repeated calls ran the lowered pullback: 1634 and 1561 equations against the
    # first call's 601, 15 964 and 15 362 elements against 3 122; now 73 and 602 each)
    dense = dl.prepare(lambda x: dnp.tanh(x) * x, x)
    for _ in range(3):
        _, jac = dense.prepared.jacobian([x])
    np.testing.assert_allclose(jac, np.diag(1.0 - np.tanh(x) ** 2) * x[:, None] + np.diag(np.tanh(x)), atol=1e-15)
    assert dense.prepared.sparse_rows is False and "vjp" in dense.prepared.sweeps.fns
    scalar = dl.prepare(lambda x: dnp.sum(dnp.tanh(x) * x), x)  # one row, swept on floats (nothing counted)
    for _ in range(3):
        scalar.prepared.jacobian([x])
    assert scalar.prepared.sparse_rows is False and "vjp" in scalar.prepared.sweeps.fns


def test_closure_over_an_outer_traced_value():
    """The inner function closes over the outer variable: its values are lifted into the sweep."""
    X = np.array([0.4, -0.7, 1.1])

    def outer(x):
        inner = dl.grad(lambda y: dnp.sum(dnp.sin(x * y) * y), method=BATCHED)
        return dnp.sum(inner(x + 1.0) * x)

    def outer_one(x):
        inner = dl.grad(lambda y: dnp.sum(dnp.sin(x * y) * y), method=ONE_BY_ONE)
        return dnp.sum(inner(x + 1.0) * x)

    for method in ("reverse", "forward"):
        np.testing.assert_allclose(dl.grad(outer, method=method)(X), dl.grad(outer_one, method=method)(X), rtol=1e-12)
    # and against a finite difference of the (untraced) inner gradient
    numeric = dl.grad(outer, method="numeric")(X)
    np.testing.assert_allclose(dl.grad(outer, method="reverse")(X), numeric, rtol=1e-6, atol=1e-7)


def test_a_value_outside_its_domain_inside_the_trace_warns_once_as_one_sweep_per_direction_does():
    """The dry run on the numbers meets sqrt(-1): the directions are pushed one by one, so the NaN
    and the DomainWarning naming the user's equation are the interpreter's."""

    def f(y):
        return dnp.sum(dnp.sqrt(y) * y)

    x = np.array([-1.0, 2.0, 3.0])
    results = {}
    for name, inner in (("batched", BATCHED), ("one", ONE_BY_ONE)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results[name] = dl.hessian(f, method=("reverse", inner))(x)
        said = [str(w.message) for w in caught if issubclass(w.category, dl.DomainWarning)]
        assert len(said) == 1 and "sqrt" in said[0], said
    np.testing.assert_array_equal(np.isnan(results["batched"]), np.isnan(results["one"]))
    finite = ~np.isnan(results["one"])
    np.testing.assert_allclose(results["batched"][finite], results["one"][finite], rtol=1e-12)


def test_vmap_on_traced_values_records_each_equation_once():
    rows = np.array([[0.3, -1.0, 2.0], [1.5, 0.2, -0.4], [0.0, 0.8, 1.1], [-0.6, 0.9, 0.5]])
    w = np.array([1.0, -2.0, 0.5])

    def f(xs):
        return dnp.sum(dl.vmap(lambda r, w: dnp.tanh(dnp.sum(r * w)) * r, in_axes=(0, None))(xs, w) ** 2.0)

    def f_loop(xs):
        return dnp.sum(dnp.stack([dnp.tanh(dnp.sum(xs[i] * w)) * xs[i] for i in range(4)]) ** 2.0)

    for method in ("reverse", "forward"):
        np.testing.assert_allclose(dl.grad(f, method=method)(rows), dl.grad(f_loop, method=method)(rows), rtol=1e-13)
    np.testing.assert_allclose(dl.hessian(f)(rows), dl.hessian(f_loop)(rows), rtol=1e-12, atol=1e-14)
    # the vmapped function's tape, recorded once: the same length for 4 rows and for 40
    big = np.tile(rows, (10, 1))
    assert len(dl.trace(f, big).eqns) == len(dl.trace(f, rows).eqns)


def test_prepared_hvp_common_case_equals_the_general_path():
    """From its second call a prepared forward-over-reverse hvp runs the lowered sweep's guarded twin
    directly (`transforms._HotHvp`): the same numbers as the general path, results that alias no
    input and no other result, its cost charged; a call outside the common case (a NaN primal, a
    value leaving a domain, other shapes) still gets the general path's answer and warning."""
    rng = np.random.default_rng(5)
    A = rng.normal(size=(5, 4))

    def loss(p):
        return dnp.sum(dnp.log(A @ p["w"] + 10.0)) + dnp.sum(dnp.tanh(p["b"]) ** 2.0) * dnp.sum(p["w"] ** 2.0)

    p = {"w": rng.normal(size=4), "b": rng.normal(size=3)}
    v = {"w": rng.normal(size=4), "b": rng.normal(size=3)}
    H = dl.hessian(lambda w, b: loss({"w": w, "b": b}), argnums=(0, 1))(p["w"], p["b"])
    expected_w = H[0][0] @ v["w"] + H[0][1] @ v["b"]
    expected_b = H[1][0] @ v["w"] + H[1][1] @ v["b"]
    hvp = dl.prepare_hvp(loss, p)
    general = [hvp((p,), (v,))]
    assert hvp._hot is not None  # armed by the first (general) call
    cost = hvp._hot.prep.cost.copy()
    for _ in range(2):
        g, hv = hvp((p,), (v,))
        np.testing.assert_allclose(hv["w"], expected_w, rtol=1e-12)
        np.testing.assert_allclose(hv["b"], expected_b, rtol=1e-12)
        np.testing.assert_allclose(g["w"], general[0][0]["w"], rtol=1e-15)
        for a in [*g.values(), *hv.values()]:
            assert not any(np.shares_memory(a, x) for x in [*p.values(), *v.values()])
        assert not np.shares_memory(hv["w"], hv["b"]) and not np.shares_memory(g["w"], hv["w"])
    assert (hvp._hot.prep.cost - cost).evals == 2
    # outside the common case: NaN where the general path puts it, and a domain warning once
    bad = {"w": p["w"].copy(), "b": p["b"].copy()}
    bad["b"][0] = np.nan
    g, hv = hvp((bad,), (v,))
    assert np.isnan(hv["b"]).all() and np.isnan(g["b"][0])
    far = {"w": np.full(4, -50.0), "b": p["b"]}
    with pytest.warns(dl.DomainWarning, match="log"):
        g, hv = hvp((far,), (v,))
    assert np.isnan(hv["w"]).all()
    # another shape: staged anew, right again
    p3 = {"w": p["w"], "b": p["b"][:2]}
    v3 = {"w": v["w"], "b": v["b"][:2]}
    ref = dl.hvp(loss, (p3,), (v3,))[1]
    np.testing.assert_allclose(hvp((p3,), (v3,))[1]["b"], ref["b"], rtol=1e-12)
