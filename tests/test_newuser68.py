"""Found by newuser68 following the README on a fresh machine: the numeric warning of a share just above its
threshold (nn.train's README example with method="numeric": "0.002 of it, more than the 0.002 the method answers to")."""

import warnings

import numpy as np

from difflab.differentiators import scales
from difflab.errors import NumericAccuracyWarning


def _said(d, firm):
    d, firm = np.array([[d]]), np.array([[firm]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scales._say_noise(d, 0, 0, np.abs(d) * 1e-6, firm, None, np.array([1.0]), lambda i, j: "d f/d x", ())
    (w,) = [w for w in caught if issubclass(w.category, NumericAccuracyWarning)]
    return str(w.message)


def test_a_share_just_above_the_threshold_is_printed_above_it():
    # nn.train(MLP([2, 16, 16, 2]), moons, method="numeric"): d = -3.62e-09, R·Σ|w|/h = 7.33e-12, a share of 0.002025
    message = _said(-3.62e-09, 7.33e-12)
    assert "7.33e-12 (R: eps·|f(x)|" in message
    assert ", 0.00202 of it, more than the 0.002 the method answers to" in message, message
    assert "494 times its round-off" in message


def test_a_share_well_above_keeps_two_digits():
    message = _said(-1.0e-09, 3.1e-12)
    assert ", 0.0031 of it, more than the 0.002 the method answers to" in message, message


def test_an_unencoded_plus_in_the_endpoints_expression_is_named(server):
    """curl "http://127.0.0.1:PORT/api/graph?f=x+y&at=x=1,y=2" (the README's endpoint, typed as written): URL decoding
    reads '+' as a space, and the 400 said only "'y' at position 2: unexpected here (a missing operator?)"."""
    import http.client
    import json

    def get(path):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("GET", path)
        resp = conn.getresponse()
        body = json.loads(resp.read().decode())
        conn.close()
        return resp.status, body

    status, body = get("/api/graph?f=x+y&at=x=1,y=2")
    assert status == 400 and body["error"]["field"] == "f"
    assert body["error"]["message"] == (
        "'y' at position 2: unexpected here (a missing operator?) (a '+' in a URL's query is a space: write it %2B, "
        "or URL-encode the expression)"
    )
    status, body = get("/api/curve?f=sin(x)+y&at=x=1&var=x")
    assert status == 400 and body["error"]["message"].endswith("write it %2B, or URL-encode the expression)")
    status, body = get("/api/graph?f=x%2By&at=x=1,y=2")  # encoded: the sum
    assert status == 200 and body["value"] == 3.0
    status, body = get("/api/graph?f=x*&at=x=1")  # no '+': the parser's message alone
    assert status == 400 and "%2B" not in body["error"]["message"]


def test_a_function_that_needs_scipy_is_named_at_parse_time_without_it(monkeypatch, capsys):
    """`pip install -e .` (the Quick start) installs no SciPy, yet `difflab functions` lists erf, gammaln, ...: on
    main `difflab compare "erf(x)*det(x)" --at x=2` said "ImportError: this function needs SciPy" (which one?) with
    exit 3, the status of an exception in the user's code, and the explorer's endpoint answered 500."""
    from difflab.cli import main
    from difflab.expr import ExpressionError, parse
    from difflab.ops import core

    monkeypatch.setattr(core, "_installed", lambda module: module != "scipy")
    code = main(["compare", "sin(x) + erf(x)", "--at", "x=0.5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [
        "difflab compare: error: cannot parse expression: 'erf' at position 9: erf needs SciPy, an optional "
        "dependency of difflab: pip install 'difflab[scipy]'"
    ]
    try:
        parse("gammaln(x)")
    except ExpressionError as error:
        assert (error.token, error.position) == ("gammaln", 0)
    else:
        raise AssertionError("gammaln parsed without SciPy")
    assert parse("sin(x) * logsumexp(x)").variables == ("x",)  # NumPy's own need nothing


def test_the_ops_whose_value_is_scipys_declare_it():
    """expm, logm, sqrtm, sylvester, care, dare, lfilter computed by SciPy without saying so (`requires` empty): without
    SciPy `difflab compare "sum(care(a, b, q, r))"` was "ModuleNotFoundError: No module named 'scipy'" (exit 3)."""
    from difflab.ops import REGISTRY

    names = ("sylvester", "sqrtm", "frechet", "expm", "logm_frechet", "logm", "care", "dare", "lfilter", "lu_pivots")
    assert [n for n in names if REGISTRY[n].requires != ("scipy",)] == []
    assert REGISTRY["det"].requires == () and REGISTRY["inv"].requires == ()  # NumPy's own


def test_difflab_functions_sets_apart_those_that_need_scipy_without_it(monkeypatch, capsys):
    """Without SciPy, 206 of the 329 names `difflab functions` listed (erf, gammaln, expm, ...) could not run."""
    from difflab.cli import main
    from difflab.ops import core

    assert main(["functions"]) == 0
    plain = capsys.readouterr().out.splitlines()
    assert plain[0].endswith(" functions:") and "need SciPy" not in "".join(plain)
    monkeypatch.setattr(core, "_installed", lambda module: module != "scipy")
    assert main(["functions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    total, without = lines[0].removesuffix(" of them without SciPy:").split(" functions, ")
    split = next(i for i, line in enumerate(lines) if "need SciPy, which is not installed" in line)
    assert lines[split].endswith("need SciPy, which is not installed (pip install 'difflab[scipy]'):")
    now, later = " ".join(lines[1:split]).split(", "), " ".join(lines[split + 1 : -1]).split(", ")
    assert len(now) == int(without) and len(now) + len(later) == int(total)
    assert {"sin", "det", "logsumexp", "tanh"} <= set(now) and {"erf", "gammaln", "expm", "care"} <= set(later)
    assert int(lines[split].split()[0]) == len(later) and int(total) == int(plain[0].split()[0])
