# Gathering must never import or run a kernel's module: this file would exit (and
# write a marker file) if it were ever executed.
import sys

open("EXECUTED_MARKER", "w").write("executed")
sys.exit("side_effects.py was executed")


def kernel(x):
    return x
