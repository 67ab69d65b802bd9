"""Contacts: one customer across channels, with their addresses and phone numbers.

The tables were the desk's and keep their names (``desk_contact``…): the models moved
into this app by state-only migrations, so an existing database keeps every row.
"""

from __future__ import annotations

from django.db import models


class Contact(models.Model):
    """One customer across channels: several addresses and phone numbers."""

    name = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_contacts"
    )

    class Meta:
        db_table = "desk_contact"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or f"Contact {self.pk}"


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.CharField(max_length=254, unique=True, help_text="Stored lower-case.")
    is_primary = models.BooleanField(default=False)

    class Meta:
        db_table = "desk_contactemail"

    def __str__(self) -> str:
        return self.address


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=32, unique=True, help_text="Digits with leading +.")

    class Meta:
        db_table = "desk_contactphone"

    def __str__(self) -> str:
        return self.number
