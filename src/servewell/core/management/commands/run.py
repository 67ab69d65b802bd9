from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from servewell.core import collector, jobs, webprocs

log = logging.getLogger(__name__)

#: More web processes than this rarely pays on one box: each holds its own memory, and
#: the database (one SQLite writer, or PostgreSQL on the same cores) becomes the limit.
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """``WEB_CONCURRENCY`` when set, else one web process per core (at most four).

    Python runs one thread at a time per process, so one process serves at most one
    core's worth of pages; the processes share the database, the cache (diskcache or
    Redis) and the alarm stream's fan-out (Unix sockets or Redis)."""
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            log.warning("WEB_CONCURRENCY=%r is not a number; using the cores", configured)
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


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
        "Serve the web app over ASGI (uvicorn), a web process per core (WEB_CONCURRENCY "
        "or --workers to change). The job worker runs beside them in this command "
        "unless --no-worker, so one command is enough."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="web processes (default: WEB_CONCURRENCY, else one per core, at most 4)",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run jobs in this process (run `servewell worker`)",
        )

    def handle(self, *args, host: str, port: int, workers: int | None, no_worker: bool, **options):
        workers = default_workers() if workers is None else workers
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        try:
            webprocs.ensure_free(host, port)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        site_url(host, port)
        if not settings.DEBUG and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            self.stdout.write("Collecting static files (first start outside debug)…")
            call_command("collectstatic", interactive=False, verbosity=0)
        consumer = None
        if not no_worker and not settings.JOBS["immediate"]:
            # With one web process the jobs run in it; with several, in this supervising
            # process (the web processes start fresh, not forked from this one).
            consumer = jobs.create_consumer()
            collector.settle()
            # Start the threads without Huey's signal handlers: the web side owns them.
            consumer.scheduler.start()
            for _, worker in consumer.worker_threads:
                worker.start()
            self.stdout.write(f"Job worker running beside the web ({settings.JOBS['backend']}).")
        self.stdout.write(
            f"Servewell on {settings.SITE_URL}/  ({workers} web process"
            f"{'es' if workers > 1 else ''}; Ctrl+C to stop)"
        )
        options = {
            "lifespan": "off",
            # Uvicorn would otherwise replace the socket address with X-Forwarded-For
            # from any loopback peer; Django decides whom to trust (core.clientip).
            "proxy_headers": False,
            "log_level": "warning",
            "timeout_graceful_shutdown": 3,
            # An open conversation polls every 5 s; uvicorn's default keep-alive of
            # 5 s closes the connection just as the next poll reuses it, and that
            # POST fails ("closed connection without response"). 75 s as nginx.
            "timeout_keep_alive": 75,
            "access_log": False,
        }
        try:
            code = webprocs.serve(host, port, workers, options)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
        if code:
            raise CommandError("The web processes could not start (is the port in use?).")
