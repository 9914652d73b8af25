"""Interpreter rules of the Scalar engine's instructions: activation and activate2
(docs/semantics.md §4.6, §4.26)."""

from __future__ import annotations

import numpy as np

from klr.dialects import klr as k
from klr.interp.machine import (
    Compiler,
    Env,
    Step,
    _accumulate,
    _operand,
    _ops,
    _read_accumulator,
    per_partition,
    read,
    write,
)
from klr.interp.operators import ACT, alu, f32


def rule_activation(c: Compiler, op: k.ActivationOp) -> Step:
    d, s, b, sc, r = _ops(c, op.dst, op.data, op.bias, op.scale, op.reduce_res)
    fn = ACT[op.op.data]
    cmd = op.reduce_cmd.data
    rop = op.reduce_op.data if op.reduce_op is not None else k.AluOp.ADD
    m = c.m
    get_scale = _operand(c, sc, op.scale_imm, op, "scale")
    get_bias = _operand(c, b, op.bias_imm, op, "bias")
    one = np.float32(1.0)

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        scale = get_scale(env)
        bias = get_bias(env)
        v = x * (one if scale is None else scale)
        if bias is not None:
            v = f32(v + bias)
        y = f32(fn(v.astype(np.float64)))
        write(env[d], y)
        if cmd != k.ReduceCmd.IDLE:
            # the accumulated value is the fp32 result before the cast to dst (nki.md §9.2)
            _accumulate(m.act_acc, cmd, y, rop)
        _read_accumulator(env, r, m.act_acc, y.shape[0])

    return run


def rule_activate2(c: Compiler, op: k.Activate2Op) -> Step:
    d, s, o0, o1, r = _ops(c, op.dst, op.data, op.operand0, op.operand1, op.reduce_res)
    act = op.op.data
    slope = np.float64(op.relu_param.data)
    fn = (lambda v: np.where(v > 0, v, slope * v)) if act == k.ActFunc.PRELU else ACT[act]
    stages = [
        (alu_op, _operand(c, slot, imm, op, what), rev is not None)
        for alu_op, slot, imm, rev, what in (
            (op.op0.data, o0, op.imm0, op.reverse0, "imm0"),
            (op.op1.data, o1, op.imm1, op.reverse1, "imm1"),
        )
        if alu_op != k.AluOp.BYPASS
    ]
    cmd = op.reduce_cmd.data
    rop = op.reduce_op.data if op.reduce_op is not None else k.AluOp.ADD
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        v = per_partition(read(m, env[s], op, "data"))
        for alu_op, get, rev in stages:
            v = f32(alu(alu_op, v, get(env), rev))
        y = f32(fn(v.astype(np.float64)))
        write(env[d], y)
        if cmd != k.ReduceCmd.IDLE:
            _accumulate(m.act_acc, cmd, y, rop)
        _read_accumulator(env, r, m.act_acc, y.shape[0])

    return run
