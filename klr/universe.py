"""The `xdsl.universe` entry point: stock xDSL tools see klr's dialects and passes.

Keep this module import-light: an exception here breaks every xDSL tool in the
environment.
"""

from xdsl.universe import Universe

from klr.dialects import get_all_dialects
from klr.passes import get_all_passes

KLR_UNIVERSE = Universe(all_dialects=get_all_dialects(), all_passes=get_all_passes())
