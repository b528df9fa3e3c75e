"""Kernels and Gaussian processes: kernel functions and kernel ridge regression, exact GP
regression, infinite-width network kernels (NNGP/NTK), random features, closed-form
kernel-ridge risk estimates and a small Bayesian-optimisation loop.
"""
