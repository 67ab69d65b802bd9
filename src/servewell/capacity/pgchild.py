"""``python -m servewell.capacity.pgchild SCALE``: the capacity ramp on the database that
``DATABASE_URL`` names (a scratch PostgreSQL database made by the bench), with Redis and
a web process per core; prints the figures as JSON lines on stdout."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(scale: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from servewell.capacity import bench
    from servewell.capacity import world as world_module

    call_command("migrate", verbosity=0, interactive=False, stdout=sys.stderr)
    call_command("collectstatic", verbosity=0, interactive=False, stdout=sys.stderr)
    size = world_module.SIZES[scale]
    with tempfile.TemporaryDirectory(prefix="servewell-capacity-") as folder:
        world = world_module.build(size, Path(folder))
        for name, value, unit, context in bench.measure(scale, size, world, **bench.setup(True)):
            print(json.dumps({"name": name, "value": value, "unit": unit, "context": context}))
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
