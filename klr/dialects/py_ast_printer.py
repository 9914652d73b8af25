"""Direct printers for the most frequent `py_ast` ops.

`gather` prints tens of thousands of ops; xDSL's declarative-format printer spends most
of its time interpreting the format. These functions write the same text directly (the
pytest suite checks byte equality with xDSL's printer on every corpus it round-trips).
Ops not listed here, and ops carrying discardable attributes, use the generic path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.ir import Operation, SSAValue
from xdsl.printer import Printer

from klr.dialects import py_ast as p

OpPrinter = Callable[[Printer, Operation], None]


def _loc(pr: Printer, op: Operation) -> None:
    loc = op.properties.get("loc")
    if loc is not None:
        line, col, end_line, end_col = loc.data  # type: ignore[attr-defined]
        pr.print_string(f" at {line}:{col}-{end_line}:{end_col}")


def _values(pr: Printer, values: Sequence[SSAValue]) -> None:
    first = True
    for v in values:
        if not first:
            pr.print_string(", ")
        first = False
        pr.print_ssa_value(v)


def _value(pr: Printer, text: str, value: SSAValue | None) -> None:
    """`text` then `value`; nothing at all when an optional operand is absent."""
    if value is not None:
        pr.print_string(text)
        pr.print_ssa_value(value)


def _group(pr: Printer, text: str, values: Sequence[SSAValue]) -> None:
    """`text(v1, v2, ...)`."""
    pr.print_string(text + "(")
    _values(pr, values)
    pr.print_string(")")


def _name(pr: Printer, op: p.NameOp) -> None:
    pr.print_string(" " + p.quote_str(op.id.data))
    _loc(pr, op)


def _constant(pr: Printer, op: p.ConstantOp) -> None:
    pr.print_string(" ")
    op.value.print_parameter(pr)
    if op.kind is not None:
        pr.print_string(" kind " + p.quote_str(op.kind.data))
    _loc(pr, op)


def _attribute(pr: Printer, op: p.AttributeOp) -> None:
    _value(pr, " ", op.value)
    pr.print_string(" " + p.quote_str(op.attr.data))
    _loc(pr, op)


def _subscript(pr: Printer, op: p.SubscriptOp) -> None:
    _value(pr, " ", op.value)
    _value(pr, "[", op.index)
    pr.print_string("]")
    _loc(pr, op)


def _call(pr: Printer, op: p.CallOp) -> None:
    _value(pr, " ", op.func)
    _group(pr, "", op.args)
    if op.keywords:
        _group(pr, " keywords", op.keywords)
    _loc(pr, op)


def _keyword(pr: Printer, op: p.KeywordOp) -> None:
    if op.arg is not None:
        pr.print_string(" name " + p.quote_str(op.arg.data) + " =")
    _value(pr, " ", op.value)
    _loc(pr, op)


def _display(pr: Printer, op: Operation) -> None:
    _group(pr, "", op.operands)
    _loc(pr, op)


def _bin_op(pr: Printer, op: p.BinOpOp) -> None:
    _value(pr, " " + op.op.data.value + " ", op.left)
    _value(pr, ", ", op.right)
    _loc(pr, op)


def _unary_op(pr: Printer, op: p.UnaryOpOp) -> None:
    _value(pr, " " + op.op.data.value + " ", op.operand)
    _loc(pr, op)


def _compare(pr: Printer, op: p.CompareOp) -> None:
    _value(pr, " ", op.left)
    _group(pr, " [" + ", ".join(k.value for k in op.ops.data) + "]", op.comparators)
    _loc(pr, op)


def _arg(pr: Printer, op: p.ArgOp) -> None:
    pr.print_string(" " + p.quote_str(op.arg.data))
    _value(pr, " : ", op.annotation)
    _value(pr, " = ", op.default)
    _loc(pr, op)


def _arguments(pr: Printer, op: p.ArgumentsOp) -> None:
    _group(pr, "", op.args)
    if op.posonly.data != 0:
        pr.print_string(f" posonly {op.posonly.data}")
    _value(pr, " vararg ", op.vararg)
    if op.kwonlyargs:
        _group(pr, " kwonly", op.kwonlyargs)
    _value(pr, " kwarg ", op.kwarg)
    _loc(pr, op)


def _alias(pr: Printer, op: p.AliasOp) -> None:
    pr.print_string(" " + p.quote_str(op.alias_name.data))
    if op.asname is not None:
        pr.print_string(" as " + p.quote_str(op.asname.data))
    _loc(pr, op)


def _assign(pr: Printer, op: p.AssignOp) -> None:
    _group(pr, "", op.targets)
    _value(pr, " = ", op.value)
    _loc(pr, op)


def _aug_assign(pr: Printer, op: p.AugAssignOp) -> None:
    _value(pr, " ", op.target)
    _value(pr, " " + op.op.data.value + " ", op.value)
    _loc(pr, op)


def _one_operand(pr: Printer, op: Operation) -> None:
    _value(pr, " ", op.operands[0])
    _loc(pr, op)


def _paren_operand(pr: Printer, op: Operation) -> None:
    _group(pr, "", op.operands)  # the op's one optional operand
    _loc(pr, op)


def _no_operand(pr: Printer, op: Operation) -> None:
    _loc(pr, op)


def _assert(pr: Printer, op: p.AssertOp) -> None:
    _value(pr, " ", op.test)
    _value(pr, ", ", op.msg)
    _loc(pr, op)


def _slice(pr: Printer, op: p.SliceOp) -> None:
    _value(pr, " lower ", op.lower)
    _value(pr, " upper ", op.upper)
    _value(pr, " step ", op.step)
    _loc(pr, op)


def _formatted_value(pr: Printer, op: p.FormattedValueOp) -> None:
    _value(pr, " ", op.value)
    if op.conversion is not None:
        pr.print_string(" conversion " + p.quote_str(op.conversion.data))
    _value(pr, " spec ", op.format_spec)
    _loc(pr, op)


def _bool_op(pr: Printer, op: p.BoolOpOp) -> None:
    _group(pr, " " + op.op.data.value, op.values)
    _loc(pr, op)


def _if_exp(pr: Printer, op: p.IfExpOp) -> None:
    _value(pr, " ", op.body)
    _value(pr, " if ", op.test)
    _value(pr, " else ", op.orelse)
    _loc(pr, op)


def _comprehension(pr: Printer, op: p.ComprehensionOp) -> None:
    if op.is_async is not None:
        pr.print_string(" async")
    _value(pr, " ", op.target)
    _value(pr, " in ", op.iter)
    if op.ifs:
        _group(pr, " if", op.ifs)
    _loc(pr, op)


def _comp(pr: Printer, op: Operation) -> None:
    _value(pr, " ", op.elt)  # type: ignore[attr-defined]
    _group(pr, " for", op.generators)  # type: ignore[attr-defined]
    _loc(pr, op)


def _region(pr: Printer, op: Operation, index: int = 0) -> None:
    pr.print_string(" ")
    pr.print_region(op.regions[index])


def _body_else(pr: Printer, op: Operation) -> None:
    """The `{body} else {orelse}` regions of for, while and if."""
    _region(pr, op, 0)
    pr.print_string(" else")
    _region(pr, op, 1)


def _function_def(pr: Printer, op: p.FunctionDefOp) -> None:
    _value(pr, " " + p.quote_str(op.sym_name.data) + " ", op.args)
    if op.decorators:
        _group(pr, " decorators", op.decorators)
    _value(pr, " returns ", op.returns)
    _loc(pr, op)
    _region(pr, op)


def _for(pr: Printer, op: p.ForOp) -> None:
    _value(pr, " ", op.target)
    _value(pr, " in ", op.iter)
    _loc(pr, op)
    _body_else(pr, op)


def _if_while(pr: Printer, op: Operation) -> None:
    _one_operand(pr, op)
    _body_else(pr, op)


def _with(pr: Printer, op: p.WithOp) -> None:
    _group(pr, "", op.items)
    _loc(pr, op)
    _region(pr, op)


def _withitem(pr: Printer, op: p.WithItemOp) -> None:
    _value(pr, " ", op.context_expr)
    _value(pr, " as ", op.optional_vars)
    _loc(pr, op)


def _import_from(pr: Printer, op: p.ImportFromOp) -> None:
    if op.module is not None:
        pr.print_string(" module " + p.quote_str(op.module.data))
    if op.level.data != 0:
        pr.print_string(f" level {op.level.data}")
    _group(pr, "", op.names)
    _loc(pr, op)


FAST_PRINTERS: dict[type[Operation], OpPrinter] = {
    p.NameOp: _name,  # type: ignore[dict-item]
    p.ConstantOp: _constant,  # type: ignore[dict-item]
    p.AttributeOp: _attribute,  # type: ignore[dict-item]
    p.SubscriptOp: _subscript,  # type: ignore[dict-item]
    p.CallOp: _call,  # type: ignore[dict-item]
    p.KeywordOp: _keyword,  # type: ignore[dict-item]
    p.TupleOp: _display,
    p.ListOp: _display,
    p.SetOp: _display,
    p.JoinedStrOp: _display,
    p.DeleteOp: _display,
    p.ImportOp: _display,
    p.BinOpOp: _bin_op,  # type: ignore[dict-item]
    p.UnaryOpOp: _unary_op,  # type: ignore[dict-item]
    p.CompareOp: _compare,  # type: ignore[dict-item]
    p.ArgOp: _arg,  # type: ignore[dict-item]
    p.ArgumentsOp: _arguments,  # type: ignore[dict-item]
    p.AliasOp: _alias,  # type: ignore[dict-item]
    p.AssignOp: _assign,  # type: ignore[dict-item]
    p.AugAssignOp: _aug_assign,  # type: ignore[dict-item]
    p.ExprStmtOp: _one_operand,
    p.StarredOp: _one_operand,
    p.AwaitOp: _one_operand,
    p.YieldFromOp: _one_operand,
    p.MatchValueOp: _one_operand,
    p.ReturnOp: _paren_operand,
    p.YieldOp: _paren_operand,
    p.PassOp: _no_operand,
    p.BreakOp: _no_operand,
    p.ContinueOp: _no_operand,
    p.AssertOp: _assert,  # type: ignore[dict-item]
    p.SliceOp: _slice,  # type: ignore[dict-item]
    p.FormattedValueOp: _formatted_value,  # type: ignore[dict-item]
    p.BoolOpOp: _bool_op,  # type: ignore[dict-item]
    p.IfExpOp: _if_exp,  # type: ignore[dict-item]
    p.ComprehensionOp: _comprehension,  # type: ignore[dict-item]
    p.ListCompOp: _comp,
    p.SetCompOp: _comp,
    p.GeneratorExpOp: _comp,
    p.FunctionDefOp: _function_def,  # type: ignore[dict-item]
    p.AsyncFunctionDefOp: _function_def,  # type: ignore[dict-item]
    p.ForOp: _for,  # type: ignore[dict-item]
    p.AsyncForOp: _for,  # type: ignore[dict-item]
    p.IfOp: _if_while,
    p.WhileOp: _if_while,
    p.WithOp: _with,  # type: ignore[dict-item]
    p.AsyncWithOp: _with,  # type: ignore[dict-item]
    p.WithItemOp: _withitem,  # type: ignore[dict-item]
    p.ImportFromOp: _import_from,  # type: ignore[dict-item]
}
