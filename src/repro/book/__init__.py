"""The book's machinery: catalog, parameters, runtime setup, the claims API, progress bars,
plot style, the papermill runner, seed records, the generated status pages and the CLI.

Nothing here imports a building block other than :mod:`repro.stats.intervals` or any paper's method;
chapters use only its public surface (``repro.setup``, ``repro.Claims``, ``repro.book.progress``).
"""
