"""Benchmark `klr trace` on the tiled matmul example at 512³, 2048³ and 8192³.

    .venv/bin/python bench/trace_bench.py [--repeat N]

Reports trace time (gather excluded, verification included) and the number of `klr`
ops: loops stay rolled, so the op count is the same for all three sizes. The baseline,
measured in the same run, is parsing the kernel's file with Python's `ast` (the
cheapest thing any tool must do with it). Target: the 8192³ trace under 2 s.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
from pathlib import Path

from klr.dialects import klr as k
from klr.frontend.gather import gather
from klr.tracer import TensorSpec, trace_program

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "examples" / "matmul_tiled.py"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    gathered = gather(KERNEL, "matmul_tiled_kernel")
    source = KERNEL.read_text()
    base = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        ast.parse(source)
        base.append(time.perf_counter() - t)
    baseline = statistics.median(base)
    print(f"{'size':>6} {'trace+verify [s]':>17} {'klr ops':>8} {'ratio to ast.parse':>19} {'target':>7}")
    for n in (512, 2048, 8192):
        spec = TensorSpec((n, n), k.Dtype.BFLOAT16)
        times = []
        count = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = trace_program(gathered.module, {"a_t": spec, "b": spec})
            result.module.verify()
            times.append(time.perf_counter() - t)
            count = sum(1 for op in result.module.walk() if op.dialect_name() == "klr")
        med = statistics.median(times)
        ok = "ok" if med < 2.0 else "SLOW"
        print(f"{n:>5}³ {med:17.4f} {count:8d} {med / baseline:19.1f} {'<2s':>7} {ok}")


if __name__ == "__main__":
    main()
