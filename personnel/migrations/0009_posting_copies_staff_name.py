"""A posting carries its person's name and code, kept in step by triggers in the database, so
that one index lists a unit's people by name.

Triggers, not the application, because every writer must keep the copy: the staff import's
COPY and bulk updates, the admin and forms, transfers, the demo, a restored backup (whose
dump holds the copies as they were). A person's new name or code is written onto their
postings; a written posting's copy is checked against its person and rewritten where it
differs, whatever the writer put in it. On PostgreSQL once a statement, over its transition
tables (the renames of a batch of the staff import are one UPDATE … FROM, its 100,000 new
postings one check); on SQLite, once a row.
"""

from django.db import migrations, models

POSTGRESQL_CREATE = """
CREATE FUNCTION personnel_posting_copy_staff() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- First whether any written copy is wrong, a look-up of each person by id: a writer of
    -- many postings (the staff import) gives the copies, and nothing is written again. The
    -- update below fires this once more over the rows it wrote, which are right.
    IF NOT EXISTS (
        SELECT FROM written_postings AS written
         WHERE ROW(written.staff_full_name, written.staff_code) IS DISTINCT FROM (
               SELECT ROW(staff.full_name, staff.code)
                 FROM personnel_staff AS staff
                WHERE staff.id = written.staff_id)
    ) THEN
        RETURN NULL;
    END IF;
    -- A posting without its person (written before it, the foreign key being checked at
    -- commit) gets NULL and is refused: the person comes first.
    UPDATE personnel_posting AS posting
       SET staff_full_name = staff.full_name, staff_code = staff.code
      FROM written_postings AS written
      LEFT JOIN personnel_staff AS staff ON staff.id = written.staff_id
     WHERE posting.id = written.id
       AND (written.staff_full_name, written.staff_code)
           IS DISTINCT FROM (staff.full_name, staff.code);
    RETURN NULL;
END
$$;

CREATE TRIGGER personnel_posting_copy_staff_on_insert
    AFTER INSERT ON personnel_posting REFERENCING NEW TABLE AS written_postings
    FOR EACH STATEMENT EXECUTE FUNCTION personnel_posting_copy_staff();

CREATE TRIGGER personnel_posting_copy_staff_on_update
    AFTER UPDATE ON personnel_posting REFERENCING NEW TABLE AS written_postings
    FOR EACH STATEMENT EXECUTE FUNCTION personnel_posting_copy_staff();

CREATE FUNCTION personnel_staff_copy_to_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates of people (a new position, the import's batches) keep every name and code.
    IF NOT EXISTS (
        SELECT FROM new_staff JOIN old_staff ON old_staff.id = new_staff.id
         WHERE (new_staff.full_name, new_staff.code)
               IS DISTINCT FROM (old_staff.full_name, old_staff.code)
    ) THEN
        RETURN NULL;
    END IF;
    UPDATE personnel_posting AS posting
       SET staff_full_name = new_staff.full_name, staff_code = new_staff.code
      FROM new_staff
     WHERE posting.staff_id = new_staff.id
       AND (posting.staff_full_name, posting.staff_code)
           IS DISTINCT FROM (new_staff.full_name, new_staff.code);
    RETURN NULL;
END
$$;

CREATE TRIGGER personnel_staff_copy_to_postings
    AFTER UPDATE ON personnel_staff REFERENCING OLD TABLE AS old_staff NEW TABLE AS new_staff
    FOR EACH STATEMENT EXECUTE FUNCTION personnel_staff_copy_to_postings();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS personnel_staff_copy_to_postings ON personnel_staff;
DROP FUNCTION IF EXISTS personnel_staff_copy_to_postings();
DROP TRIGGER IF EXISTS personnel_posting_copy_staff_on_update ON personnel_posting;
DROP TRIGGER IF EXISTS personnel_posting_copy_staff_on_insert ON personnel_posting;
DROP FUNCTION IF EXISTS personnel_posting_copy_staff();
"""

POSTGRESQL_BACKFILL = """
UPDATE personnel_posting AS posting
   SET staff_full_name = staff.full_name, staff_code = staff.code
  FROM personnel_staff AS staff
 WHERE staff.id = posting.staff_id
"""

# A posting without its person (written before it, the foreign key being checked at commit)
# gets NULL and is refused: the person comes first.
SQLITE_COPY_ONTO_POSTING = """
UPDATE personnel_posting
   SET staff_full_name = (SELECT full_name FROM personnel_staff WHERE id = NEW.staff_id),
       staff_code = (SELECT code FROM personnel_staff WHERE id = NEW.staff_id)
 WHERE id = NEW.id;
"""

# SQLite does not fire a trigger again from inside itself (recursive_triggers is off): a
# posting's copy written here is not checked once more.
SQLITE_CREATE = [
    f"""CREATE TRIGGER personnel_posting_copy_staff_on_insert
        AFTER INSERT ON personnel_posting
        BEGIN {SQLITE_COPY_ONTO_POSTING} END""",
    f"""CREATE TRIGGER personnel_posting_copy_staff_on_update
        AFTER UPDATE OF staff_id, staff_full_name, staff_code ON personnel_posting
        BEGIN {SQLITE_COPY_ONTO_POSTING} END""",
    """CREATE TRIGGER personnel_staff_copy_to_postings
        AFTER UPDATE OF full_name, code ON personnel_staff
        WHEN NEW.full_name IS NOT OLD.full_name OR NEW.code IS NOT OLD.code
        BEGIN
            UPDATE personnel_posting SET staff_full_name = NEW.full_name, staff_code = NEW.code
             WHERE staff_id = NEW.id;
        END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS personnel_staff_copy_to_postings",
    "DROP TRIGGER IF EXISTS personnel_posting_copy_staff_on_update",
    "DROP TRIGGER IF EXISTS personnel_posting_copy_staff_on_insert",
]

SQLITE_BACKFILL = """
UPDATE personnel_posting
   SET staff_full_name = (SELECT full_name FROM personnel_staff WHERE id = staff_id),
       staff_code = (SELECT code FROM personnel_staff WHERE id = staff_id)
"""


def copy_staff_onto_postings(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = [POSTGRESQL_BACKFILL, POSTGRESQL_CREATE]
    else:
        statements = [SQLITE_BACKFILL, *SQLITE_CREATE]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def stop_copying(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = [POSTGRESQL_DROP]
    else:
        statements = SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("personnel", "0008_posting_index_unit_then_staff"),
    ]

    operations = [
        migrations.AddField(
            model_name="posting",
            name="staff_code",
            field=models.CharField(db_default="", editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="posting",
            name="staff_full_name",
            field=models.CharField(db_default="", editable=False, max_length=255),
        ),
        migrations.RunPython(copy_staff_onto_postings, stop_copying),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(
                fields=["unit", "staff_full_name", "staff_code", "staff", "starts_on", "ends_on"],
                name="posting_unit_name_dates",
            ),
        ),
    ]
