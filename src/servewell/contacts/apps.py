from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "servewell.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        from servewell.core import contract

        contract.register(contract.AppContract(label=self.label))
