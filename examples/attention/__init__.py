"""Single-head attention example split over two modules: `kernel` (the
`@nki.jit` kernel, its NumPy reference and inputs) and `helpers` (tile-level
helper functions, constants and a small config object it imports)."""
