"""First-generation (`neuronxcc.nki.isa`) forms of the instructions beyond the basic set of
`klr.tracer.legacy`: value-returning calls become an allocation plus the destination-passing
op, with the old keyword-only signatures (SDK 2.26 `general/nki/api/nki/isa/__init__.py`),
`dtype=` (the result tile's dtype) and `mask=`.

Masks: on the element-wise instructions (`dropout`, `scalar_tensor_tensor`, `affine_select`)
any mask, as in `legacy` (a box cuts the operands; other masks compute the bounding box and
merge through a predicate); on the others a box only, cutting the partitions (and, where the
instruction maps free elements one to one, the free range) of every operand and result.
"""

from __future__ import annotations

from typing import Any

from klr.dialects import klr as k
from klr.tracer import isa
from klr.tracer import language as lang
from klr.tracer.calls import fail, tensor_arg
from klr.tracer.index_exprs import Mask
from klr.tracer.legacy import (
    _CMP,
    _box,
    _dt,
    _empty,
    _merge,
    _plan,
    _restrict,
    _result,
    _target,
    _tile,
)
from klr.tracer.values import BufferValue, DtypeValue, EnumMember, NotSupported, OpValue, TensorView

_IDLE = EnumMember("nisa.reduce_cmd", "idle", 0)


def _elementwise(name: str, mask: Any, out: TensorView, emit: Any) -> TensorView:
    """`emit(dst, cut)` computes the instruction into `dst` from operands passed through
    `cut` (which limits a view to the mask's box); masked-off elements are not written."""
    box, rest = _plan(name, mask, out.shape)
    if _empty(box):
        return out
    r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
    dst = _target(r(out), rest)
    emit(dst, r)
    _merge(r(out), dst, rest, box)
    return out


def _rows(box: list[tuple[int, int]] | None, view: Any) -> Any:
    """`view` limited to the partitions of `box` (a (P, 1) vector, a reduce result...)."""
    if box is None or not isinstance(view, TensorView):
        return view
    return _restrict([box[0]] + [(0, n) for n in view.shape[1:]], view.shape, view)


def dropout(data: Any, prob: Any, mask: Any = None, dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.dropout(data, prob, *, mask, dtype)`: elements zeroed with probability `prob`."""
    x = _tile("data", data)
    out = _result(x.shape, _dt(dtype, x.dtype), x, prob, elementwise=True)
    return _elementwise("nisa.dropout", mask, out, lambda d, r: isa.dropout(d, r(x), r(prob)))


def scalar_tensor_tensor(*, data: Any, op0: Any, operand0: Any, op1: Any, operand1: Any,
                         reverse0: bool = False, reverse1: bool = False, dtype: Any = None,
                         mask: Any = None, **_: Any) -> TensorView:
    """`nisa.scalar_tensor_tensor(*, data, op0, operand0, op1, operand1, ...)`:
    `(data op0 operand0) op1 operand1`."""
    x = _tile("data", data)
    o1 = _tile("operand1", operand1)
    out = _result(x.shape, _dt(dtype, x.dtype), x, operand0, o1, elementwise=True)
    return _elementwise("nisa.scalar_tensor_tensor", mask, out, lambda d, r: isa.scalar_tensor_tensor(
        d, r(x), op0, r(operand0), op1, r(o1), reverse0, reverse1))


def affine_select(pred: Any, on_true_tile: Any, on_false_value: Any, mask: Any = None,
                  dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.affine_select(pred, on_true_tile, on_false_value, *, mask, dtype)`: `on_true_tile`
    where the affine comparison `pred` (of nl.arange/nl.mgrid indices) holds, else
    `on_false_value`. Each clause is one `klr.affine_select` (its affine value compared with
    0); a conjunction `&` of clauses selects again from the first result."""
    t = _tile("on_true_tile", on_true_tile)
    if not isinstance(pred, Mask):
        raise fail("err_type", "nisa.affine_select: pred must be a comparison of nl.arange/nl.mgrid indices",
                   hint="e.g. nisa.affine_select(i_f <= i_p, t, -9984.0) with i_p, i_f = nl.mgrid[0:P, 0:F]")
    clauses = []
    for expr, op, bound in pred.clauses:
        e = expr - bound
        coeffs = [0] * t.ndim
        for axis, c in e.terms:
            if axis >= t.ndim:
                raise fail("err_bad_arguments", f"nisa.affine_select: pred uses axis {axis}, the tile has {t.ndim}")
            coeffs[axis] += c
        clauses.append((coeffs, int(e.offset), op))  # int(): a loop-dependent bound unrolls
    out = _result(t.shape, _dt(dtype, t.dtype), t, elementwise=True)

    def emit(dst: TensorView, r: Any) -> None:
        src = r(t)
        lo = _CORNER[0] or [0] * t.ndim
        for coeffs, const, op in clauses:
            offset = const + sum(c * low for c, low in zip(coeffs, lo))
            pattern = [[coeffs[a], dst.shape[a]] for a in range(1, dst.ndim)]
            if op not in _CMP:
                raise fail("err_not_supported", f"nisa.affine_select: a pred comparison '{op}'",
                           hint="compare with <, <=, > or >=")
            isa.affine_select(dst, pattern, coeffs[0], src, on_false_value,
                              OpValue(op, _CMP[op]), offset)
            src = dst

    return _elementwise_boxed("nisa.affine_select", mask, out, emit)


def _elementwise_boxed(name: str, mask: Any, out: TensorView, emit: Any) -> TensorView:
    """`_elementwise` whose `emit` needs the box's corner (affine values depend on the index)."""
    box, rest = _plan(name, mask, out.shape)
    if _empty(box):
        return out
    r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
    dst = _target(r(out), rest)
    _CORNER[0] = [lo for lo, _ in box] if box is not None else None
    try:
        emit(dst, r)
    finally:
        _CORNER[0] = None
    _merge(r(out), dst, rest, box)
    return out


_CORNER: list[Any] = [None]


def tensor_tensor_scan(data0: Any, data1: Any, initial: Any, op0: Any, op1: Any,
                       reverse0: bool = False, reverse1: bool = False, dtype: Any = None,
                       mask: Any = None, **_: Any) -> TensorView:
    """`nisa.tensor_tensor_scan(data0, data1, initial, op0, op1, ...)`; a box `mask=` scans
    only the box (starting from `initial` at its first column)."""
    a, b = _tile("data0", data0), _tile("data1", data1)
    out = _result(a.shape, _dt(dtype, lang._promote(a.dtype, b.dtype)), a, b, initial)
    box = _box("nisa.tensor_tensor_scan", mask, out.shape)
    if _empty(box):
        return out
    r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
    isa.tensor_tensor_scan(r(out), r(a), r(b), _rows(box, initial), op0, op1, reverse0, reverse1)
    return out


def tensor_scalar_reduce(*, data: Any, op0: Any, operand0: Any, reduce_op: Any, reduce_res: Any,
                         reverse0: bool = False, dtype: Any = None, mask: Any = None,
                         **_: Any) -> TensorView:
    """`nisa.tensor_scalar_reduce(*, data, op0, operand0, reduce_op, reduce_res, ...)`: returns
    `data op0 operand0`; `reduce_res` receives its reduction over the free dims."""
    x = _tile("data", data)
    out = _result(x.shape, _dt(dtype, x.dtype), x, operand0, reduce_res)
    box = _box("nisa.tensor_scalar_reduce", mask, out.shape)
    if _empty(box):
        return out
    r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
    isa.tensor_scalar_reduce(r(out), r(x), op0, _rows(box, operand0), reduce_op,
                             _rows(box, tensor_arg("reduce_res", reduce_res)), reverse0)
    return out


def activation_reduce(op: Any, data: Any, *, reduce_op: Any, reduce_res: Any, bias: Any = None,
                      scale: Any = 1.0, mask: Any = None, dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.activation_reduce(op, data, *, reduce_op, reduce_res, bias, scale, mask, dtype)`:
    `nisa.activation` with `reduce_cmd=reset_reduce`."""
    from klr.tracer.legacy import activation

    return activation(op, data, bias=bias, scale=scale, dtype=dtype, mask=mask, reduce_op=reduce_op,
                      reduce_res=reduce_res, reduce_cmd=EnumMember("nisa.reduce_cmd", "reset_reduce", 3))


def tensor_partition_reduce(op: Any, data: Any, mask: Any = None, dtype: Any = None,
                            **_: Any) -> TensorView:
    """`nisa.tensor_partition_reduce(op, data, *, mask, dtype)`: a `(1, ...)` tile; a box
    `mask=` over `data` reduces only its partitions and writes only its free range."""
    x = _tile("data", data)
    out = _result((1, *x.shape[1:]), _dt(dtype, x.dtype), x)
    box = _box("nisa.tensor_partition_reduce", mask, x.shape)
    if _empty(box):
        return out
    dst = out
    if box is not None:
        x = _restrict(box, x.shape, x)
        dst = _restrict([(0, 1), *box[1:]], out.shape, out)
    isa.tensor_partition_reduce(dst, op, x)
    return out


def max8(*, src: Any, mask: Any = None, dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.max8(*, src, mask, dtype)`: the 8 largest values per partition, `(P, 8)`."""
    x = _tile("src", src)
    out = _result((x.shape[0], 8), _dt(dtype, x.dtype), x)
    box = _box("nisa.max8", mask, x.shape)
    if not _empty(box):
        isa.max8(_rows(box, out), _restrict(box, x.shape, x))
    return out


def nc_find_index8(*, data: Any, vals: Any, mask: Any = None, dtype: Any = None,
                   **_: Any) -> TensorView:
    """`nisa.nc_find_index8(*, data, vals, mask, dtype)`: `(P, 8)` indices (uint32 unless
    `dtype=`); the mask applies to `data`."""
    x, v = _tile("data", data), _tile("vals", vals)
    out = _result((x.shape[0], 8), _dt(dtype, k.Dtype.UINT32), x, v)
    box = _box("nisa.nc_find_index8", mask, x.shape)
    if not _empty(box):
        isa.nc_find_index8(_rows(box, out), _restrict(box, x.shape, x), _rows(box, v))
    return out


def nc_match_replace8(*, data: Any, vals: Any, imm: Any, dst_idx: Any = None, mask: Any = None,
                      dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.nc_match_replace8(*, data, vals, imm, dst_idx, mask, dtype)`: `data` with the first
    occurrence of each of the 8 values replaced by `imm`."""
    x, v = _tile("data", data), _tile("vals", vals)
    out = _result(x.shape, _dt(dtype, x.dtype), x, v, dst_idx)
    box = _box("nisa.nc_match_replace8", mask, x.shape)
    if not _empty(box):
        r = lambda t: _restrict(box, x.shape, t)  # noqa: E731
        isa.nc_match_replace8(r(out), r(x), _rows(box, v), imm, _rows(box, dst_idx))
    return out


def range_select(*, on_true_tile: Any, comp_op0: Any, comp_op1: Any, bound0: Any, bound1: Any,
                 reduce_cmd: Any = None, reduce_res: Any = None, reduce_op: Any = None,
                 range_start: Any = 0, on_false_value: Any = -3.4028234663852886e38,
                 mask: Any = None, dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.range_select(*, on_true_tile, comp_op0, comp_op1, bound0, bound1, ...)`; the old
    default `reduce_cmd` is idle. A box mask's free range starts the index at its first column."""
    t = _tile("on_true_tile", on_true_tile)
    out = _result(t.shape, _dt(dtype, t.dtype), t, bound0, bound1, reduce_res)
    box = _box("nisa.range_select", mask, t.shape)
    if _empty(box):
        return out
    start = range_start
    if box is not None and t.ndim == 2 and isinstance(range_start, int):
        start = range_start + box[1][0]
    elif box is not None and any(b != (0, n) for b, n in zip(box[1:], t.shape[1:])):
        raise fail("err_not_supported", "nisa.range_select: a mask on the free axes of a tile of more than 2 dims",
                   hint="slice the tile instead")
    r = lambda v: _restrict(box, t.shape, v)  # noqa: E731
    isa.range_select(r(out), r(t), comp_op0, comp_op1, _rows(box, bound0), _rows(box, bound1),
                     reduce_cmd if reduce_cmd is not None else _IDLE, _rows(box, reduce_res), reduce_op,
                     start, on_false_value)
    return out


def select_reduce(*, dst: Any, predicate: Any, on_true: Any, on_false: Any, reduce_res: Any = None,
                  reduce_cmd: Any = None, reduce_op: Any = None, reverse_pred: bool = False,
                  mask: Any = None, dtype: Any = None, **_: Any) -> None:
    """`nisa.select_reduce(*, dst, predicate, on_true, on_false, ...)` (destination-passing in
    the first generation too); a box mask cuts every operand."""
    d = tensor_arg("dst", dst)
    if dtype is not None and lang._dtype(dtype) != d.dtype:
        raise fail("err_bad_arguments", "nisa.select_reduce: dtype= must be the dtype of dst",
                   hint="the instruction writes dst in its own dtype")
    box = _box("nisa.select_reduce", mask, d.shape)
    if _empty(box):
        return
    r = lambda v: _restrict(box, d.shape, v)  # noqa: E731
    isa.select_reduce(r(d), r(predicate), r(on_true), _rows(box, on_false), _rows(box, reduce_res),
                      reduce_cmd, reduce_op, reverse_pred)


def tensor_copy_predicated(*, src: Any, dst: Any, predicate: Any, reverse_pred: bool = False,
                           mask: Any = None, dtype: Any = None, **_: Any) -> None:
    """`nisa.tensor_copy_predicated(*, src, dst, predicate, reverse_pred, mask, dtype)`."""
    d = tensor_arg("dst", dst)
    if dtype is not None and lang._dtype(dtype) != d.dtype:
        raise fail("err_bad_arguments", "nisa.tensor_copy_predicated: dtype= must be the dtype of dst",
                   hint="src and dst share a dtype (the copy is bit-exact)")
    box = _box("nisa.tensor_copy_predicated", mask, d.shape)
    if _empty(box):
        return
    r = lambda v: _restrict(box, d.shape, v)  # noqa: E731
    isa.tensor_copy_predicated(r(d), r(src), r(predicate), reverse_pred)


def nc_stream_shuffle(src: Any, dst: Any, shuffle_mask: Any, dtype: Any = None, mask: Any = None,
                      **_: Any) -> None:
    """`nisa.nc_stream_shuffle(src, dst, shuffle_mask, *, dtype, mask)` (the old argument
    order). The mask applies to `dst`: a box on its free axes (the shuffle moves whole
    partitions within quadrants, so a mask may not cut the partitions)."""
    s, d = _tile("src", src), tensor_arg("dst", dst)
    if dtype is not None and lang._dtype(dtype) != d.dtype:
        raise fail("err_bad_arguments", "nisa.nc_stream_shuffle: dtype= must be the dtype of dst and src",
                   hint="the shuffle copies bits: dst and src share a dtype")
    box = _box("nisa.nc_stream_shuffle", mask, d.shape)
    if _empty(box):
        return
    if box is not None and box[0] != (0, d.shape[0]):
        raise fail("err_not_supported", "nisa.nc_stream_shuffle: a mask that cuts the partitions",
                   hint="use shuffle_mask entries of 255 to leave destination partitions unchanged")
    r = lambda v: _restrict(box, d.shape, v)  # noqa: E731
    isa.nc_stream_shuffle(r(d), r(s), shuffle_mask)


def sequence_bounds(*, segment_ids: Any, dtype: Any = None, **_: Any) -> TensorView:
    """`nisa.sequence_bounds(*, segment_ids, dtype)`: `(1, 2, n)` start/end per element."""
    s = _tile("segment_ids", segment_ids)
    n = 1
    for dim in s.shape[1:]:
        n *= dim
    out = _result((1, 2, n), _dt(dtype, s.dtype), s)
    isa.sequence_bounds(out, s)
    return out


def local_gather(src_buffer: Any, index: Any, num_elem_per_idx: Any = 1, num_valid_indices: Any = None,
                 mask: Any = None, **_: Any) -> TensorView:
    """`nisa.local_gather(src_buffer, index, num_elem_per_idx=1, num_valid_indices=None, *, mask)`:
    `(P, valid, num_elem_per_idx)` gathered per 16-partition core (no dtype conversion)."""
    src, idx = _tile("src_buffer", src_buffer), _tile("index", index)
    if mask is not None:
        raise fail("err_not_supported", "nisa.local_gather(mask=...) is not supported",
                   hint="each GpSimd core gathers for 16 partitions at once: slice src_buffer and "
                   "index to whole 16-partition groups instead")
    free = 1
    for dim in idx.shape[1:]:
        free *= dim
    valid = num_valid_indices if num_valid_indices is not None else 16 * free
    out = lang.ndarray((src.shape[0], valid, num_elem_per_idx), DtypeValue(src.dtype),
                       BufferValue(k.Memory.SBUF))
    isa.local_gather(out, src, idx, num_elem_per_idx, num_valid_indices)
    return out


def dma_transpose(src: Any, axes: Any = None, mask: Any = None, dtype: Any = None,
                  **_: Any) -> TensorView:
    """`nisa.dma_transpose(src, *, axes, mask, dtype)`: a new SBUF tile; `dtype=` converts it
    afterwards (a DMA transpose copies bits); a box mask over `src` writes its image."""
    s = tensor_arg("src", src)
    if axes is None:
        axes = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}.get(s.ndim, tuple(reversed(range(s.ndim))))
    axes = tuple(axes)
    shape = tuple(s.shape[a] for a in axes)
    out = lang.ndarray(shape, DtypeValue(s.dtype), BufferValue(k.Memory.SBUF))
    box = _box("nisa.dma_transpose", mask, s.shape)
    if not _empty(box):
        if box is None:
            isa.dma_transpose(out, s, axes)
        else:
            isa.dma_transpose(_restrict([box[a] for a in axes], shape, out), _restrict(box, s.shape, s), axes)
    if dtype is not None and lang._dtype(dtype) != s.dtype:
        cast = lang.ndarray(shape, DtypeValue(lang._dtype(dtype)), BufferValue(k.Memory.SBUF))
        isa.tensor_copy(cast, out)
        return cast
    return out


VALUE_RETURNING = (dropout, scalar_tensor_tensor, affine_select, tensor_tensor_scan,
                   tensor_scalar_reduce, activation_reduce, tensor_partition_reduce, max8,
                   nc_find_index8, nc_match_replace8, range_select, select_reduce,
                   tensor_copy_predicated, nc_stream_shuffle, sequence_bounds, local_gather,
                   dma_transpose)

_CURRENT_ONLY = ("exponential", "activate2", "tensor_scalar_cumulative", "nc_n_gather",
                 "nonzero_with_count", "rng", "rand2", "set_rng_seed", "rand_set_state",
                 "rand_get_state", "quantize_mx", "nc_matmul_mx", "dma_compute", "topk",
                 "core_barrier", "sendrecv", "register_alloc", "register_move", "register_load",
                 "register_store", "get_nc_sub_version")

_OLD_ONLY = {
    "tensor_copy_dynamic_src": "the current API reads at a runtime offset with "
    "nisa.tensor_copy(dst, src.ap(pattern, scalar_offset=offset_tile))",
    "tensor_copy_dynamic_dst": "the current API writes at a runtime offset with "
    "nisa.tensor_copy(dst.ap(pattern, scalar_offset=offset_tile), src)",
    "builtin_custom_op": "GpSimd custom operators have no equivalent in KLR or the current API",
}


def not_in_first_generation() -> dict[str, NotSupported]:
    """Names the old `neuronxcc.nki.isa` namespace answers with a diagnostic: the current
    API's instructions that the first generation did not have, and the old-only calls KLR
    does not trace."""
    out = {n: NotSupported(
        f"neuronxcc.nki.isa.{n}",
        f"nisa.{n} is not part of the first-generation API (neuronxcc.nki.isa); it exists in the "
        f"current API: import nki.isa as nisa and call nisa.{n}(dst=..., ...)") for n in _CURRENT_ONLY}
    for n, hint in _OLD_ONLY.items():
        out[n] = NotSupported(f"neuronxcc.nki.isa.{n}", hint)
    return out


# -- old tile methods (nki.md §4.1, the first generation's `nki.tensor`) -----------------


def _t_broadcast_to(view: TensorView, shape: Any) -> TensorView:
    from klr.tracer.legacy import broadcast_to

    return broadcast_to(view, shape)


def _t_expand_dims(view: TensorView, axis: Any) -> TensorView:
    return lang.expand_dims(view, axis)


def _t_astype(view: TensorView, dtype: Any) -> TensorView:
    """`t.astype(dtype)`: a converted copy in a new SBUF tile."""
    if not view.memory.on_chip:
        raise fail("err_not_supported", "astype() of an HBM tensor",
                   hint="load it first: nl.load(t, dtype=...)")
    from klr.tracer.legacy import tensor_copy

    return tensor_copy(view, dtype=dtype)


def _t_view(view: TensorView, dtype: Any) -> TensorView:
    """`t.view(dtype)`: the same bytes as another dtype (both generations share it)."""
    from klr.tracer.tensor_methods import t_view

    return t_view(view, DtypeValue(lang._dtype(dtype)))


def _t_assert_shape(view: TensorView, shape: Any) -> TensorView:
    want = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if want != view.shape:
        raise fail("err_bad_arguments", f"assert_shape(): the tile has shape {view.shape}, expected {want}")
    return view


OLD_TILE_METHODS = {
    "broadcast_to": _t_broadcast_to,
    "expand_dims": _t_expand_dims,
    "astype": _t_astype,
    "view": _t_view,
    "assert_shape": _t_assert_shape,
}


# -- masks on nl reductions ------------------------------------------------------------


def masked_reduction(wrapper: Any) -> Any:
    """`nl.sum/max/min/prod/all(x, axis, ..., mask=)` of the first generation. A box mask over
    `x` restricts the elements read (the box of the reduced axes) and the result elements
    written (the box of the kept axes); the rest of the result is not written. A mask that
    is not a box is diagnosed (which of the reduced elements count would differ per row)."""
    from klr.tracer.values import Builtin, is_int

    name = wrapper.name.rsplit(".", 1)[-1]

    def fn(x: Any, axis: Any, dtype: Any = None, keepdims: Any = False, mask: Any = None) -> Any:
        kw = {"dtype": dtype, **({"keepdims": keepdims} if keepdims else {})}
        if mask is None:
            return wrapper.fn(x, axis, **kw)
        t = _tile("x", x)
        box = _box(f"nl.{name}", mask, t.shape)
        axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else ()
        axes = tuple(a + t.ndim if a < 0 else a for a in axes)
        shape = tuple(1 if i in axes else n for i, n in enumerate(t.shape) if keepdims or i not in axes)
        out_box = [(0, 1) if i in axes else box[i] for i in range(t.ndim) if keepdims or i not in axes]
        if _empty(box):
            r = None
        else:
            r = wrapper.fn(_restrict(box, t.shape, t), axis, **kw)
        dt = r.dtype if r is not None else _dt(dtype, t.dtype)
        if r is not None and r.ndim != len(shape):
            raise fail("err_not_supported", f"nl.{name}(..., mask=...) with a result of rank {r.ndim}",
                       hint="keepdims=True keeps the ranks aligned")
        out = _result(shape, dt, t)
        if r is not None:
            isa.tensor_copy(_restrict(out_box, shape, out), r)
        return out

    return Builtin(wrapper.name.replace("nki.language", "neuronxcc.nki.language"), fn)


def masked_mean(x: Any, axis: Any, dtype: Any = None, keepdims: Any = False, mask: Any = None) -> Any:
    raise fail("err_not_supported", "nl.mean(..., mask=...) is ambiguous",
               hint="divide by the full axis or by the masked count? compute it explicitly: "
               "nl.sum(x, axis, mask=...) multiplied by 1/count")


# -- read-modify-write DMA, loop_reduce -------------------------------------------------


def rmw_dma(name: str, dst: Any, value: Any, op: Any, mask: Any) -> None:
    """`dst op= value` for an HBM (or SBUF) view `dst`: the DMA engine's read-modify-write,
    lowered to a DMA of `dst` into SBUF, a `tensor_tensor` (float32 arithmetic, cast back to
    `dst`'s dtype, as the DMA engine computes) and a DMA back. Within one kernel instructions
    run in program order, so this equals the atomic update; program instances run one after
    another. An index-tile (indirect) destination is diagnosed: duplicate rows would need
    per-row sequencing."""
    from klr.tracer.index_exprs import IndirectAccess

    if isinstance(dst, IndirectAccess):
        raise fail("err_not_supported", f"{name} into a tensor indexed by an index tile is not supported yet",
                   hint="the current API's equivalent is nisa.dma_compute(dst, [dst, src], reduce_op=nl.add)")
    d = tensor_arg("dst", dst)
    v = _tile("value", value)
    box = _box(name, mask, d.shape)
    if _empty(box):
        return
    r = lambda t: _restrict(box, d.shape, t)  # noqa: E731
    d, v = r(d), r(v)
    if not v.memory.on_chip:  # an HBM source is read into SBUF first
        tmp = lang.ndarray(v.shape, DtypeValue(v.dtype), BufferValue(k.Memory.SBUF))
        isa.dma_copy(tmp, v)
        v = tmp
    cur = lang.ndarray(d.shape, DtypeValue(d.dtype), BufferValue(k.Memory.SBUF))
    (isa.dma_copy if not d.memory.on_chip or d.memory == k.Memory.SBUF else isa.tensor_copy)(cur, d)
    isa.tensor_tensor(cur, cur, v, op)
    isa.dma_copy(d, cur)


def atomic_rmw(dst: Any, value: Any, op: Any, mask: Any = None, **_: Any) -> None:
    """`nl.atomic_rmw(dst, value, op, *, mask)`: `dst = op(dst, value)` in memory."""
    rmw_dma("nl.atomic_rmw", dst, value, op, mask)


def loop_reduce(x: Any, op: Any, loop_indices: Any, dtype: Any = None, mask: Any = None,
                **_: Any) -> TensorView:
    """`b[...] = nl.loop_reduce(x, op, loop_indices, *, dtype, mask)`: the destination is also
    `op`'s other input (`b = op(b, x)`, the old docs' `nisa.tensor_tensor(data1=b, data2=x)`),
    so it needs the view it is assigned into."""
    from klr.tracer.legacy import _INTO, tensor_tensor

    t = _tile("x", x)
    into = _INTO.get()
    if into is None or into[1].shape != t.shape:
        raise fail("err_not_supported", "nl.loop_reduce needs its destination: assign it into the "
                   "accumulator's view with the shape of x",
                   hint="write `b[...] = nl.loop_reduce(x, op=np.add, loop_indices=[i])` (or "
                   "`b[...] = nisa.tensor_tensor(b, x, op=np.add)`), b initialized before the loop")
    b = into[1]
    if dtype is not None and lang._dtype(dtype) != b.dtype:
        raise fail("err_bad_arguments", "nl.loop_reduce: dtype= must be the accumulator's dtype",
                   hint=f"the accumulator is {b.dtype.value}")
    return tensor_tensor(b, t, op, mask=mask)
