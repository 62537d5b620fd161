"""How personnel tells the floors above it that people changed: a recruitment date or a unit,
which the award rule reads (tenure, a collective's members).

A higher app (emulation) registers its handler in its AppConfig.ready(); the import and the
transfer call it inside their own transaction, so that no verdict lags the roster.
"""

from collections.abc import Callable, Iterable

StaffHandler = Callable[..., None]

_handlers: list[StaffHandler] = []


def on_staff_changed(handler: StaffHandler) -> None:
    """`handler(staff_ids=[...])` runs after those people were added, changed or moved."""
    if handler not in _handlers:
        _handlers.append(handler)


def staff_changed(*, staff_ids: Iterable[int]) -> None:
    staff_ids = list(staff_ids)
    if not staff_ids:
        return
    for handler in _handlers:
        handler(staff_ids=staff_ids)
