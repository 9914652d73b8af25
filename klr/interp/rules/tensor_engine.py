"""Interpreter rules of the Tensor engine: nc_matmul (with its vectorized accumulation loop),
nc_transpose, nc_matmul_mx (docs/semantics.md §4.7, §4.8, §4.33)."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from xdsl.ir import Operation, SSAValue

from klr.dialects import klr as k
from klr.interp import dtypes as dt, mx
from klr.interp.blas import BLAS
from klr.interp.machine import (
    F32,
    Compiler,
    Env,
    Ref,
    SimulationError,
    Step,
    Storage,
    _bits,
    _converted,
    _ops,
    _read_rows,
    _window,
    check_init,
    mark_matmul_written,
    mark_written,
    per_partition,
    read_raw,
    rule_view,
    tensor_type_of,
    write_raw,
)


def _is_tf32(v: SSAValue) -> bool:
    return tensor_type_of(v).element == k.Dtype.TFLOAT32


def _matmul_operand(c: Compiler, v: SSAValue) -> Callable[[np.ndarray], np.ndarray]:
    """What TensorE multiplies: the values as float32, a tfloat32 mantissa rounded to 10
    bits (nki.md §7.1)."""
    stored = c.dtype(v)
    if _is_tf32(v):
        return lambda a: dt.to_tf32(_to_f32(a, stored))
    return lambda a: _to_f32(a, stored)


def _nc_matmul_transpose(c: Compiler, op: k.NcMatmulOp) -> Step:
    """Transpose mode (`is_transpose`, nki.md §9.1): the PE array passes the stationary
    tile through bit-exactly (NaN/Inf-safe): `dst[m, k] ← stationary[k, m]`. The moving
    operand is the identity by contract; it is read (for the unwritten-memory check)
    but not multiplied. Converted through float32 only if the dtypes differ (§4.7)."""
    d, st, mv = _ops(c, op.dst, op.stationary, op.moving)
    m = c.m
    s_shape, m_shape = c.shape(op.stationary), c.shape(op.moving)
    k_, mm_, n_ = s_shape[0], math.prod(s_shape[1:]), math.prod(m_shape[1:])
    if n_ != k_:
        raise SimulationError(
            "err_shape_mismatch",
            f"nc_matmul transpose mode: the moving identity must be [{k_}, {k_}], "
            f"got free size {n_}",
            op,
            hint="pass an identity matrix with as many rows and columns as the stationary "
            "tile has partitions",
        )

    def run(env: Env) -> None:
        m.instructions += 1
        a = read_raw(m, env[st], op, "stationary").reshape(k_, mm_)
        check_init(m, env[mv], op, "moving")
        dst: Ref = env[d]
        t = np.ascontiguousarray(a.T)
        dst.arr[...] = (t if t.dtype == dst.arr.dtype else dt.convert(dt.to_f32(t), dst.arr.dtype)
                        ).reshape(dst.shape)
        mark_written(dst)
        mark_matmul_written(dst)

    return run


def rule_nc_matmul(c: Compiler, op: k.NcMatmulOp) -> Step:
    if op.is_transpose is not None:
        return _nc_matmul_transpose(c, op)
    d, st, mv = _ops(c, op.dst, op.stationary, op.moving)
    m = c.m
    s_shape, m_shape = c.shape(op.stationary), c.shape(op.moving)
    k_, mm_ = s_shape[0], math.prod(s_shape[1:])
    n_ = math.prod(m_shape[1:])
    update = _matmul_update(c, op)
    sval, mval = _matmul_operand(c, op.stationary), _matmul_operand(c, op.moving)

    def run(env: Env) -> None:
        m.instructions += 1
        a_ref: Ref = env[st]
        b_ref: Ref = env[mv]
        check_init(m, a_ref, op, "stationary")
        check_init(m, b_ref, op, "moving")
        a = a_ref.arr.reshape(k_, mm_)  # [K, M]
        b = b_ref.arr.reshape(k_, n_)  # [K, N]
        # fp32 accumulation in the PE array; OpenBLAS is an order of magnitude slower on
        # a transposed small operand than on a contiguous copy of it (transposed in the
        # stored dtype: converting is elementwise, so the order of the two is free)
        prod = sval(np.ascontiguousarray(a.T)) @ mval(b)
        update(env[d], prod)

    return run


def _to_f32(a: np.ndarray, stored: np.dtype) -> np.ndarray:
    return a if stored == F32 else dt.to_f32(a)


def _matmul_update(c: Compiler, op: k.NcMatmulOp) -> Callable[[Ref, np.ndarray], None]:
    """nc_matmul's effect on `dst` given the product R (float32 [M, N]), §4.7."""
    accumulate = None if op.accumulate is None else bool(op.accumulate.data)
    m = c.m
    s_shape, m_shape = c.shape(op.stationary), c.shape(op.moving)
    # the product goes straight into a float32 destination of the product's shape
    direct = c.dtype(op.dst) == F32 and c.shape(op.dst) == (
        math.prod(s_shape[1:]), math.prod(m_shape[1:]))

    def update(dst: Ref, prod: np.ndarray) -> None:
        ds = dst.storage
        if accumulate is None:
            # first matmul write to a PSUM location overwrites, later ones add (§3.4)
            if not ds.mm_any:
                mode = 0
            elif ds.mm_full or dst.mm().all():
                mode = 1
            else:
                mode = 2
        elif accumulate:
            if not ds.full and not dst.init().all():
                m.warn(
                    "warn_uninitialized_read",
                    "nc_matmul accumulates onto PSUM that was never written",
                    op,
                )
            mode = 1
        else:
            mode = 0
        if direct and dst.simple:
            out = dst.arr
            if mode == 0:
                out[...] = prod
            elif mode == 1:
                np.add(out, prod, out=out)
            else:
                out[...] = np.where(dst.mm(), out + prod, prod)
        else:
            current = dt.to_f32(dst.arr).reshape(prod.shape)
            if mode == 0:
                res = prod
            elif mode == 1:
                res = current + prod
            else:
                res = np.where(dst.mm().reshape(prod.shape), current + prod, prod)
            dst.arr[...] = _converted(res, dst.arr.dtype).reshape(dst.shape)
        mark_written(dst)
        mark_matmul_written(dst)

    return update


def _users(v: SSAValue) -> list[Operation]:
    return [u.operation for u in v.uses]


# iterations of a vectorized matmul loop per batch: bounds the stacked operands' memory
_MATMUL_LOOP_BATCH_ELEMENTS = 1 << 22
# iterations per task of a worker thread (smaller: products still in cache when applied)
_MATMUL_LOOP_PIECE = 8

GROUPED_MATMUL_ACCUMULATION = True
"""How a vectorized matmul loop (`_matmul_loop`) sums its products into a float32 PSUM
tile. True (default): the group's products are summed by BLAS as one matmul over the
concatenated contraction (`concat_t(a_t.T) @ concat_t(b_t)`, in blocks of
`_MATMUL_GROUP_COLUMNS` columns, read in place), then written or added to the tile
once, as one `nc_matmul` would: the float32 summation order across the group differs
from one `nc_matmul` at a time at the ulp level, which docs/semantics.md §4.7 allows.
False: one BLAS product per iteration, added in iteration order: bit-identical to
executing the loop instruction by instruction (about 10% slower at 2048^3,
bench/run_bench.py)."""
_MATMUL_GROUP_COLUMNS = 256



def _matmul_loop(c: Compiler, op: k.ForOp, general: Step) -> Step | None:
    """The accumulation idiom of a tiled matmul, vectorized over the loop's iterations.

        klr.for %k {                        // any order of allocs and views
          %a = klr.alloc : sbuf             %va = klr.view %A[.., %k, ..]  (A from outside)
          %b = klr.alloc : sbuf             %vb = klr.view %B[.., %k, ..]
          klr.dma_copy %a, %va              klr.dma_copy %b, %vb
          klr.nc_matmul %acc, %a, %b        // last; accumulate none or 1
        }

    where %acc (PSUM) is defined outside the loop or is a view of such a tensor that does
    not depend on %k (the tracer re-creates views at their uses).

    Values defined in a loop body are invisible after it, so the tiles' storage (fully
    written by the DMAs before the matmul reads them) need not exist: the loop is, per
    batch of iterations, one gather of every iteration's source window, the same
    conversions, one stacked `np.matmul` (one BLAS product per iteration, as
    `nc_matmul` computes it), then the per-iteration updates of %acc in iteration order
    (`_matmul_update`, the rule itself: same float32 adds, same bookkeeping). Run-time
    condition, else the general loop runs: every element the DMAs read is written (so no
    read is reported; nothing in the loop writes them: they are not in PSUM).
    """
    block = op.body.block
    ops = list(block.ops)
    if len(ops) < 3 or not isinstance(ops[-1], k.NcMatmulOp):
        return None
    mm_op = ops[-1]
    if mm_op.accumulate is not None and not mm_op.accumulate.data:
        return None
    if mm_op.is_transpose is not None or _is_tf32(mm_op.stationary) or _is_tf32(mm_op.moving):
        return None
    index = block.args[0]
    defined = {r for o in ops for r in o.results}
    allocs: dict[SSAValue, k.AllocOp] = {}
    dmas: list[k.DmaCopyOp] = []
    for o in ops[:-1]:
        if isinstance(o, k.AllocOp):
            t = o.res.type
            if not isinstance(t, k.TensorType) or t.mem != k.Memory.SBUF:
                return None
            allocs[o.res] = o
        elif isinstance(o, k.ViewOp):
            if o.base in defined:
                return None
            for u in _users(o.res):
                if not (isinstance(u, k.DmaCopyOp) and u.src is o.res) and not (
                    u is mm_op and mm_op.dst is o.res and index not in o.indices
                ):
                    return None
        elif isinstance(o, k.DmaCopyOp):
            dmas.append(o)
        else:
            return None
    if tensor_type_of(mm_op.dst).mem != k.Memory.PSUM:
        return None
    # the accumulator: from outside the loop, or a view of one that does not move with it
    dst_owner = mm_op.dst.owner if mm_op.dst in defined else None
    if dst_owner is not None and not isinstance(dst_owner, k.ViewOp):
        return None
    dst_view = rule_view(c, dst_owner) if dst_owner is not None else None
    loaded: dict[SSAValue, k.DmaCopyOp] = {}
    for dma in dmas:
        if dma.dst not in allocs or dma.dst in loaded:
            return None
        src_t = tensor_type_of(dma.src)
        if src_t.mem == k.Memory.PSUM:
            return None
        if dma.src in defined and not isinstance(dma.src.owner, k.ViewOp):
            return None
        loaded[dma.dst] = dma
    for tile in allocs:
        if tile not in loaded:
            return None
        if any(u is not loaded[tile] and u is not mm_op for u in _users(tile)):
            return None
    if mm_op.stationary not in loaded or mm_op.moving not in loaded:
        return None

    m = c.m
    lower, step, trips = op.lower.data, op.step.data, op.trip_count
    idx = c.slot(index)
    n_instructions = len(dmas) + 1
    d = c.slot(mm_op.dst)
    update = _matmul_update(c, mm_op)
    s_shape, m_shape = c.shape(mm_op.stationary), c.shape(mm_op.moving)
    k_, mm_, n_ = s_shape[0], math.prod(s_shape[1:]), math.prod(m_shape[1:])
    per_iteration = k_ * (mm_ + n_) + mm_ * n_
    batch = max(1, min(trips, _MATMUL_LOOP_BATCH_ELEMENTS // max(per_iteration, 1)))

    def source(dma: k.DmaCopyOp) -> Callable[[Env], tuple[Ref, int, int] | None]:
        """(base Ref, start at the first iteration, start step per iteration)."""
        src = dma.src
        if src not in defined:  # the same tensor every iteration
            s_ = c.slot(src)
            return lambda env: (env[s_], env[s_].start, 0)
        view = src.owner
        assert isinstance(view, k.ViewOp)
        base = c.slot(view.base)
        offset = view.offset.data
        terms = [
            (cf, None if i is index else c.slot(i)) for cf, i in zip(view.coeffs.data, view.indices)
        ]
        per_step = sum(cf * step for cf, i in terms if i is None)

        def resolve(env: Env) -> tuple[Ref, int, int]:
            ref: Ref = env[base]
            start = ref.start + offset
            start += sum(cf * (lower if i is None else env[i]) for cf, i in terms)
            return ref, start, per_step

        return resolve

    def operand(tile: SSAValue, stationary: bool, grouped: bool = False
                ) -> Callable[..., np.ndarray]:
        """The matmul's float32 operand for iterations [t0, t1), stacked: [T, M, K]
        contiguous (the rule's `ascontiguousarray(a.T)`) or [T, K, N]; `grouped`: with
        the contraction concatenated, [M, T*K] or columns [j0, j1) of [T*K, N]. The tile
        holds what the DMA wrote: the source window, converted through float32 if the
        dtypes differ."""
        dma = loaded[tile]
        resolve = source(dma)
        src_t = tensor_type_of(dma.src)
        s_shape_ = tuple(src_t.get_shape())
        s_steps = _pattern_steps(dma.src) if dma.src in defined else None
        t_shape = c.shape(tile)
        td, srcd = c.dtype(tile), c.dtype(dma.src)
        base = _base_of(dma.src, defined)
        # a kernel argument nothing writes: its prepared stacks are reused by later
        # executions of the loop (the A tiles of a tiled matmul for every N tile, ...),
        # and a bit-exact DMA of it gives the tile the argument's float32 values
        read_only = base in c.read_only_args
        cache: dict[tuple[int, ...], tuple[Storage, np.ndarray]] | None = (
            {} if read_only else None
        )
        from_f32 = read_only and td == srcd and td != F32

        def prepare(env: Env, t0: int, t1: int, j0: int = 0, j1: int = n_) -> np.ndarray:
            ref, start, per = resolve(env)
            key = (start, per, t0, t1, j0, j1)
            if cache is not None:
                hit = cache.get(key)
                if hit is not None and hit[0] is ref.storage:
                    return hit[1]
            steps = s_steps if s_steps is not None else ref.steps
            converted = c.f32_args.get(id(ref.storage)) if from_f32 else None
            if converted is not None and converted[0] is ref.storage and converted[1] is not None:
                flat, wd = converted[1], F32  # the tile's values, already float32
            else:
                flat, wd = ref.storage.flat, td
            w = _window(flat, start + t0 * per, (t1 - t0,) + s_shape_, (per,) + steps)
            if s_shape_ != t_shape:
                w = w.reshape((t1 - t0,) + t_shape)
            if wd == td and td != srcd:
                w = _converted(_to_f32(w, srcd), td)
            if stationary:
                w = w.reshape(t1 - t0, k_, mm_)
                # gathered row by row, then transposed tile by tile in cache, as raw bits
                w = np.ascontiguousarray(_bits(w))
                order = (2, 0, 1) if grouped else (0, 2, 1)  # [M, T, K] or [T, M, K]
                w = np.ascontiguousarray(_bits(w).transpose(order)).view(wd)
            else:
                w = w.reshape(t1 - t0, k_, n_)[:, :, j0:j1]
            # contiguous, as the rule's operands (a fresh tile, its transposed copy)
            w = np.ascontiguousarray(_to_f32(w, wd))
            if grouped:
                w = w.reshape(mm_, -1) if stationary else w.reshape(-1, j1 - j0)
            if cache is not None and c.cache_budget.take(w.nbytes):
                cache[key] = (ref.storage, w)
            return w

        return prepare

    prepare_a = operand(mm_op.stationary, True)
    prepare_b = operand(mm_op.moving, False)
    prepare_a_cat = operand(mm_op.stationary, True, grouped=True)
    prepare_b_cat = operand(mm_op.moving, False, grouped=True)
    # grouped sums go straight into a float32 tile of the product's shape (a tile of a
    # narrower dtype rounds after every matmul: not an ulp-level difference)
    groupable = c.dtype(mm_op.dst) == F32 and c.shape(mm_op.dst) == (mm_, n_)
    blocks = [(j, min(n_, j + _MATMUL_GROUP_COLUMNS)) for j in range(0, n_, _MATMUL_GROUP_COLUMNS)]
    group_sum: list[np.ndarray] = []  # the result buffer, reused

    def in_place(tile: SSAValue) -> Callable[[Env, int, int], np.ndarray | None]:
        """The concatenated [T*K, F] float32 operand as a view, without copying, when
        the tiles are a bit-exact copy of float32 values (a float32 source, or the
        converted copy of a read-only argument, `Compiler.f32_of`), 2-D with unit
        free step, and consecutive iterations' tiles are consecutive rows."""
        dma = loaded[tile]
        resolve = source(dma)
        td, srcd = c.dtype(tile), c.dtype(dma.src)
        s_shape_ = c.shape(dma.src)
        s_steps = _pattern_steps(dma.src) if dma.src in defined else None
        if td != srcd or s_shape_ != c.shape(tile) or len(s_shape_) != 2:
            return lambda env, t0, t1: None

        def view(env: Env, t0: int, t1: int) -> np.ndarray | None:
            ref, start, per = resolve(env)
            steps = s_steps if s_steps is not None else ref.steps
            if steps[1] != 1 or per != s_shape_[0] * steps[0]:
                return None
            if srcd == F32:
                flat = ref.storage.flat
            else:
                hit = c.f32_args.get(id(ref.storage))
                if hit is None or hit[0] is not ref.storage or hit[1] is None:
                    return None
                flat = hit[1]
            return _window(flat, start + t0 * per, ((t1 - t0) * s_shape_[0], s_shape_[1]), steps)

        return view

    view_a, view_b = in_place(mm_op.stationary), in_place(mm_op.moving)

    def grouped_product(env: Env, t0: int, t1: int, pool: ThreadPoolExecutor | None) -> np.ndarray:
        """Σ_t a_t.T @ b_t over iterations [t0, t1) as one BLAS matmul over the
        concatenated contraction per block of columns (fixed blocks: the same bits
        however many threads compute them)."""
        va = view_a(env, t0, t1)
        a = va.T if va is not None else prepare_a_cat(env, t0, t1)
        vb = view_b(env, t0, t1)
        if not group_sum:
            group_sum.append(np.empty((mm_, n_), np.float32))
        out = group_sum[0]

        def lane(mine: list[tuple[int, int]]) -> None:
            for j0, j1 in mine:
                b = vb[:, j0:j1] if vb is not None else prepare_b_cat(env, t0, t1, j0, j1)
                np.matmul(a, b, out=out[:, j0:j1])

        lanes = min(BLAS.workers, len(blocks)) if pool is not None else 1
        futures = [pool.submit(lane, blocks[i::lanes]) for i in range(1, lanes)] if pool else []
        lane(blocks[0::lanes])
        for f in futures:
            f.result()
        return out
    # read-only arguments DMA'd bit-exactly into non-float32 tiles: converted once
    to_convert = [
        source(dma) for dma in dmas
        if _base_of(dma.src, defined) in c.read_only_args
        and c.dtype(dma.dst) == c.dtype(dma.src) != F32
    ]
    sources = [
        (source(dma), c.shape(dma.src), _pattern_steps(dma.src) if dma.src in defined else None)
        for dma in dmas
    ]

    # one result buffer per position in a wave, reused by every execution of the loop
    # (a wave's products are applied before the next wave: fresh arrays of this size
    # would cost page faults each time)
    buffers: dict[int, np.ndarray] = {}

    def products(env: Env, t0: int, t1: int, slot: int) -> np.ndarray:
        """nc_matmul's product R for iterations [t0, t1), stacked: one BLAS product per
        iteration, each exactly the rule's `ascontiguousarray(a.T) @ b` (2-D calls: a
        stacked `np.matmul` holds the GIL, and the same BLAS calls in a loop do not)."""
        a, b = prepare_a(env, t0, t1), prepare_b(env, t0, t1)
        out = buffers.get(slot)
        if out is None or out.shape[0] < t1 - t0:
            out = buffers[slot] = np.empty((t1 - t0, mm_, n_), np.float32)
        for t in range(t1 - t0):
            np.matmul(a[t], b[t], out=out[t])
        return out

    def run(env: Env) -> None:
        if trips == 0:
            return
        for resolve, shape_, steps_ in sources:
            ref, start, per = resolve(env)
            st = ref.storage
            if not st.full and not _window(
                st.init_flat, start, (trips,) + shape_, (per,) + (steps_ or ref.steps)
            ).all():
                general(env)  # some read is reported: let the rules do it
                return
        if dst_view is not None:
            dst_view(env)
        dst: Ref = env[d]
        pool = BLAS.pool()
        if GROUPED_MATMUL_ACCUMULATION and groupable and dst.simple:
            for resolve in to_convert:  # read in place: the arguments' float32 values
                c.f32_of(resolve(env)[0].storage)
            for t0 in range(0, trips, batch):
                t1 = min(trips, t0 + batch)
                # the rule's effect (bookkeeping, warnings, overwrite or add) with the
                # group's sum as the product
                update(dst, grouped_product(env, t0, t1, pool))
                m.instructions += n_instructions * (t1 - t0)
            env[idx] = lower + (trips - 1) * step
            return
        workers = BLAS.workers if pool is not None else 1
        size = min(batch, -(-trips // workers), _MATMUL_LOOP_PIECE)
        pieces = [(t0, min(trips, t0 + size)) for t0 in range(0, trips, size)]
        for w in range(0, len(pieces), workers):
            wave = pieces[w : w + workers]
            # the products are independent: computed concurrently; applied in iteration
            # order, the first piece's while the workers finish theirs
            futures = [
                pool.submit(products, env, t0, t1, j) for j, (t0, t1) in enumerate(wave[1:], 1)
            ] if pool else []
            results = [products(env, *wave[0], 0)]
            for (t0, t1), piece in zip(wave, futures):
                prods = results.pop()
                for t in range(t1 - t0):
                    update(dst, prods[t])
                m.instructions += n_instructions * (t1 - t0)
                results.append(piece.result())
            t0, t1 = wave[-1]
            prods = results.pop()
            for t in range(t1 - t0):
                update(dst, prods[t])
            m.instructions += n_instructions * (t1 - t0)
        env[idx] = lower + (trips - 1) * step

    return run


def _base_of(src: SSAValue, defined: set[SSAValue]) -> SSAValue:
    """The tensor a DMA source reads: the base of a view made in the loop, or itself."""
    owner = src.owner
    return owner.base if src in defined and isinstance(owner, k.ViewOp) else src


def _pattern_steps(view_result: SSAValue) -> tuple[int, ...]:
    view = view_result.owner
    assert isinstance(view, k.ViewOp)
    return tuple(s for s, _ in view.pattern.data)


def rule_nc_transpose(c: Compiler, op: k.NcTransposeOp) -> Step:
    d, s = _ops(c, op.dst, op.data)
    m = c.m

    def run(env: Env) -> None:
        m.instructions += 1
        x = per_partition(read_raw(m, env[s], op, "data"))
        write_raw(env[d], np.ascontiguousarray(x.T))

    return run


def rule_nc_matmul_mx(c: Compiler, op: k.NcMatmulMxOp) -> Step:
    d, st, mv, ss, ms = _ops(c, op.dst, op.stationary, op.moving, op.stationary_scale,
                             op.moving_scale)
    sdt, mdt = tensor_type_of(op.stationary).element, tensor_type_of(op.moving).element
    k_ = c.shape(op.stationary)[0]
    rows_s = mx.scale_rows(k_ // 8, c.shape(op.stationary_scale)[0])
    rows_m = mx.scale_rows(k_ // 8, c.shape(op.moving_scale)[0])
    update = _matmul_update(c, op)  # type: ignore[arg-type]
    m = c.m

    def operand(env: Env, data: int, scale: int, rows: np.ndarray, dtype: k.Dtype,
                what: str) -> np.ndarray:
        """[K * 4, F] float32: the unpacked values times their group's scale, the
        contraction index k * 4 + q."""
        v = mx.unpack(per_partition(read_raw(m, env[data], op, what)), dtype)  # [K, F, 4]
        e = mx.exponents(_read_rows(m, env[scale], rows, op, what + "_scale"))  # [K/8, F]
        scaled = v * np.repeat(mx.scale_values(e), 8, axis=0)[:, :, None]
        return np.ascontiguousarray(scaled.transpose(0, 2, 1)).reshape(-1, v.shape[1])

    def run(env: Env) -> None:
        m.instructions += 1
        a = operand(env, st, ss, rows_s, sdt, "stationary")
        b = operand(env, mv, ms, rows_m, mdt, "moving")
        update(env[d], np.ascontiguousarray(a.T) @ b)

    return run
