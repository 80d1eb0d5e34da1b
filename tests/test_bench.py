"""The benchmarks' baseline is right: hand-written NumPy backprop gives difflab reverse's gradient.

(Speed itself is measured in bench/, never here; this runs bench/hand_numpy.py as a user would.)
"""
import pathlib
import re
import subprocess
import sys

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench"


def test_hand_numpy_baseline_matches_difflab():
    out = subprocess.run([sys.executable, str(BENCH / "hand_numpy.py")], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    diffs = [float(d) for d in re.findall(r"max relative gradient difference ([0-9.e+-]+)", out)]
    assert len(diffs) == 3 and max(diffs) <= 1e-12, out
