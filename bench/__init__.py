"""``make bench``: the editor's scale-and-speed figures against the tools people use.

Run as ``python -m bench`` (``--help`` for the options).  It starts its own
throwaway PostgreSQL (``tests/pgcluster.py``), builds the tables, measures every
figure for this project and for the baselines in one run, prints one table of
medians and ratios and writes it to ``bench/results.md``:

* the tutorial's integer table (``bench/run.py``, ``bench/measure.py``): the model
  and data layer against QSqlQueryModel, psycopg2, SQLAlchemy and QSqlTableModel,
  and each headline figure against the previous run's;
* any table (``bench/mixed.py``): the real window, driven through its own actions,
  on tables of mixed types, against QSqlQueryModel and psycopg2.
"""
