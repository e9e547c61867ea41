"""Hot reads and writes as statements written once per process.

Building a query with the ORM (filters, compiler, SQL) costs several times what the database
spends answering a primary-key read; on a path polled twice a second per buyer that is most
of the request. A `Select` is made from the model's metadata (so a renamed column cannot
drift from it), prepares its parameters and converts its columns exactly as the ORM does
(`get_db_prep_value`, the backend's and the field's converters), and returns instances built
by `Model.from_db`, as a queryset would: fields left out are deferred, not missing.

An `Update` is the same for the writes every purchase makes several times (a transition, a
claim): `UPDATE ... SET` the named columns `WHERE` some equal values, prepared as the ORM's
`update()` prepares them (`get_db_prep_save`). `saved(instance, fields)` is
`instance.save(update_fields=fields)` through one: the same `pre_save` (`auto_now`), the same
error when no row matched, but no `pre_save`/`post_save` signals (no model written this way
has a receiver; a test checks). `inserted(instance)` is `instance.save()` of a new row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
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
        db = _this_thread()
        if self.locks and db.get_autocommit():  # Django's own check
            raise TransactionManagementError("a locking read outside a transaction locks nothing")
        if not all(_fits(bounds, value) for bounds, value in zip(self.ranges, values, strict=True)):
            return []  # no row holds it (the database driver would raise an overflow instead)
        params = [f.get_db_prep_value(v, db) for f, v in zip(self.where, values, strict=True)]
        with db.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return [self.model.from_db(db.alias, self.names, self._converted(row, db)) for row in rows]

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

    def _converted(self, row, db) -> list:
        values = list(row)
        for index, (col, functions) in enumerate(self.converters):
            for convert in functions:
                values[index] = convert(values[index], col, db)
        return values


def _this_thread():
    """This thread's connection itself: `django.db.connection` is a proxy that looks it up
    again on every attribute, and preparing a row's values reads several per column."""
    return connections[DEFAULT_DB_ALIAS]


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


@dataclass(frozen=True)
class Update:
    sql: str
    fields: tuple[Field, ...]  # the columns set, in this order
    where: tuple[Field, ...]  # compared with "= %s", then the `at_least` ones with ">= %s"
    many: Field | None = None  # compared with "IN (...)": one placeholder per value
    count: int = 0  # how many values `many` takes

    def execute(self, values, where, many=()) -> int:
        """Set (or add) `values` on the rows matching `where` (and `many`, one of `many`);
        the number of rows changed (an `update()`'s answer)."""
        if len(many) != self.count:
            raise ValueError(f"this statement compares {self.count} values, not {len(many)}")
        db = _this_thread()
        params = [f.get_db_prep_save(v, db) for f, v in zip(self.fields, values, strict=True)]
        params += [f.get_db_prep_value(v, db) for f, v in zip(self.where, where, strict=True)]
        params += [self.many.get_db_prep_value(v, db) for v in many] if self.many else []
        with db.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.rowcount


@cache
def update(
    model: type[Model], *, fields: tuple[str, ...], where: tuple[str, ...],
    null: tuple[str, ...] = (), many: str = "", count: int = 0,
    added: tuple[str, ...] = (), at_least: tuple[str, ...] = (),
) -> Update:  # fmt: skip
    """The statement setting `model`'s `fields` (names as in `update()`; those also in
    `added` are incremented by the value, as `F(name) + value`) on the rows whose `where`
    fields equal the values given, then whose `at_least` fields are at least the values
    given, whose `null` fields are NULL and, with `many`, whose `many` field is one of `count`
    values. Written once per process and arguments."""
    meta, q = model._meta, connection.ops.quote_name
    column = lambda name: q(meta.get_field(name).column)  # noqa: E731
    sets = [f"{column(n)} = {column(n) + ' + ' if n in added else ''}%s" for n in fields]
    conditions = [f"{column(n)} = %s" for n in where] + [f"{column(n)} >= %s" for n in at_least]
    conditions += [f"{column(n)} IS NULL" for n in null]
    if many:
        conditions.append(f"{column(many)} IN ({', '.join(['%s'] * count)})")
    sql = f"UPDATE {q(meta.db_table)} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}"
    return Update(
        sql, tuple(meta.get_field(n) for n in fields),
        tuple(meta.get_field(n) for n in (*where, *at_least)),
        meta.get_field(many) if many else None, count,
    )  # fmt: skip


def saved(instance: Model, fields) -> None:
    """`instance.save(update_fields=fields)` through an `Update` written once per process."""
    model = type(instance)
    statement = update(model, fields=tuple(sorted(fields)), where=(model._meta.pk.name,))
    values = [field.pre_save(instance, False) for field in statement.fields]  # auto_now
    if not statement.execute(values, [instance.pk]):
        raise DatabaseError("Save with update_fields did not affect any rows.")


@cache
def _insert(model: type[Model], rows: int = 1) -> tuple[str, tuple[Field, ...]]:
    """`INSERT` of `rows` rows, every column but the auto-incremented key, which it returns
    (where the database can: PostgreSQL, SQLite 3.35+), written once per model and count."""
    meta, q = model._meta, connection.ops.quote_name
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    columns = ", ".join(q(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}"
    if meta.auto_field and connection.features.can_return_columns_from_insert:
        sql += " " + connection.ops.return_insert_columns([meta.auto_field])[0]
    return sql, fields


#: Rows per `INSERT`: far below any backend's limit on parameters (SQLite's 32,766).
INSERT_ROWS = 100


def inserted(*instances: Model) -> None:
    """`instance.save()` of new rows of one model (`bulk_create` of several) through
    `INSERT`s written once per process: defaults, `auto_now_add` and auto-incremented ids
    filled as `save` fills them (several rows' ids need RETURNING, which orders them as the
    rows, as Django's `bulk_create` relies on)."""
    if not instances:
        return
    model, db = type(instances[0]), _this_thread()
    auto = model._meta.auto_field
    for first in range(0, len(instances), INSERT_ROWS):
        chunk = instances[first : first + INSERT_ROWS]
        sql, fields = _insert(model, len(chunk))
        returns = " RETURNING " in sql
        if auto and len(chunk) > 1 and not returns:
            raise NotImplementedError("several rows' new ids need INSERT ... RETURNING")
        params = [
            f.get_db_prep_save(f.pre_save(instance, True), db) for instance in chunk for f in fields
        ]
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            if auto:
                ids = [row[0] for row in cursor.fetchall()] if returns else [cursor.lastrowid]
                for instance, new_id in zip(chunk, ids, strict=True):
                    setattr(instance, auto.attname, new_id)
        for instance in chunk:
            instance._state.adding, instance._state.db = False, db.alias


def prefetched(instance: Model, related_name: str, objects: list[Model]) -> None:
    """Hand `instance` its related rows (read by a `Select`) the way `prefetch_related` does:
    `instance.<related_name>.all()` then answers them without a query. The same three
    assignments as Django's own prefetching (`prefetch_one_level`)."""
    manager = getattr(instance, related_name)
    queryset = manager.get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(objects), True
    cache_name = manager.field.remote_field.cache_name
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset
