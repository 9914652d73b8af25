"""`check-affine-loops`: fail if iterations of an affine `klr.for` depend on each other.

An analysis pass (it changes nothing): see `klr.analysis.affine_conflicts`. Each
conflict is reported with a counterexample: the tensor element, the two iterations and
the two instructions.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException


@dataclass(frozen=True)
class CheckAffineLoopsPass(ModulePass):
    """Prove the iterations of every affine loop independent, or report a conflict."""

    name = "check-affine-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from klr.analysis.affine_conflicts import check_module, diagnostics

        conflicts, _ = check_module(op)
        if conflicts:
            raise PassFailedException("\n".join(d.render() for d in diagnostics(conflicts)))
