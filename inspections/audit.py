"""The append-only audit trail of violation records, chained with SHA-256.

Each entry's hash covers its own content and the previous entry's hash, so editing or
deleting any entry breaks every later link; `manage.py verify_audit` recomputes the chain.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import bulk_insert
from inspections.models import AuditChainHead, AuditEntry, ViolationRecord

GENESIS_HASH = "0" * 64

# What is wrong with the first broken entry (verify_audit and restore print it).
NOT_FOLLOWING = _("it does not follow the entry before it (one was removed or changed)")
CONTENT_CHANGED = _("its content does not match its hash (it was changed)")
LAST_REMOVED = _("the last entries were removed")


def json_value(value):
    """A field value as JSON: objects by primary key, dates and times in ISO 8601 (UTC)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def entry_hash(entry: AuditEntry) -> str:
    content = {
        "record": entry.record_id,
        "actor": entry.actor_id,
        "at": entry.at.astimezone(datetime.UTC).isoformat(),
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "reason": entry.reason,
        "changes": entry.changes,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(
    *,
    record: ViolationRecord,
    actor,
    action: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    changes: dict | None = None,
) -> AuditEntry:
    """Append an entry; call inside the caller's transaction (the chain head is locked)."""
    head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    head = AuditChainHead.objects.select_for_update().get(pk=head.pk)
    entry = AuditEntry(
        record=record,
        actor=actor,
        # Microseconds dropped: every database returns the same instant it was given.
        at=timezone.now().replace(microsecond=0),
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changes={
            name: [json_value(old), json_value(new)] for name, (old, new) in (changes or {}).items()
        },
        previous_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    entry.save()
    head.last_hash = entry.hash
    head.last_entry_id = entry.pk
    head.save(update_fields=["last_hash", "last_entry_id"])
    return entry


def append_many(entries: list[AuditEntry]) -> None:
    """Append unsaved entries in their order, with one lock of the chain head and bulk inserts.

    For imports: thousands of entries cost a few statements, not four each. Call inside the
    caller's transaction. `changes` must already be JSON (see json_value).
    """
    if not entries:
        return
    head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
    head = AuditChainHead.objects.select_for_update().get(pk=head.pk)
    at = timezone.now().replace(microsecond=0)
    previous = head.last_hash
    for entry in entries:
        entry.at = at
        entry.previous_hash = previous
        entry.hash = previous = entry_hash(entry)
    _insert_in_order(entries)
    head.last_hash = previous
    head.last_entry_id = AuditEntry.objects.get(hash=previous).pk
    head.save(update_fields=["last_hash", "last_entry_id"])


_ENTRY_FIELDS = (
    "record",
    "actor",
    "at",
    "action",
    "from_status",
    "to_status",
    "reason",
    "changes",
    "previous_hash",
    "hash",
)


def _insert_in_order(entries: list[AuditEntry]) -> None:
    """Insert in the given order, so that ids ascend along the chain as verify_chain reads it."""
    bulk_insert(
        AuditEntry,
        list(_ENTRY_FIELDS),
        [
            tuple(
                getattr(entry, AuditEntry._meta.get_field(name).attname) for name in _ENTRY_FIELDS
            )
            for entry in entries
        ],
    )


@dataclass(frozen=True)
class Break:
    entry_id: int | None
    problem: str  # one of the constants above, translated when shown


def verify_chain() -> tuple[int, Break | None]:
    """Check every entry in order; return how many were checked and the first break, if any."""
    previous = GENESIS_HASH
    checked = 0
    last_id = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return checked, Break(entry.pk, NOT_FOLLOWING)
        if entry_hash(entry) != entry.hash:
            return checked, Break(entry.pk, CONTENT_CHANGED)
        previous = entry.hash
        last_id = entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous or head.last_entry_id != last_id):
        return checked, Break(head.last_entry_id, LAST_REMOVED)
    return checked, None
