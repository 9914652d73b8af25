"""Running `klr` kernels on NumPy: the reference interpreter behind `klr run` and
`klr.simulate`.

    out = klr.simulate(softmax_kernel)(x)          # like nki.simulate(kernel)(x)
    result = run_module(module, {"x": x})           # traced module, inputs by name

`mode="precise"` (default) keeps every tensor in its real dtype (bfloat16, float8, ...);
`mode="fp32"` keeps floats in float32, to tell algorithm bugs from precision loss.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import builtin

from klr.diagnostics import Diagnostic, KlrError, Location, Severity
from klr.dialects import klr as k
from klr.interp import dtypes as dt
from klr.interp.machine import Compiler, Machine, Ref, SimulationError, Storage, location


@dataclass
class RunResult:
    """What a run produced."""

    outputs: list[np.ndarray]
    """The returned tensors, in order."""
    output_names: list[str] = field(default_factory=list)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    """The kernel's tensor arguments after the run (in-place writes included)."""
    printed: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    instructions: int = 0
    written: list[str] = field(default_factory=list)
    """The tensor arguments the kernel writes (its outputs when it returns nothing)."""


def _diag(code: str, message: str, op: Any, severity: Severity, hint: str | None = None) -> Diagnostic:
    loc = location(op)
    where = Location(loc[0], loc[1], loc[2]) if loc is not None else None
    return Diagnostic(code, message, where, severity, hint)


def run_module(
    module: builtin.ModuleOp,
    inputs: Mapping[str, np.ndarray],
    mode: str = "precise",
) -> RunResult:
    """Run every kernel of a traced module (one per SPMD program instance) in order.

    Program instances share HBM: their inputs, and `shared_hbm` tensors of the same
    name (the outputs all instances write their part of).
    """
    if mode not in ("precise", "fp32"):
        raise KlrError(Diagnostic("err_usage", f"unknown mode '{mode}' (precise or fp32)"))
    kernels = [op for op in module.body.block.ops if isinstance(op, k.KernelOp)]
    if not kernels:
        raise KlrError(Diagnostic("err_bad_ir", "no klr.kernel to run"))
    machine = Machine(mode=mode)
    arg_storage: dict[str, Storage] = {}
    outputs: list[Ref] = []
    written: list[str] = []
    for kernel in kernels:
        names = [n.data for n in kernel.arg_names.data] if kernel.arg_names is not None else []
        for i in kernel.inout.data if kernel.inout is not None else ():
            if i < len(names) and names[i] not in written:
                written.append(names[i])
        try:
            compiled = Compiler(machine).compile(kernel)
        except SimulationError as e:
            raise KlrError(_diag(e.code, e.message, e.op, Severity.ERROR, e.hint)) from None
        env: list[Any] = [None] * compiled.nslots
        for slot, t, name in zip(compiled.arg_slots, compiled.arg_types, compiled.arg_names):
            if name not in arg_storage:
                arg_storage[name] = _input_storage(machine, name, t, inputs)
            env[slot] = _whole_ref(arg_storage[name])
        try:
            for step in compiled.steps:
                step(env)
        except SimulationError as e:
            raise KlrError(_diag(e.code, e.message, e.op, Severity.ERROR, e.hint)) from None
        outputs = [env[s] for s in compiled.result_slots]
    results: list[np.ndarray] = []
    warnings = [_diag(c, m, op, Severity.WARNING) for c, m, op in machine.warnings]
    for ref in outputs:
        if not ref.storage.init.all():
            missing = int((~ref.storage.init).sum())
            warnings.append(
                Diagnostic(
                    "warn_output_unwritten",
                    f"output '{ref.storage.name}' has {missing} elements the kernel never wrote",
                    severity=Severity.WARNING,
                )
            )
        results.append(ref.storage.data.copy())
    return RunResult(
        results,
        [ref.storage.name for ref in outputs],
        {n: s.data.copy() for n, s in arg_storage.items()},
        machine.printed,
        warnings,
        machine.instructions,
        written,
    )


def _whole_ref(storage: Storage) -> Ref:
    from klr.interp.machine import _whole

    return _whole(storage)


def _input_storage(m: Machine, name: str, t: k.TensorType, inputs: Mapping[str, np.ndarray]) -> Storage:
    if name not in inputs:
        raise KlrError(
            Diagnostic("err_missing_argument", f"no input array for tensor argument '{name}'")
        )
    array = np.asarray(inputs[name])
    if tuple(array.shape) != t.get_shape():
        raise KlrError(
            Diagnostic(
                "err_bad_arguments",
                f"input '{name}' has shape {tuple(array.shape)}, the kernel was traced for "
                f"{t.get_shape()}",
            )
        )
    storage = m.new_storage(name, t)
    if array.dtype == storage.data.dtype:
        storage.data[...] = array
    else:
        storage.data[...] = dt.convert(array.astype(np.float32), storage.data.dtype)
    storage.init[...] = True
    return storage


@dataclass(frozen=True)
class LoadedKernel:
    """A kernel named in a file, loaded without importing the file (`klr.load`)."""

    path: str
    name: str
    parameters: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    """Parameters with a default value in the source (the tracer evaluates it)."""
    keyword_only: tuple[str, ...] = ()

    def signature(self) -> inspect.Signature:
        # a default is only a marker here: unbound parameters are left to the kernel's own
        def param(n: str, kind: Any) -> inspect.Parameter:
            return inspect.Parameter(n, kind, default=None if n in self.optional else inspect.Parameter.empty)

        return inspect.Signature(
            [param(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in self.parameters]
            + [param(p, inspect.Parameter.KEYWORD_ONLY) for p in self.keyword_only]
        )


def load(path: str, name: str) -> LoadedKernel:
    """`klr.load("kernels.py", "softmax_kernel")`: a kernel to pass to `klr.simulate`.

    The file is gathered (parsed), never imported or executed.
    """
    from klr.dialects import py_ast as p
    from klr.frontend.gather import gather

    result = gather(path, name)
    params: list[str] = []
    kwonly: list[str] = []
    optional: set[str] = set()
    for mod in result.program.body.block.ops:
        if isinstance(mod, p.ModuleOp) and mod.sym_name.data == result.program.entry_module.data:
            for stmt in mod.body.block.ops:
                if isinstance(stmt, p.FunctionDefOp) and stmt.sym_name.data == name:
                    arguments = stmt.args.owner
                    assert isinstance(arguments, p.ArgumentsOp)
                    params = [a.owner.arg.data for a in arguments.args]  # type: ignore[attr-defined]
                    kwonly = [a.owner.arg.data for a in arguments.kwonlyargs]  # type: ignore[attr-defined]
                    optional = {
                        a.owner.arg.data  # type: ignore[attr-defined]
                        for a in [*arguments.args, *arguments.kwonlyargs]
                        if a.owner.default is not None  # type: ignore[attr-defined]
                    }
    return LoadedKernel(str(path), name, tuple(params), frozenset(optional), tuple(kwonly))


class Simulation:
    """`klr.simulate(kernel)`: call it like the kernel; `[grid]` selects an SPMD grid."""

    def __init__(
        self,
        kernel: Any,
        mode: str = "precise",
        grid: tuple[int, ...] = (),
        target: str | None = None,
    ):
        self.kernel = kernel
        self.mode = mode
        self.grid = grid
        self.target = target

    def __getitem__(self, grid: Any) -> Simulation:
        dims = grid if isinstance(grid, tuple) else (grid,)
        return Simulation(self.kernel, self.mode, tuple(int(d) for d in dims), self.target)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from klr.tracer import TensorSpec, trace

        if isinstance(self.kernel, LoadedKernel):
            sig, source, name = self.kernel.signature(), self.kernel.path, self.kernel.name
        else:
            fn = inspect.unwrap(getattr(self.kernel, "fn", self.kernel))
            sig, source, name = inspect.signature(fn), fn, None
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise KlrError(Diagnostic("err_bad_arguments", f"kernel arguments: {e}")) from None
        values = dict(bound.arguments)
        arrays = {n: v for n, v in values.items() if TensorSpec.of(v) is not None}
        result = trace(source, name, grid=self.grid, target=self.target, **values)
        ran = run_module(result.module, arrays, self.mode)
        for n, array in arrays.items():
            if isinstance(array, np.ndarray) and array.flags.writeable:
                array[...] = ran.inputs[n].astype(array.dtype)
        if not ran.outputs:
            return None
        return ran.outputs[0] if len(ran.outputs) == 1 else tuple(ran.outputs)


def simulate(
    kernel: Any,
    *,
    mode: str = "precise",
    grid: tuple[int, ...] = (),
    target: str | None = None,
) -> Simulation:
    """`klr.simulate(kernel)(*args, **kwargs)` and `klr.simulate(kernel)[grid](...)`.

    `kernel` is a function object (its source file is gathered, never re-imported), an
    `@nki.jit` kernel of the stand-in, or `klr.load(path, name)`. Array arguments
    (anything with `.shape` and `.dtype`) become HBM tensors; other arguments are
    compile-time constants (ints, floats, bools, tuples, None, strings, dtypes). Returns
    the outputs as NumPy arrays in their dtypes, in return order (one array, or a tuple);
    in-place writes to input arrays are copied back into them, as `nki.simulate` does.
    """
    return Simulation(kernel, mode, tuple(grid), target)
