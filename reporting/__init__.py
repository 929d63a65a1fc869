"""Weekly DORA report built from the serving copy of the warehouse.

`reporting.serving` reads the serving DuckDB file (shared with the dashboard), `reporting.presentation`
turns weekly rows into readable figures, and `reporting.weekly` writes the Markdown and HTML report.
"""
