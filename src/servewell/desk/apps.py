from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "servewell.desk"
    label = "desk"
    verbose_name = "Desk"

    def ready(self) -> None:
        # Permissions are granted to roles at import time.
        from servewell.desk import access  # noqa: F401
        from servewell.desk.mail import access as mail_access  # noqa: F401
        from servewell.desk.mail import jobs as mail_jobs  # noqa: F401
