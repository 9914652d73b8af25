"""The partial evaluator: runs a gathered kernel's Python over `py_ast`, emitting `klr`.

Everything Python-level (arithmetic on shapes, lists, dicts, classes, calls, f-strings,
asserts, static `if`) is evaluated here; NKI instructions become `klr` ops through the
library (`klr.tracer.library`, `language`, `isa`). `affine_range`/`sequential_range` loops are traced once
with a symbolic index (`Affine`) into a `klr.for`; if the body needs the concrete index
at the Python level, the whole trace restarts with that loop unrolled.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xdsl.builder import Builder
from xdsl.dialects.builtin import IndexType, StringAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

from klr.dialects import klr as k
from klr.dialects import py_ast as p
from klr.tracer.errors import (
    BreakLoop,
    ControlFlow,
    ContinueLoop,
    NeedUnroll,
    ReturnValue,
    TraceError,
)
from klr.tracer.values import (
    Affine,
    BoundMethod,
    Builtin,
    EnumInstance,
    Function,
    Instance,
    Module,
    Namespace,
    NeedConcrete,
    DynamicRange,
    NotSupported,
    OpValue,
    RegisterValue,
    RuntimeValueUse,
    TensorView,
    UserClass,
)

if TYPE_CHECKING:
    from klr.targets import Target

MAX_WHILE_ITERATIONS = 100_000
MAX_CALL_DEPTH = 200

_BINOPS: dict[p.BinOpKind, Callable[[Any, Any], Any]] = {
    p.BinOpKind.ADD: operator.add,
    p.BinOpKind.SUB: operator.sub,
    p.BinOpKind.MULT: operator.mul,
    p.BinOpKind.MATMULT: operator.matmul,
    p.BinOpKind.DIV: operator.truediv,
    p.BinOpKind.MOD: operator.mod,
    p.BinOpKind.POW: operator.pow,
    p.BinOpKind.LSHIFT: operator.lshift,
    p.BinOpKind.RSHIFT: operator.rshift,
    p.BinOpKind.BITOR: operator.or_,
    p.BinOpKind.BITXOR: operator.xor,
    p.BinOpKind.BITAND: operator.and_,
    p.BinOpKind.FLOORDIV: operator.floordiv,
}
_DUNDERS: dict[p.BinOpKind, str] = {
    p.BinOpKind.ADD: "add",
    p.BinOpKind.SUB: "sub",
    p.BinOpKind.MULT: "mul",
    p.BinOpKind.MATMULT: "matmul",
    p.BinOpKind.DIV: "truediv",
    p.BinOpKind.MOD: "mod",
    p.BinOpKind.POW: "pow",
    p.BinOpKind.LSHIFT: "lshift",
    p.BinOpKind.RSHIFT: "rshift",
    p.BinOpKind.BITOR: "or",
    p.BinOpKind.BITXOR: "xor",
    p.BinOpKind.BITAND: "and",
    p.BinOpKind.FLOORDIV: "floordiv",
}
_CMPOPS: dict[p.CmpOpKind, Callable[[Any, Any], Any]] = {
    p.CmpOpKind.EQ: operator.eq,
    p.CmpOpKind.NOTEQ: operator.ne,
    p.CmpOpKind.LT: operator.lt,
    p.CmpOpKind.LTE: operator.le,
    p.CmpOpKind.GT: operator.gt,
    p.CmpOpKind.GTE: operator.ge,
    p.CmpOpKind.IS: operator.is_,
    p.CmpOpKind.ISNOT: operator.is_not,
    p.CmpOpKind.IN: lambda a, b: a in b,
    p.CmpOpKind.NOTIN: lambda a, b: a not in b,
}
_UNARY: dict[p.UnaryOpKind, Callable[[Any], Any]] = {
    p.UnaryOpKind.INVERT: operator.invert,
    p.UnaryOpKind.NOT: operator.not_,
    p.UnaryOpKind.UADD: operator.pos,
    p.UnaryOpKind.USUB: operator.neg,
}

# Python types whose methods kernels may call (they only touch plain data).
_DATA_TYPES = (str, list, tuple, dict, set, frozenset, int, float, bool, slice, range)
_MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "update",
        "setdefault",
        "popitem",
        "sort",
        "reverse",
        "add",
        "discard",
        "__setitem__",
        "__delitem__",
    }
)


class _Unbound:
    """A variable first assigned inside a rolled loop: unusable after it."""

    def __init__(self, loop: int, name: str):
        self.loop = loop
        self.name = name


@dataclass
class Frame:
    """One activation of a user function (or a module's top level)."""

    module: Module
    name: str
    locals: dict[str, Any]
    closure: list[dict[str, Any]] = field(default_factory=list)
    global_names: set[str] = field(default_factory=set)
    nonlocal_names: set[str] = field(default_factory=set)


@dataclass
class LoopRange:
    """What `nl.affine_range` & co. return: a range plus how it may be traced."""

    kind: k.LoopKind
    start: int
    stop: int
    step: int

    def values(self) -> range:
        return range(self.start, self.stop, self.step)


@dataclass
class RolledLoop:
    key: int
    op: k.ForOp
    depth: int


def _has_call(value: SSAValue) -> bool:
    """Whether the py_ast expression `value` contains a call (or anything with a region)."""
    owner = value.owner
    if not isinstance(owner, Operation):
        return False
    if isinstance(owner, p.CallOp) or owner.regions:
        return True
    return any(_has_call(o) for o in owner.operands)


class Interpreter:
    """Evaluates py_ast for one specialization of a kernel."""

    def __init__(
        self,
        program: p.ProgramOp,
        target: Target,
        grid: tuple[int, ...],
        program_id: tuple[int, ...],
        unroll: frozenset[int],
    ):
        from klr.tracer.library import Library

        self.program = program
        self.target = target
        self.grid = grid
        self.program_id = program_id
        self.unroll = unroll
        self.library = Library(self, target)
        self.messages: list[str] = []
        """What the kernel printed at trace time."""
        self.first_generation = False
        """Set when the kernel uses `neuronxcc.nki`: its loop bodies run once at trace time."""
        self.warnings: list[TraceError] = []
        self._warned_loops: set[int] = set()
        self._names: dict[str, int] = {}
        self.modules: dict[str, Module] = {}
        self.bindings: dict[tuple[str, str], p.BindingOp] = {}
        for op in program.body.block.ops:
            if isinstance(op, p.ModuleOp):
                self.modules[op.sym_name.data] = Module(
                    op.sym_name.data, op.file.data if op.file else "<unknown>", op
                )
            elif isinstance(op, p.BindingOp):
                self.bindings[(op.module.data, op.local.data)] = op
        self._initialized: set[str] = set()
        self.frames: list[Frame] = []
        self.call_sites: list[tuple[Module, str, Operation]] = []
        self.builder: Builder | None = None
        self.rolled: list[RolledLoop] = []
        self.loop_of_index: dict[SSAValue, int] = {}
        self.index_range: dict[SSAValue, tuple[int, int]] = {}
        """Block argument of a rolled loop -> (min, max) of its values."""
        self.birth: dict[int, int] = {}
        """id of a container created during tracing -> rolled-loop depth at creation."""
        self._keepalive: list[object] = []

    @contextmanager
    def building(self, block: Block) -> Iterator[None]:
        """Emit into `block` (a region of a dynamic loop) for the duration."""
        saved = self.builder
        self.builder = Builder(InsertPoint.at_end(block))
        try:
            yield
        finally:
            self.builder = saved

    def fresh_name(self, prefix: str = "t") -> str:
        n = self._names.get(prefix, 0)
        self._names[prefix] = n + 1
        return f"{prefix}{n}"

    def unique_name(self, name: str) -> str:
        """`name`, or `name_1`, `name_2`, ... if a tensor already has it."""
        n = self._names.get("=" + name, 0)
        self._names["=" + name] = n + 1
        return name if n == 0 else f"{name}_{n}"

    def name_tensor(self, value: Any, var: str) -> None:
        """Name a freshly allocated tensor (or register) after the variable it is assigned to."""
        if isinstance(value, RegisterValue):
            if value.value.name_hint is None and var.isascii() and var.isidentifier():
                value.value.name_hint = var
            return
        if not isinstance(value, TensorView) or not value.storage.auto_named:
            return
        storage = value.storage
        storage.auto_named = False
        alloc = storage.value.owner
        if isinstance(alloc, k.AllocOp):
            storage.name = self.unique_name(var)
            alloc.tensor_name = StringAttr(storage.name)
            if storage.name.isascii() and storage.name.isidentifier():
                storage.value.name_hint = storage.name

    # -- errors --------------------------------------------------------------

    def error(self, code: str, message: str, op: Operation | None, hint: str | None = None) -> TraceError:
        return TraceError(code, message, op, hint)

    def _located(self, e: TraceError) -> TraceError:
        if e.file is None and self.frames:
            e.file = self.frames[-1].module.file
        return e

    # -- emitting ------------------------------------------------------------

    def emit(self, op: Operation) -> Operation:
        assert self.builder is not None
        self.builder.insert(op)
        return op

    def new_container(self, obj: Any) -> Any:
        self.birth[id(obj)] = len(self.rolled)
        self._keepalive.append(obj)
        return obj

    def check_mutation(self, obj: Any, op: Operation | None) -> None:
        """Mutating Python state created outside a rolled loop needs the loop unrolled."""
        if not self.rolled:
            return
        depth = self.birth.get(id(obj), 0)
        if depth < len(self.rolled):
            loops = frozenset(r.key for r in self.rolled[depth:])
            if self.first_generation:
                self.first_generation_side_effect(self.rolled[depth].key, op, "changes Python state defined outside it")
                return
            raise NeedUnroll(loops, "the loop body changes Python state defined outside it")

    def first_generation_side_effect(self, key: int, op: Operation | None, what: str) -> None:
        """First-generation semantics: the body ran once, symbolically, so a Python side
        effect happens once, not once per iteration. Follow it, and say so."""
        if key in self._warned_loops:
            return
        self._warned_loops.add(key)
        w = TraceError(
            "warn_first_generation_loop",
            f"this loop body {what}; as in the first NKI generation it runs once at trace "
            "time, so the change happens once, not once per iteration",
            op,
            hint="the current NKI generation unrolls such loops; compute the value outside "
            "the loop to make the kernel mean the same in both",
        )
        w.file = self.frames[-1].module.file
        self.warnings.append(w)

    def need_concrete(self, e: NeedConcrete) -> NeedUnroll:
        loops = frozenset(self.loop_of_index[v] for v, _ in e.affine.terms if v in self.loop_of_index)
        return NeedUnroll(loops, e.what)

    # -- modules and names ---------------------------------------------------

    def module(self, name: str) -> Module:
        mod = self.modules[name]
        if name not in self._initialized:
            self._initialized.add(name)
            frame = Frame(mod, "<module>", mod.globals)
            self.frames.append(frame)
            try:
                self.exec_block(mod.op.body)
            finally:
                self.frames.pop()
        return mod

    def resolve_import(self, module: Module, local: str, op: Operation) -> Any:
        b = self.bindings.get((module.name, local))
        if b is None:
            raise self.error(
                "err_undefined_name", f"name '{local}' is not defined", op,
                hint="gather recorded no binding for it",
            )
        kind = b.kind.data
        target = b.target.data
        member = b.member.data if b.member is not None else None
        if kind == p.BindingKind.LIBRARY:
            return self.library(target, member)
        if kind == p.BindingKind.MODULE:
            return self.module(target)
        if kind == p.BindingKind.SYMBOL:
            assert member is not None
            src = self.module(target)
            if member not in src.globals:
                raise self.error(
                    "err_undefined_name", f"module '{target}' has no name '{member}'", op
                )
            return src.globals[member]
        raise self.error(
            "err_undefined_name",
            f"cannot resolve '{local}': gather found no module '{target}'",
            op,
            hint="make the module importable (next to the kernel, in its package, or on "
            "PYTHONPATH) and gather again",
        )

    def lookup(self, name: str, op: Operation) -> Any:
        frame = self.frames[-1]
        if name in frame.locals and name not in frame.global_names:
            value = frame.locals[name]
            if isinstance(value, _Unbound):
                raise NeedUnroll(
                    frozenset({value.loop}),
                    f"'{name}' is first assigned inside the loop and used after it",
                )
            return value
        for scope in reversed(frame.closure):
            if name in scope:
                value = scope[name]
                if isinstance(value, _Unbound):
                    raise NeedUnroll(frozenset({value.loop}), f"'{name}' escapes a loop")
                return value
        g = frame.module.globals
        if name in g:
            return g[name]
        builtin = self.library("builtins", name)
        if builtin is not None:
            return builtin
        raise self.error(
            "err_undefined_name",
            f"name '{name}' is not defined",
            op,
            hint="define it, or import it from a module that gather can find",
        )

    # -- statements ----------------------------------------------------------

    def exec_block(self, region: Region) -> None:
        if not region.blocks:
            return
        for op in region.block.ops:
            if not op.results:
                self.exec_stmt(op)

    def exec_stmt(self, op: Operation) -> None:
        handler = _STMT.get(type(op))
        if handler is None:
            raise self.error(
                "err_unsupported_syntax",
                f"'{_py_name(op)}' statements are not allowed in NKI kernels",
                op,
                hint=_FORBIDDEN_HINTS.get(type(op)),
            )
        try:
            handler(self, op)
        except (TraceError, NeedUnroll, ControlFlow):
            raise
        except NeedConcrete as e:
            raise self.need_concrete(e) from None
        except RuntimeValueUse as e:
            raise self.error(
                "err_dynamic_value",
                f"{e.what}: it cannot be used in Python-level computation",
                op,
                hint="use a register as a dynamic loop bound, a while condition, or an operand "
                "of nisa.register_move/register_store",
            ) from None
        except RecursionError:
            raise self.error("err_recursion", "recursion is too deep", op) from None
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as e:
            raise self.error(
                "err_python", f"{type(e).__name__}: {e}", op,
                hint="this error happens while the kernel's Python is evaluated at trace time",
            ) from None

    def s_expr(self, op: p.ExprStmtOp) -> None:
        self.eval(op.value)

    def s_pass(self, op: Operation) -> None:
        pass

    def s_assign(self, op: p.AssignOp) -> None:
        if self.first_generation and len(op.targets) == 1 and isinstance(op.value.owner, p.CallOp):
            if self.assign_call_into_view(op):
                return
        value = self.eval(op.value)
        first = op.targets[0].owner
        if isinstance(first, p.NameOp):
            self.name_tensor(value, first.id.data)
        for t in op.targets:
            self.assign(t, value)

    def assign_call_into_view(self, op: p.AssignOp) -> bool:
        """First generation `t[...] = nisa.f(...)`: the instruction writes straight into the
        view `t[...]` when it can (`klr.tracer.legacy.assigning_into`) instead of into a
        new tile that is then copied. The target is evaluated before the call (only when
        it has no calls of its own, so nothing runs twice or out of order)."""
        from klr.tracer import legacy, operators
        from klr.tracer.views import index_view

        node = op.targets[0].owner
        if not isinstance(node, p.SubscriptOp) or not isinstance(node.value.owner, p.NameOp):
            return False
        if _has_call(node.index):
            return False
        container = self.eval(node.value)
        if not isinstance(container, TensorView):
            return False
        from klr.tracer.index_exprs import index_advanced, is_advanced, is_indirect

        index = self.eval(node.index)
        if is_indirect(index):
            return False  # a scatter: the usual path
        try:
            target = (
                index_advanced(self, container, index, node) if is_advanced(index)
                else index_view(self, container, index, node)
            )
        except TraceError:
            return False  # reported by the usual path, in the usual order
        if not isinstance(target, TensorView):
            return False  # an access pending a mask: the usual path
        with legacy.assigning_into(op.value.owner, target):
            value = self.eval(op.value)
        if value is not target:
            operators.assign(self, target, value, node)
        return True

    def s_ann_assign(self, op: p.AnnAssignOp) -> None:
        if op.value is None:
            frame = self.frames[-1]
            # class bodies record annotated fields (dataclass-like NKIObjects)
            if "__klr_fields__" in frame.locals and isinstance(op.target.owner, p.NameOp):
                frame.locals["__klr_fields__"].append((op.target.owner.id.data, _NO_DEFAULT))
            return
        value = self.eval(op.value)
        frame = self.frames[-1]
        if "__klr_fields__" in frame.locals and isinstance(op.target.owner, p.NameOp):
            frame.locals["__klr_fields__"].append((op.target.owner.id.data, value))
        self.assign(op.target, value)

    def s_aug_assign(self, op: p.AugAssignOp) -> None:
        current = self.eval(op.target)
        value = self.eval(op.value)
        result = self.binop(op.op.data, current, value, op, inplace=True)
        if result is current and isinstance(current, TensorView):
            return  # accumulated in place (`psum[...] += nisa.nc_matmul(...)`)
        self.assign(op.target, result)

    def s_if(self, op: p.IfOp) -> None:
        test = self.eval(op.test)
        if isinstance(test, RegisterValue):
            self.dynamic_if(op, test)
            return
        if self.truth(test, op):
            self.exec_block(op.body)
        else:
            self.exec_block(op.orelse)

    def dynamic_if(self, op: p.IfOp, test: RegisterValue) -> None:
        """`if reg:` branches at run time: both branches are traced, each into its region.

        Python state cannot depend on the branch taken: a branch may emit instructions
        and use its own local variables, but not rebind variables that exist outside.
        """
        branch = k.DynamicIfOp.build(
            operands=[test.value], regions=[Region(Block()), Region(Block())]
        )
        self.emit(branch)
        frame = self.frames[-1]
        before = dict(frame.locals)
        for region, block in ((op.body, branch.then_body.block), (op.orelse, branch.else_body.block)):
            with self.building(block):
                self.exec_block(region)
            for name, old in before.items():
                if frame.locals.get(name, old) is not old:
                    raise self.error(
                        "err_dynamic_condition",
                        f"'{name}' is rebound in a branch on a register: Python values cannot "
                        "depend on a run-time condition",
                        op,
                        hint="compute both values before the branch, or keep the branch to "
                        "instructions",
                    )
            for name in list(frame.locals):
                if name not in before:
                    del frame.locals[name]

    def s_while(self, op: p.WhileOp) -> None:
        test = self.eval(op.test)
        if isinstance(test, RegisterValue):
            # `while reg:` is a hardware loop; the register is re-read before each iteration
            loop = k.DynamicWhileOp.build(operands=[test.value], regions=[Region(Block())])
            self.emit(loop)
            with self.building(loop.body.block):
                self.exec_block(op.body)
            return
        count = 0
        first = True
        while self.truth(test if first else self.eval(op.test), op):
            first = False
            count += 1
            if count > MAX_WHILE_ITERATIONS:
                raise self.error(
                    "err_loop_limit",
                    f"while loop ran more than {MAX_WHILE_ITERATIONS} iterations at trace time",
                    op,
                    hint="a while loop must end on a condition known at trace time",
                )
            try:
                self.exec_block(op.body)
            except BreakLoop:
                return
            except ContinueLoop:
                continue
        self.exec_block(op.orelse)

    def s_for(self, op: p.ForOp) -> None:
        iterable = self.eval(op.iter)
        if isinstance(iterable, DynamicRange):
            from klr.tracer.dynamic import open_dynamic_for

            self.dynamic_for(op, iterable, open_dynamic_for)
            return
        if isinstance(iterable, LoopRange) and self.can_roll(op, iterable):
            self.rolled_for(op, iterable)
            return
        values = iterable.values() if isinstance(iterable, LoopRange) else self.iterate(iterable, op)
        for v in values:
            self.assign(op.target, v)
            try:
                self.exec_block(op.body)
            except BreakLoop:
                return
            except ContinueLoop:
                continue
        self.exec_block(op.orelse)

    def dynamic_for(self, op: p.ForOp, r: DynamicRange, open_loop: Callable[..., Any]) -> None:
        from klr.tracer.calls import _CALL

        if op.orelse.blocks:
            raise self.error("err_unsupported_syntax", "a dynamic loop cannot have an else clause", op)
        token = _CALL.set((self, op))
        try:
            loop, index = open_loop(r)
        finally:
            _CALL.reset(token)
        index.value.name_hint = _index_hint(op)
        with self.building(loop.body.block):
            self.assign(op.target, index)
            try:
                self.exec_block(op.body)
            except (BreakLoop, ContinueLoop):
                raise self.error(
                    "err_unsupported_syntax", "break/continue cannot leave a dynamic loop", op
                ) from None

    def can_roll(self, op: p.ForOp, r: LoopRange) -> bool:
        return (
            r.kind in (k.LoopKind.AFFINE, k.LoopKind.SEQUENTIAL)
            and id(op) not in self.unroll
            and len(r.values()) >= 1
            and not op.orelse.blocks
        )

    def rolled_for(self, op: p.ForOp, r: LoopRange) -> None:
        key = id(op)
        body = Block(arg_types=[IndexType()])
        index = body.args[0]
        index.name_hint = _index_hint(op)
        loop = k.ForOp.build(
            properties={
                "kind": k.LoopKindAttr(r.kind),
                "lower": k.IntAttr(r.start),
                "upper": k.IntAttr(r.stop),
                "step": k.IntAttr(r.step),
            },
            regions=[Region(body)],
        )
        from klr.tracer.calls import source_location

        loop.location = source_location(self, op)
        self.emit(loop)
        values = r.values()
        self.loop_of_index[index] = key
        self.index_range[index] = (values[0], values[-1])
        frame = self.frames[-1]
        before = dict(frame.locals)
        saved = self.builder
        self.builder = Builder(InsertPoint.at_end(body))
        self.rolled.append(RolledLoop(key, loop, len(self.rolled)))
        try:
            self.assign(op.target, Affine.of(index))
            try:
                self.exec_block(op.body)
            except (BreakLoop, ContinueLoop):
                raise NeedUnroll(frozenset({key}), "break/continue in the loop body") from None
        finally:
            self.rolled.pop()
            self.builder = saved
        # Rebinding a variable that lives outside the body makes iterations depend on
        # each other at the Python level: only unrolling is faithful.
        targets = set(_target_names(op.target))
        for name, old in before.items():
            if name in targets:
                continue
            new = frame.locals.get(name, old)
            if new is not old and not isinstance(old, _Unbound):  # a dead earlier loop's temp
                if self.first_generation and not isinstance(new, TensorView) and not isinstance(old, TensorView):
                    self.first_generation_side_effect(key, op, f"rebinds '{name}'")
                    continue
                raise NeedUnroll(frozenset({key}), f"the loop body rebinds '{name}'")
        for name in list(frame.locals):
            if name not in before or name in targets:
                frame.locals[name] = _Unbound(key, name)

    def s_break(self, op: Operation) -> None:
        raise BreakLoop()

    def s_continue(self, op: Operation) -> None:
        raise ContinueLoop()

    def s_return(self, op: p.ReturnOp) -> None:
        raise ReturnValue(self.eval(op.value) if op.value is not None else None)

    def s_assert(self, op: p.AssertOp) -> None:
        if not self.truth(self.eval(op.test), op):
            msg = self.eval(op.msg) if op.msg is not None else None
            text = "assertion failed" if msg is None else f"assertion failed: {msg}"
            raise self.error("err_assert", text, op, hint="the kernel's own assert, evaluated at trace time")

    def s_raise(self, op: p.RaiseOp) -> None:
        exc = self.eval(op.exc) if op.exc is not None else None
        text = str(exc) if exc is not None else "re-raise"
        raise self.error("err_raise", f"the kernel raised: {text}", op)

    def s_function_def(self, op: p.FunctionDefOp) -> None:
        fn = self.make_function(op, op.sym_name.data, op.args)
        for d in reversed(list(op.decorators)):
            fn = self.call(self.eval(d), [fn], {}, op)
        self.frames[-1].locals[op.sym_name.data] = fn

    def s_class_def(self, op: p.ClassDefOp) -> None:
        bases = tuple(self.eval(b) for b in op.bases)
        frame = self.frames[-1]
        is_enum = any(_is_enum_base(b) for b in bases)
        ns: dict[str, Any] = {"__klr_fields__": []}
        cls = UserClass(op.sym_name.data, bases, ns, frame.module, is_enum)
        body_frame = Frame(frame.module, op.sym_name.data, ns, closure=frame.closure)
        self.frames.append(body_frame)
        try:
            self.exec_block(op.body)
        finally:
            self.frames.pop()
        if is_enum:
            for name, value in list(ns.items()):
                if not name.startswith("_") and not isinstance(value, (Function, Builtin)):
                    cls.members[name] = EnumInstance(cls.name, name, value)
                    ns[name] = cls.members[name]
        for d in reversed(list(op.decorators)):
            dec = self.eval(d)
            result = self.call(dec, [cls], {}, op)
            cls = result if isinstance(result, UserClass) else cls
        frame.locals[op.sym_name.data] = cls

    def s_import(self, op: Operation) -> None:
        mod = self.frames[-1].module
        if self.frames[-1].name != "<module>":
            raise self.error(
                "err_unsupported_syntax", "imports inside kernel functions are not allowed", op,
                hint="import at the top of the module",
            )
        for a in op.operands:
            alias = a.owner
            assert isinstance(alias, p.AliasOp)
            name = alias.asname.data if alias.asname else alias.alias_name.data.partition(".")[0]
            self.frames[-1].locals[name] = self.resolve_import(mod, name, alias)

    def s_global(self, op: p.GlobalOp) -> None:
        self.frames[-1].global_names.update(op.names.data)

    def s_nonlocal(self, op: p.NonlocalOp) -> None:
        self.frames[-1].nonlocal_names.update(op.names.data)

    def s_with(self, op: p.WithOp) -> None:
        for item in op.items:
            w = item.owner
            assert isinstance(w, p.WithItemOp)
            ctx = self.eval(w.context_expr)
            if w.optional_vars is not None:
                self.assign(w.optional_vars, ctx)
        self.exec_block(op.body)

    def s_delete(self, op: p.DeleteOp) -> None:
        for t in op.targets:
            node = t.owner
            if isinstance(node, p.NameOp):
                self.frames[-1].locals.pop(node.id.data, None)
            elif isinstance(node, p.SubscriptOp):
                container = self.eval(node.value)
                self.check_mutation(container, op)
                del container[self.eval(node.index)]
            else:
                raise self.error("err_unsupported_syntax", "cannot delete this target", op)

    # -- assignment ----------------------------------------------------------

    def assign(self, target: SSAValue, value: Any) -> None:
        node = target.owner
        if isinstance(node, p.NameOp):
            name = node.id.data
            frame = self.frames[-1]
            if name in frame.global_names:
                frame.module.globals[name] = value
            elif name in frame.nonlocal_names:
                for scope in reversed(frame.closure):
                    if name in scope:
                        scope[name] = value
                        break
            else:
                frame.locals[name] = value
            return
        if isinstance(node, (p.TupleOp, p.ListOp)):
            items = list(self.iterate(value, node))
            elts = list(node.elts)
            star = [i for i, e in enumerate(elts) if isinstance(e.owner, p.StarredOp)]
            if star:
                i = star[0]
                after = len(elts) - i - 1
                if len(items) < len(elts) - 1:
                    raise self.error("err_python", "not enough values to unpack", node)
                head, mid, tail = items[:i], items[i : len(items) - after], items[len(items) - after :]
                for e, v in zip(elts[:i], head):
                    self.assign(e, v)
                starred = elts[i].owner
                assert isinstance(starred, p.StarredOp)
                self.assign(starred.value, self.new_container(list(mid)))
                for e, v in zip(elts[i + 1 :], tail):
                    self.assign(e, v)
                return
            if len(items) != len(elts):
                raise self.error(
                    "err_python",
                    f"cannot unpack {len(items)} values into {len(elts)} targets",
                    node,
                )
            for e, v in zip(elts, items):
                self.assign(e, v)
            return
        if isinstance(node, p.SubscriptOp):
            container = self.eval(node.value)
            index = self.eval(node.index)
            if isinstance(container, TensorView):
                from klr.tracer import operators
                from klr.tracer.index_exprs import index_advanced, index_indirect, is_advanced, is_indirect
                from klr.tracer.views import index_view

                if is_indirect(index):  # `out[idx_tile, i_f] = t`: a scatter
                    from klr.tracer import legacy

                    legacy.assign_indirect(self, index_indirect(self, container, index, node), value, node)
                    return
                target = (
                    index_advanced(self, container, index, node) if is_advanced(index)
                    else index_view(self, container, index, node)
                )
                operators.assign(self, target, value, node)
                return
            self.check_mutation(container, node)
            container[index] = value
            return
        if isinstance(node, p.AttributeOp):
            obj = self.eval(node.value)
            if isinstance(obj, Instance):
                self.check_mutation(obj, node)
                obj.attrs[node.attr.data] = value
                return
            raise self.error(
                "err_python", f"cannot set attribute '{node.attr.data}' of {_type_name(obj)}", node
            )
        if isinstance(node, p.StarredOp):
            raise self.error("err_python", "starred assignment target must be in a list or tuple", node)
        raise self.error("err_unsupported_syntax", "cannot assign to this expression", node)

    # -- expressions ---------------------------------------------------------

    def eval(self, value: SSAValue) -> Any:
        op = value.owner
        handler = _EXPR.get(type(op))  # type: ignore[arg-type]
        if handler is None:
            raise self.error(
                "err_unsupported_syntax",
                f"'{_py_name(op)}' expressions are not allowed in NKI kernels",  # type: ignore[arg-type]
                op,  # type: ignore[arg-type]
                hint=_FORBIDDEN_HINTS.get(type(op)),  # type: ignore[arg-type]
            )
        return handler(self, op)

    def e_constant(self, op: p.ConstantOp) -> Any:
        return op.value.value

    def e_name(self, op: p.NameOp) -> Any:
        return self.lookup(op.id.data, op)

    def e_attribute(self, op: p.AttributeOp) -> Any:
        obj = self.eval(op.value)
        return self.getattr(obj, op.attr.data, op)

    def getattr(self, obj: Any, name: str, op: Operation) -> Any:
        if isinstance(obj, Module):
            self.module(obj.name)
            if name in obj.globals:
                return obj.globals[name]
            sub = f"{obj.name}.{name}"
            if sub in self.modules:
                return self.module(sub)
            raise self.error("err_undefined_name", f"module '{obj.name}' has no attribute '{name}'", op)
        if isinstance(obj, NotSupported):
            raise self.error(
                "err_not_supported", f"'{obj.name}' is not supported yet", op, hint=obj.hint
            )
        if isinstance(obj, Namespace):
            if name in obj.attrs:
                value = obj.attrs[name]
                if isinstance(value, NotSupported):
                    raise self.error(
                        "err_not_supported",
                        f"'{value.name}' is not supported yet",
                        op,
                        hint=value.hint or "see docs/coverage.md for what KLR traces today",
                    )
                return value
            if obj.name.startswith("nki"):
                raise self.error(
                    "err_not_supported",
                    f"'{obj.name}.{name}' is not supported yet (or is not an NKI API)",
                    op,
                    hint="see docs/coverage.md for every NKI API and its status",
                )
            raise self.error(
                "err_undefined_name",
                f"'{obj.name}' has no attribute '{name}'",
                op,
                hint=obj.hint,
            )
        if isinstance(obj, Instance):
            if name in obj.attrs:
                return obj.attrs[name]
            try:
                member = obj.cls.lookup(name)
            except KeyError:
                raise self.error(
                    "err_python", f"'{obj.cls.name}' object has no attribute '{name}'", op
                ) from None
            if isinstance(member, Function):
                return BoundMethod(member, obj)
            return member
        if isinstance(obj, UserClass):
            if obj.is_enum and name in obj.members:
                return obj.members[name]
            try:
                return obj.lookup(name)
            except KeyError:
                raise self.error("err_python", f"class '{obj.name}' has no attribute '{name}'", op) from None
        if isinstance(obj, EnumInstance):
            if name == "name":
                return obj.name
            if name == "value":
                return obj.value
        from klr.tracer.tensor_attrs import attribute

        found, value = attribute(self, obj, name, op)
        if found:
            return value
        if isinstance(obj, _DATA_TYPES) and not name.startswith("_"):
            try:
                attr = getattr(obj, name)
            except AttributeError:
                raise self.error("err_python", f"'{type(obj).__name__}' object has no attribute '{name}'", op) from None
            if callable(attr):
                return _DataMethod(obj, name, attr)
            return attr
        if name in getattr(type(obj), "KERNEL_ATTRS", ()):
            return getattr(obj, name)  # tracer objects that expose attributes to kernels
        raise self.error("err_python", f"{_type_name(obj)} has no attribute '{name}'", op)

    def e_subscript(self, op: p.SubscriptOp) -> Any:
        container = self.eval(op.value)
        index = self.eval(op.index)
        if isinstance(container, TensorView):
            from klr.tracer.index_exprs import index_advanced, index_indirect, is_advanced, is_indirect
            from klr.tracer.views import index_view

            if is_indirect(index):
                return index_indirect(self, container, index, op)  # an indirect DMA operand
            if is_advanced(index):
                try:
                    return index_advanced(self, container, index, op)
                except TraceError as e:
                    if e.code != "err_index_out_of_bounds":
                        raise
                    from klr.tracer.index_exprs import PendingAccess

                    return PendingAccess(container, index, op, e)  # a mask may cut it down
            return index_view(self, container, index, op)
        if isinstance(container, Instance):
            return self.call_method(container, "__getitem__", [index], op)
        if isinstance(index, Affine) and isinstance(container, (list, tuple, str, range)):
            raise NeedConcrete(index, "indexing a Python sequence with a loop index")
        return container[index]

    def e_slice(self, op: p.SliceOp) -> Any:
        def part(v: SSAValue | None) -> Any:
            return None if v is None else self.eval(v)

        return slice(part(op.lower), part(op.upper), part(op.step))

    def e_tuple(self, op: p.TupleOp) -> Any:
        return tuple(self.eval_elts(op.elts))

    def e_list(self, op: p.ListOp) -> Any:
        return self.new_container(self.eval_elts(op.elts))

    def e_set(self, op: p.SetOp) -> Any:
        return self.new_container(set(self.eval_elts(op.elts)))

    def eval_elts(self, elts: Any) -> list[Any]:
        out: list[Any] = []
        for e in elts:
            if isinstance(e.owner, p.StarredOp):
                out.extend(self.iterate(self.eval(e.owner.value), e.owner))
            else:
                out.append(self.eval(e))
        return out

    def e_dict(self, op: p.DictOp) -> Any:
        holes = set(op.unpack.data) if op.unpack is not None else set()
        keys = iter(op.keys)
        out: dict[Any, Any] = {}
        for i, v in enumerate(op.values):
            if i in holes:
                out.update(self.eval(v))
            else:
                key = self.eval(next(keys))
                out[key] = self.eval(v)
        return self.new_container(out)

    def e_bool_op(self, op: p.BoolOpOp) -> Any:
        is_and = op.op.data == p.BoolOpKind.AND
        result: Any = None
        for v in op.values:
            result = self.eval(v)
            if self.truth(result, op) != is_and:
                return result
        return result

    def e_bin_op(self, op: p.BinOpOp) -> Any:
        return self.binop(op.op.data, self.eval(op.left), self.eval(op.right), op)

    def binop(self, kind: p.BinOpKind, a: Any, b: Any, op: Operation, inplace: bool = False) -> Any:
        if isinstance(a, Instance) or isinstance(b, Instance):
            name = _DUNDERS[kind]
            if isinstance(a, Instance):
                for dunder in ([f"__i{name}__"] if inplace else []) + [f"__{name}__"]:
                    try:
                        a.cls.lookup(dunder)
                    except KeyError:
                        continue
                    return self.call_method(a, dunder, [b], op)
            if isinstance(b, Instance):
                try:
                    b.cls.lookup(f"__r{name}__")
                    return self.call_method(b, f"__r{name}__", [a], op)
                except KeyError:
                    pass
            raise self.error(
                "err_python", f"unsupported operand types for {kind.value}: {_type_name(a)} and {_type_name(b)}", op
            )
        from klr.tracer.legacy import MatmulResult

        if inplace and isinstance(b, MatmulResult) and isinstance(a, TensorView) and kind == p.BinOpKind.ADD:
            from klr.tracer import operators

            return operators.accumulate(self, a, b, op)
        if isinstance(a, (TensorView, MatmulResult)) or isinstance(b, (TensorView, MatmulResult)):
            # a matmul operand lands in a fresh PSUM tile when the operator's builtin is called
            from klr.tracer import operators

            return operators.binary(self, kind, a, b, op)
        if inplace and isinstance(a, list):
            self.check_mutation(a, op)
            if kind == p.BinOpKind.ADD:
                a += b
                return a
        if kind in (p.BinOpKind.ADD, p.BinOpKind.MULT) and isinstance(a, list):
            return self.new_container(_BINOPS[kind](a, b))
        return _BINOPS[kind](a, b)

    def e_unary_op(self, op: p.UnaryOpOp) -> Any:
        v = self.eval(op.operand)
        if isinstance(v, TensorView) and op.op.data == p.UnaryOpKind.USUB:
            from klr.tracer import operators

            return operators.negate(self, v, op)
        if op.op.data == p.UnaryOpKind.NOT:
            return not self.truth(v, op)
        return _UNARY[op.op.data](v)

    def e_compare(self, op: p.CompareOp) -> Any:
        left = self.eval(op.left)
        if len(op.comparators) == 1:
            right = self.eval(op.comparators[0])
            if isinstance(left, TensorView) or isinstance(right, TensorView):
                from klr.tracer import operators

                return operators.compare(self, op.ops.data[0], left, right, op)
            from klr.tracer.index_exprs import IndexExpr

            if isinstance(left, IndexExpr) or isinstance(right, IndexExpr):
                return _CMPOPS[op.ops.data[0]](left, right)  # builds a first-generation mask
            return self._compare_values(op, left, [right])
        return self._compare_values(op, left, [self.eval(c) for c in op.comparators])

    def _compare_values(self, op: p.CompareOp, left: Any, rights: list[Any]) -> Any:
        for kind, right in zip(op.ops.data, rights):
            if isinstance(left, TensorView) or isinstance(right, TensorView):
                raise self.error(
                    "err_unsupported_syntax",
                    "chained comparisons do not apply to tiles",
                    op,
                    hint="compare two operands at a time",
                )
            if kind in (p.CmpOpKind.IS, p.CmpOpKind.ISNOT) and not _identity_safe(left, right):
                raise self.error(
                    "err_unsupported_syntax",
                    "'is' compares object identity, which NKI does not allow",
                    op,
                    hint="compare with '==' (for None use 'x == None' or 'x is None' only on None)",
                )
            if not self.truth(_CMPOPS[kind](left, right), op):
                return False
            left = right
        return True

    def e_if_exp(self, op: p.IfExpOp) -> Any:
        return self.eval(op.body) if self.truth(self.eval(op.test), op) else self.eval(op.orelse)

    def e_named_expr(self, op: p.NamedExprOp) -> Any:
        value = self.eval(op.value)
        self.assign(op.target, value)
        return value

    def e_lambda(self, op: p.LambdaOp) -> Any:
        return self.make_function(op, "<lambda>", op.args)

    def e_call(self, op: p.CallOp) -> Any:
        fn = self.eval(op.func)
        args = self.eval_elts(op.args)
        kwargs: dict[str, Any] = {}
        for kv in op.keywords:
            kw = kv.owner
            assert isinstance(kw, p.KeywordOp)
            if kw.arg is None:
                extra = self.eval(kw.value)
                if not isinstance(extra, dict):
                    raise self.error("err_python", "argument after ** must be a mapping", kw)
                kwargs.update(extra)
            else:
                kwargs[kw.arg.data] = self.eval(kw.value)
        return self.call(fn, args, kwargs, op)

    def e_joined_str(self, op: p.JoinedStrOp) -> Any:
        return "".join(str(self.eval(v)) for v in op.values)

    def e_formatted_value(self, op: p.FormattedValueOp) -> Any:
        v = self.eval(op.value)
        conv = op.conversion.data if op.conversion is not None else None
        if conv == "r":
            v = repr(v)
        elif conv == "s":
            v = str(v)
        elif conv == "a":
            v = ascii(v)
        spec = self.eval(op.format_spec) if op.format_spec is not None else ""
        if isinstance(v, Affine):
            raise NeedConcrete(v, "formatting a loop index")
        return format(v, spec)

    def comprehension(self, generators: Any, emit: Callable[[], None], op: Operation) -> None:
        gens = [g.owner for g in generators]
        frame = self.frames[-1]
        saved = dict(frame.locals)

        def run(i: int) -> None:
            if i == len(gens):
                emit()
                return
            g = gens[i]
            assert isinstance(g, p.ComprehensionOp)
            iterable = self.eval(g.iter)
            values = iterable.values() if isinstance(iterable, LoopRange) else self.iterate(iterable, g)
            for v in values:
                self.assign(g.target, v)
                if all(self.truth(self.eval(c), g) for c in g.ifs):
                    run(i + 1)

        try:
            run(0)
        finally:
            # comprehension variables do not leak (Python 3 scoping)
            for name in list(frame.locals):
                if name not in saved:
                    del frame.locals[name]
                else:
                    frame.locals[name] = saved[name]

    def e_list_comp(self, op: p.ListCompOp) -> Any:
        out: list[Any] = []
        self.comprehension(op.generators, lambda: out.append(self.eval(op.elt)), op)
        return self.new_container(out)

    def e_set_comp(self, op: p.SetCompOp) -> Any:
        out: set[Any] = set()
        self.comprehension(op.generators, lambda: out.add(self.eval(op.elt)), op)
        return self.new_container(out)

    def e_generator_exp(self, op: p.GeneratorExpOp) -> Any:
        out: list[Any] = []
        self.comprehension(op.generators, lambda: out.append(self.eval(op.elt)), op)
        return iter(out)

    def e_dict_comp(self, op: p.DictCompOp) -> Any:
        out: dict[Any, Any] = {}

        def emit() -> None:
            out[self.eval(op.key)] = self.eval(op.value)

        self.comprehension(op.generators, emit, op)
        return self.new_container(out)

    def e_starred(self, op: p.StarredOp) -> Any:
        raise self.error("err_python", "a starred expression is only allowed in calls and displays", op)

    # -- helpers -------------------------------------------------------------

    def truth(self, value: Any, op: Operation) -> bool:
        if isinstance(value, RegisterValue):
            raise self.error(
                "err_dynamic_condition",
                "a register's value is only known at run time; this condition needs a "
                "trace-time value",
                op,
                hint="branch at run time with `while reg:` / nl.while_loop, or predicate the "
                "instructions (tensor_copy_predicated, select_reduce)",
            )
        if isinstance(value, TensorView):
            raise self.error(
                "err_dynamic_condition",
                "the truth value of a tensor is not known at trace time",
                op,
                hint="conditions must be Python values; use a dynamic loop or a predicated "
                "instruction for data-dependent control flow",
            )
        if isinstance(value, Instance):
            try:
                value.cls.lookup("__bool__")
                return bool(self.call_method(value, "__bool__", [], op))
            except KeyError:
                return True
        return bool(value)

    def iterate(self, value: Any, op: Operation) -> Iterator[Any]:
        if isinstance(value, TensorView):
            raise self.error(
                "err_not_supported", "iterating over a tensor is not supported", op,
                hint="loop over nl.affine_range(t.shape[0]) and index the tensor",
            )
        if isinstance(value, LoopRange):
            return iter(value.values())
        try:
            return iter(value)
        except TypeError:
            raise self.error("err_python", f"{_type_name(value)} is not iterable", op) from None

    def make_function(self, op: Operation, name: str, args_value: SSAValue) -> Function:
        frame = self.frames[-1]
        arguments = args_value.owner
        assert isinstance(arguments, p.ArgumentsOp)
        defaults: dict[str, Any] = {}
        annotations: dict[str, tuple[Any, Operation]] = {}
        for a in [*arguments.args, *arguments.kwonlyargs]:
            arg = a.owner
            assert isinstance(arg, p.ArgOp)
            if arg.default is not None:
                defaults[arg.arg.data] = self.eval(arg.default)
            if arg.annotation is not None:
                ann = self._tensor_annotation(arg.annotation)
                if ann is not None:
                    annotations[arg.arg.data] = (ann, arg)
        closure = list(frame.closure)
        if frame.name != "<module>" and not _is_class_frame(frame):
            closure.append(frame.locals)
        return Function(name, op, frame.module, defaults, closure, name, annotations or None)

    def _tensor_annotation(self, value: SSAValue) -> Any:
        """An `nt.tensor[...]` annotation's value; None for any other annotation (those are
        documentation: they are not evaluated further, nor errors)."""
        from klr.tracer.annotations import TensorAnnotation

        try:
            ann = self.eval(value)
        except TypeError as e:
            raise self.error("err_bad_arguments", str(e), value.owner) from None
        except TraceError:
            return None
        return ann if isinstance(ann, TensorAnnotation) else None

    def signature(self, fn: Function) -> inspect.Signature:
        arguments = fn.op.args.owner  # type: ignore[attr-defined]
        assert isinstance(arguments, p.ArgumentsOp)
        params: list[inspect.Parameter] = []
        n_posonly = arguments.posonly.data
        for i, a in enumerate(arguments.args):
            name = a.owner.arg.data  # type: ignore[attr-defined]
            kind = inspect.Parameter.POSITIONAL_ONLY if i < n_posonly else inspect.Parameter.POSITIONAL_OR_KEYWORD
            default = fn.defaults.get(name, inspect.Parameter.empty)
            params.append(inspect.Parameter(name, kind, default=default))
        if arguments.vararg is not None:
            params.append(inspect.Parameter(arguments.vararg.owner.arg.data, inspect.Parameter.VAR_POSITIONAL))  # type: ignore[attr-defined]
        for a in arguments.kwonlyargs:
            name = a.owner.arg.data  # type: ignore[attr-defined]
            default = fn.defaults.get(name, inspect.Parameter.empty)
            params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default))
        if arguments.kwarg is not None:
            params.append(inspect.Parameter(arguments.kwarg.owner.arg.data, inspect.Parameter.VAR_KEYWORD))  # type: ignore[attr-defined]
        return inspect.Signature(params)

    def call(self, fn: Any, args: list[Any], kwargs: dict[str, Any], op: Operation) -> Any:
        if isinstance(fn, Function):
            return self.call_function(fn, args, kwargs, op)
        if isinstance(fn, BoundMethod):
            return self.call(fn.func, [fn.self_value, *args], kwargs, op)
        if isinstance(fn, Builtin):
            from klr.tracer.calls import call_builtin

            return call_builtin(self, fn, args, kwargs, op)
        if isinstance(fn, _DataMethod):
            if fn.name in _MUTATORS:
                self.check_mutation(fn.obj, op)
            return fn.bound(*args, **kwargs)
        if isinstance(fn, UserClass):
            return self.instantiate(fn, args, kwargs, op)
        if isinstance(fn, Instance):
            return self.call_method(fn, "__call__", args, op, kwargs)
        if isinstance(fn, NotSupported):
            raise self.error("err_not_supported", f"'{fn.name}' is not supported yet", op, hint=fn.hint)
        if isinstance(fn, OpValue):
            from klr.tracer.language import call_op_value

            if hasattr(fn, "on_numbers") and not kwargs:
                value = fn.on_numbers(args)  # np.sqrt(64) in a first-generation kernel
                if value is not None:
                    return value
            return call_op_value(self, fn, args, kwargs, op)
        raise self.error("err_python", f"{_type_name(fn)} is not callable", op)

    def call_method(self, obj: Instance, name: str, args: list[Any], op: Operation, kwargs: dict[str, Any] | None = None) -> Any:
        try:
            method = obj.cls.lookup(name)
        except KeyError:
            raise self.error("err_python", f"'{obj.cls.name}' object has no method '{name}'", op) from None
        return self.call(method, [obj, *args], kwargs or {}, op)

    def call_function(self, fn: Function, args: list[Any], kwargs: dict[str, Any], op: Operation) -> Any:
        try:
            bound = self.signature(fn).bind(*args, **kwargs)
        except TypeError as e:
            raise self.error("err_bad_arguments", f"{fn.name}(): {e}", op) from None
        bound.apply_defaults()
        local: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            local[name] = value
            if fn.annotations and name in fn.annotations:
                ann, arg = fn.annotations[name]
                why = ann.mismatch(value)
                if why is not None:
                    raise self.error(
                        "err_shape_mismatch", f"parameter '{name}' of {fn.name}(): {why}", arg,
                        hint="pass a tensor of the declared shape, or correct the annotation",
                    )
        if len(self.frames) > MAX_CALL_DEPTH:
            raise self.error("err_recursion", f"calls nest deeper than {MAX_CALL_DEPTH}", op)
        frame = Frame(fn.module, fn.name, local, closure=fn.closure)
        caller = self.frames[-1]
        self.frames.append(frame)
        try:
            if isinstance(fn.op, p.LambdaOp):
                return self.eval(fn.op.body)
            try:
                self.exec_block(fn.op.body)  # type: ignore[attr-defined]
            except ReturnValue as r:
                return r.value
            return None
        except TraceError as e:
            if e.file is None:
                e.file = fn.module.file
            if caller.name != "<kernel>":
                e.calls.append((caller.module.file, caller.name, op))
            raise
        finally:
            self.frames.pop()

    def instantiate(self, cls: UserClass, args: list[Any], kwargs: dict[str, Any], op: Operation) -> Any:
        if cls.is_enum:
            for m in cls.members.values():
                if args and m.value == args[0]:
                    return m
            raise self.error("err_python", f"{args[0] if args else None!r} is not a valid {cls.name}", op)
        obj = self.new_container(Instance(cls))
        try:
            init = cls.lookup("__init__")
        except KeyError:
            init = None
        if init is not None:
            self.call(init, [obj, *args], kwargs, op)
        else:
            fields = cls.fields()
            params = [
                inspect.Parameter(
                    n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=inspect.Parameter.empty if d is _NO_DEFAULT else d,
                )
                for n, d in fields
            ]
            try:
                bound = inspect.Signature(params).bind(*args, **kwargs)
            except (TypeError, ValueError) as e:
                raise self.error("err_bad_arguments", f"{cls.name}(): {e}", op) from None
            bound.apply_defaults()
            obj.attrs.update(bound.arguments)
        try:
            cls.lookup("__post_init__")
            self.call_method(obj, "__post_init__", [], op)
        except KeyError:
            pass
        return obj


@dataclass
class _DataMethod:
    obj: Any
    name: str
    bound: Callable[..., Any]


class _NoDefault:
    def __repr__(self) -> str:
        return "<no default>"


_NO_DEFAULT = _NoDefault()


def _is_enum_base(b: Any) -> bool:
    if isinstance(b, Namespace) and b.name in ("enum.Enum", "enum.IntEnum"):
        return True
    return isinstance(b, UserClass) and b.is_enum


def _is_class_frame(frame: Frame) -> bool:
    return "__klr_fields__" in frame.locals


def _identity_safe(a: Any, b: Any) -> bool:
    return a is None or b is None or isinstance(a, bool) or isinstance(b, bool)


def _target_names(target: SSAValue) -> list[str]:
    node = target.owner
    if isinstance(node, p.NameOp):
        return [node.id.data]
    if isinstance(node, (p.TupleOp, p.ListOp)):
        return [n for e in node.elts for n in _target_names(e)]
    if isinstance(node, p.StarredOp):
        return _target_names(node.value)
    return []


def _index_hint(op: p.ForOp) -> str | None:
    names = _target_names(op.target)
    if len(names) == 1 and names[0].isascii() and names[0].isidentifier():
        return names[0]
    return None


def _type_name(v: Any) -> str:
    if isinstance(v, TensorView):
        return "a tensor"
    if isinstance(v, Instance):
        return f"a '{v.cls.name}' object"
    return f"'{type(v).__name__}'"


def _py_name(op: Operation) -> str:
    return op.name.removeprefix("py_ast.")


_FORBIDDEN_HINTS: dict[type[Operation], str] = {
    p.TryOp: "NKI kernels cannot catch exceptions; check conditions with if/assert",
    p.TryStarOp: "NKI kernels cannot catch exceptions",
    p.MatchOp: "use if/elif chains",
    p.AsyncFunctionDefOp: "kernels are synchronous Python",
    p.AsyncForOp: "kernels are synchronous Python",
    p.AsyncWithOp: "kernels are synchronous Python",
    p.YieldOp: "generators are not allowed; build a list",
    p.YieldFromOp: "generators are not allowed; build a list",
    p.AwaitOp: "kernels are synchronous Python",
}

_STMT: dict[type[Operation], Callable[[Interpreter, Any], None]] = {
    p.ExprStmtOp: Interpreter.s_expr,
    p.PassOp: Interpreter.s_pass,
    p.AssignOp: Interpreter.s_assign,
    p.AnnAssignOp: Interpreter.s_ann_assign,
    p.AugAssignOp: Interpreter.s_aug_assign,
    p.IfOp: Interpreter.s_if,
    p.WhileOp: Interpreter.s_while,
    p.ForOp: Interpreter.s_for,
    p.BreakOp: Interpreter.s_break,
    p.ContinueOp: Interpreter.s_continue,
    p.ReturnOp: Interpreter.s_return,
    p.AssertOp: Interpreter.s_assert,
    p.RaiseOp: Interpreter.s_raise,
    p.FunctionDefOp: Interpreter.s_function_def,
    p.ClassDefOp: Interpreter.s_class_def,
    p.ImportOp: Interpreter.s_import,
    p.ImportFromOp: Interpreter.s_import,
    p.GlobalOp: Interpreter.s_global,
    p.NonlocalOp: Interpreter.s_nonlocal,
    p.WithOp: Interpreter.s_with,
    p.DeleteOp: Interpreter.s_delete,
}

_EXPR: dict[type[Operation], Callable[[Interpreter, Any], Any]] = {
    p.ConstantOp: Interpreter.e_constant,
    p.NameOp: Interpreter.e_name,
    p.AttributeOp: Interpreter.e_attribute,
    p.SubscriptOp: Interpreter.e_subscript,
    p.SliceOp: Interpreter.e_slice,
    p.TupleOp: Interpreter.e_tuple,
    p.ListOp: Interpreter.e_list,
    p.SetOp: Interpreter.e_set,
    p.DictOp: Interpreter.e_dict,
    p.BoolOpOp: Interpreter.e_bool_op,
    p.BinOpOp: Interpreter.e_bin_op,
    p.UnaryOpOp: Interpreter.e_unary_op,
    p.CompareOp: Interpreter.e_compare,
    p.IfExpOp: Interpreter.e_if_exp,
    p.NamedExprOp: Interpreter.e_named_expr,
    p.LambdaOp: Interpreter.e_lambda,
    p.CallOp: Interpreter.e_call,
    p.JoinedStrOp: Interpreter.e_joined_str,
    p.FormattedValueOp: Interpreter.e_formatted_value,
    p.ListCompOp: Interpreter.e_list_comp,
    p.SetCompOp: Interpreter.e_set_comp,
    p.GeneratorExpOp: Interpreter.e_generator_exp,
    p.DictCompOp: Interpreter.e_dict_comp,
    p.StarredOp: Interpreter.e_starred,
}

