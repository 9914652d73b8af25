"""Python `ast` -> `py_ast` IR (one op per node, see klr/dialects/py_ast.py)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from functools import cache

from xdsl.dialects.builtin import DenseArrayBase, UnitAttr, i32
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import AttrSizedOperandSegments, OptionalDef
from xdsl.ir.core import OpResult, SSAValues, Use
from xdsl.dialects.builtin import UNKNOWN_LOC

from klr.dialects import py_ast as p

_BINOPS: dict[type[ast.operator], p.BinOpKind] = {
    ast.Add: p.BinOpKind.ADD,
    ast.Sub: p.BinOpKind.SUB,
    ast.Mult: p.BinOpKind.MULT,
    ast.MatMult: p.BinOpKind.MATMULT,
    ast.Div: p.BinOpKind.DIV,
    ast.Mod: p.BinOpKind.MOD,
    ast.Pow: p.BinOpKind.POW,
    ast.LShift: p.BinOpKind.LSHIFT,
    ast.RShift: p.BinOpKind.RSHIFT,
    ast.BitOr: p.BinOpKind.BITOR,
    ast.BitXor: p.BinOpKind.BITXOR,
    ast.BitAnd: p.BinOpKind.BITAND,
    ast.FloorDiv: p.BinOpKind.FLOORDIV,
}
_UNARYOPS: dict[type[ast.unaryop], p.UnaryOpKind] = {
    ast.Invert: p.UnaryOpKind.INVERT,
    ast.Not: p.UnaryOpKind.NOT,
    ast.UAdd: p.UnaryOpKind.UADD,
    ast.USub: p.UnaryOpKind.USUB,
}
_CMPOPS: dict[type[ast.cmpop], p.CmpOpKind] = {
    ast.Eq: p.CmpOpKind.EQ,
    ast.NotEq: p.CmpOpKind.NOTEQ,
    ast.Lt: p.CmpOpKind.LT,
    ast.LtE: p.CmpOpKind.LTE,
    ast.Gt: p.CmpOpKind.GT,
    ast.GtE: p.CmpOpKind.GTE,
    ast.Is: p.CmpOpKind.IS,
    ast.IsNot: p.CmpOpKind.ISNOT,
    ast.In: p.CmpOpKind.IN,
    ast.NotIn: p.CmpOpKind.NOTIN,
}
_BINOP_ATTRS = {k: p.BinOpKindAttr(v) for k, v in _BINOPS.items()}
_UNARYOP_ATTRS = {k: p.UnaryOpKindAttr(v) for k, v in _UNARYOPS.items()}
_BOOLOP_ATTRS = {
    ast.And: p.BoolOpKindAttr(p.BoolOpKind.AND),
    ast.Or: p.BoolOpKindAttr(p.BoolOpKind.OR),
}
_CONVERSIONS = {ord("s"): "s", ord("r"): "r", ord("a"): "a"}


@cache
def _segments(sizes: tuple[int, ...]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i32, sizes)


@cache
def _has_segments(cls: type[Operation]) -> bool:
    options = cls.get_irdl_definition().options  # type: ignore[attr-defined]
    return any(isinstance(o, AttrSizedOperandSegments) for o in options)


def new_op(
    cls: type[Operation],
    operands: Sequence[SSAValue],
    result: Attribute | None,
    properties: dict[str, Attribute],
    regions: Sequence[Region],
) -> Operation:
    """`cls.create(...)` for py_ast ops, without its generic bookkeeping.

    Building is the hot path of `gather` (one op per AST node); this does exactly what
    `Operation.__init__` and `IRDLOperation.__post_init__` do for ops that have no
    successors, no discardable attributes, and all default properties given
    (test_py_ast_dialect checks the equivalence). xDSL is pinned, so the fields are
    stable.
    """
    op = object.__new__(cls)
    op._operands = SSAValues(operands)
    uses = tuple(Use(op, i) for i in range(len(operands)))
    for value, use in zip(operands, uses):
        value.add_use(use)
    op._operand_uses = uses
    op.results = SSAValues((OpResult(result, op, 0),) if result is not None else ())
    for name, default in _defaults(cls):
        properties.setdefault(name, default)
    op.properties = properties
    op.attributes = {}
    op.location = UNKNOWN_LOC
    op._successors = ()
    op._successor_uses = ()
    op.regions = ()
    for region in regions:
        op.add_region(region)
    return op


@cache
def _defaults(cls: type[Operation]) -> tuple[tuple[str, Attribute], ...]:
    op_def = cls.get_irdl_definition()  # type: ignore[attr-defined]
    return tuple(
        (name, d.default_value)
        for name, d in op_def.properties.items()
        if not isinstance(d, OptionalDef) and d.default_value is not None
    )


class UnsupportedNode(Exception):
    """A node this Python version's `ast` has but py_ast does not model."""

    def __init__(self, node: ast.AST):
        super().__init__(type(node).__name__)
        self.node = node


def loc_of(node: ast.AST) -> p.LocAttr | None:
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    end_line = getattr(node, "end_lineno", None)
    end_col = getattr(node, "end_col_offset", None)
    col: int = node.col_offset  # type: ignore[attr-defined]
    return p.LocAttr(
        (
            line,
            col,
            end_line if end_line is not None else line,
            end_col if end_col is not None else col,
        )
    )


class PyAstBuilder:
    """Builds `py_ast` ops from Python `ast` nodes.

    Expression ops are appended to the current block just before the op that uses
    them, so each block reads in source order.
    """

    def __init__(self) -> None:
        self.block = Block()
        self._stmt: dict[type[ast.AST], Callable[[ast.stmt], None]] = {
            ast.FunctionDef: self._function_def,  # type: ignore[dict-item]
            ast.AsyncFunctionDef: self._function_def,  # type: ignore[dict-item]
            ast.ClassDef: self._class_def,  # type: ignore[dict-item]
            ast.Return: self._return,  # type: ignore[dict-item]
            ast.Delete: self._delete,  # type: ignore[dict-item]
            ast.Assign: self._assign,  # type: ignore[dict-item]
            ast.AugAssign: self._aug_assign,  # type: ignore[dict-item]
            ast.AnnAssign: self._ann_assign,  # type: ignore[dict-item]
            ast.For: self._for,  # type: ignore[dict-item]
            ast.AsyncFor: self._for,  # type: ignore[dict-item]
            ast.While: self._while,  # type: ignore[dict-item]
            ast.If: self._if,  # type: ignore[dict-item]
            ast.With: self._with,  # type: ignore[dict-item]
            ast.AsyncWith: self._with,  # type: ignore[dict-item]
            ast.Match: self._match,  # type: ignore[dict-item]
            ast.Raise: self._raise,  # type: ignore[dict-item]
            ast.Try: self._try,  # type: ignore[dict-item]
            ast.TryStar: self._try,  # type: ignore[dict-item]
            ast.Assert: self._assert,  # type: ignore[dict-item]
            ast.Import: self._import,  # type: ignore[dict-item]
            ast.ImportFrom: self._import_from,  # type: ignore[dict-item]
            ast.Global: self._global,  # type: ignore[dict-item]
            ast.Nonlocal: self._global,  # type: ignore[dict-item]
            ast.Expr: self._expr_stmt,  # type: ignore[dict-item]
            ast.Pass: self._simple,  # type: ignore[dict-item]
            ast.Break: self._simple,  # type: ignore[dict-item]
            ast.Continue: self._simple,  # type: ignore[dict-item]
        }
        self._expr: dict[type[ast.AST], Callable[[ast.expr], SSAValue]] = {
            ast.Constant: self._constant,  # type: ignore[dict-item]
            ast.Name: self._name,  # type: ignore[dict-item]
            ast.Attribute: self._attribute,  # type: ignore[dict-item]
            ast.Subscript: self._subscript,  # type: ignore[dict-item]
            ast.Slice: self._slice,  # type: ignore[dict-item]
            ast.Starred: self._starred,  # type: ignore[dict-item]
            ast.Tuple: self._display,  # type: ignore[dict-item]
            ast.List: self._display,  # type: ignore[dict-item]
            ast.Set: self._display,  # type: ignore[dict-item]
            ast.Dict: self._dict,  # type: ignore[dict-item]
            ast.BoolOp: self._bool_op,  # type: ignore[dict-item]
            ast.BinOp: self._bin_op,  # type: ignore[dict-item]
            ast.UnaryOp: self._unary_op,  # type: ignore[dict-item]
            ast.Compare: self._compare,  # type: ignore[dict-item]
            ast.IfExp: self._if_exp,  # type: ignore[dict-item]
            ast.NamedExpr: self._named_expr,  # type: ignore[dict-item]
            ast.Lambda: self._lambda,  # type: ignore[dict-item]
            ast.Call: self._call,  # type: ignore[dict-item]
            ast.FormattedValue: self._formatted_value,  # type: ignore[dict-item]
            ast.JoinedStr: self._joined_str,  # type: ignore[dict-item]
            ast.ListComp: self._comp,  # type: ignore[dict-item]
            ast.SetComp: self._comp,  # type: ignore[dict-item]
            ast.GeneratorExp: self._comp,  # type: ignore[dict-item]
            ast.DictComp: self._dict_comp,  # type: ignore[dict-item]
            ast.Await: self._await,  # type: ignore[dict-item]
            ast.Yield: self._yield,  # type: ignore[dict-item]
            ast.YieldFrom: self._yield_from,  # type: ignore[dict-item]
        }

    # -- plumbing ----------------------------------------------------------

    def _emit(
        self,
        cls: type[Operation],
        node: ast.AST | None,
        operands: Sequence[SSAValue | Sequence[SSAValue] | None] = (),
        props: dict[str, Attribute | None] | None = None,
        regions: Sequence[Region] = (),
        result: Attribute | None = p.EXPR,
    ) -> Operation:
        properties = {k: v for k, v in (props or {}).items() if v is not None}
        if node is not None and (loc := loc_of(node)) is not None:
            properties["loc"] = loc
        # `Operation.create` skips IRDL's generic argument processing, which dominates
        # the cost of building large modules; segment sizes are filled in here.
        flat: list[SSAValue] = []
        sizes: list[int] = []
        for o in operands:
            if o is None:
                sizes.append(0)
            elif isinstance(o, SSAValue):
                flat.append(o)
                sizes.append(1)
            else:
                flat.extend(o)
                sizes.append(len(o))
        if _has_segments(cls):
            properties["operandSegmentSizes"] = _segments(tuple(sizes))
        op = new_op(cls, flat, result, properties, regions)
        self.block.add_op(op)
        return op

    def _value(self, *args: object, **kwargs: object) -> SSAValue:
        return self._emit(*args, **kwargs).results[0]  # type: ignore[arg-type]

    def body(self, stmts: Sequence[ast.stmt]) -> Region:
        """A region holding `stmts` (no block when the list is empty)."""
        if not stmts:
            return Region()
        saved, self.block = self.block, Block()
        try:
            for s in stmts:
                self.stmt(s)
            return Region(self.block)
        finally:
            self.block = saved

    def stmt(self, node: ast.stmt) -> None:
        handler = self._stmt.get(type(node))
        if handler is None:
            raise UnsupportedNode(node)
        handler(node)

    def expr(self, node: ast.expr) -> SSAValue:
        handler = self._expr.get(type(node))
        if handler is None:
            raise UnsupportedNode(node)
        return handler(node)

    def opt(self, node: ast.expr | None) -> SSAValue | None:
        return None if node is None else self.expr(node)

    def exprs(self, nodes: Sequence[ast.expr]) -> list[SSAValue]:
        return [self.expr(n) for n in nodes]

    # -- modules -----------------------------------------------------------

    def module(self, tree: ast.Module, name: str, file: str | None = None) -> p.ModuleOp:
        return p.ModuleOp(name, self.body(tree.body), file)

    # -- statements --------------------------------------------------------

    def _function_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorators = self.exprs(node.decorator_list)
        args = self.arguments(node.args)
        returns = self.opt(node.returns)
        cls = p.FunctionDefOp if isinstance(node, ast.FunctionDef) else p.AsyncFunctionDefOp
        self._emit(
            cls,
            node,
            [args, decorators, returns],
            {"sym_name": p.PyStrAttr(node.name)},
            [self.body(node.body)],
            None,
        )

    def _class_def(self, node: ast.ClassDef) -> None:
        decorators = self.exprs(node.decorator_list)
        bases = self.exprs(node.bases)
        keywords = [self.keyword(k) for k in node.keywords]
        self._emit(
            p.ClassDefOp,
            node,
            [bases, keywords, decorators],
            {"sym_name": p.PyStrAttr(node.name)},
            [self.body(node.body)],
            None,
        )

    def _return(self, node: ast.Return) -> None:
        self._emit(p.ReturnOp, node, [self.opt(node.value)], result=None)

    def _delete(self, node: ast.Delete) -> None:
        self._emit(p.DeleteOp, node, [self.exprs(node.targets)], result=None)

    def _assign(self, node: ast.Assign) -> None:
        targets = self.exprs(node.targets)
        value = self.expr(node.value)
        self._emit(p.AssignOp, node, [targets, value], result=None)

    def _aug_assign(self, node: ast.AugAssign) -> None:
        target = self.expr(node.target)
        value = self.expr(node.value)
        self._emit(
            p.AugAssignOp, node, [target, value], {"op": _BINOP_ATTRS[type(node.op)]}, result=None
        )

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        target = self.expr(node.target)
        annotation = self.expr(node.annotation)
        value = self.opt(node.value)
        self._emit(
            p.AnnAssignOp,
            node,
            [target, annotation, value],
            {"simple": UnitAttr() if node.simple else None},
            result=None,
        )

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        target = self.expr(node.target)
        iter_ = self.expr(node.iter)
        cls = p.ForOp if isinstance(node, ast.For) else p.AsyncForOp
        self._emit(
            cls,
            node,
            [target, iter_],
            regions=[self.body(node.body), self.body(node.orelse)],
            result=None,
        )

    def _while(self, node: ast.While) -> None:
        test = self.expr(node.test)
        self._emit(
            p.WhileOp,
            node,
            [test],
            regions=[self.body(node.body), self.body(node.orelse)],
            result=None,
        )

    def _if(self, node: ast.If) -> None:
        test = self.expr(node.test)
        self._emit(
            p.IfOp,
            node,
            [test],
            regions=[self.body(node.body), self.body(node.orelse)],
            result=None,
        )

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        items = [self.withitem(i) for i in node.items]
        cls = p.WithOp if isinstance(node, ast.With) else p.AsyncWithOp
        self._emit(cls, node, [items], regions=[self.body(node.body)], result=None)

    def _match(self, node: ast.Match) -> None:
        subject = self.expr(node.subject)
        saved, self.block = self.block, Block()
        try:
            for case in node.cases:
                pattern = self.pattern(case.pattern)
                guard = self.opt(case.guard)
                self._emit(
                    p.MatchCaseOp,
                    None,
                    [pattern, guard],
                    regions=[self.body(case.body)],
                    result=None,
                )
            cases = Region(self.block)
        finally:
            self.block = saved
        self._emit(p.MatchOp, node, [subject], regions=[cases], result=None)

    def _raise(self, node: ast.Raise) -> None:
        self._emit(p.RaiseOp, node, [self.opt(node.exc), self.opt(node.cause)], result=None)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        body = self.body(node.body)
        handlers = Region()
        if node.handlers:
            saved, self.block = self.block, Block()
            try:
                for h in node.handlers:
                    exc_type = self.opt(h.type)
                    self._emit(
                        p.ExceptHandlerOp,
                        h,
                        [exc_type],
                        {"target": p.PyStrAttr(h.name) if h.name is not None else None},
                        [self.body(h.body)],
                        None,
                    )
                handlers = Region(self.block)
            finally:
                self.block = saved
        cls = p.TryOp if isinstance(node, ast.Try) else p.TryStarOp
        self._emit(
            cls,
            node,
            regions=[body, handlers, self.body(node.orelse), self.body(node.finalbody)],
            result=None,
        )

    def _assert(self, node: ast.Assert) -> None:
        test = self.expr(node.test)
        msg = self.opt(node.msg)
        self._emit(p.AssertOp, node, [test, msg], result=None)

    def _alias(self, a: ast.alias) -> SSAValue:
        return self._value(
            p.AliasOp,
            a,
            props={
                "alias_name": p.PyStrAttr(a.name),
                "asname": p.PyStrAttr(a.asname) if a.asname is not None else None,
            },
            result=p.AliasType(),
        )

    def _import(self, node: ast.Import) -> None:
        names = [self._alias(a) for a in node.names]
        self._emit(p.ImportOp, node, [names], result=None)

    def _import_from(self, node: ast.ImportFrom) -> None:
        names = [self._alias(a) for a in node.names]
        self._emit(
            p.ImportFromOp,
            node,
            [names],
            {
                "module": p.PyStrAttr(node.module) if node.module is not None else None,
                "level": p.PyIntAttr(node.level or 0),
            },
            result=None,
        )

    def _global(self, node: ast.Global | ast.Nonlocal) -> None:
        cls = p.GlobalOp if isinstance(node, ast.Global) else p.NonlocalOp
        self._emit(cls, node, props={"names": p.PyStrListAttr(tuple(node.names))}, result=None)

    def _expr_stmt(self, node: ast.Expr) -> None:
        self._emit(p.ExprStmtOp, node, [self.expr(node.value)], result=None)

    _SIMPLE: dict[type[ast.stmt], type[Operation]] = {
        ast.Pass: p.PassOp,
        ast.Break: p.BreakOp,
        ast.Continue: p.ContinueOp,
    }

    def _simple(self, node: ast.stmt) -> None:
        self._emit(self._SIMPLE[type(node)], node, result=None)

    # -- helper nodes ------------------------------------------------------

    def _arg(self, a: ast.arg, default: ast.expr | None = None) -> SSAValue:
        annotation = self.opt(a.annotation)
        default_v = self.opt(default)
        return self._value(
            p.ArgOp,
            a,
            [annotation, default_v],
            {"arg": p.PyStrAttr(a.arg)},
            result=p.ArgType(),
        )

    def arguments(self, a: ast.arguments) -> SSAValue:
        positional = [*a.posonlyargs, *a.args]
        # Python right-aligns positional defaults; we attach each to its parameter.
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults
        args = [self._arg(x, d) for x, d in zip(positional, defaults, strict=True)]
        vararg = self._arg(a.vararg) if a.vararg is not None else None
        kwonly = [self._arg(x, d) for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
        kwarg = self._arg(a.kwarg) if a.kwarg is not None else None
        return self._value(
            p.ArgumentsOp,
            None,
            [args, vararg, kwonly, kwarg],
            {"posonly": p.PyIntAttr(len(a.posonlyargs)) if a.posonlyargs else None},
            result=p.ArgumentsType(),
        )

    def keyword(self, k: ast.keyword) -> SSAValue:
        value = self.expr(k.value)
        return self._value(
            p.KeywordOp,
            k,
            [value],
            {"arg": p.PyStrAttr(k.arg) if k.arg is not None else None},
            result=p.KeywordType(),
        )

    def comprehension(self, c: ast.comprehension) -> SSAValue:
        target = self.expr(c.target)
        iter_ = self.expr(c.iter)
        ifs = self.exprs(c.ifs)
        return self._value(
            p.ComprehensionOp,
            None,
            [target, iter_, ifs],
            {"is_async": UnitAttr() if c.is_async else None},
            result=p.ComprehensionType(),
        )

    def withitem(self, w: ast.withitem) -> SSAValue:
        ctx = self.expr(w.context_expr)
        var = self.opt(w.optional_vars)
        return self._value(p.WithItemOp, None, [ctx, var], result=p.WithItemType())

    def pattern(self, node: ast.pattern) -> SSAValue:
        pt = p.PatternType()
        if isinstance(node, ast.MatchValue):
            return self._value(p.MatchValueOp, node, [self.expr(node.value)], result=pt)
        if isinstance(node, ast.MatchSingleton):
            return self._value(
                p.MatchSingletonOp, node, props={"value": p.ConstantAttr.of(node.value)}, result=pt
            )
        if isinstance(node, ast.MatchSequence):
            pats = [self.pattern(x) for x in node.patterns]
            return self._value(p.MatchSequenceOp, node, [pats], result=pt)
        if isinstance(node, ast.MatchMapping):
            keys = self.exprs(node.keys)
            pats = [self.pattern(x) for x in node.patterns]
            rest = p.PyStrAttr(node.rest) if node.rest is not None else None
            return self._value(p.MatchMappingOp, node, [keys, pats], {"rest": rest}, result=pt)
        if isinstance(node, ast.MatchClass):
            cls = self.expr(node.cls)
            pats = [self.pattern(x) for x in node.patterns]
            kwd = [self.pattern(x) for x in node.kwd_patterns]
            return self._value(
                p.MatchClassOp,
                node,
                [cls, pats, kwd],
                {"kwd_attrs": p.PyStrListAttr(tuple(node.kwd_attrs))},
                result=pt,
            )
        if isinstance(node, ast.MatchStar):
            name = p.PyStrAttr(node.name) if node.name is not None else None
            return self._value(p.MatchStarOp, node, props={"target": name}, result=pt)
        if isinstance(node, ast.MatchAs):
            sub = self.pattern(node.pattern) if node.pattern is not None else None
            name = p.PyStrAttr(node.name) if node.name is not None else None
            return self._value(p.MatchAsOp, node, [sub], {"target": name}, result=pt)
        if isinstance(node, ast.MatchOr):
            pats = [self.pattern(x) for x in node.patterns]
            return self._value(p.MatchOrOp, node, [pats], result=pt)
        raise UnsupportedNode(node)

    # -- expressions -------------------------------------------------------

    def _constant(self, node: ast.Constant) -> SSAValue:
        kind = p.PyStrAttr(node.kind) if node.kind is not None else None
        return self._value(
            p.ConstantOp, node, props={"value": p.ConstantAttr.of(node.value), "kind": kind}
        )

    def _name(self, node: ast.Name) -> SSAValue:
        value = self._value(p.NameOp, node, props={"id": p.PyStrAttr(node.id)})
        if node.id.isascii() and not node.id.startswith("_"):
            value.name_hint = node.id  # the IR then reads `%nl`, `%x_1`, ...
        return value

    def _attribute(self, node: ast.Attribute) -> SSAValue:
        value = self.expr(node.value)
        return self._value(p.AttributeOp, node, [value], {"attr": p.PyStrAttr(node.attr)})

    def _subscript(self, node: ast.Subscript) -> SSAValue:
        value = self.expr(node.value)
        index = self.expr(node.slice)
        return self._value(p.SubscriptOp, node, [value, index])

    def _slice(self, node: ast.Slice) -> SSAValue:
        return self._value(
            p.SliceOp, node, [self.opt(node.lower), self.opt(node.upper), self.opt(node.step)]
        )

    def _starred(self, node: ast.Starred) -> SSAValue:
        return self._value(p.StarredOp, node, [self.expr(node.value)])

    _DISPLAYS: dict[type[ast.expr], type[Operation]] = {
        ast.Tuple: p.TupleOp,
        ast.List: p.ListOp,
        ast.Set: p.SetOp,
    }

    def _display(self, node: ast.Tuple | ast.List | ast.Set) -> SSAValue:
        return self._value(self._DISPLAYS[type(node)], node, [self.exprs(node.elts)])

    def _dict(self, node: ast.Dict) -> SSAValue:
        keys = [self.expr(k) for k in node.keys if k is not None]
        values = self.exprs(node.values)
        holes = tuple(i for i, k in enumerate(node.keys) if k is None)
        return self._value(
            p.DictOp, node, [keys, values], {"unpack": p.IntListAttr(holes) if holes else None}
        )

    def _bool_op(self, node: ast.BoolOp) -> SSAValue:
        return self._value(
            p.BoolOpOp, node, [self.exprs(node.values)], {"op": _BOOLOP_ATTRS[type(node.op)]}
        )

    def _bin_op(self, node: ast.BinOp) -> SSAValue:
        left = self.expr(node.left)
        right = self.expr(node.right)
        return self._value(p.BinOpOp, node, [left, right], {"op": _BINOP_ATTRS[type(node.op)]})

    def _unary_op(self, node: ast.UnaryOp) -> SSAValue:
        operand = self.expr(node.operand)
        return self._value(p.UnaryOpOp, node, [operand], {"op": _UNARYOP_ATTRS[type(node.op)]})

    def _compare(self, node: ast.Compare) -> SSAValue:
        left = self.expr(node.left)
        comparators = self.exprs(node.comparators)
        ops = p.CmpOpsAttr(tuple(_CMPOPS[type(o)] for o in node.ops))
        return self._value(p.CompareOp, node, [left, comparators], {"ops": ops})

    def _if_exp(self, node: ast.IfExp) -> SSAValue:
        body = self.expr(node.body)
        test = self.expr(node.test)
        orelse = self.expr(node.orelse)
        return self._value(p.IfExpOp, node, [body, test, orelse])

    def _named_expr(self, node: ast.NamedExpr) -> SSAValue:
        target = self.expr(node.target)
        value = self.expr(node.value)
        return self._value(p.NamedExprOp, node, [target, value])

    def _lambda(self, node: ast.Lambda) -> SSAValue:
        args = self.arguments(node.args)
        body = self.expr(node.body)
        return self._value(p.LambdaOp, node, [args, body])

    def _call(self, node: ast.Call) -> SSAValue:
        func = self.expr(node.func)
        args = self.exprs(node.args)
        keywords = [self.keyword(k) for k in node.keywords]
        return self._value(p.CallOp, node, [func, args, keywords])

    def _formatted_value(self, node: ast.FormattedValue) -> SSAValue:
        value = self.expr(node.value)
        spec = self.opt(node.format_spec)
        conv = _CONVERSIONS.get(node.conversion)
        return self._value(
            p.FormattedValueOp,
            node,
            [value, spec],
            {"conversion": p.PyStrAttr(conv) if conv is not None else None},
        )

    def _joined_str(self, node: ast.JoinedStr) -> SSAValue:
        return self._value(p.JoinedStrOp, node, [self.exprs(node.values)])

    _COMPS: dict[type[ast.expr], type[Operation]] = {
        ast.ListComp: p.ListCompOp,
        ast.SetComp: p.SetCompOp,
        ast.GeneratorExp: p.GeneratorExpOp,
    }

    def _comp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> SSAValue:
        elt = self.expr(node.elt)
        gens = [self.comprehension(g) for g in node.generators]
        return self._value(self._COMPS[type(node)], node, [elt, gens])

    def _dict_comp(self, node: ast.DictComp) -> SSAValue:
        key = self.expr(node.key)
        value = self.expr(node.value)
        gens = [self.comprehension(g) for g in node.generators]
        return self._value(p.DictCompOp, node, [key, value, gens])

    def _await(self, node: ast.Await) -> SSAValue:
        return self._value(p.AwaitOp, node, [self.expr(node.value)])

    def _yield(self, node: ast.Yield) -> SSAValue:
        return self._value(p.YieldOp, node, [self.opt(node.value)])

    def _yield_from(self, node: ast.YieldFrom) -> SSAValue:
        return self._value(p.YieldFromOp, node, [self.expr(node.value)])


def module_to_py_ast(tree: ast.Module, name: str, file: str | None = None) -> p.ModuleOp:
    """The `py_ast.module` for a parsed Python module."""
    return PyAstBuilder().module(tree, name, file)


def source_to_py_ast(source: str, name: str = "__main__", file: str | None = None) -> p.ModuleOp:
    """Parse Python source text (raises SyntaxError) and convert it."""
    tree = ast.parse(source, filename=file or "<string>")
    return module_to_py_ast(tree, name, file)
