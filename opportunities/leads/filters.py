"""The lead list's filters: the same for the page, the API and the CSV export."""

import django_filters

from opportunities.leads import selectors
from opportunities.leads.models import Lead


class LeadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices)
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")], method="filter_direction"
    )

    # Declared last so it runs after ``direction`` (which brings the default ordering).
    ordering = django_filters.ChoiceFilter(
        choices=[("expires_at", "expires_at"), ("-sent_at", "-sent_at")],
        method="filter_ordering",
        label="expires_at: least time left first; -sent_at: newest first (the default)",
    )

    class Meta:
        model = Lead
        fields = ["status", "direction"]

    def filter_direction(self, queryset, name, value):
        return queryset & selectors.lead_list(user=self.request.user, direction=value)

    def filter_ordering(self, queryset, name, value):
        if value == "expires_at":
            return queryset.order_by("expires_at", "id")
        return queryset.order_by("-sent_at", "-id")
