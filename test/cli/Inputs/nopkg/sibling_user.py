import numpy as np
import sibling
from sibling import Config as Cfg
from extlib import ext_helper


def kernel(x):
    c = Cfg(4)
    y = sibling.double(x) + undefined_name
    return ext_helper(y) + np.float32(c.n)
