"""Table editor for PostgreSQL: a Qt-free data layer (``gui.data``) and a thin Qt layer (``gui.qt``)."""
