from __future__ import annotations

import logging
import os

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from servewell.core import jobs

log = logging.getLogger(__name__)


def site_url(host: str, port: int) -> str:
    """Links in pages and emails point where this server listens unless SITE_URL says
    otherwise: `make run PORT=8101` must not mail links to port 8000. Set in the
    environment too, so web worker processes started by uvicorn read the same."""
    if not settings.SITE_URL_CONFIGURED:
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
        shown = f"[{shown}]" if ":" in shown else shown
        settings.SITE_URL = os.environ["SITE_URL"] = f"http://{shown}:{port}"
    return settings.SITE_URL


class Command(BaseCommand):
    help = (
        "Serve the web app over ASGI (uvicorn). On the embedded default it also runs "
        "the job worker in this process, so one process is enough."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web processes")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run jobs in this process (run `servewell worker`)",
        )

    def handle(self, *args, host: str, port: int, workers: int, no_worker: bool, **options):
        site_url(host, port)
        if not settings.DEBUG and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            self.stdout.write("Collecting static files (first start outside debug)…")
            call_command("collectstatic", interactive=False, verbosity=0)
        consumer = None
        in_process = not no_worker and workers == 1 and not settings.JOBS["immediate"]
        if in_process:
            consumer = jobs.create_consumer()
            # Start the threads without Huey's signal handlers: uvicorn owns the signals.
            consumer.scheduler.start()
            for _, worker in consumer.worker_threads:
                worker.start()
            self.stdout.write(f"Job worker running in-process ({settings.JOBS['backend']}).")
        self.stdout.write(f"Servewell on {settings.SITE_URL}/  (Ctrl+C to stop)")
        try:
            uvicorn.run(
                "servewell.config.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                # Uvicorn would otherwise replace the socket address with X-Forwarded-For
                # from any loopback peer; Django decides whom to trust (core.clientip).
                proxy_headers=False,
                log_level="warning",
                timeout_graceful_shutdown=3,
                # An open conversation polls every 5 s; uvicorn's default keep-alive of
                # 5 s closes the connection just as the next poll reuses it, and that
                # POST fails ("closed connection without response"). 75 s as nginx.
                timeout_keep_alive=75,
                access_log=False,
            )
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
