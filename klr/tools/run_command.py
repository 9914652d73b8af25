"""`klr run`: trace a kernel, run it on the reference interpreter, report and check."""

from __future__ import annotations

import dataclasses

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from klr.diagnostics import Diagnostic, KlrError, Location, SourceCache, emit

# Tolerances for --check, by the output dtype's precision (relative to the reference's
# largest magnitude): a bf16 result carries ~3 significant digits.
_TOLERANCE = {"float32": 1e-5, "float16": 2e-3, "bfloat16": 2e-2}


def _load_module(path: str) -> Any:
    """Import the kernel's module (opt-in: --example/--check), with the nki stand-in."""
    import klr.compat

    klr.compat.install()
    file = Path(path).resolve()
    from klr.frontend.modules import package_root

    root, name = package_root(str(file))
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ImportError(name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    except Exception as e:  # the user's module failed to import: report, don't crash
        raise KlrError(
            Diagnostic(
                "err_import_failed",
                f"importing '{path}' for --example/--check failed: {type(e).__name__}: {e}",
                Location(path),
                hint="--example and --check run the module's Python; without them klr never "
                "imports it",
            )
        ) from None


def _parse_grid(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(g) for g in text.replace("x", ",").split(",") if g.strip())
    except ValueError:
        raise KlrError(Diagnostic("err_usage", f"--grid {text}: expected integers like 2 or 2,2")) from None


def run_command(args: argparse.Namespace, out: TextIO, err: TextIO, as_json: bool) -> int:
    from klr.frontend.gather import gather
    from klr.interp import run_module
    from klr.interp.dtypes import numpy_dtype
    from klr.tracer import TensorSpec, parse_arg, trace_program

    module = _load_module(args.file) if (args.example or args.check) else None
    function = args.function or (getattr(module, "KERNEL", None) if module else None)
    if function is None:
        raise KlrError(
            Diagnostic(
                "err_usage", "which kernel? give FUNC", Location(args.file),
                hint="klr run FILE.py FUNC --arg NAME=dtype[shape] ...",
            )
        )
    grid = _parse_grid(args.grid) or (tuple(getattr(module, "GRID", None) or ()) if module else ())
    values: dict[str, Any] = {}
    if args.example:
        maker = getattr(module, "example_inputs", None)
        if maker is None:
            raise KlrError(Diagnostic("err_usage", f"'{args.file}' defines no example_inputs(rng)"))
        values.update(maker(np.random.default_rng(args.seed)))
    for flag, texts in (("--arg", args.arg), ("--random", args.random), ("--const", args.const)):
        for text in texts:
            try:
                name, value = parse_arg(text)
            except ValueError as e:
                raise KlrError(Diagnostic("err_usage", f"{flag} {text}: {e}")) from None
            if flag == "--random" and not isinstance(value, TensorSpec):
                raise KlrError(Diagnostic("err_usage", f"--random {text}: expected NAME=dtype[shape]"))
            if flag == "--const" and isinstance(value, TensorSpec):
                raise KlrError(Diagnostic("err_usage", f"--const {text}: a constant is a Python literal"))
            values[name] = value
    if args.fp32:
        args.mode = "fp32"
    for text in args.input:
        name, _, path = text.partition("=")
        try:
            values[name.strip()] = np.load(path.strip())
        except (OSError, ValueError) as e:
            raise KlrError(Diagnostic("err_usage", f"--input {text}: {e}")) from None
    rng = np.random.default_rng(args.seed)
    arrays: dict[str, np.ndarray] = {}
    specs: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, TensorSpec):
            data = rng.standard_normal(value.shape).astype(np.float32)
            arrays[name] = data.astype(numpy_dtype(value.dtype))
            specs[name] = value
        elif TensorSpec.of(value) is not None:
            arrays[name] = np.asarray(value)
            specs[name] = value
        else:
            specs[name] = value
    gathered = gather(args.file, function)
    t0 = time.perf_counter()
    traced = trace_program(gathered.module, specs, grid, args.target)
    t1 = time.perf_counter()
    ran = run_module(traced.module, arrays, args.mode)
    t2 = time.perf_counter()
    from klr.analysis.affine_conflicts import check_module
    from klr.analysis.affine_conflicts import diagnostics as conflict_diagnostics

    conflicts, _ = check_module(traced.module)
    # the interpreter runs iterations in order, so a dependency between affine_range
    # iterations can look fine here and fail on hardware: say so
    diagnostics = [
        *gathered.warnings,
        *traced.warnings,
        *conflict_diagnostics(conflicts, severity="warning"),
        *ran.warnings,
    ]
    report: dict[str, Any] = {
        "kernel": function,
        "trace_seconds": round(t1 - t0, 4),
        "run_seconds": round(t2 - t1, 4),
        "instructions": ran.instructions,
        "outputs": [],
    }
    if not ran.outputs and ran.written:
        # a kernel that writes into its output arguments: those are its results
        ran = dataclasses.replace(
            ran, outputs=[ran.inputs[n] for n in ran.written], output_names=list(ran.written)
        )
    status = 0
    reference = None
    if args.check:
        ref_fn = getattr(module, "reference", None)
        if ref_fn is None:
            raise KlrError(Diagnostic("err_usage", f"'{args.file}' defines no reference(...)"))
        reference = ref_fn(**{n: v for n, v in values.items() if not isinstance(v, TensorSpec)}, **{
            n: arrays[n] for n, v in values.items() if isinstance(v, TensorSpec)
        })
        reference = list(reference) if isinstance(reference, tuple) else [reference]
    for i, result in enumerate(ran.outputs):
        entry: dict[str, Any] = {
            "index": i,
            "dtype": str(result.dtype),
            "shape": list(result.shape),
            "min": float(np.nanmin(result.astype(np.float64))) if result.size else None,
            "max": float(np.nanmax(result.astype(np.float64))) if result.size else None,
            "nan": int(np.isnan(result.astype(np.float64)).sum()),
        }
        if reference is not None and i < len(reference):
            ref = np.asarray(reference[i], dtype=np.float64)
            got = result.astype(np.float64)
            if ref.shape != got.shape:
                entry["check"] = f"shape {got.shape} differs from the reference's {ref.shape}"
                status = 1
            else:
                scale = max(float(np.max(np.abs(ref))), 1e-30)
                rel = float(np.max(np.abs(got - ref))) / scale
                tol = _TOLERANCE.get(str(result.dtype), 2e-2)
                if args.mode == "fp32":
                    tol = _TOLERANCE["float32"]
                entry["max_rel_error"] = rel
                entry["tolerance"] = tol
                entry["check"] = "ok" if rel <= tol and not np.isnan(got).any() else "MISMATCH"
                if entry["check"] != "ok":
                    status = 1
        report["outputs"].append(entry)
    if args.save:
        np.savez(args.save, *ran.outputs)
    if args.output_dir:
        directory = Path(args.output_dir)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name, result in zip(ran.output_names, ran.outputs):
                np.save(directory / f"{name}.npy", result)
        except OSError as e:
            raise KlrError(Diagnostic("err_cannot_write", f"-o {args.output_dir}: {e}")) from None
    for text in args.expect:
        status = max(status, _expect(text, ran, args.rtol, args.atol, report))
    for line in ran.printed:
        err.write(line)
    if diagnostics:
        emit(diagnostics, err, as_json, SourceCache(gathered.sources))
    if as_json:
        json.dump(report, out, indent=2)
        out.write("\n")
    else:
        out.write(
            f"{function}: traced in {report['trace_seconds']:.3f}s, ran {ran.instructions} "
            f"instructions in {report['run_seconds']:.3f}s ({args.mode} mode)\n"
        )
        for e in report.get("expect", []):
            if e["result"] == "mismatch":
                m = e["first_mismatch"]
                out.write(
                    f"  expect {e['output']} = {e['file']}: {e['mismatches']} mismatches; first at "
                    f"{tuple(m['index'])}: got {m['got']:.8g}, expected {m['expected']:.8g}\n"
                )
            else:
                out.write(f"  expect {e['output']} = {e['file']}: {e['result']}\n")
        for e in report["outputs"]:
            line = f"  output {e['index']}: {e['dtype']}{e['shape']} min {e['min']:.6g} max {e['max']:.6g}"
            if e["nan"]:
                line += f" NaN {e['nan']}"
            if "check" in e:
                if "max_rel_error" in e:
                    line += (
                        f"  vs reference: max rel error {e['max_rel_error']:.2e} "
                        f"(tolerance {e['tolerance']:.0e}) {e['check']}"
                    )
                else:
                    line += f"  {e['check']}"
            out.write(line + "\n")
    return status


def _expect(text: str, ran: Any, rtol: float, atol: float, report: dict[str, Any]) -> int:
    """`--expect NAME=REF.npy`: 0 if the output matches, 1 with the first mismatch."""
    name, _, path = text.partition("=")
    name = name.strip()
    if name in ran.output_names:
        index = ran.output_names.index(name)
    elif name.isdigit() and int(name) < len(ran.outputs):
        index = int(name)
    else:
        raise KlrError(
            Diagnostic(
                "err_usage",
                f"--expect {text}: the kernel has no output '{name}'",
                hint=f"outputs: {', '.join(ran.output_names) or 'none'} (or their indices)",
            )
        )
    try:
        expected = np.load(path.strip())
    except (OSError, ValueError) as e:
        raise KlrError(Diagnostic("err_usage", f"--expect {text}: {e}")) from None
    got = ran.outputs[index].astype(np.float64)
    want = expected.astype(np.float64)
    entry: dict[str, Any] = {"output": ran.output_names[index], "file": path.strip()}
    report.setdefault("expect", []).append(entry)
    if got.shape != want.shape:
        entry["result"] = f"shape {list(got.shape)} differs from {list(want.shape)}"
        return 1
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        entry["result"] = "ok"
        return 0
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    entry["result"] = "mismatch"
    entry["first_mismatch"] = {"index": list(first), "got": float(got[first]), "expected": float(want[first])}
    entry["mismatches"] = int((~close).sum())
    return 1
