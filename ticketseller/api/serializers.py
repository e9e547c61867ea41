"""What every model serializer of the API shares."""

import copy

from rest_framework import serializers


class ModelSerializer(serializers.ModelSerializer):
    # DRF's `ModelSerializer`, with its fields built from the model once per class. DRF builds
    # them again for every serializer instance (model introspection, field after field):
    # 0.15 ms of a purchase poll's 2.6. Each instance gets its own deep copy, as DRF gives it
    # for declared fields, so bound fields are never shared; two threads that build at once
    # both store the same result. Not for a serializer whose fields depend on its context
    # (none here). A comment, not a docstring: the API schema would show a docstring as the
    # description of every model serializer.

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)
