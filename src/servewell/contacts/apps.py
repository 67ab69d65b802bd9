from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "servewell.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        from servewell.contacts import access, privacy  # noqa: F401  (declares its events)
        from servewell.core import contract

        # The extension points this app owns, for the apps above to contribute to:
        # contacts.CONTACT_INDEXERS, contacts.CONTACT_MERGERS, access.CONTACT_SCOPES,
        # privacy.EXPORTERS and privacy.CONTACT_ERASERS.
        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.contacts.urls",
                grants=access.GRANTS,
            )
        )
