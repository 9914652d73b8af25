"""Interpreter rules of the PRNG instructions (docs/semantics.md §4.31; the generator model is
klr/interp/prng.py)."""

from __future__ import annotations

import math

import numpy as np
from xdsl.ir import Operation

from klr.dialects import klr as k
from klr.interp import prng
from klr.interp.machine import (
    Compiler,
    Env,
    Machine,
    Step,
    _operand,
    _ops,
    per_partition,
    read_raw,
    write,
    write_bits,
    write_raw,
)
from klr.interp.operators import f32


def _prng(m: Machine, op: Operation) -> np.ndarray:
    engine = op.engine.data  # type: ignore[attr-defined]
    return m.rng_gpsimd if engine == k.Engine.GPSIMD else m.rng_vector


def rule_rng(c: Compiler, op: k.RngOp) -> Step:
    d = c.slot(op.dst)
    p, n = c.shape(op.dst)[0], math.prod(c.shape(op.dst)[1:])
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        bits = prng.draw(_prng(m, op), p, n)
        write_bits(env[d], bits)  # two's complement: the low bits of each draw

    return run


def rule_rand2(c: Compiler, op: k.Rand2Op) -> Step:
    d = c.slot(op.dst)
    p, n = c.shape(op.dst)[0], math.prod(c.shape(op.dst)[1:])
    get_low = _operand(c, c.slot(op.low) if op.low else None, op.low_imm, op, "low")
    get_high = _operand(c, c.slot(op.high) if op.high else None, op.high_imm, op, "high")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        lo = np.asarray(get_low(env), np.float64)
        hi = np.asarray(get_high(env), np.float64)
        u = prng.uniform(prng.draw(m.rng_vector, p, n))
        write(env[d], f32(lo + u * (hi - lo)))

    return run


def rule_set_rng_seed(c: Compiler, op: k.SetRngSeedOp) -> Step:
    s = c.slot(op.src)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        raw = np.ascontiguousarray(read_raw(m, env[s], op, "src")).reshape(-1)[:1]
        seed = int(raw.view(np.uint32)[0])
        m.rng_vector[...] = prng.seeded_states(seed, prng.VECTOR_GENERATORS)

    return run


def rule_rand_set_state(c: Compiler, op: k.RandSetStateOp) -> Step:
    s = c.slot(op.src)
    p = c.shape(op.src)[0]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        words = per_partition(read_raw(m, env[s], op, "src")).astype(np.uint32)
        states = _prng(m, op)
        states[:p] = words.reshape(p, states.shape[1], prng.WORDS)

    return run


def rule_rand_get_state(c: Compiler, op: k.RandGetStateOp) -> Step:
    d = c.slot(op.dst)
    p = c.shape(op.dst)[0]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        write_bits(env[d], _prng(m, op)[:p].reshape(p, -1))

    return run


def rule_dropout(c: Compiler, op: k.DropoutOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    p, n = c.shape(op.dst)[0], math.prod(c.shape(op.dst)[1:])
    get_prob = _operand(c, c.slot(op.prob) if op.prob else None, op.prob_imm, op, "prob")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read_raw(m, env[s], op, "data"))
        prob = np.asarray(get_prob(env), np.float64)
        keep = prng.uniform(prng.draw(m.rng_vector, p, n)) >= prob
        write_raw(env[d], np.where(keep, x, np.zeros((), x.dtype)))

    return run
