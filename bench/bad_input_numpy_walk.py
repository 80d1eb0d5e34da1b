"""A user's wrong arguments to difflab.numpy, judged against NumPy (run: `nice -n 10 python bench/bad_input_numpy_walk.py
[NAME ...]`; about 3 minutes on one core for every name of difflab.numpy.__all__).

Each function is called on a traced (2, 3) array (inside value_and_grad, its result read as aux) with one wrong
argument more — a 4-vector, None, a str, 1.5, -1, 10, a 3×3 matrix, [], True, NaN, an int array, 1j as the next
positional argument, or axis=5/-4/'a'/1.5/(0, 0), a bogus keyword, out=, dtype=int/'xx', where='a' — and NumPy's own
function on the plain array with the same arguments. A finding is printed per case:

  WRONG     both gave a value and they differ (a wrong number, shape or dtype)
  SILENT    NumPy refused and difflab gave a value (an accepted mistake)
  REFUSED   difflab refused what NumPy computes (marked -UNCLEAR when the message does not name the function)
  UNCLEAR   both refused, difflab's message is not a difflab error and does not name the function (often NumPy's
            own words, as NumPy's user would see them: a heuristic, to read, not a count to drive to 0)

and the counts per kind at the end. Session 66 (tests/test_bad_input66.py keeps what it fixed) took the counts from
WRONG 16, SILENT 148, REFUSED-UNCLEAR 28, UNCLEAR 1489, REFUSED 134 to 10, 51, 21, 1396, 153 (REFUSED grew: a float
or bool shift, axis or count NumPy truncates is refused by name). Left: dtype=[] / None oddities of *_like, axis=[]
read as (), extract's float condition of another size, cov/corrcoef's ignored dtype, nan_to_num's copy=, select's
non-boolean conditions, clip(x, a_min) without a_max (JAX's reading), object arrays of None (as NumPy's). Session 67
(tests/test_leftovers67.py) took them, on NumPy 2.4.6 (where stop 66's end read 103, 1393, 65, 8, 20 for REFUSED,
UNCLEAR, SILENT, WRONG, REFUSED-UNCLEAR), to 112, 1349, 42, 8, 11: cov/corrcoef's dtype=, nan_to_num's copy=, select's
int conditions, extract past arr's size, compress's 2-d condition, take_along_axis's ndim, where= of a str, the
split family's names; concatenate(x, None), take(x, []), full_like(x, 1j) and geomspace(x, True) computed. Left: axis=[] (JAX's reading of a list, as
axis=()), clip(x, a_min), copy(x, order) and a second positional None of i0/sinc/real ignored (no value changes),
empty_like's and object arrays' WRONG (NumPy's uninitialised memory, None entries), gradient's complex spacing
(NumPy drops the imaginary part with a ComplexWarning)."""

from __future__ import annotations

import signal
import sys
import warnings

import numpy as np

import difflab as dl
import difflab.numpy as dnp

X = np.array([[0.5, 1.5, 2.5], [3.5, 4.5, 5.25]])
SKIP = {"UnsupportedNorm", "c_", "r_", "e", "pi", "newaxis", "float64", "linalg", "fft", "polynomial", "vectorize"}
SKIP |= {"ufunc_method", "stop_gradient", "relu", "sigmoid", "softplus", "softmax", "log_softmax", "logsumexp"}
SKIP |= {"prod_shape", "min_scalar_type", "result_type", "common_type", "is_busday", "einsum_path", "einsum"}
POSITIONAL = [
    ("vec4", np.ones(4)),
    ("None", None),
    ("str", "a"),
    ("1.5", 1.5),
    ("-1", -1),
    ("10", 10),
    ("m33", np.ones((3, 3))),
    ("empty list", []),
    ("bool", True),
    ("nan", np.nan),
    ("int arr", np.array([5, -7])),
    ("complex", 1j),
]
KEYWORDS = [
    ("axis=5", {"axis": 5}),
    ("axis=-4", {"axis": -4}),
    ("axis='a'", {"axis": "a"}),
    ("axis=1.5", {"axis": 1.5}),
    ("axis=(0,0)", {"axis": (0, 0)}),
    ("bogus kw", {"bogus": 1}),
    ("out=arr", {"out": np.zeros((2, 3))}),
    ("dtype=int", {"dtype": int}),
    ("dtype='xx'", {"dtype": "xx"}),
    ("where=str", {"where": "a"}),
]


class _Timeout(Exception):
    pass


def _alarm(*_):
    raise _Timeout()


def _numpy(fn, args, kwargs):
    try:
        return "ok", fn(X.copy(), *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 (a walk: every exception is a finding to judge)
        return "err", exc


def _difflab(fn, args, kwargs):
    def f(x):
        return 0.0 * dnp.sum(x), fn(x, *args, **kwargs)

    try:
        (_, aux), _ = dl.value_and_grad(f, has_aux=True)(X.copy())
        return "ok", aux
    except Exception as exc:  # noqa: BLE001
        return "err", exc


def _same(a, b) -> bool:
    try:
        la, lb = dl.tree.flatten(a)[0], dl.tree.flatten(b)[0]
    except Exception:  # noqa: BLE001
        la, lb = [a], [b]
    if len(la) != len(lb):
        return False
    for p, q in zip(la, lb):
        p, q = np.asarray(p), np.asarray(q)
        if p.shape != q.shape:
            return False
        try:
            if p.dtype.kind in "fciub" and q.dtype.kind in "fciub":
                if not np.allclose(p.astype(complex), q.astype(complex), equal_nan=True, rtol=1e-10, atol=1e-12):
                    return False
            elif not np.array_equal(p, q):
                return False
        except Exception:  # noqa: BLE001 (structured against plain arrays: not comparable, so not the same)
            return False
    return True


def _kind(name, rn, rd) -> str | None:
    if rn[0] == "err" and rd[0] == "err":
        msg = str(rd[1])
        return None if isinstance(rd[1], dl.DifflabError) or name in msg or name.rstrip("s") in msg else "UNCLEAR"
    if rn[0] == "err":
        return "SILENT"
    if rd[0] == "err":
        return "REFUSED" + ("" if isinstance(rd[1], dl.DifflabError) or name in str(rd[1]) else "-UNCLEAR")
    return None if _same(rn[1], rd[1]) else "WRONG"


def main(names) -> dict:
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _alarm)
    counts: dict = {}
    cases = [(label, (v,), {}) for label, v in POSITIONAL] + [(label, (), kw) for label, kw in KEYWORDS]
    for name in names:
        dfn, nfn = getattr(dnp, name), getattr(np, name, None)
        if nfn is None or not callable(dfn):
            continue
        for label, args, kwargs in cases:
            signal.alarm(5)
            try:
                rn, rd = _numpy(nfn, args, kwargs), _difflab(dfn, args, kwargs)
            except _Timeout:
                rn = rd = ("err", _Timeout("over 5 s"))
            finally:
                signal.alarm(0)
            kind = _kind(name, rn, rd)
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
                said = (
                    f"DL[{type(rd[1]).__name__}: {str(rd[1])[:160]!r}]" if rd[0] == "err" else f"DL={str(rd[1])[:80]!r}"
                )
                said += (
                    f" NP[{type(rn[1]).__name__}: {str(rn[1])[:100]!r}]"
                    if rn[0] == "err"
                    else f" NP={str(rn[1])[:80]!r}"
                )
                print(f"{kind:16s} {name}({label}) {said}", flush=True)
    print(counts)
    return counts


if __name__ == "__main__":
    main([n for n in sorted(dnp.__all__) if n not in SKIP and (len(sys.argv) < 2 or n in sys.argv[1:])])
