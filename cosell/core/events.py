"""Kernel events: how a change low down starts work higher up without importing it.

Senders fire these after commit; receivers (in higher apps) queue their own work.
"""

from django.dispatch import Signal

# A partner's figures that co-sell status depends on changed. Sent with ``partner_id``.
partner_figures_changed = Signal()
