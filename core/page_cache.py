"""What pages keep in the cache every worker shares (Redis, CACHE_URL), and when it is stale.

A page keeps what it reads under a key, together with the versions of the data it read it
from (`kept`). A writer calls `changed(name)` for what it wrote: after its commit each of those
versions gets a new random token, and every entry kept under the old one is read afresh. An
entry carries the versions it was read under, read before its data: whoever reads old rows
keeps them under the old version only, which the commit's new token never matches.

The versions:
- "people": staff, their postings, units and users with their roles (personnel);
- "visits": inspection visits and their rounds;
- "titles": the emulation titles;
- "period:ID": a period's nominations, verdicts, reasons, counts and history;
- "all", read with every entry: after a restore, a migration, or rows written from outside.

With a per-process cache (locmemcache://, the default) nothing is kept: a worker's change
would not reach the others' copies.
"""

import logging
import secrets
from collections.abc import Callable, Iterable

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

# What a version's missed bump (the cache unreachable at a commit) can leave stale, at most.
KEPT_SECONDS = 300
VERSION_KEY = "version:%s"
EVERYTHING = "all"


def is_shared() -> bool:
    return not isinstance(caches["default"], LocMemCache)


def period_version(period_id: int) -> str:
    return f"period:{period_id}"


def _token() -> str:
    return secrets.token_hex(8)


def _bump(names: tuple[str, ...]) -> None:
    cache.set_many({VERSION_KEY % name: _token() for name in names}, timeout=None)


def changed(*names: str) -> None:
    """What is kept under these versions is read afresh once the current transaction commits
    (at once outside one): a worker reading in between still reads the old rows, and keeps
    them under the old version."""
    if names and is_shared():
        transaction.on_commit(lambda: _bump(names), robust=True)


def _versions(found: dict, keys: list[str]) -> tuple:
    missing = [key for key in keys if found.get(key) is None]
    if missing:
        # Never bumped, or evicted: a new token, so that nothing kept before is taken for it.
        for key in missing:
            cache.add(key, _token(), timeout=None)
        found = {**found, **cache.get_many(missing)}
    return tuple(found.get(key) for key in keys)


def kept[T](key: str, *, versions: Iterable[str], compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave before under the same versions: one round trip to the
    cache when kept, two more when not."""
    if not is_shared():
        return compute()
    keys = [VERSION_KEY % name for name in (EVERYTHING, *versions)]
    try:
        found = cache.get_many([*keys, key])
        current = _versions(found, keys)
    except Exception:  # a cache that does not answer is a miss, not a failed page
        logger.exception("The shared cache did not answer; %s read from the database.", key)
        return compute()
    entry = found.get(key)
    if entry is not None and entry[0] == current and None not in current:
        return entry[1]
    value = compute()
    try:
        cache.set(key, (current, value), timeout=KEPT_SECONDS)
    except Exception:
        logger.exception("The shared cache did not keep %s.", key)
    return value


def changed_on_write(
    model: type[Model],
    version: str | Callable[[Model], str],
    *,
    ignored_fields: frozenset[str] = frozenset(),
) -> None:
    """Bump `version` (or the version of the row, `version(row)`) whenever a row of `model` is
    saved or deleted through the ORM: every service, the admin, the shell. Bulk writes call
    `changed` themselves. A save of `ignored_fields` alone (a user's last sign-in) bumps
    nothing."""

    def name(row: Model) -> str:
        return version(row) if callable(version) else version

    def saved(sender, instance, update_fields=None, **kwargs):
        if update_fields is None or not set(update_fields) <= ignored_fields:
            changed(name(instance))

    def deleted(sender, instance, **kwargs):
        changed(name(instance))

    uid = f"page_cache:{model._meta.label}"
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)


def changed_on_relation(through: type[Model], version: str) -> None:
    """Bump `version` whenever rows are added to or removed from a many-to-many relation
    (a user's groups: their roles)."""

    def related(sender, action, **kwargs):
        if action.startswith("post_"):
            changed(version)

    m2m_changed.connect(
        related, sender=through, weak=False, dispatch_uid=f"page_cache:{through._meta.label}"
    )
