"""The Qt-free data layer: connection settings, engine, queries, pending changes, commit.

Nothing in this package imports PySide6; the Qt layer (``gui.qt``) calls into it.
"""
