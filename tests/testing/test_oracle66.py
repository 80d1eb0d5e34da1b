"""Stop 66: difflab.testing as another project uses it. Tolerances follow the precision the user's function
computes in (a float64 result read from float32 copies of its arguments is judged at float32's tolerance, as a
float32 result is; float64 stays as strict); complex values in check_jacobian, check_jvp, check_vjp,
check_hessian(holomorphic=True) and check_hvp, in difflab's and JAX's conventions; the pytest plugin as a user's
project loads it (every check on the fixture, SymPy loaded at setup, the entry point named as the module)."""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest

import difflab
from difflab.testing import (
    GradientMismatch,
    check_grad,
    check_hessian,
    check_hvp,
    check_jacobian,
    check_jvp,
    check_vjp,
)

ROOT = Path(difflab.__file__).resolve().parents[1]

# -- float32 inside, float64 out ------------------------------------------------------------------------------------

A0 = np.array([[0.31, -1.2, 0.45], [0.8, 0.52, -0.3], [-0.66, 0.25, 1.1]])
R0 = np.array([0.4, -1.3, 0.7])


def gll(A, r):  # Gaussian log-likelihood, Sigma = A A^T + 0.5 I (bench/oracle_mutants.py's, plain NumPy)
    S = A @ A.T + 0.5 * np.eye(3)
    return -0.5 * r @ np.linalg.solve(S, r) - 0.5 * np.linalg.slogdet(S)[1]


def gll_grad(A, r):
    Si = np.linalg.inv(A @ A.T + 0.5 * np.eye(3))
    a = Si @ r
    return (np.outer(a, a) - Si) @ A


def in_float32(grad):  # float32 copies of the arguments; np.eye casts the result back to float64
    return lambda A, r: grad(A.astype(np.float32), r.astype(np.float32))


def test_a_float64_gradient_computed_from_float32_copies_passes_at_float32_tolerance():
    g = in_float32(gll_grad)
    assert g(A0, R0).dtype == np.float64  # (float64 values: the dtype alone cannot tell)
    result = check_grad(gll, g, A0, R0)  # main: GradientMismatch (off by ~1e-7 relative, float64's rtol 1.5e-8)
    assert any("reads args[0] in float32" in n for n in result.notes)
    assert result.max_rel_error > 1e-9  # (the float32 round-off is there: judged, not hidden)


def test_float64_strictness_stays_where_the_arguments_are_read_in_float64():
    for delta in (1e-7, -3e-7):  # a right float64 gradient times 1 + delta: caught, as before
        with pytest.raises(GradientMismatch):
            check_grad(gll, lambda A, r, d=delta: gll_grad(A, r) * (1 + d), A0, R0)
    # a gradient that does not depend on x (f linear) is no float32 reader: a 1e-7 error is still caught
    c = np.array([1.5, -0.25, 3.0])
    with pytest.raises(GradientMismatch):
        check_grad(lambda x: c @ x, lambda x: c * (1 + 1e-7), np.array([0.2, 0.4, -0.9]))
    # nor is one that depends on x only weakly (a 1e-6 ridge beside a linear term): its result moves when x is
    # rounded to float32, which a float32 copy's would not
    ridge = lambda x: c @ x + 0.5e-6 * x @ x  # noqa: E731
    with pytest.raises(GradientMismatch):
        check_grad(ridge, lambda x: c * (1 + 1e-7) + 1e-6 * x, np.array([0.2, 0.4, -0.9]))
    # float32 beyond round-off: 1 % off is caught with the float32 reader detected
    with pytest.raises(GradientMismatch):
        check_grad(gll, lambda A, r: 1.01 * in_float32(gll_grad)(A, r), A0, R0)


KC = np.array([0.7, -1.1, 0.4])


def test_a_pullback_reading_its_cotangent_in_float32_passes():
    f = lambda x: np.convolve(x, KC[::-1], "valid")  # noqa: E731
    x = np.linspace(-1, 1, 8)
    vjp = lambda x: (f(x), lambda u: np.convolve(u.astype(np.float32), KC, "full"))  # noqa: E731
    assert vjp(x)[1](np.ones(6)).dtype == np.float64
    result = check_vjp(f, vjp, x)  # main: GradientMismatch (u rounded to float32, the result float64)
    assert any("reads the cotangent u in float32" in n for n in result.notes)
    with pytest.raises(GradientMismatch):  # the kernel not flipped: caught all the same
        check_vjp(f, lambda x: (f(x), lambda u: np.convolve(u.astype(np.float32), KC[::-1], "full")), x)


def test_a_float32_primal_is_judged_at_float32_tolerance():
    x = np.array([0.3, -0.7, 1.9])

    def jvp_f(p, t):  # the primal and J v computed in float32 (as a float32 model returns them)
        x32 = p[0].astype(np.float32)
        return np.exp(x32) * np.sin(x32), (np.exp(x32) * (np.sin(x32) + np.cos(x32))) * t[0].astype(np.float32)

    assert check_jvp(lambda x: np.exp(x) * np.sin(x), jvp_f, x)  # main: "returned the primal output" mismatch


# -- complex values in every check ------------------------------------------------------------------------------------

Z = np.array([1.0 + 2.0j, 0.5 - 1.0j])
X = np.array([0.3, -1.1])


def test_check_jacobian_takes_complex_values_in_jacfwd_jacrev_and_holomorphic_conventions():
    # main: TypeError "check_grad takes complex arguments; this check does not" / "returned complex values"
    # real out: df/dx - i df/dy (JAX's jacrev(abs)(Z): diag(0.4472136-0.89442719j, 0.4472136+0.89442719j))
    assert check_jacobian(
        np.abs,
        lambda z: np.diag([0.4472135954999579 - 0.8944271909999159j, 0.4472135954999579 + 0.8944271909999159j]),
        Z,
    )
    # complex out of a real x (jacfwd's): d exp(ix)/dx = i exp(ix); at x = 0.3, -1.1 (JAX's values as literals)
    jac = np.diag([-0.29552020666133955 + 0.955336489125606j, 0.8912073600614354 + 0.4535961214255773j])
    assert check_jacobian(lambda x: np.exp(1j * x), lambda x: jac, X)
    with pytest.raises(GradientMismatch):
        check_jacobian(lambda x: np.exp(1j * x), lambda x: np.real(jac), X)  # the imaginary part dropped
    # holomorphic: f'(z) of z**2 is 2z (JAX's jacfwd(..., holomorphic=True): diag(2+4j, 1-2j))
    assert check_jacobian(lambda z: z**2, lambda z: np.diag([2 + 4j, 1 - 2j]), Z, holomorphic=True)
    with pytest.raises(GradientMismatch):
        check_jacobian(lambda z: z**2, lambda z: np.diag([2 - 4j, 1 + 2j]), Z, holomorphic=True)  # conjugated
    with pytest.raises(GradientMismatch) as err:  # conj(z) z has no complex derivative
        check_jacobian(lambda z: np.conj(z) * z, lambda z: np.diag(2 * z), Z, holomorphic=True)
    assert "not holomorphic" in str(err.value)
    with pytest.raises(TypeError, match="pass holomorphic=True"):
        check_jacobian(lambda z: z**2, lambda z: np.diag(2 * z), Z)
    with pytest.raises(TypeError, match="holomorphic=True needs complex arguments"):
        check_jacobian(lambda x: np.exp(1j * x), lambda x: jac, X, holomorphic=True)


def test_check_jvp_and_check_vjp_take_complex_values():
    # JAX: jvp(z**2, (z,), (v,)) = 2 z v, with v = (1j, 1): (-4+2j, 1-2j); difflab.jvp agrees
    jvp_f = lambda p, t: (p[0] ** 2, 2 * p[0] * t[0])  # noqa: E731
    assert np.allclose(jvp_f((Z,), (np.array([1j, 1.0]),))[1], [-4 + 2j, 1 - 2j])
    assert check_jvp(lambda z: z**2, jvp_f, Z)  # main: TypeError (complex primals)
    with pytest.raises(GradientMismatch):
        check_jvp(lambda z: z**2, lambda p, t: (p[0] ** 2, 2 * p[0] * np.conj(t[0])), Z)
    # a real f of z: J v = 2 Re(conj(z) v)
    assert check_jvp(lambda z: np.abs(z) ** 2, lambda p, t: (np.abs(p[0]) ** 2, 2 * np.real(np.conj(p[0]) * t[0])), Z)
    # VJP: pullback(u) = u f'(z) for holomorphic f (JAX's, no conjugation); PyTorch's conjugate is caught.
    # JAX 0.10.2: vjp(z**2, Z)[1]((1, 1j)) = (2+4j, 2+1j)
    assert np.allclose((lambda z, u: 2 * z * u)(Z, np.array([1, 1j])), [2 + 4j, 2 + 1j])
    assert check_vjp(lambda z: z**2, lambda z: (z**2, lambda u: (2 * z * u,)), Z)
    with pytest.raises(GradientMismatch):
        check_vjp(lambda z: z**2, lambda z: (z**2, lambda u: (np.conj(2 * z) * u,)), Z)
    assert check_vjp(lambda z: np.abs(z) ** 2, lambda z: (np.abs(z) ** 2, lambda u: (2 * np.conj(z) * u,)), Z)
    # a complex output of a real x: the cotangent is complex, the pullback real: Re(u i exp(ix))
    assert check_vjp(
        lambda x: np.exp(1j * x), lambda x: (np.exp(1j * x), lambda u: (np.real(u * 1j * np.exp(1j * x)),)), X
    )


def test_check_hessian_holomorphic_and_check_hvp_with_complex_arguments():
    # f''(z) of sum(z**3) is diag(6z): at 1+2j, 6+12j (JAX's hessian(..., holomorphic=True)); one z: a black box's
    # Hessian reference is Richardson of Richardson, n² of them
    assert check_hessian(lambda z: np.sum(z**3), lambda z: np.array([[6 + 12j]]), Z[:1], holomorphic=True)
    with pytest.raises(GradientMismatch):
        check_hessian(lambda z: np.sum(z**3), lambda z: np.array([[6 - 12j]]), Z[:1], holomorphic=True)
    with pytest.raises(TypeError, match="holomorphic=True"):
        check_hessian(lambda z: np.sum(np.abs(z) ** 2), lambda z: 2 * np.eye(2), Z)

    # f = sum |z|^4: grad = 4|z|^2 conj(z); H v = d/ds grad(z + s v) (JAX's jvp of grad)
    def hvp(p, t):
        z, v = p[0], t[0]
        return 8 * np.real(np.conj(z) * v) * np.conj(z) + 4 * np.abs(z) ** 2 * np.conj(v)

    # JAX 0.10.2 (x64): jvp(grad(f), (Z,), (1j, 1)) = (16-52j, 7+4j)
    assert np.allclose(hvp((Z,), (np.array([1j, 1.0]),)), [16 - 52j, 7 + 4j])
    box = lambda z: float(np.sum(np.abs(z) ** 4))  # noqa: E731  (float(): a black box to difflab)
    assert "Richardson" in check_hvp(box, hvp, Z).reference  # main: TypeError
    import difflab.numpy as dnp

    assert check_hvp(lambda z: dnp.sum(dnp.abs(z) ** 4), hvp, Z)  # traced: difflab.grad's gradient
    with pytest.raises(GradientMismatch):
        check_hvp(box, lambda p, t: np.conj(hvp(p, t)), Z)


# -- the pytest plugin, as a user's project loads it ----------------------------------------------------------------


def test_the_fixture_has_every_seeded_check_and_warms_up():
    from difflab.testing.plugin import GradientOracle

    oracle = GradientOracle(seed=2)
    for name in ("check_hvp", "check_rule", "check_sparsity"):  # main: AttributeError
        assert getattr(oracle, name).keywords == {"seed": 2}
    calls = []
    oracle.check_grad = lambda *a, **k: calls.append(a)
    assert oracle.warm_up() is oracle and len(calls) == 1


USER_PROJECT_RUN = """
import importlib.metadata as md, sys
installed = md.distributions
md.distributions = lambda **kw: (d for d in installed(**kw) if d.metadata["Name"] != "difflab")
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-p", "difflab.testing.plugin", sys.argv[1]]))
"""


def test_the_entry_point_and_pytest_plugins_name_the_same_plugin(tmp_path):
    # difflab's pytest11 entry point as pyproject.toml declares it (a stand-in distribution: the installed one is
    # hidden), with the plugin also named by `-p` and by a conftest's pytest_plugins, as the plugin's docstring says
    name = next(iter(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]))
    info = tmp_path / "site" / "difflab_ep-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: difflab-ep\nVersion: 0\n")
    (info / "entry_points.txt").write_text(f"[pytest11]\n{name} = difflab.testing.plugin\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "conftest.py").write_text('pytest_plugins = ["difflab.testing.plugin"]\n')
    (project / "test_user.py").write_text(
        textwrap.dedent("""
        def test_plugin_loaded_once(request):
            assert request.config.getoption("difflab_seed") == 0
        """)
    )
    run = subprocess.run(
        [sys.executable, "-c", USER_PROJECT_RUN, str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{tmp_path / 'site'}"},
    )
    # main: "Plugin already registered under a different name" (the entry point was named "difflab")
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
