def kernel(x):
	return x +* 1
