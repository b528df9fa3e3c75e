"""Curvature of PyTorch losses: Hessian-vector products and eigenvalues, spectral densities by
stochastic Lanczos quadrature, mini-batch Hessian spectra and loss-landscape slices.
"""
