"""Running notebooks with discipline (``nb2prod run``) and checking that they reproduce (``nb2prod repro``).

Papermill and nbclient are imported only inside the functions that execute notebooks.
"""

from __future__ import annotations

__all__: list[str] = []
