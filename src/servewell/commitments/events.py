"""The events commitments publish, in their own module so that the clocks (``sla``) and
the rules that act on them (``escalation``) both name them without importing each other:
``sla`` runs the sweep and calls ``escalation``; ``escalation`` never imports ``sla``."""

from __future__ import annotations

from servewell.core import events

SLA_WARNING = events.declare("sla.warning", "A conversation used most of an SLA target.")
SLA_BREACHED = events.declare("sla.breached", "A conversation missed an SLA target.")
SLA_MET = events.declare("sla.met", "An SLA target was met (or met late).")
SLA_ESCALATED = events.declare("sla.escalated", "An SLA escalation rule called a webhook.")
