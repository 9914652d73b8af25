"""`py_ast` IR -> Python `ast` (and source text, through `ast.unparse`).

The inverse of `klr.frontend.to_py_ast`: for any module `m`,
`ast.dump(to_python(to_py_ast(m))) == ast.dump(m)`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from xdsl.ir import Operation, Region, SSAValue

from klr.dialects import py_ast as p
from klr.frontend.to_py_ast import _BINOPS, _CMPOPS, _UNARYOPS

_BINOP_NODES = {v: k for k, v in _BINOPS.items()}
_UNARYOP_NODES = {v: k for k, v in _UNARYOPS.items()}
_CMPOP_NODES = {v: k for k, v in _CMPOPS.items()}
_BOOLOP_NODES = {p.BoolOpKind.AND: ast.And, p.BoolOpKind.OR: ast.Or}

_Ctx = ast.Load | ast.Store | ast.Del
_LOAD = ast.Load()
_STORE = ast.Store()
_DEL = ast.Del()


def _located(node: ast.AST, op: Operation) -> ast.AST:
    loc = op.properties.get("loc")
    if isinstance(loc, p.LocAttr):
        node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = (  # type: ignore[attr-defined]
            loc.as_tuple()
        )
    return node


def _s(attr: p.PyStrAttr | None) -> str | None:
    return None if attr is None else attr.data


class PythonBuilder:
    """Rebuilds Python `ast` nodes from `py_ast` ops."""

    def __init__(self) -> None:
        self._stmt: dict[type[Operation], Callable[[Operation], ast.stmt]] = {
            p.FunctionDefOp: self._function_def,  # type: ignore[dict-item]
            p.AsyncFunctionDefOp: self._function_def,  # type: ignore[dict-item]
            p.ClassDefOp: self._class_def,  # type: ignore[dict-item]
            p.ReturnOp: lambda op: ast.Return(self.opt(op.value)),  # type: ignore[attr-defined]
            p.DeleteOp: lambda op: ast.Delete(
                [self.expr(t, _DEL) for t in op.targets]  # type: ignore[attr-defined]
            ),
            p.AssignOp: lambda op: ast.Assign(
                [self.expr(t, _STORE) for t in op.targets],  # type: ignore[attr-defined]
                self.expr(op.value),  # type: ignore[attr-defined]
            ),
            p.AugAssignOp: lambda op: ast.AugAssign(
                self.expr(op.target, _STORE),  # type: ignore[attr-defined]
                _BINOP_NODES[op.op.data](),  # type: ignore[attr-defined]
                self.expr(op.value),  # type: ignore[attr-defined]
            ),
            p.AnnAssignOp: lambda op: ast.AnnAssign(
                self.expr(op.target, _STORE),  # type: ignore[attr-defined]
                self.expr(op.annotation),  # type: ignore[attr-defined]
                self.opt(op.value),  # type: ignore[attr-defined]
                int(op.simple is not None),  # type: ignore[attr-defined]
            ),
            p.ForOp: self._for,  # type: ignore[dict-item]
            p.AsyncForOp: self._for,  # type: ignore[dict-item]
            p.WhileOp: lambda op: ast.While(
                self.expr(op.test),  # type: ignore[attr-defined]
                self.body(op.body),  # type: ignore[attr-defined]
                self.body(op.orelse),  # type: ignore[attr-defined]
            ),
            p.IfOp: lambda op: ast.If(
                self.expr(op.test),  # type: ignore[attr-defined]
                self.body(op.body),  # type: ignore[attr-defined]
                self.body(op.orelse),  # type: ignore[attr-defined]
            ),
            p.WithOp: self._with,  # type: ignore[dict-item]
            p.AsyncWithOp: self._with,  # type: ignore[dict-item]
            p.MatchOp: self._match,  # type: ignore[dict-item]
            p.RaiseOp: lambda op: ast.Raise(
                self.opt(op.exc), self.opt(op.cause)  # type: ignore[attr-defined]
            ),
            p.TryOp: self._try,  # type: ignore[dict-item]
            p.TryStarOp: self._try,  # type: ignore[dict-item]
            p.AssertOp: lambda op: ast.Assert(
                self.expr(op.test), self.opt(op.msg)  # type: ignore[attr-defined]
            ),
            p.ImportOp: lambda op: ast.Import(
                [self.alias(a) for a in op.names]  # type: ignore[attr-defined]
            ),
            p.ImportFromOp: lambda op: ast.ImportFrom(
                _s(op.module),  # type: ignore[attr-defined]
                [self.alias(a) for a in op.names],  # type: ignore[attr-defined]
                op.level.data,  # type: ignore[attr-defined]
            ),
            p.GlobalOp: lambda op: ast.Global(list(op.names.data)),  # type: ignore[attr-defined]
            p.NonlocalOp: lambda op: ast.Nonlocal(list(op.names.data)),  # type: ignore[attr-defined]
            p.ExprStmtOp: lambda op: ast.Expr(self.expr(op.value)),  # type: ignore[attr-defined]
            p.PassOp: lambda op: ast.Pass(),
            p.BreakOp: lambda op: ast.Break(),
            p.ContinueOp: lambda op: ast.Continue(),
        }
        self._expr: dict[type[Operation], Callable[[Operation, _Ctx], ast.expr]] = {
            p.ConstantOp: lambda op, ctx: ast.Constant(
                op.value.value, _s(op.kind)  # type: ignore[attr-defined]
            ),
            p.NameOp: lambda op, ctx: ast.Name(op.id.data, ctx),  # type: ignore[attr-defined]
            p.AttributeOp: lambda op, ctx: ast.Attribute(
                self.expr(op.value), op.attr.data, ctx  # type: ignore[attr-defined]
            ),
            p.SubscriptOp: lambda op, ctx: ast.Subscript(
                self.expr(op.value), self.expr(op.index), ctx  # type: ignore[attr-defined]
            ),
            p.SliceOp: lambda op, ctx: ast.Slice(
                self.opt(op.lower), self.opt(op.upper), self.opt(op.step)  # type: ignore[attr-defined]
            ),
            p.StarredOp: lambda op, ctx: ast.Starred(
                self.expr(op.value, ctx), ctx  # type: ignore[attr-defined]
            ),
            p.TupleOp: lambda op, ctx: ast.Tuple(
                [self.expr(e, ctx) for e in op.elts], ctx  # type: ignore[attr-defined]
            ),
            p.ListOp: lambda op, ctx: ast.List(
                [self.expr(e, ctx) for e in op.elts], ctx  # type: ignore[attr-defined]
            ),
            p.SetOp: lambda op, ctx: ast.Set([self.expr(e) for e in op.elts]),  # type: ignore[attr-defined]
            p.DictOp: self._dict,  # type: ignore[dict-item]
            p.BoolOpOp: lambda op, ctx: ast.BoolOp(
                _BOOLOP_NODES[op.op.data](),  # type: ignore[attr-defined]
                [self.expr(v) for v in op.values],  # type: ignore[attr-defined]
            ),
            p.BinOpOp: lambda op, ctx: ast.BinOp(
                self.expr(op.left),  # type: ignore[attr-defined]
                _BINOP_NODES[op.op.data](),  # type: ignore[attr-defined]
                self.expr(op.right),  # type: ignore[attr-defined]
            ),
            p.UnaryOpOp: lambda op, ctx: ast.UnaryOp(
                _UNARYOP_NODES[op.op.data](), self.expr(op.operand)  # type: ignore[attr-defined]
            ),
            p.CompareOp: lambda op, ctx: ast.Compare(
                self.expr(op.left),  # type: ignore[attr-defined]
                [_CMPOP_NODES[k]() for k in op.ops.data],  # type: ignore[attr-defined]
                [self.expr(c) for c in op.comparators],  # type: ignore[attr-defined]
            ),
            p.IfExpOp: lambda op, ctx: ast.IfExp(
                self.expr(op.test), self.expr(op.body), self.expr(op.orelse)  # type: ignore[attr-defined]
            ),
            p.NamedExprOp: lambda op, ctx: ast.NamedExpr(
                self.expr(op.target, _STORE), self.expr(op.value)  # type: ignore[attr-defined]
            ),
            p.LambdaOp: lambda op, ctx: ast.Lambda(
                self.arguments(op.args), self.expr(op.body)  # type: ignore[attr-defined]
            ),
            p.CallOp: lambda op, ctx: ast.Call(
                self.expr(op.func),  # type: ignore[attr-defined]
                [self.expr(a) for a in op.args],  # type: ignore[attr-defined]
                [self.keyword(k) for k in op.keywords],  # type: ignore[attr-defined]
            ),
            p.FormattedValueOp: lambda op, ctx: ast.FormattedValue(
                self.expr(op.value),  # type: ignore[attr-defined]
                ord(op.conversion.data) if op.conversion is not None else -1,  # type: ignore[attr-defined]
                self.opt(op.format_spec),  # type: ignore[attr-defined]
            ),
            p.JoinedStrOp: lambda op, ctx: ast.JoinedStr(
                [self.expr(v) for v in op.values]  # type: ignore[attr-defined]
            ),
            p.ListCompOp: lambda op, ctx: ast.ListComp(
                self.expr(op.elt), self.generators(op)  # type: ignore[attr-defined]
            ),
            p.SetCompOp: lambda op, ctx: ast.SetComp(
                self.expr(op.elt), self.generators(op)  # type: ignore[attr-defined]
            ),
            p.GeneratorExpOp: lambda op, ctx: ast.GeneratorExp(
                self.expr(op.elt), self.generators(op)  # type: ignore[attr-defined]
            ),
            p.DictCompOp: lambda op, ctx: ast.DictComp(
                self.expr(op.key), self.expr(op.value), self.generators(op)  # type: ignore[attr-defined]
            ),
            p.AwaitOp: lambda op, ctx: ast.Await(self.expr(op.value)),  # type: ignore[attr-defined]
            p.YieldOp: lambda op, ctx: ast.Yield(self.opt(op.value)),  # type: ignore[attr-defined]
            p.YieldFromOp: lambda op, ctx: ast.YieldFrom(self.expr(op.value)),  # type: ignore[attr-defined]
        }

    # -- plumbing ----------------------------------------------------------

    def body(self, region: Region) -> list[ast.stmt]:
        if not region.blocks:
            return []
        return [self.stmt(op) for op in region.block.ops if not op.results]

    def stmt(self, op: Operation) -> ast.stmt:
        handler = self._stmt.get(type(op))
        if handler is None:
            raise ValueError(f"'{op.name}' is not a py_ast statement")
        return _located(handler(op), op)  # type: ignore[return-value]

    def expr(self, value: SSAValue, ctx: _Ctx = _LOAD) -> ast.expr:
        op = value.owner
        handler = self._expr.get(type(op))  # type: ignore[arg-type]
        if handler is None:
            raise ValueError(f"'{op.name}' is not a py_ast expression")  # type: ignore[union-attr]
        return _located(handler(op, ctx), op)  # type: ignore[arg-type,return-value]

    def opt(self, value: SSAValue | None) -> ast.expr | None:
        return None if value is None else self.expr(value)

    def module(self, op: p.ModuleOp) -> ast.Module:
        return ast.Module(self.body(op.body), [])

    # -- statements --------------------------------------------------------

    def _function_def(self, op: p.FunctionDefOp | p.AsyncFunctionDefOp) -> ast.stmt:
        cls = ast.FunctionDef if isinstance(op, p.FunctionDefOp) else ast.AsyncFunctionDef
        return cls(
            op.sym_name.data,
            self.arguments(op.args),
            self.body(op.body),
            [self.expr(d) for d in op.decorators],
            self.opt(op.returns),
        )

    def _class_def(self, op: p.ClassDefOp) -> ast.stmt:
        return ast.ClassDef(
            op.sym_name.data,
            [self.expr(b) for b in op.bases],
            [self.keyword(k) for k in op.keywords],
            self.body(op.body),
            [self.expr(d) for d in op.decorators],
        )

    def _for(self, op: p.ForOp | p.AsyncForOp) -> ast.stmt:
        cls = ast.For if isinstance(op, p.ForOp) else ast.AsyncFor
        return cls(
            self.expr(op.target, _STORE),
            self.expr(op.iter),
            self.body(op.body),
            self.body(op.orelse),
        )

    def _with(self, op: p.WithOp | p.AsyncWithOp) -> ast.stmt:
        cls = ast.With if isinstance(op, p.WithOp) else ast.AsyncWith
        return cls([self.withitem(i) for i in op.items], self.body(op.body))

    def _match(self, op: p.MatchOp) -> ast.stmt:
        cases: list[ast.match_case] = []
        if op.cases.blocks:
            for case in op.cases.block.ops:
                if isinstance(case, p.MatchCaseOp):
                    cases.append(
                        ast.match_case(
                            self.pattern(case.pattern), self.opt(case.guard), self.body(case.body)
                        )
                    )
        return ast.Match(self.expr(op.subject), cases)

    def _try(self, op: p.TryOp | p.TryStarOp) -> ast.stmt:
        handlers: list[ast.excepthandler] = []
        if op.handlers.blocks:
            for h in op.handlers.block.ops:
                if isinstance(h, p.ExceptHandlerOp):
                    handler = ast.ExceptHandler(
                        self.opt(h.exc_type), _s(h.target), self.body(h.body)
                    )
                    handlers.append(_located(handler, h))  # type: ignore[arg-type]
        cls = ast.Try if isinstance(op, p.TryOp) else ast.TryStar
        return cls(self.body(op.body), handlers, self.body(op.orelse), self.body(op.finalbody))

    # -- helper nodes ------------------------------------------------------

    def _arg(self, value: SSAValue) -> tuple[ast.arg, ast.expr | None]:
        op = value.owner
        assert isinstance(op, p.ArgOp)
        node = ast.arg(op.arg.data, self.opt(op.annotation))
        return _located(node, op), self.opt(op.default)  # type: ignore[return-value]

    def arguments(self, value: SSAValue) -> ast.arguments:
        op = value.owner
        assert isinstance(op, p.ArgumentsOp)
        positional = [self._arg(a) for a in op.args]
        n_posonly = op.posonly.data
        kwonly = [self._arg(a) for a in op.kwonlyargs]
        return ast.arguments(
            posonlyargs=[a for a, _ in positional[:n_posonly]],
            args=[a for a, _ in positional[n_posonly:]],
            vararg=self._arg(op.vararg)[0] if op.vararg is not None else None,
            kwonlyargs=[a for a, _ in kwonly],
            kw_defaults=[d for _, d in kwonly],
            kwarg=self._arg(op.kwarg)[0] if op.kwarg is not None else None,
            defaults=[d for _, d in positional if d is not None],
        )

    def keyword(self, value: SSAValue) -> ast.keyword:
        op = value.owner
        assert isinstance(op, p.KeywordOp)
        return _located(ast.keyword(_s(op.arg), self.expr(op.value)), op)  # type: ignore[return-value]

    def alias(self, value: SSAValue) -> ast.alias:
        op = value.owner
        assert isinstance(op, p.AliasOp)
        return _located(ast.alias(op.alias_name.data, _s(op.asname)), op)  # type: ignore[return-value]

    def withitem(self, value: SSAValue) -> ast.withitem:
        op = value.owner
        assert isinstance(op, p.WithItemOp)
        var = self.expr(op.optional_vars, _STORE) if op.optional_vars is not None else None
        return ast.withitem(self.expr(op.context_expr), var)

    def generators(self, op: Operation) -> list[ast.comprehension]:
        out: list[ast.comprehension] = []
        for value in op.generators:  # type: ignore[attr-defined]
            c = value.owner
            assert isinstance(c, p.ComprehensionOp)
            out.append(
                ast.comprehension(
                    self.expr(c.target, _STORE),
                    self.expr(c.iter),
                    [self.expr(i) for i in c.ifs],
                    int(c.is_async is not None),
                )
            )
        return out

    def _dict(self, op: p.DictOp, ctx: _Ctx) -> ast.expr:
        holes = set(op.unpack.data) if op.unpack is not None else set()
        keys_iter = iter(op.keys)
        keys: list[ast.expr | None] = [
            None if i in holes else self.expr(next(keys_iter)) for i in range(len(op.values))
        ]
        return ast.Dict(keys, [self.expr(v) for v in op.values])

    def pattern(self, value: SSAValue) -> ast.pattern:
        op = value.owner
        node: ast.pattern
        if isinstance(op, p.MatchValueOp):
            node = ast.MatchValue(self.expr(op.value))
        elif isinstance(op, p.MatchSingletonOp):
            node = ast.MatchSingleton(op.value.value)
        elif isinstance(op, p.MatchSequenceOp):
            node = ast.MatchSequence([self.pattern(x) for x in op.patterns])
        elif isinstance(op, p.MatchMappingOp):
            node = ast.MatchMapping(
                [self.expr(k) for k in op.keys],
                [self.pattern(x) for x in op.patterns],
                _s(op.rest),
            )
        elif isinstance(op, p.MatchClassOp):
            node = ast.MatchClass(
                self.expr(op.cls),
                [self.pattern(x) for x in op.patterns],
                list(op.kwd_attrs.data),
                [self.pattern(x) for x in op.kwd_patterns],
            )
        elif isinstance(op, p.MatchStarOp):
            node = ast.MatchStar(_s(op.target))
        elif isinstance(op, p.MatchAsOp):
            node = ast.MatchAs(
                self.pattern(op.pattern) if op.pattern is not None else None, _s(op.target)
            )
        elif isinstance(op, p.MatchOrOp):
            node = ast.MatchOr([self.pattern(x) for x in op.patterns])
        else:
            raise ValueError(f"'{getattr(op, 'name', op)}' is not a py_ast pattern")
        return _located(node, op)  # type: ignore[arg-type,return-value]


def to_python(op: p.ModuleOp) -> ast.Module:
    """The Python module a `py_ast.module` stands for."""
    tree = PythonBuilder().module(op)
    return ast.fix_missing_locations(tree)


def unparse(op: p.ModuleOp) -> str:
    """Python source text for a `py_ast.module`."""
    return ast.unparse(to_python(op))
