"""Database helpers for writing many rows at once, the same way on PostgreSQL and SQLite."""

import json
from collections.abc import Collection, Iterable

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# Rows per statement: a statement takes at most 65,535 parameters.
BATCH_SIZE = 2000


def bulk_insert(
    model: type[models.Model],
    field_names: list[str],
    rows: Iterable[tuple],
    *,
    returning_ids: bool = False,
) -> list[int] | None:
    """Insert many rows, in the given order: COPY on PostgreSQL, bulk_create elsewhere. With
    `returning_ids`, the new rows' primary keys in the same order (PostgreSQL hands them out
    from the table's sequence first, in one statement, so nothing is read back by a key).

    Measured on 100,000 staff (bench/import_staff.py): the ORM's work per object, not the
    database, took most of the time of bulk_create; COPY takes a fraction of it.
    """
    rows = list(rows)
    if not rows:
        return [] if returning_ids else None
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in fields]
        created = model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
        return [instance.pk for instance in created] if returning_ids else None
    as_json = [isinstance(field, models.JSONField) for field in fields]
    if any(as_json):  # COPY takes JSON as text
        rows = [
            tuple(
                json.dumps(value, ensure_ascii=False) if is_json else value
                for value, is_json in zip(row, as_json, strict=True)
            )
            for row in rows
        ]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    ids = None
    with connection.cursor() as cursor:
        if returning_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, len(rows)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            fields = [model._meta.pk, *fields]
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return ids


# Each type's statement, written out: nothing of the caller's reaches the SQL as text. The
# values travel as one JSON text, which the driver quotes in C (a Python list is adapted as
# an array value by value).
_UNNEST = {
    "bigint": "SELECT json_array_elements_text(%s::json)::bigint",
    "text": "SELECT json_array_elements_text(%s::json)",
}


def values_in(values: Collection[int | str], *, sql_type: str) -> RawSQL:
    """The right side of `field__in=` for many values, as one parameter (a JSON list) instead
    of one parameter per value: no batches of BATCH_SIZE, and no per-value work in the ORM and
    the driver, which for 100,000 codes cost more than the database's own work. `sql_type` is
    the values' type: "bigint" or "text"."""
    listed = json.dumps(list(values), ensure_ascii=False)
    if connection.vendor == "postgresql":
        return RawSQL(_UNNEST[sql_type], [listed])  # noqa: S611 (fixed statements)
    return RawSQL("SELECT value FROM json_each(%s)", [listed])


def insert_select(
    model: type[models.Model],
    fields: list[str],
    rows: QuerySet,
    *,
    replace_on: list[str] | None = None,
) -> None:
    """INSERT INTO model (fields) SELECT …: one statement whatever the number of rows.

    `rows` is a values() queryset whose columns come in the order of `fields`; the ORM
    compiles it (and adapts its parameters) for the database in use. With `replace_on`, a row
    that collides on those unique fields has its other fields overwritten (ON CONFLICT … DO
    UPDATE, which PostgreSQL and SQLite both speak).
    """
    select_sql, params = rows.order_by().query.sql_with_params()
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(model._meta.get_field(name).column)

    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(column(name) for name in fields)}) {select_sql}"
    )
    if replace_on:
        updates = ", ".join(
            f"{column(name)} = excluded.{column(name)}" for name in fields if name not in replace_on
        )
        keys = ", ".join(column(name) for name in replace_on)
        sql += f" ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def serialize_writers(name: str) -> None:
    """Hold a lock named `name` until the transaction ends, so that two writers of the same
    kind (two imports) never plan against a state the other is changing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
    # SQLite: the portal opens its transactions IMMEDIATE, which takes the write lock.
