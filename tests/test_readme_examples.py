"""README.md's Python examples, run as a new user copies them: each block as written, its printed output
against what the README says it prints (the comments beside and below the code). Two blocks are
fragments of a user's own code (`loss`, `pred`, `w`; `f`, `x`, `v`): they run with small definitions of
those names. A README edit that breaks an example, or changes what it prints, fails here."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def _block(first_line_start: str) -> str:
    found = [b for b in _blocks() if b.lstrip().startswith(first_line_start)]
    assert len(found) == 1, f"README has {len(found)} python blocks starting {first_line_start!r}"
    return found[0]


def _run(code: str, namespace=None) -> tuple[dict, str]:
    namespace = {} if namespace is None else namespace
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), namespace)
    return namespace, out.getvalue()


def test_every_python_block_is_covered_here():
    # a new block should get its check below (or be added to the fragments)
    starts = sorted(b.lstrip().split("\n", 1)[0][:24] for b in _blocks())
    assert starts == sorted(
        [
            "import numpy as np",
            "dl.grad(lambda x: x * dl",
            "g, aux = dl.grad(lambda ",
            "g, hv = dl.hvp(f, (x,), ",
            "@dl.custom_jvp",
            "# test_my_layer.py",
            "from difflab import nn",
            "x0, unravel = ravel_pytr",
        ]
    )


def test_the_diamond_prints_what_the_readme_says():
    code = _block("import numpy as np")
    _, out = _run(code)
    lines = out.splitlines()
    for method in ("symbolic", "numeric", "forward", "reverse"):
        (line,) = [s for s in lines if s.startswith(method + " (")]
        got = np.array([float(v) for v in line[len(method) + 2 : -1].split(",")])
        np.testing.assert_allclose(got, [96.0, 288.0, 288.0], rtol=1e-8)  # the comment: (96, 288, 288)
    # the tape is printed as the comment lines under print(dl.trace(...)) show it
    tape = [s[2:] for s in code.split("print(dl.trace(", 1)[1].splitlines()[1:] if s.startswith("# ")]
    assert tape[0].startswith("{ lambda") and tape[-1].endswith("}")
    start = lines.index(tape[0])
    assert lines[start : start + len(tape)] == tape
    # compare's table: the methods' rows, exact methods exactly right
    rows = {s.split()[0]: s.split() for s in lines[start + len(tape) :] if s.split()[:1] in (["symbolic"], ["reverse"])}
    assert float(rows["symbolic"][1]) == 0.0 and float(rows["reverse"][1]) == 0.0


def test_stop_gradient_line():
    code = _block("dl.grad(lambda x: x * dl")
    import difflab as dl

    expression, comment = code.split("#")
    assert eval(expression, {"dl": dl}) == float(comment) == 3.0


def test_the_fragments_run_with_a_users_definitions():
    import difflab as dl

    ns = {"dl": dl, "loss": lambda w: np.sum(np.tanh(w) ** 2), "pred": lambda w: 2 * w, "w": np.array([0.5, -1.0])}
    ns, _ = _run(_block("g, aux = dl.grad(lambda "), ns)
    t = np.tanh(ns["w"])
    np.testing.assert_allclose(ns["g"], 2 * t * (1 - t**2), rtol=1e-12)
    np.testing.assert_allclose(ns["aux"]["pred"], [1.0, -2.0])
    x, v = np.array([0.3, 1.2]), np.array([1.0, -2.0])
    ns = {"dl": dl, "f": lambda x: np.sum(np.sin(x)), "x": x, "v": v}
    ns, _ = _run(_block("g, hv = dl.hvp(f, (x,), "), ns)
    np.testing.assert_allclose(ns["g"], np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(ns["hv"], -np.sin(x) * v, rtol=1e-12)


def test_the_ravel_pytree_example_fits_a_dict_of_parameters():
    import scipy.optimize

    import difflab as dl
    import difflab.numpy as dnp
    from difflab.flatten_util import ravel_pytree

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    params = {"w": np.zeros(3), "b": np.zeros(())}
    ns = {"dl": dl, "scipy": scipy, "ravel_pytree": ravel_pytree, "params": params}
    ns["loss"] = lambda p: dnp.sum((X @ p["w"] + p["b"] - y) ** 2)
    code = _block("x0, unravel = ravel_pytr").replace("scipy.optimize.minimize(", "result = scipy.optimize.minimize(")
    ns, _ = _run(code, ns)
    fitted = ns["unravel"](ns["result"].x)
    want = np.linalg.lstsq(np.c_[X, np.ones(20)], y, rcond=None)[0]  # least squares, closed form
    np.testing.assert_allclose(np.r_[fitted["w"], fitted["b"]], want, rtol=1e-6, atol=1e-8)


def test_the_custom_jvp_example():
    import difflab as dl
    import difflab.numpy as dnp

    ns, _ = _run(_block("@dl.custom_jvp"), {"dl": dl, "dnp": dnp})
    for method in ("forward", "reverse"):
        assert dl.grad(ns["softplus"], method=method)(0.3) == pytest.approx(1 / (1 + np.exp(-0.3)), rel=1e-14)


def test_the_oracle_example_passes_and_catches_a_wrong_gradient():
    from difflab.testing import GradientMismatch

    ns, _ = _run(_block("# test_my_layer.py"))
    ns["test_my_grad"]()  # passes as written
    right = ns["my_grad"]
    ns["my_grad"] = lambda w: right(w) * (1 + 1e-6)  # the test function reads my_grad from its module
    with pytest.raises(GradientMismatch, match="worst entry"):
        ns["test_my_grad"]()


def test_the_training_example():
    _, out = _run(_block("from difflab import nn"))
    assert float(out) >= 0.95  # moons with noise 0.1: a 2-16-16-2 tanh net separates them


def test_numerics_error_estimate_as_the_readme_says_to_read_it():
    # README: `dl.Numeric(error_estimate=True)` leaves dl.grad's result alone; numeric_jacobian returns (J, E)
    import difflab as dl
    from difflab.differentiators.numeric import numeric_jacobian

    assert "from difflab.differentiators.numeric import numeric_jacobian" in README.read_text()
    x = np.array([0.4, 1.1])
    g = dl.grad(lambda x: np.sum(np.sin(x)), method=dl.Numeric(error_estimate=True))(x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-8)
    # a derivative below numeric's resolution: f is ~1e14, so its cos term's slope cannot be seen; E says so
    big = lambda x: 1e14 * (x[0] - 0.3) ** -12 + np.sum(np.cos(x))  # noqa: E731
    J, E = numeric_jacobian(big, np.array([1.0, 2.0]), error_estimate=True)
    assert J.shape == E.shape == (2,)
    assert abs(J[1] - (-np.sin(2.0))) <= E[1]  # the estimate bounds the actual error
    J, E = numeric_jacobian(np.sin, x, error_estimate=True)
    np.testing.assert_allclose(J, np.diag(np.cos(x)), atol=1e-9)
    assert E.shape == (2, 2) and np.all(E < 1e-8)


def test_compares_table_says_what_its_cost_columns_count():
    # a new user read symbolic's "eqns 0" as free: the table now says what the two counts are
    import difflab as dl

    text = str(dl.compare(lambda x, y: x * y**2, 3.0, 2.0))
    assert text.splitlines()[-1].startswith(
        "call ms: the median of the timed calls; f evals: evaluations of f per derivative; eqns: IR equations"
    )
    assert "symbolic's generated code is not counted" in text


def test_the_inline_examples_in_the_prose():
    # README's prose shows three one-line results (docs/accuracy.md and docs/complex.md repeat two): each run as
    # written, read from README's text so an edit that changes the code or the number fails here
    import difflab as dl

    text = " ".join(README.read_text().split())
    nest = "dl.grad(lambda x: x * dl.grad(lambda y: x + y)(1.0))(2.0) == 1.0"
    assert nest in text and eval(nest, {"dl": dl}) is True
    cabs = "`dl.grad(lambda z: np.abs(z))(3+4j)` is 0.6−0.8j"
    assert cabs in text
    assert eval(cabs.split("`")[1], {"dl": dl, "np": np}) == pytest.approx(0.6 - 0.8j, rel=1e-15)
    assert "a tridiagonal Jacobian takes 3 sweeps whatever n" in text
    tri = lambda x: x**2 + np.concatenate([x[1:], [0.0]]) * np.concatenate([[0.0], x[:-1]])  # noqa: E731
    for n in (5, 200):
        J = dl.jacobian(tri, sparse=True, method="forward")
        A = J(np.arange(1.0, n + 1)).toarray()
        assert J.sweeps == 3
        np.testing.assert_allclose(A, dl.jacobian(tri)(np.arange(1.0, n + 1)), rtol=1e-15)


def test_the_docs_inline_calls_run_as_written():
    # docs/accuracy.md and docs/numeric.md show calls with their results in the prose; they wrote dl.vjp(np.exp(-x),
    # ...) and dl.jvp(f, x, v, ...), which difflab refuses: each is run here as the page now spells it
    import difflab as dl

    docs = README.parent / "docs"
    acc = " ".join((docs / "accuracy.md").read_text().split())
    call = "dl.vjp(lambda x: np.exp(-x), 800.0)[1](3e200)"
    assert f"`{call}` was (0.0,) for −1.1e-147 (now (-1.100362375253306e-147,))" in acc
    assert eval(call, {"dl": dl, "np": np}) == (-1.100362375253306e-147,)
    num = " ".join((docs / "numeric.md").read_text().split())
    call = 'dl.jvp(lambda x: dl.jvp(np.std, (x,), (0.7,), method="numeric")[1], (3.5,), (1.3,))'
    assert f"`{call}` is (0, 0)" in num and eval(call, {"dl": dl, "np": np}) == (0.0, 0.0)
    assert '`dl.jvp(f, (x,), (v,), method="numeric")`' in num and "dl.jvp(f, x, v" not in num
    # numeric.md: x0·x1 at x1 = 0 along (inf, 1) is 0.5 for difflab's methods
    assert "x0·x1 at x1 = 0 along (inf, 1) is NaN there and 0.5 for difflab's methods" in num
    f = lambda x: x[0] * x[1]  # noqa: E731
    for method in ("numeric", "forward", "reverse"):
        assert dl.jvp(f, (np.array([0.5, 0.0]),), (np.array([np.inf, 1.0]),), method=method)[1] == 0.5
