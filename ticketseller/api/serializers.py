"""What every serializer of the API shares."""

import copy

from rest_framework import serializers


def _holds_fields(field) -> bool:
    """A field that binds other fields inside it: a list's or dict's `child`, a many
    relation's `child_relation`, a nested serializer."""
    return isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )


def fields_copied(fields: dict) -> dict:
    """Fields of one's own for a new serializer instance, from fields no instance uses.

    DRF binds each field to the serializer that uses it (its name, parent, source), so every
    instance needs its own. DRF deep-copies them, and a field's deep copy builds it again from
    its arguments: an eighth of a purchase poll's CPU (docs/performance.md, "serializers"). A
    shallow copy is enough for a field that binds nothing inside it; one that does is
    deep-copied as DRF does, or its inner fields, bound to one instance, would be shared."""
    return {
        name: copy.deepcopy(field) if _holds_fields(field) else copy.copy(field)
        for name, field in fields.items()
    }


class Serializer(serializers.Serializer):
    # DRF's `Serializer`, with its declared fields copied shallowly (`fields_copied`). A
    # comment, not a docstring: the API schema would show a docstring as the description of
    # every serializer.

    def get_fields(self):
        return fields_copied(self._declared_fields)


class ModelSerializer(serializers.ModelSerializer):
    # DRF's `ModelSerializer`, with its fields built from the model once per class. DRF builds
    # them again for every serializer instance (model introspection, field after field):
    # 0.15 ms of a purchase poll's 2.6. Each instance gets its own copies (`fields_copied`);
    # two threads that build at once both store the same result. Not for a serializer whose
    # fields depend on its context (none here).

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return fields_copied(built)
