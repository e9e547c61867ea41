"""Statements written once per process read exactly what the ORM reads, and the serializers
that build their fields once answer exactly what DRF's answer."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.apis import EventSerializer
from payments.apis import PurchaseSerializer
from payments.models import Purchase, PurchaseEvent, PurchaseStatus
from ticketseller.statements import prefetched, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def purchase(user, make_event):
    """A purchase with every kind of column filled: UUIDs, dates, big integers, nulls, JSON."""
    now = timezone.now()
    purchase = Purchase.objects.create(
        user=user, event=make_event(), quantity=2, unit_price=25_000, amount=50_000,
        status=PurchaseStatus.SOLVING, deposit_token=uuid.uuid4(), master_job_id=uuid.uuid4(),
        challenges=[{"challenge_id": 1, "challenge_hash": "a" * 64}], solutions=[{"secret": 7}],
        max_secret=500_000, challenges_total=5, challenges_solved=2, deadline=now,
        payment_requested_at=now - dt.timedelta(seconds=1), idempotency_key=None,
    )  # fmt: skip
    for status in (PurchaseStatus.RESERVED, PurchaseStatus.SOLVING):
        PurchaseEvent.objects.create(purchase=purchase, to_status=status)
    return purchase


def _every_column(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_select_reads_every_column_as_the_orm_does(purchase):
    statement = select(Purchase, where=("id", "user"))

    (read,) = statement.instances(purchase.pk, purchase.user_id)
    orm = Purchase.objects.get(pk=purchase.pk)

    assert _every_column(read) == _every_column(orm)
    assert {k: type(v) for k, v in _every_column(read).items()} == {
        k: type(v) for k, v in _every_column(orm).items()
    }
    assert not read._state.adding and read._state.db == "default"


def test_fields_left_out_are_deferred_and_load_on_first_use(purchase):
    statement = select(Purchase, where=("id", "user"), leave_out=("challenges", "solutions"))

    (read,) = statement.instances(purchase.pk, purchase.user_id)

    assert read.get_deferred_fields() == {"challenges", "solutions"}
    assert read.solutions == [{"secret": 7}]  # one query, as a deferred field does


def test_a_select_finds_nothing_for_another_user_or_an_unknown_id(purchase, make_user):
    statement = select(Purchase, where=("id", "user"))

    assert statement.instances(purchase.pk, make_user().pk) == []
    assert statement.instances(uuid.uuid4(), purchase.user_id) == []


def test_first_and_get_read_one_row_as_the_queryset_does(purchase):
    statement = select(Purchase, where=("id",))

    assert statement.first(purchase.pk) == purchase == statement.get(purchase.pk)
    assert statement.first(uuid.uuid4()) is None
    with pytest.raises(Purchase.DoesNotExist):
        statement.get(uuid.uuid4())


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_an_integer_no_column_can_hold_finds_nothing_as_the_orm_does(purchase, value):
    from events.models import Event

    assert list(Event.objects.filter(pk=value)) == []
    assert select(Event, where=("id",)).instances(value) == []
    assert select(Purchase, where=("id", "user")).instances(purchase.pk, value) == []


def test_a_select_sorts_as_asked(purchase):
    newest_first = select(PurchaseEvent, where=("purchase",), order_by=("-created_at", "-id"))
    oldest_first = select(PurchaseEvent, where=("purchase",), order_by=("created_at", "id"))

    statuses = [e.to_status for e in oldest_first.instances(purchase.pk)]

    assert statuses == ["reserved", "solving"]
    assert [e.to_status for e in newest_first.instances(purchase.pk)] == statuses[::-1]


def test_prefetched_rows_answer_the_managers_all_without_a_query(purchase):
    rows = select(PurchaseEvent, where=("purchase",)).instances(purchase.pk)
    fresh = Purchase.objects.get(pk=purchase.pk)

    prefetched(fresh, "history", rows)
    with CaptureQueriesContext(connection) as queries:
        listed = [e.pk for e in fresh.history.all()]

    assert sorted(listed) == sorted(e.pk for e in rows) and len(listed) == 2
    assert len(queries) == 0


def test_a_serializer_that_builds_its_fields_once_answers_as_drf_does(purchase):
    from rest_framework import serializers

    class Rebuilt(serializers.ModelSerializer):  # DRF's own: fields built per instance
        class Meta:
            model = EventSerializer.Meta.model
            fields = EventSerializer.Meta.fields
            read_only_fields = EventSerializer.Meta.read_only_fields

    answers = [EventSerializer(purchase.event).data for _ in range(2)]

    assert answers[0] == answers[1] == Rebuilt(purchase.event).data


def test_serializer_instances_never_share_their_fields(purchase):
    first = PurchaseSerializer(purchase, context={"request": None})
    second = PurchaseSerializer(purchase, context={"request": None})

    assert first.fields["status"] is not second.fields["status"]
    assert first.fields["status"].parent is first and second.fields["status"].parent is second


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_needs_a_transaction(purchase):
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    locking = select(Purchase, where=("id",), lock=True)

    with pytest.raises(TransactionManagementError):
        locking.instances(purchase.pk)  # outside a transaction it would lock nothing
    with transaction.atomic():
        (read,) = locking.instances(purchase.pk)
    assert read.pk == purchase.pk
    assert locking.sql.endswith("FOR UPDATE") == connection.features.has_select_for_update


# --- Writes ------------------------------------------------------------------------------------


def test_saved_writes_what_save_with_update_fields_writes(purchase):
    from ticketseller.statements import saved

    by_orm = Purchase.objects.get(pk=purchase.pk)
    by_statement = Purchase.objects.get(pk=purchase.pk)
    before = by_orm.updated_at
    changes = {"status": PurchaseStatus.SUBMITTED, "solutions": [{"secret": 9}], "attempts": 3}
    for instance in (by_orm, by_statement):
        for name, value in changes.items():
            setattr(instance, name, value)

    by_orm.save(update_fields=[*changes, "updated_at"])
    orm_row = _every_column(Purchase.objects.get(pk=purchase.pk))
    saved(by_statement, [*changes, "updated_at"])
    statement_row = _every_column(Purchase.objects.get(pk=purchase.pk))

    assert by_statement.updated_at > before  # auto_now, as save() sets it
    assert statement_row == orm_row | {"updated_at": by_statement.updated_at}


def test_saved_fails_as_save_does_when_the_row_is_gone(purchase):
    from django.db import DatabaseError

    from ticketseller.statements import saved

    Purchase.objects.filter(pk=purchase.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        saved(purchase, ["status"])


def test_an_update_changes_only_the_rows_its_conditions_match(purchase, make_event, user):
    from ticketseller.statements import update

    fields = {"user": user, "quantity": 1, "unit_price": 1, "amount": 1, "deadline": timezone.now()}
    others = [Purchase.objects.create(event=make_event(), **fields) for _ in range(3)]
    rows = [purchase, *others]
    set_error = update(Purchase, fields=("last_error",), where=("user",), null=("master_job_id",),
                       many="id", count=3)  # fmt: skip

    changed = set_error.execute(["x"], [user.pk], [rows[0].pk, rows[1].pk, rows[2].pk])

    # rows[0] has a master job (not NULL), rows[3] is not among the ids
    assert changed == 2
    assert [Purchase.objects.get(pk=p.pk).last_error for p in rows] == ["", "x", "x", ""]
    with pytest.raises(ValueError):
        set_error.execute(["y"], [user.pk], [rows[0].pk])


def test_inserted_writes_the_row_create_writes(purchase):
    from ticketseller.statements import inserted

    fields = {"purchase": purchase, "from_status": "solving", "to_status": "submitted"}
    by_orm = PurchaseEvent.objects.create(**fields)
    step = PurchaseEvent(**fields)
    inserted(step)
    read = PurchaseEvent.objects.get(pk=step.pk)

    assert step.pk > by_orm.pk and not step._state.adding  # its new id, read back
    assert read.created_at >= by_orm.created_at  # auto_now_add
    same = ("purchase_id", "from_status", "to_status", "reason")
    assert [getattr(read, n) for n in same] == [getattr(by_orm, n) for n in same]


def test_rows_inserted_together_get_their_own_ids_in_order(purchase, monkeypatch):
    from ticketseller import statements

    monkeypatch.setattr(statements, "INSERT_ROWS", 2)  # three statements: 2 + 2 + 1 rows
    reasons = [f"step {n}" for n in range(5)]
    steps = [PurchaseEvent(purchase=purchase, to_status="solving", reason=r) for r in reasons]

    statements.inserted(*steps)
    statements.inserted()  # nothing to write, as bulk_create([])

    assert [PurchaseEvent.objects.get(pk=s.pk).reason for s in steps] == reasons
    assert len({s.pk for s in steps}) == 5


def test_an_inserted_instance_with_its_own_key_reads_back_as_saved(user, make_event):
    from ticketseller.statements import inserted

    purchase = Purchase(user=user, event=make_event(), quantity=1, unit_price=5, amount=5,
                        deadline=timezone.now(), challenges=[{"challenge_id": 1}])  # fmt: skip
    inserted(purchase)

    assert _every_column(Purchase.objects.get(pk=purchase.pk)) == _every_column(purchase)


def test_no_model_written_by_statements_has_save_signals():
    """`saved` and `inserted` send no pre_save/post_save: a receiver would be skipped."""
    from django.db.models.signals import post_save, pre_save

    from challenge_worker.models import ChallengeTask, MasterJob
    from wallet.models import LedgerEntry, Wallet

    for model in (Purchase, PurchaseEvent, MasterJob, ChallengeTask, Wallet, LedgerEntry):
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model


def test_an_update_adds_to_a_column_only_while_it_holds_enough(make_event):
    from events.models import Event
    from ticketseller.statements import update

    event = make_event(capacity=3, available=3)
    take = update(Event, fields=("available",), where=("id",), added=("available",),
                  at_least=("available",))  # fmt: skip

    assert take.execute([-2], [event.pk, 2]) == 1
    assert take.execute([-2], [event.pk, 2]) == 0  # 1 left: never below what was asked
    assert Event.objects.get(pk=event.pk).available == 1
