"""The ASGI entry point: long-lived streams on Django's ASGI handler, everything else on
its WSGI handler in a pool of persistent threads (``core.wsgibridge``).

Why: Django's ASGI handler runs each sync view in a thread made for that one request,
so every request opens (and closes) its own database connection and pays for two thread
hand-offs — about 5 ms on SQLite before any work is done. Our pages and API are sync
code; run on long-lived threads they keep their connections (CONN_MAX_AGE). Only the
Server-Sent Events streams are async views, and they stay on the ASGI handler so a
thousand open streams cost no threads. The few machine endpoints that apps declare as
fast routes (a phone system's events) are answered on fast lanes (``core.fastlane``),
and the streams apps declare as doors (the live queue's ``/queue/stream/``, opened again
with every page a browser loads) beside Django's handler too: through it, each open
passed every sync middleware in a thread hop of its own, in a thread and with a database
connection made for that one request.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servewell.config.settings")

from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from servewell.core import collector, contract  # noqa: E402
from servewell.core.fastlane import FastLanes  # noqa: E402
from servewell.core.wsgibridge import ThreadedWsgi  # noqa: E402

#: Path prefixes served by async views (streams). Apps with async views add theirs here.
ASYNC_PREFIXES = ("/queue/stream/",)

_asgi = get_asgi_application()
_wsgi = ThreadedWsgi(
    get_wsgi_application(),
    workers=settings.WEB_THREADS,
    polls=contract.poll_paths(),
    poll_workers=settings.POLL_THREADS,
    patience_s=settings.WEB_PATIENCE_MS / 1000,
)
lanes = FastLanes(contract.fast_routes())
doors = {door.path: door.load() for door in contract.stream_doors()}
collector.settle()  # the app is loaded: what follows is per request (core.collector)


async def application(scope, receive, send):  # type: ignore[no-untyped-def]
    lane = lanes.lane_for(scope)
    if lane is not None:
        await lanes.serve(lane, scope, receive, send)
    elif scope["type"] == "http" and scope["path"] in doors:
        await doors[scope["path"]](scope, receive, send)
    elif scope["type"] == "http" and not scope["path"].startswith(ASYNC_PREFIXES):
        await _wsgi(scope, receive, send)
    else:
        await _asgi(scope, receive, send)
