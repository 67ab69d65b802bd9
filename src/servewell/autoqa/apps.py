from django.apps import AppConfig


class AutoQaConfig(AppConfig):
    name = "servewell.autoqa"
    label = "autoqa"
    verbose_name = "Auto-QA: every conversation scored"

    def ready(self) -> None:
        from servewell.core import contract

        contract.register(contract.AppContract(label=self.label))
