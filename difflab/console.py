"""The `difflab` console script's entry point: the command (difflab.cli) imported inside a Ctrl-C guard.

Importing the command loads NumPy and most of difflab (a quarter of a second on an idle machine); a
Ctrl-C in that time is an interrupted command like any other (one line, exit status 130), not a
KeyboardInterrupt traceback. This module imports sys alone, and `import difflab` is light: what is
left before the guard is Python's own start and the `import re` of pip's generated script.
"""

import sys  # (and nothing else: not even __future__, a module to import)

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


def main(argv=None) -> int:
    """Import and run the `difflab` command; a Ctrl-C while it imports gives status 130."""
    try:
        from .cli import main as command
    except KeyboardInterrupt:
        print("difflab: interrupted", file=sys.stderr)
        return INTERRUPTED
    return command(argv)


if __name__ == "__main__":  # `python -m difflab.console ...` ran nothing and exited 0 (`python -m difflab` is the same)
    raise SystemExit(main())
