from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "servewell.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        # Import the modules that register jobs, event subscribers and nav entries.
        from servewell.core import jobs, webhooks  # noqa: F401
