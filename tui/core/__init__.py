"""Neutral models and typed errors shared by adapters, plan parsers, the advisor and the UI.

Nothing in this package imports a database driver or Textual.
"""
