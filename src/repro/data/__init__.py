"""Data generated in code or shipped inside a pip package (nothing is downloaded at run time):
scikit-learn's bundled sets, synthetic mixtures, sequences, label noise, 2-D toy densities.
"""
