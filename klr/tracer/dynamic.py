"""Registers and dynamic (run-time) control flow: `nisa.register_*`, `nl.dynamic_range`,
`nl.fori_loop`, `nl.while_loop`, register `while`, and `nl.device_print` (nki.md §5.2).

A dynamic loop's body is traced once into a `klr.dynamic_for` / `klr.dynamic_while`
region; its Python side effects happen once, at trace time, as in NKI.
"""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Block, Region

from klr.dialects import klr as k
from klr.tracer.calls import ctx, describe, fail, tensor_arg
from klr.tracer.values import Builtin, DynamicRange, RegisterValue, is_int


def _register(name: str, value: Any) -> RegisterValue:
    if not isinstance(value, RegisterValue):
        raise fail("err_bad_arguments", f"'{name}' must be a register, got {describe(value)}")
    return value


def register_alloc(x: Any = None) -> RegisterValue:
    interp, _ = ctx()
    props: dict[str, Any] = {}
    if x is not None:
        if not is_int(x):
            raise fail(
                "err_bad_arguments",
                f"register_alloc takes an int initial value, got {describe(x)}",
                hint="load a tensor's value with nisa.register_load(dst=reg, src=tensor)",
            )
        props["init"] = k.IntAttr(int(x))
    op = k.RegisterAllocOp.build(properties=props, result_types=[k.REG])
    interp.emit(op)
    return RegisterValue(op.res)


def _writable(name: str, value: Any) -> RegisterValue:
    reg = _register(name, value)
    if reg.frozen:
        raise fail(
            "err_bad_arguments",
            "a dynamic loop's index register is read-only",
            hint="copy it into a register of your own with nisa.register_move",
        )
    return reg


def register_move(dst: Any, src: Any) -> None:
    interp, _ = ctx()
    d = _writable("dst", dst)
    if isinstance(src, RegisterValue):
        op = k.RegisterMoveOp.build(operands=[d.value, [src.value]], properties={})
    elif is_int(src):
        op = k.RegisterMoveOp.build(operands=[d.value, []], properties={"imm": k.IntAttr(int(src))})
    else:
        raise fail("err_bad_arguments", f"'src' must be a register or an int, got {describe(src)}")
    interp.emit(op)


def register_load(dst: Any, src: Any) -> None:
    from klr.tracer.calls import emit

    d = _writable("dst", dst)
    emit(k.RegisterLoadOp, [d.value, tensor_arg("src", src)], {})


def register_store(dst: Any, src: Any) -> None:
    from klr.tracer.calls import emit

    emit(k.RegisterStoreOp, [tensor_arg("dst", dst), _register("src", src).value], {})


def dynamic_range(start: Any, stop: Any = None, step: Any = 1) -> DynamicRange:
    if stop is None:
        start, stop = 0, start
    for name, v in (("start", start), ("stop", stop)):
        if not (is_int(v) or isinstance(v, RegisterValue)):
            raise fail("err_bad_arguments", f"dynamic_range {name} must be an int or a register, got {describe(v)}")
    if not is_int(step) or step <= 0:
        raise fail("err_bad_arguments", f"dynamic_range step must be a positive int, got {describe(step)}")
    return DynamicRange(start, stop, int(step))


def open_dynamic_for(r: DynamicRange) -> tuple[k.DynamicForOp, RegisterValue]:
    """Emit a `klr.dynamic_for` for `r`; the caller fills its body."""
    interp, _ = ctx()
    body = Block(arg_types=[k.REG])
    operands: list[Any] = []
    props: dict[str, Any] = {"step": k.IntAttr(r.step)}
    for name, v in (("lower", r.start), ("upper", r.stop)):
        if isinstance(v, RegisterValue):
            operands.append([v.value])
        else:
            operands.append([])
            props[f"{name}_imm"] = k.IntAttr(int(v))
    loop = k.DynamicForOp.build(operands=operands, properties=props, regions=[Region(body)])
    interp.emit(loop)
    return loop, RegisterValue(body.args[0], frozen=True)


def fori_loop(lower: Any, upper: Any, body_fun: Any, step: Any = 1) -> None:
    interp, call = ctx()
    loop, index = open_dynamic_for(dynamic_range(lower, upper, step))
    with interp.building(loop.body.block):
        interp.call(body_fun, [index], {}, call)


def while_loop(init: Any, body_fun: Any) -> RegisterValue:
    """`r = body_fun(r)` while `r != 0`, with `r` starting as `init` (a register)."""
    interp, call = ctx()
    reg = _writable("init", init)
    loop = k.DynamicWhileOp.build(operands=[reg.value], regions=[Region(Block())])
    interp.emit(loop)
    with interp.building(loop.body.block):
        new = interp.call(body_fun, [reg], {}, call)
        if new is not reg:
            register_move(reg, _register("the value body_fun returns", new))
    return reg


def device_print(prefix: Any, x: Any) -> None:
    from klr.tracer.calls import emit

    if not isinstance(prefix, str):
        raise fail("err_bad_arguments", f"'prefix' must be a string, got {describe(prefix)}")
    emit(k.DevicePrintOp, [tensor_arg("x", x)], {"prefix": StringAttr(prefix)})


LANGUAGE = {
    "dynamic_range": dynamic_range,
    "fori_loop": fori_loop,
    "while_loop": while_loop,
    "device_print": device_print,
}
ISA = {
    "register_alloc": register_alloc,
    "register_move": register_move,
    "register_load": register_load,
    "register_store": register_store,
}


def install(nl_attrs: dict[str, Any], isa_attrs: dict[str, Any]) -> None:
    """Add these functions to the nki.language and nki.isa namespaces."""
    for name, fn in LANGUAGE.items():
        nl_attrs[name] = Builtin(f"nki.language.{name}", fn)
    for name, fn in ISA.items():
        isa_attrs[name] = Builtin(f"nki.isa.{name}", fn)
