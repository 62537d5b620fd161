"""Database helpers for writing many rows at once, the same way on PostgreSQL and SQLite."""

import json
import re
from collections.abc import Callable, Collection, Iterable

from django.db import connection, models
from django.db.models import F, QuerySet, Subquery
from django.db.models.lookups import Lookup


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
# Up to this many rows bulk_insert writes one INSERT rather than a COPY: a person's reasons
# after a record (a row or two) are written on every transition of the record's review.
FEW_ROWS = 50


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
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    if len(rows) <= FEW_ROWS:
        # COPY waits for the server twice (to start, to finish); one INSERT waits once.
        one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        values = ", ".join([one_row] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 (names quoted)
                [value for row in rows for value in row],
            )
        return
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


# COPY's text format: a NULL, and the four characters a value must escape (a backslash, the
# column separator, the line ends).
COPY_NULL = "\\N"
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_COPY_ESCAPED = re.compile(r"\\(.)")
_COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def copy_text(text: str) -> str:
    """`text` as a value of COPY's text format."""
    for character, escaped in _COPY_ESCAPES.items():
        text = text.replace(character, escaped)
    return text


def copy_texts_writer(texts: Iterable[str]) -> Callable[[str], str]:
    """The function that writes texts like `texts` for COPY's text format: copy_text, or as
    they are when none of them holds a character to escape (one pass over all of them; codes
    never do)."""
    joined = "".join(texts)
    if any(character in joined for character in _COPY_ESCAPES):
        return copy_text
    return str


def insert_lines(model: type[models.Model], field_names: list[str], lines: list[str]) -> None:
    """Insert rows given as lines of COPY's text format, each ending in a newline (values
    separated by tabs, COPY_NULL for a NULL, texts through copy_text, booleans as t and f):
    one COPY of the lines as they are on PostgreSQL. A caller formats each row from parts it
    shares with many others, which costs a fraction of a driver's formatting value by value.

    A few lines (FEW_ROWS) on PostgreSQL, and any number elsewhere, are read back into values
    and written by bulk_insert."""
    if not lines:
        return
    if connection.vendor == "postgresql" and len(lines) > FEW_ROWS:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            copy.write("".join(lines))
        return
    fields = [model._meta.get_field(name) for name in field_names]
    bulk_insert(
        model,
        field_names,
        [
            tuple(
                _from_copy_text(value, field)
                for value, field in zip(line.rstrip("\n").split("\t"), fields, strict=True)
            )
            for line in lines
        ],
    )


def _from_copy_text(value: str, field: models.Field):
    if value == COPY_NULL:
        return None
    value = _COPY_ESCAPED.sub(lambda match: _COPY_UNESCAPES.get(match[1], match[1]), value)
    if isinstance(field, models.JSONField):
        return json.loads(value)
    return field.to_python(value)


class AmongValues(Lookup):
    """The left side is one of many values, given as one parameter instead of one per value:
    `= ANY(array)` on PostgreSQL, `IN` a JSON list on SQLite. No batches of BATCH_SIZE, and no
    per-value work in the ORM and the driver, which for 100,000 codes cost more than the
    database's own work; PostgreSQL finds them in one sorted pass over the index (an `IN`
    subquery of as many rows was looked up one by one, three to seven times slower)."""

    lookup_name = "among_values"
    prepare_rhs = False

    def __init__(self, lhs, values: Collection[int | str], *, sql_type: str):
        if sql_type not in _ARRAY_TYPES:
            raise ValueError(f"AmongValues: unknown type {sql_type!r}")
        self.sql_type = sql_type
        super().__init__(lhs, tuple(values))

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s{_ARRAY_TYPES[self.sql_type]})", [
                *params,
                _array_literal(self.rhs, self.sql_type),
            ]
        # lhs is the column as the compiler quoted it; the values are a parameter.
        among = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return among, [*params, json.dumps(self.rhs)]


# Each type's cast, written out: nothing of the caller's reaches the SQL as text.
_ARRAY_TYPES = {"bigint": "::bigint[]", "text": "::text[]"}


def _array_literal(values: Collection[int | str], sql_type: str) -> str:
    """The values as one PostgreSQL array literal, built in one join (the driver adapts a
    Python list value by value)."""
    if sql_type == "bigint":
        return "{" + ",".join(str(int(value)) for value in values) + "}"
    # Each text quoted, its backslashes and quotes escaped: commas, braces and spaces stay text.
    # Escaped in one pass over all of them, joined by a NUL (which no PostgreSQL text holds, so
    # a value with one matches nothing and is left out).
    texts = list(values)
    joined = "\x00".join(texts)
    if joined.count("\x00") >= len(texts):  # a value holds a NUL
        texts = [value for value in texts if "\x00" not in value]
        joined = "\x00".join(texts)
    if not texts:
        return "{}"
    joined = joined.replace("\\", "\\\\").replace('"', '\\"')
    return '{"' + joined.replace("\x00", '","') + '"}'


def values_in(field: str, values: Collection[int | str], *, sql_type: str) -> AmongValues:
    """A filter: `field` (a name, as in filter()) is one of `values`; see AmongValues."""
    return AmongValues(F(field), values, sql_type=sql_type)


class AmongRows(Lookup):
    """The left side is one of the rows of a one-column subquery, read once before the rest:
    `= ANY(ARRAY(subquery))` on PostgreSQL, `IN (subquery)` on SQLite.

    To PostgreSQL an `IN` is a join it may run either way round, and with an ORDER BY and a
    LIMIT that an index holds it can walk that index over the whole table, looking each row
    up in the subquery, until the page is full: a read of most of the table when the
    subquery's rows are a small share of it. It does not see into an array, and takes it for a
    handful of values: it reads the subquery's rows first, then each of them by its key, and
    sorts them. For a list, not for checking one row (the whole subquery is read first).
    """

    lookup_name = "among_rows"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(Subquery(self.rhs))
        operator = "= ANY(ARRAY{})" if connection.vendor == "postgresql" else "IN {}"
        return f"{lhs} {operator.format(rhs)}", [*lhs_params, *rhs_params]


def rows_in(field: str, rows: QuerySet) -> AmongRows:
    """A filter: `field` (a name, as in filter()) is one of `rows`, a values() queryset of one
    column; see AmongRows."""
    return AmongRows(F(field), rows.order_by())


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
