"""Methods of the part "Losses, calibration and noisy labels" (``notebooks/losses/``) other
than the losses themselves, which live in the loss library :mod:`repro.objectives`.
"""
