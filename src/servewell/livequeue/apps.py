from django.apps import AppConfig


class LiveQueueConfig(AppConfig):
    name = "servewell.livequeue"
    label = "livequeue"
    verbose_name = "Live queue and all-hands alarm"

    def ready(self) -> None:
        # Permissions, domain event names and the periodic alarm check register on import.
        from servewell.livequeue import access, alarm, feed, privacy, tasks  # noqa: F401
