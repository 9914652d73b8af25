"""OCP microscaling (MX) formats: packing x4 elements and e8m0 scales (docs/semantics.md
§4.33, nki.md §7.1, §9.1, §9.3)."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from klr.dialects import klr as k
from klr.dialects.klr import mx_scale_row

# the element format inside each packed x4 dtype
ELEMENT: dict[k.Dtype, np.dtype] = {
    k.Dtype.FLOAT8_E5M2_X4: np.dtype(ml_dtypes.float8_e5m2),
    k.Dtype.FLOAT8_E4M3FN_X4: np.dtype(ml_dtypes.float8_e4m3fn),
    k.Dtype.FLOAT4_E2M1FN_X4: np.dtype(ml_dtypes.float4_e2m1fn),
}
# quantize_mx's E_max: the largest exponent of the element format (nki.md §9.3)
E_MAX: dict[k.Dtype, int] = {k.Dtype.FLOAT8_E4M3FN_X4: 8, k.Dtype.FLOAT8_E5M2_X4: 15}


def unpack(words: np.ndarray, dtype: k.Dtype) -> np.ndarray:
    """[...] packed words -> [..., 4] float32 values. fp8 x4: byte q of the uint32 word
    (little end first) is value q; fp4 x4: two per byte, low nibble first."""
    w = words.astype(np.uint32)
    if dtype == k.Dtype.FLOAT4_E2M1FN_X4:
        codes = np.stack([(w >> np.uint32(4 * q)) & np.uint32(0xF) for q in range(4)], axis=-1)
    else:
        codes = np.stack([(w >> np.uint32(8 * q)) & np.uint32(0xFF) for q in range(4)], axis=-1)
    return codes.astype(np.uint8).view(ELEMENT[dtype]).astype(np.float32)


def pack(values: np.ndarray, dtype: k.Dtype) -> np.ndarray:
    """[..., 4] values already representable in the element format -> packed uint32 words."""
    codes = values.astype(ELEMENT[dtype]).view(np.uint8).astype(np.uint32)
    return sum((codes[..., q] << np.uint32(8 * q) for q in range(4)), np.uint32(0)).astype(np.uint32)


def scale_rows(groups: int, partitions: int) -> np.ndarray:
    """The partitions holding logical scale rows 0..groups-1 of a scale tile."""
    if partitions == groups and groups <= 4:
        return np.arange(groups)
    return np.array([mx_scale_row(i) for i in range(groups)])


def exponents(stored: np.ndarray) -> np.ndarray:
    """Scale tiles as biased exponents 0..255 (int64): uint8 bits, e8m0 bits, or (fp32
    mode) e8m0 values held as float32."""
    if stored.dtype == np.uint8:
        return stored.astype(np.int64)
    if stored.dtype == np.dtype(ml_dtypes.float8_e8m0fnu):
        return stored.view(np.uint8).astype(np.int64)
    v = stored.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(np.isnan(v) | (v <= 0), 255, np.rint(np.log2(v)) + 127)
    return e.astype(np.int64)


def scale_values(e: np.ndarray) -> np.ndarray:
    """2^(e - 127) as float32 (2^-127 is a float32 subnormal); e = 255 is NaN."""
    return np.where(e == 255, np.float32(np.nan), np.ldexp(np.float32(1), (e - 127).astype(np.int32))
                    ).astype(np.float32)


def stored_scales(e: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Biased exponents in a scale tile's storage dtype (the inverse of `exponents`)."""
    if dtype == np.uint8:
        return e.astype(np.uint8)
    if dtype == np.dtype(ml_dtypes.float8_e8m0fnu):
        return e.astype(np.uint8).view(dtype)
    return scale_values(e).astype(dtype)


def quantize(src: np.ndarray, dtype: k.Dtype) -> tuple[np.ndarray, np.ndarray]:
    """[P, F] float32 -> ([P, F/4] packed words, [P/8, F/4] biased exponents).

    Per group of 8 partitions x 4 free elements: amax = max |v|; the scale is
    2^(floor(log2 amax) - (E_max - 1)) (all-zero group: 2^-127; a NaN or inf in the group:
    NaN, exponent 255), its exponent clamped to the e8m0 range; data = v / scale,
    saturated to the format's largest finite value, rounded to nearest even."""
    p, f = src.shape
    blocks = src.reshape(p // 8, 8, f // 4, 4).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        amax = np.abs(blocks).max(axis=(1, 3))  # [P/8, F/4]
        finite = np.isfinite(blocks).all(axis=(1, 3))
        e = np.floor(np.log2(np.where(amax > 0, amax, 1.0))) - (E_MAX[dtype] - 1)
        e = np.where(amax > 0, e, -127)
        e = np.clip(e, -127, 127).astype(np.int64)
        biased = np.where(finite, e + 127, 255)
        scale = np.ldexp(1.0, e)[:, None, :, None]
        top = float(ml_dtypes.finfo(ELEMENT[dtype]).max)
        data = np.clip(blocks / scale, -top, top)
        data = np.where(finite[:, None, :, None], data, np.nan)
    words = pack(data.reshape(p, f // 4, 4), dtype)
    return words, biased
