"""Hypothesis: the four methods agree on random graphs drawn from the registry, every op included.

Symbolic, forward and reverse agree to 1e-10 (relative to the gradient's magnitude, or to 1 when it
is smaller) and numeric central differences to 1e-5 away from kinks; Hessians (forward-over-reverse against the symbolic
native one) on the smaller graphs. The CI run is derandomized (profile difflab-ci); set
DIFFLAB_LONG=1 for thousands of graphs.
"""

import os
import warnings
from collections import Counter

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

import difflab as dl
from difflab import tree
from difflab.compile import lower
from difflab.differentiators.pilot import pilot_up, probe_count
from difflab.graph import evaluate_batched
from difflab.ops import REGISTRY
from difflab.testing.evidence import kink_distances
from difflab.testing.strategies import functions, points
from tier import examples

LONG = os.environ.get("DIFFLAB_LONG") == "1"
EXAMPLES = 4000 if LONG else 400
HESSIAN_MAX_INPUTS = 4  # symbolic Hessians cost n² SymPy derivatives: only the smaller graphs
NUMERIC_KINK_CLEARANCE = 1e-2  # numeric differences cannot follow a convention at a kink or jump


def _flat(value):
    return np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in tree.flatten(value)[0]])


def _assert_close(name, got, ref, rtol, floor=1.0):
    """|got − ref| ≤ rtol × max(|ref|∞, floor): relative, but absolute where the gradient is ~0 (a
    sum of terms that cancel exactly in one method leaves round-off in another). NaN in both at the same entry, or
    the same infinity, agrees (as NumPy's assert_allclose): an op's documented NaN or inf both methods give (as
    elliprj's slopes at p = y did until special55, said)."""
    both = (np.isnan(got) & np.isnan(ref)) | (np.isinf(got) & (got == ref))
    got, ref = np.where(both, 0.0, got), np.where(both, 0.0, ref)
    scale = max(np.max(np.abs(ref), initial=0.0), floor)
    err = np.max(np.abs(got - ref), initial=0.0)
    assert err <= rtol * scale, f"{name}: {got} vs reference {ref}: error {err:.3g} > {rtol:g} × scale {scale:.3g}"


def _truncation(f, xs) -> float:
    """Central differences' truncation bound at the default step, max_i h_i²·|∂³f/∂x_i³|/6 with h_i = c·eps^(1/3)·
    max(1, |x_i|) (the default, which a pilot moves by at most c = 1.5× below 16 components, up to 2.5×: pilot_up),
    ∂³f from nested forward mode: a graph whose value oscillates within a few hundred steps (fresnel_s of 21.3, its
    phase moving 2400 rad per unit x) is 3.5e-5 off at the default step however right the method, and that error is
    the bound's, not a wrong number."""
    x0, along = _along(f, xs)
    third = [
        dl.grad(dl.grad(dl.grad(along(i), method="forward"), method="forward"), method="forward")(0.0)
        for i in range(x0.size)
    ]
    steps = _steps(x0)
    return float(np.max(steps**2 * np.abs(np.asarray(third, dtype=float)) / 6.0, initial=0.0))


def _steps(x0):
    most = max(1.5, pilot_up(probe_count(x0.size)))
    return most * np.finfo(float).eps ** (1 / 3) * np.maximum(1.0, np.abs(x0))


def _along(f, xs):
    """(x0, along): the inputs flattened, and along(i)(t) = f at x0 + t·eᵢ."""
    x0 = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in xs])
    shapes, sizes = [np.shape(x) for x in xs], [int(np.size(x)) for x in xs]

    def along(i):
        def g(t):
            v = x0 + t * np.eye(x0.size)[i]
            parts = np.split(v, np.cumsum(sizes)[:-1])
            return f(*[p.reshape(s) if s else p[0] for p, s in zip(parts, shapes)])

        return g

    return x0, along


def _noise(f, xs) -> float:
    """f's own rounding as central differences at the default step h meet it: per input, the largest second
    difference of f at x + kδeᵢ (k = -2..2, δ = h/1000: the curvature's part ~1e-6 of the step's) over h. SciPy's
    root-found inverses are rough (ncfdtri(1, 1, 0.87, tanh(4.5)): 1e-8 relative, which a CI draw met once elliprd_dz
    shifted them): no difference is nearer the slope than that, however right the method."""
    x0, along = _along(f, xs)
    worst = 0.0
    for i, h in enumerate(_steps(x0)):
        with np.errstate(all="ignore"):
            vals = np.array([float(along(i)(k * h / 1000.0)) for k in range(-2, 3)])
        worst = max(worst, float(np.max(np.abs(np.diff(vals, 2)), initial=0.0)) / h)
    return worst


def _arbitrated(graph, xs, kind, **answers) -> None:
    """Exact methods more than 1e-10 apart: each against the 40-digit derivative (difflab.reference) to 1e-8 of its
    largest entry. A wrong rule is off by far more, while float64's own rounding of a value inside an ill-conditioned
    graph moves either past 1e-10: a draw at stop 66, y0 of a value near 6e6 (one ulp of it 1e-9 of its phase) past
    frechet and qr_complement, had forward-over-reverse and symbolic Hessians 4.2e-10 and 2.1e-11 from the 40-digit
    one, and Hypothesis's shrinking met gradients 5e-10 apart."""
    from difflab.reference import exact_reference

    nums = tuple(range(len(xs)))
    full = exact_reference(graph, nums, list(xs), kind=kind, how="symbolic").value
    if kind == "hessian":  # (n, n) as dl.hessian's blocks H[i][j], each raveled, in order (`_flat`)
        offs = np.concatenate([[0], np.cumsum([int(np.size(x)) for x in xs])])
        full = np.concatenate([full[offs[i] : offs[i + 1], offs[j] : offs[j + 1]].ravel() for i in nums for j in nums])
    for name, got in answers.items():
        _assert_close(f"{name} against the 40-digit {kind}", got, np.ravel(full), 1e-8)


def _run(what, fn, *xs):
    """fn(*xs), its exception restated at one place (lambdified code has a new file name per call,
    which Hypothesis would take for a different failure)."""
    try:
        return _flat(fn(*xs))
    except Exception as err:
        failure = f"{what} raised {type(err).__name__}: {err}"
    raise AssertionError(failure)  # outside the handler: no traceback context to tell apart


def _declared_zero(graph):
    """Ops whose derivative is declared zero although their value moves (stop_gradient): numeric
    differences see the value, not the declaration."""
    return any(
        e.op.differentiable and e.op.jvp_rule(i) is None
        for e in graph.eqns
        for i, a in enumerate(e.args)
        if isinstance(a, dl.Var) and a.dtype.kind == "f"
    )


def _clearance(graph, xs):
    """Distance from the point to the nearest kink (registry) or jump of a non-differentiable op."""
    env = {}
    with np.errstate(all="ignore"):
        dl.evaluate(graph, *xs, env=env)
    found = kink_distances(graph, xs)
    if len(found) < sum(e.op.kink is not None for e in graph.eqns):
        return 0.0  # a kink rule could not answer (test_kink_rules_answer...): assume the point is at a kink
    gaps = [d for _, d in found]
    for e in graph.eqns:
        if not e.op.differentiable:  # piecewise constant: it jumps where its arguments meet (or at 0)
            vals = [np.asarray(env[a] if isinstance(a, dl.Var) else a.value, dtype=float) for a in e.args]
            if len(vals) > 1 and e.op.kink is not None and np.shape(vals[0])[-1:] != np.shape(vals[1])[-1:]:
                continue  # (searchsorted's edges and values do not pair up: its kink rule measured the distance)
            gaps.append(np.abs(vals[0] - vals[1]) if len(vals) > 1 else np.abs(vals[0]))
    return min((float(np.min(g)) for g in gaps if np.size(g)), default=np.inf)


def _only(check, ops):
    def run(data):
        check(data, ops)

    return run


def test_methods_agree_on_random_graphs():
    """A graph met again at the same point is checked once (`done`): the per-op phase below draws three trivial graphs
    (x, sum(x), sum(x) at fixed points) for each of its ~160 ops, 483 repeats of the same checks (3.7 of the test's
    ~21 CPU-s; suitetime49)."""
    seen, done = Counter(), set()

    def agree(data, ops):
        f = data.draw(functions(ops=ops), label="f")
        xs = data.draw(points(f), label="x")
        graph = dl.trace(f, *xs)
        note(str(graph))
        seen.update(e.op.name for e in graph.eqns)
        key = (str(graph), tuple((np.shape(x), np.asarray(x).dtype.str, np.asarray(x).tobytes()) for x in xs))
        if key not in done:
            _agree(f, xs, graph)
            done.add(key)  # (after the check: Hypothesis's replay of a failing example runs it again)

    def _agree(f, xs, graph):
        nums = tuple(range(len(xs)))
        reverse = _run("reverse", dl.grad(f, argnums=nums, method="reverse"), *xs)
        for method in ("forward", "symbolic"):
            got = _run(method, dl.grad(f, argnums=nums, method=method), *xs)
            try:
                _assert_close(method, got, reverse, 1e-10)
            except AssertionError:
                _arbitrated(graph, xs, "jacobian", reverse=reverse, **{method: got})
        # (numeric against a finite exact gradient only: the exact methods' documented NaN/inf, said with a
        # DomainWarning, are compared among themselves above)
        if (
            np.all(np.isfinite(reverse))
            and not _declared_zero(graph)
            and _clearance(graph, xs) > NUMERIC_KINK_CLEARANCE
        ):
            numeric = _run("numeric", dl.grad(f, argnums=nums, method="numeric"), *xs)
            floor = max(1.0, abs(float(f(*xs))))
            if np.max(np.abs(numeric - reverse), initial=0.0) > 1e-5 * max(np.max(np.abs(reverse)), floor):
                floor += (_truncation(f, xs) + _noise(f, xs)) / 1e-5  # (the default step's own error)
            _assert_close("numeric", numeric, reverse, 1e-5, floor=floor)
        if reverse.size <= HESSIAN_MAX_INPUTS:
            hess = _run("forward-over-reverse hessian", dl.hessian(f, argnums=nums, method="reverse"), *xs)
            symbolic = _run("symbolic hessian", dl.hessian(f, argnums=nums, method="symbolic"), *xs)
            try:
                _assert_close("hessian", hess, symbolic, 1e-10)
            except AssertionError:
                _arbitrated(graph, xs, "hessian", forward_over_reverse=hess, symbolic=symbolic)

    settings(settings.get_profile("difflab-ci"), max_examples=EXAMPLES)(given(st.data())(_only(agree, None)))()
    # the registry outgrew what 400 mixed graphs reach: each op not drawn yet gets graphs of its own
    # complex-valued entries (fft, conj, cabs...: no SymPy translation, complex values) are tests/test_complex.py's
    # and an op with no argument to differentiate (zeta_riemann) or of masks only (the connectives &, |, ~: tests/
    # test_user_code13.py's) has nothing for the methods to agree on; masked_sum (internal, a traced mask's sum of what
    # it selects: x[m].sum() under prepare) has no builder yet, its samples are test_registry's, its uses test_gather46's;
    # where_sum (internal, numpy.sum's where= mask) likewise, its uses test_reduce61's; add_reduceat (internal,
    # numpy.add.reduceat) likewise, its uses test_reduceat62's
    real = {
        name
        for name, op in REGISTRY.items()
        if "complex" not in op.domain
        and set(op.domain) != {"integer"}
        and set(op.domain) != {"bool"}
        and name not in ("masked_sum", "where_sum", "add_reduceat")
    }
    for name in sorted(real - set(seen)):
        settings(settings.get_profile("difflab-ci"), max_examples=examples(4))(
            given(st.data())(_only(agree, (name,)))
        )()
    missing = sorted(real - set(seen))
    assert not missing, f"ops never drawn in {EXAMPLES} random graphs: {missing}"


def test_kink_rules_answer_on_random_graphs():
    """Every registered kink rule gives one distance per output element, on any graph."""

    @settings(settings.get_profile("difflab-ci"), max_examples=EXAMPLES // 2)
    @given(st.data())
    def answer(data):
        f = data.draw(functions(ops=[name for name, op in REGISTRY.items() if op.kink] + ["reshape", "transpose"]))
        xs = data.draw(points(f))
        graph = dl.trace(f, *xs)
        env = {}
        dl.evaluate(graph, *xs, env=env)
        for e in graph.eqns:
            if e.op.kink is not None:
                d = e.op.kink(*[env[a] if isinstance(a, dl.Var) else a.value for a in e.args], **e.kw)
                assert np.shape(d) == e.out.shape, f"kink of {e}: shape {np.shape(d)}"

    answer()


def test_batched_evaluation_on_random_graphs():
    """evaluate_batched and lower(graph, batched) equal evaluate on each batch element, whatever
    inputs are batched: every op's batching rule, in context."""

    @settings(settings.get_profile("difflab-ci"), max_examples=EXAMPLES // 4)
    @given(st.data())
    def batched(data):
        f = data.draw(functions(), label="f")
        xs, ys = data.draw(points(f), label="x"), data.draw(points(f), label="y")  # the batch: x and y
        graph = dl.trace(f, *xs)
        flags = tuple(data.draw(st.lists(st.booleans(), min_size=len(xs), max_size=len(xs)).filter(any), label="flags"))
        batch = [np.stack([np.asarray(x), np.asarray(y)]) if b else x for x, y, b in zip(xs, ys, flags)]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # points near a domain edge: NaN on both sides is agreement
            each = [dl.evaluate(graph, *[a[k] if b else a for a, b in zip(batch, flags)]) for k in range(2)]
            for got in (evaluate_batched(graph, *batch, batched=flags), lower(graph, flags)(*batch)):
                for k in range(2):
                    for out, ref in zip(got, each[k]):
                        np.testing.assert_allclose(out[k], ref, rtol=1e-13, atol=1e-300)

    batched()


def test_methods_agree_when_values_repeat_and_inputs_alias():
    """Issue 18: random graphs returning one value several times (and an input, and a constant),
    called with one array for several arguments: the Jacobians and a VJP (whose seeds add up for
    a repeated output) agree across the four methods."""

    @settings(settings.get_profile("difflab-ci"), max_examples=40)
    @given(st.data())
    def agree(data):
        f = data.draw(functions(max_eqns=5, scalar=False), label="f")
        xs = list(data.draw(points(f), label="x"))
        for i in range(1, len(xs)):  # the very same array for arguments of one shape
            same = [j for j in range(i) if np.shape(xs[j]) == np.shape(xs[i]) and isinstance(xs[j], np.ndarray)]
            if same and data.draw(st.booleans(), label=f"alias x{i}"):
                xs[i] = xs[same[0]]
        picks = data.draw(st.lists(st.sampled_from(["f", "f", "x", "c"]), min_size=2, max_size=4), label="outputs")

        def g(*args):
            y = f(*args)
            return tuple(y if p == "f" else args[0] if p == "x" else np.full(np.shape(args[0]), 2.0) for p in picks)

        graph = dl.trace(g, *xs)
        note(str(graph))
        nums = tuple(range(len(xs)))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            outs = g(*xs)
            us = tuple(
                np.asarray(data.draw(points(dl.trace(lambda *o: o, *outs)), label="u")[k], dtype=float)
                for k in range(len(outs))
            )
            results = {}
            for method in ("reverse", "forward", "symbolic", "numeric"):
                if method == "numeric" and (_declared_zero(graph) or _clearance(graph, xs) <= NUMERIC_KINK_CLEARANCE):
                    continue
                jac = _run(f"{method} jacobian", dl.jacobian(g, argnums=nums, method=method), *xs)
                _, pullback = dl.vjp(g, *xs, method=method)
                results[method] = (jac, _run(f"{method} vjp", pullback, us))
        ref_jac, ref_vjp = results.pop("reverse")
        for method, (jac, vjp) in results.items():
            rtol = 1e-5 if method == "numeric" else 1e-10
            floor = max(1.0, float(np.max(np.abs(_flat(outs)), initial=0.0))) if method == "numeric" else 1.0
            _assert_close(f"{method} jacobian", jac, ref_jac, rtol, floor)
            _assert_close(f"{method} vjp", vjp, ref_vjp, rtol, floor)
        # the repeated outputs' seeds add: the VJP equals uᵀJ summed over the outputs, by hand
        fwd = dl.jacobian(g, argnums=nums, method="forward")(*xs)
        by_hand = [sum(np.tensordot(u, np.asarray(fwd[k][i]), axes=np.ndim(u)) for k, u in enumerate(us)) for i in nums]
        _assert_close("reverse vjp vs Σ uᵀJ", ref_vjp, _flat(by_hand), 1e-10)

    agree()


def test_forward_inside_a_trace_on_random_graphs():
    """Issue 17 §3: forward mode as the inner method (its sweep on the outer method's traced values)
    is recorded once, batched over the tangent directions; the Hessians it gives equal those of
    one interpreted sweep per direction (`Forward(chunk=1)`), under either outer method."""
    batched, one_by_one = dl.Forward(chunk=None), dl.Forward(chunk=1)
    # the reference's outer method interpreted: its graph holds one sweep per direction, lowered for one call
    interpreted = {"reverse": dl.Reverse(compiled=False), "forward": dl.Forward(compiled=False)}

    @settings(settings.get_profile("difflab-ci"), max_examples=EXAMPLES // 4)
    @given(st.data())
    def agree(data):
        f = data.draw(functions(), label="f")
        xs = data.draw(points(f), label="x")
        nums = tuple(range(len(xs)))
        note(str(dl.trace(f, *xs)))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # points near a domain edge: NaN on both sides is agreement
            for outer in ("reverse", "forward"):
                one = _run(
                    "one sweep per direction", dl.hessian(f, argnums=nums, method=(interpreted[outer], one_by_one)), *xs
                )
                got = _run("batched sweep", dl.hessian(f, argnums=nums, method=(outer, batched)), *xs)
                np.testing.assert_allclose(
                    got, one, rtol=1e-10, atol=1e-10 * max(1.0, np.nanmax(np.abs(one), initial=0))
                )

    agree()
