"""Values of the tracer: what Python expressions evaluate to while a kernel is specialized.

Plain Python values (None, bool, int, float, str, tuples, lists, dicts, slices) are
represented by themselves, so Python's own semantics (aliasing of lists, equality,
hashing) carry over. The classes here are everything else: symbolic loop indices,
tensors and views, NKI objects, user functions and classes, modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import Operation, SSAValue

from klr.dialects import klr as k
from klr.dialects import py_ast as p

# ---------------------------------------------------------------------------
# Symbolic integers: affine functions of loop indices
# ---------------------------------------------------------------------------


class NeedConcrete(Exception):
    """A Python-level use of a symbolic loop index: the loop must be unrolled."""

    def __init__(self, affine: Affine, what: str):
        super().__init__(what)
        self.affine = affine
        self.what = what


@dataclass(frozen=True)
class Affine:
    """`const + Σ coeff * index`, where each index is the block argument of a `klr.for`.

    Arithmetic that stays affine (+, -, * by an int, unary -) gives an `Affine`;
    anything else (comparisons, //, %, truth value, int(), indexing a Python list)
    raises `NeedConcrete`, and the tracer unrolls the loop.
    """

    const: int
    terms: tuple[tuple[SSAValue, int], ...]

    @staticmethod
    def of(value: SSAValue) -> Affine:
        return Affine(0, ((value, 1),))

    @staticmethod
    def lift(x: int | Affine) -> Affine:
        return x if isinstance(x, Affine) else Affine(int(x), ())

    def _combine(self, other: Affine, sign: int) -> int | Affine:
        coeffs: dict[SSAValue, int] = dict(self.terms)
        for v, c in other.terms:
            coeffs[v] = coeffs.get(v, 0) + sign * c
        terms = tuple((v, c) for v, c in coeffs.items() if c != 0)
        const = self.const + sign * other.const
        return Affine(const, terms) if terms else const

    def __add__(self, other: object) -> int | Affine:
        if isinstance(other, bool) or not isinstance(other, (int, Affine)):
            return NotImplemented
        return self._combine(Affine.lift(other), 1)

    __radd__ = __add__

    def __sub__(self, other: object) -> int | Affine:
        if isinstance(other, bool) or not isinstance(other, (int, Affine)):
            return NotImplemented
        return self._combine(Affine.lift(other), -1)

    def __rsub__(self, other: object) -> int | Affine:
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return Affine.lift(other)._combine(self, -1)

    def __mul__(self, other: object) -> int | Affine:
        if isinstance(other, bool) or not isinstance(other, int):
            raise NeedConcrete(self, "multiplying two loop-dependent values")
        if other == 0:
            return 0
        return Affine(self.const * other, tuple((v, c * other) for v, c in self.terms))

    __rmul__ = __mul__

    def __neg__(self) -> Affine:
        return Affine(-self.const, tuple((v, -c) for v, c in self.terms))

    def __pos__(self) -> Affine:
        return self

    def _concrete(self, what: str) -> Any:
        raise NeedConcrete(self, what)

    def __bool__(self) -> bool:
        return self._concrete("the truth value of a loop index")

    def __index__(self) -> int:
        return self._concrete("a loop index used as a Python integer")

    def __int__(self) -> int:
        return self._concrete("int() of a loop index")

    def __float__(self) -> float:
        return self._concrete("float() of a loop index")

    def __hash__(self) -> int:
        return hash((self.const, tuple((id(v), c) for v, c in self.terms)))

    def __eq__(self, other: object) -> bool:
        return self._concrete("comparing a loop index")

    def __lt__(self, other: object) -> bool:
        return self._concrete("comparing a loop index")

    __le__ = __gt__ = __ge__ = __lt__

    def __floordiv__(self, other: object) -> Any:
        return self._concrete("floor division of a loop index")

    __rfloordiv__ = __mod__ = __rmod__ = __truediv__ = __rtruediv__ = __floordiv__
    __pow__ = __rpow__ = __floordiv__

    def __repr__(self) -> str:
        parts = [str(self.const)] + [f"{c}*%{v.name_hint or id(v)}" for v, c in self.terms]
        return " + ".join(parts)


def is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


# ---------------------------------------------------------------------------
# Tensors
# ---------------------------------------------------------------------------


@dataclass
class Storage:
    """A tensor's storage: an allocation or a kernel argument."""

    value: SSAValue
    type: k.TensorType
    name: str
    auto_named: bool = False
    """Named by the tracer (`t3`): renamed after the variable it is first assigned to."""

    @property
    def shape(self) -> tuple[int, ...]:
        return self.type.get_shape()


@dataclass(frozen=True)
class TensorView:
    """A tensor as the kernel sees it: storage, an element offset and an access pattern.

    `dims[i] = (stride, size)` in elements of the storage, row-major over the storage's
    flattened layout (for on-chip tensors the partition stride is the free size).
    """

    storage: Storage
    offset: int | Affine
    dims: tuple[tuple[int, int], ...]

    @staticmethod
    def whole(storage: Storage) -> TensorView:
        shape = storage.shape
        strides: list[int] = []
        acc = 1
        for d in reversed(shape):
            strides.insert(0, acc)
            acc *= d
        return TensorView(storage, 0, tuple(zip(strides, shape)))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(n for _, n in self.dims)

    @property
    def dtype(self) -> k.Dtype:
        return self.storage.type.element

    @property
    def memory(self) -> k.Memory:
        return self.storage.type.mem

    @property
    def ndim(self) -> int:
        return len(self.dims)

    def is_whole(self) -> bool:
        return self.offset == 0 if is_int(self.offset) else False

    def type(self) -> k.TensorType:
        return k.TensorType(self.shape, self.dtype, self.memory)


# ---------------------------------------------------------------------------
# NKI objects
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DtypeValue:
    """`nl.float32`, ... (also accepted where NKI takes a dtype)."""

    dtype: k.Dtype

    def __repr__(self) -> str:
        return f"nl.{self.dtype.value}"


@dataclass(frozen=True)
class BufferValue:
    """`nl.sbuf`, `nl.psum`, `nl.hbm`, `nl.shared_hbm`, `nl.private_hbm`; the first
    generation's `ncc.*.mod_alloc(...)` also says how many physical tiles its blocks share."""

    memory: k.Memory
    tiles: int | None = None

    def __repr__(self) -> str:
        return f"nl.{self.memory.value}"


@dataclass(frozen=True)
class OpValue:
    """An NKI operator object usable as `op=`: `nl.add`, `nl.exp`, ...

    `alu` / `act` say what it means as an ALU operator or an activation function; a
    name can be both (`nl.square`, `nl.abs`, `nl.rsqrt`, `nl.reciprocal`, `nl.relu`).
    """

    name: str
    alu: k.AluOp | None = None
    act: k.ActFunc | None = None

    def __repr__(self) -> str:
        return f"nl.{self.name}"


@dataclass(frozen=True)
class EnumMember:
    """A member of an NKI enum (`nisa.engine.tensor`, `nisa.reduce_cmd.reset_reduce`)."""

    enum: str
    name: str
    value: int

    def __repr__(self) -> str:
        return f"{self.enum}.{self.name}"


@dataclass(frozen=True)
class DynSlice:
    """`nl.ds(start, size)`: the slice `start:start+size` (start may be symbolic)."""

    start: int | Affine
    size: int


# ---------------------------------------------------------------------------
# User code: functions, classes, modules
# ---------------------------------------------------------------------------


@dataclass
class Module:
    """A gathered module: its globals are filled lazily from its definitions."""

    name: str
    file: str
    op: p.ModuleOp
    globals: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<module {self.name}>"


@dataclass
class Function:
    """A user function or lambda, with its defining scope."""

    name: str
    op: Operation  # py_ast.function_def or py_ast.lambda
    module: Module
    defaults: dict[str, Any]
    closure: list[dict[str, Any]]
    """Enclosing function scopes, innermost last (read-only view for closures)."""
    qualname: str = ""
    annotations: dict[str, tuple[Any, Operation]] | None = None
    """`nt.tensor[...]` parameter annotations (with their `py_ast.arg`), checked on calls."""

    def __repr__(self) -> str:
        return f"<function {self.qualname or self.name}>"


@dataclass
class BoundMethod:
    func: Any
    self_value: Any


@dataclass
class UserClass:
    """A class defined in kernel code (`NKIObject` subclasses, Enums, plain classes)."""

    name: str
    bases: tuple[Any, ...]
    namespace: dict[str, Any]
    module: Module
    is_enum: bool = False
    members: dict[str, EnumInstance] = field(default_factory=dict)

    def lookup(self, name: str) -> Any:
        if name in self.namespace:
            return self.namespace[name]
        for b in self.bases:
            if isinstance(b, UserClass):
                try:
                    return b.lookup(name)
                except KeyError:
                    pass
        raise KeyError(name)

    def fields(self) -> list[tuple[str, Any]]:
        """Annotated class attributes in definition order (dataclass-like fields)."""
        out: list[tuple[str, Any]] = []
        for b in self.bases:
            if isinstance(b, UserClass):
                out.extend(b.fields())
        out.extend(self.namespace.get("__klr_fields__", []))
        return out

    def __repr__(self) -> str:
        return f"<class {self.name}>"


@dataclass(eq=False)
class Instance:
    cls: UserClass
    attrs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<{self.cls.name} object>"


@dataclass(frozen=True)
class EnumInstance:
    cls_name: str
    name: str
    value: Any

    def __repr__(self) -> str:
        return f"{self.cls_name}.{self.name}"


@dataclass
class Builtin:
    """A function implemented by the tracer (Python builtins, nki.language, nki.isa)."""

    name: str
    fn: Callable[..., Any]

    def __repr__(self) -> str:
        return f"<built-in {self.name}>"


@dataclass
class Namespace:
    """A library module or object (`nki.language`, `nl.tile_size`, `math`, ...)."""

    name: str
    attrs: Mapping[str, Any]
    hint: str | None = None

    def __repr__(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class NotSupported:
    """A library name that exists in NKI but that KLR does not trace yet."""

    name: str
    hint: str | None = None


class RuntimeValueUse(Exception):
    """Python-level use of a run-time value (a register)."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@dataclass(frozen=True, eq=False)
class RegisterValue:
    """A virtual register: its value exists only at run time.

    It can bound a dynamic loop, be a while condition or an operand of the register
    instructions; any Python-level use (arithmetic, truth value, int()) is an error.
    """

    value: SSAValue
    frozen: bool = False
    """A dynamic loop's index: read-only."""

    def _use(self, *args: object) -> Any:
        raise RuntimeValueUse("a register's value is only known at run time")

    __bool__ = __index__ = __int__ = __float__ = _use
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _use
    __floordiv__ = __truediv__ = __mod__ = __lt__ = __le__ = __gt__ = __ge__ = _use

    def __repr__(self) -> str:
        return "<register>"


@dataclass(frozen=True)
class DynamicRange:
    """What `nl.dynamic_range` returns: a hardware loop over registers or constants."""

    start: Any
    stop: Any
    step: int
