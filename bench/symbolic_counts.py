"""Instructions per call of bench/symbolic.py's contenders, under valgrind (a count a loaded machine
does not move): the prepared symbolic value_and_grad, hand NumPy, and the generated code alone.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=functools_reduce python bench/symbolic_counts.py WHAT SIZES BATCH N

WHAT is sym (the prepared symbolic value_and_grad of difflab.nn's declared loss), usym (of
bench/symbolic.py's undeclared `user_loss`), hand (bench/hand_numpy.loss_and_grad), code and ucode
(the lowered closed form alone, declared and undeclared: bench/symbolic.generated_code, which runs
it in its own error state), guarded and uguarded (its guarded twin alone, what a prepared call
runs), fused and ufused (the prepared call's one generated function: reader, guarded code, charge,
builder); SIZES as 2-16-2. It runs the contender 20 times, then N + 1 times inside one `functools.reduce` with the collector off;
divide valgrind's "Collected" by N + 1. `python bench/symbolic_counts.py source SIZES BATCH [u]`
prints the generated code (the guarded function and the fused prepared call). Run it from any
checkout with PYTHONPATH=that checkout.
"""

from __future__ import annotations

import functools
import gc
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import _common as C  # noqa: E402, F401  (single-threaded BLAS before NumPy)
import hand_numpy as hand  # noqa: E402
import symbolic as S  # noqa: E402

import difflab as dl  # noqa: E402
from difflab.nn import MLP  # noqa: E402


def contender(what: str, sizes: tuple, batch: int):
    params, X, Y = hand.problem(sizes, batch)
    if what == "hand":
        return lambda: hand.loss_and_grad(params, X, Y)
    f = S.user_loss if what.startswith("u") else MLP(list(sizes), activation="tanh").loss("cross_entropy")
    sym = dl.prepare(f, params, X, Y, method="symbolic")
    for _ in range(3):  # traced, reader generated, the common case armed
        sym.value_and_grad(params, X, Y)
    if what.endswith("code"):
        code, xs = S.generated_code(sym, (params, X, Y))
        return lambda: code(*xs)
    if what.endswith("fused"):  # the prepared call's generated function, without the method around it
        call, args = sym._call, (params, X, Y)
        return lambda: call(args)
    if what.endswith("guarded"):
        code, xs = S.generated_code(sym, (params, X, Y))
        return lambda: code.guarded(*xs)
    return lambda: sym.value_and_grad(params, X, Y)


def main():
    what, sizes, batch = sys.argv[1], tuple(map(int, sys.argv[2].split("-"))), int(sys.argv[3])
    if what == "source":
        undeclared = sys.argv[4:] == ["u"]
        params, X, Y = hand.problem(sizes, batch)
        f = S.user_loss if undeclared else MLP(list(sizes), activation="tanh").loss("cross_entropy")
        sym = dl.prepare(f, params, X, Y, method="symbolic")
        for _ in range(3):
            sym.value_and_grad(params, X, Y)
        (fn,) = sym.prepared.matrix.fns.values()
        print(fn.guarded.source)
        print(sym._call.source)
        return
    fn, n = contender(what, sizes, batch), int(sys.argv[4])
    for _ in range(20):  # (Python specialises a function's bytecode after some calls: counted warm)
        fn()
    gc.collect()
    gc.disable()
    functools.reduce(lambda acc, _: fn(), range(n + 1), None)


if __name__ == "__main__":
    main()
