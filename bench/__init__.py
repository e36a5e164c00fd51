"""``make bench``: the editor's scale-and-speed figures against the tools people use.

Run as ``python -m bench`` (``--help`` for the options).  It starts its own
throwaway PostgreSQL (``tests/pgcluster.py``), builds the tables, measures every
figure for this project and for the baselines in one run, prints one table of
medians and ratios and writes it to ``bench/results.md``:

* start-up as a process (``bench/startup.py``): ``python main.py`` until the
  connection dialog is painted, ``--url`` until the first rows are, against a bare
  PySide6 program doing the same, several fresh processes each;
* the tutorial's window on its own ``some_table`` of 2,000,000 rows
  (``bench/tutorial_window.py``), driven through its own actions: first rows, Ctrl+End
  to the last row against QSqlQueryModel and psycopg2, memory per row, a commit,
  10,000 edits typed with 100,000 pending;
* the tutorial's integer tables through internal calls (``bench/run.py``,
  ``bench/measure.py``), each beside the figure a user meets for it: the model and
  data layer against QSqlQueryModel, psycopg2, SQLAlchemy and QSqlTableModel, and
  each headline figure against the previous run's;
* any table (``bench/mixed.py``): the real window, driven through its own actions,
  on tables of mixed types, against QSqlQueryModel and psycopg2.
"""
