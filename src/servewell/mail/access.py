"""Mail permissions: who may push raw mail in, who looks after the quarantine, and who
configures the IMAP mailboxes the desk polls."""

from __future__ import annotations

from servewell.people.models import Role

MAIL_INBOUND = "mail.inbound"  # POST raw RFC 5322 mail to /api/mail/inbound/
MAIL_QUARANTINE = "mail.quarantine"  # inspect, retry and discard unreadable mail
MAIL_MAILBOXES = "mail.mailboxes"  # add, change, test, fetch and delete IMAP mailboxes

#: Handed to core through the app contract; admins hold every permission.
GRANTS: dict[str, set[str]] = {Role.SERVICE: {MAIL_INBOUND}}  # a mail gateway's account
