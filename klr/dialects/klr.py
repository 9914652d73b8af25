"""The `klr` dialect: a specialized NKI kernel — tensors in memories, views, instructions.

No Python is left at this level. A kernel is a `klr.kernel` whose block arguments are
its HBM inputs; tensors are allocated with `klr.alloc`, addressed through `klr.view`
(access patterns, affine in loop indices), and changed only by instruction ops in
destination-passing form (one op per NKI instruction: `dst` first, no results).
`klr.for` keeps `affine_range`/`sequential_range` loops rolled.

Values of type `!klr.tensor<...>` denote *storage references* (a tensor or a view of
one), not values: instructions write through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import auto

from xdsl.dialects.builtin import ArrayAttr, IndexType, StringAttr, UnitAttr
from xdsl.dialects.utils.enum_attribute import EnumAttribute
from xdsl.ir import (
    Attribute,
    Data,
    Dialect,
    Operation,
    ParametrizedAttribute,
    SpacedOpaqueSyntaxAttribute,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
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
from xdsl.traits import HasParent, IsTerminator, NoTerminator, Pure
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum

# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------


class Dtype(StrEnum):
    """NKI element types (nki.md §7.1)."""

    BOOL_ = "bool_"
    INT8 = auto()
    INT16 = auto()
    INT32 = auto()
    UINT8 = auto()
    UINT16 = auto()
    UINT32 = auto()
    FLOAT16 = auto()
    BFLOAT16 = auto()
    TFLOAT32 = auto()
    FLOAT32 = auto()
    FLOAT32R = auto()
    FLOAT8_E4M3 = auto()
    FLOAT8_E4M3FN = auto()
    FLOAT8_E5M2 = auto()
    FLOAT8_E8M0FNU = auto()
    FLOAT8_E5M2_X4 = auto()
    FLOAT8_E4M3FN_X4 = auto()
    FLOAT4_E2M1FN_X4 = auto()


DTYPE_BYTES: dict[Dtype, int] = {
    Dtype.BOOL_: 1,
    Dtype.INT8: 1,
    Dtype.INT16: 2,
    Dtype.INT32: 4,
    Dtype.UINT8: 1,
    Dtype.UINT16: 2,
    Dtype.UINT32: 4,
    Dtype.FLOAT16: 2,
    Dtype.BFLOAT16: 2,
    Dtype.TFLOAT32: 4,
    Dtype.FLOAT32: 4,
    Dtype.FLOAT32R: 4,
    Dtype.FLOAT8_E4M3: 1,
    Dtype.FLOAT8_E4M3FN: 1,
    Dtype.FLOAT8_E5M2: 1,
    Dtype.FLOAT8_E8M0FNU: 1,
    Dtype.FLOAT8_E5M2_X4: 4,
    Dtype.FLOAT8_E4M3FN_X4: 4,
    Dtype.FLOAT4_E2M1FN_X4: 2,
}

INTEGER_DTYPES = frozenset(
    {Dtype.BOOL_, Dtype.INT8, Dtype.INT16, Dtype.INT32, Dtype.UINT8, Dtype.UINT16, Dtype.UINT32}
)


class Memory(StrEnum):
    """Where a tensor lives (nki.md §3.1). `hbm` is private HBM."""

    HBM = auto()
    SHARED_HBM = auto()
    SBUF = auto()
    PSUM = auto()

    @property
    def on_chip(self) -> bool:
        return self in (Memory.SBUF, Memory.PSUM)


class AluOp(StrEnum):
    """ALU operators of `op`, `op0`, `op1`, `reduce_op` (nki.md §8.1)."""

    BYPASS = auto()
    INVERT = auto()
    BITWISE_AND = auto()
    BITWISE_OR = auto()
    BITWISE_XOR = auto()
    LEFT_SHIFT = auto()
    RIGHT_SHIFT = auto()
    ADD = auto()
    SUBTRACT = auto()
    MULTIPLY = auto()
    DIVIDE = auto()
    MAXIMUM = auto()
    MINIMUM = auto()
    EQUAL = auto()
    NOT_EQUAL = auto()
    GREATER_EQUAL = auto()
    GREATER = auto()
    LESS_EQUAL = auto()
    LESS = auto()
    LOGICAL_AND = auto()
    LOGICAL_OR = auto()
    LOGICAL_XOR = auto()
    LOGICAL_NOT = auto()
    POWER = auto()
    MOD = auto()
    ABS_MAX = auto()
    ABS_MIN = auto()
    ABS = auto()
    SQUARE = auto()
    RELU = auto()
    RSQRT = auto()
    RECIPROCAL = auto()
    AVERAGE = auto()


UNARY_ALU_OPS = frozenset(
    {AluOp.ABS, AluOp.SQUARE, AluOp.RELU, AluOp.RSQRT, AluOp.RECIPROCAL, AluOp.INVERT, AluOp.LOGICAL_NOT}
)
BITVEC_ALU_OPS = frozenset(
    {
        AluOp.INVERT,
        AluOp.BITWISE_AND,
        AluOp.BITWISE_OR,
        AluOp.BITWISE_XOR,
        AluOp.LEFT_SHIFT,
        AluOp.RIGHT_SHIFT,
    }
)
# reduction operators of tensor_scalar_reduce / tensor_scalar_cumulative (nki.md §9.3)
TENSOR_SCALAR_REDUCE_OPS = frozenset(
    {AluOp.ADD, AluOp.SUBTRACT, AluOp.MULTIPLY, AluOp.MAXIMUM, AluOp.MINIMUM}
)
# activate2's allowed (op0, op1) pairs and reduce operators (nki.md §9.2)
ACTIVATE2_STAGES = frozenset(
    {
        (AluOp.MULTIPLY, AluOp.ADD),
        (AluOp.MULTIPLY, AluOp.SUBTRACT),
        (AluOp.MULTIPLY, AluOp.BYPASS),
        (AluOp.ADD, AluOp.BYPASS),
        (AluOp.SUBTRACT, AluOp.BYPASS),
        (AluOp.BYPASS, AluOp.BYPASS),
    }
)
ACTIVATE2_REDUCE_OPS = frozenset(
    {AluOp.ADD, AluOp.MAXIMUM, AluOp.MINIMUM, AluOp.ABS_MAX, AluOp.ABS_MIN}
)


class ActFunc(StrEnum):
    """Activation functions of the Scalar engine (nki.md §8.2)."""

    COPY = auto()
    SQUARE = auto()
    SIGMOID = auto()
    RELU = auto()
    PRELU = auto()
    GELU = auto()
    GELU_DX = auto()
    GELU_APPRX_TANH = auto()
    GELU_APPRX_SIGMOID = auto()
    GELU_APPRX_SIGMOID_DX = auto()
    SILU = auto()
    SILU_DX = auto()
    TANH = auto()
    SOFTPLUS = auto()
    MISH = auto()
    ERF = auto()
    ERF_DX = auto()
    EXP = auto()
    LOG = auto()
    SIN = auto()
    ARCTAN = auto()
    SQRT = auto()
    RSQRT = auto()
    RECIPROCAL = auto()
    SIGN = auto()
    ABS = auto()


class Engine(StrEnum):
    """`nisa.engine` (nki.md §8.3)."""

    UNKNOWN = auto()
    TENSOR = auto()
    SCALAR = auto()
    GPSIMD = auto()
    DMA = auto()
    VECTOR = auto()
    SYNC = auto()


class ReduceCmd(StrEnum):
    """`nisa.reduce_cmd` (nki.md §8.3)."""

    IDLE = auto()
    RESET = auto()
    REDUCE = auto()
    RESET_REDUCE = auto()
    LOAD_REDUCE = auto()


class LoopKind(StrEnum):
    """How a `klr.for` came to be (the source iterator)."""

    AFFINE = auto()
    SEQUENTIAL = auto()
    STATIC = auto()


@irdl_attr_definition
class DtypeAttr(EnumAttribute[Dtype], SpacedOpaqueSyntaxAttribute):
    name = "klr.dtype"


@irdl_attr_definition
class MemoryAttr(EnumAttribute[Memory], SpacedOpaqueSyntaxAttribute):
    name = "klr.memory"


@irdl_attr_definition
class AluOpAttr(EnumAttribute[AluOp], SpacedOpaqueSyntaxAttribute):
    name = "klr.alu"


@irdl_attr_definition
class ActFuncAttr(EnumAttribute[ActFunc], SpacedOpaqueSyntaxAttribute):
    name = "klr.act"


@irdl_attr_definition
class EngineAttr(EnumAttribute[Engine], SpacedOpaqueSyntaxAttribute):
    name = "klr.engine"


@irdl_attr_definition
class ReduceCmdAttr(EnumAttribute[ReduceCmd], SpacedOpaqueSyntaxAttribute):
    name = "klr.reduce_cmd"


@irdl_attr_definition
class LoopKindAttr(EnumAttribute[LoopKind], SpacedOpaqueSyntaxAttribute):
    name = "klr.loop_kind"


@irdl_attr_definition
class IntsAttr(Data[tuple[int, ...]], SpacedOpaqueSyntaxAttribute):
    """A list of integers: `[128, 1]`."""

    name = "klr.ints"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[int, ...]:
        return tuple(
            parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
            )
        )

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string("[" + ", ".join(str(i) for i in self.data) + "]")


@irdl_attr_definition
class IntAttr(Data[int], SpacedOpaqueSyntaxAttribute):
    """An integer printed bare: `128`."""

    name = "klr.int"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> int:
        return parser.parse_integer(allow_boolean=False)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(str(self.data))


@irdl_attr_definition
class FloatAttr(Data[float], SpacedOpaqueSyntaxAttribute):
    """An fp32 immediate printed bare: `1.0`, `-inf`, `1e-05`."""

    name = "klr.float"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> float:
        if parser.parse_optional_keyword("inf"):
            return float("inf")
        if parser.parse_optional_keyword("nan"):
            return float("nan")
        if parser.parse_optional_punctuation("-") is not None:
            if parser.parse_optional_keyword("inf"):
                return float("-inf")
            return -float(parser.parse_number())
        return float(parser.parse_number())

    def print_parameter(self, printer: Printer) -> None:
        v = self.data
        if v != v:
            printer.print_string("nan")
        elif v in (float("inf"), float("-inf")):
            printer.print_string("inf" if v > 0 else "-inf")
        else:
            text = repr(float(v))
            if "e" in text and "." not in text.partition("e")[0]:
                mant, _, exp = text.partition("e")
                text = f"{mant}.0e{exp}"
            printer.print_string(text)


@irdl_attr_definition
class PatternAttr(Data[tuple[tuple[int, int], ...]], SpacedOpaqueSyntaxAttribute):
    """An access pattern: `[[step, num], ...]`, outermost first, in storage elements."""

    name = "klr.pattern"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[tuple[int, int], ...]:
        def pair() -> tuple[int, int]:
            items = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
            )
            if len(items) != 2:
                parser.raise_error("an access pattern entry is [step, num]")
            return (items[0], items[1])

        return tuple(parser.parse_comma_separated_list(parser.Delimiter.SQUARE, pair))

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string("[" + ", ".join(f"[{s}, {n}]" for s, n in self.data) + "]")


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@irdl_attr_definition
class TensorType(ParametrizedAttribute, TypeAttribute):
    """A tensor (or a view of one) in a memory: `!klr.tensor<128x512xbfloat16, sbuf>`.

    For SBUF and PSUM, dimension 0 is the partition dimension.
    """

    name = "klr.tensor"

    shape: IntsAttr
    dtype: DtypeAttr
    memory: MemoryAttr

    def __init__(self, shape: Sequence[int], dtype: Dtype, memory: Memory):
        super().__init__(IntsAttr(tuple(shape)), DtypeAttr(dtype), MemoryAttr(memory))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            dims = parser.parse_dimension_list()
            if dims:
                parser.parse_shape_delimiter()
            word = parser.parse_identifier()
            try:
                dtype = Dtype(word)
            except ValueError:
                parser.raise_error(f"unknown dtype '{word}'")
            parser.parse_punctuation(",")
            mem_word = parser.parse_identifier()
            try:
                memory = Memory(mem_word)
            except ValueError:
                parser.raise_error(f"unknown memory '{mem_word}'")
        return (IntsAttr(tuple(dims)), DtypeAttr(dtype), MemoryAttr(memory))

    def print_parameters(self, printer: Printer) -> None:
        dims = "x".join(str(d) for d in self.shape.data)
        printer.print_string(
            f"<{dims}{'x' if dims else ''}{self.dtype.data.value}, {self.memory.data.value}>"
        )

    def verify(self) -> None:
        if not self.shape.data:
            raise VerifyException("klr.tensor needs at least one dimension")
        if any(d <= 0 for d in self.shape.data):
            raise VerifyException(f"klr.tensor dimensions must be positive, got {list(self.shape.data)}")

    def get_shape(self) -> tuple[int, ...]:
        return self.shape.data

    @property
    def element(self) -> Dtype:
        return self.dtype.data

    @property
    def mem(self) -> Memory:
        return self.memory.data

    @property
    def partitions(self) -> int:
        return self.shape.data[0]

    @property
    def free_size(self) -> int:
        """Elements per partition (on-chip), the product of all but the first dimension."""
        n = 1
        for d in self.shape.data[1:]:
            n *= d
        return n

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape.data:
            n *= d
        return n


INDEX = IndexType()


@irdl_attr_definition
class RegType(ParametrizedAttribute, TypeAttribute):
    """A 32-bit virtual register of an engine sequencer (nki.md §5.2): `!klr.reg`."""

    name = "klr.reg"


REG = RegType()

# ---------------------------------------------------------------------------
# Structure: kernels, allocation, views, loops
# ---------------------------------------------------------------------------


@irdl_op_definition
class KernelOp(IRDLOperation):
    """A specialized kernel: `klr.kernel "name" target gen3 { ^bb0(%a: ...): ... }`.

    Entry block arguments are the kernel's tensor inputs (HBM); `klr.return` names its
    outputs. `inout` lists the arguments the kernel writes (their new contents are outputs
    too). `grid` is the SPMD launch grid this specialization was traced for, and
    `program_id` its position in it.
    """

    name = "klr.kernel"
    sym_name = prop_def(StringAttr)
    target = prop_def(StringAttr)
    grid = opt_prop_def(IntsAttr)
    program_id = opt_prop_def(IntsAttr)
    arg_names = prop_def(ArrayAttr[StringAttr])
    inout = opt_prop_def(IntsAttr)
    body = region_def("single_block")
    assembly_format = (
        "$sym_name `target` $target (`grid` $grid^)? (`program_id` $program_id^)? "
        "`args` $arg_names (`inout` $inout^)? attr-dict-with-keyword $body"
    )

    def verify_(self) -> None:
        for arg in self.body.block.args:
            if not isinstance(arg.type, TensorType) or arg.type.mem.on_chip:
                raise VerifyException("klr.kernel arguments are HBM tensors")
        if len(self.arg_names.data) != len(self.body.block.args):
            raise VerifyException("klr.kernel needs one name per argument")
        if self.inout is not None and any(
            not 0 <= i < len(self.body.block.args) for i in self.inout.data
        ):
            raise VerifyException("klr.kernel inout indices must name arguments")
        from klr.targets import get_target

        try:
            get_target(self.target.data)
        except KeyError as e:
            raise VerifyException(str(e)) from None


@irdl_op_definition
class ReturnOp(IRDLOperation):
    """The kernel's outputs: `klr.return %out : !klr.tensor<...>`."""

    name = "klr.return"
    values = var_operand_def(TensorType)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(KernelOp)))
    assembly_format = "($values^ `:` type($values))? attr-dict"

    def __init__(self, *values: SSAValue):
        super().__init__(operands=[values])


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A new tensor: `%t = klr.alloc "name" : !klr.tensor<128x512xfloat32, sbuf>`.

    `address` optionally pins an on-chip tensor: (start partition, byte offset).
    """

    name = "klr.alloc"
    tensor_name = prop_def(StringAttr)
    address = opt_prop_def(IntsAttr)
    res = result_def(TensorType)
    assembly_format = "$tensor_name (`address` $address^)? attr-dict `:` type($res)"

    def __init__(self, name: str, typ: TensorType, address: tuple[int, int] | None = None):
        props: dict[str, Attribute] = {"tensor_name": StringAttr(name)}
        if address is not None:
            props["address"] = IntsAttr(address)
        super().__init__(properties=props, result_types=[typ])

    def verify_(self) -> None:
        if self.address is not None:
            if len(self.address.data) != 2 or any(a < 0 for a in self.address.data):
                raise VerifyException("klr.alloc address is (start partition, byte offset)")
            if not self.res.type.mem.on_chip:
                raise VerifyException("only SBUF and PSUM tensors take an address")


def _index_range(index: SSAValue) -> tuple[int, int]:
    """Smallest and largest value of a `klr.for` index (verified to be one)."""
    block = getattr(index, "block", None)
    loop = block.parent_op() if block is not None else None
    if not isinstance(loop, ForOp):
        raise VerifyException("klr.view indices must be klr.for induction variables")
    if loop.trip_count == 0:
        return (loop.lower.data, loop.lower.data)
    last = loop.lower.data + (loop.trip_count - 1) * loop.step.data
    return (loop.lower.data, last)


@irdl_op_definition
class ViewOp(IRDLOperation):
    """A view of a tensor's storage through an access pattern.

    `%v = klr.view %t[%i, %j] offset 8 coeffs [512, 128] pattern [[512, 128], [1, 64]]
        : !klr.tensor<...> -> !klr.tensor<128x64xfloat32, sbuf>`

    Element `(w, x)` of the view is `storage[start + w*step_w + x*step_x]` where
    `start = offset + Σ coeffs[k] * indices[k]` (row-major flattened storage, in
    elements of the view's dtype: a result dtype other than the base's reinterprets the
    storage's bytes, per partition on chip). `base` is always an allocation or a kernel argument:
    the tracer composes views of views. Indices are `klr.for` induction variables
    (bounds verified over every iteration). `dynamic %r * [c]` adds `Σ c * %r` over
    registers (`.ap(scalar_offset=...)`, nki.md §4.2): bounds checked at run time.
    """

    name = "klr.view"
    base = operand_def(TensorType)
    indices = var_operand_def(IndexType)
    registers = var_operand_def(RegType)
    offset = prop_def(IntAttr)
    coeffs = prop_def(IntsAttr)
    reg_coeffs = opt_prop_def(IntsAttr)
    pattern = prop_def(PatternAttr)
    res = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    assembly_format = (
        "$base `[` $indices (`dynamic` $registers^ `*` $reg_coeffs)? `]` `offset` $offset "
        "`coeffs` $coeffs `pattern` $pattern attr-dict `:` type($base) `->` type($res)"
    )

    def verify_(self) -> None:
        base_t = self.base.type
        res_t = self.res.type
        assert isinstance(base_t, TensorType) and isinstance(res_t, TensorType)
        if len(self.coeffs.data) != len(self.indices):
            raise VerifyException("klr.view needs one coefficient per index")
        if tuple(n for _, n in self.pattern.data) != res_t.get_shape():
            raise VerifyException(
                f"klr.view pattern sizes {[n for _, n in self.pattern.data]} do not match "
                f"the result shape {list(res_t.get_shape())}"
            )
        if res_t.mem != base_t.mem:
            raise VerifyException("klr.view keeps the memory of its base")
        free, total = base_t.free_size, base_t.num_elements
        if res_t.element != base_t.element:  # a reinterpreting view (t.view(dtype))
            size, base_size = DTYPE_BYTES[res_t.element], DTYPE_BYTES[base_t.element]
            if base_t.mem == Memory.PSUM:
                raise VerifyException("klr.view cannot reinterpret a PSUM tensor")
            row = base_size * (free if base_t.mem.on_chip else total)
            if row % size:
                raise VerifyException(
                    f"klr.view reinterprets {base_t.element.value} as {res_t.element.value}: "
                    f"{row} bytes per {'partition' if base_t.mem.on_chip else 'tensor'} are not "
                    f"a multiple of {size}"
                )
            free, total = free * base_size // size, total * base_size // size
        if base_t.mem.on_chip:
            pstep = self.pattern.data[0][0]
            if pstep != free:
                raise VerifyException(
                    f"the partition step of an on-chip view must be the storage's free size "
                    f"{free}, got {pstep}"
                )
        if len(self.registers) != len(self.reg_coeffs.data if self.reg_coeffs else ()):
            raise VerifyException("klr.view needs one coefficient per register")
        if self.registers:
            return  # a dynamic offset: bounds are checked at run time
        lo, hi = self.element_range()
        if lo < 0 or hi >= total:
            raise VerifyException(
                f"klr.view reaches elements {lo}..{hi} of a {total}-element "
                f"tensor (checked over every iteration of the enclosing loops)"
            )

    def element_range(self) -> tuple[int, int]:
        """The lowest and highest storage element the view touches, over all iterations."""
        lo = hi = self.offset.data
        for c, index in zip(self.coeffs.data, self.indices):
            vmin, vmax = _index_range(index)
            lo += min(c * vmin, c * vmax)
            hi += max(c * vmin, c * vmax)
        for step, num in self.pattern.data:
            span = step * (num - 1)
            lo += min(0, span)
            hi += max(0, span)
        return lo, hi


@irdl_op_definition
class ForOp(IRDLOperation):
    """A loop kept rolled: `klr.for affine 0 to 8 step 1 { ^bb0(%i: index): ... }`.

    `affine` iterations are independent (up to associative accumulation); `sequential`
    ones may depend on each other.
    """

    name = "klr.for"
    kind = prop_def(LoopKindAttr)
    lower = prop_def(IntAttr)
    upper = prop_def(IntAttr)
    step = prop_def(IntAttr)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "$kind $lower `to` $upper `step` $step attr-dict-with-keyword $body"

    def verify_(self) -> None:
        args = self.body.block.args
        if len(args) != 1 or not isinstance(args[0].type, IndexType):
            raise VerifyException("klr.for has one index block argument")
        if self.step.data <= 0:
            raise VerifyException("klr.for step must be positive")

    @property
    def trip_count(self) -> int:
        lo, hi, st = self.lower.data, self.upper.data, self.step.data
        return max(0, (hi - lo + st - 1) // st)


# ---------------------------------------------------------------------------
# Instructions
# ---------------------------------------------------------------------------


def tensor_type(value: SSAValue) -> TensorType:
    t = value.type
    assert isinstance(t, TensorType)
    return t


def _KNOWN_INSTRUCTIONS() -> frozenset[str]:  # noqa: N802 - a constant computed lazily
    """Instructions some target has: those the per-target tables decide about."""
    from klr.targets import TARGETS

    return frozenset().union(*(t.features.instructions for t in TARGETS.values()))


class InstructionOp(IRDLOperation):
    """Base of the destination-passing instruction ops.

    Subclasses declare `dst` and their inputs; `verify_` runs the NKI rules shared by
    all instructions, then `check` (the op's own rules) with the kernel's target.
    """

    def kernel(self) -> KernelOp | None:
        op: Operation | None = self.parent_op()
        while op is not None and not isinstance(op, KernelOp):
            op = op.parent_op()
        return op

    def target(self):  # type: ignore[no-untyped-def]
        from klr.targets import DEFAULT_TARGET, get_target

        k = self.kernel()
        return get_target(k.target.data if k is not None else DEFAULT_TARGET)

    def tensors(self) -> list[tuple[str, TensorType]]:
        """(operand name, type) of every tensor operand."""
        out: list[tuple[str, TensorType]] = []
        for name, value in self.named_operands():
            if isinstance(value.type, TensorType):
                out.append((name, value.type))
        return out

    def named_operands(self) -> list[tuple[str, SSAValue]]:
        out: list[tuple[str, SSAValue]] = []
        op_def = type(self).get_irdl_definition()
        for name, _ in op_def.operands:
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, SSAValue):
                out.append((name, v))
            else:
                out.extend((name, x) for x in v)
        return out

    def exec_engine(self) -> Engine:
        """The engine requested for the instruction (`unknown`: the compiler picks)."""
        e = self.properties.get("engine")
        return e.data if isinstance(e, EngineAttr) else Engine.UNKNOWN

    def verify_(self) -> None:
        target = self.target()
        for name, t in self.tensors():
            if t.mem.on_chip and t.partitions > target.num_partitions:
                raise VerifyException(
                    f"{self.name}: '{name}' has {t.partitions} partitions; "
                    f"the limit is {target.num_partitions}"
                )
            if t.element.value not in target.dtypes:
                raise VerifyException(
                    f"{self.name}: dtype {t.element.value} of '{name}' is not supported on "
                    f"{target.name}"
                )
        short = self.name.removeprefix("klr.")
        if short in _KNOWN_INSTRUCTIONS() and not target.has_instruction(short):
            raise VerifyException(f"{self.name}: the instruction does not exist on {target.name}")
        engine = self.exec_engine()
        if engine != Engine.UNKNOWN and engine.value not in target.features.engines:
            raise VerifyException(f"{self.name}: {target.name} has no {engine.value} engine")
        if engine == Engine.GPSIMD:
            for name, t in self.tensors():
                if t.mem == Memory.PSUM:
                    raise VerifyException(
                        f"{self.name}: the GpSimd engine cannot access PSUM ('{name}')"
                    )
        for attr_name in ("op", "op0", "op1", "reduce_op", "cmp_op"):
            attr = self.properties.get(attr_name)
            if isinstance(attr, AluOpAttr) and attr.data.value not in target.features.alu_ops:
                raise VerifyException(
                    f"{self.name}: ALU operator '{attr.data.value}' is not available on {target.name}"
                )
            if isinstance(attr, ActFuncAttr) and (
                attr.data.value not in target.features.activation_functions
            ):
                raise VerifyException(
                    f"{self.name}: activation function '{attr.data.value}' is not available on "
                    f"{target.name}"
                )
        self.check(target)

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        """Instruction-specific rules; `target` is the kernel's `klr.targets.Target`."""


def _require_on_chip(op: InstructionOp, *names: str) -> None:
    for name in names:
        v = getattr(op, name)
        if v is None:
            continue
        t = tensor_type(v)
        if not t.mem.on_chip:
            raise VerifyException(f"{op.name}: '{name}' must be in SBUF or PSUM, not {t.mem.value}")


def _require_sbuf(op: InstructionOp, *names: str, why: str = "") -> None:
    """The named tensors must be in SBUF; `why` ends the message (e.g. " (GpSimd)")."""
    for name in names:
        if tensor_type(getattr(op, name)).mem != Memory.SBUF:
            raise VerifyException(f"{op.name}: {name} must be in SBUF{why}")


def _same_partitions_and_free(op: InstructionOp, *names: str) -> None:
    types = [(n, tensor_type(getattr(op, n))) for n in names if getattr(op, n) is not None]
    if not types:
        return
    n0, t0 = types[0]
    for n, t in types[1:]:
        if t.partitions != t0.partitions:
            raise VerifyException(
                f"{op.name}: '{n}' has {t.partitions} partitions but '{n0}' has {t0.partitions}"
            )
        if t.free_size != t0.free_size:
            raise VerifyException(
                f"{op.name}: '{n}' has {t.free_size} elements per partition but '{n0}' has "
                f"{t0.free_size}"
            )


def _vector_operand(op: InstructionOp, name: str, dst: TensorType) -> None:
    """A per-partition scalar operand: a (P, 1) tensor matching dst's partitions."""
    v = getattr(op, name)
    if v is None:
        return
    t = tensor_type(v)
    if t.partitions != dst.partitions or t.free_size != 1:
        raise VerifyException(
            f"{op.name}: '{name}' must be a ({dst.partitions}, 1) vector, got {list(t.get_shape())}"
        )


def _bitvec_needs_integers(op: InstructionOp, alu: AluOp | None, *names: str) -> None:
    """Bitvec operators work on raw bits: every operand must have an integer dtype."""
    if alu is None or alu not in BITVEC_ALU_OPS:
        return
    for name in names:
        v = getattr(op, name)
        if v is not None and tensor_type(v).element not in INTEGER_DTYPES:
            raise VerifyException(
                f"{op.name}: bitwise operator '{alu.value}' needs integer dtypes, but "
                f"'{name}' is {tensor_type(v).element.value}"
            )


def _per_partition_dst(op: InstructionOp, dst: TensorType, src: TensorType, n: int) -> None:
    """dst holds `n` elements in each of src's partitions."""
    if dst.partitions != src.partitions or dst.free_size != n:
        raise VerifyException(
            f"{op.name}: dst must be ({src.partitions}, {n}), got {list(dst.get_shape())}"
        )


def _max8_input(op: InstructionOp, name: str) -> None:
    """The Vector engine's top-8 instructions read 8 to 16384 elements per partition."""
    n = tensor_type(getattr(op, name)).free_size
    if not 8 <= n <= 16384:
        raise VerifyException(f"{op.name}: {name} needs 8 to 16384 elements per partition, has {n}")


def _not_both_psum(op: InstructionOp, a: str, b: str) -> None:
    va, vb = getattr(op, a), getattr(op, b)
    if va is None or vb is None:
        return
    if tensor_type(va).mem == Memory.PSUM and tensor_type(vb).mem == Memory.PSUM:
        raise VerifyException(f"{op.name}: '{a}' and '{b}' cannot both be in PSUM")


_SEGMENTS = (AttrSizedOperandSegments(as_property=True),)


@irdl_op_definition
class DmaCopyOp(InstructionOp):
    """`klr.dma_copy %dst, %src`: copy between any memories (nki.md §9.6).

    Shapes may differ; element counts must match. Different dtypes convert through fp32.
    """

    name = "klr.dma_copy"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    assembly_format = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        d, s = tensor_type(self.dst), tensor_type(self.src)
        if d.num_elements != s.num_elements:
            raise VerifyException(
                f"klr.dma_copy: dst has {d.num_elements} elements but src has {s.num_elements}"
            )
        for name, t in (("dst", d), ("src", s)):
            if t.mem == Memory.PSUM and not target.features.dma_can_access_psum:
                raise VerifyException(f"klr.dma_copy: DMA cannot access PSUM ('{name}')")


@irdl_op_definition
class TensorCopyOp(InstructionOp):
    """`klr.tensor_copy %dst, %src engine vector`: on-chip copy (nki.md §9.3)."""

    name = "klr.tensor_copy"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    engine = prop_def(EngineAttr, EngineAttr(Engine.UNKNOWN))
    assembly_format = "$dst `,` $src (`engine` $engine^)? attr-dict `:` type($dst) `,` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "src")
        _same_partitions_and_free(self, "dst", "src")
        if self.exec_engine() == Engine.SCALAR and not target.features.scalar_tensor_copy:
            raise VerifyException(
                f"klr.tensor_copy: the Scalar engine has no tensor_copy on {target.name}; use "
                "activation with op=copy"
            )


@irdl_op_definition
class TensorTensorOp(InstructionOp):
    """`klr.tensor_tensor add %dst, %a, %b`: `dst = op(a, b)` elementwise (nki.md §9.3)."""

    name = "klr.tensor_tensor"
    op = prop_def(AluOpAttr)
    dst = operand_def(TensorType)
    data1 = operand_def(TensorType)
    data2 = operand_def(TensorType)
    engine = prop_def(EngineAttr, EngineAttr(Engine.UNKNOWN))
    assembly_format = (
        "$op $dst `,` $data1 `,` $data2 (`engine` $engine^)? attr-dict "
        "`:` type($dst) `,` type($data1) `,` type($data2)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data1", "data2")
        _same_partitions_and_free(self, "dst", "data1", "data2")
        _not_both_psum(self, "data1", "data2")
        _bitvec_needs_integers(self, self.op.data, "dst", "data1", "data2")
        if self.op.data == AluOp.POWER:
            for name in ("dst", "data1", "data2"):
                if tensor_type(getattr(self, name)).mem == Memory.PSUM:
                    raise VerifyException(
                        f"klr.tensor_tensor: power runs on GpSimd, which cannot access PSUM "
                        f"('{name}')"
                    )
        if self.op.data in UNARY_ALU_OPS:
            raise VerifyException(f"klr.tensor_tensor: '{self.op.data.value}' is a unary operator")


@irdl_op_definition
class TensorScalarOp(InstructionOp):
    """`dst = op1(op0(data, operand0), operand1)` with per-partition or immediate operands.

    `klr.tensor_scalar %dst, %data, multiply imm 2.0 then add %bias` (nki.md §9.3).
    """

    name = "klr.tensor_scalar"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    op0 = prop_def(AluOpAttr)
    operand0 = opt_operand_def(TensorType)
    imm0 = opt_prop_def(FloatAttr)
    reverse0 = opt_prop_def(UnitAttr)
    op1 = opt_prop_def(AluOpAttr)
    operand1 = opt_operand_def(TensorType)
    imm1 = opt_prop_def(FloatAttr)
    reverse1 = opt_prop_def(UnitAttr)
    engine = prop_def(EngineAttr, EngineAttr(Engine.UNKNOWN))
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $data `,` $op0 (`reverse` $reverse0^)? ($operand0^)? (`imm` $imm0^)? "
        "(`then` $op1^ (`reverse` $reverse1^)? ($operand1^)? (`imm` $imm1^)?)? "
        "(`engine` $engine^)? attr-dict `:` type($dst) `,` type($data) "
        "(`operand0` type($operand0)^)? (`operand1` type($operand1)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "operand0", "operand1")
        _same_partitions_and_free(self, "dst", "data")
        dst = tensor_type(self.dst)
        _vector_operand(self, "operand0", dst)
        _vector_operand(self, "operand1", dst)
        _bitvec_needs_integers(self, self.op0.data, "dst", "data")
        if self.operand0 is not None and self.imm0 is not None:
            raise VerifyException("klr.tensor_scalar: operand0 is a tensor or an immediate, not both")
        if self.op0.data not in UNARY_ALU_OPS and self.operand0 is None and self.imm0 is None:
            raise VerifyException(f"klr.tensor_scalar: '{self.op0.data.value}' needs operand0")
        if self.op1 is None and (self.operand1 is not None or self.imm1 is not None):
            raise VerifyException("klr.tensor_scalar: operand1 without op1")
        if self.op1 is not None and self.op1.data not in UNARY_ALU_OPS:
            if (self.operand1 is None) == (self.imm1 is None):
                raise VerifyException("klr.tensor_scalar: op1 needs exactly one operand1")


@irdl_op_definition
class ScalarTensorTensorOp(InstructionOp):
    """`dst = op1(op0(data, operand0), operand1)`, operand1 a full tile (nki.md §9.3)."""

    name = "klr.scalar_tensor_tensor"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    op0 = prop_def(AluOpAttr)
    operand0 = opt_operand_def(TensorType)
    imm0 = opt_prop_def(FloatAttr)
    reverse0 = opt_prop_def(UnitAttr)
    op1 = prop_def(AluOpAttr)
    operand1 = operand_def(TensorType)
    reverse1 = opt_prop_def(UnitAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $data `,` $op0 (`reverse` $reverse0^)? ($operand0^)? (`imm` $imm0^)? "
        "`then` $op1 (`reverse` $reverse1^)? $operand1 attr-dict "
        "`:` type($dst) `,` type($data) (`operand0` type($operand0)^)? `,` type($operand1)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "operand0", "operand1")
        _same_partitions_and_free(self, "dst", "data", "operand1")
        _vector_operand(self, "operand0", tensor_type(self.dst))
        _not_both_psum(self, "data", "operand1")
        if (self.operand0 is None) == (self.imm0 is None):
            raise VerifyException("klr.scalar_tensor_tensor: needs exactly one operand0")


@irdl_op_definition
class ActivationOp(InstructionOp):
    """`dst = op(data * scale + bias)` on the Scalar engine, with optional accumulation.

    `klr.activation exp %dst, %data bias %b scale_imm 2.0 reduce add cmd reset_reduce into %acc`
    (nki.md §9.2). Without `scale`/`scale_imm` the scale is 1.0; without a bias, 0.
    """

    name = "klr.activation"
    op = prop_def(ActFuncAttr)
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    bias_imm = opt_prop_def(FloatAttr)
    scale = opt_operand_def(TensorType)
    scale_imm = opt_prop_def(FloatAttr)
    reduce_op = opt_prop_def(AluOpAttr)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.IDLE))
    reduce_res = opt_operand_def(TensorType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$op $dst `,` $data (`bias` $bias^)? (`bias_imm` $bias_imm^)? "
        "(`scale` $scale^)? (`scale_imm` $scale_imm^)? (`reduce` $reduce_op^)? "
        "(`cmd` $reduce_cmd^)? (`into` $reduce_res^)? attr-dict `:` type($dst) `,` type($data) "
        "(`bias` type($bias)^)? (`scale` type($scale)^)? (`into` type($reduce_res)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "bias", "scale", "reduce_res")
        _same_partitions_and_free(self, "dst", "data")
        dst = tensor_type(self.dst)
        _vector_operand(self, "bias", dst)
        _vector_operand(self, "scale", dst)
        _vector_operand(self, "reduce_res", dst)
        if self.bias is not None and self.bias_imm is not None:
            raise VerifyException("klr.activation: bias is a tensor or an immediate, not both")
        if self.scale is not None and self.scale_imm is not None:
            raise VerifyException("klr.activation: scale is a tensor or an immediate, not both")
        if self.bias_imm is not None and not target.features.scalar_activation_scalar_bias:
            raise VerifyException(
                f"klr.activation: a scalar bias needs gen3 or later (target {target.name}); "
                "use a (P, 1) bias tensor"
            )
        if self.reduce_res is not None and self.reduce_cmd.data == ReduceCmd.IDLE:
            # reading an untouched accumulator is legal, but almost always a bug
            pass


@irdl_op_definition
class TensorReduceOp(InstructionOp):
    """`klr.tensor_reduce maximum %dst, %data axes [1]`: reduce over free axes (nki.md §9.3)."""

    name = "klr.tensor_reduce"
    op = prop_def(AluOpAttr)
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    axes = prop_def(IntsAttr)
    negate = opt_prop_def(UnitAttr)
    keepdims = opt_prop_def(UnitAttr)
    assembly_format = (
        "$op $dst `,` $data `axes` $axes (`negate` $negate^)? (`keepdims` $keepdims^)? "
        "attr-dict `:` type($dst) `,` type($data)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data")
        d, s = tensor_type(self.dst), tensor_type(self.data)
        rank = len(s.get_shape())
        axes = sorted(self.axes.data)
        if not axes or axes[0] <= 0 or axes[-1] != rank - 1 or axes != list(
            range(axes[0], rank)
        ):
            raise VerifyException(
                f"klr.tensor_reduce: axes {list(self.axes.data)} must be the last free "
                f"dimensions of a rank-{rank} tensor (never the partition axis 0)"
            )
        if d.partitions != s.partitions:
            raise VerifyException("klr.tensor_reduce: dst and data partitions differ")
        kept = 1
        for i, n in enumerate(s.get_shape()[1:], start=1):
            if i not in axes:
                kept *= n
        if d.free_size != kept:
            raise VerifyException(
                f"klr.tensor_reduce: dst has {d.free_size} elements per partition, the "
                f"reduction leaves {kept}"
            )


@irdl_op_definition
class NcMatmulOp(InstructionOp):
    """`dst[M, N] (+)= stationary[K, M].T @ moving[K, N]` on the Tensor engine (nki.md §9.1).

    `accumulate` absent: decided by the compiler (first write to the PSUM location in
    the kernel overwrites, later ones accumulate).
    """

    name = "klr.nc_matmul"
    dst = operand_def(TensorType)
    stationary = operand_def(TensorType)
    moving = operand_def(TensorType)
    accumulate = opt_prop_def(IntAttr)
    is_transpose = opt_prop_def(UnitAttr)
    assembly_format = (
        "$dst `,` $stationary `,` $moving (`accumulate` $accumulate^)? "
        "(`transpose` $is_transpose^)? attr-dict `:` type($dst) `,` type($stationary) `,` "
        "type($moving)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        d, st, mv = tensor_type(self.dst), tensor_type(self.stationary), tensor_type(self.moving)
        if d.mem != Memory.PSUM:
            raise VerifyException("klr.nc_matmul: dst must be in PSUM")
        _require_sbuf(self, "stationary", "moving")
        if st.partitions != mv.partitions:
            raise VerifyException(
                f"klr.nc_matmul: contraction (partition) sizes differ: stationary "
                f"{st.partitions}, moving {mv.partitions}"
            )
        kmax, mmax = target.matmul_stationary_max
        if st.partitions > kmax or st.free_size > mmax:
            raise VerifyException(
                f"klr.nc_matmul: stationary is {st.partitions}x{st.free_size}; the limit is "
                f"{kmax}x{mmax}"
            )
        if d.partitions != st.free_size or d.free_size != mv.free_size:
            raise VerifyException(
                f"klr.nc_matmul: dst must be {st.free_size}x{mv.free_size} "
                f"(stationary free x moving free), got {d.partitions}x{d.free_size}"
            )
        if not self.is_transpose:
            if d.element.value not in target.matmul_psum_dtypes:
                raise VerifyException(
                    f"klr.nc_matmul: dst dtype {d.element.value} is not a PSUM matmul output on "
                    f"{target.name} (allowed: {', '.join(sorted(target.matmul_psum_dtypes))})"
                )
            psum_bytes = d.free_size * DTYPE_BYTES[d.element]
            limit = target.psum_bank_bytes * target.features.matmul_psum_banks
            if psum_bytes > limit:
                raise VerifyException(
                    f"klr.nc_matmul: the result needs {psum_bytes} bytes per partition; one "
                    f"matmul writes at most {limit} on {target.name} "
                    f"({target.features.matmul_psum_banks} PSUM bank(s))"
                )
            fmax = target.moving_fmax(d.element.value)
            if mv.free_size > fmax:
                raise VerifyException(
                    f"klr.nc_matmul: moving free size {mv.free_size} exceeds {fmax} on "
                    f"{target.name}"
                )
        for name, t in (("stationary", st), ("moving", mv)):
            if t.element.value not in target.matmul_input_dtypes:
                raise VerifyException(
                    f"klr.nc_matmul: {name} dtype {t.element.value} is not a matmul input on "
                    f"{target.name}"
                )


@irdl_op_definition
class NcTransposeOp(InstructionOp):
    """`dst[f, p] = data[p, f]` on the Tensor or Vector engine (nki.md §9.1)."""

    name = "klr.nc_transpose"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    engine = prop_def(EngineAttr, EngineAttr(Engine.UNKNOWN))
    assembly_format = (
        "$dst `,` $data (`engine` $engine^)? attr-dict `:` type($dst) `,` type($data)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        d, s = tensor_type(self.dst), tensor_type(self.data)
        if d.partitions != s.free_size or d.free_size != s.partitions:
            raise VerifyException(
                f"klr.nc_transpose: dst must be {s.free_size}x{s.partitions}, got "
                f"{d.partitions}x{d.free_size}"
            )
        if d.element != s.element:
            raise VerifyException("klr.nc_transpose: dst and data dtypes must match")
        engine = self.exec_engine()
        if engine == Engine.VECTOR:
            pmax, fmax = target.vector_transpose_max
            if s.partitions > pmax or s.free_size > fmax:
                raise VerifyException(
                    f"klr.nc_transpose: the Vector engine transposes at most {pmax}x{fmax}"
                )
        elif engine == Engine.TENSOR:
            if d.mem != Memory.PSUM or s.mem != Memory.SBUF:
                raise VerifyException(
                    "klr.nc_transpose: on the Tensor engine data is in SBUF and dst in PSUM"
                )


@irdl_op_definition
class MemsetOp(InstructionOp):
    """`klr.memset %dst, 0.0`: fill with a constant (nki.md §9.3)."""

    name = "klr.memset"
    dst = operand_def(TensorType)
    value = prop_def(FloatAttr)
    engine = prop_def(EngineAttr, EngineAttr(Engine.UNKNOWN))
    assembly_format = "$dst `,` $value (`engine` $engine^)? attr-dict `:` type($dst)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst")


@irdl_op_definition
class ReciprocalOp(InstructionOp):
    """`dst = 1 / data` on the Vector engine (nki.md §9.3)."""

    name = "klr.reciprocal"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    assembly_format = "$dst `,` $data attr-dict `:` type($dst) `,` type($data)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data")
        _same_partitions_and_free(self, "dst", "data")


@irdl_op_definition
class BnStatsOp(InstructionOp):
    """Per-partition (count, mean, var*count) of even and odd elements (nki.md §9.3)."""

    name = "klr.bn_stats"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    assembly_format = "$dst `,` $data attr-dict `:` type($dst) `,` type($data)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data")
        d, s = tensor_type(self.dst), tensor_type(self.data)
        if s.free_size > target.bn_stats_fmax:
            raise VerifyException(
                f"klr.bn_stats: {s.free_size} elements per partition exceed "
                f"bn_stats_fmax={target.bn_stats_fmax}"
            )
        _per_partition_dst(self, d, s, 6)


@irdl_op_definition
class BnAggrOp(InstructionOp):
    """Combine bn_stats triples into (mean, variance) per partition (nki.md §9.3)."""

    name = "klr.bn_aggr"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    assembly_format = "$dst `,` $data attr-dict `:` type($dst) `,` type($data)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data")
        d, s = tensor_type(self.dst), tensor_type(self.data)
        if s.free_size % 3 != 0:
            raise VerifyException(
                f"klr.bn_aggr: data holds (count, mean, var*count) triples; {s.free_size} "
                "elements per partition is not a multiple of 3"
            )
        _per_partition_dst(self, d, s, 2)


COMPARISON_ALU_OPS = frozenset(
    {AluOp.EQUAL, AluOp.NOT_EQUAL, AluOp.GREATER_EQUAL, AluOp.GREATER, AluOp.LESS_EQUAL, AluOp.LESS}
)


def _pattern_fits(op: InstructionOp, pattern: PatternAttr, dst: TensorType) -> None:
    if not 1 <= len(pattern.data) <= 4:
        raise VerifyException(f"{op.name}: a pattern has 1 to 4 [step, num] pairs")
    count = 1
    for _, n in pattern.data:
        count *= n
    if count != dst.free_size:
        raise VerifyException(
            f"{op.name}: the pattern covers {count} elements per partition, dst has {dst.free_size}"
        )


@irdl_op_definition
class IotaOp(InstructionOp):
    """`dst[c, w, ..., x] = offset + c*channel_multiplier + Σ step*index` (GpSimd, nki.md §9.4).

    `klr.iota %dst pattern [[1, 64]] offset 0 channel_multiplier 1`
    """

    name = "klr.iota"
    dst = operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    offset = prop_def(IntAttr)
    channel_multiplier = prop_def(IntAttr)
    assembly_format = (
        "$dst `pattern` $pattern `offset` $offset `channel_multiplier` $channel_multiplier "
        "attr-dict `:` type($dst)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst")
        _pattern_fits(self, self.pattern, tensor_type(self.dst))


@irdl_op_definition
class AffineSelectOp(InstructionOp):
    """`dst = on_true if cmp_op(affine value, 0) else on_false_value` (GpSimd, nki.md §9.4).

    The affine value is iota's: `offset + c*channel_multiplier + Σ step*index`.
    """

    name = "klr.affine_select"
    dst = operand_def(TensorType)
    on_true = operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    offset = prop_def(IntAttr)
    channel_multiplier = prop_def(IntAttr)
    cmp_op = prop_def(AluOpAttr)
    on_false_value = prop_def(FloatAttr)
    assembly_format = (
        "$cmp_op $dst `,` $on_true `else` $on_false_value `pattern` $pattern `offset` $offset "
        "`channel_multiplier` $channel_multiplier attr-dict `:` type($dst) `,` type($on_true)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "on_true")
        _same_partitions_and_free(self, "dst", "on_true")
        _pattern_fits(self, self.pattern, tensor_type(self.dst))
        if self.cmp_op.data not in COMPARISON_ALU_OPS:
            raise VerifyException(
                f"klr.affine_select: cmp_op must be a comparison, got '{self.cmp_op.data.value}'"
            )


@irdl_op_definition
class TensorPartitionReduceOp(InstructionOp):
    """`dst[0, ...] = op over p of data[p, ...]`: reduce across partitions (GpSimd, nki.md §9.4)."""

    name = "klr.tensor_partition_reduce"
    op = prop_def(AluOpAttr)
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    assembly_format = "$op $dst `,` $data attr-dict `:` type($dst) `,` type($data)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "data", why=" (GpSimd cannot access PSUM)")
        d, s = tensor_type(self.dst), tensor_type(self.data)
        if d.partitions != 1 or d.free_size != s.free_size:
            raise VerifyException(
                f"klr.tensor_partition_reduce: dst must be (1, {s.free_size}) elements, got "
                f"{list(d.get_shape())}"
            )
        allowed = {AluOp.ADD, AluOp.AVERAGE, AluOp.MAXIMUM, AluOp.BITWISE_OR, AluOp.BITWISE_AND}
        if self.op.data not in allowed:
            raise VerifyException(
                f"klr.tensor_partition_reduce: op must be one of add, average, maximum, "
                f"bitwise_or, bitwise_and; got '{self.op.data.value}'"
            )


@irdl_op_definition
class TensorCopyPredicatedOp(InstructionOp):
    """`dst[i] = src[i] if (predicate[i] != 0) xor reverse else dst[i]` (Vector, nki.md §9.3)."""

    name = "klr.tensor_copy_predicated"
    dst = operand_def(TensorType)
    src = opt_operand_def(TensorType)
    src_imm = opt_prop_def(FloatAttr)
    predicate = operand_def(TensorType)
    reverse_pred = opt_prop_def(UnitAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` ($src^)? (`imm` $src_imm^)? `if` $predicate (`reversed` $reverse_pred^)? "
        "attr-dict `:` type($dst) (`src` type($src)^)? `,` type($predicate)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "src", "predicate")
        _same_partitions_and_free(self, "dst", "src", "predicate")
        _not_both_psum(self, "src", "predicate")
        if (self.src is None) == (self.src_imm is None):
            raise VerifyException("klr.tensor_copy_predicated: src is a tensor or an immediate")
        if self.src is not None and tensor_type(self.src).element != tensor_type(self.dst).element:
            raise VerifyException("klr.tensor_copy_predicated: src and dst dtypes must match")
        if tensor_type(self.predicate).element not in (Dtype.UINT8, Dtype.UINT16, Dtype.UINT32):
            raise VerifyException("klr.tensor_copy_predicated: the predicate must be uint8/16/32")


@irdl_op_definition
class TensorTensorScanOp(InstructionOp):
    """`r[i] = op1(op0(data0[i], r[i-1]), data1[i])`, `r[-1] = initial` per partition (nki.md §9.3)."""

    name = "klr.tensor_tensor_scan"
    dst = operand_def(TensorType)
    data0 = operand_def(TensorType)
    data1 = operand_def(TensorType)
    initial = opt_operand_def(TensorType)
    initial_imm = opt_prop_def(FloatAttr)
    op0 = prop_def(AluOpAttr)
    op1 = prop_def(AluOpAttr)
    reverse0 = opt_prop_def(UnitAttr)
    reverse1 = opt_prop_def(UnitAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $data0 `,` $data1 `initial` ($initial^)? (`imm` $initial_imm^)? "
        "`ops` $op0 (`reverse` $reverse0^)? `then` $op1 (`reverse` $reverse1^)? attr-dict "
        "`:` type($dst) `,` type($data0) `,` type($data1) (`initial` type($initial)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data0", "data1", "initial")
        _same_partitions_and_free(self, "dst", "data0", "data1")
        _not_both_psum(self, "data0", "data1")
        _vector_operand(self, "initial", tensor_type(self.dst))
        if (self.initial is None) == (self.initial_imm is None):
            raise VerifyException("klr.tensor_tensor_scan: initial is a tensor or an immediate")


@irdl_op_definition
class TensorScalarReduceOp(InstructionOp):
    """`dst = op0(data, operand0)`, folded with `reduce_op` into the Vector accumulators.

    `klr.tensor_scalar_reduce %dst, %data, multiply imm 2.0 reduce add cmd reset_reduce
    into %r` (nki.md §9.3): `reset_reduce` starts from the operator's identity, `reduce`
    continues, `load_reduce` starts from `init`; `into r` reads the accumulator
    (`negated`: its negation, the accumulator unchanged).
    """

    name = "klr.tensor_scalar_reduce"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    operand0 = opt_operand_def(TensorType)
    imm0 = opt_prop_def(FloatAttr)
    op0 = prop_def(AluOpAttr)
    reduce_op = prop_def(AluOpAttr)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.RESET_REDUCE))
    reduce_init = opt_prop_def(FloatAttr)
    reduce_res = opt_operand_def(TensorType)
    reduce_res_negate = opt_prop_def(UnitAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $data `,` $op0 ($operand0^)? (`imm` $imm0^)? `reduce` $reduce_op "
        "(`cmd` $reduce_cmd^)? (`init` $reduce_init^)? (`into` $reduce_res^)? "
        "(`negated` $reduce_res_negate^)? attr-dict `:` type($dst) `,` type($data) "
        "(`operand` type($operand0)^)? (`into` type($reduce_res)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "operand0", "reduce_res")
        _same_partitions_and_free(self, "dst", "data")
        dst = tensor_type(self.dst)
        _vector_operand(self, "operand0", dst)
        _vector_operand(self, "reduce_res", dst)
        if (self.operand0 is None) == (self.imm0 is None) and self.op0.data not in UNARY_ALU_OPS:
            raise VerifyException(f"{self.name}: operand0 is a (P, 1) tensor or an immediate")
        if self.reduce_op.data not in TENSOR_SCALAR_REDUCE_OPS:
            raise VerifyException(
                f"{self.name}: reduce_op must be add, subtract, multiply, maximum or minimum, "
                f"not '{self.reduce_op.data.value}'"
            )
        if self.op0.data in BITVEC_ALU_OPS:
            raise VerifyException(f"{self.name}: op0 must be an arithmetic operator")


@irdl_op_definition
class TensorScalarCumulativeOp(InstructionOp):
    """A running scan along the free elements with the Vector accumulator (nki.md §9.3).

    `klr.tensor_scalar_cumulative %dst, %src, add imm 0.0 then add cmd reset_reduce`:
    per partition `reg = op1(op0(src[i], imm0), reg)`, `dst[i] = reg`; `reg` starts at
    op1's identity (`reset_reduce`), continues (`reduce`) or is `imm1` (`load_reduce`).
    """

    name = "klr.tensor_scalar_cumulative"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    operand0 = opt_operand_def(TensorType)
    imm0 = opt_prop_def(FloatAttr)
    operand1 = opt_operand_def(TensorType)
    imm1 = opt_prop_def(FloatAttr)
    op0 = prop_def(AluOpAttr)
    op1 = prop_def(AluOpAttr)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.RESET_REDUCE))
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $src `,` $op0 ($operand0^)? (`imm` $imm0^)? `then` $op1 "
        "(`init` $operand1^)? (`init_imm` $imm1^)? (`cmd` $reduce_cmd^)? attr-dict "
        "`:` type($dst) `,` type($src) (`operand` type($operand0)^)? (`init` type($operand1)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "src", "operand0", "operand1")
        _same_partitions_and_free(self, "dst", "src")
        dst = tensor_type(self.dst)
        _vector_operand(self, "operand0", dst)
        _vector_operand(self, "operand1", dst)
        if (self.operand0 is None) == (self.imm0 is None):
            raise VerifyException(f"{self.name}: imm0 is a (P, 1) tensor or an immediate")
        if self.operand1 is not None and self.imm1 is not None:
            raise VerifyException(f"{self.name}: imm1 is a (P, 1) tensor or an immediate")
        if self.reduce_cmd.data == ReduceCmd.LOAD_REDUCE and (
            self.operand1 is None and self.imm1 is None
        ):
            raise VerifyException(f"{self.name}: load_reduce starts from imm1, which is missing")
        if self.op1.data not in TENSOR_SCALAR_REDUCE_OPS:
            raise VerifyException(
                f"{self.name}: op1 must be add, subtract, multiply, maximum or minimum, "
                f"not '{self.op1.data.value}'"
            )
        if self.op0.data in BITVEC_ALU_OPS:
            raise VerifyException(f"{self.name}: op0 must be an arithmetic operator")
        for name in ("dst", "src"):
            if tensor_type(getattr(self, name)).element in (Dtype.INT32, Dtype.UINT32):
                raise VerifyException(f"{self.name}: '{name}' cannot be int32/uint32 (nki.md §9.3)")


@irdl_op_definition
class ExponentialOp(InstructionOp):
    """`dst = exp(src - max_value)`, optionally summed into the Vector accumulator (v4).

    `klr.exponential %dst, %src max %m cmd reset_reduce into %r` (nki.md §9.3): the
    accumulator starts at 0 (`reset_reduce`), continues (`reduce`) or starts at `init`
    (`load_reduce`), and adds every element of the result.
    """

    name = "klr.exponential"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    max_value = opt_operand_def(TensorType)
    max_imm = opt_prop_def(FloatAttr)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.IDLE))
    reduce_init = opt_prop_def(FloatAttr)
    reduce_res = opt_operand_def(TensorType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $src (`max` $max_value^)? (`max_imm` $max_imm^)? (`cmd` $reduce_cmd^)? "
        "(`init` $reduce_init^)? (`into` $reduce_res^)? attr-dict `:` type($dst) `,` "
        "type($src) (`max` type($max_value)^)? (`into` type($reduce_res)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "src", "max_value", "reduce_res")
        _same_partitions_and_free(self, "dst", "src")
        dst = tensor_type(self.dst)
        _vector_operand(self, "max_value", dst)
        _vector_operand(self, "reduce_res", dst)
        if self.max_value is not None and self.max_imm is not None:
            raise VerifyException(f"{self.name}: max_value is a (P, 1) tensor or an immediate")


@irdl_op_definition
class Activate2Op(InstructionOp):
    """Two ALU stages, then an activation function, with optional accumulation (v4).

    `klr.activate2 relu %dst, %data, multiply imm 2.0 then add imm 1.0` (nki.md §9.2):
    `v = data`; a stage that is not `bypass` applies its operator with its operand
    (`reverse`: operands swapped); `dst = op(v)` (`prelu`'s slope is `relu_param`); the
    Scalar accumulator folds `dst` with `reduce_op` under `reduce_cmd`.
    """

    name = "klr.activate2"
    op = prop_def(ActFuncAttr)
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    operand0 = opt_operand_def(TensorType)
    imm0 = opt_prop_def(FloatAttr)
    operand1 = opt_operand_def(TensorType)
    imm1 = opt_prop_def(FloatAttr)
    op0 = prop_def(AluOpAttr)
    op1 = prop_def(AluOpAttr)
    reverse0 = opt_prop_def(UnitAttr)
    reverse1 = opt_prop_def(UnitAttr)
    relu_param = prop_def(FloatAttr, FloatAttr(0.0))
    reduce_op = opt_prop_def(AluOpAttr)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.IDLE))
    reduce_res = opt_operand_def(TensorType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$op $dst `,` $data `,` $op0 ($operand0^)? (`imm` $imm0^)? (`reverse` $reverse0^)? "
        "`then` $op1 ($operand1^)? (`imm` $imm1^)? (`reverse` $reverse1^)? "
        "(`relu_param` $relu_param^)? (`reduce` $reduce_op^)? (`cmd` $reduce_cmd^)? "
        "(`into` $reduce_res^)? attr-dict `:` type($dst) `,` type($data) "
        "(`operand0` type($operand0)^)? (`operand1` type($operand1)^)? "
        "(`into` type($reduce_res)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "operand0", "operand1", "reduce_res")
        _same_partitions_and_free(self, "dst", "data")
        dst = tensor_type(self.dst)
        for name in ("operand0", "operand1", "reduce_res"):
            _vector_operand(self, name, dst)
        pair = (self.op0.data, self.op1.data)
        if pair not in ACTIVATE2_STAGES:
            raise VerifyException(
                f"{self.name}: (op0, op1) = ({pair[0].value}, {pair[1].value}) is not one of "
                "(multiply, add), (multiply, subtract), (multiply, bypass), (add, bypass), "
                "(subtract, bypass), (bypass, bypass)"
            )
        for alu, t, i, n in ((self.op0.data, self.operand0, self.imm0, "imm0"),
                             (self.op1.data, self.operand1, self.imm1, "imm1")):
            if alu != AluOp.BYPASS and (t is None) == (i is None):
                raise VerifyException(f"{self.name}: {n} is a (P, 1) tensor or an immediate")
        if self.reduce_op is not None and self.reduce_op.data not in ACTIVATE2_REDUCE_OPS:
            raise VerifyException(
                f"{self.name}: reduce_op must be add, maximum, minimum, abs_max or abs_min"
            )


@irdl_op_definition
class NcStreamShuffleOp(InstructionOp):
    """Partition shuffle inside each 32-partition quadrant (Vector, nki.md §9.3).

    `klr.nc_stream_shuffle %dst, %src mask [1, 0, 255, ...]`: `dst[32q + i] =
    src[32q + mask[i]]` for every quadrant q; 255 leaves the row of dst unchanged.
    """

    name = "klr.nc_stream_shuffle"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    shuffle_mask = prop_def(IntsAttr)
    assembly_format = "$dst `,` $src `mask` $shuffle_mask attr-dict `:` type($dst) `,` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "src")
        _same_partitions_and_free(self, "dst", "src")
        if tensor_type(self.dst).element != tensor_type(self.src).element:
            raise VerifyException(f"{self.name}: dst and src must have the same dtype")
        mask = self.shuffle_mask.data
        if not 1 <= len(mask) <= 32 or any(not (0 <= v < 32 or v == 255) for v in mask):
            raise VerifyException(
                f"{self.name}: shuffle_mask has 1..32 entries, each a partition 0..31 of the "
                "quadrant or 255 (keep the row)"
            )


@irdl_op_definition
class NcNGatherOp(InstructionOp):
    """Per-partition gather: `dst[p, j] = data[p].flatten()[indices[p, j]]` (nki.md §9.4)."""

    name = "klr.nc_n_gather"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    assembly_format = (
        "$dst `,` $data `at` $indices attr-dict `:` type($dst) `,` type($data) `,` type($indices)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "data", "indices")
        d, s, i = tensor_type(self.dst), tensor_type(self.data), tensor_type(self.indices)
        if i.element != Dtype.UINT32:
            raise VerifyException(f"{self.name}: indices must be uint32")
        if not d.partitions == s.partitions == i.partitions:
            raise VerifyException(f"{self.name}: dst, data and indices have the same partitions")
        if d.free_size != i.free_size:
            raise VerifyException(f"{self.name}: dst has one element per index")
        if d.element != s.element:
            raise VerifyException(f"{self.name}: dst has data's dtype")


@irdl_op_definition
class SequenceBoundsOp(InstructionOp):
    """Segment bounds of a row of segment ids (GpSimd, nki.md §9.4).

    `klr.sequence_bounds %dst, %ids`: for ids `[1, n]` (0 = padding), `dst[0, 0, i]` is the
    start of the run of equal ids holding i (padding: n) and `dst[0, 1, i]` its end,
    exclusive (padding: -1).
    """

    name = "klr.sequence_bounds"
    dst = operand_def(TensorType)
    segment_ids = operand_def(TensorType)
    assembly_format = "$dst `,` $segment_ids attr-dict `:` type($dst) `,` type($segment_ids)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "segment_ids")
        d, s = tensor_type(self.dst), tensor_type(self.segment_ids)
        if d.partitions != 1 or s.partitions != 1:
            raise VerifyException(f"{self.name}: the partition dimension must be 1")
        if d.free_size != 2 * s.free_size:
            raise VerifyException(f"{self.name}: dst holds (start, end) rows: 2 x {s.free_size}")
        if d.element not in (Dtype.FLOAT32, Dtype.INT32):
            raise VerifyException(f"{self.name}: dst must be float32 or int32")


@irdl_op_definition
class NonzeroWithCountOp(InstructionOp):
    """Indices of the nonzero elements and their count, per GpSimd core (v3+, nki.md §9.4).

    `klr.nonzero_with_count %dst, %src offset 0 padding -1`: on partitions 0, 16, ..., 112
    only: `dst = [i + offset for nonzero src[i]] + [padding] * (T - count) + [count]`.
    """

    name = "klr.nonzero_with_count"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    index_offset = prop_def(IntAttr)
    padding_val = prop_def(IntAttr)
    assembly_format = (
        "$dst `,` $src `offset` $index_offset `padding` $padding_val attr-dict `:` type($dst) "
        "`,` type($src)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "src")
        d, s = tensor_type(self.dst), tensor_type(self.src)
        if d.element != Dtype.INT32 or s.element not in (Dtype.FLOAT32, Dtype.INT32):
            raise VerifyException(f"{self.name}: dst is int32, src float32 or int32")
        if d.partitions != s.partitions or d.free_size != s.free_size + 1:
            raise VerifyException(
                f"{self.name}: dst has src's partitions and one more element (the count)"
            )


def _rng_engine(op: InstructionOp, target, allowed: tuple[Engine, ...]) -> Engine:  # type: ignore[no-untyped-def]
    """The engine whose PRNG an RNG instruction uses (nki.md §9.5)."""
    engine = op.exec_engine()
    if engine not in allowed:
        raise VerifyException(
            f"{op.name}: engine must be {' or '.join(e.value for e in allowed)}, not {engine.value}"
        )
    if engine == Engine.GPSIMD and not target.features.gpsimd_rng:
        raise VerifyException(f"{op.name}: the GpSimd PRNG needs gen3 or later")
    return engine


@irdl_op_definition
class RngOp(InstructionOp):
    """32 random bits per element, truncated to dst's integer dtype (nki.md §9.5).

    `klr.rng %dst engine gpsimd`: draws from the engine's PRNG (Vector by default)."""

    name = "klr.rng"
    dst = operand_def(TensorType)
    engine = prop_def(EngineAttr, EngineAttr(Engine.VECTOR))
    assembly_format = "$dst (`engine` $engine^)? attr-dict `:` type($dst)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst")
        _rng_engine(self, target, (Engine.VECTOR, Engine.GPSIMD))
        if tensor_type(self.dst).element not in INTEGER_DTYPES - {Dtype.BOOL_}:
            raise VerifyException(f"{self.name}: dst must have an integer dtype")


@irdl_op_definition
class Rand2Op(InstructionOp):
    """Uniform float32 values in [low, high], cast to dst (Vector, v4, nki.md §9.5).

    `klr.rand2 %dst, imm 0.0 to imm 1.0`; bounds are immediates or (P, 1) vectors."""

    name = "klr.rand2"
    dst = operand_def(TensorType)
    low = opt_operand_def(TensorType)
    low_imm = opt_prop_def(FloatAttr)
    high = opt_operand_def(TensorType)
    high_imm = opt_prop_def(FloatAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` ($low^)? (`imm` $low_imm^)? `to` ($high^)? (`imm` $high_imm^)? attr-dict "
        "`:` type($dst) (`low` type($low)^)? (`high` type($high)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "low", "high")
        dst = tensor_type(self.dst)
        for name in ("low", "high"):
            _vector_operand(self, name, dst)
            if (getattr(self, name) is None) == (getattr(self, name + "_imm") is None):
                raise VerifyException(f"{self.name}: {name} is a (P, 1) tensor or an immediate")


@irdl_op_definition
class SetRngSeedOp(InstructionOp):
    """Seed the Vector engine's PRNG from a [1, 1] 32-bit value (nki.md §9.5)."""

    name = "klr.set_rng_seed"
    src = operand_def(TensorType)
    assembly_format = "$src attr-dict `:` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "src")
        t = tensor_type(self.src)
        if t.partitions != 1 or t.free_size != 1 or DTYPE_BYTES[t.element] != 4:
            raise VerifyException(f"{self.name}: the seed is a [1, 1] 32-bit value")


def _rng_state_words(op: InstructionOp, target, name: str) -> None:  # type: ignore[no-untyped-def]
    engine = _rng_engine(op, target, (Engine.GPSIMD, Engine.VECTOR))
    if engine == Engine.VECTOR and not target.features.vector_rand_state:
        raise VerifyException(f"{op.name}: the Vector PRNG state is accessible on gen4 only")
    t = tensor_type(getattr(op, name))
    words = 6 if engine == Engine.GPSIMD else 24
    if t.element != Dtype.UINT32 or t.free_size != words:
        raise VerifyException(
            f"{op.name}: the {engine.value} state is {words} uint32 words per partition"
        )


@irdl_op_definition
class RandSetStateOp(InstructionOp):
    """Load per-partition XORWOW states of an engine's PRNG (v3+, nki.md §9.5).

    `klr.rand_set_state %src engine gpsimd`: 6 uint32 words per partition (GpSimd) or 24
    (Vector, v4: four generators)."""

    name = "klr.rand_set_state"
    src = operand_def(TensorType)
    engine = prop_def(EngineAttr, EngineAttr(Engine.GPSIMD))
    assembly_format = "$src (`engine` $engine^)? attr-dict `:` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "src")
        _rng_state_words(self, target, "src")


@irdl_op_definition
class RandGetStateOp(InstructionOp):
    """Store the per-partition PRNG states of an engine (v3+, nki.md §9.5)."""

    name = "klr.rand_get_state"
    dst = operand_def(TensorType)
    engine = prop_def(EngineAttr, EngineAttr(Engine.GPSIMD))
    assembly_format = "$dst (`engine` $engine^)? attr-dict `:` type($dst)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst")
        _rng_state_words(self, target, "dst")


@irdl_op_definition
class DropoutOp(InstructionOp):
    """Zero each element with probability `prob`, else keep it (Vector, nki.md §9.3).

    `klr.dropout %dst, %data prob imm 0.1`: no rescaling; `prob` an immediate or a (P, 1)
    vector; one Vector PRNG draw per element."""

    name = "klr.dropout"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    prob = opt_operand_def(TensorType)
    prob_imm = opt_prop_def(FloatAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $data `prob` ($prob^)? (`imm` $prob_imm^)? attr-dict `:` type($dst) `,` "
        "type($data) (`prob` type($prob)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "prob")
        _same_partitions_and_free(self, "dst", "data")
        d = tensor_type(self.dst)
        _vector_operand(self, "prob", d)
        if (self.prob is None) == (self.prob_imm is None):
            raise VerifyException(f"{self.name}: prob is a (P, 1) tensor or an immediate")
        if d.element != tensor_type(self.data).element:
            raise VerifyException(f"{self.name}: dst has data's dtype")


def mx_scale_row(i: int) -> int:
    """The partition of logical MX scale row i in a full-height scale tile: rows live in
    partitions 0-3 of each 32-partition quadrant (nki.md §9.1)."""
    return (i // 4) * 32 + i % 4


def _mx_scale(op: InstructionOp, name: str, groups: int, free: int, target) -> None:  # type: ignore[no-untyped-def]
    """A scale tile of `groups` logical rows (one per 8 partitions of data) and `free`
    columns: compact `[groups, free]` (at most 4 rows), or full height with row i in
    partition `mx_scale_row(i)`."""
    t = tensor_type(getattr(op, name))
    if t.element.value not in target.matmul_mx_scale_dtypes:
        raise VerifyException(f"{op.name}: {name} must be float8_e8m0fnu or uint8")
    if t.free_size != free:
        raise VerifyException(f"{op.name}: {name} has {t.free_size} columns, expected {free}")
    compact = t.partitions == groups and groups <= 4
    if not compact and t.partitions < mx_scale_row(groups - 1) + 1:
        raise VerifyException(
            f"{op.name}: {name} holds {groups} scale rows: a [{groups}, {free}] tile (at most 4 "
            f"rows) or a tile of at least {mx_scale_row(groups - 1) + 1} partitions (row i in "
            "partition (i // 4) * 32 + i % 4)"
        )


@irdl_op_definition
class NcMatmulMxOp(InstructionOp):
    """MX (OCP microscaling) matmul on the Tensor engine (v4, nki.md §9.1).

    `klr.nc_matmul_mx %dst, %st scale %ss, %mv scale %ms`: each x4 element packs 4 values
    along the contraction; one e8m0 scale per 8 partitions x 4 values:
    `dst[m, n] (+)= Σ_k Σ_q st[k, m, q]·2^(S_st[k/8, m]-127) · mv[k, n, q]·2^(S_mv[k/8, n]-127)`.
    `accumulate` as for `klr.nc_matmul`.
    """

    name = "klr.nc_matmul_mx"
    dst = operand_def(TensorType)
    stationary = operand_def(TensorType)
    moving = operand_def(TensorType)
    stationary_scale = operand_def(TensorType)
    moving_scale = operand_def(TensorType)
    accumulate = opt_prop_def(IntAttr)
    assembly_format = (
        "$dst `,` $stationary `scale` $stationary_scale `,` $moving `scale` $moving_scale "
        "(`accumulate` $accumulate^)? attr-dict `:` type($dst) `,` type($stationary) `,` "
        "type($stationary_scale) `,` type($moving) `,` type($moving_scale)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        d, st, mv = tensor_type(self.dst), tensor_type(self.stationary), tensor_type(self.moving)
        if d.mem != Memory.PSUM:
            raise VerifyException(f"{self.name}: dst must be in PSUM")
        _require_sbuf(self, "stationary", "moving", "stationary_scale", "moving_scale")
        for name, t in (("stationary", st), ("moving", mv)):
            if t.element.value not in target.matmul_mx_input_dtypes:
                raise VerifyException(
                    f"{self.name}: {name} must be float8_e5m2_x4, float8_e4m3fn_x4 or "
                    f"float4_e2m1fn_x4, not {t.element.value}"
                )
        if st.partitions != mv.partitions:
            raise VerifyException(f"{self.name}: stationary and moving contract over the same partitions")
        k = st.partitions
        if k % 32 or k > 128:
            raise VerifyException(f"{self.name}: the contraction K = {k} must be a multiple of 32, <= 128")
        if st.free_size % 2 or st.free_size > 128:
            raise VerifyException(f"{self.name}: the stationary free size must be even, <= 128")
        if d.element not in (Dtype.FLOAT32, Dtype.BFLOAT16):
            raise VerifyException(f"{self.name}: dst must be float32 or bfloat16")
        nmax = 4096 if d.element == Dtype.FLOAT32 else 8192
        if mv.free_size > nmax:
            raise VerifyException(f"{self.name}: the moving free size {mv.free_size} exceeds {nmax}")
        if d.partitions != st.free_size or d.free_size != mv.free_size:
            raise VerifyException(
                f"{self.name}: dst must be [{st.free_size}, {mv.free_size}] (stationary free x "
                "moving free)"
            )
        _mx_scale(self, "stationary_scale", k // 8, st.free_size, target)
        _mx_scale(self, "moving_scale", k // 8, mv.free_size, target)


@irdl_op_definition
class QuantizeMxOp(InstructionOp):
    """Quantize bf16/fp16 data to MX fp8 x4 with e8m0 scales (Vector, v4, nki.md §9.3).

    `klr.quantize_mx %dst scale %scale, %src`: per group of 8 partitions x 4 consecutive
    free elements, a power-of-two scale from the group's largest magnitude; 4 values
    packed per x4 element.
    """

    name = "klr.quantize_mx"
    dst = operand_def(TensorType)
    dst_scale = operand_def(TensorType)
    src = operand_def(TensorType)
    assembly_format = (
        "$dst `scale` $dst_scale `,` $src attr-dict `:` type($dst) `,` type($dst_scale) `,` "
        "type($src)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "dst_scale", "src")
        d, s = tensor_type(self.dst), tensor_type(self.src)
        if s.element not in (Dtype.BFLOAT16, Dtype.FLOAT16):
            raise VerifyException(f"{self.name}: src must be bfloat16 or float16")
        if d.element not in (Dtype.FLOAT8_E5M2_X4, Dtype.FLOAT8_E4M3FN_X4):
            raise VerifyException(f"{self.name}: dst must be float8_e5m2_x4 or float8_e4m3fn_x4")
        if s.partitions % 32 or s.free_size % 4:
            raise VerifyException(
                f"{self.name}: src partitions must be a multiple of 32 and its free size of 4"
            )
        if d.partitions != s.partitions or d.free_size * 4 != s.free_size:
            raise VerifyException(
                f"{self.name}: dst must be [{s.partitions}, {s.free_size // 4}] (4 values per element)"
            )
        _mx_scale(self, "dst_scale", s.partitions // 8, d.free_size, target)


@irdl_op_definition
class DmaComputeOp(InstructionOp):
    """`dst = srcs[0] + srcs[1] + ...` computed in float32 by a DMA engine (nki.md §9.6).

    `klr.dma_compute %dst, %a, %b reduce add`: up to 16 sources of dst's element count, in
    HBM or SBUF; the sum is cast to dst's dtype.
    """

    name = "klr.dma_compute"
    dst = operand_def(TensorType)
    srcs = var_operand_def(TensorType)
    reduce_op = prop_def(AluOpAttr)
    assembly_format = (
        "$dst `,` $srcs `reduce` $reduce_op attr-dict `:` type($dst) `,` type($srcs)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        if not 1 <= len(self.srcs) <= 16:
            raise VerifyException(f"{self.name}: 1 to 16 sources, got {len(self.srcs)}")
        if self.reduce_op.data != AluOp.ADD:
            raise VerifyException(f"{self.name}: the only reduce_op is add")
        d = tensor_type(self.dst)
        for name, v in self.named_operands():
            t = tensor_type(v)
            if t.mem == Memory.PSUM:
                raise VerifyException(f"{self.name}: '{name}' must be in HBM or SBUF, not PSUM")
            if t.num_elements != d.num_elements:
                raise VerifyException(
                    f"{self.name}: every source has dst's {d.num_elements} elements "
                    f"('{name}' has {t.num_elements})"
                )


@irdl_op_definition
class TopkOp(InstructionOp):
    """The K largest of n values per 16-partition group, ascending, with their indices
    (GpSimd, NKI 0.6, nki.md §9.4).

    `klr.topk %vals, %idx, %src n 100`: element e of a group lives at
    `src[16g + e % 16, e // 16]` (the "snake" layout); K is the destination free size.
    """

    name = "klr.topk"
    val_dst = operand_def(TensorType)
    idx_dst = operand_def(TensorType)
    src = operand_def(TensorType)
    n = prop_def(IntAttr)
    assembly_format = (
        "$val_dst `,` $idx_dst `,` $src `n` $n attr-dict `:` type($val_dst) `,` type($idx_dst) "
        "`,` type($src)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "val_dst", "idx_dst", "src")
        v, i, s = tensor_type(self.val_dst), tensor_type(self.idx_dst), tensor_type(self.src)
        if s.partitions % 16 or v.partitions != s.partitions or i.partitions != s.partitions:
            raise VerifyException(f"{self.name}: src, val_dst and idx_dst share a multiple of 16 partitions")
        if s.element != Dtype.BFLOAT16 or v.element != Dtype.BFLOAT16 or i.element != Dtype.UINT32:
            raise VerifyException(f"{self.name}: src and val_dst are bfloat16, idx_dst uint32")
        n, kk = self.n.data, v.free_size
        if not 8 <= n < 65536 or n > 16 * s.free_size:
            raise VerifyException(
                f"{self.name}: n must be in [8, 65536) and fit the group's {16 * s.free_size} elements"
            )
        if i.free_size != kk or not 1 <= kk <= n:
            raise VerifyException(f"{self.name}: val_dst and idx_dst hold K values, 1 <= K <= n")


@irdl_op_definition
class SelectReduceOp(InstructionOp):
    """`dst = where(pred xor reverse, on_true, on_false)` with optional max-accumulation (nki.md §9.3)."""

    name = "klr.select_reduce"
    dst = operand_def(TensorType)
    predicate = operand_def(TensorType)
    on_true = operand_def(TensorType)
    on_false = opt_operand_def(TensorType)
    on_false_imm = opt_prop_def(FloatAttr)
    reduce_res = opt_operand_def(TensorType)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.IDLE))
    reduce_op = prop_def(AluOpAttr, AluOpAttr(AluOp.MAXIMUM))
    reverse_pred = opt_prop_def(UnitAttr)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst `,` $on_true `if` $predicate (`reversed` $reverse_pred^)? `else` ($on_false^)? "
        "(`imm` $on_false_imm^)? (`reduce` $reduce_op^)? (`cmd` $reduce_cmd^)? "
        "(`into` $reduce_res^)? attr-dict `:` type($dst) `,` type($on_true) `,` "
        "type($predicate) (`else` type($on_false)^)? (`into` type($reduce_res)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "predicate", "on_true", "on_false", "reduce_res")
        _same_partitions_and_free(self, "dst", "predicate", "on_true")
        dst = tensor_type(self.dst)
        _vector_operand(self, "on_false", dst)
        _vector_operand(self, "reduce_res", dst)
        if (self.on_false is None) == (self.on_false_imm is None):
            raise VerifyException("klr.select_reduce: on_false is a (P, 1) tensor or an immediate")


@irdl_op_definition
class Max8Op(InstructionOp):
    """The 8 largest values per partition, descending (Vector, nki.md §9.3)."""

    name = "klr.max8"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    assembly_format = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "src")
        _per_partition_dst(self, tensor_type(self.dst), tensor_type(self.src), 8)
        _max8_input(self, "src")


@irdl_op_definition
class NcFindIndex8Op(InstructionOp):
    """Index of the first occurrence of each of 8 values per partition (Vector, nki.md §9.3)."""

    name = "klr.nc_find_index8"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    vals = operand_def(TensorType)
    assembly_format = "$dst `,` $data `,` $vals attr-dict `:` type($dst) `,` type($data) `,` type($vals)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "vals")
        d, s, v = tensor_type(self.dst), tensor_type(self.data), tensor_type(self.vals)
        if d.free_size != 8 or v.free_size != 8 or not d.partitions == v.partitions == s.partitions:
            raise VerifyException("klr.nc_find_index8: dst and vals are (P, 8), with data's P")
        if d.element not in (Dtype.UINT32, Dtype.UINT16):
            raise VerifyException("klr.nc_find_index8: dst must be uint32 or uint16")
        _max8_input(self, "data")


@irdl_op_definition
class DmaTransposeOp(InstructionOp):
    """`dst = src.transpose(axes)` by the DMA engines; dst in SBUF (nki.md §9.6)."""

    name = "klr.dma_transpose"
    dst = operand_def(TensorType)
    src = operand_def(TensorType)
    axes = prop_def(IntsAttr)
    assembly_format = "$dst `,` $src `axes` $axes attr-dict `:` type($dst) `,` type($src)"

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst")
        d, s = tensor_type(self.dst), tensor_type(self.src)
        if s.mem == Memory.PSUM:
            raise VerifyException("klr.dma_transpose: src must be in HBM or SBUF")
        if d.element != s.element:
            raise VerifyException("klr.dma_transpose: dst and src dtypes must match")
        allowed = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}
        rank = len(s.get_shape())
        if allowed.get(rank) != self.axes.data or len(d.get_shape()) != rank:
            raise VerifyException(
                f"klr.dma_transpose: a rank-{rank} transpose uses axes {allowed.get(rank)}, and dst "
                f"has the rank of src; got axes {list(self.axes.data)}"
            )
        want = tuple(s.get_shape()[a] for a in self.axes.data)
        if d.get_shape() != want:
            raise VerifyException(f"klr.dma_transpose: dst must have shape {list(want)}")


# ---------------------------------------------------------------------------
# Registers and dynamic control flow (nki.md §5.2)
# ---------------------------------------------------------------------------


@irdl_op_definition
class RegisterAllocOp(IRDLOperation):
    """`%r = klr.register_alloc init 0`: a virtual register, optionally initialized."""

    name = "klr.register_alloc"
    init = opt_prop_def(IntAttr)
    res = result_def(RegType)
    assembly_format = "(`init` $init^)? attr-dict"


@irdl_op_definition
class RegisterMoveOp(IRDLOperation):
    """`klr.register_move %r, imm 4` / `klr.register_move %r, %s`: set a register."""

    name = "klr.register_move"
    dst = operand_def(RegType)
    src = opt_operand_def(RegType)
    imm = opt_prop_def(IntAttr)
    assembly_format = "$dst `,` ($src^)? (`imm` $imm^)? attr-dict"

    def verify_(self) -> None:
        if (self.src is None) == (self.imm is None):
            raise VerifyException("klr.register_move takes a register or an immediate")


def _fits_register(t: TensorType) -> bool:
    """A tensor a register can load or store: one element of at most 32 bits, not in PSUM."""
    return t.num_elements == 1 and DTYPE_BYTES[t.element] <= 4 and t.mem != Memory.PSUM


@irdl_op_definition
class RegisterLoadOp(IRDLOperation):
    """`klr.register_load %r, %t`: load the single (≤ 32-bit) element of a tensor."""

    name = "klr.register_load"
    dst = operand_def(RegType)
    src = operand_def(TensorType)
    assembly_format = "$dst `,` $src attr-dict `:` type($src)"

    def verify_(self) -> None:
        if not _fits_register(tensor_type(self.src)):
            raise VerifyException(
                "klr.register_load reads one element of at most 32 bits from SBUF or HBM"
            )


@irdl_op_definition
class RegisterStoreOp(IRDLOperation):
    """`klr.register_store %t, %r`: store a register into a one-element tensor."""

    name = "klr.register_store"
    dst = operand_def(TensorType)
    src = operand_def(RegType)
    assembly_format = "$dst `,` $src attr-dict `:` type($dst)"

    def verify_(self) -> None:
        if not _fits_register(tensor_type(self.dst)):
            raise VerifyException(
                "klr.register_store writes one element of at most 32 bits in SBUF or HBM"
            )


@irdl_op_definition
class DynamicForOp(IRDLOperation):
    """A hardware loop: `klr.dynamic_for %lo to imm 8 step 1 { ^bb0(%i: !klr.reg): ... }`.

    Bounds are registers or immediates; the step is a positive immediate; the index is
    a read-only register. The body runs at run time, once per iteration.
    """

    name = "klr.dynamic_for"
    lower = opt_operand_def(RegType)
    lower_imm = opt_prop_def(IntAttr)
    upper = opt_operand_def(RegType)
    upper_imm = opt_prop_def(IntAttr)
    step = prop_def(IntAttr)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    irdl_options = _SEGMENTS
    assembly_format = (
        "($lower^)? (`imm` $lower_imm^)? `to` ($upper^)? (`imm` $upper_imm^)? `step` $step "
        "attr-dict-with-keyword $body"
    )

    def verify_(self) -> None:
        if (self.lower is None) == (self.lower_imm is None) or (self.upper is None) == (
            self.upper_imm is None
        ):
            raise VerifyException("klr.dynamic_for bounds are registers or immediates")
        if self.step.data <= 0:
            raise VerifyException("klr.dynamic_for step must be positive")
        args = self.body.block.args
        if len(args) != 1 or not isinstance(args[0].type, RegType):
            raise VerifyException("klr.dynamic_for has one !klr.reg block argument")


@irdl_op_definition
class DynamicWhileOp(IRDLOperation):
    """`klr.dynamic_while %r { ... }`: repeat the body while the register is non-zero."""

    name = "klr.dynamic_while"
    cond = operand_def(RegType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "$cond attr-dict-with-keyword $body"


@irdl_op_definition
class DynamicIfOp(IRDLOperation):
    """`klr.dynamic_if %r { then } else { else }`: branch at run time on a register ≠ 0."""

    name = "klr.dynamic_if"
    cond = operand_def(RegType)
    then_body = region_def("single_block")
    else_body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "$cond attr-dict-with-keyword $then_body `else` $else_body"


@irdl_op_definition
class DevicePrintOp(IRDLOperation):
    """`klr.device_print "prefix" %t`: print a tensor at run time (nki.md §2.1)."""

    name = "klr.device_print"
    prefix = prop_def(StringAttr)
    tensor = operand_def(TensorType)
    assembly_format = "$prefix $tensor attr-dict `:` type($tensor)"


@irdl_op_definition
class RangeSelectOp(InstructionOp):
    """`dst = where(cmp0(idx, bound0) & cmp1(idx, bound1), on_true, on_false_value)` with
    `idx[f] = range_start + f`, and max-accumulation (Vector, v3+, nki.md §9.3)."""

    name = "klr.range_select"
    dst = operand_def(TensorType)
    on_true = operand_def(TensorType)
    bound0 = operand_def(TensorType)
    bound1 = operand_def(TensorType)
    comp_op0 = prop_def(AluOpAttr)
    comp_op1 = prop_def(AluOpAttr)
    range_start = prop_def(IntAttr)
    on_false_value = prop_def(FloatAttr)
    reduce_res = opt_operand_def(TensorType)
    reduce_cmd = prop_def(ReduceCmdAttr, ReduceCmdAttr(ReduceCmd.RESET_REDUCE))
    reduce_op = prop_def(AluOpAttr, AluOpAttr(AluOp.MAXIMUM))
    assembly_format = (
        "$dst `,` $on_true `where` $comp_op0 $bound0 `and` $comp_op1 $bound1 `start` $range_start "
        "`else` $on_false_value (`reduce` $reduce_op^)? (`cmd` $reduce_cmd^)? (`into` $reduce_res^)? "
        "attr-dict `:` type($dst) `,` type($on_true) `,` type($bound0) `,` type($bound1) "
        "(`into` type($reduce_res)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "on_true", "bound0", "bound1", "reduce_res")
        _same_partitions_and_free(self, "dst", "on_true")
        dst = tensor_type(self.dst)
        for name in ("bound0", "bound1", "reduce_res"):
            _vector_operand(self, name, dst)
        allowed = COMPARISON_ALU_OPS - {AluOp.NOT_EQUAL}
        for name in ("comp_op0", "comp_op1"):
            if getattr(self, name).data not in allowed:
                raise VerifyException(
                    f"klr.range_select: {name} must be equal, less, less_equal, greater or "
                    f"greater_equal"
                )


@irdl_op_definition
class NcMatchReplace8Op(InstructionOp):
    """Replace the first occurrence of each of 8 values per partition with `imm`, optionally
    recording their indices (Vector, nki.md §9.3)."""

    name = "klr.nc_match_replace8"
    dst = operand_def(TensorType)
    data = operand_def(TensorType)
    vals = operand_def(TensorType)
    imm = prop_def(FloatAttr)
    dst_idx = opt_operand_def(TensorType)
    assembly_format = (
        "$dst `,` $data `,` $vals `with` $imm (`indices` $dst_idx^)? attr-dict `:` type($dst) `,` "
        "type($data) `,` type($vals) (`indices` type($dst_idx)^)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_on_chip(self, "dst", "data", "vals", "dst_idx")
        _same_partitions_and_free(self, "dst", "data")
        d, v = tensor_type(self.dst), tensor_type(self.vals)
        if v.partitions != d.partitions or v.free_size != 8:
            raise VerifyException(f"klr.nc_match_replace8: vals must be ({d.partitions}, 8)")
        if self.dst_idx is not None:
            i = tensor_type(self.dst_idx)
            if i.partitions != d.partitions or i.free_size != 8:
                raise VerifyException(f"klr.nc_match_replace8: dst_idx must be ({d.partitions}, 8)")
        if d.free_size > 16384:
            raise VerifyException("klr.nc_match_replace8: at most 16384 elements per partition")


@irdl_op_definition
class LocalGatherOp(InstructionOp):
    """Per GpSimd core (16 partitions): `dst[p, j, e] = src[p, idx[j] + e]` (nki.md §9.4)."""

    name = "klr.local_gather"
    dst = operand_def(TensorType)
    src_buffer = operand_def(TensorType)
    index = operand_def(TensorType)
    num_elem_per_idx = prop_def(IntAttr)
    num_valid_indices = opt_prop_def(IntAttr)
    assembly_format = (
        "$dst `,` $src_buffer `at` $index `elements` $num_elem_per_idx "
        "(`valid` $num_valid_indices^)? attr-dict `:` type($dst) `,` type($src_buffer) `,` "
        "type($index)"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        _require_sbuf(self, "dst", "src_buffer", "index", why=" (GpSimd)")
        d, s, i = tensor_type(self.dst), tensor_type(self.src_buffer), tensor_type(self.index)
        if i.element != Dtype.UINT16:
            raise VerifyException("klr.local_gather: index must be uint16")
        if s.partitions != i.partitions or s.partitions % 16 != 0 or d.partitions != s.partitions:
            raise VerifyException(
                "klr.local_gather: src, index and dst share a partition count that is a "
                "multiple of 16"
            )
        if self.num_elem_per_idx.data not in (1, 2, 4, 8, 16, 32):
            raise VerifyException("klr.local_gather: num_elem_per_idx is 1, 2, 4, 8, 16 or 32")
        if d.element != s.element:
            raise VerifyException("klr.local_gather: no dtype conversion (dst and src dtypes differ)")
        valid = self.num_valid_indices.data if self.num_valid_indices is not None else None
        per_core = 16 * i.free_size if valid is None else valid
        if per_core > 4096:
            raise VerifyException("klr.local_gather: at most 4096 indices per core")


@irdl_op_definition
class IndirectDmaOp(InstructionOp):
    """Indirect DMA: a gather or scatter of HBM rows picked per partition by an index tile
    (nki.md §4.2 `vector_offset`, §4.4 `A[idx_tile[i_p, 0], i_f]`, §9.6).

    `klr.indirect_dma %dst, %table[%idx]` (gather): `dst[p, f] = table[idx[p, 0], f]`;
    `klr.indirect_dma %table[%idx], %src` (scatter): `table[idx[p, 0], f] = src[p, f]`.
    `table` is a view of every row the index may pick (its dim 0) with the access
    pattern of one row (its other dims); an index outside `[0, rows)` is a run-time error.
    """

    name = "klr.indirect_dma"
    dst = operand_def(TensorType)
    dst_index = opt_operand_def(TensorType)
    src = operand_def(TensorType)
    src_index = opt_operand_def(TensorType)
    irdl_options = _SEGMENTS
    assembly_format = (
        "$dst (`[` $dst_index^ `]`)? `,` $src (`[` $src_index^ `]`)? attr-dict `:` "
        "type($dst) (`[` type($dst_index)^ `]`)? `,` type($src) (`[` type($src_index)^ `]`)?"
    )

    def check(self, target) -> None:  # type: ignore[no-untyped-def]
        if (self.dst_index is None) == (self.src_index is None):
            raise VerifyException(
                "klr.indirect_dma: exactly one side (dst or src) is indexed by an index tile"
            )
        scatter = self.dst_index is not None
        table_name, direct_name = ("dst", "src") if scatter else ("src", "dst")
        index = tensor_type(self.dst_index if scatter else self.src_index)  # type: ignore[arg-type]
        table = tensor_type(getattr(self, table_name))
        direct = tensor_type(getattr(self, direct_name))
        if index.mem != Memory.SBUF:
            raise VerifyException("klr.indirect_dma: the index tile must be in SBUF")
        if index.element not in INTEGER_DTYPES or index.element == Dtype.BOOL_:
            raise VerifyException(
                f"klr.indirect_dma: the index tile must have an integer dtype, got {index.element.value}"
            )
        if index.free_size != 1:
            raise VerifyException(
                f"klr.indirect_dma: the index tile must be ({index.partitions}, 1): one row "
                f"index per partition, got {list(index.get_shape())}"
            )
        if table.mem.on_chip:
            raise VerifyException(
                f"klr.indirect_dma: the indexed tensor '{table_name}' must be in HBM, not {table.mem.value}"
            )
        if direct.mem == Memory.PSUM and not target.features.dma_can_access_psum:
            raise VerifyException(f"klr.indirect_dma: DMA cannot access PSUM ('{direct_name}')")
        if direct.partitions != index.partitions:
            raise VerifyException(
                f"klr.indirect_dma: '{direct_name}' has {direct.partitions} partitions but the "
                f"index tile has {index.partitions}"
            )
        if direct.free_size != table.free_size:
            raise VerifyException(
                f"klr.indirect_dma: '{direct_name}' has {direct.free_size} elements per partition "
                f"but a row of '{table_name}' has {table.free_size}"
            )


Klr = Dialect(
    "klr",
    [
        KernelOp,
        ReturnOp,
        AllocOp,
        ViewOp,
        ForOp,
        DmaCopyOp,
        TensorCopyOp,
        TensorTensorOp,
        TensorScalarOp,
        ScalarTensorTensorOp,
        ActivationOp,
        TensorReduceOp,
        NcMatmulOp,
        NcTransposeOp,
        MemsetOp,
        ReciprocalOp,
        BnStatsOp,
        BnAggrOp,
        IotaOp,
        AffineSelectOp,
        TensorPartitionReduceOp,
        TensorCopyPredicatedOp,
        TensorTensorScanOp,
        SelectReduceOp,
        TensorScalarReduceOp,
        TensorScalarCumulativeOp,
        ExponentialOp,
        Activate2Op,
        NcStreamShuffleOp,
        NcNGatherOp,
        SequenceBoundsOp,
        NonzeroWithCountOp,
        RngOp,
        Rand2Op,
        SetRngSeedOp,
        RandSetStateOp,
        RandGetStateOp,
        DropoutOp,
        NcMatmulMxOp,
        QuantizeMxOp,
        DmaComputeOp,
        TopkOp,
        Max8Op,
        NcFindIndex8Op,
        DmaTransposeOp,
        RangeSelectOp,
        NcMatchReplace8Op,
        LocalGatherOp,
        RegisterAllocOp,
        RegisterMoveOp,
        RegisterLoadOp,
        RegisterStoreOp,
        DynamicForOp,
        DynamicWhileOp,
        DynamicIfOp,
        DevicePrintOp,
        IndirectDmaOp,
    ],
    [
        DtypeAttr,
        MemoryAttr,
        AluOpAttr,
        ActFuncAttr,
        EngineAttr,
        ReduceCmdAttr,
        LoopKindAttr,
        IntsAttr,
        IntAttr,
        FloatAttr,
        PatternAttr,
        TensorType,
        RegType,
    ],
)
