"""``tinyprop playground``: watch backpropagation live in the browser, on tinyprop's engines.

The server (``server.py``: Starlette, uvicorn, one WebSocket per page) drives a
:class:`~tinyprop.playground.session.Session` per open page: its settings
(:class:`~tinyprop.playground.settings.Settings`), its points (``data.py``: tinyprop's toy
sets, two regression sets and the user's CSV), its network on either engine
(``model.py``) and tinyprop's ``Trainer``. The page (``static/``) only draws what the
server sends. ``export.py`` writes the run directory and the training script.

Importing this package loads nothing heavy; the web server loads when the command runs.
See docs/playground.md.
"""

from .settings import Settings

__all__ = ["Settings"]
