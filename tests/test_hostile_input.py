"""Every URL, sent values no form would send: NUL, huge numbers, text where numbers go.

A browser never sends them, a script or a damaged proxy may. Each must get an answer (a form
with its errors, a refusal, a page ignoring the value), never a server error: PostgreSQL
refuses NUL in text and numbers past bigint, so an unchecked parameter that reaches a query
fails there and nowhere else (SQLite takes both).
"""

from django.db import transaction
from django.urls import reverse

from inspections.models import Appeal
from tests.conftest import SignedInClient, drained, served_url_names
from tests.factories import url_kwargs

# Every parameter and field name a page or form of the portal reads.
NAMES = [
    "q", "unit", "title", "status", "after", "page", "year", "next", "code", "on", "type",
    "staff", "staff_code", "attendance", "reason", "note", "outcome", "description",
    "explanation", "witnesses", "token", "representative", "format", "file", "period",
    "occurred_at", "kind", "date_from", "date_to", "source", "category", "unit_code",
    "agency_code", "language", "password", "username", "otp_token", "fmt", "table",
    "number", "form", "decided_on", "effective_until", "signer", "records",
]  # fmt: skip
HOSTILE = {
    "NUL": "a\x00b",
    "past bigint": "9" * 40,
    "not a number": "-1e309x",
}
# Who asks: the superuser reaches every page but the inspector's forms of the visit and the
# unit head's nominations; the inspector and the unit head of B reach those.
PERSONAS = ("administrator", "inspector", "head_b")


def test_no_value_in_a_request_makes_a_server_error(world):
    kwargs = url_kwargs(world)
    failures = []
    for persona in PERSONAS:
        client = SignedInClient(raise_request_exception=True)
        for name in served_url_names():
            url = reverse(name, kwargs=kwargs.get(name))
            client.force_login(world.users[persona])  # again: a POST to logout signs out
            for label, value in HOSTILE.items():
                data = dict.fromkeys(NAMES, value)
                for method in ("GET", "POST"):
                    answer = _ask(client, method, url, data)
                    if not isinstance(answer, int) or answer >= 500:
                        failures.append(f"{method} {url} {label} as {persona}: {answer}")
    assert not failures, "\n".join(failures)


def _ask(client, method: str, url: str, data: dict) -> int | str:
    """The status of the answer, or the exception raised; on the world as built, every time:
    a POST that finishes the visit must not spare the pages tried after it."""
    with transaction.atomic():
        try:
            response = client.get(url, data) if method == "GET" else client.post(url, data)
            return drained(response).status_code
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        finally:
            transaction.set_rollback(True)


def test_nul_in_the_address_or_a_plain_form_gets_the_bad_request_page(client, reviewer, world):
    client.force_login(reviewer)
    record = world.record
    before = (record.status, Appeal.objects.filter(record=record).count())

    in_path = client.get("/emulation/periods/20%0019/")
    in_query = client.get(reverse("emulation:periods"), {"q": "a\x00b"})
    in_form = client.post(
        reverse("inspections:record_appeal", args=[record.pk]),
        "reason=a%00b",
        content_type="application/x-www-form-urlencoded",
    )

    for response in (in_path, in_query, in_form):
        assert response.status_code == 400
        assert "Yêu cầu không hợp lệ" in response.content.decode()
    record.refresh_from_db()
    assert (record.status, Appeal.objects.filter(record=record).count()) == before


def test_the_bad_request_page_speaks_the_users_language(client, reviewer, settings):
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("emulation:periods"), {"q": "a\x00b"})

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "Yêu cầu không hợp lệ" not in response.content.decode()


def test_nul_in_an_upload_form_is_refused_by_the_form_with_a_message(client, reviewer, world):
    client.force_login(reviewer)
    record = world.record

    response = client.post(
        reverse("inspections:record_appeal", args=[record.pk]), {"reason": "a\x00b"}, follow=True
    )

    assert "Không được có ký tự null (NUL)." in response.content.decode()
    assert Appeal.objects.filter(record=record).count() == 0
