"""Statistics and evaluation: intervals over independent runs (paired differences and the
verdict rule of the claims API), metrics, calibration, image quality, benchmark tables,
memorisation probes and random-matrix laws.
"""
