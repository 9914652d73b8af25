import nki.language as nl


class Config(nl.NKIObject):
    def __init__(self, n):
        self.n = n


def double(x):
    return x * 2
