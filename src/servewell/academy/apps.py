from django.apps import AppConfig


class AcademyConfig(AppConfig):
    name = "servewell.academy"
    label = "academy"
    verbose_name = "Academy: courses, teach-back and the trainer cascade"

    def ready(self) -> None:
        from servewell.core import contract

        contract.register(contract.AppContract(label=self.label))
