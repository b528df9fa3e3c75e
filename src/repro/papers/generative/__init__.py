"""Methods of the part "Diffusion and generative models" (``notebooks/generative/``).
"""
