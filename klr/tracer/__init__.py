"""Tracing: specialize a gathered kernel for concrete arguments into `klr` IR.

    result = klr.tracer("examples/softmax.py", "softmax_kernel", x="float32[256,1024]")
    result.module      # builtin.module holding one klr.kernel per SPMD program instance

Arguments are tensor specs (`"bfloat16[128,512]"`, `TensorSpec`, or anything with
`.shape` and `.dtype`, such as a NumPy array: only shape and dtype are used) or
compile-time Python values (ints, floats, bools, strings, tuples, None).
"""

from __future__ import annotations

import dataclasses

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xdsl.builder import Builder
from xdsl.dialects import builtin
from xdsl.dialects.builtin import ArrayAttr, StringAttr
from xdsl.ir import Block, Operation, Region
from xdsl.rewriter import InsertPoint

from klr.diagnostics import Diagnostic, KlrError, Location, Severity, SourceCache
from klr.dialects import klr as k
from klr.dialects import py_ast as p
from klr.tracer.errors import NeedUnroll, TraceError
from klr.tracer.values import DtypeValue, Function, Storage, TensorView

_DTYPE_ALIASES = {
    "f32": "float32", "fp32": "float32", "bf16": "bfloat16", "f16": "float16", "fp16": "float16",
    "tf32": "tfloat32", "fp8": "float8_e4m3", "i8": "int8", "i16": "int16", "i32": "int32",
    "u8": "uint8", "u16": "uint16", "u32": "uint32", "bool": "bool_",
}


@dataclass(frozen=True)
class TensorSpec:
    """The shape and dtype of a kernel's tensor argument."""

    shape: tuple[int, ...]
    dtype: k.Dtype

    @staticmethod
    def parse(text: str) -> TensorSpec:
        """`bfloat16[128,512]`, `bf16[128, 512]`, `f32[4]`."""
        m = re.fullmatch(r"\s*([A-Za-z0-9_]+)\s*\[\s*([0-9,\s]+)\]\s*", text)
        if m is None:
            raise ValueError(f"not a tensor spec: {text!r} (expected e.g. bfloat16[128,512])")
        name = _DTYPE_ALIASES.get(m.group(1), m.group(1))
        try:
            dtype = k.Dtype(name)
        except ValueError:
            raise ValueError(
                f"unknown dtype '{m.group(1)}' (expected one of {', '.join(d.value for d in k.Dtype)})"
            ) from None
        dims = tuple(int(d) for d in m.group(2).replace(" ", "").split(",") if d)
        if not dims or any(d <= 0 for d in dims):
            raise ValueError(f"tensor dimensions must be positive: {text!r}")
        return TensorSpec(dims, dtype)

    @staticmethod
    def of(value: Any) -> TensorSpec | None:
        """A spec for an array-like argument (only shape and dtype cross)."""
        if _is_dtype(value):
            return None
        shape = getattr(value, "shape", None)
        dtype = getattr(value, "dtype", None)
        if shape is None or dtype is None:
            return None
        name = str(dtype).rpartition(".")[2]
        name = _DTYPE_ALIASES.get(name, name)
        return TensorSpec(tuple(int(d) for d in shape), k.Dtype(name))

    def __str__(self) -> str:
        return f"{self.dtype.value}[{','.join(str(d) for d in self.shape)}]"


@dataclass
class TraceResult:
    module: builtin.ModuleOp
    kernels: list[k.KernelOp]
    messages: list[str] = field(default_factory=list)
    """What the kernel printed at trace time."""
    unrolled: list[str] = field(default_factory=list)
    """Why loops written as affine/sequential ranges were unrolled."""
    warnings: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


def _location(file: str | None, op: Operation | None, sources: SourceCache) -> Location | None:
    if op is None:
        return Location(file) if file else None
    loc = op.properties.get("loc")
    if not isinstance(loc, p.LocAttr):
        return Location(file)
    line, col, end_line, end_col = loc.data
    text = None
    if file is not None:
        first = sources.line(file, line)
        last = sources.line(file, end_line) if end_line != line else first
        if first is not None:
            text = "\n" * (line - 1) + first + ("\n" + (last or "") if end_line != line else "")
    return Location.from_python(file, line, col, end_line, end_col, text)


def to_diagnostic(e: TraceError, sources: SourceCache) -> Diagnostic:
    notes = [
        Diagnostic(
            "note",
            f"in a call from '{func}'",
            _location(file, call, sources),
            Severity.NOTE,
        )
        for file, func, call in e.calls
    ]
    return Diagnostic(e.code, e.message, _location(e.file, e.op, sources), hint=e.hint, notes=notes)


def _program(module: builtin.ModuleOp | p.ProgramOp) -> p.ProgramOp:
    if isinstance(module, p.ProgramOp):
        return module
    for op in module.walk():
        if isinstance(op, p.ProgramOp):
            return op
    raise KlrError(
        Diagnostic(
            "err_bad_ir",
            "no py_ast.program to trace",
            hint="trace a kernel's .py file, or a file made by 'klr gather FILE FUNC -o OUT.klr'",
        )
    )


def _instances(grid: tuple[int, ...]) -> list[tuple[int, ...]]:
    if not grid:
        return [()]
    out: list[tuple[int, ...]] = [()]
    for n in grid:
        out = [ids + (i,) for ids in out for i in range(n)]
    return out


def trace_program(
    program: builtin.ModuleOp | p.ProgramOp,
    args: Mapping[str, Any],
    grid: Sequence[int] = (),
    target: str | None = None,
) -> TraceResult:
    """Specialize a gathered program for `args`; raises KlrError on user errors."""
    from klr.targets import DEFAULT_TARGET, get_target

    prog = _program(program)
    try:
        tgt = get_target(target or DEFAULT_TARGET)
    except KeyError as e:
        raise KlrError(Diagnostic("err_usage", str(e).strip("'\""))) from None
    grid_t = tuple(int(g) for g in grid)
    if any(g <= 0 for g in grid_t):
        raise KlrError(Diagnostic("err_usage", f"grid dimensions must be positive, got {grid_t}"))
    sources = SourceCache()
    module = builtin.ModuleOp([])
    result = TraceResult(module, [])
    for pid in _instances(grid_t):
        unroll: frozenset[int] = frozenset()
        while True:
            try:
                kernel, interp = _trace_instance(prog, args, tgt, grid_t, pid, unroll)
                break
            except NeedUnroll as e:
                new = e.loops - unroll
                if not new:
                    raise KlrError(
                        Diagnostic("err_internal", f"cannot specialize the kernel: {e.why}")
                    ) from None
                result.unrolled.append(e.why)
                unroll = unroll | new
            except TraceError as e:
                if e.file is None:
                    entry = prog.entry_module.data
                    e.file = next(
                        (m.file.data for m in prog.body.block.ops
                         if isinstance(m, p.ModuleOp) and m.sym_name.data == entry and m.file),
                        None,
                    )
                raise KlrError(to_diagnostic(e, sources)) from None
        module.body.block.add_op(kernel)
        result.kernels.append(kernel)
        result.messages.extend(interp.messages)
        for w in interp.warnings:
            d = dataclasses.replace(to_diagnostic(w, sources), severity=Severity.WARNING)
            if d not in result.warnings:  # once, not once per program instance
                result.warnings.append(d)
    return result


def _trace_instance(
    prog: p.ProgramOp,
    args: Mapping[str, Any],
    target: Any,
    grid: tuple[int, ...],
    pid: tuple[int, ...],
    unroll: frozenset[int],
) -> tuple[k.KernelOp, Any]:
    from klr.tracer.interp import Frame, Interpreter

    interp = Interpreter(prog, target, grid, pid, unroll)
    entry_module = prog.entry_module.data
    entry = prog.entry.data
    mod = interp.module(entry_module)
    fn = mod.globals.get(entry)
    if not isinstance(fn, Function):
        raise TraceError(
            "err_missing_function", f"'{entry}' is not a function in '{entry_module}'", None
        )
    sig = interp.signature(fn)
    unknown = [a for a in args if a not in sig.parameters]
    if unknown:
        raise TraceError(
            "err_bad_arguments",
            f"{entry}() has no parameter {', '.join(repr(u) for u in unknown)}",
            fn.op,
            hint=f"its parameters are: {', '.join(sig.parameters)}",
        )
    missing = [
        n
        for n, prm in sig.parameters.items()
        if n not in args and prm.default is prm.empty and prm.kind not in (prm.VAR_POSITIONAL, prm.VAR_KEYWORD)
    ]
    if missing:
        raise TraceError(
            "err_missing_argument",
            f"no value for parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} of '{entry}'",
            fn.op,
            hint="give tensors as NAME=dtype[shape] (e.g. --arg "
            f"{missing[0]}=float32[128,512]) and constants as NAME=value",
        )
    tensor_names: list[str] = []
    tensor_types: list[k.TensorType] = []
    kwargs: dict[str, Any] = {}
    for name, value in args.items():
        if _is_dtype(value):
            kwargs[name] = DtypeValue(_dtype_of(value))
            continue
        spec = value if isinstance(value, TensorSpec) else TensorSpec.of(value)
        if spec is not None:
            tensor_names.append(name)
            tensor_types.append(k.TensorType(spec.shape, spec.dtype, k.Memory.HBM))
        else:
            kwargs[name] = value
    block = Block(arg_types=tensor_types)
    # one kernel per SPMD program instance; symbol names must be unique in a module
    sym = entry if not grid else f"{entry}_" + "_".join(str(i) for i in pid)
    props: dict[str, Any] = {
        "sym_name": StringAttr(sym),
        "target": StringAttr(target.name),
        "arg_names": ArrayAttr([StringAttr(n) for n in tensor_names]),
    }
    if grid:
        props["grid"] = k.IntsAttr(grid)
        props["program_id"] = k.IntsAttr(pid)
    kernel = k.KernelOp.build(properties=props, regions=[Region(block)])
    for name, arg, t in zip(tensor_names, block.args, tensor_types):
        arg.name_hint = name if name.isidentifier() and name.isascii() else None
        kwargs[name] = TensorView.whole(Storage(arg, t, name))
    interp.builder = Builder(InsertPoint.at_end(block))
    interp.frames.append(Frame(mod, "<kernel>", {}))
    result = interp.call_function(fn, [], kwargs, fn.op)
    outputs = _outputs(result, fn)
    interp.emit(k.ReturnOp(*[o.storage.value for o in outputs]))
    written = _written_args(kernel)
    if written:
        kernel.inout = k.IntsAttr(written)
    return kernel, interp


def _written_args(kernel: k.KernelOp) -> tuple[int, ...]:
    """Indices of the kernel arguments some instruction writes (in-place outputs)."""
    args = {arg: i for i, arg in enumerate(kernel.body.block.args)}
    written: set[int] = set()
    for op in kernel.walk():
        dst = getattr(op, "dst", None) if isinstance(op, k.InstructionOp) else None
        if dst is None:
            continue
        root = dst.owner.base if isinstance(dst.owner, k.ViewOp) else dst
        if root in args:
            written.add(args[root])
    return tuple(sorted(written))


def _outputs(result: Any, fn: Function) -> list[TensorView]:
    items = list(result) if isinstance(result, (tuple, list)) else [] if result is None else [result]
    out: list[TensorView] = []
    for item in items:
        if not isinstance(item, TensorView):
            raise TraceError(
                "err_bad_return",
                f"a kernel returns tensors, not {type(item).__name__}",
                fn.op,
            )
        if item.memory.on_chip:
            raise TraceError(
                "err_bad_return",
                f"the kernel returns an {item.memory.value} tensor; kernel outputs live in HBM",
                fn.op,
                hint="allocate outputs with nl.ndarray(shape, dtype, buffer=nl.shared_hbm)",
            )
        if not item.is_whole() or item.dims != TensorView.whole(item.storage).dims:
            raise TraceError(
                "err_bad_return", "the kernel returns a view of a tensor, not a whole tensor", fn.op
            )
        out.append(item)
    return out


def _is_dtype(value: Any) -> bool:
    """NumPy / ml_dtypes dtypes (and scalar types) passed as compile-time constants."""
    import numpy as np

    return isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic))


def _dtype_of(value: Any) -> k.Dtype:
    import numpy as np

    name = np.dtype(value).name
    name = {"bool": "bool_"}.get(name, name)
    try:
        return k.Dtype(name)
    except ValueError:
        raise KlrError(
            Diagnostic("err_bad_arguments", f"dtype {name} is not an NKI dtype")
        ) from None


def parse_arg(text: str) -> tuple[str, Any]:
    """`NAME=dtype[shape]` or `NAME=python-literal` (from the command line)."""
    import ast

    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    value = value.strip()
    if re.fullmatch(r"[A-Za-z0-9_]+\s*\[[0-9,\s]*\]", value):
        return name, TensorSpec.parse(value)
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        raise ValueError(
            f"the value of '{name}' is neither a tensor spec (dtype[shape]) nor a Python "
            f"literal: {value!r}"
        ) from None


def trace(
    path_or_function: str | os.PathLike[str] | Callable[..., object],
    name: str | None = None,
    *,
    grid: Sequence[int] = (),
    target: str | None = None,
    **args: Any,
) -> TraceResult:
    """Gather and trace a kernel: `klr.tracer("k.py", "kernel", x="float32[128,512]")`."""
    from klr.frontend.gather import gather

    specs = {n: TensorSpec.parse(v) if isinstance(v, str) and "[" in v else v for n, v in args.items()}
    gathered = gather(path_or_function, name)
    result = trace_program(gathered.module, specs, grid, target)
    result.warnings = [*gathered.warnings, *result.warnings]
    result.sources = gathered.sources
    return result
