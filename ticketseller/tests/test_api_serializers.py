"""The API's serializers copy their fields shallowly (ticketseller/api/serializers.py): each
instance still owns and binds its own fields, inner fields included, and answers and
validates exactly as DRF's deep copies do."""

import copy
import threading

from rest_framework import serializers

from accounts.apis import UserSerializer
from challenge_worker.apis import JobCreateInSerializer, JobDetailSerializer
from events.apis import EventSerializer
from events.queue_apis import QueueTicketSerializer
from payments.apis import PurchaseCreateSerializer, PurchaseSerializer, ValidationSerializer
from ticketseller.api.errors import ErrorSerializer
from ticketseller.api.serializers import Serializer
from wallet.apis import DepositInputSerializer, LedgerEntrySerializer

PLAIN = [JobCreateInSerializer, JobDetailSerializer, QueueTicketSerializer, ErrorSerializer,
         PurchaseCreateSerializer, ValidationSerializer, DepositInputSerializer]  # fmt: skip
MODEL = [PurchaseSerializer, EventSerializer, LedgerEntrySerializer, UserSerializer]
HASH = "ab" * 32


def _shape(fields) -> dict:
    return {name: (type(field), repr(field)) for name, field in fields.items()}


def test_the_copies_are_the_fields_drf_would_give():
    for cls in PLAIN:
        assert _shape(cls().fields) == _shape(copy.deepcopy(cls._declared_fields)), cls
    for cls in MODEL:
        drf_own = serializers.ModelSerializer.get_fields(cls())  # built from the model anew
        assert _shape(cls().fields) == _shape(drf_own), cls


def test_each_instance_binds_fields_of_its_own_inner_ones_included():
    first, second = JobCreateInSerializer(), JobCreateInSerializer()

    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    inner = first.fields["challenges"].child, second.fields["challenges"].child
    assert inner[0] is not inner[1]
    assert inner[0].fields["challenge_hash"] is not inner[1].fields["challenge_hash"]
    assert inner[0].root is first and inner[1].root is second


def test_a_method_field_answers_from_its_own_serializer():
    class Greeting(Serializer):
        hello = serializers.SerializerMethodField()

        def get_hello(self, value) -> str:
            return f"{self.context['greeting']}, {value['name']}"

    answers = [
        Greeting({"name": "Ana"}, context={"greeting": "Hola"}).data,
        Greeting({"name": "Bo"}, context={"greeting": "Hi"}).data,
    ]

    assert answers == [{"hello": "Hola, Ana"}, {"hello": "Hi, Bo"}]
    assert Greeting._declared_fields["hello"].parent is None  # the original is never bound


def test_instances_validating_at_once_in_threads_keep_their_own_errors():
    bad_hash = {"deposit_token": "t", "challenges": [{"challenge_id": 1, "challenge_hash": "x"}]}
    twice = {"deposit_token": "t", "challenges": [{"challenge_id": 1, "challenge_hash": HASH}] * 2}
    good = {"deposit_token": "t", "challenges": [{"challenge_id": 1, "challenge_hash": HASH}]}
    found: dict[str, list] = {"bad_hash": [], "twice": [], "good": []}
    start = threading.Barrier(3)

    def validate(kind, data):
        start.wait(timeout=10)
        for _ in range(200):
            serializer = JobCreateInSerializer(data=data)
            serializer.is_valid()
            found[kind].append(serializer.errors)

    threads = [threading.Thread(target=validate, args=item)
               for item in (("bad_hash", bad_hash), ("twice", twice), ("good", good))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    message = "Must be a SHA-256 digest: 64 lower-case hex characters."
    assert all(e == {"challenges": {0: {"challenge_hash": [message]}}} for e in found["bad_hash"])
    assert all(e == {"challenges": ["challenge_id values must be unique."]} for e in found["twice"])
    assert found["good"] == [{}] * 200
