"""dbscope: a terminal explorer and advisor for PostgreSQL, MySQL/MariaDB and MongoDB.

The import package is ``tui``; everything outside ``tui.app``, ``tui.screens`` and ``tui.widgets``
imports without Textual so the headless CLI stays fast and scriptable.
"""

__version__ = "0.1.0"
