"""Issue 17: Richardson's prepared common case made cheap again after numeric45's narrow-feature checks, with the same
answers. `widths.richardson_clear` is a sufficient condition for `widths.richardson_straddles` finding nothing (so
the common case skips it on ordinary f); `stencils._later_chosen` runs `_later` on the rows whose chosen entry's
later changes exceed its own alone; `stencils._later`'s suffix max is one accumulate. Each is checked here against
the computation it replaces (independent references: the straddle check itself, a plain loop)."""

import numpy as np
import pytest

from difflab.differentiators import stencils as st
from difflab.differentiators import widths as wd

STEPS = st.RICHARDSON_STEP / st.RATIO ** np.arange(14)


def _points(f, x):
    """f's values (n, 3, 2) at x ± h along each axis at Richardson's three smallest relative steps; f(x); steps H."""
    H = np.maximum(1.0, np.abs(x))[:, None] * STEPS
    H = (x[:, None] + H) - x[:, None]
    P = np.empty((len(x), len(STEPS), 2))
    for i in range(len(x)):
        for j, h in enumerate(H[i]):
            for s, sign in enumerate((1.0, -1.0)):
                y = x.copy()
                y[i] += sign * h
                P[i, j, s] = f(y)
    return P, float(f(x)), H


def _rosen(y):
    return np.sum(100.0 * (y[1:] - y[:-1] ** 2) ** 2 + (1.0 - y[:-1]) ** 2)


CASES = [
    ("rosenbrock", _rosen, np.array([0.3, -0.7, 0.5, 0.9]), True),
    ("sin exp", lambda y: np.sum(np.sin(y) * np.exp(y / 3)), np.array([0.2, -0.4, 0.8]), True),
    ("gaussian 1e-5", lambda y: np.exp(-((y[0] / 1e-5) ** 2)) + y[1], np.array([3e-6, 0.5]), False),
    ("arctan 2468", lambda y: np.arctan(2468.0 * y[0]), np.array([5.14e-4]), False),
    ("tanh 1e6 at 0", lambda y: np.tanh(1e6 * y[0]) + y[1] ** 2, np.array([0.0, 0.3]), False),
]


@pytest.mark.parametrize("name, f, x, ordinary", CASES, ids=[c[0] for c in CASES])
def test_richardson_clear_only_where_the_straddle_check_finds_nothing(name, f, x, ordinary):
    P, f0, H = _points(f, x)
    S = (P[:, :, 0] - P[:, :, 1]) / (2.0 * H)
    d, _, _ = st._richardson(S[:, :, None], H, np.array([f0]), True, roundoff=True)
    said = wd.richardson_straddles(P[:, -3:, :, None] - f0, H, np.array([f0]), d)[0].any()
    with np.errstate(all="ignore"):
        clear = wd.richardson_clear(wd.richardson_clear_plan(STEPS), P[:, -3:], f0, S[:, -3:-1], float(np.abs(d).max()))
    assert not (clear and said)
    assert clear == ordinary  # (ordinary f: the cheap test suffices; the features: the check itself runs)
    assert said == (not ordinary)


def _later_by_loop(change, roundoff):
    """`_later`'s estimates by a plain loop over each column of the table (entries ordered as `_neville`'s)."""
    T = 14
    out = change + roundoff
    beyond = change - st.LATER_NOISE * roundoff
    start = 0
    for c in range(1, T):
        idx = np.arange(start, start + T - c)  # column c's entries, largest step first
        for i in range(len(change)):
            for a, e in enumerate(idx):
                later = beyond[i, idx[a:]].max()
                out[i, e] = max(change[i, e], later) + roundoff[i, e]
        start += T - c
    return out


def test_later_matches_a_loop_over_its_columns_and_the_chosen_rows_alone():
    rng = np.random.default_rng(7)
    T = 14
    Mt, r, _, columns = st._neville(T)
    S = 1.0 + 1e-9 * rng.standard_normal((5, T))
    S[2, -4:] += [3e-3, 9e-3, 2e-2, 4e-2]  # (one direction whose smaller steps change: its later changes count)
    table = S @ Mt
    E = len(r)
    scale = st.EPS * 1.0 / (0.5 * np.ones((5, 1)))
    change, roundoff = np.abs(table[:, E:]), scale * r
    full = st._later(change, roundoff, columns[0])
    assert np.array_equal(full, _later_by_loop(change, roundoff))
    err = change + roundoff
    at = err.argmin(axis=1)
    at2, err2 = st._later_chosen(at, err.copy(), table, scale, r, columns)
    assert np.array_equal(at2, full.argmin(axis=1)) and at2[2] != at[2]
    assert np.array_equal(err2[np.arange(5), at2], full[np.arange(5), at2])
