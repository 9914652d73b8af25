from cyc_b import f


def kernel(x):
    return f(x)
