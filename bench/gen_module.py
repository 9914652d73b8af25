"""Generate a large NKI-style module (for benchmarks): N lines, all reached from `kernel`."""

from __future__ import annotations

import sys

HEADER = '''"""Generated benchmark module: many helpers, every one reached from `kernel`."""
import nki
import nki.language as nl
import nki.isa as nisa

TILE = nl.tile_size.pmax
'''

HELPER = '''

def helper_{i}(dst, src, scale={i}.5, *, bias=None):
    """Helper {i}: tile arithmetic with a few Python-level conditions."""
    rows, cols = src.shape
    assert rows <= TILE, f"helper_{i}: {{rows}} rows exceed {{TILE}}"
    buf = nl.ndarray((rows, cols), dtype=nl.float32, buffer=nl.sbuf)
    if bias is not None and cols > {i} % 7:
        nisa.tensor_scalar(dst=buf, data=src, op0=nl.multiply, operand0=scale)
    else:
        nisa.activation(dst=buf, op=nl.exp, data=src, scale=-scale)
    parts = [k * 2 for k in range(cols // 128) if k % 2 == 0]
    nisa.tensor_tensor(dst=dst, data1=buf, data2=src, op=nl.add)
    return len(parts) + helper_{prev}(dst, src) if {i} % 50 else dst
'''


def generate(lines: int) -> str:
    """About `lines` lines (never more): helpers, then a kernel calling each of them."""
    out = [HEADER]
    total = HEADER.count("\n")
    per_helper = HELPER.count("\n") + 1  # + its call in the kernel
    i = 0
    while total + per_helper + 8 <= lines:
        prev = i - 1 if i > 0 else 0
        text = HELPER.format(i=i, prev=prev)
        if i == 0:
            text = text.replace("helper_0(dst, src) if 0 % 50 else dst", "0")
        out.append(text)
        total += per_helper
        i += 1
    n = i
    calls = "\n".join(f"        helper_{k}(out, x)" for k in range(n))
    out.append(
        f'''

@nki.jit
def kernel(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    for _ in nl.affine_range(1):
{calls}
    return out
'''
    )
    return "".join(out)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    sys.stdout.write(generate(n))
