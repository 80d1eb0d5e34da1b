"""difflab's expression language: a restricted parser that never runs Python (no `eval`, no SymPy).

Text such as `((x*y)*(y*z))^2` becomes a traceable Python function that calls difflab's ops in
the order and grouping the user typed, so its trace is the graph as typed (no simplification).
The grammar is the one below and nothing else; everything outside it is refused with an
`ExpressionError` naming the offending token and its position (counted in characters from 0)::

    expr   := term   (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := ("-" | "+") factor | power
    power  := atom   (("**" | "^") factor)?          # right-associative, binds tighter than unary minus
    atom   := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"

NAME is a variable, a constant (`pi`, `E`) or, when called, a function of `expression_functions()`,
which is generated from the op registry at call time (a new registry entry is callable at once).
No attribute access, subscripts, strings, keywords, lambdas, comprehensions or names starting
with "_"; at most `MAX_LENGTH` characters and `MAX_DEPTH` nested levels.

How it works: the parser emits a postfix program, e.g. `(4*x+1)^2` becomes
`4 x multiply 1 add 2 power`; the function runs that program on a stack, so tracing it records
`mul, add, pow` -- one equation per operator typed.
"""

from __future__ import annotations

import difflib
import inspect
import keyword
import math
import re
from collections.abc import Callable
from typing import NamedTuple

from .errors import DifflabError

__all__ = ["ExpressionError", "Expression", "parse", "expression_functions", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 4000  # characters: far beyond any formula a person types, far below a denial of service
MAX_DEPTH = 50  # nested parentheses, calls, unary signs and exponents (5 Python frames each)

#: named constants (SymPy's spellings, which the CLI always accepted); `e` stays a variable name
CONSTANTS = {"pi": math.pi, "E": math.e}

#: difflab.numpy's derived scalar functions (plain Python over primitives, so the registry has no
#: entry to generate them from); looked up in difflab.numpy at call time, skipped if absent
_DERIVED = (
    "square",
    "tan",
    "sinh",
    "cosh",
    "exp2",
    "log2",
    "log10",
    "expm1",
    "softplus",
    "logaddexp",
    "sigmoid",
    "relu",
    "sqrt",
    "abs",
    "maximum",
    "minimum",
    "clip",
)

#: the SymPy-style spellings the CLI has always accepted -> difflab.numpy name (n-ary folds pairwise)
_ALIASES = {"Abs": "abs", "Max": "maximum", "Min": "minimum", "max": "maximum", "min": "minimum"}
_VARIADIC = {"Max", "Min", "max", "min"}

#: the operators: token -> difflab.numpy function name (binary unless noted)
_BINARY = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "power", "^": "power"}

_TOKEN = re.compile(
    r"""
     (?P<space>\s+)
    |(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\*\*|[-+*/^(),])
""",
    re.VERBOSE,
)

#: why a character outside the grammar is refused (the rest: "is not part of the expression language")
_REFUSED = {
    ".": "attribute access is not allowed",
    "[": "subscripts are not allowed",
    "]": "subscripts are not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "=": "assignments and comparisons are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    ":": "lambdas, slices and annotations are not allowed",
    ";": "only one expression is allowed",
    "{": "dicts and sets are not allowed",
    "}": "dicts and sets are not allowed",
    "@": "matrix products and decorators are not allowed",
    "\\": "line continuations are not allowed",
    "#": "comments are not allowed",
    "%": "the remainder operator is not allowed",
    "&": "bitwise operators are not allowed",
    "|": "bitwise operators are not allowed",
    "~": "bitwise operators are not allowed",
}


class ExpressionError(DifflabError, ValueError):
    """Text outside the expression language; `position` (from 0) and `token` say where and what.

    >>> try:
    ...     parse("x.__class__")
    ... except ExpressionError as err:
    ...     print(err.position, err.token, "|", err)
    1 . | '.' at position 1: attribute access is not allowed
    """

    def __init__(self, reason: str, token: str, position: int):
        self.reason, self.token, self.position = reason, token, position
        shown = token if len(token) <= 40 else token[:37] + "..."
        super().__init__(f"{shown!r} at position {position}: {reason}")


class _Tok(NamedTuple):
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    pos: int


class _Fn(NamedTuple):
    fn: Callable
    min_args: int
    max_args: int | None  # None: any number (folded pairwise)


def _required_positional(fn) -> tuple[int, bool] | None:
    """(number of required positional parameters, has a required keyword-only one), or None."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a ufunc or builtin without a signature
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    kw_required = any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params)
    return required, kw_required


def _callable_on_arrays(op) -> bool:
    """Whether a registry op can be called with `nargs` array arguments and nothing else."""
    if op.nargs is None:
        return False  # variadic ops (concatenate, stack) need an axis and arrays, not scalars
    sig = _required_positional(op.impl)
    return sig is None or (sig[0] <= op.nargs and not sig[1])


def expression_functions() -> dict[str, _Fn]:
    """The callable names of the expression language, generated now from the op registry.

    Every registry op that takes only array arguments (by its name, unless the entry is `internal`,
    and by its NumPy and SciPy spellings, a dotted one by its last part: linalg.eigvals is eigvals),
    difflab.numpy's derived scalar functions, and the SymPy spellings the CLI always accepted (`Abs`,
    `Max`, `Min`, `max`, `min`: binary or more, folded pairwise). Returns {name: (fn, min_args, max_args)}.

    >>> table = expression_functions()
    >>> table["exp"].min_args, table["Max"].max_args, "sigmoid" in table, "eval" in table
    (1, None, True, False)
    >>> "svdvals" in table, "svd_s" in table  # a rule's building block is called by NumPy's name only
    (True, False)
    """
    from . import numpy as dnp
    from .ops import REGISTRY, Op

    table: dict[str, _Fn] = {}
    ops = {name: op for name, op in REGISTRY.items() if _callable_on_arrays(op)}
    for name, op in ops.items():
        if not getattr(op, "internal", False):
            table[name] = _Fn(op, op.nargs, op.nargs)
    for op in ops.values():  # the entry's own NumPy spellings, where the registry records them
        if getattr(op.front, "tuple_valued", False):  # (scipy.special.fresnel: a pair, not its part's one value)
            continue
        spelled = getattr(op, "numpy", ())
        for name in spelled if isinstance(spelled, (tuple, list)) else ():
            if isinstance(name, str) and name.rpartition(".")[2].isidentifier():
                table.setdefault(name.rpartition(".")[2], _Fn(op, op.nargs, op.nargs))
    included = {id(op) for op in ops.values()}
    for name in getattr(dnp, "__all__", ()):
        obj = getattr(dnp, name, None)
        if isinstance(obj, Op) and id(obj) in included:
            table.setdefault(name, _Fn(obj, obj.nargs, obj.nargs))
    for name in _DERIVED:
        fn = getattr(dnp, name, None)
        if name in table or fn is None:
            continue
        if isinstance(fn, Op):
            if _callable_on_arrays(fn):
                table[name] = _Fn(fn, fn.nargs, fn.nargs)
            continue
        sig = _required_positional(fn)
        if sig is not None and sig[0] > 0 and not sig[1]:
            table[name] = _Fn(fn, sig[0], sig[0])
    for alias, target in _ALIASES.items():
        if target in table:
            entry = table[target]
            table[alias] = _Fn(entry.fn, 2, None) if alias in _VARIADIC else entry
    return {name: entry for name, entry in table.items() if name.isidentifier() and not name.startswith("_")}


def _tokenize(text: str) -> list[_Tok]:
    """Tokens up to the first character outside the language, which becomes a "bad" token: the
    parser raises its error only on reaching it, so errors come in reading order (`exec('x')`
    is refused as an unknown function, `__import__('os')` for its name)."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            tokens.append(_Tok("bad", text[pos], pos))
            return tokens
        if m.lastgroup != "space":
            tokens.append(_Tok(m.lastgroup, m.group(), pos))
        pos = m.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


def _bad_character(tok: _Tok) -> ExpressionError:
    if tok.text.isalnum() and not tok.text.isascii():
        return ExpressionError("only ASCII letters, digits and '_' make a name", tok.text, tok.pos)
    return ExpressionError(
        _REFUSED.get(
            tok.text,
            "is not part of the expression language (numbers, names, + - * / ** ^, parentheses and function calls)",
        ),
        tok.text,
        tok.pos,
    )


class Expression(NamedTuple):
    """A parsed expression: its text, its variables (sorted) and its postfix program.

    `program` is a tuple of instructions: ("num", float), ("var", name) or ("call", fn, nargs, label).
    """

    text: str
    variables: tuple
    program: tuple

    def function(self, names=None) -> Callable:
        """A traceable function of the variables: `names` first (in that order), then the rest, sorted.

        >>> f = parse("(4*x + 1)^2").function()
        >>> round(float(f(0.7)), 6)
        14.44
        """
        order = list(names or []) + [n for n in self.variables if n not in (names or [])]
        program = self.program

        def f(*xs):
            if len(xs) != len(order):
                raise TypeError(
                    f"the expression {self.text!r} takes {len(order)} arguments ({', '.join(order)}), got {len(xs)}"
                )
            env = dict(zip(order, xs))
            stack: list = []
            for ins in program:
                if ins[0] == "num":
                    stack.append(ins[1])
                elif ins[0] == "var":
                    stack.append(env[ins[1]])
                else:
                    n = ins[2]
                    args = stack[len(stack) - n :]
                    del stack[len(stack) - n :]
                    stack.append(ins[1](*args))
            return stack[0]

        f.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in order]
        )
        f.__name__ = "f"
        f.__qualname__ = "f"
        f.variables = order
        return f


class _Parser:
    def __init__(self, text: str, functions: dict):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.functions = functions
        self.binary = {}
        for tok, name in _BINARY.items():
            if name not in functions:
                raise ExpressionError(f"the operator needs difflab.numpy.{name}, which is missing", tok, 0)
            self.binary[tok] = functions[name].fn
        self.negative = functions["negative"].fn
        self.program: list = []
        self.variables: set = set()

    @property
    def tok(self) -> _Tok:
        tok = self.tokens[self.i]
        if tok.kind == "bad":
            raise _bad_character(tok)
        return tok

    def fail(self, reason, tok=None):
        tok = tok or self.tok  # (reading a "bad" token raises its own error first)
        raise ExpressionError(reason, tok.text or "end of input", tok.pos)

    def enter(self, tok):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep", tok)

    def expect(self, text):
        if self.tok.text != text:
            got = "the end of the input" if self.tok.kind == "end" else repr(self.tok.text)
            self.fail(f"expected {text!r}, found {got}")
        self.i += 1

    def parse(self) -> Expression:
        if self.tok.kind == "end":
            self.fail("the expression is empty")
        self.expr()
        if self.tok.kind != "end":
            self.fail(
                "unexpected here (a missing operator?)" if self.tok.kind in ("name", "number") else "unexpected here"
            )
        return Expression(self.text, tuple(sorted(self.variables)), tuple(self.program))

    def expr(self):
        self.term()
        while self.tok.text in ("+", "-"):
            op = self.tok
            self.i += 1
            self.term()
            self.program.append(("call", self.binary[op.text], 2, op.text))

    def term(self):
        self.factor()
        while self.tok.text in ("*", "/"):
            op = self.tok
            self.i += 1
            self.factor()
            self.program.append(("call", self.binary[op.text], 2, op.text))

    def factor(self):
        if self.tok.text in ("-", "+"):
            sign = self.tok
            self.enter(sign)
            self.i += 1
            self.factor()
            self.depth -= 1
            if sign.text == "-":
                self.program.append(("call", self.negative, 1, "-"))
            return
        self.power()

    def power(self):
        self.atom()
        if self.tok.text in ("**", "^"):
            op = self.tok
            self.enter(op)
            self.i += 1
            self.factor()
            self.depth -= 1
            self.program.append(("call", self.binary[op.text], 2, op.text))

    def atom(self):
        tok = self.tok
        if tok.kind == "number":
            value = float(tok.text)
            if not math.isfinite(value):
                self.fail("the number is too large for a float64")
            self.i += 1
            self.program.append(("num", value))
        elif tok.kind == "name":
            self.name(tok)
        elif tok.text == "(":
            self.enter(tok)
            self.i += 1
            self.expr()
            self.expect(")")
            self.depth -= 1
        elif tok.kind == "end":
            self.fail("the expression ends too early")
        else:
            self.fail("expected a number, a name or '('")

    def name(self, tok):
        if keyword.iskeyword(tok.text) or keyword.issoftkeyword(tok.text):
            self.fail("Python keywords are not allowed", tok)
        if tok.text.startswith("_"):
            self.fail("names starting with '_' are not allowed", tok)
        self.i += 1
        called = self.tok.text == "("
        if not called:
            if tok.text in CONSTANTS:
                self.program.append(("num", CONSTANTS[tok.text]))
            elif tok.text in self.functions:
                self.fail(f"{tok.text} is a function; call it as {tok.text}(...)", tok)
            else:
                self.variables.add(tok.text)
                self.program.append(("var", tok.text))
            return
        entry = self.functions.get(tok.text)
        if entry is None:
            close = difflib.get_close_matches(tok.text, self.functions, n=3)  # the few closest, not all 300 names
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            where = "`difflab functions` or difflab.expr.expression_functions() lists"  # (the list was 3,000 chars)
            self.fail(f"unknown function{hint} ({where} the {len(self.functions)} known)", tok)
        if not getattr(entry.fn, "available", True):  # (erf without SciPy: an ImportError naming no function, exit 3)
            extra = entry.fn.requires[0]
            self.fail(
                f"{tok.text} needs {'SciPy' if extra == 'scipy' else extra}, an optional dependency of difflab: "
                f"pip install 'difflab[{extra}]'",
                tok,
            )
        self.enter(self.tok)
        self.i += 1
        nargs = 0
        if self.tok.text != ")":
            self.expr()
            nargs = 1
            while self.tok.text == ",":
                self.i += 1
                self.expr()
                nargs += 1
        self.expect(")")
        self.depth -= 1
        if nargs < entry.min_args or (entry.max_args is not None and nargs > entry.max_args):
            want = (
                f"{entry.min_args}"
                if entry.max_args == entry.min_args
                else f"at least {entry.min_args}"
                if entry.max_args is None
                else f"{entry.min_args} to {entry.max_args}"
            )
            self.fail(f"{tok.text} takes {want} argument{'s' if want != '1' else ''}, got {nargs}", tok)
        if entry.max_args is None:  # n-ary Max/Min: fold pairwise, left to right
            for _ in range(nargs - 1):
                self.program.append(("call", entry.fn, 2, tok.text))
        else:
            self.program.append(("call", entry.fn, nargs, tok.text))


def parse(text: str, functions: dict | None = None) -> Expression:
    """Parse `text` in the expression language (see the module docstring); never evaluates Python.

    `functions` defaults to `expression_functions()` (read from the registry now). Raises
    `ExpressionError` (a ValueError) naming the offending token and its position.

    >>> e = parse("((x*y)*(y*z))^2")
    >>> e.variables, [ins[3] for ins in e.program if ins[0] == "call"]
    (('x', 'y', 'z'), ['*', '*', '*', '^'])
    """
    if not isinstance(text, str):
        raise TypeError(f"an expression is a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
            text[MAX_LENGTH : MAX_LENGTH + 10],
            MAX_LENGTH,
        )
    return _Parser(text, expression_functions() if functions is None else functions).parse()
