"""Interpreter rules of the DMA instructions: copies, transposes, indirect and computing DMA
(docs/semantics.md §4.1, §4.2, §4.22, §4.32, §4.34)."""

from __future__ import annotations

import numpy as np

from klr.dialects import klr as k
from klr.interp import dtypes as dt
from klr.interp.machine import (
    Compiler,
    Env,
    Ref,
    SimulationError,
    Step,
    _operands,
    _ops,
    check_init,
    mark_written,
    per_partition,
    read,
    read_raw,
    write,
    write_raw,
)


def rule_dma_copy(c: Compiler, op: k.DmaCopyOp) -> Step:
    dst_v, src_v = _operands(op, "dst", "src")
    d, s = _ops(c, dst_v, src_v)
    m = c.m
    dd, sd = c.dtype(dst_v), c.dtype(src_v)
    dshape = c.shape(dst_v)
    same_shape = dshape == c.shape(src_v)

    if dd == sd:
        # bit-exact copy

        def run_raw(env: Env) -> None:
            m.instructions += 1
            src: Ref = env[s]
            dst: Ref = env[d]
            if not src.storage.full:
                check_init(m, src, op, "src")
            dst.arr[...] = src.arr if same_shape else src.arr.reshape(dshape)
            if not dst.storage.full:
                mark_written(dst)

        return run_raw

    def run(env: Env) -> None:
        m.instructions += 1
        write(env[d], read(m, env[s], op, "src"))

    return run


def rule_tensor_copy(c: Compiler, op: k.TensorCopyOp) -> Step:
    # bit-exact when dtypes match, else through fp32 (nki.md §7.2); the free dims are
    # flattened row-major on both sides, i.e. a row-major copy
    return rule_dma_copy(c, op)  # type: ignore[arg-type]


def rule_dma_compute(c: Compiler, op: k.DmaComputeOp) -> Step:
    d = c.slot(op.dst)
    srcs = [c.slot(v) for v in op.srcs]
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        total = read(m, env[srcs[0]], op, "srcs").reshape(-1).astype(np.float32)
        for i, slot in enumerate(srcs[1:], 1):  # float32 adds in source order
            total = total + read(m, env[slot], op, f"srcs[{i}]").reshape(-1)
        write(env[d], total)

    return run


def rule_dma_transpose(c: Compiler, op: k.DmaTransposeOp) -> Step:
    d, s = _ops(c, op.dst, op.src)
    axes = op.axes.data
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        write_raw(env[d], np.ascontiguousarray(np.transpose(read_raw(m, env[s], op, "src"), axes)))

    return run


def rule_indirect_dma(c: Compiler, op: k.IndirectDmaOp) -> Step:
    """Gather `dst[p, f] = table[idx[p], f]` / scatter `table[idx[p], f] = src[p, f]`
    (semantics §4.32): one fancy-indexing gather or store over the rows' flat positions."""
    scatter = op.dst_index is not None
    d, s = _ops(c, op.dst, op.src)
    ix = c.slot(op.dst_index if scatter else op.src_index)  # type: ignore[arg-type]
    table_slot, direct_slot = (d, s) if scatter else (s, d)
    table_v = op.dst if scatter else op.src
    rows = c.shape(table_v)[0]
    convert = c.dtype(op.dst) != c.dtype(op.src)
    m = c.m

    def positions(env: Env) -> np.ndarray:
        """(P, F) flat element positions in the table's storage; OOB is an error."""
        idx = read_raw(m, env[ix], op, "index").reshape(-1).astype(np.int64)
        bad = (idx < 0) | (idx >= rows)
        if bad.any():
            p = int(np.argmax(bad))
            raise SimulationError(
                "err_index_out_of_bounds",
                f"indirect DMA: partition {p} has row index {int(idx[p])}, outside the "
                f"{rows} rows of the indexed tensor",
                op,
                hint="index tiles must hold row numbers in [0, rows) (oob_mode=error, nki.md §4.2)",
            )
        t: Ref = env[table_slot]
        free = np.zeros(1, dtype=np.int64)
        for step, num in zip(t.steps[1:], t.shape[1:]):
            free = (free[:, None] + np.arange(num, dtype=np.int64)[None, :] * step).reshape(-1)
        return t.start + idx[:, None] * t.steps[0] + free[None, :]

    def run(env: Env) -> None:
        m.instructions += 1
        pos = positions(env)
        table: Ref = env[table_slot]
        st = table.storage
        if scatter:
            src: Ref = env[direct_slot]
            raw = per_partition(read_raw(m, src, op, "src"))
            values = dt.convert(dt.to_f32(raw), st.flat.dtype) if convert else raw
            # partitions in order: where two pick the same row, the later one wins (choice)
            st.flat[pos.reshape(-1)] = values.reshape(-1)
            if not st.full:
                st.init_flat[pos.reshape(-1)] = True
                st.pending += pos.size
                if st.pending >= st.size:
                    st.pending = 0
                    st.full = bool(st.init.all())
            return
        if not st.full and not st.init_flat[pos].all():
            m.warn("warn_uninitialized_read",
                   f"'src' reads elements of '{st.name}' that were never written", op)
        values = st.flat[pos]
        dst: Ref = env[direct_slot]
        if convert:
            write(dst, dt.to_f32(values))
        else:
            write_raw(dst, values)

    return run
