"""Bad-input battery 43 (badinput43): the findings of a scripted walk over the public API that earlier
batteries (test_bad_input.py, test_bad_input_audit.py) did not cover, grouped by entry point."""

import numpy as np
import pytest

import difflab as dl
import difflab.numpy as dnp

METHODS = ["symbolic", "numeric", "forward", "reverse"]


# --- grad: a tracer kept from an earlier call (leaked) -------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_tracer_leaked_from_an_earlier_call_is_refused(method):
    # On main this returned a difflab Tracer (not an array) as the gradient: the kept tracer entered the new
    # trace as a constant of an "enclosing" trace that had long finished.
    kept = []

    def keeps(x):
        kept.append(x)
        return dnp.sum(x)

    x = np.array([0.5, 1.0, 2.0])
    dl.grad(keeps)(x)
    with pytest.raises(dl.TracerConversionError, match="that has finished.*argument"):
        dl.grad(lambda y: dnp.sum(y * kept[0]), method=method)(x)


def test_a_value_of_a_live_enclosing_trace_is_still_a_constant():
    # the check refuses finished traces only: a closure over the outer argument (d/dx of x * d/dy (x y)) works
    x = 1.5
    got = dl.grad(lambda x: x * dl.grad(lambda y: x * y)(2.0))(x)
    assert got == pytest.approx(2 * x)  # d/dx x**2


# --- checkpoint: called on plain arrays ---------------------------------------------------------------------


@pytest.mark.parametrize("f", [lambda x: x, lambda x: (x, x[1:]), lambda x: x.T, lambda x: [dnp.reshape(x, (3, 1))]])
def test_a_checkpointed_function_called_untraced_returns_no_view_of_its_argument(f):
    # On main dl.checkpoint(f)(x) outside any trace returned f(x) as it was: x itself or a view of it, so
    # writing into the result wrote into the caller's x
    x = np.array([0.5, 1.0, 2.0])
    out = dl.checkpoint(f)(x)
    leaves = list(out) if isinstance(out, (tuple, list)) else [out]
    want = [np.array(w) for w in (f(x) if isinstance(out, (tuple, list)) else [f(x)])]
    for leaf, w in zip(leaves, want):
        assert np.array_equal(leaf, w)
        assert not np.shares_memory(leaf, x)
        leaf[...] = 7.0
    assert x.tolist() == [0.5, 1.0, 2.0]


# --- vmap: nothing batched -------------------------------------------------------------------------------


@pytest.mark.parametrize("in_axes", [None, (None,)])
def test_vmap_with_no_batched_argument_says_so(in_axes):
    # On main the message ended "...with one batch axis of one size; got " and named nothing
    with pytest.raises(ValueError, match=r"no batched argument: in_axes=.*maps none of the 1 argument.*in_axes=0"):
        dl.vmap(lambda x: x * 2.0, in_axes=in_axes)(np.ones((3, 2)))


# --- jacobian / hessian: results the caller may write into -------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", ["jacobian of a constant", "hessian of a linear function"])
def test_a_constant_jacobian_or_hessian_is_a_writable_array_of_zeros(method, op):
    # On main forward's (and reverse's Hessian) came back as a read-only broadcast view (strides (8, 0)):
    # `h += 1` raised NumPy's bare "assignment destination is read-only"
    x = np.array([0.5, 1.0, 2.0])
    if op.startswith("jacobian"):
        got = dl.jacobian(lambda x: np.ones(3), method=method)(x)
    else:
        got = dl.hessian(lambda x: dnp.sum(2.0 * x), method=method)(x)
    assert np.array_equal(got, np.zeros((3, 3)))  # d(const)/dx and d²(linear)/dx² are 0 in closed form
    got += 1.0
    assert np.array_equal(got, np.ones((3, 3)))
