"""Attributes of tracer values that are not namespaces: tensors, dtypes, enum members."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation

from klr.dialects import klr as k
from klr.tracer import tensor_methods
from klr.tracer.values import BufferValue, DtypeValue, EnumMember, TensorView

if TYPE_CHECKING:
    from klr.tracer.interp import Interpreter


def attribute(interp: Interpreter, obj: Any, name: str, op: Operation) -> tuple[bool, Any]:
    """Attributes of tracer values that are not namespaces: tensors, dtypes, ..."""
    if isinstance(obj, TensorView):
        if name == "shape":
            return True, obj.shape
        if name == "dtype":
            return True, DtypeValue(obj.dtype)
        if name == "buffer":
            return True, BufferValue(obj.memory)
        if name == "ndim":
            return True, obj.ndim
        if name == "size":
            return True, math.prod(obj.shape)
        if name == "name":
            return True, obj.storage.name
        if name == "itemsize":
            return True, k.DTYPE_BYTES[obj.dtype]
        if name in ("broadcast_to", "expand_dims", "astype", "view", "assert_shape") and (
            interp.first_generation
        ):
            from functools import partial

            from klr.tracer.legacy_isa import OLD_TILE_METHODS
            from klr.tracer.values import Builtin

            return True, Builtin(f"tile.{name}", partial(OLD_TILE_METHODS[name], obj))
        found, value = tensor_methods.lookup(obj, name)  # strides, offset, view methods
        if found:
            return True, value
        raise interp.error(
            "err_not_supported",
            f"tensor attribute or method '{name}' is not supported yet",
            op,
            hint="see docs/coverage.md (NkiTensor methods)",
        )
    if isinstance(obj, DtypeValue):
        if name == "itemsize":
            return True, k.DTYPE_BYTES[obj.dtype]
        if name == "name":
            return True, obj.dtype.value
    if isinstance(obj, EnumMember) and name in ("name", "value"):
        return True, getattr(obj, name)
    return False, None


# ---------------------------------------------------------------------------
