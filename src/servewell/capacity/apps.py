from django.apps import AppConfig


class CapacityConfig(AppConfig):
    """No models, pages or permissions: the load test of the whole product, which needs
    every app below it (it signs agents in, fills the desk and feeds the live queue), so
    it sits in the top layer beside ``config`` and the command line."""

    name = "servewell.capacity"
    label = "capacity"
    verbose_name = "Capacity"

    def ready(self) -> None:
        from servewell.core import contract

        contract.register(contract.AppContract(label=self.label, bench="servewell.capacity.bench"))
