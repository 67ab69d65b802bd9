from django.apps import AppConfig


class MailConfig(AppConfig):
    """The email channel: intake (HTTP, IMAP, import), threading, the quarantine, IMAP
    mailboxes and outbound replies. It sits above the desk: it files mail as the desk's
    conversations and sends the replies the desk announces (``desk.events``)."""

    name = "servewell.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from servewell.contacts import privacy as contacts_privacy
        from servewell.core import contract
        from servewell.mail import access, privacy
        from servewell.mail import jobs as jobs  # noqa: F401  (periodic work, send_reply)
        from servewell.mail import subscribers as subscribers  # noqa: F401  (replies by email)
        from servewell.mail.api import inbound_max_bytes

        contract.register(
            contract.AppContract(
                label=self.label,
                urls="servewell.mail.urls",
                nav=(
                    contract.NavItem(
                        "Mail quarantine",
                        "mail-quarantine",
                        access.MAIL_QUARANTINE,
                        section="admin",
                    ),
                    contract.NavItem(
                        "Mailboxes", "mail-mailboxes", access.MAIL_MAILBOXES, section="admin"
                    ),
                ),
                grants=access.GRANTS,
                bench="servewell.mail.bench",
                extends={contacts_privacy.CONTACT_ERASERS: privacy.ERASERS},
                # A provider's webhook flood on ?respond=async: stored at once, filed after.
                fast_routes=(
                    contract.FastRoute(
                        "POST",
                        "/api/mail/inbound/",
                        "servewell.mail.api:accept_inbound",
                        query=(("respond", "async"),),
                        max_body=inbound_max_bytes(),
                    ),
                ),
            )
        )
