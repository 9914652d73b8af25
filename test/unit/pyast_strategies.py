"""Hypothesis strategies that generate random, valid Python 3.11 programs.

The generated ``ast.Module`` objects are meant to exercise a lossless
Python-AST -> IR -> Python-AST round trip, so every module is

* accepted by ``compile()`` (also with warnings turned into errors), i.e. it
  respects the compiler's context rules (``return``/``yield`` only in
  functions, ``await`` only in ``async def``, ``break`` only in loops,
  ``nonlocal`` only for enclosing-function locals, ...), and
* *canonical*: ``ast.dump(module) == ast.dump(ast.parse(ast.unparse(module)))``.
  Forms the parser would never produce (``Constant(-1)``, adjacent string
  parts in an f-string, an empty ``Set``, ...) are never generated, so a
  round trip can be compared directly against the generated tree.

Generation is done by plain functions that receive Hypothesis' ``draw``; only
the public entry points are ``@st.composite``.  This keeps per-example cost
low (no strategy objects are built during recursion) while Hypothesis still
sees one choice sequence it can shrink.  Wherever a choice is made, the
simplest alternative is index 0 so shrinking converges on small programs.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import EllipsisType
from typing import TypeAlias, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

__all__ = ["python_modules", "python_sources"]

_T = TypeVar("_T")
# Values an ast.Constant may hold.
_ConstValue: TypeAlias = str | bytes | bool | int | float | complex | EllipsisType | None
_SimpleTarget: TypeAlias = ast.Name | ast.Attribute | ast.Subscript

# --------------------------------------------------------------------------
# Name pools.  Small on purpose: collisions between scopes are what make
# programs interesting for a round trip, and some names look like NKI kernels.
# None of these is a keyword, soft keyword (match/case/_) or ``__debug__``.
# --------------------------------------------------------------------------
_VARS: tuple[str, ...] = ("a", "b", "c", "x", "y", "i", "j", "n", "out", "acc", "tile", "a_tile")
_MODS: tuple[str, ...] = ("nl", "nisa", "np", "nki", "math")
_LOAD_NAMES: tuple[str, ...] = _VARS + _MODS
_PARAMS: tuple[str, ...] = tuple("a b c x y n self args kwargs dtype axis out".split())
_ATTRS: tuple[str, ...] = tuple("shape dtype T exp sum real float32 sbuf pmax tile_size".split())
_KWARGS: tuple[str, ...] = ("axis", "dtype", "value", "dst", "src", "buffer", "keepdims")
_FUNCS: tuple[str, ...] = ("f", "g", "kernel", "helper", "tensor_add_kernel")
_CLASSES: tuple[str, ...] = ("C", "Tile", "Base", "Meta")
_CLASS_KW: tuple[str, ...] = ("metaclass", "total", "frozen")
_TYPE_NAMES: tuple[str, ...] = ("int", "float", "str", "bool", "Tensor", "object")
_IMPORT_MODULES: tuple[str, ...] = tuple(
    "nki nki.language nki.isa numpy math os.path typing".split()
)
_FROM_NAMES: tuple[str, ...] = ("jit", "par_dim", "ndarray", "sqrt", "Any", "join")
# Capture names for match patterns (``_`` is the wildcard, never a capture).
_CAPTURES: tuple[str, ...] = ("p", "q", "r", "s", "t", "u", "v", "w", "rest", "x", "y")
_MAP_KEYS: tuple[str, ...] = ("k", "key", "shape", "dtype", "", "a b")
_KERNEL_FNS: dict[str, tuple[str, ...]] = {
    "nl": tuple("exp load store sum ndarray affine_range ds multiply add maximum rsqrt".split()),
    "nisa": tuple("dma_copy nc_matmul tensor_tensor activation memset tensor_copy iota".split()),
    "np": ("exp", "zeros", "float32", "allclose"),
}
_KERNEL_MODS: tuple[str, ...] = tuple(_KERNEL_FNS)
# Modules commonly imported at the top of NKI kernels: (module, asname).
_PRELUDE: tuple[tuple[str, str | None], ...] = (
    ("numpy", "np"),
    ("nki", None),
    ("nki.language", "nl"),
    ("nki.isa", "nisa"),
)


def _prelude_import(module: str, asname: str | None) -> ast.stmt:
    # Fresh nodes every time: trees must not share (mutable) nodes.
    return ast.Import(names=[ast.alias(name=module, asname=asname)])


_BINOPS: tuple[type[ast.operator], ...] = (
    *(ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.Mod, ast.Pow),
    *(ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.FloorDiv),
)
_UNARYOPS: tuple[type[ast.unaryop], ...] = (ast.USub, ast.Not, ast.Invert, ast.UAdd)
_CMPOPS: tuple[type[ast.cmpop], ...] = (
    *(ast.Lt, ast.Eq, ast.NotEq, ast.LtE, ast.Gt, ast.GtE),
    *(ast.Is, ast.IsNot, ast.In, ast.NotIn),
)
# FormattedValue.conversion: -1 (none), ord('s'), ord('r'), ord('a').
_CONVERSIONS: tuple[int, ...] = (-1, 115, 114, 97)

# --------------------------------------------------------------------------
# Leaf value strategies (built once; building strategies is the slow part).
# --------------------------------------------------------------------------
# Characters that stress string escaping: quotes, backslash, control chars,
# braces (f-strings), line separators and astral code points.
_TRICKY_CHARS = st.sampled_from(list("aZ0 _'\"\\{}\n\t\r\x00\x7f\x85é∑\u2028\U0001f600"))
_TEXT = st.one_of(
    st.text(st.one_of(_TRICKY_CHARS, st.characters()), max_size=8),
    # Multi-character troublemakers for quoting, docstrings and f-strings.
    st.sampled_from(["'''", '"""', "'''\"\"\"", "a\\", "\r\n", "\\N{DASH}", "{{}}", "x'"]),
)
_BYTES = st.binary(max_size=6)
# Inside an f-string replacement field 3.11 forbids backslashes and the
# enclosing quote, so strings there use a plain alphabet (unparse then picks a
# different quote for the outer f-string).
_SAFE_TEXT = st.text(st.sampled_from("abxyz019 _"), max_size=4)
_SAFE_BYTES = _SAFE_TEXT.map(str.encode)
_TRIPLE_QUOTES = re.compile(r"'{3,}|\"{3,}")
# Format specs: no quotes/backslashes/braces/newlines, never empty.
_SPEC_TEXT = st.text(st.sampled_from("<>^=+- #0123456789.,_%xdfegs"), min_size=1, max_size=5)
# Non-negative only: `-1.5` parses as UnaryOp(USub, Constant(1.5)).  NaN has no
# literal (unparse emits `1e309 - 1e309`), infinity is written `1e309`.
_FLOATS = st.floats(min_value=0.0, allow_nan=False, allow_infinity=True).map(abs)
_SMALL_INTS = st.integers(0, 300)
# Big but far below the 4300-digit int->str limit.
_BIG_INTS = st.integers(0, 2**130)
# Per unit of max_depth: bounds the size (and generation time) of one module.
_STMT_BUDGET = 4
_EXPR_BUDGET = 8


@functools.cache
def _ints(lo: int, hi: int) -> SearchStrategy[int]:
    return st.integers(lo, hi)


def _n(draw: DrawFn, lo: int, hi: int) -> int:
    return draw(_ints(lo, hi))


def _pick(draw: DrawFn, options: Sequence[_T]) -> _T:
    return options[draw(_ints(0, len(options) - 1))]


def _distinct(draw: DrawFn, pool: Sequence[str], lo: int, hi: int) -> list[str]:
    """lo..hi distinct names, one choice each (cheaper than st.lists(unique=True))."""
    left = list(pool)
    count = _n(draw, lo, min(hi, len(left)))
    return [left.pop(_n(draw, 0, len(left) - 1)) for _ in range(count)]


def _chance(draw: DrawFn, k: int) -> bool:
    """True with probability 1/k; shrinks to False (the simpler program)."""
    return draw(_ints(0, k - 1)) == k - 1


# --------------------------------------------------------------------------
# Contexts: what the compiler accepts at the current position.
# --------------------------------------------------------------------------
class _Budget:
    """Node budget shared by one module, so total size stays bounded even
    though compound statements (try: 4 bodies) multiply with depth."""

    __slots__ = ("stmts", "exprs")

    def __init__(self, stmts: int, exprs: int) -> None:
        self.stmts = stmts
        self.exprs = exprs


@dataclass(frozen=True)
class _E:
    """Expression context."""

    depth: int
    budget: _Budget
    await_ok: bool = False  # directly inside an async def (incl. its comprehensions)
    yield_ok: bool = False  # in a function body, not lambda/comprehension/class
    yield_from_ok: bool = False  # like yield_ok, but never in async def
    walrus_ok: bool = True  # comprehensions forbid many walrus forms: never there
    fstr: bool = False  # inside an f-string replacement field

    def sub(self) -> _E:
        return replace(self, depth=self.depth - 1)


@dataclass(frozen=True)
class _S:
    """Statement context."""

    depth: int
    expr_depth: int
    budget: _Budget
    in_func: bool = False
    is_async: bool = False
    async_gen: bool = False  # async def with yield: `return value` is an error
    can_return: bool = False  # False in class bodies and in except* blocks
    in_loop: bool = False  # break/continue allowed
    module_scope: bool = True  # `from m import *` is only legal at module scope
    # Names declared global/nonlocal in this scope: they cannot be annotated.
    declared: frozenset[str] = frozenset()
    # Locals of enclosing functions a nested def may declare ``nonlocal``.
    outer_locals: frozenset[str] = frozenset()

    def expr(self, depth: int | None = None) -> _E:
        yield_ok = self.in_func and (not self.is_async or self.async_gen)
        return _E(
            depth=self.expr_depth if depth is None else depth,
            budget=self.budget,
            await_ok=self.is_async,
            yield_ok=yield_ok,
            yield_from_ok=self.in_func and not self.is_async,
        )

    def nested(self) -> _S:
        return replace(self, depth=self.depth - 1)


ExprGen = Callable[[DrawFn, _E], ast.expr]

# --------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------


def _name(
    draw: DrawFn, pool: Sequence[str] = _LOAD_NAMES, ctx: type[ast.expr_context] = ast.Load
) -> ast.Name:
    return ast.Name(id=_pick(draw, pool), ctx=ctx())


def _str_value(draw: DrawFn, e: _E) -> str:
    return draw(_SAFE_TEXT if e.fstr else _TEXT)


def _bytes_value(draw: DrawFn, e: _E) -> bytes:
    return draw(_SAFE_BYTES if e.fstr else _BYTES)


# Constant kinds; index 0 is the simplest.  Never negative numbers and only
# purely imaginary complex numbers: `-1` / `1+2j` parse as UnaryOp / BinOp.
_CONSTANTS: tuple[Callable[[DrawFn, _E], _ConstValue], ...] = (
    lambda draw, e: None,
    lambda draw, e: True,
    lambda draw, e: False,
    lambda draw, e: ...,
    lambda draw, e: draw(_SMALL_INTS),
    lambda draw, e: draw(_SMALL_INTS),
    lambda draw, e: draw(_BIG_INTS),
    lambda draw, e: draw(_FLOATS),
    lambda draw, e: complex(0.0, draw(_FLOATS)),
    _str_value,
    _str_value,
    _str_value,
    _bytes_value,
)
# Leaves: every name of the pool, then every constant kind.
_N_LEAVES = len(_LOAD_NAMES) + len(_CONSTANTS)


def _leaf(draw: DrawFn, e: _E, k: int) -> ast.expr:
    if k < len(_LOAD_NAMES):
        return ast.Name(id=_LOAD_NAMES[k], ctx=ast.Load())
    return ast.Constant(value=_CONSTANTS[k - len(_LOAD_NAMES)](draw, e))


def _constant(draw: DrawFn, e: _E) -> ast.Constant:
    return ast.Constant(value=_pick(draw, _CONSTANTS)(draw, e))


def _atom(draw: DrawFn, e: _E) -> ast.expr:
    return _leaf(draw, e, _n(draw, 0, _N_LEAVES - 1))


def _expr(draw: DrawFn, e: _E) -> ast.expr:
    if e.depth <= 0 or e.budget.exprs <= 0:
        return _atom(draw, e)
    kinds: list[ExprGen] = list(_EXPR_KINDS)
    if not e.fstr:  # 3.11 cannot nest f-strings reliably (quote reuse)
        kinds.append(_joined_str)
    if e.walrus_ok:
        kinds.append(_named_expr)
    if e.await_ok:
        kinds.append(_await)
    if e.yield_ok:
        kinds.append(_yield)
    if e.yield_from_ok:
        kinds.append(_yield_from)
    # A single choice picks leaf-or-compound, the kind and (for names) the
    # leaf itself: Hypothesis' cost is per choice, so fewer choices = faster.
    k = _n(draw, 0, _N_LEAVES + len(kinds) - 1)
    if k < _N_LEAVES:
        return _leaf(draw, e, k)
    e.budget.exprs -= 1
    return kinds[k - _N_LEAVES](draw, e.sub())


def _foldable(node: ast.expr) -> bool:
    """May the compiler's AST optimizer fold this into a constant?

    Conservative: anything without a Name (`-1`, `1 + 2`, `(1, 'a')`).  The
    compiler's literal checks run *after* folding, so `(-1)(x)` warns too.
    """
    return not any(isinstance(n, ast.Name) for n in ast.walk(node))


def _is_literal(node: ast.expr) -> bool:
    """Operands that trigger the `"is" with a literal` SyntaxWarning."""
    if isinstance(node, ast.Constant):
        v = node.value
        return not (v is None or v is True or v is False or v is ...)
    return _foldable(node)


# Expression kinds the compiler warns about when called / subscripted
# ("'int' object is not callable; perhaps you missed a comma?").
_NOT_CALLABLE = (
    *(ast.Constant, ast.Tuple, ast.List, ast.ListComp, ast.Dict, ast.DictComp, ast.Set),
    *(ast.SetComp, ast.GeneratorExp, ast.JoinedStr, ast.FormattedValue),
)
_NOT_SUBSCRIPTABLE = (
    *(ast.Constant, ast.Set, ast.SetComp, ast.GeneratorExp, ast.Lambda),
    # These might warn "indices must be integers", depending on the index.
    *(ast.Tuple, ast.List, ast.ListComp, ast.JoinedStr),
)


def _primary(draw: DrawFn, e: _E, bad: tuple[type[ast.expr], ...]) -> ast.expr:
    """Value of a call/subscript/attribute: mostly names, sometimes anything."""
    names = len(_LOAD_NAMES)
    # One choice: a name (most likely), `name.attr`, or any expression.
    k = _n(draw, 0, names + (11 if e.depth > 0 else 4))
    if k < names:
        return ast.Name(id=_LOAD_NAMES[k], ctx=ast.Load())
    if k < names + 5:
        return ast.Attribute(value=_name(draw), attr=_pick(draw, _ATTRS), ctx=ast.Load())
    node = _expr(draw, e)
    return _name(draw) if bad and (isinstance(node, bad) or _foldable(node)) else node


def _kernel_call(draw: DrawFn, e: _E) -> ast.expr:
    mod = _pick(draw, _KERNEL_MODS)
    func = ast.Attribute(
        value=ast.Name(id=mod, ctx=ast.Load()), attr=_pick(draw, _KERNEL_FNS[mod]), ctx=ast.Load()
    )
    args: list[ast.expr] = [_expr(draw, e) for _ in range(_n(draw, 0, 2))]
    keywords = [ast.keyword(arg=k, value=_expr(draw, e)) for k in _distinct(draw, _KWARGS, 0, 2)]
    return ast.Call(func=func, args=args, keywords=keywords)


def _call(draw: DrawFn, e: _E) -> ast.expr:
    func = _primary(draw, e, _NOT_CALLABLE)
    args: list[ast.expr] = []
    for _ in range(_n(draw, 0, 3)):
        value = _expr(draw, e)
        args.append(ast.Starred(value=value, ctx=ast.Load()) if _chance(draw, 5) else value)
    # Repeated keyword names are a SyntaxError; `**m` (arg=None) may repeat.
    keywords = [ast.keyword(arg=k, value=_expr(draw, e)) for k in _distinct(draw, _KWARGS, 0, 2)]
    if _chance(draw, 5):
        keywords.insert(_n(draw, 0, len(keywords)), ast.keyword(arg=None, value=_expr(draw, e)))
    return ast.Call(func=func, args=args, keywords=keywords)


def _attribute(draw: DrawFn, e: _E) -> ast.expr:
    value = _primary(draw, e, ())
    return ast.Attribute(value=value, attr=_pick(draw, _ATTRS), ctx=ast.Load())


def _negative_int(draw: DrawFn) -> ast.expr:
    # `-1` is UnaryOp(USub, Constant(1)) in the parser's output.
    return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=draw(_SMALL_INTS)))


def _slice(draw: DrawFn, e: _E) -> ast.Slice:
    def bound() -> ast.expr | None:
        k = _n(draw, 0, 3)
        if k == 0:
            return None
        if k == 1:
            return _negative_int(draw)
        return _expr(draw, e)

    return ast.Slice(lower=bound(), upper=bound(), step=bound())


def _slice_item(draw: DrawFn, e: _E) -> ast.expr:
    k = _n(draw, 0, 4)
    if k == 0:
        return _expr(draw, e)
    if k == 1:
        return _slice(draw, e)
    if k == 2:
        return _negative_int(draw)
    if k == 3:
        return ast.Constant(value=_pick(draw, (None, ...)))
    return _name(draw)


def _subscript_index(draw: DrawFn, e: _E) -> ast.expr:
    if _chance(draw, 4):
        # `a[i, 0:128]`: a Tuple (possibly one element, written `a[i,]`).
        elts = [_slice_item(draw, e) for _ in range(_n(draw, 1, 3))]
        return ast.Tuple(elts=elts, ctx=ast.Load())
    return _slice_item(draw, e)


def _subscript(draw: DrawFn, e: _E) -> ast.expr:
    value = _primary(draw, e, _NOT_SUBSCRIPTABLE)
    return ast.Subscript(value=value, slice=_subscript_index(draw, e), ctx=ast.Load())


def _binop(draw: DrawFn, e: _E) -> ast.expr:
    return ast.BinOp(left=_expr(draw, e), op=_pick(draw, _BINOPS)(), right=_expr(draw, e))


def _unaryop(draw: DrawFn, e: _E) -> ast.expr:
    return ast.UnaryOp(op=_pick(draw, _UNARYOPS)(), operand=_expr(draw, e))


def _boolop(draw: DrawFn, e: _E) -> ast.expr:
    op: ast.boolop = ast.And() if _n(draw, 0, 1) == 0 else ast.Or()
    return ast.BoolOp(op=op, values=[_expr(draw, e) for _ in range(_n(draw, 2, 3))])


def _compare(draw: DrawFn, e: _E) -> ast.expr:
    left = _expr(draw, e)
    ops: list[ast.cmpop] = []
    comparators: list[ast.expr] = []
    prev = left
    for _ in range(_n(draw, 1, 3)):
        op = _pick(draw, _CMPOPS)
        right = _expr(draw, e)
        # `x is 1` is a SyntaxWarning ("is" with a literal): use ==/!= instead.
        if op in (ast.Is, ast.IsNot) and (_is_literal(prev) or _is_literal(right)):
            op = ast.Eq if op is ast.Is else ast.NotEq
        ops.append(op())
        comparators.append(right)
        prev = right
    return ast.Compare(left=left, ops=ops, comparators=comparators)


def _ifexp(draw: DrawFn, e: _E) -> ast.expr:
    return ast.IfExp(test=_expr(draw, e), body=_expr(draw, e), orelse=_expr(draw, e))


def _lambda(draw: DrawFn, e: _E) -> ast.expr:
    args = _arguments(draw, e, annotate=False)
    # The body is a new function scope: no await (even in async def), and we
    # don't generate `lambda: (yield)`.
    body_e = replace(e, await_ok=False, yield_ok=False, yield_from_ok=False)
    return ast.Lambda(args=args, body=_expr(draw, body_e))


def _elts(draw: DrawFn, e: _E, lo: int, hi: int) -> list[ast.expr]:
    """Display elements; `*x` unpacking is legal in list/tuple/set displays."""
    out: list[ast.expr] = []
    for _ in range(_n(draw, lo, hi)):
        value = _expr(draw, e)
        out.append(ast.Starred(value=value, ctx=ast.Load()) if _chance(draw, 6) else value)
    return out


def _list(draw: DrawFn, e: _E) -> ast.expr:
    return ast.List(elts=_elts(draw, e, 0, 3), ctx=ast.Load())


def _tuple(draw: DrawFn, e: _E) -> ast.expr:
    return ast.Tuple(elts=_elts(draw, e, 0, 3), ctx=ast.Load())


def _set(draw: DrawFn, e: _E) -> ast.expr:
    # Never empty: unparse writes Set([]) as `{*()}`, which parses differently.
    return ast.Set(elts=_elts(draw, e, 1, 3))


def _dict(draw: DrawFn, e: _E) -> ast.expr:
    keys: list[ast.expr | None] = []
    values: list[ast.expr] = []
    for _ in range(_n(draw, 0, 3)):
        keys.append(None if _chance(draw, 5) else _expr(draw, e))  # None = `**m`
        values.append(_expr(draw, e))
    return ast.Dict(keys=keys, values=values)


def _comp_ctx(e: _E) -> _E:
    # yield is illegal in comprehensions; walrus has several comprehension-
    # specific errors (iteration variable rebinding, iterable expression, class
    # bodies), so it is simply not generated there.  await stays allowed: it
    # makes the comprehension asynchronous, which is fine inside async def.
    return replace(e, yield_ok=False, yield_from_ok=False, walrus_ok=False)


def _comp_target(draw: DrawFn) -> ast.expr:
    if _chance(draw, 3):
        names = _distinct(draw, _VARS, 2, 3)
        return ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Store()) for n in names], ctx=ast.Store())
    return _name(draw, _VARS, ast.Store)


def _generators(draw: DrawFn, e: _E) -> list[ast.comprehension]:
    gens: list[ast.comprehension] = []
    for _ in range(_n(draw, 1, 2)):
        is_async = int(e.await_ok and _chance(draw, 3))
        ifs = [_expr(draw, e) for _ in range(_n(draw, 0, 2))]
        gens.append(
            ast.comprehension(
                target=_comp_target(draw), iter=_expr(draw, e), ifs=ifs, is_async=is_async
            )
        )
    return gens


def _list_comp(draw: DrawFn, e: _E) -> ast.expr:
    c = _comp_ctx(e)
    return ast.ListComp(elt=_expr(draw, c), generators=_generators(draw, c))


def _set_comp(draw: DrawFn, e: _E) -> ast.expr:
    c = _comp_ctx(e)
    return ast.SetComp(elt=_expr(draw, c), generators=_generators(draw, c))


def _dict_comp(draw: DrawFn, e: _E) -> ast.expr:
    c = _comp_ctx(e)
    return ast.DictComp(key=_expr(draw, c), value=_expr(draw, c), generators=_generators(draw, c))


def _generator_exp(draw: DrawFn, e: _E) -> ast.expr:
    c = _comp_ctx(e)
    return ast.GeneratorExp(elt=_expr(draw, c), generators=_generators(draw, c))


def _named_expr(draw: DrawFn, e: _E) -> ast.expr:
    return ast.NamedExpr(target=_name(draw, _VARS, ast.Store), value=_expr(draw, e))


def _await(draw: DrawFn, e: _E) -> ast.expr:
    return ast.Await(value=_expr(draw, e))


def _yield(draw: DrawFn, e: _E) -> ast.expr:
    return ast.Yield(value=None if _chance(draw, 3) else _expr(draw, e))


def _yield_from(draw: DrawFn, e: _E) -> ast.expr:
    return ast.YieldFrom(value=_expr(draw, e))


def _formatted_value(draw: DrawFn, e: _E, nested_spec_ok: bool) -> ast.FormattedValue:
    fe = replace(e, fstr=True)
    spec: ast.JoinedStr | None = None
    if _chance(draw, 3):
        if nested_spec_ok:  # `{x:>{w}.{p}}`; the fields inside have no spec
            spec = _fstring_parts(draw, fe, _SPEC_TEXT, nested_spec_ok=False)
        if spec is None or not spec.values:  # never an empty spec (`{x:}`)
            spec = ast.JoinedStr(values=[ast.Constant(value=draw(_SPEC_TEXT))])
    return ast.FormattedValue(
        value=_expr(draw, fe), conversion=_pick(draw, _CONVERSIONS), format_spec=spec
    )


def _fstring_parts(
    draw: DrawFn, e: _E, text: SearchStrategy[str], nested_spec_ok: bool
) -> ast.JoinedStr:
    values: list[ast.expr] = []
    last_const = False
    for _ in range(_n(draw, 0, 3)):
        # The parser merges adjacent literal parts and drops empty ones, so
        # literal parts are non-empty and never adjacent.
        if not last_const and _chance(draw, 2):
            # A literal part containing a triple quote can leave unparse no
            # quote type to choose; it then falls back to repr() and emits
            # backslashes inside the replacement fields (invalid in 3.11).
            s = _TRIPLE_QUOTES.sub(lambda m: m.group()[:2], draw(text))
            if s:
                values.append(ast.Constant(value=s))
                last_const = True
                continue
        values.append(_formatted_value(draw, e, nested_spec_ok))
        last_const = False
    return ast.JoinedStr(values=values)


def _joined_str(draw: DrawFn, e: _E) -> ast.expr:
    # Format specs may contain replacement fields (`{x:{w}}`), but only one
    # level deep (3.11: "expressions nested too deeply").
    return _fstring_parts(draw, e, _TEXT, nested_spec_ok=True)


_EXPR_KINDS: tuple[ExprGen, ...] = (
    *(_binop, _call, _attribute, _subscript, _kernel_call, _compare, _unaryop, _boolop),
    *(_ifexp, _list, _tuple, _dict, _set, _lambda),
    *(_list_comp, _set_comp, _dict_comp, _generator_exp),
)

# --------------------------------------------------------------------------
# Function arguments
# --------------------------------------------------------------------------


def _annotation(draw: DrawFn) -> ast.expr:
    """Simple type-ish annotation (no yield/await/walrus: illegal or odd there)."""
    k = _n(draw, 0, 5)
    if k == 0:
        return _name(draw, _TYPE_NAMES)
    if k == 1:
        return ast.Attribute(value=_name(draw, _MODS), attr=_pick(draw, _ATTRS), ctx=ast.Load())
    if k == 2:
        inner: ast.expr = _name(draw, _TYPE_NAMES)
        if _chance(draw, 2):
            inner = ast.Tuple(elts=[inner, _name(draw, _TYPE_NAMES)], ctx=ast.Load())
        return ast.Subscript(
            value=_name(draw, ("list", "dict", "tuple")), slice=inner, ctx=ast.Load()
        )
    if k == 3:
        return ast.BinOp(
            left=_name(draw, _TYPE_NAMES), op=ast.BitOr(), right=ast.Constant(value=None)
        )
    if k == 4:
        return ast.Constant(value=_pick(draw, ("Tensor", "list[int]", "nl.tile")))
    return ast.Constant(value=None)


def _arguments(draw: DrawFn, e: _E, annotate: bool, first: str | None = None) -> ast.arguments:
    # The whole signature shape is one choice (mixed radix; 0 = `()`), since
    # generation cost is per choice: posonly 0-2, args 0-3, *args (1 in 3),
    # kw-only 0-2, **kwargs (1 in 3).
    shape = _n(draw, 0, 3 * 4 * 3 * 3 * 3 - 1)
    shape, n_pos = divmod(shape, 3)
    shape, n_args = divmod(shape, 4)
    shape, vararg_k = divmod(shape, 3)
    kwarg_k, n_kwonly = divmod(shape, 3)
    has_vararg, has_kwarg = vararg_k == 2, kwarg_k == 2
    total = n_pos + n_args + int(has_vararg) + n_kwonly + int(has_kwarg)
    pool = tuple(p for p in _PARAMS if p != first)
    # Duplicate argument names are a SyntaxError: draw them unique.
    names = iter(_distinct(draw, pool, total, total))
    # Which parameters get an annotation: one bitmask choice.
    annotated = _n(draw, 0, 2**total - 1) if annotate and total else 0
    index = iter(range(total))

    def arg() -> ast.arg:
        ann = _annotation(draw) if annotated >> next(index) & 1 else None
        return ast.arg(arg=next(names), annotation=ann)

    posonly = [arg() for _ in range(n_pos)]
    args = [arg() for _ in range(n_args)]
    if first is not None:  # methods: `self` first
        (posonly if posonly else args).insert(0, ast.arg(arg=first, annotation=None))
    vararg = arg() if has_vararg else None
    kwonly = [arg() for _ in range(n_kwonly)]
    kwarg = arg() if has_kwarg else None
    # Defaults cover the *last* positional parameters (posonly + regular):
    # a non-default parameter may not follow a default one.
    defaults = [_expr(draw, e) for _ in range(_n(draw, 0, len(posonly) + len(args)))]
    # Keyword-only defaults are per-parameter (None = required).
    has_default = _n(draw, 0, 2 ** len(kwonly) - 1) if kwonly else 0
    kw_defaults: list[ast.expr | None] = [
        _expr(draw, e) if has_default >> i & 1 else None for i in range(len(kwonly))
    ]
    return ast.arguments(
        posonlyargs=posonly,
        args=args,
        vararg=vararg,
        kwonlyargs=kwonly,
        kw_defaults=kw_defaults,
        kwarg=kwarg,
        defaults=defaults,
    )


def _arg_names(a: ast.arguments) -> set[str]:
    all_args = (
        a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x is not None]
    )
    return {x.arg for x in all_args}


# --------------------------------------------------------------------------
# Assignment targets
# --------------------------------------------------------------------------


def _simple_target(draw: DrawFn, e: _E, ctx: type[ast.expr_context]) -> _SimpleTarget:
    """Name / Attribute / Subscript target with the given context."""
    return _simple_target_from(draw, e, ctx, _n(draw, 0, len(_VARS) + 3))


def _simple_target_from(draw: DrawFn, e: _E, ctx: type[ast.expr_context], k: int) -> _SimpleTarget:
    names = len(_VARS)
    if k < names:  # names are the most likely targets
        return ast.Name(id=_VARS[k], ctx=ctx())
    if k < names + 2:
        return ast.Attribute(value=_primary(draw, e, ()), attr=_pick(draw, _ATTRS), ctx=ctx())
    return ast.Subscript(value=_primary(draw, e, ()), slice=_subscript_index(draw, e), ctx=ctx())


def _target(
    draw: DrawFn, e: _E, ctx: type[ast.expr_context] = ast.Store, level: int = 2
) -> ast.expr:
    """Store/Del target; sequences nest, at most one `*x` per sequence."""
    # One choice: a name (most likely), attribute, subscript or a sequence.
    k = _n(draw, 0, len(_VARS) + (7 if level > 0 else 3))
    if k < len(_VARS) + 4:
        return _simple_target_from(draw, e, ctx, k)
    elts = [_target(draw, e, ctx, level - 1) for _ in range(_n(draw, 1, 3))]
    if ctx is ast.Store and _chance(draw, 2):
        # A lone `*x = ...` is illegal, but `*x, = ...` / `[*x] = ...` is fine.
        star = ast.Starred(value=_simple_target(draw, e, ast.Store), ctx=ast.Store())
        elts.insert(_n(draw, 0, len(elts)), star)
    seq = ast.Tuple if _n(draw, 0, 1) == 0 else ast.List
    return seq(elts=elts, ctx=ctx())


# --------------------------------------------------------------------------
# Match patterns
# --------------------------------------------------------------------------


def _number(draw: DrawFn) -> ast.expr:
    value = draw(_SMALL_INTS) if _n(draw, 0, 1) == 0 else draw(_FLOATS)
    node: ast.expr = ast.Constant(value=value)
    return _negative(draw, node)


def _negative(draw: DrawFn, node: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.USub(), operand=node) if _chance(draw, 2) else node


def _dotted(draw: DrawFn) -> ast.expr:
    # Value patterns need a dot: a bare name is a capture pattern.
    base: ast.expr = _name(draw, ("Color", "nl", "np", "mod"))
    for _ in range(_n(draw, 1, 2)):
        base = ast.Attribute(
            value=base, attr=_pick(draw, ("RED", "float32", "sbuf", "x")), ctx=ast.Load()
        )
    return base


def _literal_pattern_value(draw: DrawFn) -> ast.expr:
    k = _n(draw, 0, 5)
    if k == 0:
        return _number(draw)
    if k == 1:
        return ast.Constant(value=draw(_TEXT))
    if k == 2:
        return ast.Constant(value=draw(_BYTES))
    if k == 3:
        return _negative(draw, ast.Constant(value=complex(0.0, draw(_FLOATS))))
    if k == 4:
        # Complex literal: signed real +/- imaginary.
        imag = ast.Constant(value=complex(0.0, draw(_FLOATS)))
        op: ast.operator = ast.Add() if _n(draw, 0, 1) == 0 else ast.Sub()
        return ast.BinOp(left=_number(draw), op=op, right=imag)
    return _dotted(draw)


def _capture_name(draw: DrawFn, used: set[str]) -> str | None:
    free = tuple(n for n in _CAPTURES if n not in used)
    if not free:
        return None
    name = _pick(draw, free)
    used.add(name)  # "multiple assignments to name in pattern"
    return name


def _nonbinding_pattern(draw: DrawFn, depth: int) -> ast.pattern:
    """Refutable pattern binding no names: safe as a MatchOr alternative
    (alternatives must bind identical names, and an irrefutable alternative
    before the last one is an error)."""
    k = _n(draw, 0, 3 if depth > 0 else 1)
    if k == 0:
        return ast.MatchValue(value=_literal_pattern_value(draw))
    if k == 1:
        return ast.MatchSingleton(value=_pick(draw, (None, True, False)))
    if k == 2:
        pats: list[ast.pattern] = [
            _nonbinding_pattern(draw, depth - 1) for _ in range(_n(draw, 0, 2))
        ]
        if _chance(draw, 2):
            pats.append(ast.MatchAs(pattern=None, name=None))  # `_`
        if _chance(draw, 2):
            pats.insert(_n(draw, 0, len(pats)), ast.MatchStar(name=None))  # `*_`
        return ast.MatchSequence(patterns=pats)
    return ast.MatchClass(cls=_name(draw, _CLASSES), patterns=[], kwd_attrs=[], kwd_patterns=[])


def _is_irrefutable(p: ast.pattern) -> bool:
    if isinstance(p, ast.MatchAs):
        return p.pattern is None or _is_irrefutable(p.pattern)
    if isinstance(p, ast.MatchOr):
        return any(_is_irrefutable(q) for q in p.patterns)
    return False


def _pattern(draw: DrawFn, depth: int, used: set[str], irrefutable_ok: bool = True) -> ast.pattern:
    k = _n(draw, 0, 9 if depth > 0 else 3)
    if k == 0:
        return ast.MatchValue(value=_literal_pattern_value(draw))
    if k == 1:
        return ast.MatchSingleton(value=_pick(draw, (None, True, False)))
    if k in (2, 3):
        name = _capture_name(draw, used) if k == 2 else None
        if irrefutable_ok:
            return ast.MatchAs(pattern=None, name=name)  # `x` or `_`
        return ast.MatchValue(value=_dotted(draw))
    if k == 4:
        pats = [_pattern(draw, depth - 1, used) for _ in range(_n(draw, 0, 3))]
        if _chance(draw, 2):
            star = _capture_name(draw, used) if _n(draw, 0, 1) else None
            pats.insert(_n(draw, 0, len(pats)), ast.MatchStar(name=star))
        return ast.MatchSequence(patterns=pats)
    if k == 5:
        keys: list[ast.expr] = []
        for key in _distinct(draw, _MAP_KEYS, 0, 3):
            # Duplicate literal keys are a compile error; dotted keys are fine.
            keys.append(_dotted(draw) if _chance(draw, 4) else ast.Constant(value=key))
        pats = [_pattern(draw, depth - 1, used) for _ in keys]
        rest = _capture_name(draw, used) if _chance(draw, 3) else None
        return ast.MatchMapping(keys=keys, patterns=pats, rest=rest)
    if k == 6:
        cls = _name(draw, _CLASSES) if _n(draw, 0, 1) == 0 else _dotted(draw)
        pats = [_pattern(draw, depth - 1, used) for _ in range(_n(draw, 0, 2))]
        attrs = _distinct(draw, ("x", "y", "shape", "dtype"), 0, 2)  # repeats are errors
        kpats = [_pattern(draw, depth - 1, used) for _ in attrs]
        return ast.MatchClass(cls=cls, patterns=pats, kwd_attrs=attrs, kwd_patterns=kpats)
    if k == 7:
        alts = [_nonbinding_pattern(draw, depth - 1) for _ in range(_n(draw, 2, 3))]
        return ast.MatchOr(patterns=alts)
    # `<pattern> as name` (the name must not be `_`).
    inner = _pattern(draw, depth - 1, used, irrefutable_ok)
    name = _capture_name(draw, used)
    if name is None:
        return inner
    return ast.MatchAs(pattern=inner, name=name)


# --------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------
StmtGen = Callable[[DrawFn, _S], ast.stmt]


def _body(draw: DrawFn, c: _S, lo: int = 1, hi: int = 3) -> list[ast.stmt]:
    n = _n(draw, lo, hi) if c.budget.stmts > 0 else lo
    return [_stmt(draw, c) for _ in range(n)]


def _stmt(draw: DrawFn, c: _S) -> ast.stmt:
    c.budget.stmts -= 1
    kinds: list[StmtGen] = list(_SIMPLE_STMTS)
    if c.in_func and c.can_return:
        kinds.append(_return)
    if c.in_loop:
        kinds += [_break, _continue]
    if c.depth > 0 and c.budget.stmts > 0:
        kinds += _COMPOUND_STMTS
        if c.is_async:
            kinds += [_async_for, _async_with]
    return _pick(draw, kinds)(draw, c)


def _pass(draw: DrawFn, c: _S) -> ast.stmt:
    return ast.Pass()


def _break(draw: DrawFn, c: _S) -> ast.stmt:
    return ast.Break()


def _continue(draw: DrawFn, c: _S) -> ast.stmt:
    return ast.Continue()


def _expr_stmt(draw: DrawFn, c: _S) -> ast.stmt:
    return ast.Expr(value=_expr(draw, c.expr()))


def _assign(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    targets = [_target(draw, e.sub()) for _ in range(_n(draw, 1, 2))]
    return ast.Assign(targets=targets, value=_expr(draw, e), type_comment=None)


def _kernel_assign(draw: DrawFn, c: _S) -> ast.stmt:
    """`x_tile = nl.load(a[i, 0:128])`-style statements."""
    e = c.expr(depth=1)
    if _chance(draw, 3):
        return ast.Expr(value=_kernel_call(draw, e))
    return ast.Assign(
        targets=[_name(draw, _VARS, ast.Store)], value=_kernel_call(draw, e), type_comment=None
    )


def _aug_assign(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    return ast.AugAssign(
        target=_simple_target(draw, e.sub(), ast.Store),
        op=_pick(draw, _BINOPS)(),
        value=_expr(draw, e),
    )


def _starred_in_tuples(node: ast.expr) -> bool:
    if isinstance(node, ast.Starred):
        return True
    return isinstance(node, ast.Tuple) and any(_starred_in_tuples(x) for x in node.elts)


def _ann_assign(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    k = _n(draw, 0, 3)
    simple = 0
    target: ast.expr
    free = tuple(n for n in _VARS if n not in c.declared)  # "annotated name can't be global"
    if k <= 1:
        # k == 0: `x: int` (simple=1); k == 1: `(x): int` (simple=0).
        target = _name(draw, free, ast.Store)
        simple = int(k == 0)
    elif k == 2:
        target = ast.Attribute(
            value=_primary(draw, e.sub(), ()), attr=_pick(draw, _ATTRS), ctx=ast.Store()
        )
    else:
        index = _subscript_index(draw, e.sub())
        if _starred_in_tuples(index):
            # Without a value, `a[(*b, c)]: T` evaluates the index element by
            # element: "can't use starred expression here".
            index = _name(draw)
        target = ast.Subscript(value=_primary(draw, e.sub(), ()), slice=index, ctx=ast.Store())
    value = _expr(draw, e) if _n(draw, 0, 1) else None
    return ast.AnnAssign(target=target, annotation=_annotation(draw), value=value, simple=simple)


def _delete(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr().sub()
    return ast.Delete(targets=[_target(draw, e, ast.Del) for _ in range(_n(draw, 1, 2))])


def _raise(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    if _chance(draw, 4):
        return ast.Raise(exc=None, cause=None)  # bare re-raise
    exc = _expr(draw, e)
    return ast.Raise(exc=exc, cause=_expr(draw, e) if _chance(draw, 2) else None)


def _assert(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    test = _expr(draw, e)
    if isinstance(test, ast.Tuple) and test.elts:
        test = _name(draw)  # "assertion is always true" SyntaxWarning
    return ast.Assert(test=test, msg=_expr(draw, e) if _n(draw, 0, 1) else None)


def _alias(draw: DrawFn, pool: tuple[str, ...]) -> ast.alias:
    return ast.alias(
        name=_pick(draw, pool), asname=_pick(draw, _VARS) if _chance(draw, 2) else None
    )


def _import(draw: DrawFn, c: _S) -> ast.stmt:
    if _chance(draw, 2):
        return _prelude_import(*_pick(draw, _PRELUDE))
    return ast.Import(names=[_alias(draw, _IMPORT_MODULES) for _ in range(_n(draw, 1, 2))])


def _import_from(draw: DrawFn, c: _S) -> ast.stmt:
    level = _n(draw, 0, 3)
    # `from . import x` has module=None; level 0 needs a module.
    module = (
        None
        if level and _chance(draw, 2)
        else _pick(draw, ("nki", "nki.language", "typing", "pkg.sub"))
    )
    if c.module_scope and _chance(draw, 5):
        names = [ast.alias(name="*", asname=None)]  # only legal at module scope
    else:
        names = [_alias(draw, _FROM_NAMES) for _ in range(_n(draw, 1, 3))]
    return ast.ImportFrom(module=module, names=names, level=level)


def _return(draw: DrawFn, c: _S) -> ast.stmt:
    # `return value` in an async generator is a SyntaxError.
    if c.async_gen or _chance(draw, 4):
        return ast.Return(value=None)
    return ast.Return(value=_expr(draw, c.expr()))


def _if(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    inner = c.nested()
    k = _n(draw, 0, 2)
    orelse: list[ast.stmt] = []
    if k == 1:
        orelse = _body(draw, inner)
    elif k == 2:  # `elif` is an If as the sole statement of orelse
        orelse = [_if(draw, inner)] if inner.depth > 0 else _body(draw, inner)
    return ast.If(test=_expr(draw, e), body=_body(draw, inner), orelse=orelse)


def _loop_parts(draw: DrawFn, c: _S) -> tuple[list[ast.stmt], list[ast.stmt]]:
    body = _body(draw, replace(c.nested(), in_loop=True))
    # `else:` runs outside the loop: break/continue refer to an outer loop.
    orelse = _body(draw, c.nested()) if _chance(draw, 3) else []
    return body, orelse


def _for_iter(draw: DrawFn, c: _S) -> ast.expr:
    if _chance(draw, 3):  # kernel-style `for i in nl.affine_range(n):`
        fn = _pick(draw, ("affine_range", "sequential_range", "static_range"))
        return ast.Call(func=_load(f"nl.{fn}"), args=[_atom(draw, c.expr())], keywords=[])
    return _expr(draw, c.expr())


def _for(draw: DrawFn, c: _S) -> ast.stmt:
    target = _target(draw, c.expr().sub())
    it = _for_iter(draw, c)
    body, orelse = _loop_parts(draw, c)
    return ast.For(target=target, iter=it, body=body, orelse=orelse, type_comment=None)


def _async_for(draw: DrawFn, c: _S) -> ast.stmt:
    target = _target(draw, c.expr().sub())
    it = _expr(draw, c.expr())
    body, orelse = _loop_parts(draw, c)
    return ast.AsyncFor(target=target, iter=it, body=body, orelse=orelse, type_comment=None)


def _while(draw: DrawFn, c: _S) -> ast.stmt:
    test = _expr(draw, c.expr())
    body, orelse = _loop_parts(draw, c)
    return ast.While(test=test, body=body, orelse=orelse)


def _withitems(draw: DrawFn, c: _S) -> list[ast.withitem]:
    e = c.expr()
    items: list[ast.withitem] = []
    for _ in range(_n(draw, 1, 3)):
        var = _target(draw, e.sub()) if _n(draw, 0, 1) else None
        ctx_expr = _expr(draw, e)
        if isinstance(ctx_expr, ast.Tuple):
            # `with (a, b):` parses as two with-items (3.9+ parenthesized form).
            ctx_expr = _name(draw)
        items.append(ast.withitem(context_expr=ctx_expr, optional_vars=var))
    return items


def _with(draw: DrawFn, c: _S) -> ast.stmt:
    return ast.With(items=_withitems(draw, c), body=_body(draw, c.nested()), type_comment=None)


def _async_with(draw: DrawFn, c: _S) -> ast.stmt:
    return ast.AsyncWith(items=_withitems(draw, c), body=_body(draw, c.nested()), type_comment=None)


def _exc_type(draw: DrawFn, c: _S) -> ast.expr:
    k = _n(draw, 0, 2)
    if k == 0:
        return _name(draw, ("Exception", "ValueError", "KeyError", "E"))
    if k == 1:
        names = _distinct(draw, ("ValueError", "TypeError", "OSError", "E"), 1, 3)
        return ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Load()) for n in names], ctx=ast.Load())
    return _expr(draw, c.expr())


def _handlers(draw: DrawFn, c: _S, star: bool) -> list[ast.ExceptHandler]:
    inner = c.nested()
    if star:
        # 3.11: "'break', 'continue' and 'return' cannot appear in an except*
        # block" (a loop nested in the block is fine: in_loop is reset there).
        inner = replace(inner, in_loop=False, can_return=False)
    n = _n(draw, 1 if star else 0, 2)
    out: list[ast.ExceptHandler] = []
    for i in range(n):
        # Bare `except:` must be last and is not allowed with except*.
        bare = not star and i == n - 1 and _chance(draw, 3)
        typ = None if bare else _exc_type(draw, c)
        name = None if bare or _n(draw, 0, 1) == 0 else _pick(draw, ("e", "err", "exc"))
        out.append(ast.ExceptHandler(type=typ, name=name, body=_body(draw, inner)))
    return out


def _try(draw: DrawFn, c: _S) -> ast.stmt:
    return _try_common(draw, c, star=False)


def _try_star(draw: DrawFn, c: _S) -> ast.stmt:
    return _try_common(draw, c, star=True)


def _try_common(draw: DrawFn, c: _S, star: bool) -> ast.stmt:
    inner = c.nested()
    body = _body(draw, inner)
    handlers = _handlers(draw, c, star)
    # `else` needs at least one handler; no handler requires `finally`.
    orelse = _body(draw, inner) if handlers and _chance(draw, 3) else []
    finalbody = _body(draw, inner) if not handlers or _chance(draw, 3) else []
    cls = ast.TryStar if star else ast.Try
    return cls(body=body, handlers=handlers, orelse=orelse, finalbody=finalbody)


def _match(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr()
    inner = c.nested()
    subject = _expr(draw, e)
    n = _n(draw, 1, 3)
    cases: list[ast.match_case] = []
    for i in range(n):
        guard = _expr(draw, e) if _chance(draw, 3) else None
        # An irrefutable case ("name capture 'x' makes remaining patterns
        # unreachable") is only legal last or with a guard.
        ok = guard is not None or i == n - 1
        pattern = _pattern(draw, 2, set(), irrefutable_ok=ok)
        if not ok and _is_irrefutable(pattern):
            pattern = ast.MatchValue(value=_dotted(draw))
        cases.append(ast.match_case(pattern=pattern, guard=guard, body=_body(draw, inner)))
    return ast.Match(subject=subject, cases=cases)


def _decorators(draw: DrawFn, e: _E) -> list[ast.expr]:
    out: list[ast.expr] = []
    for _ in range(_n(draw, 0, 2)):
        k = _n(draw, 0, 3)
        if k == 0:
            out.append(_load("nki.jit"))
        elif k == 1:
            out.append(_name(draw, ("staticmethod", "property", "cache", "jit")))
        elif k == 2:
            out.append(_call(draw, e))
        else:
            out.append(_expr(draw, e))  # any expression since 3.9
    return out


def _function_def(draw: DrawFn, c: _S, is_async: bool = False, method: bool = False) -> ast.stmt:
    e = c.expr(depth=min(c.expr_depth, 1))  # decorators/defaults: outer scope
    args = _arguments(draw, e, annotate=True, first="self" if method else None)
    params = _arg_names(args)
    decls: list[ast.stmt] = []
    # Scope declarations go first: "name used prior to global declaration".
    nonlocal_names = sorted(c.outer_locals - params)
    nonlocals: list[str] = []
    if nonlocal_names and _chance(draw, 2):
        nonlocals = _distinct(draw, tuple(nonlocal_names), 1, 2)
        decls.append(ast.Nonlocal(names=nonlocals))
    globals_: list[str] = []
    if _chance(draw, 4):
        free = tuple(n for n in _VARS if n not in params and n not in nonlocals)
        globals_ = _distinct(draw, free, 1, 2)
        decls.append(ast.Global(names=globals_))
    async_gen = is_async and _chance(draw, 3)
    inner = _S(
        depth=c.depth - 1,
        expr_depth=c.expr_depth,
        budget=c.budget,
        in_func=True,
        is_async=is_async,
        async_gen=async_gen,
        can_return=True,
        in_loop=False,
        module_scope=False,
        declared=frozenset(nonlocals) | frozenset(globals_),
        # A global declaration hides the enclosing binding from nested defs.
        outer_locals=(c.outer_locals | params) - frozenset(globals_),
    )
    body = decls + _body(draw, inner)
    # Make sure the async generator case really is one.
    if async_gen and not any(isinstance(n, ast.Yield) for s in body for n in ast.walk(s)):
        body.append(ast.Expr(value=ast.Yield(value=None)))
    cls = ast.AsyncFunctionDef if is_async else ast.FunctionDef
    return cls(
        name=_pick(draw, _FUNCS),
        args=args,
        body=body,
        decorator_list=_decorators(draw, e),
        returns=_annotation(draw) if _chance(draw, 3) else None,
        type_comment=None,
    )


def _def(draw: DrawFn, c: _S) -> ast.stmt:
    return _function_def(draw, c)


def _async_def(draw: DrawFn, c: _S) -> ast.stmt:
    return _function_def(draw, c, is_async=True)


def _class_def(draw: DrawFn, c: _S) -> ast.stmt:
    e = c.expr(depth=min(c.expr_depth, 1))
    bases: list[ast.expr] = []
    for _ in range(_n(draw, 0, 2)):
        base: ast.expr = _name(draw, _CLASSES)
        bases.append(ast.Starred(value=_name(draw), ctx=ast.Load()) if _chance(draw, 6) else base)
    keywords = [ast.keyword(arg=k, value=_expr(draw, e)) for k in _distinct(draw, _CLASS_KW, 0, 2)]
    if _chance(draw, 6):
        keywords.append(ast.keyword(arg=None, value=_name(draw)))
    # Class bodies are a new scope: no return/yield/await/break there, but
    # methods may still declare enclosing function locals nonlocal.
    inner = _S(
        depth=c.depth - 1,
        expr_depth=c.expr_depth,
        budget=c.budget,
        module_scope=False,
        outer_locals=c.outer_locals,
    )
    body: list[ast.stmt] = []
    if _chance(draw, 3):
        body.append(ast.Expr(value=ast.Constant(value=draw(_TEXT))))  # docstring
    for _ in range(_n(draw, 1, 3)):
        k = _n(draw, 0, 3)
        if k == 0:  # methods may have a (simple) body even at depth 0
            body.append(_function_def(draw, replace(inner, depth=max(inner.depth, 1)), method=True))
        elif k == 1:
            body.append(_ann_assign(draw, inner))
        else:
            body.append(_stmt(draw, inner))
    return ast.ClassDef(
        name=_pick(draw, _CLASSES),
        bases=bases,
        keywords=keywords,
        body=body,
        decorator_list=_decorators(draw, e),
    )


def _load(path: str) -> ast.expr:
    """`nl.affine_range` -> Attribute(Name('nl'), 'affine_range') (Load)."""
    node: ast.expr = ast.Name(id=path.split(".")[0], ctx=ast.Load())
    for attr in path.split(".")[1:]:
        node = ast.Attribute(value=node, attr=attr, ctx=ast.Load())
    return node


def _kernel_def(draw: DrawFn, c: _S) -> ast.stmt:
    """A small NKI-looking kernel::

    @nki.jit
    def kernel(a, b):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        for i in nl.affine_range(n):
            x = nl.load(...)   # 1-3 kernel-ish statements
        return out
    """
    params = _distinct(draw, ("a", "b", "a_tensor", "b_tensor", "scale"), 1, 3)
    fc = _S(depth=0, expr_depth=1, budget=c.budget, in_func=True, can_return=True, in_loop=True)
    loop_body = [_kernel_assign(draw, fc) for _ in range(_n(draw, 1, 3))]
    trip_count = _atom(draw, fc.expr())
    alloc = ast.Call(
        func=_load("nl.ndarray"),
        args=[_load(f"{params[0]}.shape")],
        keywords=[
            ast.keyword(arg="dtype", value=_load(f"{params[0]}.dtype")),
            ast.keyword(arg="buffer", value=_load("nl.shared_hbm")),
        ],
    )
    body: list[ast.stmt] = [
        ast.Assign(targets=[ast.Name(id="out", ctx=ast.Store())], value=alloc, type_comment=None),
        ast.For(
            target=ast.Name(id="i", ctx=ast.Store()),
            iter=ast.Call(func=_load("nl.affine_range"), args=[trip_count], keywords=[]),
            body=loop_body,
            orelse=[],
            type_comment=None,
        ),
        ast.Return(value=ast.Name(id="out", ctx=ast.Load())),
    ]
    signature = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=p, annotation=None) for p in params],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    return ast.FunctionDef(
        name=_pick(draw, _FUNCS),
        args=signature,
        body=body,
        decorator_list=[_load("nki.jit")],
        returns=None,
        type_comment=None,
    )


# Repeats raise the odds of the statements that matter most for kernels.
_SIMPLE_STMTS: tuple[StmtGen, ...] = (
    *(_pass, _expr_stmt, _assign, _assign, _kernel_assign, _aug_assign, _ann_assign),
    *(_delete, _raise, _assert, _import, _import_from),
)
_COMPOUND_STMTS: tuple[StmtGen, ...] = (
    *(_if, _for, _while, _with, _try, _try_star, _match),
    *(_def, _def, _async_def, _class_def, _kernel_def),
)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def python_modules(max_depth: int = 3) -> SearchStrategy[ast.Module]:
    """Random valid, canonical Python 3.11 modules.

    ``max_depth`` bounds statement nesting; expression nesting is bounded by
    ``max_depth - 1`` so examples stay small and fast to generate.
    """

    @st.composite
    def modules(draw: DrawFn) -> ast.Module:
        budget = _Budget(stmts=_STMT_BUDGET * max_depth, exprs=_EXPR_BUDGET * max_depth)
        ctx = _S(depth=max_depth, expr_depth=max(max_depth - 1, 1), budget=budget)
        mask = _n(draw, 0, 2 ** len(_PRELUDE) - 1)  # one choice for all imports
        prelude = [_prelude_import(*p) for i, p in enumerate(_PRELUDE) if mask >> i & 1]
        body = prelude + _body(draw, ctx, 1, 4)
        # Locations let callers compile()/unparse() the tree directly (unparse
        # reads `lineno` of function nodes).
        return ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))

    return modules()


def python_sources(max_depth: int = 3) -> SearchStrategy[str]:
    """Source text of :func:`python_modules` (``ast.unparse`` output)."""
    return python_modules(max_depth).map(lambda m: ast.unparse(ast.fix_missing_locations(m)))
