"""NKI dtypes as NumPy dtypes, and the conversions engines apply on read and write.

Engines compute in float32 (nki.md §7.2): inputs are converted to float32 on read and
results rounded to the destination dtype on write. Float targets round to nearest even
(ml_dtypes); integer targets round to nearest even and saturate to their range, with
NaN written as 0; `bool_` targets hold 0/1 (docs/semantics.md §3, "Conversions").
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from klr.dialects.klr import Dtype

NUMPY_DTYPES: dict[Dtype, np.dtype] = {
    # one byte holding 0 or 1 (nki.md §7.1); NumPy's bool_ keeps every write 0/1
    Dtype.BOOL_: np.dtype(np.bool_),
    Dtype.INT8: np.dtype(np.int8),
    Dtype.INT16: np.dtype(np.int16),
    Dtype.INT32: np.dtype(np.int32),
    Dtype.UINT8: np.dtype(np.uint8),
    Dtype.UINT16: np.dtype(np.uint16),
    Dtype.UINT32: np.dtype(np.uint32),
    Dtype.FLOAT16: np.dtype(np.float16),
    Dtype.BFLOAT16: np.dtype(ml_dtypes.bfloat16),
    # tfloat32 / float32r are stored as 4-byte floats; TensorE's rounding of a tfloat32
    # mantissa to 10 bits is applied by the matmul rule (`to_tf32`), not by storage
    Dtype.TFLOAT32: np.dtype(np.float32),
    Dtype.FLOAT32: np.dtype(np.float32),
    Dtype.FLOAT32R: np.dtype(np.float32),
    Dtype.FLOAT8_E4M3: np.dtype(ml_dtypes.float8_e4m3),
    Dtype.FLOAT8_E4M3FN: np.dtype(ml_dtypes.float8_e4m3fn),
    Dtype.FLOAT8_E5M2: np.dtype(ml_dtypes.float8_e5m2),
    Dtype.FLOAT8_E8M0FNU: np.dtype(ml_dtypes.float8_e8m0fnu),
    # packed MX types are opaque words
    Dtype.FLOAT8_E5M2_X4: np.dtype(np.uint32),
    Dtype.FLOAT8_E4M3FN_X4: np.dtype(np.uint32),
    Dtype.FLOAT4_E2M1FN_X4: np.dtype(np.uint16),
}

_INTEGER_KINDS = "iub"


def numpy_dtype(dtype: Dtype) -> np.dtype:
    return NUMPY_DTYPES[dtype]


def is_integer(dt: np.dtype) -> bool:
    return dt.kind in _INTEGER_KINDS


def poison(dt: np.dtype) -> object:
    """The value uninitialized memory holds: NaN for floats, an unlikely pattern for ints."""
    if is_integer(dt):
        return np.iinfo(dt).max if dt.kind != "b" else 1
    return np.nan


def to_f32(values: np.ndarray) -> np.ndarray:
    """What an engine reads: the values as float32."""
    return values.astype(np.float32, copy=False)


def convert(values: np.ndarray, dt: np.dtype) -> np.ndarray:
    """Round float32 results to `dt` the way engines write them."""
    if values.dtype == dt:
        return values
    if dt.kind == "b":
        return values != 0  # NaN ≠ 0: true
    if is_integer(values.dtype):  # exact integer results (GpSimd integer arithmetic)
        if not is_integer(dt):  # through float32, like every engine result
            return convert(values.astype(np.float32), dt)
        info = np.iinfo(dt)
        return np.clip(values.astype(np.int64), int(info.min), int(info.max)).astype(dt)
    if is_integer(dt):
        info = np.iinfo(dt)
        v = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=info.max, neginf=info.min)
        v = np.clip(np.rint(v), info.min, info.max)
        return v.astype(dt)
    if dt == _E8M0:
        return _to_e8m0(values)
    with np.errstate(over="ignore", invalid="ignore"):
        return values.astype(dt)


_E8M0 = np.dtype(ml_dtypes.float8_e8m0fnu)


def to_tf32(values: np.ndarray) -> np.ndarray:
    """float32 values with their mantissa rounded to tfloat32's 10 bits, to nearest even
    (how TensorE consumes tfloat32; nki.md §7.1 leaves the rounding mode undocumented:
    **choice**). Inf and NaN pass unchanged; a carry into the exponent is the correct
    rounding (up to inf at the top)."""
    bits = np.ascontiguousarray(values, np.float32).view(np.uint32)
    finite = (bits & 0x7F800000) != 0x7F800000
    lsb = (bits >> 13) & 1
    rounded = ((bits + 0x0FFF + lsb) & np.uint32(0xFFFFE000)).astype(np.uint32)
    return np.where(finite, rounded, bits).view(np.float32)


def _to_e8m0(values: np.ndarray) -> np.ndarray:
    """float8_e8m0fnu holds only powers of two, 2^-127..2^127: round to the nearest, ties
    to the even encoding, like every other float8 kind (ml_dtypes rounds ties away from
    zero and sends float32 subnormals up to 2^-126)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = values.astype(_E8M0)
        v = np.asarray(values, np.float64)
        ok = np.isfinite(v) & (v > 0)
        e = np.floor(np.log2(np.where(ok, v, 1.0)))
        m = np.where(ok, v, 1.0) / np.exp2(e)  # in [1, 2)
        tie_up = (m == 1.5) & ((e + 127) % 2 == 1)  # the even encoding is the next one up
        e = e + ((m > 1.5) | tie_up)
        e = np.maximum(e, -127)
        fits = ok & (e <= 127)
        out[fits] = np.exp2(e[fits]).astype(np.float32).astype(_E8M0)
    return out
