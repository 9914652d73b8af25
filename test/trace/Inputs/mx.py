"""MX quantization and the MX matmul (gen4; not a useful kernel)."""
import nki
import nki.language as nl
import nki.isa as nisa


@nki.jit
def forms(a, b):
    sa = nl.ndarray((128, 64), dtype=nl.bfloat16, buffer=nl.sbuf)
    sb = nl.ndarray((128, 256), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=sa, src=a)
    nisa.dma_copy(dst=sb, src=b)
    qa = nl.ndarray((128, 16), dtype=nl.float8_e4m3fn_x4, buffer=nl.sbuf)
    qb = nl.ndarray((128, 64), dtype=nl.float8_e5m2_x4, buffer=nl.sbuf)
    # full-height scale tiles: logical row i lives in partition (i // 4) * 32 + i % 4
    scale_a = nl.ndarray((128, 16), dtype=nl.float8_e8m0fnu, buffer=nl.sbuf)
    scale_b = nl.ndarray((128, 64), dtype=nl.uint8, buffer=nl.sbuf)
    nisa.quantize_mx(dst=qa, src=sa, dst_scale=scale_a)
    nisa.quantize_mx(dst=qb, src=sb, dst_scale=scale_b)
    ps = nl.ndarray((16, 64), dtype=nl.float32, buffer=nl.psum)
    nisa.nc_matmul_mx(dst=ps, stationary=qa, moving=qb, stationary_scale=scale_a,
                      moving_scale=scale_b)
    res = nl.ndarray((16, 64), dtype=nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=res, src=ps)
    out = nl.ndarray((16, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=res)
    return out


@nki.jit
def compact_scale(a):
    sa = nl.ndarray((32, 8), dtype=nl.bfloat16, buffer=nl.sbuf)
    nisa.dma_copy(dst=sa, src=a)
    qa = nl.ndarray((32, 2), dtype=nl.float8_e4m3fn_x4, buffer=nl.sbuf)
    scale = nl.ndarray((4, 2), dtype=nl.uint8, buffer=nl.sbuf)
    nisa.quantize_mx(dst=qa, src=sa, dst_scale=scale)
    bad = nl.ndarray((2, 2), dtype=nl.uint8, buffer=nl.sbuf)
    nisa.quantize_mx(dst=qa, src=sa, dst_scale=bad)
    return a
