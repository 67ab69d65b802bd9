from django.apps import AppConfig


class ExperienceConfig(AppConfig):
    name = "servewell.experience"
    label = "experience"
    verbose_name = "Experience: surveys, team pulse and kudos"

    def ready(self) -> None:
        from servewell.core import contract

        contract.register(contract.AppContract(label=self.label))
