"""Paths and tables shared by the pytest suite."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# (file, kernel function) of every example kernel
EXAMPLE_KERNELS = [
    ("tensor_add.py", "tensor_add_kernel"),
    ("tensor_add_spmd.py", "tensor_add_spmd_kernel"),
    ("transpose.py", "transpose_kernel"),
    ("matmul_tiled.py", "matmul_tiled_kernel"),
    ("softmax.py", "softmax_kernel"),
    ("layernorm.py", "layernorm_kernel"),
    ("rmsnorm.py", "rmsnorm_kernel"),
    ("rope.py", "rope_kernel"),
    ("attention/kernel.py", "attention_kernel"),
]
