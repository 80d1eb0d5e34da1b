"""Other AD libraries' public APIs presented on top of difflab (thin import shims).

`autograd_shim` makes `import autograd` (and `autograd.numpy`, `autograd.test_util`, ...) run on
difflab with a selectable method, so code and test suites written for HIPS autograd measure what
difflab covers (bench/peer_suite.py runs autograd's own tests through it).
"""
