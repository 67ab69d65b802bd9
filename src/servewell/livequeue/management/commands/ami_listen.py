from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servewell.livequeue import ami


class Command(BaseCommand):
    help = (
        "Listen to an Asterisk Manager Interface and feed its queue events (join, answer, "
        "abandon, complete) into the live queue. Reconnects with exponential backoff."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5038)
        parser.add_argument("--username", required=True)
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--secret", help="the AMI secret (manager.conf)")
        secret.add_argument(
            "--secret-file",
            help="read the secret from this file (keeps it out of the process list)",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="QUEUE=TEAM",
            help="map an Asterisk queue to a team slug (default: the same name)",
        )
        parser.add_argument("--max-backoff", type=float, default=60.0, help="seconds")

    def handle(self, *args, host, port, username, secret, secret_file, map, max_backoff, **opts):
        try:
            queue_map = ami.parse_queue_map(map)
            if secret_file:
                with open(secret_file, encoding="utf-8") as handle:
                    secret = handle.read().strip()
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        config = ami.AmiConfig(
            host=host,
            port=port,
            username=username,
            secret=secret,
            queue_map=queue_map,
            backoff_max_s=max_backoff,
        )
        self.stdout.write(f"Listening to AMI at {host}:{port} as {username} (Ctrl+C to stop).")
        ami.run_listener(config)
