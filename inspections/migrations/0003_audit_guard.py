"""On PostgreSQL, a trigger that refuses UPDATE and DELETE on the audit trail.

SQLite has no such guard; there the hash chain (manage.py verify_audit) detects tampering.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION inspections_auditentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inspections_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inspections_auditentry_append_only
    BEFORE UPDATE OR DELETE ON inspections_auditentry
    FOR EACH ROW EXECUTE FUNCTION inspections_auditentry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS inspections_auditentry_append_only ON inspections_auditentry;
DROP FUNCTION IF EXISTS inspections_auditentry_refuse_change();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0002_workflow_audit_rounds_evidence")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
