"""Interpreter rules of registers, dynamic control flow and device_print (docs/semantics.md §5)."""

from __future__ import annotations

import numpy as np

from klr.dialects import klr as k
from klr.interp import dtypes as dt
from klr.interp.machine import Compiler, Env, SimulationError, Step, _ops, read, write


# -- registers and dynamic control flow -------------------------------------------


def rule_register_alloc(c: Compiler, op: k.RegisterAllocOp) -> Step:
    slot = c.slot(op.res)
    init = op.init.data if op.init is not None else 0

    def run(env: Env) -> None:
        env[slot] = init

    return run


def rule_register_move(c: Compiler, op: k.RegisterMoveOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    imm = op.imm.data if op.imm is not None else 0

    def run(env: Env) -> None:
        env[d] = env[s] if s is not None else imm  # type: ignore[index]

    return run


def rule_register_load(c: Compiler, op: k.RegisterLoadOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    m = c.m

    def run(env: Env) -> None:
        env[d] = int(read(m, env[s], op, "src").reshape(-1)[0])  # type: ignore[index]

    return run


def rule_register_store(c: Compiler, op: k.RegisterStoreOp) -> Step:
    d, s = _ops(c, op.dst, op.src)

    def run(env: Env) -> None:
        write(env[d], np.array([env[s]], dtype=np.float64))  # type: ignore[index]

    return run


def rule_dynamic_for(c: Compiler, op: k.DynamicForOp) -> Step:
    lo, hi = _ops(c, op.lower, op.upper)
    lo_imm = op.lower_imm.data if op.lower_imm is not None else 0
    hi_imm = op.upper_imm.data if op.upper_imm is not None else 0
    step = op.step.data
    idx = c.slot(op.body.block.args[0])
    body = c.block(op.body.block)

    def run(env: Env) -> None:
        start = env[lo] if lo is not None else lo_imm
        stop = env[hi] if hi is not None else hi_imm
        for i in range(start, stop, step):
            env[idx] = i
            for s_ in body:
                s_(env)

    return run


MAX_DYNAMIC_ITERATIONS = 10_000_000


def rule_dynamic_while(c: Compiler, op: k.DynamicWhileOp) -> Step:
    cond = c.slot(op.cond)
    body = c.block(op.body.block)

    def run(env: Env) -> None:
        n = 0
        while env[cond] != 0:
            n += 1
            if n > MAX_DYNAMIC_ITERATIONS:
                raise SimulationError(
                    "err_runaway_loop",
                    f"a dynamic while loop ran more than {MAX_DYNAMIC_ITERATIONS} iterations",
                    op,
                )
            for s_ in body:
                s_(env)

    return run


def rule_device_print(c: Compiler, op: k.DevicePrintOp) -> Step:
    t = c.slot(op.tensor)
    m = c.m
    prefix = op.prefix.data

    def run(env: Env) -> None:
        m.printed.append(f"{prefix}{np.array2string(dt.to_f32(env[t].data()))}\n")

    return run
