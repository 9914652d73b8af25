"""lit configuration: FileCheck tests under test/ (pytest lives in test/unit)."""

import os
import sys

import lit.formats

config.name = "klr"  # noqa: F821 - `config` is provided by lit
config.test_format = lit.formats.ShTest(execute_external=False)  # noqa: F821
config.suffixes = [".mlir", ".py", ".test"]  # noqa: F821
# Names are excluded at every level: never list a name that is also a test directory
# ("klr" once hid test/dialects/klr). The suite runs as `lit test/`.
config.excludes = [  # noqa: F821
    "unit", "examples", "bench", "docs", "build", "dist", ".venv", "venv",
    "lit.cfg.py", "Inputs", "Output",
]
# The scripts directory of the Python running lit goes first, so `klr`, `klr-opt` and
# `filecheck` resolve inside the project's virtual environment without activating it.
bindir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])  # noqa: F821
root = os.path.dirname(os.path.abspath(__file__))
config.substitutions.append(("%examples", os.path.join(root, "examples")))  # noqa: F821
config.substitutions.append(  # noqa: F821
    ("%roundtrip", "klr-opt %s | klr-opt | filecheck %s")
)
config.substitutions.append(  # noqa: F821
    ("%generic-roundtrip", "klr-opt %s --print-op-generic | klr-opt | filecheck %s")
)
