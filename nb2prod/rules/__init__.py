"""Lint rules: one module per family, each rule a small class whose docstring is its documentation."""
