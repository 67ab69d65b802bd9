from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "servewell.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        # Permissions, domain event names and the weekly sampling job register on import.
        from servewell.quality import (  # noqa: F401
            access,
            calibration,
            coaching,
            disputes,
            reviews,
            sampling,
            scorecards,
            tasks,
        )
