from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "servewell.commitments"
    label = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        from servewell.commitments import access, inbox, jobs, sla, subscribers  # noqa: F401
        from servewell.desk import queries

        if sla.annotate_due not in queries.ROW_EXTRAS:
            queries.ROW_EXTRAS.append(sla.annotate_due)
        inbox.register()
