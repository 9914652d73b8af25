"""Per-target hardware tables (gen2/trn1+inf2, gen3/trn2, gen4/trn3): limits are data."""

from __future__ import annotations

from klr.targets.tables import DEFAULT_TARGET, TARGETS, Target, get_target

__all__ = ["DEFAULT_TARGET", "TARGETS", "Target", "get_target"]
