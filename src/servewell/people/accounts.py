"""Accounts: invitations, one's own password, and the personal signature.

Nobody types a password for someone else. An admin invites a person; the invitation
email carries a set-password link signed with Django's ``PasswordResetTokenGenerator``
(its own salt and lifetime, ``INVITATION_DAYS``). The token hashes the password field and
the last login, so it stops working the moment a password is set, and a resent
invitation (a fresh unusable password) voids the links sent before it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from servewell.core import audit
from servewell.core.errors import DomainError
from servewell.core.jobs import job
from servewell.people import directory
from servewell.people.models import Role, User

MAX_SIGNATURE = 1000


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """A password-reset token with a salt of its own (a reset link is no invitation and
    the reverse) and a lifetime in days rather than ``PASSWORD_RESET_TIMEOUT``."""

    key_salt = "servewell.people.accounts.invitation"

    def check_token(self, user: Any, token: Any) -> bool:
        if not (user and isinstance(token, str)):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.INVITATION_DAYS * 86400:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def invitation_link(person: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    path = reverse("invitation-accept", args=[uid, invitation_tokens.make_token(person)])
    return settings.SITE_URL.rstrip("/") + path


def invite_person(
    actor: Any,
    *,
    username: str,
    email: str,
    display_name: str = "",
    roles: list[str] | tuple[str, ...] = (),
    time_zone: str = "UTC",
) -> User:
    """Add a person without a password and send them the link to choose one. A service
    account is a script, not a person: it gets no invitation, an admin issues its token."""
    with transaction.atomic():
        person = directory.create_person(
            actor,
            username=username,
            email=email,
            display_name=display_name,
            roles=roles,
            time_zone=time_zone,
        )
        if Role.SERVICE not in roles:
            _queue_invitation(actor, person, action="person.invited")
    return person


def resend_invitation(actor: Any, person: User) -> None:
    """A fresh link; the links sent before stop working."""
    if person.has_usable_password():
        raise DomainError("conflict", f"{person} has already chosen a password.")
    if not person.is_active:
        raise DomainError("invalid", f"{person} is deactivated; reactivate them first.")
    if person.has_role(Role.SERVICE):
        raise DomainError("invalid", "A service account signs in with a token, not a password.")
    with transaction.atomic():
        person.set_unusable_password()
        person.save(update_fields=["password"])
        _queue_invitation(actor, person, action="person.invitation_resent")


def _queue_invitation(actor: Any, person: User, *, action: str) -> None:
    audit.record(actor, action, person, after={"email": person.email})
    send_invitation.enqueue(person.pk, str(actor) if actor else "")


@job(retries=5, retry_delay=30)
def send_invitation(person_id: int, inviter: str) -> None:
    """The token is made here, from the account as it is now, so a replayed job never
    mails a link that an earlier password or resend already voided."""
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or person.has_usable_password() or not person.email:
        return
    by = f"{inviter} has invited you" if inviter else "You are invited"
    body = (
        f"Hello {person.display_name or person.username},\n\n"
        f"{by} to Servewell. Your username is {person.username}.\n"
        f"Choose your password here (the link works once, for "
        f"{settings.INVITATION_DAYS} days):\n\n{invitation_link(person)}\n"
    )
    EmailMessage("Your Servewell account", body, to=[person.email]).send()


def set_password(
    person: User, *, password: str, action: str, ip_address: str | None = None
) -> User:
    """Set a password chosen by its owner (invitation or reset link): audited."""
    directory.check_password(password, person)
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        audit.record(person, action, person, after={"password": "set"}, ip_address=ip_address)
    return person


def change_password(
    user: User, *, old_password: str, new_password: str, ip_address: str | None = None
) -> User:
    if not user.check_password(old_password or ""):
        raise DomainError("invalid", "Your current password is not right.", field="old_password")
    directory.check_password(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(
            user,
            "person.password_changed",
            user,
            after={"password": "changed"},
            ip_address=ip_address,
        )
    return user


# --- The personal signature ---------------------------------------------------------------


def signature_for(user: Any) -> str:
    """The text the composer adds under a public reply; "" for none (or no person)."""
    return (getattr(user, "signature", "") or "").strip()


def with_signature(body: str, user: Any) -> str:
    signature = signature_for(user)
    if not signature or body.rstrip().endswith(signature):
        return body
    return f"{body.rstrip()}\n\n{signature}"


def set_signature(user: User, text: str) -> User:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_SIGNATURE:
        raise DomainError(
            "invalid", f"Keep the signature under {MAX_SIGNATURE} characters.", field="signature"
        )
    if "\x00" in text:
        raise DomainError(
            "invalid", "The signature holds a character that is not text.", field="signature"
        )
    with transaction.atomic():
        before = user.signature
        user.signature = text
        user.save(update_fields=["signature"])
        if before != text:
            audit.record(
                user,
                "person.signature_changed",
                user,
                before={"signature": before},
                after={"signature": text},
            )
    return user
