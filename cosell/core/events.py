"""Kernel events: how a change low down starts work higher up without importing it.

Senders fire these inside the transaction of the change; receivers (in higher apps) record
their own follow-up work with ``cosell.core.effects.queue``, so it commits with the change.
"""

from django.dispatch import Signal

# A partner's figures that co-sell status depends on changed. Sent with ``partner_id``.
partner_figures_changed = Signal()
