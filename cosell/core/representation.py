"""Serializers' ``to_representation`` without DRF's per-field attribute walk for plain columns.

DRF reads each field of each row through ``Field.get_attribute`` (a generic walk of the source
path: mapping or attribute, callables called, defaults on errors) and ``_readable_fields`` (a
generator over the fields). For a field whose source is one concrete, non-relational column of
the serializer's model the walk reduces to ``getattr``: the plan below is made once per
serializer instance (once per list with ``many=True``) and every other field goes through DRF's
own path. The output is the same dict, in the same order.
"""

from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.serializers import BaseSerializer, SerializerMethodField


class DirectColumnsMixin:
    """For ``ModelSerializer`` subclasses; see the module docstring."""

    def _representation_plan(self) -> list:
        plan = getattr(self, "_plan", None)
        if plan is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            columns = set()
            if model is not None:
                columns = {
                    f.attname
                    for f in model._meta.concrete_fields
                    if not f.is_relation or f.attname != f.name
                }
                columns |= {f.name for f in model._meta.concrete_fields if not f.is_relation}
            plan = []
            for field in self._readable_fields:
                source = field.source_attrs
                direct = (
                    len(source) == 1
                    and source[0] in columns
                    and not isinstance(field, BaseSerializer | SerializerMethodField)
                )
                plan.append((field, field.field_name, source[0] if direct else None))
            self._plan = plan
        return plan

    def to_representation(self, instance):
        ret = {}
        for field, name, column in self._representation_plan():
            if column is not None:
                attribute = getattr(instance, column)
            else:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret
