"""Methods of the part "Kernels, Gaussian processes and Bayesian deep learning"
(``notebooks/kernels/``).
"""
