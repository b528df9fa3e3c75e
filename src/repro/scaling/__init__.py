"""Scaling laws: power-law fits with bootstrap intervals, multivariate scaling laws, and
Gaussian tasks with a prescribed power-law eigenstructure.
"""
