"""Hot reads as SELECTs written once per process and read back into model instances.

Building a query with the ORM (filters, compiler, SQL) costs several times what the database
spends answering a primary-key read; on a path polled twice a second per buyer that is most
of the request. A `Select` is made from the model's metadata (so a renamed column cannot
drift from it), prepares its parameters and converts its columns exactly as the ORM does
(`get_db_prep_value`, the backend's and the field's converters), and returns instances built
by `Model.from_db`, as a queryset would: fields left out are deferred, not missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Field, Model
from django.db.transaction import TransactionManagementError


@dataclass(frozen=True)
class Select:
    model: type[Model]
    sql: str
    where: tuple[Field, ...]  # each compared with "= %s", in this order
    names: tuple[str, ...]  # the attribute of each column read, in the model's order
    converters: tuple  # per column: (its Col, the functions that turn the raw value into Python)
    locks: bool = False  # SELECT ... FOR UPDATE: only inside a transaction
    ranges: tuple = ()  # per `where` field: (lowest, highest) an integer column holds, or None

    def instances(self, *values) -> list[Model]:
        """The rows whose `where` fields equal `values` (Python values, as a filter takes)."""
        if self.locks and connection.get_autocommit():  # Django's own check
            raise TransactionManagementError("a locking read outside a transaction locks nothing")
        if not all(_fits(bounds, value) for bounds, value in zip(self.ranges, values, strict=True)):
            return []  # no row holds it (the database driver would raise an overflow instead)
        params = [
            field.get_db_prep_value(value, connection)
            for field, value in zip(self.where, values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return [
            self.model.from_db(connection.alias, self.names, self._converted(row)) for row in rows
        ]

    def first(self, *values) -> Model | None:
        """The first row, or None (as `QuerySet.first()` on this statement's order)."""
        found = self.instances(*values)
        return found[0] if found else None

    def get(self, *values) -> Model:
        """The first row; the model's DoesNotExist when there is none."""
        found = self.instances(*values)
        if not found:
            raise self.model.DoesNotExist(f"no {self.model.__name__} with {values}")
        return found[0]

    def _converted(self, row) -> list:
        values = list(row)
        for index, (col, functions) in enumerate(self.converters):
            for convert in functions:
                values[index] = convert(values[index], col, connection)
        return values


def _fits(bounds, value) -> bool:
    """False for an integer the column cannot hold: Django's lookups answer such a filter with
    no rows (`IntegerFieldOverflow`), and so does a `Select` (an id from a URL or a body)."""
    if bounds is None or not isinstance(value, int):
        return True
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


def _integer_range(field: Field) -> tuple | None:
    kind = (field.target_field if field.is_relation else field).get_internal_type()
    if kind not in connection.ops.integer_field_ranges:  # not an integer column
        return None
    return connection.ops.integer_field_range(kind)


@cache
def select(
    model: type[Model], *, where: tuple[str, ...], leave_out: tuple[str, ...] = (),
    only: tuple[str, ...] = (), order_by: tuple[str, ...] = (), lock: bool = False,
) -> Select:  # fmt: skip
    """The statement reading `model`'s rows by the fields named in `where` (names as in a
    filter: "user", "purchase"): every concrete field but `leave_out`, or only the primary
    key and `only`, sorted by `order_by` ("-name" descending); `lock` locks the rows read
    until the transaction ends, as `select_for_update()` (on databases that lock rows; SQLite
    serialises writers instead, as Django there). Written once per process and set of
    arguments."""
    meta, q = model._meta, connection.ops.quote_name
    fields = tuple(
        f
        for f in meta.concrete_fields
        if f.name not in leave_out and (not only or f.primary_key or f.name in only)
    )
    compared = tuple(meta.get_field(name) for name in where)
    table = q(meta.db_table)
    sql = f"SELECT {', '.join(f'{table}.{q(f.column)}' for f in fields)} FROM {table}"
    if compared:
        sql += " WHERE " + " AND ".join(f"{table}.{q(f.column)} = %s" for f in compared)
    if order_by:
        sql += " ORDER BY " + ", ".join(
            f"{table}.{q(meta.get_field(name.lstrip('-')).column)}"
            + (" DESC" if name.startswith("-") else " ASC")
            for name in order_by
        )
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    columns = [f.get_col(meta.db_table) for f in fields]
    # Built once, with the converters of the building thread's connection, and then used by
    # every thread: they depend on the backend and the settings (time zone), not on a socket.
    converters = tuple(
        (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        for col in columns
    )
    return Select(
        model, sql, compared, tuple(f.attname for f in fields), converters, lock,
        tuple(_integer_range(f) for f in compared),
    )  # fmt: skip


def prefetched(instance: Model, related_name: str, objects: list[Model]) -> None:
    """Hand `instance` its related rows (read by a `Select`) the way `prefetch_related` does:
    `instance.<related_name>.all()` then answers them without a query. The same three
    assignments as Django's own prefetching (`prefetch_one_level`)."""
    manager = getattr(instance, related_name)
    queryset = manager.get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(objects), True
    cache_name = manager.field.remote_field.cache_name
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset
