MESSAGE = "rows must be a multiple of the tile"
UNUSED = "never gathered"
