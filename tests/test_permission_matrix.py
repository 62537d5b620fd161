"""Every URL the portal serves, for every role: the expected answer, declared in one table,
and for the views that take only POST, the answer to a POST in a second one.

The URLs come from walking the resolver, so a new page that is not in the table fails the test
until someone decides who may open it. The objects behind the URLs belong to unit B; the unit
head of unit A looks at them from outside, the unit head of unit B from inside.
"""

from django.contrib import messages
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from tests.conftest import SignedInClient, drained, served_url_names
from tests.factories import url_kwargs

# Columns of the table, in order.
PERSONAS = (
    "anonymous",
    "outsider",  # signed in, no role
    "inspector",  # lead of the round, author of the records
    "other_inspector",  # an inspector of another team
    "reviewer",
    "council",
    "head_a",  # unit head of unit A, looking at unit B's data
    "head_b",  # unit head of unit B, looking at their own unit's data
    "administrator",  # superuser, signed in with a code
)

# Answers: 200, 302 (a redirect elsewhere than the login page), login (302 to the login page
# with ?next= the page asked for), 403 (the role may not), 404 (the object is not even admitted
# to exist for this user), 405 (a GET on a view that takes only POST).
# Columns: anonymous, outsider (signed in, no role), inspector (lead of the round, author of
# the records), another team's inspector, reviewer, council member, unit head of A, unit head
# of B, administrator.
EXPECTED_TABLE = """
# url name                          anon  none  insp  insp2 revw  cncl  headA headB admin
# pages the public uses
home                                200   200   200   200   200   200   200   200   200
healthz                             200   200   200   200   200   200   200   200   200
service_worker                      200   200   200   200   200   200   200   200   200
manifest                            200   200   200   200   200   200   200   200   200
citizen_reports:submit              200   200   200   200   200   200   200   200   200
citizen_reports:sent                302   302   302   302   302   302   302   302   302
citizen_reports:lookup              200   200   200   200   200   200   200   200   200
citizen_reports:track               200   200   200   200   200   200   200   200   200
set_language                        302   302   302   302   302   302   302   302   302
# signing in and out
login                               200   302   302   302   302   302   302   302   302
logout                              405   405   405   405   405   405   405   405   405
password_change                     login 200   200   200   200   200   200   200   200
password_change_done                login 200   200   200   200   200   200   200   200
twofactor:login_code                login 302   302   302   302   302   302   302   302
twofactor:enrol                     login 403   403   403   200   200   403   403   200
# rounds and visits: the team, reviewers, administrators; a unit head once the visit started
inspections:rounds                  login 403   200   200   200   403   403   403   200
inspections:round_detail            login 403   200   404   200   403   404   200   200
inspections:visit_start             405   405   405   405   405   405   405   405   405
inspections:visit_detail            login 403   200   404   200   403   404   200   200
inspections:visit_finish            405   405   405   405   405   405   405   405   405
inspections:checklist               login 403   200   404   403   403   403   403   403
inspections:roll_call               login 403   200   404   403   403   403   403   403
inspections:roll_call_rest_present  405   405   405   405   405   405   405   405   405
inspections:roll_call_undo          405   405   405   405   405   405   405   405   405
inspections:record_new              login 403   200   404   403   403   403   403   403
inspections:visit_roster            login 403   200   404   403   403   403   403   403
inspections:visit_card              login 403   200   404   403   403   403   403   403
# violation records (a confirmed one; edit, photos and submit on a draft of the inspector's)
inspections:record_detail           login 403   200   404   200   200   404   200   200
inspections:record_edit             login 403   200   404   403   403   403   403   403
inspections:record_correct          login 403   200   404   403   403   403   403   200
inspections:record_photos           405   405   405   405   405   405   405   405   405
inspections:record_submit           405   405   405   405   405   405   405   405   405
inspections:record_confirm          405   405   405   405   405   405   405   405   405
inspections:record_dismiss          405   405   405   405   405   405   405   405   405
inspections:record_appeal           405   405   405   405   405   405   405   405   405
inspections:appeal_decide           405   405   405   405   405   405   405   405   405
inspections:explanation_attach      405   405   405   405   405   405   405   405   405
inspections:explanation_document    login 403   200   404   200   200   404   200   200
inspections:record_pdf              login 403   200   404   200   200   404   200   200
inspections:record_pdf_prepare      405   405   405   405   405   405   405   405   405
inspections:record_sign             405   405   405   405   405   405   405   405   405
inspections:record_signatures_check 405   405   405   405   405   405   405   405   405
inspections:signed_minutes          login 403   200   404   200   200   404   200   200
# checking an uploaded signed PDF: reviewers and the council
inspections:signature_verify        login 403   403   403   200   200   403   403   200
inspections:evidence                login 403   200   404   200   200   404   200   200
inspections:evidence_original       login 403   403   403   200   403   403   403   200
inspections:review_queue            login 403   403   403   200   403   403   403   200
inspections:unit_records            login 403   403   403   403   403   200   200   200
# discipline decisions: reviewers and administrators
inspections:discipline_list         login 403   403   403   200   403   403   403   200
inspections:discipline_new          login 403   403   403   200   403   403   403   200
inspections:discipline_detail       login 403   403   403   200   403   403   403   200
inspections:discipline_edit         login 403   403   403   200   403   403   403   200
inspections:discipline_import       login 403   403   403   200   403   403   403   200
inspections:discipline_preview      login 403   403   403   302   403   403   403   302
inspections:discipline_confirm      405   405   405   405   405   405   405   405   405
inspections:discipline_cancel       405   405   405   405   405   405   405   405   405
inspections:discipline_template     login 403   403   403   200   403   403   403   200
# citizen reports, reviewers' side
citizen_reports:list                login 403   403   403   200   403   403   403   200
citizen_reports:detail              login 403   403   403   200   403   403   403   200
citizen_reports:start_verification  login 403   403   403   405   403   403   403   405
citizen_reports:close               login 403   403   403   405   403   403   403   405
citizen_reports:confirm             login 403   403   403   405   403   403   403   405
# units, staff, regulations: inspectors and reviewers all of them, a unit head their own
personnel:units                     login 403   200   200   200   403   403   403   200
personnel:unit_detail               login 403   200   200   200   403   403   200   200
personnel:regulation_new            login 403   403   403   200   403   403   200   200
personnel:regulation_document       login 403   200   200   200   403   404   200   200
personnel:my_unit                   login 403   403   403   403   403   200   200   200
personnel:staff_list                login 403   200   200   200   403   200   200   200
personnel:staff_detail              login 403   200   200   200   403   404   200   200
personnel:import                    login 403   403   403   200   403   403   403   200
personnel:import_preview            login 403   403   403   302   403   403   403   302
personnel:import_confirm            405   405   405   405   405   405   405   405   405
personnel:import_cancel             405   405   405   405   405   405   405   405   405
personnel:import_template           login 403   403   403   200   403   403   403   200
# emulation periods: the council and reviewers; nominations: unit heads, their own unit
emulation:periods                   login 403   403   403   200   200   403   403   200
emulation:period                    login 403   403   403   200   200   403   403   200
emulation:period_export             login 403   403   403   200   200   403   403   200
emulation:period_export_pdf         login 403   403   403   200   200   403   403   200
emulation:period_export_csv         login 403   403   403   200   200   403   403   200
emulation:period_prepare            405   405   405   405   405   405   405   405   405
emulation:period_start_review       405   405   405   405   405   405   405   405   405
emulation:period_approve            405   405   405   405   405   405   405   405   405
emulation:period_return             405   405   405   405   405   405   405   405   405
emulation:period_settings           405   405   405   405   405   405   405   405   405
emulation:revocation_resolve        405   405   405   405   405   405   405   405   405
emulation:period_secretary          405   405   405   405   405   405   405   405   405
emulation:council_meeting           login 403   403   403   200   200   403   403   200
emulation:council_document_sign     405   405   405   405   405   405   405   405   405
emulation:council_signed            login 403   403   403   200   200   403   403   200
emulation:council_signed_pdf        login 403   403   403   200   200   403   403   200
emulation:period_upload             login 403   403   403   405   403   403   403   405
emulation:nominations               login 403   403   403   403   403   200   200   200
emulation:nomination_upload         login 403   403   403   403   403   405   405   405
emulation:nomination_import_preview login 403   403   403   302   403   302   302   302
emulation:nomination_import_confirm 405   405   405   405   405   405   405   405   405
emulation:nomination_import_cancel  405   405   405   405   405   405   405   405   405
# the Interior Affairs dashboard
reports:dashboard                   login 403   403   403   200   200   403   403   200
reports:print                       login 403   403   403   200   200   403   403   200
reports:export                      login 403   403   403   200   200   403   403   200
# files prepared in the background: the one who asked (the reviewer) only, 404 to anyone else
exports:status                      login 404   404   404   200   404   404   404   404
exports:download                    login 404   404   404   200   404   404   404   404
# fmt: on
"""
LOGIN = "login"


def _parse(table: str) -> dict[str, tuple]:
    expected = {}
    for line in table.strip().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, *cells = line.split()
        assert len(cells) == len(PERSONAS), f"{name}: {len(cells)} answers for {len(PERSONAS)}"
        expected[name] = tuple(cell if cell == LOGIN else int(cell) for cell in cells)
    return expected


EXPECTED = _parse(EXPECTED_TABLE)


def test_it_declares_every_url_the_portal_serves():
    served = set(served_url_names())

    missing = sorted(served - set(EXPECTED))
    stale = sorted(set(EXPECTED) - served)

    assert not missing, f"URL patterns missing from EXPECTED: {', '.join(missing)}"
    assert not stale, f"EXPECTED names URL patterns the portal no longer serves: {stale}"
    assert all(len(row) == len(PERSONAS) for row in EXPECTED.values())


def _answer(response, url: str):
    drained(response)
    if response.status_code == 302:
        sent_to_login = response["Location"] == f"{reverse('login')}?next={url}"
        return LOGIN if sent_to_login else 302
    return response.status_code


def test_it_answers_every_role_on_every_url_as_declared(world):
    kwargs = url_kwargs(world)
    clients = {}
    for persona, user in world.users.items():
        clients[persona] = SignedInClient()
        if user is not None:
            clients[persona].force_login(user)
    failures = []
    for name in served_url_names():
        if name not in EXPECTED:
            continue  # named by test_it_declares_every_url_the_portal_serves
        try:
            url = reverse(name, kwargs=kwargs.get(name))
        except NoReverseMatch:
            failures.append(f"{name}: give its parameters in url_kwargs()")
            continue
        for persona, expected in zip(PERSONAS, EXPECTED[name], strict=True):
            got = _answer(clients[persona].get(url), url)
            if got != expected:
                failures.append(f"{name} ({url}) as {persona}: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


# Uploads are exempt from the middleware's check so that an oversized body is refused before it
# is read; the view checks the token itself right after (tests/test_import_web.py).
CSRF_CHECKED_IN_THE_VIEW = {
    "personnel:import",
    "inspections:discipline_import",
    "emulation:nomination_upload",
    "emulation:period_upload",
}


def test_it_refuses_a_post_without_csrf_token_on_every_url(world):
    kwargs = url_kwargs(world)
    failures = []
    for persona in ("anonymous", "head_b", "administrator"):
        client = SignedInClient(enforce_csrf_checks=True)
        if world.users[persona] is not None:
            client.force_login(world.users[persona])
        for name in EXPECTED:
            url = reverse(name, kwargs=kwargs.get(name))
            response = client.post(url, {"reason": "x"})
            answer = _answer(response, url)
            if name in CSRF_CHECKED_IN_THE_VIEW:
                # The role gate may refuse first: a 403 either way, or the login page.
                if answer != (LOGIN if persona == "anonymous" else 403):
                    failures.append(f"{name} as {persona}: {answer}")
            elif answer != 403 or "Biểu mẫu đã hết hạn" not in response.content.decode():
                failures.append(f"{name} as {persona}: {answer}, not the CSRF refusal")
    assert not failures, "\n".join(failures)


# The views that take only POST (405 to every GET above), posted to with a form that passes
# their checks, each on the world as built (rolled back after every request). Answers as above,
# and "no": let through the role and object checks, then refused by the workflow with a
# message (the record is already confirmed, the period has pending nominations…).
POST_EXPECTED_TABLE = """
# url name                          anon  none  insp  insp2 revw  cncl  headA headB admin
logout                              302   302   302   302   302   302   302   302   302
inspections:visit_start             login 403   no    404   403   403   403   403   403
inspections:visit_finish            login 403   302   404   403   403   403   403   403
inspections:roll_call_rest_present  login 403   302   404   403   403   403   403   403
inspections:roll_call_undo          login 403   no    404   403   403   403   403   403
inspections:record_photos           login 403   302   404   403   403   403   403   no
inspections:record_submit           login 403   302   404   403   403   403   403   no
inspections:record_confirm          login 403   403   403   no    403   403   403   no
inspections:record_dismiss          login 403   403   403   no    403   403   403   no
inspections:record_appeal           login 403   403   403   302   403   404   302   302
inspections:appeal_decide           login 403   403   403   no    403   403   403   no
inspections:explanation_attach      login 403   403   403   403   403   404   no    no
inspections:record_pdf_prepare      login 403   302   404   302   302   404   302   302
inspections:record_sign             login 403   no    404   no    403   403   403   no
inspections:record_signatures_check login 403   302   404   302   302   404   302   302
inspections:discipline_confirm      login 403   403   403   no    403   403   403   no
inspections:discipline_cancel       login 403   403   403   302   403   403   403   302
personnel:import_confirm            login 403   403   403   no    403   403   403   no
personnel:import_cancel             login 403   403   403   302   403   403   403   302
emulation:period_prepare            login 403   403   403   302   302   403   403   302
emulation:period_start_review       login 403   403   403   403   302   403   403   302
emulation:period_approve            login 403   403   403   403   no    403   403   no
emulation:period_return             login 403   403   403   403   no    403   403   no
emulation:period_settings           login 403   403   403   403   no    403   403   no
emulation:revocation_resolve        login 403   403   403   403   no    403   403   no
emulation:period_secretary          login 403   403   403   403   302   403   403   302
emulation:council_document_sign     login 403   403   403   403   no    403   403   no
emulation:nomination_import_confirm login 403   403   403   no    403   no    no    no
emulation:nomination_import_cancel  login 403   403   403   302   403   302   302   302
"""
POST_EXPECTED = {
    name: tuple(cell if cell in (LOGIN, "no") else int(cell) for cell in cells)
    for name, *cells in (
        line.split() for line in POST_EXPECTED_TABLE.strip().splitlines() if line[0] != "#"
    )
}
POSTED = {
    "reason": "Lý do.",
    "note": "Ghi chú.",
    "outcome": "upheld",
    "format": "xlsx",
    # Past the page that asks once more before a step that cannot be undone.
    "confirmed": "yes",
}


def _post_answer(client, url: str):
    with transaction.atomic():
        response = client.post(url, POSTED)
        answer = _answer(response, url)
        transaction.set_rollback(True)
    if answer == 302:
        said = messages.get_messages(response.wsgi_request)
        if any(message.level >= messages.WARNING for message in said):
            return "no"
    return answer


def test_it_answers_every_role_posting_to_every_post_only_url_as_declared(world):
    post_only = sorted(name for name, row in EXPECTED.items() if set(row) == {405})
    assert sorted(POST_EXPECTED) == post_only
    kwargs = url_kwargs(world)
    failures = []
    for name, row in POST_EXPECTED.items():
        url = reverse(name, kwargs=kwargs.get(name))
        for persona, expected in zip(PERSONAS, row, strict=True):
            # Signed in again for each request: posting to logout signs out.
            client = SignedInClient()
            if world.users[persona] is not None:
                client.force_login(world.users[persona])
            got = _post_answer(client, url)
            if got != expected:
                failures.append(f"POST {name} ({url}) as {persona}: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)
