from django.apps import AppConfig


class GoodwillConfig(AppConfig):
    name = "servewell.goodwill"
    label = "goodwill"
    verbose_name = "Permission to perform: goodwill and daily-choice stories"

    def ready(self) -> None:
        from servewell.core import contract

        contract.register(contract.AppContract(label=self.label))
