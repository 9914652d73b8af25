def kernel(x):
    y = (x +
    return y
