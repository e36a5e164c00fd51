"""``make bench``: the editor's scale-and-speed figures against the tools people use.

Run as ``python -m bench`` (see ``__main__.py`` for the options).  It starts its own
throwaway PostgreSQL (``tests/pgcluster.py``), builds the tables, measures every
figure of issue 4 for this project and for the baselines in one run, prints one
table of medians and ratios and writes it to ``bench/results.md``.
"""
