"""The guarded code's source is the same on every run (stop 56): its fused finiteness check named the values it
checks early in a set's order, which follows the objects' addresses, so the source differed from run to run."""

import builtins
import re

import numpy as np

import difflab as dl

from test_user_code10 import mass_action


def test_the_fused_check_names_its_early_values_in_id_order(monkeypatch):
    checks = []
    compile_ = builtins.compile

    def capture(src, *args, **kwargs):
        if isinstance(src, str):
            checks.extend(line for line in src.splitlines() if "_isfinite(" in line and "_k" in line)
        return compile_(src, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", capture)
    x = np.log(np.array([0.5, 0.3, 0.2]))
    got = dl.grad(mass_action, method="symbolic")(x)
    monkeypatch.setattr(builtins, "compile", compile_)
    np.testing.assert_allclose(got, dl.grad(mass_action, method="reverse")(x), rtol=1e-12)
    np.testing.assert_allclose(got, [-0.1096605, 0.17750671, -0.00914508], rtol=1e-6)
    ids = [[int(k) for k in re.findall(r"_k(\d+)", line)] for line in checks]
    assert ids and max(map(len, ids)) >= 10  # (19 values checked early here)
    assert all(i == sorted(i) for i in ids)
