"""dl.lax's collectives keep each thread's vmap axes apart: two threads inside vmap(f, axis_name="i") at once (a
barrier holds both in f's trace) each get their own batch's psum (the axes were one module-level list: a thread's
collective found the other thread's axis, its size and its batched run)."""

import threading

import numpy as np

import difflab as dl
import difflab.lax  # noqa: F401
import difflab.numpy as dnp


def test_two_threads_in_a_named_vmap_at_once_keep_their_own_axes():
    barrier = threading.Barrier(2, timeout=20)
    got = {}

    def f(x):
        barrier.wait()  # both threads are inside their vmap's trace, their axes bound
        s = dl.lax.psum(x, "i")
        barrier.wait()
        return dnp.sin(x) / s

    def run(key, xs):
        try:
            got[key] = (dl.vmap(f, axis_name="i")(xs), dl.grad(lambda v: dnp.sum(dl.vmap(f, axis_name="i")(v)))(xs))
        except Exception as err:  # (reported below, with the thread's inputs)
            got[key] = err

    batches = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([0.5, 4.0])}
    threads = [threading.Thread(target=run, args=item) for item in batches.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for key, xs in batches.items():
        assert not isinstance(got[key], Exception), (key, got[key])
        value, grad = got[key]
        np.testing.assert_allclose(value, np.sin(xs) / xs.sum(), rtol=1e-15)
        want = np.cos(xs) / xs.sum() - np.sin(xs).sum() / xs.sum() ** 2
        np.testing.assert_allclose(grad, want, rtol=1e-13)


def test_psum_of_a_python_int_is_the_axis_size_as_an_int():
    sizes = []

    def f(x):
        sizes.append(dl.lax.psum(1, "i"))
        return x * sizes[-1]

    np.testing.assert_array_equal(dl.vmap(f, axis_name="i")(np.arange(3.0)), [0.0, 3.0, 6.0])
    assert sizes == [3] and type(sizes[0]) is int  # (was 3.0)
