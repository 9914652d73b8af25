"""A package whose kernels use relative imports."""
