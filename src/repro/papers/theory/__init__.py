"""Methods of the part "Learning theory, dynamics and scaling" (``notebooks/theory/``).
"""
