"""Which scipy.linalg functions batch in difflab as SciPy 1.17 batches them (N-d inputs (..., M, N)): for every public
function difflab.scipy.linalg names (bench/scipy_linalg_coverage.py's list), one 2-D example is stacked to batch shapes
(3,) and (2, 3) (each slice perturbed a little, its structure kept) and

- SciPy's own function is called on the stack: does SciPy batch it?
- where it does: difflab's value on the plain stack equals SciPy's; traced, the loss Σ Re(W · out) over the float
  outputs (W fixed per output's core shape) has SciPy's value, and its reverse and forward gradients equal the stack of
  the 2-D gradients (difflab's own, one slice at a time);
- where it does not: difflab raises an error naming the function and the shape, as SciPy refuses it.

Constant makers (sizes, no arrays), BLAS/LAPACK lookups and names refused by name for 2-D are listed, not run.

    python bench/scipy_linalg_batched.py            # the table, then the counts
    python bench/scipy_linalg_batched.py --quiet    # the counts only
    python bench/scipy_linalg_batched.py expm lu    # these rows only
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import scipy.linalg as sl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import difflab as dl  # noqa: E402
import difflab.numpy as dnp  # noqa: E402
import difflab.scipy.linalg as dsl  # noqa: E402
from scipy_linalg_coverage import coverage  # noqa: E402

N = 4  # (not a batch size: a stack of 3 × 3 matrices would read as one 3 × 3 × 3 array in ambiguous signatures)
_rng = np.random.default_rng(0)


def _m(shape, scale=1.0):
    return scale * _rng.standard_normal(shape)


G = 3.0 * np.eye(N) + _m((N, N), 0.4)  # general, eigenvalues near 3 (logm, sqrtm, ...)
SMALL = _m((N, N), 0.3)  # small norm (stable discrete equations, trigonometric functions)
_q, _ = np.linalg.qr(_m((N, N)))
SPD = _q @ np.diag([1.0, 2.0, 4.0, 7.0]) @ _q.T
SYM = _q @ np.diag([-2.0, 1.0, 3.0, 5.0]) @ _q.T  # distinct eigenvalues of both signs
ROT = np.array(
    [[0.5, -2.0, 0.1, 0.0], [2.0, 0.3, 0.2, 0.1], [0.1, 0.0, 1.5, 0.2], [0.0, 0.1, 0.3, -1.0]]
)  # one complex pair (cdf2rdf)
TALL = _m((N + 1, N))
B2 = _m((N, 2))  # right-hand sides, two columns (SciPy's '1|2' reads a batched b as matrices)
V = np.array([2.0, -1.0, 0.5, 1.2])
V2 = np.array([1.5, 0.7, -0.4, 0.9])
BAND = np.array([[0.0, 1.0, 0.5, 0.2], [4.0, 5.0, 6.0, 4.5], [0.7, 0.3, 0.6, 0.0]])  # (1, 1) band
HBAND = np.array([[0.0, 1.0, 0.5, 0.2], [4.0, 5.0, 6.0, 4.5]])  # upper symmetric band, positive definite


def _signed(xp, w, v):
    """(w, v) with each column of v signed to make its first entry positive (eigenvectors are unique up to sign)."""
    return w, v * xp.sign(v[..., :1, :])


# name: (call(m, xp, *arrays), arrays): m is scipy.linalg or difflab.scipy.linalg, xp numpy or difflab.numpy
SPECS = {
    # (a third entry: the positions of arrays passed whole, not stacked: SciPy broadcasts their batch shape ())
    "solve(1-D b)": (lambda m, xp, a, b: m.solve(a, b), [G, V], (1,)),
    "cho_solve(1-D b)": (lambda m, xp, a, b: m.cho_solve(m.cho_factor(a), b), [SPD, V], (1,)),
    "lu_solve(1-D b)": (lambda m, xp, a, b: m.lu_solve(m.lu_factor(a), b), [G, V], (1,)),
    "lstsq(1-D b)": (lambda m, xp, a, b: m.lstsq(a, b)[0], [TALL, np.append(V, 0.3)], (1,)),
    "solve_banded(1-D b)": (lambda m, xp, ab, b: m.solve_banded((1, 1), ab, b), [BAND, V], (1,)),
    "solve_toeplitz(2-D b)": (lambda m, xp, c, r, b: m.solve_toeplitz((c, r), b), [V + 3.0, V2, B2], (2,)),
    "expm_frechet(2-D E)": (lambda m, xp, a, e: m.expm_frechet(a, e), [SMALL, SYM], (1,)),
    "qr": (lambda m, xp, a: m.qr(a), [TALL]),
    "qr(pivoting)": (lambda m, xp, a: m.qr(a, pivoting=True)[:2], [TALL]),
    "polar": (lambda m, xp, a: m.polar(a), [G]),
    "solve_triangular": (lambda m, xp, a, b: m.solve_triangular(a, b, lower=True), [G, B2]),
    "solve_banded": (lambda m, xp, ab, b: m.solve_banded((1, 1), ab, b), [BAND, B2]),
    "cho_factor": (lambda m, xp, a: xp.tril(m.cho_factor(a, lower=True)[0]), [SPD]),
    "cho_solve": (lambda m, xp, a, b: m.cho_solve(m.cho_factor(a), b), [SPD, B2]),
    "solve_sylvester": (lambda m, xp, a, b, q: m.solve_sylvester(a, b, q), [G, SPD, SYM]),
    "solve_continuous_lyapunov": (lambda m, xp, a, q: m.solve_continuous_lyapunov(a, q), [G, SYM]),
    "solve_discrete_lyapunov": (lambda m, xp, a, q: m.solve_discrete_lyapunov(a, q), [SMALL, SYM]),
    "solve_lyapunov": (lambda m, xp, a, q: m.solve_lyapunov(a, q), [G, SYM]),
    "solveh_banded": (lambda m, xp, ab, b: m.solveh_banded(ab, b), [HBAND, B2]),
    "eigh_tridiagonal": (lambda m, xp, d, e: m.eigh_tridiagonal(d, e)[0], [V, V[:3] + 0.3]),
    "eigvalsh_tridiagonal": (lambda m, xp, d, e: m.eigvalsh_tridiagonal(d, e), [V, V[:3] + 0.3]),
    "leslie": (lambda m, xp, f, s: m.leslie(f, s), [V, V2[:3]]),
    "fiedler": (lambda m, xp, a: m.fiedler(a), [V]),
    "solve_continuous_are": (lambda m, xp, a, b, q, r: m.solve_continuous_are(a, b, q, r), [G, B2, SPD, np.eye(2)]),
    "solve_discrete_are": (lambda m, xp, a, b, q, r: m.solve_discrete_are(a, b, q, r), [SMALL, B2, SPD, np.eye(2)]),
    "sqrtm": (lambda m, xp, a: m.sqrtm(a), [G]),
    "expm": (lambda m, xp, a: m.expm(a), [SMALL]),
    "expm_frechet": (lambda m, xp, a, e: m.expm_frechet(a, e), [SMALL, SYM]),
    "cosm": (lambda m, xp, a: m.cosm(a), [SMALL]),
    "sinm": (lambda m, xp, a: m.sinm(a), [SMALL]),
    "tanm": (lambda m, xp, a: m.tanm(a), [SMALL]),
    "coshm": (lambda m, xp, a: m.coshm(a), [SMALL]),
    "sinhm": (lambda m, xp, a: m.sinhm(a), [SMALL]),
    "tanhm": (lambda m, xp, a: m.tanhm(a), [SMALL]),
    "signm": (lambda m, xp, a: m.signm(a), [SYM]),
    "fractional_matrix_power": (lambda m, xp, a: m.fractional_matrix_power(a, 0.5), [G]),
    "eigvalsh": (lambda m, xp, a: m.eigvalsh(a), [SYM]),
    "svdvals": (lambda m, xp, a: m.svdvals(a), [TALL]),
    "block_diag": (lambda m, xp, a, b: m.block_diag(a, b), [G, SYM]),
    "toeplitz": (lambda m, xp, c, r: m.toeplitz(c, r), [V, V2]),
    "circulant": (lambda m, xp, c: m.circulant(c), [V]),
    "hankel": (lambda m, xp, c, r: m.hankel(c, r), [V, V2]),
    "companion": (lambda m, xp, a: m.companion(a), [V]),
    "khatri_rao": (lambda m, xp, a, b: m.khatri_rao(a, b), [G, TALL]),
    "solve_toeplitz": (lambda m, xp, c, r, b: m.solve_toeplitz((c, r), b), [V + 3.0, V2, B2]),
    "matmul_toeplitz": (lambda m, xp, c, r, x: m.matmul_toeplitz((c, r), x), [V, V2, B2]),
    "solve_circulant": (lambda m, xp, c, b: m.solve_circulant(c, b), [V + 1.0, B2]),
    "convolution_matrix": (lambda m, xp, a: m.convolution_matrix(a, 2), [V]),
    "diagsvd": (lambda m, xp, s: m.diagsvd(s, N, N + 1), [V]),
    "lstsq": (lambda m, xp, a, b: m.lstsq(a, b)[0], [TALL, _m((N + 1, 2))]),
    "eigvals": (lambda m, xp, a: m.eigvals(a), [G]),
    "eig": (lambda m, xp, a: m.eig(a), [G]),
    "pinvh": (lambda m, xp, a: m.pinvh(a), [SYM]),
    "orthogonal_procrustes": (lambda m, xp, a, b: m.orthogonal_procrustes(a, b), [G, SYM]),
    "lu": (lambda m, xp, a: m.lu(a), [G]),
    "lu(p_indices)": (lambda m, xp, a: m.lu(a, p_indices=True)[1:], [G]),
    "lu_factor": (lambda m, xp, a: m.lu_factor(a), [G]),
    "lu_solve": (lambda m, xp, a, b: m.lu_solve(m.lu_factor(a), b), [G, B2]),
    "logm": (lambda m, xp, a: m.logm(a), [G]),
    "inv": (lambda m, xp, a: m.inv(a), [G]),
    "det": (lambda m, xp, a: m.det(a), [G]),
    "solve": (lambda m, xp, a, b: m.solve(a, b), [G, B2]),
    "solve(assume_a='pos')": (lambda m, xp, a, b: m.solve(a, b, assume_a="pos"), [SPD, B2]),
    "cholesky": (lambda m, xp, a: m.cholesky(a), [SPD]),
    "eigh": (lambda m, xp, a: _signed(xp, *m.eigh(a)), [SYM]),  # (NumPy's eigh: SciPy's vectors up to sign)
    "eigh(a, b)": (lambda m, xp, a, b: m.eigh(a, b), [SYM, SPD]),
    "svd": (lambda m, xp, a: m.svd(a, full_matrices=False)[1], [TALL]),
    "pinv": (lambda m, xp, a: m.pinv(a), [TALL]),
    "norm": (lambda m, xp, a: m.norm(a, axis=(-2, -1)), [G]),
    "cholesky_banded": (lambda m, xp, ab: m.cholesky_banded(ab), [HBAND]),
    "cho_solve_banded": (lambda m, xp, ab, b: m.cho_solve_banded((m.cholesky_banded(ab), False), b), [HBAND, B2]),
    "eig_banded": (lambda m, xp, ab: m.eig_banded(ab), [HBAND]),
    "eigvals_banded": (lambda m, xp, ab: m.eigvals_banded(ab), [HBAND]),
    "qr_multiply": (lambda m, xp, a, c: m.qr_multiply(a, c), [TALL, _m((2, N + 1))]),
    "rq": (lambda m, xp, a: m.rq(a), [G]),
    "orth": (lambda m, xp, a: m.orth(a), [TALL]),
    "subspace_angles": (lambda m, xp, a, b: m.subspace_angles(a, b), [TALL[:, :2], _m((N + 1, 2))]),
    "cdf2rdf": (lambda m, xp, a: m.cdf2rdf(*m.eig(a))[0], [ROT]),
    "fiedler_companion": (lambda m, xp, a: m.fiedler_companion(a), [np.array([1.0, -3.0, 2.0, 0.5, 0.1])]),
    "clarkson_woodruff_transform": (lambda m, xp, a: m.clarkson_woodruff_transform(a, 2, rng=0), [TALL]),
    "matrix_balance": (lambda m, xp, a: m.matrix_balance(a), [G]),
    "hessenberg": (lambda m, xp, a: m.hessenberg(a, calc_q=True), [G]),
    "ldl": (lambda m, xp, a: m.ldl(a)[:2], [SYM]),
    # (Q, R of each slice by qr: SciPy's updates assume an orthonormal Q; u and v one-column (one-row) matrices:
    # SciPy reads a batched u (..., m) as an (m, p) update)
    "qr_update": (lambda m, xp, a, u, v: m.qr_update(*m.qr(a), u, v), [G, V[:, None], V2[:, None]]),
    "qr_insert": (lambda m, xp, a, u: m.qr_insert(*m.qr(a), u, 1), [G, V[None, :]]),
    "qr_delete": (lambda m, xp, a: m.qr_delete(*m.qr(a), 1), [G]),
    "expm_cond": (lambda m, xp, a: m.expm_cond(a), [SMALL]),
    "bandwidth": (lambda m, xp, a: m.bandwidth(a), [G]),
    "issymmetric": (lambda m, xp, a: m.issymmetric(a), [SYM]),
    "ishermitian": (lambda m, xp, a: m.ishermitian(a), [SYM]),
}
NOT_RUN = {  # name: why no array of it can be batched
    **dict.fromkeys(("dft", "hadamard", "helmert", "hilbert", "invhilbert", "pascal", "invpascal"), "takes a size"),
    **dict.fromkeys(("find_best_blas_type", "get_blas_funcs", "get_lapack_funcs"), "a BLAS/LAPACK lookup"),
}
BATCHES = [(3,), (2, 3)]


def stacked(x, batch, seed):
    """x repeated to batch + x.shape, each slice x times (1 + a small relative noise): zeros stay zeros (bands,
    triangles), a symmetric x stays symmetric, a positive definite one positive definite."""
    rng = np.random.default_rng(seed)
    noise = 0.03 * rng.standard_normal(batch + x.shape)
    if x.ndim == 2 and x.shape[0] == x.shape[1] and np.allclose(x, x.T):
        noise = 0.5 * (noise + np.swapaxes(noise, -1, -2))
    return x * (1.0 + noise)


def outputs(result):
    """The arrays of a result (a tuple, a list or one array), flattened into a list."""
    if isinstance(result, (tuple, list)):
        return [y for r in result for y in outputs(r)]
    return [result]


def weights(shape):
    return np.cos(1.0 + np.arange(int(np.prod(shape)))).reshape(shape)


def loss_of(call, batch_ndim):
    """Σ Re(W · out) over the float and complex outputs, W by each output's core shape (batch axes dropped)."""

    def loss(*arrays):
        total = 0.0
        for y in outputs(call(dsl, dnp, *arrays)):
            if (y.dtype if hasattr(y, "dtype") else np.asarray(y).dtype).kind not in "fc":
                continue
            total = total + dnp.sum(dnp.real(y * weights(np.shape(y)[batch_ndim:])))
        return total

    return loss


def plain_loss(result, batch_ndim):
    return sum(
        float(np.sum(np.real(np.asarray(y) * weights(np.shape(y)[batch_ndim:]))))
        for y in outputs(result)
        if np.asarray(y).dtype.kind in "fc"
    )


def close(x, y, tol):
    x, y = np.asarray(x), np.asarray(y)
    return x.shape == y.shape and np.allclose(x, y, rtol=tol, atol=tol, equal_nan=True)


def clear_error(exc, name, shapes):
    """A difflab error or ValueError/TypeError whose message names the function and one of the shapes."""
    msg = str(exc)
    return name.split("(")[0] in msg and any(str(s) in msg for s in shapes)


def case(name, batch):
    """(call, arrays, shared) of a row at a batch shape: each array stacked, but those at the positions `shared`."""
    call, cores, *rest = SPECS[name]
    shared = rest[0] if rest else ()
    return call, [x if seed in shared else stacked(x, batch, seed) for seed, x in enumerate(cores)], shared


def loop_grads(call, arrays, shared, argnums, batch, method):
    """The gradients of the 2-D loss, one batch index at a time: stacked for stacked arrays, summed for shared ones."""
    loss = loss_of(call, 0)
    slices = [
        dl.grad(loss, argnums=argnums, method=method)(*(a if k in shared else a[i] for k, a in enumerate(arrays)))
        for i in np.ndindex(batch)
    ]
    return [
        sum(s[k] for s in slices) if j in shared else np.stack([s[k] for s in slices]).reshape(arrays[j].shape)
        for k, j in enumerate(argnums)
    ]


def run_one(name, batch):
    """(scipy_batches, value, gradient) for one row and batch shape: each a short verdict."""
    call, arrays, shared = case(name, batch)
    shapes = [a.shape for a in arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)  # (SciPy's hankel ravels a stack: deprecated, no batch)
            want = call(sl, np, *arrays)
    except Exception as exc:  # noqa: BLE001 (SciPy refuses the stack: difflab must refuse it clearly)
        try:
            call(dsl, dnp, *arrays)
        except Exception as mine:  # noqa: BLE001
            ok = clear_error(mine, name, shapes)
            return f"no ({type(exc).__name__})", ("clear error" if ok else f"unclear: {mine!s:.60}"), "-"
        return f"no ({type(exc).__name__})", "answers (SciPy refuses)", "-"
    try:
        got = call(dsl, dnp, *arrays)
    except Exception as exc:  # noqa: BLE001
        return "yes", f"{type(exc).__name__}: {exc!s:.70}", "-"
    w_out, g_out = outputs(want), outputs(got)
    same = len(w_out) == len(g_out) and all(close(a, b, 1e-6) for a, b in zip(w_out, g_out))
    value = "ok" if same else "differs"
    loss = loss_of(call, len(batch))
    argnums = tuple(i for i, x in enumerate(arrays) if x.dtype.kind == "f")
    verdicts = []
    for method in ("reverse", "forward"):
        try:
            val, grads = dl.value_and_grad(loss, argnums=argnums, method=method)(*arrays)
        except Exception as exc:  # noqa: BLE001
            verdicts.append(f"{method}: {type(exc).__name__}: {exc!s:.50}")
            continue
        if not close(val, plain_loss(want, len(batch)), 1e-6):
            value = "ok plain, traced differs" if same else value
        loop = loop_grads(call, arrays, shared, argnums, batch, method)
        verdicts.append(
            method + (" ok" if all(close(g, lp, 1e-8) for g, lp in zip(grads, loop)) else " differs from the loop")
        )
    grad = "ok" if all(v.endswith(" ok") for v in verdicts) else "; ".join(verdicts)
    return "yes", value, grad


def survey(names):
    rows = []
    for name in names:
        if name in NOT_RUN:
            rows.append((name, "-", f"not run ({NOT_RUN[name]})", "-", "n/a"))
            continue
        if name in dsl.REFUSED:
            rows.append((name, "-", "refused by name (2-D too)", "-", "n/a"))
            continue
        verdicts = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for batch in BATCHES:
                verdicts.append(run_one(name, batch))
        scipy_b, value, grad = (" / ".join(dict.fromkeys(v[k] for v in verdicts)) for k in range(3))
        good = all((v[1] == "ok" and v[2] == "ok") if v[0] == "yes" else v[1] == "clear error" for v in verdicts)
        rows.append((name, scipy_b, value, grad, "pass" if good else "FAIL"))
    return rows


def main(argv):
    listed = [n for n in argv if not n.startswith("-")]
    named = coverage()["named"]
    missing = [n for n in named if n not in SPECS and n not in NOT_RUN and n not in dsl.REFUSED]
    names = listed or sorted(set(named) - set(missing) - set(dsl.REFUSED)) + sorted(k for k in SPECS if "(" in k)
    rows = survey(sorted(names))
    if "--quiet" not in argv:
        print("| function | SciPy batches? | difflab value | gradient (reverse, forward) vs the loop | verdict |")
        print("| --- | --- | --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    run = [r for r in rows if r[4] != "n/a"]
    batched = [r for r in run if r[1].startswith("yes")]
    print(
        f"{len(run)} rows run (batch shapes {BATCHES}): SciPy batches {len(batched)}, refuses {len(run) - len(batched)}; "
        f"difflab passes {sum(r[4] == 'pass' for r in run)}, fails {sum(r[4] == 'FAIL' for r in run)}"
        + (f"; no spec: {', '.join(missing)}" if missing else "")
    )
    print("failing:", ", ".join(r[0] for r in run if r[4] == "FAIL") or "none")


if __name__ == "__main__":
    main(sys.argv[1:])
