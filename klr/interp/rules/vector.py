"""Interpreter rules of the Vector engine's instructions (docs/semantics.md §4.3-§4.5, §4.9-§4.12,
§4.16-§4.20, §4.23-§4.25, §4.27, §4.33)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.ir import Operation

from klr.dialects import klr as k
from klr.interp import dtypes as dt, mx
from klr.interp.machine import (
    F32,
    Compiler,
    Env,
    Ref,
    SimulationError,
    Step,
    _accumulate,
    _is_float,
    _operand,
    _operands,
    _ops,
    _read_accumulator,
    _scalar,
    _write_rows,
    check_init,
    mark_written,
    mark_written_where,
    per_partition,
    read,
    read_raw,
    store,
    tensor_type_of,
    write,
    write_bits,
    write_raw,
)
from klr.interp.operators import (
    _UFUNC_ALU,
    ALU,
    BITVEC_OPS,
    EXACT_INTEGER_ALU,
    IDENTITY,
    REDUCE,
    _as_f32,
    _bitvec_stage,
    _i64,
    alu,
    f32,
)


def rule_tensor_tensor(c: Compiler, op: k.TensorTensorOp) -> Step:
    values = _operands(op, "dst", "data1", "data2")
    d, a, b = _ops(c, *values)
    alu_op = op.properties["op"].data  # type: ignore[attr-defined]
    fn = ALU[alu_op]
    m = c.m
    dd, ad, bd = (c.dtype(v) for v in values)
    same_shape = c.shape(values[0]) == c.shape(values[1]) == c.shape(values[2])

    if same_shape and all(_is_float(x) for x in (dd, ad, bd)):
        a32, b32 = ad == F32, bd == F32
        ufunc_out = dd == F32 and alu_op in _UFUNC_ALU and a32 and b32

        def run_float(env: Env) -> None:
            m.instructions += 1
            A: Ref = env[a]
            B: Ref = env[b]
            D: Ref = env[d]
            if not A.storage.full:
                check_init(m, A, op, "data1")
            if not B.storage.full:
                check_init(m, B, op, "data2")
            if ufunc_out and D.simple:
                fn(A.arr, B.arr, out=D.arr)
            else:
                x = A.arr if a32 else dt.to_f32(A.arr)
                y = B.arr if b32 else dt.to_f32(B.arr)
                store(D.arr, _as_f32(fn(x, y)))
            if not D.storage.full:
                mark_written(D)

        return run_float

    if alu_op in BITVEC_OPS:  # raw bits of integers (the verifier requires integer dtypes)

        def run_bits(env: Env) -> None:
            m.instructions += 1
            x = per_partition(read_raw(m, env[a], op, "data1"))
            y = per_partition(read_raw(m, env[b], op, "data2"))
            write_bits(env[d], _bitvec_stage(alu_op, x, y, ad))

        return run_bits

    in_psum = any(tensor_type_of(v).mem == k.Memory.PSUM for v in values[1:])
    forced = op.engine.data in (k.Engine.VECTOR, k.Engine.SCALAR)
    if not _is_float(ad) and not _is_float(bd) and alu_op in EXACT_INTEGER_ALU and not (
        in_psum or forced
    ):
        exact = EXACT_INTEGER_ALU[alu_op]

        def run_exact(env: Env) -> None:
            m.instructions += 1
            x = _i64(per_partition(read_raw(m, env[a], op, "data1")))
            y = _i64(per_partition(read_raw(m, env[b], op, "data2")))
            write(env[d], exact(x, y))

        return run_exact

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[a], op, "data1"))
        y = per_partition(read(m, env[b], op, "data2"))
        write(env[d], f32(fn(x, y)))

    return run


def _int_operand(
    c: Compiler, slot: int | None, imm: k.FloatAttr | None, op: Operation, what: str
) -> Callable[[Env], Any]:
    """A bitvec operator's scalar operand: an integer immediate or a (P, 1) vector's bits."""
    if slot is None:
        if imm is not None and not float(imm.data).is_integer():
            raise SimulationError(
                "err_bad_arguments",
                f"a bitwise operator needs an integer {what}, got {imm.data!r}",
                op,
                hint="bitvec operators work on raw integer bits (nki.md §8.1)",
            )
        value = None if imm is None else np.int64(int(imm.data))
        return lambda env: value
    m = c.m
    return lambda env: per_partition(read_raw(m, env[slot], op, what))


def _tensor_scalar_bits(c: Compiler, op: k.TensorScalarOp) -> Step:
    """tensor_scalar with a bitvec stage: bitvec stages on raw bits at the data's width,
    arithmetic stages in float32 on the values (semantics §4.4)."""
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    m = c.m
    lane = c.dtype(op.data)
    stages = []
    for alu_op, slot, imm, rev, what in (
        (op.op0.data, o0, op.imm0, op.reverse0 is not None, "operand0"),
        (op.op1.data if op.op1 is not None else None, o1, op.imm1, op.reverse1 is not None,
         "operand1"),
    ):
        if alu_op is None:
            continue
        bits = alu_op in BITVEC_OPS
        get = (_int_operand if bits else _operand)(c, slot, imm, op, what)
        stages.append((alu_op, get, rev, bits))
    last_bits = stages[-1][3]

    def run(env: Env) -> None:
        m.instructions += 1
        t: Any = per_partition(read_raw(m, env[s], op, "data"))
        for alu_op, get, rev, bits in stages:
            v = get(env)
            if bits:
                a, b = (v, t) if rev else (t, v)
                t = _bitvec_stage(alu_op, a, b, lane)
            else:
                t = f32(alu(alu_op, dt.to_f32(np.asarray(t)), v, rev))
        (write_bits if last_bits else write)(env[d], t)

    return run


def rule_tensor_scalar(c: Compiler, op: k.TensorScalarOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    op0, op1 = op.op0.data, op.op1.data if op.op1 is not None else None
    if op0 in BITVEC_OPS or op1 in BITVEC_OPS:
        return _tensor_scalar_bits(c, op)
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    m = c.m
    get0 = _operand(c, o0, op.imm0, op, "operand0")
    get1 = _operand(c, o1, op.imm1, op, "operand1")
    dd, sd = c.dtype(op.dst), c.dtype(op.data)
    dshape, sshape = c.shape(op.dst), c.shape(op.data)
    # vector operands broadcast along (P, N): other shapes need the flattening
    direct = dshape == sshape and (len(dshape) == 2 or (o0 is None and o1 is None))

    if direct and _is_float(dd) and _is_float(sd):

        def run_float(env: Env) -> None:
            m.instructions += 1
            S: Ref = env[s]
            D: Ref = env[d]
            if not S.storage.full:
                check_init(m, S, op, "data")
            x = S.arr if sd == F32 else dt.to_f32(S.arr)
            t = _as_f32(alu(op0, x, get0(env), rev0))
            if op1 is not None:
                t = _as_f32(alu(op1, t, get1(env), rev1))
            if t.shape != dshape:  # `bypass` of an operand: as `write` (no broadcast)
                t = np.asarray(t).reshape(dshape)
            store(D.arr, t)
            if not D.storage.full:
                mark_written(D)

        return run_float

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        t = f32(alu(op0, x, get0(env), rev0))
        if op1 is not None:
            t = f32(alu(op1, t, get1(env), rev1))
        write(env[d], t)

    return run


def rule_scalar_tensor_tensor(c: Compiler, op: k.ScalarTensorTensorOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.data, op.operand0, op.operand1)
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    op0, op1 = op.op0.data, op.op1.data
    get0 = _operand(c, o0, op.imm0, op, "operand0")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        y = per_partition(read(m, env[o1], op, "operand1"))
        t = f32(alu(op0, x, get0(env), rev0))
        write(env[d], f32(alu(op1, t, y, rev1)))

    return run


def _reduction(op: Operation, alu_op: k.AluOp) -> Callable[..., np.ndarray]:
    fn = REDUCE.get(alu_op)
    if fn is None:
        raise SimulationError(
            "err_bad_arguments",
            f"'{alu_op.value}' is not a reduction operator",
            op,
            hint="reduce with add, subtract, multiply, maximum, minimum, a logical or a "
            "bitwise and/or/xor (nki.md §8.1)",
        )
    return fn


def rule_tensor_reduce(c: Compiler, op: k.TensorReduceOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    fn = _reduction(op, op.op.data)
    axes = tuple(op.axes.data)
    negate = op.negate is not None
    m = c.m
    lane = c.dtype(op.data)

    if op.op.data in BITVEC_OPS:

        def run_bits(env: Env) -> None:
            m.instructions += 1
            y = fn(read_raw(m, env[s], op, "data"), axis=axes, keepdims=True)
            write_bits(env[d], _i64(y).astype(lane) if not negate else (-_i64(y)).astype(lane))

        return run_bits

    def run(env: Env) -> None:
        m.instructions += 1
        x = read(m, env[s], op, "data")
        y = f32(fn(x, axis=axes, keepdims=True))
        write(env[d], -y if negate else y)

    return run


def rule_memset(c: Compiler, op: k.MemsetOp) -> Step:
    d = c.slot(op.dst)
    v = op.value.data
    # converted to the destination's dtype directly: an integer stays exact (§4.10)
    dd = c.dtype(op.dst)
    exact_int = dt.is_integer(dd) and float(v).is_integer() and abs(v) < 2.0**62
    value = dt.convert(np.array(int(v) if exact_int else v, np.int64 if exact_int else F32), dd)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        ref: Ref = env[d]
        ref.arr[...] = value
        mark_written(ref)

    return run


def rule_reciprocal(c: Compiler, op: k.ReciprocalOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        with np.errstate(all="ignore"):
            write(env[d], f32(1.0 / read(m, env[s], op, "data").astype(np.float64)))

    return run


def rule_bn_stats(c: Compiler, op: k.BnStatsOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data")).astype(np.float64)
        out = np.zeros((x.shape[0], 6))
        for j, part in enumerate((x[:, 0::2], x[:, 1::2])):
            n = part.shape[1]
            mean = part.mean(axis=1) if n else 0.0
            var = part.var(axis=1) if n else 0.0
            out[:, 3 * j] = n
            out[:, 3 * j + 1] = mean
            out[:, 3 * j + 2] = var * n
        write(env[d], f32(out))

    return run


def rule_bn_aggr(c: Compiler, op: k.BnAggrOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data")).astype(np.float64)
        counts, means, m2 = x[:, 0::3], x[:, 1::3], x[:, 2::3]
        n = counts.sum(axis=1)
        with np.errstate(all="ignore"):
            mean = (counts * means).sum(axis=1) / n
            var = (m2 + counts * (means - mean[:, None]) ** 2).sum(axis=1) / n
        write(env[d], f32(np.stack([mean, var], axis=1)))

    return run


def rule_tensor_copy_predicated(c: Compiler, op: k.TensorCopyPredicatedOp) -> Step:
    d, s, p = _ops(c, op.dst, op.src, op.predicate)
    reverse = op.reverse_pred is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        dst: Ref = env[d]
        pred = per_partition(read_raw(m, env[p], op, "predicate")) != 0
        if reverse:
            pred = ~pred
        out = dst.data()
        if s is not None:
            src_ref: Ref = env[s]
            raw = per_partition(read_raw(m, src_ref, op, "src"))
            src = raw if raw.dtype == out.dtype else dt.convert(dt.to_f32(raw), out.dtype)
        else:
            src = dt.convert(np.float32(op.src_imm.data), out.dtype)  # type: ignore[union-attr]
        # only the selected elements are written: the others keep their bits (§4.16);
        # boolean selection is row-major on both sides, so the (P, N) and view shapes agree
        where = pred.reshape(out.shape)
        out[where] = np.broadcast_to(src, pred.shape)[pred]
        mark_written_where(dst, where)

    return run


def rule_tensor_tensor_scan(c: Compiler, op: k.TensorTensorScanOp) -> Step:
    d, a, b, i = _ops(c, op.dst, op.data0, op.data1, op.initial)
    op0, op1 = op.op0.data, op.op1.data
    rev0, rev1 = op.reverse0 is not None, op.reverse1 is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[a], op, "data0"))
        y = per_partition(read(m, env[b], op, "data1"))
        init = _scalar(env, i, op.initial_imm, m, op, "initial")
        r = np.broadcast_to(np.asarray(init, dtype=np.float32).reshape(-1, 1)[:, 0], (x.shape[0],)).copy()
        out = np.empty_like(x)
        for f in range(x.shape[1]):  # a recurrence: sequential along the free axis
            t = alu(op0, x[:, f], r, rev0)
            r = f32(alu(op1, t, y[:, f], rev1))
            out[:, f] = r
        write(env[d], out)

    return run


def rule_select_reduce(c: Compiler, op: k.SelectReduceOp) -> Step:
    d, p, t, f, r = _ops(c, op.dst, op.predicate, op.on_true, op.on_false, op.reduce_res)
    reverse = op.reverse_pred is not None
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        pred = per_partition(read_raw(m, env[p], op, "predicate")) != 0
        if reverse:
            pred = ~pred
        on_true = per_partition(read(m, env[t], op, "on_true"))
        on_false = _scalar(env, f, op.on_false_imm, m, op, "on_false")
        y = f32(np.where(pred, on_true, on_false))
        write(env[d], y)
        if op.reduce_cmd.data != k.ReduceCmd.IDLE:
            _accumulate(m.vec_acc, op.reduce_cmd.data, y, op.reduce_op.data)
        _read_accumulator(env, r, m.vec_acc, y.shape[0])

    return run


def rule_tensor_scalar_reduce(c: Compiler, op: k.TensorScalarReduceOp) -> Step:
    d, s, o0, r = _ops(c, op.dst, op.data, op.operand0, op.reduce_res)
    op0, rop, cmd = op.op0.data, op.reduce_op.data, op.reduce_cmd.data
    init = op.reduce_init.data if op.reduce_init is not None else None
    negate = op.reduce_res_negate is not None
    get0 = _operand(c, o0, op.imm0, op, "operand0")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        y = f32(alu(op0, x, get0(env)))
        write(env[d], y)
        # the float32 values, before the cast to dst (as activation, §4.6)
        _accumulate(m.vec_acc, cmd, y, rop, init)
        _read_accumulator(env, r, m.vec_acc, y.shape[0], negate)

    return run


_ACCUMULATE_UFUNC: dict[k.AluOp, np.ufunc] = {
    k.AluOp.ADD: np.add,
    k.AluOp.MULTIPLY: np.multiply,
    k.AluOp.MAXIMUM: np.maximum,
    k.AluOp.MINIMUM: np.minimum,
}


def rule_tensor_scalar_cumulative(c: Compiler, op: k.TensorScalarCumulativeOp) -> Step:
    d, s, o0, o1 = _ops(c, op.dst, op.src, op.operand0, op.operand1)
    op0, op1, cmd = op.op0.data, op.op1.data, op.reduce_cmd.data
    get0 = _operand(c, o0, op.imm0, op, "imm0")
    get1 = _operand(c, o1, op.imm1, op, "imm1")
    ufunc = _ACCUMULATE_UFUNC.get(op1)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        t = f32(alu(op0, per_partition(read(m, env[s], op, "src")), get0(env)))
        p = t.shape[0]
        if cmd == k.ReduceCmd.RESET_REDUCE:
            reg = np.full(p, IDENTITY.get(op1, 0.0), np.float32)
        elif cmd == k.ReduceCmd.LOAD_REDUCE:
            reg = np.broadcast_to(np.asarray(get1(env), np.float32).reshape(-1), (p,)).copy()
        else:  # reduce (and idle): continue from the accumulator
            reg = m.vec_acc[:p].copy()
        if ufunc is not None:  # op1(x, reg) commutes: a float32 running fold
            out = ufunc.accumulate(np.concatenate([reg[:, None], t], axis=1), axis=1,
                                   dtype=np.float32)[:, 1:]
        else:  # subtract: reg = x - reg, sequential along the free elements
            out = np.empty_like(t)
            for f in range(t.shape[1]):
                reg = f32(alu(op1, t[:, f], reg))
                out[:, f] = reg
        write(env[d], out)
        if cmd != k.ReduceCmd.IDLE and out.shape[1]:
            m.vec_acc[:p] = out[:, -1]

    return run


def rule_exponential(c: Compiler, op: k.ExponentialOp) -> Step:
    d, s, mx, r = _ops(c, op.dst, op.src, op.max_value, op.reduce_res)
    cmd = op.reduce_cmd.data
    init = op.reduce_init.data if op.reduce_init is not None else 0.0
    get_max = _operand(c, mx, op.max_imm, op, "max_value")
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "src"))
        mv = get_max(env)
        v = x if mv is None else f32(x - mv)
        y = f32(np.exp(v.astype(np.float64)))
        write(env[d], y)
        if cmd != k.ReduceCmd.IDLE:
            _accumulate(m.vec_acc, cmd, y, k.AluOp.ADD, init)
        _read_accumulator(env, r, m.vec_acc, y.shape[0])

    return run


def rule_nc_stream_shuffle(c: Compiler, op: k.NcStreamShuffleOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    p = c.shape(op.dst)[0]
    mask = op.shuffle_mask.data
    # (destination row, source row) of every quadrant; 255 and rows past P are skipped
    pairs = [(q + i, q + j) for q in range(0, p, 32) for i, j in enumerate(mask)
             if j != 255 and q + i < p and q + j < p]
    rows_d = np.array([a for a, _ in pairs], np.int64)
    rows_s = np.array([b for _, b in pairs], np.int64)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        src = read_raw(m, env[s], op, "src")[rows_s]  # a copy: in place is allowed
        _write_rows(env[d], rows_d, src)

    return run


def rule_quantize_mx(c: Compiler, op: k.QuantizeMxOp) -> Step:
    d, sc, s = _ops(c, op.dst, op.dst_scale, op.src)
    ddt = tensor_type_of(op.dst).element
    rows = mx.scale_rows(c.shape(op.src)[0] // 8, c.shape(op.dst_scale)[0])
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        words, biased = mx.quantize(per_partition(read(m, env[s], op, "src")), ddt)
        write_bits(env[d], words)
        scale: Ref = env[sc]
        _write_rows(scale, rows, mx.stored_scales(biased, scale.arr.dtype))

    return run


def rule_range_select(c: Compiler, op: k.RangeSelectOp) -> Step:
    d, t, b0, b1, r = _ops(c, op.dst, op.on_true, op.bound0, op.bound1, op.reduce_res)
    c0, c1 = ALU[op.comp_op0.data], ALU[op.comp_op1.data]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        on_true = per_partition(read(m, env[t], op, "on_true_tile"))
        lo = per_partition(read(m, env[b0], op, "bound0"))
        hi = per_partition(read(m, env[b1], op, "bound1"))
        idx = (op.range_start.data + np.arange(on_true.shape[1], dtype=np.float32))[None, :]
        mask = (c0(idx, lo) != 0) & (c1(idx, hi) != 0)
        y = f32(np.where(mask, on_true, np.float32(op.on_false_value.data)))
        write(env[d], y)
        _accumulate(m.vec_acc, op.reduce_cmd.data, y, op.reduce_op.data)
        _read_accumulator(env, r, m.vec_acc, y.shape[0])

    return run


def rule_max8(c: Compiler, op: k.Max8Op) -> Step:
    d, s = _ops(c, op.dst, op.src)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "src"))
        write(env[d], -np.sort(-x, axis=1)[:, :8])

    return run


def rule_nc_find_index8(c: Compiler, op: k.NcFindIndex8Op) -> Step:
    d, s, v = _ops(c, op.dst, op.data, op.vals)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data"))
        vals = per_partition(read(m, env[v], op, "vals"))
        missing = np.iinfo(env[d].storage.data.dtype).max
        out = np.full(vals.shape, missing, dtype=np.int64)
        for p in range(x.shape[0]):
            used: set[int] = set()
            for j in range(8):
                hits = [i for i in np.flatnonzero(x[p] == vals[p, j]) if i not in used]
                if hits:
                    out[p, j] = hits[0]
                    used.add(hits[0])
        write_raw(env[d], out.astype(env[d].storage.data.dtype))

    return run


def rule_nc_match_replace8(c: Compiler, op: k.NcMatchReplace8Op) -> Step:
    d, s, v, ix = _ops(c, op.dst, op.data, op.vals, op.dst_idx)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read(m, env[s], op, "data")).copy()
        vals = per_partition(read(m, env[v], op, "vals"))
        idx = np.zeros(vals.shape, dtype=np.int64)
        for p in range(x.shape[0]):
            for j in reversed(range(8)):  # processed from the last value (nki.md §9.3)
                hits = np.flatnonzero(x[p] == vals[p, j])
                if hits.size:
                    x[p, hits[0]] = op.imm.data
                    idx[p, j] = hits[0]
        write(env[d], x)
        if ix is not None:
            write(env[ix], idx.astype(np.float64))

    return run
