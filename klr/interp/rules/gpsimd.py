"""Interpreter rules of the GpSimd engine's instructions (docs/semantics.md §4.13-§4.15, §4.21,
§4.28-§4.30)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from klr.dialects import klr as k
from klr.interp.machine import (
    Compiler,
    Env,
    Ref,
    SimulationError,
    Step,
    _ops,
    _read_rows,
    _write_rows,
    per_partition,
    read,
    read_raw,
    write,
    write_bits,
    write_raw,
)
from klr.interp.operators import ALU, BITVEC_OPS, _i64, f32
from klr.interp.rules.vector import _reduction


def _affine_values(op: Any, shape: tuple[int, ...]) -> np.ndarray:
    """iota's value: offset + c*channel_multiplier + Σ step*index, shape (P, N)."""
    p = shape[0]
    value = np.full((p, 1), op.offset.data, dtype=np.int64)
    value = value + np.arange(p, dtype=np.int64)[:, None] * op.channel_multiplier.data
    free = np.zeros(1, dtype=np.int64)
    for step, num in op.pattern.data:
        free = (free[:, None] + np.arange(num, dtype=np.int64)[None, :] * step).reshape(-1)
    return value + free[None, :]


def rule_iota(c: Compiler, op: k.IotaOp) -> Step:
    d = c.slot(op.dst)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        write(ref, _affine_values(op, ref.shape).astype(np.float64))

    return run


def rule_affine_select(c: Compiler, op: k.AffineSelectOp) -> Step:
    d, t = _ops(c, op.dst, op.on_true)
    cmp = ALU[op.cmp_op.data]
    false_value = np.float32(op.on_false_value.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        a = _affine_values(op, ref.shape)
        on_true = per_partition(read(m, env[t], op, "on_true_tile"))
        write(ref, np.where(cmp(a, np.zeros_like(a)) != 0, on_true, false_value))

    return run


def rule_tensor_partition_reduce(c: Compiler, op: k.TensorPartitionReduceOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    fn = _reduction(op, op.op.data)
    m = c.m
    lane = c.dtype(op.data)

    if op.op.data in BITVEC_OPS:

        def run_bits(env: Env) -> None:
            m.instructions += 1
            x = per_partition(read_raw(m, env[s], op, "data"))
            write_bits(env[d], _i64(fn(x, axis=0, keepdims=True)).astype(lane))

        return run_bits

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        write(env[d], f32(fn(x, axis=0, keepdims=True)))

    return run


def rule_nc_n_gather(c: Compiler, op: k.NcNGatherOp) -> Step:
    d, s, i = _ops(c, op.dst, op.data, op.indices)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        data = per_partition(read_raw(m, env[s], op, "data"))
        idx = per_partition(read_raw(m, env[i], op, "indices")).astype(np.int64)
        bad = (idx < 0) | (idx >= data.shape[1])
        if bad.any():
            p, j = (int(v) for v in np.argwhere(bad)[0])
            raise SimulationError(
                "err_index_out_of_bounds",
                f"nc_n_gather: index {int(idx[p, j])} at [{p}, {j}] is outside the "
                f"{data.shape[1]} elements of partition {p}",
                op,
                hint="indices address data[p].flatten(): 0 <= index < its free size",
            )
        write_raw(env[d], np.take_along_axis(data, idx, axis=1))

    return run


def rule_sequence_bounds(c: Compiler, op: k.SequenceBoundsOp) -> Step:
    d, s = _ops(c, op.dst, op.segment_ids)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ids = per_partition(read(m, env[s], op, "segment_ids"))[0]
        n = ids.shape[0]
        pos = np.arange(n)
        new_run = np.ones(n, bool)
        new_run[1:] = ids[1:] != ids[:-1]
        run_id = np.cumsum(new_run) - 1
        starts = pos[new_run]
        ends = np.append(starts[1:], n)
        padding = ids == 0
        start = np.where(padding, n, starts[run_id])
        end = np.where(padding, -1, ends[run_id])
        write(env[d], np.stack([start, end]).astype(np.float32))

    return run


def rule_nonzero_with_count(c: Compiler, op: k.NonzeroWithCountOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    offset, padding = op.index_offset.data, op.padding_val.data
    p = c.shape(op.dst)[0]
    lanes = np.arange(0, p, 16)  # one partition per GpSimd core
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = _read_rows(m, env[s], lanes, op, "src")
        t = src.shape[1]
        nonzero = src != 0
        count = nonzero.sum(axis=1)
        # stable sort: nonzero positions first, in order
        order = np.argsort(~nonzero, axis=1, kind="stable")
        out = np.where(np.arange(t)[None, :] < count[:, None], order + offset, padding)
        _write_rows(env[d], lanes, np.concatenate([out, count[:, None]], axis=1).astype(np.int32))

    return run


def rule_local_gather(c: Compiler, op: k.LocalGatherOp) -> Step:
    d, s, i = _ops(c, op.dst, op.src_buffer, op.index)
    e = op.num_elem_per_idx.data
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = per_partition(read_raw(m, env[s], op, "src_buffer"))
        index = per_partition(read_raw(m, env[i], op, "index")).astype(np.int64)
        p = src.shape[0]
        valid = op.num_valid_indices.data if op.num_valid_indices is not None else 16 * index.shape[1]
        out = np.zeros((p, valid * e), dtype=src.dtype)
        for core in range(p // 16):
            rows = slice(16 * core, 16 * core + 16)
            idx = index[rows].flatten(order="F")[:valid]
            cols = (idx[:, None] + np.arange(e)[None, :]).reshape(-1)
            out[rows] = src[rows][:, cols]
        write_raw(env[d], out)

    return run


def rule_topk(c: Compiler, op: k.TopkOp) -> Step:
    """Per 16-partition group: the group's n elements (element e at partition e % 16,
    column e // 16), their K largest ascending, every partition of the group holding the
    group's result (semantics §4.35). Ties: the smaller index ranks higher; NaN is largest."""
    v, i, s = _ops(c, op.val_dst, op.idx_dst, op.src)
    n = op.n.data
    p, kk = c.shape(op.src)[0], math.prod(c.shape(op.val_dst)[1:])
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = per_partition(read(m, env[s], op, "src"))  # float32
        groups = src.reshape(p // 16, 16, -1).transpose(0, 2, 1).reshape(p // 16, -1)[:, :n]
        key = np.where(np.isnan(groups), np.inf, groups)
        rank = np.lexsort((-np.arange(n)[None, :].repeat(len(groups), 0), key,
                           np.isnan(groups)), axis=1)  # ascending; NaN last; ties: larger index first
        top = rank[:, n - kk:]
        vals = np.take_along_axis(groups, top, axis=1)
        write(env[v], np.repeat(vals, 16, axis=0))
        write_bits(env[i], np.repeat(top.astype(np.uint32), 16, axis=0))

    return run
