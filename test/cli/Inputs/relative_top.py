from . import nothing


def kernel(x):
    return nothing(x)
