"""Account screens: accept an invitation, reset a forgotten password, change one's own,
the signature, and what an admin does for others (resend an invitation, issue a service
account's token). Django's auth views do the work; these subclasses add the templates,
the throttle, the audit entries and a 4xx for a link that does not work."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from servewell.core import audit
from servewell.core.access import PUBLIC, CorePerm, requires
from servewell.core.clientip import client_ip
from servewell.core.errors import DomainError
from servewell.people import accounts, throttle, tokens
from servewell.people.access import Perm
from servewell.people.forms import SignatureForm, TokenForm
from servewell.people.models import Role, User

RESET_WINDOW = 3600


class _LinkPage:
    """Django renders a dead link's page with 200; a link that does not work is a 400."""

    def render_to_response(self, context: dict, **kwargs: Any) -> HttpResponse:
        if not getattr(self, "validlink", True):
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


class ThrottledResetForm(PasswordResetForm):
    """At most ``PASSWORD_RESET_LIMIT`` emails an hour to one address: past that the
    page still says "sent" (so it tells nothing about the address) and sends nothing."""

    def save(self, **kwargs: Any) -> None:
        email = self.cleaned_data["email"].strip().lower()
        if throttle.allow(
            f"reset-email:{email}", limit=settings.PASSWORD_RESET_LIMIT, window=RESET_WINDOW
        ):
            super().save(**kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: Any,
        to_email: str,
        html_email_template_name: Any = None,
    ) -> None:
        audit.record(None, "person.password_reset_requested", context["user"])
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )


class PasswordResetView(auth_views.PasswordResetView):
    access = PUBLIC
    form_class = ThrottledResetForm
    template_name = "people/account/reset_form.html"
    email_template_name = "people/account/reset_email.txt"
    subject_template_name = "people/account/reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    def get_extra_email_context(self) -> dict:
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Per address of the requester too, so nobody can mail-bomb many accounts."""
        limit = settings.PASSWORD_RESET_LIMIT * 4
        if not throttle.allow(f"reset-ip:{client_ip(request)}", limit=limit, window=RESET_WINDOW):
            return render(
                request,
                self.template_name,
                {"form": self.get_form(), "throttled": True},
                status=429,
            )
        self.extra_email_context = self.get_extra_email_context()
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    access = PUBLIC
    template_name = "people/account/reset_sent.html"


class PasswordResetConfirmView(_LinkPage, auth_views.PasswordResetConfirmView):
    access = PUBLIC
    template_name = "people/account/set_password.html"
    success_url = reverse_lazy("login")
    extra_context = {"purpose": "reset"}

    def form_valid(self, form: Any) -> HttpResponse:
        accounts.set_password(
            self.user,
            password=form.cleaned_data["new_password1"],
            action="person.password_reset",
            ip_address=client_ip(self.request),
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password is set. Sign in with it.")
        return redirect(self.success_url)


class InvitationView(PasswordResetConfirmView):
    """The invitation's set-password link: a reset link with its own token generator."""

    token_generator = accounts.invitation_tokens
    reset_url_token = "choose-password"
    extra_context = {"purpose": "invitation"}

    def form_valid(self, form: Any) -> HttpResponse:
        accounts.set_password(
            self.user,
            password=form.cleaned_data["new_password1"],
            action="person.password_set",
            ip_address=client_ip(self.request),
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Welcome! Your password is set. Sign in with it.")
        return redirect(self.success_url)


class PasswordChangeView(auth_views.PasswordChangeView):
    access = CorePerm.SELF
    template_name = "people/account/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        accounts.change_password(
            self.request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
            ip_address=client_ip(self.request),
        )
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "Your password was changed.")
        return redirect("profile")


@requires(CorePerm.SELF)
@require_POST
def signature(request: HttpRequest) -> HttpResponse:
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("signature", ["Invalid signature."])))
        return redirect("profile")
    try:
        accounts.set_signature(request.user, form.cleaned_data["signature"])
        messages.success(request, "Signature saved.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("profile")


@requires(Perm.PEOPLE_MANAGE)
@require_POST
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    try:
        accounts.resend_invitation(request.user, person)
        messages.success(request, f"A new invitation is on its way to {person.email}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("person-detail", pk=person.pk)


@requires(Perm.PEOPLE_MANAGE)
@require_POST
def issue_token(request: HttpRequest, pk: int) -> HttpResponse:
    """A service account's token, shown once on the page the redirect lands on."""
    person = get_object_or_404(User, pk=pk)
    form = TokenForm(request.POST)
    if not person.has_role(Role.SERVICE):
        messages.error(request, "Tokens are issued here for service accounts only.")
    elif not form.is_valid():
        messages.error(request, "Give the token a name, e.g. the script that uses it.")
    else:
        try:
            _token, raw = tokens.create_token(
                person, name=form.cleaned_data["name"], actor=request.user
            )
            request.session["issued_token"] = {"person": person.pk, "token": raw}
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("person-detail", pk=person.pk)
