from cyc_a import f
