"""The benchmark runner behind ``servewell bench``.

``servewell bench`` (``launch``) never measures in its own process: it starts ``runner``
in a child process whose ``SERVEWELL_VAR_DIR`` is a fresh temporary folder, so the SQLite
database, the job queue, the secret key and the collected static files of the run all
live there and vanish with it. The user's database is never opened.

Each app may ship ``servewell/<app>/bench.py`` with ``GROUP = "<name>"`` and
``run(ctx)`` yielding figures built by ``ctx.figure(...)``; ``context.Context`` is the
``ctx`` they receive and ``measure`` holds the timing helpers they share.
"""

SCALES = ("tiny", "small", "large")
