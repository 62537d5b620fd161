"""Database helpers for writing many rows at once, the same way on PostgreSQL and SQLite."""

import json
from collections.abc import Iterable

from django.db import connection, models
from django.db.models import QuerySet


class CodeField(models.CharField):
    """A code (a staff member's, a unit's, a title's) compared byte by byte: the "C" collation
    on PostgreSQL, SQLite's own. An index over codes in a language's collation pays a locale
    comparison per key (measured: three such indexes cost 0.45 s more per 49,200 rows), and
    codes are identifiers, which sort the same either way when they are ASCII."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


# Rows per statement: a statement takes at most 65,535 parameters.
BATCH_SIZE = 2000


def bulk_insert(model: type[models.Model], field_names: list[str], rows: Iterable[tuple]) -> None:
    """Insert many rows, in the given order: COPY on PostgreSQL, bulk_create elsewhere.

    Measured on 100,000 staff (bench/import_staff.py): the ORM's work per object, not the
    database, took most of the time of bulk_create; COPY takes a fraction of it.
    """
    rows = list(rows)
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in fields]
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
        return
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
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


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
