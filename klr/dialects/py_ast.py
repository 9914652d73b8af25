"""The `py_ast` dialect: Python source, lossless, with source locations.

This is the first level of the pipeline (see docs/dialects.md). It mirrors Python's
`ast` module node for node, so that any Python 3.11 program — including constructs
that NKI forbids — can be represented, printed, parsed back and unparsed to source.

Representation rules:

* A *statement* is an op without results. Statement lists are regions holding at most
  one block (an empty list may have no block at all).
* An *expression* (and every other non-statement node: `arg`, `arguments`, `keyword`,
  `alias`, `comprehension`, `withitem`, match patterns) is an op with one result. The
  IR is a linearized syntax tree: each result has exactly one use, and expression ops
  precede, in the same block, the op that uses them. Evaluation order and laziness
  (`and`, `if`-expressions, loop conditions, comprehensions, lambdas) are the
  consumer's business, exactly as for a Python AST; the tracer walks the tree.
* Expression context (load/store/del) is not stored: it follows from the position
  (assignment targets store, `del` targets delete), as in Python's own parser.
* Every node that Python gives a location carries `at LINE:COL-ENDLINE:ENDCOL`
  (Python's numbering: 1-based lines, 0-based UTF-8 byte columns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import auto
from typing import ClassVar

from xdsl.dialects.builtin import UnitAttr
from xdsl.dialects.utils.enum_attribute import EnumAttribute
from xdsl.ir import (
    Attribute,
    Data,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SpacedOpaqueSyntaxAttribute,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator, OpTrait
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum

# ---------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------


def quote_str(text: str) -> str:
    """An MLIR string literal for `text` that xDSL's lexer reads back exactly.

    xDSL prints non-ASCII characters of a StringAttr as byte escapes that its own
    lexer cannot decode, so we keep them raw and escape only what must be escaped.
    """
    out: list[str] = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):02X}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            # a lone surrogate (legal in a Python string, e.g. "\ud80a") has no UTF-8
            # form: its surrogatepass bytes, escaped, which `parse_optional_py_str` reads
            out.extend(f"\\{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def quote_bytes(data: bytes) -> str:
    """An MLIR string literal holding arbitrary bytes (non-printable ones escaped)."""
    out: list[str] = ['"']
    for b in data:
        if b == 0x22 or b == 0x5C or b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:02X}")
        else:
            out.append(chr(b))
    out.append('"')
    return "".join(out)


def parse_optional_py_str(parser: AttrParser) -> str | None:
    """Parse a string literal written by `quote_str`, if present.

    xDSL lexes a literal holding both escapes and non-ASCII characters as bytes;
    those bytes are still the UTF-8 of the string.
    """
    if (text := parser.parse_optional_str_literal()) is not None:
        return text
    if (data := parser.parse_optional_bytes_literal()) is not None:
        return data.decode("utf-8", "surrogatepass")
    return None


def parse_py_str(parser: AttrParser) -> str:
    text = parse_optional_py_str(parser)
    if text is None:
        parser.raise_error("string literal expected")
    return text


@irdl_attr_definition
class PyStrAttr(Data[str], SpacedOpaqueSyntaxAttribute):
    """A Python string (identifier, module name, ...): `"name"`."""

    name = "py_ast.str"

    def __post_init__(self) -> None:
        # One per identifier: skip Attribute's generic checks (nothing to verify).
        pass

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> str:
        return parse_py_str(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(quote_str(self.data))


@irdl_attr_definition
class PyStrListAttr(Data[tuple[str, ...]], SpacedOpaqueSyntaxAttribute):
    """A list of Python strings: `["a", "b"]`."""

    name = "py_ast.strs"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[str, ...]:
        items = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parse_py_str(parser)
        )
        return tuple(items)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string("[" + ", ".join(quote_str(s) for s in self.data) + "]")


@irdl_attr_definition
class PyIntAttr(Data[int], SpacedOpaqueSyntaxAttribute):
    """A small integer property printed bare: `2`."""

    name = "py_ast.int"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> int:
        return parser.parse_integer(allow_boolean=False)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(str(self.data))


@irdl_attr_definition
class IntListAttr(Data[tuple[int, ...]], SpacedOpaqueSyntaxAttribute):
    """A list of integers: `[0, 2]`."""

    name = "py_ast.ints"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[int, ...]:
        items = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
        )
        return tuple(items)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string("[" + ", ".join(str(i) for i in self.data) + "]")


ConstValue = None | bool | int | float | complex | str | bytes | type(Ellipsis)
"""The values a Python `Constant` node may hold."""


def _float_literal(value: float) -> str | None:
    """`repr(value)` when it is also an MLIR float literal, else None."""
    text = repr(value)
    head, _, _ = text.partition("e")
    if "." in head and head.replace(".", "").isdigit():
        return text
    return None


@irdl_attr_definition
class ConstantAttr(Data[tuple[str, ConstValue]], SpacedOpaqueSyntaxAttribute):
    """The value of a Python constant, tagged with its type so that `True != 1`.

    Printed as `none`, `true`, `false`, `ellipsis`, `42`, `1.5`, `float "1e+100"`,
    `complex "2j"`, `"text"`, `bytes "\\00ab"`.
    """

    name = "py_ast.const"

    @staticmethod
    def of(value: ConstValue) -> ConstantAttr:
        return ConstantAttr((type(value).__name__, value))

    @property
    def value(self) -> ConstValue:
        return self.data[1]

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[str, ConstValue]:
        value: ConstValue
        if (text := parse_optional_py_str(parser)) is not None:
            value = text
        elif parser.parse_optional_keyword("none"):
            value = None
        elif parser.parse_optional_keyword("true"):
            value = True
        elif parser.parse_optional_keyword("false"):
            value = False
        elif parser.parse_optional_keyword("ellipsis"):
            value = ...
        elif parser.parse_optional_keyword("float"):
            text = parser.parse_str_literal()
            try:
                value = float(text)
            except ValueError:
                parser.raise_error(f"invalid float literal {text!r}")
        elif parser.parse_optional_keyword("complex"):
            text = parser.parse_str_literal()
            try:
                value = complex(text)
            except ValueError:
                parser.raise_error(f"invalid complex literal {text!r}")
        elif parser.parse_optional_keyword("bytes"):
            # xDSL lexes an all-ASCII payload as a string literal, the rest as bytes
            if (ascii_text := parser.parse_optional_str_literal()) is not None:
                value = ascii_text.encode("ascii")
            else:
                value = parser.parse_bytes_literal()
        else:
            number = parser.parse_number()
            value = number
        return (type(value).__name__, value)

    def print_parameter(self, printer: Printer) -> None:
        value = self.value
        if value is None:
            text = "none"
        elif value is True:
            text = "true"
        elif value is False:
            text = "false"
        elif value is ...:
            text = "ellipsis"
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, float):
            literal = _float_literal(value) if math.isfinite(value) else None
            text = literal if literal is not None else f'float "{value!r}"'
        elif isinstance(value, complex):
            text = f'complex "{value!r}"'
        elif isinstance(value, str):
            text = quote_str(value)
        elif isinstance(value, bytes):
            text = "bytes " + quote_bytes(value)
        else:  # pragma: no cover - guarded by ConstantAttr.of's callers
            raise ValueError(f"not a Python constant: {value!r}")
        printer.print_string(text)


@irdl_attr_definition
class LocAttr(Data[tuple[int, int, int, int]], SpacedOpaqueSyntaxAttribute):
    """A source range in Python's numbering: `3:4-3:17`.

    Lines are 1-based, columns 0-based UTF-8 byte offsets (as in `ast`). The file is
    the one of the enclosing `py_ast.module`. A plain tuple keeps construction cheap:
    every node carries one.
    """

    name = "py_ast.loc"

    def __post_init__(self) -> None:
        # One per node: skip Attribute's generic checks (nothing to verify).
        pass

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[int, int, int, int]:
        def num() -> int:
            return parser.parse_integer(allow_boolean=False, allow_negative=False)

        line = num()
        parser.parse_punctuation(":")
        col = num()
        parser.parse_punctuation("-")
        end_line = num()
        parser.parse_punctuation(":")
        end_col = num()
        return (line, col, end_line, end_col)

    def print_parameter(self, printer: Printer) -> None:
        line, col, end_line, end_col = self.data
        printer.print_string(f"{line}:{col}-{end_line}:{end_col}")

    @property
    def line(self) -> int:
        return self.data[0]

    @property
    def col(self) -> int:
        return self.data[1]

    @property
    def end_line(self) -> int:
        return self.data[2]

    @property
    def end_col(self) -> int:
        return self.data[3]

    def as_tuple(self) -> tuple[int, int, int, int]:
        return self.data


class BinOpKind(StrEnum):
    """Python's binary operators, named after their `ast` classes."""

    ADD = auto()
    SUB = auto()
    MULT = auto()
    MATMULT = auto()
    DIV = auto()
    MOD = auto()
    POW = auto()
    LSHIFT = auto()
    RSHIFT = auto()
    BITOR = auto()
    BITXOR = auto()
    BITAND = auto()
    FLOORDIV = auto()


class UnaryOpKind(StrEnum):
    INVERT = auto()
    NOT = auto()
    UADD = auto()
    USUB = auto()


class BoolOpKind(StrEnum):
    AND = auto()
    OR = auto()


class CmpOpKind(StrEnum):
    EQ = auto()
    NOTEQ = auto()
    LT = auto()
    LTE = auto()
    GT = auto()
    GTE = auto()
    IS = auto()
    ISNOT = auto()
    IN = auto()
    NOTIN = auto()


@irdl_attr_definition
class BinOpKindAttr(EnumAttribute[BinOpKind], SpacedOpaqueSyntaxAttribute):
    name = "py_ast.binop"


@irdl_attr_definition
class UnaryOpKindAttr(EnumAttribute[UnaryOpKind], SpacedOpaqueSyntaxAttribute):
    name = "py_ast.unaryop"


@irdl_attr_definition
class BoolOpKindAttr(EnumAttribute[BoolOpKind], SpacedOpaqueSyntaxAttribute):
    name = "py_ast.boolop"


@irdl_attr_definition
class CmpOpsAttr(Data[tuple[CmpOpKind, ...]], SpacedOpaqueSyntaxAttribute):
    """The operators of a comparison chain: `[lt, lte]`."""

    name = "py_ast.cmpops"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[CmpOpKind, ...]:
        def one() -> CmpOpKind:
            word = parser.parse_identifier()
            try:
                return CmpOpKind(word)
            except ValueError:
                parser.raise_error(f"unknown comparison operator '{word}'")

        return tuple(parser.parse_comma_separated_list(parser.Delimiter.SQUARE, one))

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string("[" + ", ".join(k.value for k in self.data) + "]")


# ---------------------------------------------------------------------------
# Types of node values
# ---------------------------------------------------------------------------


@irdl_attr_definition
class ExprType(ParametrizedAttribute, TypeAttribute):
    """An expression node."""

    name = "py_ast.expr"


@irdl_attr_definition
class ArgType(ParametrizedAttribute, TypeAttribute):
    """A parameter of a function or lambda (`ast.arg`)."""

    name = "py_ast.arg"


@irdl_attr_definition
class ArgumentsType(ParametrizedAttribute, TypeAttribute):
    """A parameter list (`ast.arguments`)."""

    name = "py_ast.arguments"


@irdl_attr_definition
class KeywordType(ParametrizedAttribute, TypeAttribute):
    """A keyword argument of a call or class definition (`ast.keyword`)."""

    name = "py_ast.keyword"


@irdl_attr_definition
class AliasType(ParametrizedAttribute, TypeAttribute):
    """A name of an import statement (`ast.alias`)."""

    name = "py_ast.alias"


@irdl_attr_definition
class ComprehensionType(ParametrizedAttribute, TypeAttribute):
    """One `for ... in ... if ...` clause (`ast.comprehension`)."""

    name = "py_ast.comprehension"


@irdl_attr_definition
class WithItemType(ParametrizedAttribute, TypeAttribute):
    """One item of a `with` statement (`ast.withitem`)."""

    name = "py_ast.withitem"


@irdl_attr_definition
class PatternType(ParametrizedAttribute, TypeAttribute):
    """A `match` pattern."""

    name = "py_ast.pattern"


EXPR = ExprType()

# ---------------------------------------------------------------------------
# Shared op shapes
# ---------------------------------------------------------------------------

_SEGMENTS = (AttrSizedOperandSegments(as_property=True),)


class SingleUseResults(OpTrait):
    """The IR is a syntax tree: every node value is consumed exactly once."""

    def verify(self, op: Operation) -> None:
        for res in op.results:
            if not res.has_one_use():
                raise VerifyException(
                    f"'{op.name}' result must have exactly one use (py_ast is a syntax "
                    f"tree), found {res.uses.get_length()}"
                )


class PyAstOp(IRDLOperation):
    """Base of every py_ast op: an optional source location."""

    loc = opt_prop_def(LocAttr)
    traits = traits_def(SingleUseResults())


class ExprOp(PyAstOp):
    """An expression node: one `!py_ast.expr` result."""

    res = result_def(ExprType)


class StmtOp(PyAstOp):
    """A statement node: no results."""

    traits = traits_def(NoTerminator(), SingleUseResults())

    def verify_(self) -> None:
        for region in self.regions:
            if len(region.blocks) > 1:
                raise VerifyException(
                    f"'{self.name}' statement lists hold at most one block"
                )
            if region.blocks and region.block.args:
                raise VerifyException(f"'{self.name}' blocks take no arguments")


# ---------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------


@irdl_op_definition
class ModuleOp(IRDLOperation):
    """A Python module: `py_ast.module "pkg.mod" file "pkg/mod.py" { ... }`.

    Also used as the container of a gathered kernel (one per gathered module).
    """

    name = "py_ast.module"
    sym_name = prop_def(PyStrAttr)
    file = opt_prop_def(PyStrAttr)
    body = region_def()
    traits = traits_def(NoTerminator())
    assembly_format = "$sym_name (`file` $file^)? attr-dict-with-keyword $body"

    def __init__(self, name: str, body: Region, file: str | None = None):
        props: dict[str, Attribute] = {"sym_name": PyStrAttr(name)}
        if file is not None:
            props["file"] = PyStrAttr(file)
        super().__init__(properties=props, regions=[body])

    def verify_(self) -> None:
        if len(self.body.blocks) > 1:
            raise VerifyException("'py_ast.module' holds at most one block")


# ---------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------


@irdl_op_definition
class ConstantOp(ExprOp):
    """A literal: `%c = py_ast.constant 42 at 1:4-1:6`."""

    name = "py_ast.constant"
    value = prop_def(ConstantAttr)
    kind = opt_prop_def(PyStrAttr)
    assembly_format = "$value (`kind` $kind^)? (`at` $loc^)? attr-dict"


@irdl_op_definition
class NameOp(ExprOp):
    """A variable: `%x = py_ast.name "x" at 1:0-1:1`."""

    name = "py_ast.name"
    id = prop_def(PyStrAttr)
    assembly_format = "$id (`at` $loc^)? attr-dict"


@irdl_op_definition
class AttributeOp(ExprOp):
    """`value.attr`: `%e = py_ast.attribute %nl "exp"`."""

    name = "py_ast.attribute"
    value = operand_def(ExprType)
    attr = prop_def(PyStrAttr)
    assembly_format = "$value $attr (`at` $loc^)? attr-dict"


@irdl_op_definition
class SubscriptOp(ExprOp):
    """`value[index]`: `%e = py_ast.subscript %t[%i]`."""

    name = "py_ast.subscript"
    value = operand_def(ExprType)
    index = operand_def(ExprType)
    assembly_format = "$value `[` $index `]` (`at` $loc^)? attr-dict"


@irdl_op_definition
class SliceOp(ExprOp):
    """`lower:upper:step`, each part optional: `py_ast.slice upper %n`."""

    name = "py_ast.slice"
    lower = opt_operand_def(ExprType)
    upper = opt_operand_def(ExprType)
    step = opt_operand_def(ExprType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "(`lower` $lower^)? (`upper` $upper^)? (`step` $step^)? (`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class StarredOp(ExprOp):
    """`*value` (in calls, displays and assignment targets)."""

    name = "py_ast.starred"
    value = operand_def(ExprType)
    assembly_format = "$value (`at` $loc^)? attr-dict"


class _DisplayOp(ExprOp):
    elts = var_operand_def(ExprType)
    assembly_format = "`(` $elts `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class TupleOp(_DisplayOp):
    """`(a, b)`: `py_ast.tuple(%a, %b)`."""

    name = "py_ast.tuple"


@irdl_op_definition
class ListOp(_DisplayOp):
    """`[a, b]`: `py_ast.list(%a, %b)`."""

    name = "py_ast.list"


@irdl_op_definition
class SetOp(_DisplayOp):
    """`{a, b}`: `py_ast.set(%a, %b)`."""

    name = "py_ast.set"


@irdl_op_definition
class DictOp(ExprOp):
    """`{k: v, **d}`: `py_ast.dict (%k) : (%v, %d) unpack [1]`.

    `unpack` lists the positions in `values` that are `**` entries (no key).
    """

    name = "py_ast.dict"
    keys = var_operand_def(ExprType)
    values = var_operand_def(ExprType)
    unpack = opt_prop_def(IntListAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "`(` $keys `)` `:` `(` $values `)` (`unpack` $unpack^)? (`at` $loc^)? attr-dict"
    )

    def verify_(self) -> None:
        holes = self.unpack.data if self.unpack is not None else ()
        if len(self.keys) + len(holes) != len(self.values):
            raise VerifyException(
                "py_ast.dict needs one key per value that is not a '**' entry"
            )
        if any(i < 0 or i >= len(self.values) for i in holes) or len(set(holes)) != len(
            holes
        ):
            raise VerifyException("py_ast.dict 'unpack' positions must be distinct value indices")


@irdl_op_definition
class BoolOpOp(ExprOp):
    """`a and b and c`: `py_ast.bool_op and(%a, %b, %c)`."""

    name = "py_ast.bool_op"
    op = prop_def(BoolOpKindAttr)
    values = var_operand_def(ExprType)
    assembly_format = "$op `(` $values `)` (`at` $loc^)? attr-dict"

    def verify_(self) -> None:
        if len(self.values) < 2:
            raise VerifyException("py_ast.bool_op needs at least two operands")


@irdl_op_definition
class BinOpOp(ExprOp):
    """`a + b`: `py_ast.bin_op add %a, %b`."""

    name = "py_ast.bin_op"
    op = prop_def(BinOpKindAttr)
    left = operand_def(ExprType)
    right = operand_def(ExprType)
    assembly_format = "$op $left `,` $right (`at` $loc^)? attr-dict"


@irdl_op_definition
class UnaryOpOp(ExprOp):
    """`-a`: `py_ast.unary_op usub %a`."""

    name = "py_ast.unary_op"
    op = prop_def(UnaryOpKindAttr)
    operand = operand_def(ExprType)
    assembly_format = "$op $operand (`at` $loc^)? attr-dict"


@irdl_op_definition
class CompareOp(ExprOp):
    """`a < b <= c`: `py_ast.compare %a [lt, lte] (%b, %c)`."""

    name = "py_ast.compare"
    left = operand_def(ExprType)
    ops = prop_def(CmpOpsAttr)
    comparators = var_operand_def(ExprType)
    assembly_format = "$left $ops `(` $comparators `)` (`at` $loc^)? attr-dict"

    def verify_(self) -> None:
        if len(self.ops.data) != len(self.comparators) or not self.comparators:
            raise VerifyException(
                "py_ast.compare needs one operator per comparator, and at least one"
            )


@irdl_op_definition
class IfExpOp(ExprOp):
    """`body if test else orelse`: `py_ast.if_exp %b if %t else %e`."""

    name = "py_ast.if_exp"
    body = operand_def(ExprType)
    test = operand_def(ExprType)
    orelse = operand_def(ExprType)
    assembly_format = "$body `if` $test `else` $orelse (`at` $loc^)? attr-dict"


@irdl_op_definition
class NamedExprOp(ExprOp):
    """`target := value`: `py_ast.named_expr %t = %v`."""

    name = "py_ast.named_expr"
    target = operand_def(ExprType)
    value = operand_def(ExprType)
    assembly_format = "$target `=` $value (`at` $loc^)? attr-dict"


@irdl_op_definition
class LambdaOp(ExprOp):
    """`lambda args: body`: `py_ast.lambda %args : %body`."""

    name = "py_ast.lambda"
    args = operand_def(ArgumentsType)
    body = operand_def(ExprType)
    assembly_format = "$args `:` $body (`at` $loc^)? attr-dict"


@irdl_op_definition
class CallOp(ExprOp):
    """`f(a, *b, k=c, **d)`: `py_ast.call %f(%a, %sb) keywords(%k, %d)`."""

    name = "py_ast.call"
    func = operand_def(ExprType)
    args = var_operand_def(ExprType)
    keywords = var_operand_def(KeywordType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$func `(` $args `)` (`keywords` `(` $keywords^ `)`)? (`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class FormattedValueOp(ExprOp):
    """`{value!r:spec}` inside an f-string."""

    name = "py_ast.formatted_value"
    value = operand_def(ExprType)
    format_spec = opt_operand_def(ExprType)
    conversion = opt_prop_def(PyStrAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$value (`conversion` $conversion^)? (`spec` $format_spec^)? (`at` $loc^)? attr-dict"
    )

    def verify_(self) -> None:
        if self.conversion is not None and self.conversion.data not in ("s", "r", "a"):
            raise VerifyException("f-string conversion must be one of 's', 'r', 'a'")


@irdl_op_definition
class JoinedStrOp(ExprOp):
    """An f-string: `py_ast.joined_str(%lit, %fv)`."""

    name = "py_ast.joined_str"
    values = var_operand_def(ExprType)
    assembly_format = "`(` $values `)` (`at` $loc^)? attr-dict"


class _CompOp(ExprOp):
    elt = operand_def(ExprType)
    generators = var_operand_def(ComprehensionType)
    assembly_format = "$elt `for` `(` $generators `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class ListCompOp(_CompOp):
    """`[elt for ...]`."""

    name = "py_ast.list_comp"


@irdl_op_definition
class SetCompOp(_CompOp):
    """`{elt for ...}`."""

    name = "py_ast.set_comp"


@irdl_op_definition
class GeneratorExpOp(_CompOp):
    """`(elt for ...)`."""

    name = "py_ast.generator_exp"


@irdl_op_definition
class DictCompOp(ExprOp):
    """`{key: value for ...}`."""

    name = "py_ast.dict_comp"
    key = operand_def(ExprType)
    value = operand_def(ExprType)
    generators = var_operand_def(ComprehensionType)
    assembly_format = "$key `:` $value `for` `(` $generators `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class AwaitOp(ExprOp):
    """`await value`."""

    name = "py_ast.await"
    value = operand_def(ExprType)
    assembly_format = "$value (`at` $loc^)? attr-dict"


@irdl_op_definition
class YieldOp(ExprOp):
    """`yield` / `yield value` (an expression in Python): `py_ast.yield(%v)`."""

    name = "py_ast.yield"
    value = opt_operand_def(ExprType)
    assembly_format = "`(` ($value^)? `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class YieldFromOp(ExprOp):
    """`yield from value`."""

    name = "py_ast.yield_from"
    value = operand_def(ExprType)
    assembly_format = "$value (`at` $loc^)? attr-dict"


# ---------------------------------------------------------------------------
# Helper nodes: parameters, keywords, comprehensions, with-items, aliases
# ---------------------------------------------------------------------------


@irdl_op_definition
class ArgOp(PyAstOp):
    """A parameter with optional annotation and default: `py_ast.arg "x" : %ann = %d`.

    Python keeps defaults in `ast.arguments`; keeping them on the parameter makes the
    IR read like the source, and the mapping back is unique.
    """

    name = "py_ast.arg"
    arg = prop_def(PyStrAttr)
    annotation = opt_operand_def(ExprType)
    default = opt_operand_def(ExprType)
    res = result_def(ArgType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$arg (`:` $annotation^)? (`=` $default^)? (`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class ArgumentsOp(PyAstOp):
    """A parameter list: `py_ast.arguments(%a, %b) posonly 1 vararg %c kwonly(%d) kwarg %e`.

    `args` holds the positional parameters, the first `posonly` of which are
    positional-only.
    """

    name = "py_ast.arguments"
    args = var_operand_def(ArgType)
    posonly = prop_def(PyIntAttr, PyIntAttr(0))
    vararg = opt_operand_def(ArgType)
    kwonlyargs = var_operand_def(ArgType)
    kwarg = opt_operand_def(ArgType)
    res = result_def(ArgumentsType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "`(` $args `)` (`posonly` $posonly^)? (`vararg` $vararg^)? "
        "(`kwonly` `(` $kwonlyargs^ `)`)? (`kwarg` $kwarg^)? (`at` $loc^)? attr-dict"
    )

    def verify_(self) -> None:
        if not 0 <= self.posonly.data <= len(self.args):
            raise VerifyException("py_ast.arguments 'posonly' exceeds the parameter count")


@irdl_op_definition
class KeywordOp(PyAstOp):
    """`name=value`, or `**value` without a name: `py_ast.keyword name "k" = %v`."""

    name = "py_ast.keyword"
    arg = opt_prop_def(PyStrAttr)
    value = operand_def(ExprType)
    res = result_def(KeywordType)
    assembly_format = "(`name` $arg^ `=`)? $value (`at` $loc^)? attr-dict"


@irdl_op_definition
class AliasOp(PyAstOp):
    """A name in an import: `py_ast.alias "nki.language" as "nl"`."""

    name = "py_ast.alias"
    alias_name = prop_def(PyStrAttr)
    asname = opt_prop_def(PyStrAttr)
    res = result_def(AliasType)
    assembly_format = "$alias_name (`as` $asname^)? (`at` $loc^)? attr-dict"


@irdl_op_definition
class ComprehensionOp(PyAstOp):
    """`for target in iter if c1 if c2`: `py_ast.comprehension %t in %it if(%c1, %c2)`."""

    name = "py_ast.comprehension"
    target = operand_def(ExprType)
    iter = operand_def(ExprType)
    ifs = var_operand_def(ExprType)
    is_async = opt_prop_def(UnitAttr)
    res = result_def(ComprehensionType)
    assembly_format = (
        "(`async` $is_async^)? $target `in` $iter (`if` `(` $ifs^ `)`)? (`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class WithItemOp(PyAstOp):
    """`expr as target`: `py_ast.withitem %cm as %t`."""

    name = "py_ast.withitem"
    context_expr = operand_def(ExprType)
    optional_vars = opt_operand_def(ExprType)
    res = result_def(WithItemType)
    assembly_format = "$context_expr (`as` $optional_vars^)? (`at` $loc^)? attr-dict"


# ---------------------------------------------------------------------------
# Match patterns
# ---------------------------------------------------------------------------


class PatternOp(PyAstOp):
    res = result_def(PatternType)


@irdl_op_definition
class MatchValueOp(PatternOp):
    """`case 1:` / `case Color.RED:`."""

    name = "py_ast.match_value"
    value = operand_def(ExprType)
    assembly_format = "$value (`at` $loc^)? attr-dict"


@irdl_op_definition
class MatchSingletonOp(PatternOp):
    """`case None:` / `case True:`."""

    name = "py_ast.match_singleton"
    value = prop_def(ConstantAttr)
    assembly_format = "$value (`at` $loc^)? attr-dict"


@irdl_op_definition
class MatchSequenceOp(PatternOp):
    """`case [a, *rest]:`."""

    name = "py_ast.match_sequence"
    patterns = var_operand_def(PatternType)
    assembly_format = "`(` $patterns `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class MatchMappingOp(PatternOp):
    """`case {"k": p, **rest}:`."""

    name = "py_ast.match_mapping"
    keys = var_operand_def(ExprType)
    patterns = var_operand_def(PatternType)
    rest = opt_prop_def(PyStrAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "`(` $keys `)` `:` `(` $patterns `)` (`rest` $rest^)? (`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class MatchClassOp(PatternOp):
    """`case Point(x, y=0):`."""

    name = "py_ast.match_class"
    cls = operand_def(ExprType)
    patterns = var_operand_def(PatternType)
    kwd_attrs = prop_def(PyStrListAttr)
    kwd_patterns = var_operand_def(PatternType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$cls `(` $patterns `)` `keywords` $kwd_attrs `(` $kwd_patterns `)` "
        "(`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class MatchStarOp(PatternOp):
    """`*rest` inside a sequence pattern (`*_` has no name)."""

    name = "py_ast.match_star"
    target = opt_prop_def(PyStrAttr)
    assembly_format = "(`name` $target^)? (`at` $loc^)? attr-dict"


@irdl_op_definition
class MatchAsOp(PatternOp):
    """`case p as name:` (`py_ast.match_as(%p) as "name"`), a capture `case x:`
    (`py_ast.match_as() as "x"`), or the wildcard `case _:` (`py_ast.match_as()`)."""

    name = "py_ast.match_as"
    pattern = opt_operand_def(PatternType)
    target = opt_prop_def(PyStrAttr)
    assembly_format = "`(` ($pattern^)? `)` (`as` $target^)? (`at` $loc^)? attr-dict"


@irdl_op_definition
class MatchOrOp(PatternOp):
    """`case 1 | 2:`."""

    name = "py_ast.match_or"
    patterns = var_operand_def(PatternType)
    assembly_format = "`(` $patterns `)` (`at` $loc^)? attr-dict"


# ---------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------


class _FunctionDefOp(StmtOp):
    sym_name = prop_def(PyStrAttr)
    args = operand_def(ArgumentsType)
    decorators = var_operand_def(ExprType)
    returns = opt_operand_def(ExprType)
    body = region_def()
    irdl_options = _SEGMENTS
    assembly_format = (
        "$sym_name $args (`decorators` `(` $decorators^ `)`)? (`returns` $returns^)? "
        "(`at` $loc^)? attr-dict-with-keyword $body"
    )


@irdl_op_definition
class FunctionDefOp(_FunctionDefOp):
    """`def name(args) -> returns: body`, with decorators."""

    name = "py_ast.function_def"


@irdl_op_definition
class AsyncFunctionDefOp(_FunctionDefOp):
    """`async def ...`."""

    name = "py_ast.async_function_def"


@irdl_op_definition
class ClassDefOp(StmtOp):
    """`class Name(bases, **keywords): body`, with decorators."""

    name = "py_ast.class_def"
    sym_name = prop_def(PyStrAttr)
    bases = var_operand_def(ExprType)
    keywords = var_operand_def(KeywordType)
    decorators = var_operand_def(ExprType)
    body = region_def()
    irdl_options = _SEGMENTS
    assembly_format = (
        "$sym_name `(` $bases `)` (`keywords` `(` $keywords^ `)`)? "
        "(`decorators` `(` $decorators^ `)`)? (`at` $loc^)? attr-dict-with-keyword $body"
    )


@irdl_op_definition
class ReturnOp(StmtOp):
    """`return` / `return value`: `py_ast.return(%v)`."""

    name = "py_ast.return"
    value = opt_operand_def(ExprType)
    assembly_format = "`(` ($value^)? `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class DeleteOp(StmtOp):
    """`del a, b[0]`."""

    name = "py_ast.delete"
    targets = var_operand_def(ExprType)
    assembly_format = "`(` $targets `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class AssignOp(StmtOp):
    """`a = b = value`: `py_ast.assign(%a, %b) = %v`."""

    name = "py_ast.assign"
    targets = var_operand_def(ExprType)
    value = operand_def(ExprType)
    assembly_format = "`(` $targets `)` `=` $value (`at` $loc^)? attr-dict"


@irdl_op_definition
class AugAssignOp(StmtOp):
    """`target op= value`: `py_ast.aug_assign %t add %v`."""

    name = "py_ast.aug_assign"
    target = operand_def(ExprType)
    op = prop_def(BinOpKindAttr)
    value = operand_def(ExprType)
    assembly_format = "$target $op $value (`at` $loc^)? attr-dict"


@irdl_op_definition
class AnnAssignOp(StmtOp):
    """`target: annotation = value`; `simple` marks an unparenthesized name target."""

    name = "py_ast.ann_assign"
    target = operand_def(ExprType)
    annotation = operand_def(ExprType)
    value = opt_operand_def(ExprType)
    simple = opt_prop_def(UnitAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "(`simple` $simple^)? $target `:` $annotation (`=` $value^)? (`at` $loc^)? attr-dict"
    )


class _ForOp(StmtOp):
    target = operand_def(ExprType)
    iter = operand_def(ExprType)
    body = region_def()
    orelse = region_def()
    assembly_format = (
        "$target `in` $iter (`at` $loc^)? attr-dict-with-keyword $body `else` $orelse"
    )


@irdl_op_definition
class ForOp(_ForOp):
    """`for target in iter: body else: orelse`."""

    name = "py_ast.for"


@irdl_op_definition
class AsyncForOp(_ForOp):
    """`async for ...`."""

    name = "py_ast.async_for"


@irdl_op_definition
class WhileOp(StmtOp):
    """`while test: body else: orelse` (the test is re-evaluated: it is a tree)."""

    name = "py_ast.while"
    test = operand_def(ExprType)
    body = region_def()
    orelse = region_def()
    assembly_format = "$test (`at` $loc^)? attr-dict-with-keyword $body `else` $orelse"


@irdl_op_definition
class IfOp(StmtOp):
    """`if test: body else: orelse` (`elif` is an `if` alone in `orelse`)."""

    name = "py_ast.if"
    test = operand_def(ExprType)
    body = region_def()
    orelse = region_def()
    assembly_format = "$test (`at` $loc^)? attr-dict-with-keyword $body `else` $orelse"


class _WithOp(StmtOp):
    items = var_operand_def(WithItemType)
    body = region_def()
    assembly_format = "`(` $items `)` (`at` $loc^)? attr-dict-with-keyword $body"


@irdl_op_definition
class WithOp(_WithOp):
    """`with a as x, b: body`."""

    name = "py_ast.with"


@irdl_op_definition
class AsyncWithOp(_WithOp):
    """`async with ...`."""

    name = "py_ast.async_with"


@irdl_op_definition
class MatchOp(StmtOp):
    """`match subject:`; `cases` holds the pattern ops and `py_ast.match_case` ops."""

    name = "py_ast.match"
    subject = operand_def(ExprType)
    cases = region_def()
    assembly_format = "$subject (`at` $loc^)? attr-dict-with-keyword $cases"


@irdl_op_definition
class MatchCaseOp(StmtOp):
    """`case pattern if guard: body` (only inside `py_ast.match`)."""

    name = "py_ast.match_case"
    pattern = operand_def(PatternType)
    guard = opt_operand_def(ExprType)
    body = region_def()
    assembly_format = (
        "$pattern (`if` $guard^)? (`at` $loc^)? attr-dict-with-keyword $body"
    )


@irdl_op_definition
class RaiseOp(StmtOp):
    """`raise exc from cause`: `py_ast.raise(%e) from %c`; bare `raise` is `py_ast.raise()`."""

    name = "py_ast.raise"
    exc = opt_operand_def(ExprType)
    cause = opt_operand_def(ExprType)
    irdl_options = _SEGMENTS
    assembly_format = "`(` ($exc^)? `)` (`from` $cause^)? (`at` $loc^)? attr-dict"


class _TryOp(StmtOp):
    body = region_def()
    handlers = region_def()
    orelse = region_def()
    finalbody = region_def()
    assembly_format = (
        "(`at` $loc^)? attr-dict-with-keyword $body `except` $handlers `else` $orelse "
        "`finally` $finalbody"
    )


@irdl_op_definition
class TryOp(_TryOp):
    """`try/except/else/finally`; `handlers` holds `py_ast.except_handler` ops."""

    name = "py_ast.try"


@irdl_op_definition
class TryStarOp(_TryOp):
    """`try/except*`."""

    name = "py_ast.try_star"


@irdl_op_definition
class ExceptHandlerOp(StmtOp):
    """`except type as name: body` (only inside a try's `handlers`)."""

    name = "py_ast.except_handler"
    exc_type = opt_operand_def(ExprType)
    target = opt_prop_def(PyStrAttr)
    body = region_def()
    assembly_format = (
        "($exc_type^)? (`as` $target^)? (`at` $loc^)? attr-dict-with-keyword $body"
    )


@irdl_op_definition
class AssertOp(StmtOp):
    """`assert test, msg`."""

    name = "py_ast.assert"
    test = operand_def(ExprType)
    msg = opt_operand_def(ExprType)
    irdl_options = _SEGMENTS
    assembly_format = "$test (`,` $msg^)? (`at` $loc^)? attr-dict"


@irdl_op_definition
class ImportOp(StmtOp):
    """`import a.b as c, d`."""

    name = "py_ast.import"
    names = var_operand_def(AliasType)
    assembly_format = "`(` $names `)` (`at` $loc^)? attr-dict"


@irdl_op_definition
class ImportFromOp(StmtOp):
    """`from ..pkg import a as b`: `py_ast.import_from module "pkg" level 2 (%a)`."""

    name = "py_ast.import_from"
    module = opt_prop_def(PyStrAttr)
    level = prop_def(PyIntAttr, PyIntAttr(0))
    names = var_operand_def(AliasType)
    assembly_format = (
        "(`module` $module^)? (`level` $level^)? `(` $names `)` (`at` $loc^)? attr-dict"
    )


@irdl_op_definition
class GlobalOp(StmtOp):
    """`global a, b`."""

    name = "py_ast.global"
    names = prop_def(PyStrListAttr)
    assembly_format = "$names (`at` $loc^)? attr-dict"


@irdl_op_definition
class NonlocalOp(StmtOp):
    """`nonlocal a, b`."""

    name = "py_ast.nonlocal"
    names = prop_def(PyStrListAttr)
    assembly_format = "$names (`at` $loc^)? attr-dict"


@irdl_op_definition
class ExprStmtOp(StmtOp):
    """An expression statement (calls, docstrings)."""

    name = "py_ast.expr"
    value = operand_def(ExprType)
    assembly_format = "$value (`at` $loc^)? attr-dict"


@irdl_op_definition
class PassOp(StmtOp):
    """`pass`."""

    name = "py_ast.pass"
    assembly_format = "(`at` $loc^)? attr-dict"


@irdl_op_definition
class BreakOp(StmtOp):
    """`break`."""

    name = "py_ast.break"
    assembly_format = "(`at` $loc^)? attr-dict"


@irdl_op_definition
class ContinueOp(StmtOp):
    """`continue`."""

    name = "py_ast.continue"
    assembly_format = "(`at` $loc^)? attr-dict"


# ---------------------------------------------------------------------------
# Gathered programs
# ---------------------------------------------------------------------------


@irdl_op_definition
class ProgramOp(IRDLOperation):
    """A gathered kernel: every module it reaches, and its import table.

    `py_ast.program entry "pkg.mod" "kernel" { py_ast.module ... py_ast.binding ... }`
    """

    name = "py_ast.program"
    entry_module = prop_def(PyStrAttr)
    entry = prop_def(PyStrAttr)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "`entry` $entry_module $entry attr-dict-with-keyword $body"


class BindingKind(StrEnum):
    """What a module-level name of a gathered module refers to."""

    LIBRARY = auto()  # an external module (nki, numpy, math, ...) or a name in one
    MODULE = auto()  # a gathered module
    SYMBOL = auto()  # a function, class or constant of a gathered module
    UNRESOLVED = auto()  # not found; the tracer decides


@irdl_attr_definition
class BindingKindAttr(EnumAttribute[BindingKind], SpacedOpaqueSyntaxAttribute):
    name = "py_ast.binding_kind"


@irdl_op_definition
class BindingOp(IRDLOperation):
    """One row of the import/alias table of a gathered program.

    `py_ast.binding "kernels.add" "nl" = library "nki.language"` says that in module
    `kernels.add` the name `nl` stands for the library module `nki.language`;
    `= symbol "pkg.helpers" member "softmax"` names a gathered definition.
    """

    name = "py_ast.binding"
    module = prop_def(PyStrAttr)
    local = prop_def(PyStrAttr)
    kind = prop_def(BindingKindAttr)
    target = prop_def(PyStrAttr)
    member = opt_prop_def(PyStrAttr)
    loc = opt_prop_def(LocAttr)
    assembly_format = (
        "$module $local `=` $kind $target (`member` $member^)? (`at` $loc^)? attr-dict"
    )


PyAst = Dialect(
    "py_ast",
    [
        ModuleOp,
        ConstantOp,
        NameOp,
        AttributeOp,
        SubscriptOp,
        SliceOp,
        StarredOp,
        TupleOp,
        ListOp,
        SetOp,
        DictOp,
        BoolOpOp,
        BinOpOp,
        UnaryOpOp,
        CompareOp,
        IfExpOp,
        NamedExprOp,
        LambdaOp,
        CallOp,
        FormattedValueOp,
        JoinedStrOp,
        ListCompOp,
        SetCompOp,
        GeneratorExpOp,
        DictCompOp,
        AwaitOp,
        YieldOp,
        YieldFromOp,
        ArgOp,
        ArgumentsOp,
        KeywordOp,
        AliasOp,
        ComprehensionOp,
        WithItemOp,
        MatchValueOp,
        MatchSingletonOp,
        MatchSequenceOp,
        MatchMappingOp,
        MatchClassOp,
        MatchStarOp,
        MatchAsOp,
        MatchOrOp,
        FunctionDefOp,
        AsyncFunctionDefOp,
        ClassDefOp,
        ReturnOp,
        DeleteOp,
        AssignOp,
        AugAssignOp,
        AnnAssignOp,
        ForOp,
        AsyncForOp,
        WhileOp,
        IfOp,
        WithOp,
        AsyncWithOp,
        MatchOp,
        MatchCaseOp,
        RaiseOp,
        TryOp,
        TryStarOp,
        ExceptHandlerOp,
        AssertOp,
        ImportOp,
        ImportFromOp,
        GlobalOp,
        NonlocalOp,
        ExprStmtOp,
        PassOp,
        BreakOp,
        ContinueOp,
        ProgramOp,
        BindingOp,
    ],
    [
        PyStrAttr,
        PyStrListAttr,
        PyIntAttr,
        IntListAttr,
        ConstantAttr,
        LocAttr,
        BinOpKindAttr,
        UnaryOpKindAttr,
        BoolOpKindAttr,
        CmpOpsAttr,
        BindingKindAttr,
        ExprType,
        ArgType,
        ArgumentsType,
        KeywordType,
        AliasType,
        ComprehensionType,
        WithItemType,
        PatternType,
    ],
)
