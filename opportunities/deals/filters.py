"""The pipeline's filters: the same for the page, the API and the CSV export."""

import django_filters
from django.db.models import Q

from opportunities.deals.choices import Category, Stage
from opportunities.deals.models import Opportunity


class OpportunityFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    close_date = django_filters.DateFromToRangeFilter()
    search = django_filters.CharFilter(method="filter_search", label="name or customer")

    class Meta:
        model = Opportunity
        fields = ["category", "status", "stage", "close_date"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(customer_name__icontains=value))
