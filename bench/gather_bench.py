"""Benchmark `klr gather` wall time (process start included).

    .venv/bin/python bench/gather_bench.py [--repeat N]

Reports, for the largest example and for a generated 5,000-line module, the median wall
time of `klr gather FILE FUNC -o OUT` and, as the in-run baseline, the wall time of
`python -c 'import ast; ast.parse(open(FILE).read())'` (process start + parsing only):
machines are noisy, so the ratio is the comparable figure. Targets: < 1 s for the example,
< 5 s for the 5,000-line module.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gen_module import generate  # noqa: E402


def wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lines", type=int, default=5000)
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    klr = str(bindir / "klr")

    examples = sorted(
        (p for p in (ROOT / "examples").rglob("*.py") if p.name != "__init__.py"),
        key=lambda p: p.stat().st_size,
    )
    largest = examples[-1]
    kernel = next(
        line.split("def ", 1)[1].split("(", 1)[0]
        for line in largest.read_text().splitlines()
        if line.startswith("def ") and "_kernel(" in line
    )
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "generated_5k.py"
        big.write_text(generate(args.lines))
        n_lines = big.read_text().count("\n")
        out = Path(tmp) / "out.klr"
        rows = []
        for label, path, fn, target in [
            (f"example {largest.relative_to(ROOT)}", largest, kernel, 1.0),
            (f"generated module ({n_lines} lines)", big, "kernel", 5.0),
        ]:
            base = wall(
                [sys.executable, "-c", f"import ast; ast.parse(open({str(path)!r}).read())"],
                args.repeat,
            )
            t = wall([klr, "gather", str(path), fn, "-o", str(out)], args.repeat)
            ops = out.read_text().count(" = py_ast.") + out.read_text().count("py_ast.")
            rows.append((label, t, base, target, ops))
    print(f"{'workload':45} {'gather [s]':>10} {'baseline [s]':>13} {'ratio':>7} {'target':>7}")
    for label, t, base, target, _ in rows:
        status = "ok" if t < target else "SLOW"
        print(f"{label:45} {t:10.3f} {base:13.3f} {t / base:7.1f} {'<' + str(target):>7} {status}")


if __name__ == "__main__":
    main()
