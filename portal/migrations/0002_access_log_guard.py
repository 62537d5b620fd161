"""On PostgreSQL, a trigger that refuses UPDATE and DELETE on the personal data access log.

The log is evidence of who saw whose data: rows are only ever added. SQLite has no such guard;
there only the application (no view or admin page changes a row) keeps it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION portal_personaldataaccess_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_personaldataaccess is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER portal_personaldataaccess_append_only
    BEFORE UPDATE OR DELETE ON portal_personaldataaccess
    FOR EACH ROW EXECUTE FUNCTION portal_personaldataaccess_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS portal_personaldataaccess_append_only ON portal_personaldataaccess;
DROP FUNCTION IF EXISTS portal_personaldataaccess_refuse_change();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_personal_data_access")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
