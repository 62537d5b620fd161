"""Pages of inspectors, reviewers and unit heads. Each view: look the object up through a
permission helper, validate the form, call one service, turn its refusal into a message."""

import datetime
import functools
import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from core import page_cache
from core.access import role_required
from core.confirm import asks_once_more
from core.errors import DomainError
from core.personal_data import personal_data_access_log
from core.signing import verify_pdf
from core.uploads import checked_pdf, document_response
from exports.services import export_request
from exports.signed import kept_signatures, signed_bytes, signed_version_outcome
from inspections import selectors, services, signature_services
from inspections.citizen_report_selectors import reports_awaiting_count
from inspections.forms import (
    ChecklistAnswerForm,
    ConfirmForm,
    DecideAppealForm,
    NewRecordForm,
    PhotoForm,
    PinForm,
    ReasonForm,
    RecordForm,
    ReviewFilterForm,
    SignForm,
    VerifyForm,
    VisitFinishForm,
    VisitStartForm,
    WrittenExplanationForm,
)
from inspections.minutes import MINUTES_PDF, minutes_filename, minutes_pdf
from inspections.models import (
    ATTENDANCE_FAULTS,
    UNSENT_STATUSES,
    Attendance,
    Evidence,
    FormSubmission,
    RecordStatus,
    SigningCapacity,
    ViolationRecord,
    Visit,
    WrittenExplanation,
)
from personnel.cards import MALFORMED_CARD, staff_by_card
from personnel.models import Role, Staff
from personnel.selectors import staff_ids_posted_to, staff_matching, staff_posted_to

PAGE_SIZE = 50
# A unit's people listed at once: a roll call page, the new record's choice of person. A larger
# unit is paged or narrowed by a search: a ward's 15,000 names are too many for one page.
PEOPLE_SHOWN = 200
SEES_RECORDS = (Role.INSPECTOR, Role.REVIEWER, Role.UNIT_HEAD)
# The original of a photo carries what the phone wrote in it (place, owner): reviewers only.
READS_ORIGINAL_PHOTOS = (Role.REVIEWER,)
# The council opens the records its lists cite (inspections.selectors.records_for decides which).
READS_RECORDS = (*SEES_RECORDS, Role.COUNCIL)


# Object access: one helper per object, 404 when the user may not even know it exists.


def _get_round_for_user(request, pk):
    return get_object_or_404(selectors.rounds_for(request.user), pk=pk)


def _visit_with_round_and_unit(pk) -> Visit | None:
    return Visit.objects.select_related("round", "unit").filter(pk=pk).first()


def _get_visit_for_user(request, pk, *, write=False):
    if write:
        # Its round's team of inspectors sees the visit (rounds_for lists the round to them):
        # the visit with its round and unit by its key, without the rounds the user sees. A
        # page only read keeps those rows in the shared cache (core.page_cache); whether the
        # user is on the team is asked every time.
        visit = (
            page_cache.kept(
                f"inspections:visit:{int(pk)}",
                versions=["visits", "people"],
                compute=lambda: _visit_with_round_and_unit(pk),
            )
            if request.method == "GET"
            else _visit_with_round_and_unit(pk)
        )
        if visit is None:
            raise Http404
        if selectors.writes_on_round(user=request.user, inspection_round=visit.round):
            return visit
    # The visit of a round the user sees, in one query with its round and unit.
    rounds = selectors.rounds_for(request.user).values("pk")
    visit = get_object_or_404(
        Visit.objects.select_related("round", "unit").filter(round__in=rounds), pk=pk
    )
    inspection_round = visit.round
    # Whoever sees the whole round sees each of its visits; others, those visits_of lists.
    if (
        not selectors.sees_whole_round(user=request.user, inspection_round=inspection_round)
        and not selectors.visits_of(user=request.user, inspection_round=inspection_round)
        .filter(pk=visit.pk)
        .exists()
    ):
        raise Http404
    if write and not selectors.is_team_member(user=request.user, inspection_round=inspection_round):
        raise PermissionDenied
    return visit


def _get_record_for_user(request, pk):
    records = selectors.records_for(request.user).select_related(
        "staff", "unit", "author", "reviewed_by", "visit__round", "corrects"
    )
    return get_object_or_404(records, pk=pk)


def _refused(request, error: DomainError):
    messages.error(request, str(error))


def _from_queue(request) -> bool:
    """A form sent by static/js/offline.js, at once or again from the phone's queue, reads its
    answer as JSON: whether it was saved, or why not."""
    return request.headers.get("Accept") == "application/json"


def _saved(request, text: str) -> None:
    """The message of a form saved: on the next page for the page that sent it, none for a form
    sent later from the phone's queue (the queue says what it sent)."""
    if request.headers.get("X-Kept-On-Phone") != "1":
        messages.success(request, text)


def _queue_answer(*, sent_to: str = "", refused: list[str] = ()) -> JsonResponse:
    if refused:
        return JsonResponse({"refused": list(refused)}, status=422)
    return JsonResponse({"sent": True, "url": sent_to})


def _offline(request, visit, *, on_team: bool = False) -> dict:
    """What static/js/offline.js needs on a page of an open visit of the inspector's team: the
    addresses to keep on the phone and its texts, in the page's language. `on_team`: known
    already (a visit read to write on is of the user's team)."""
    if visit.finished_at is not None or not (
        on_team or selectors.is_team_member(user=request.user, inspection_round=visit.round)
    ):
        return {}
    return {
        "user": request.user.pk,
        "visit": visit.pk,
        "unit": visit.unit.name,
        "pages": [
            reverse(f"inspections:{name}", args=[visit.pk])
            for name in ("visit_detail", "checklist", "record_new", "roll_call")
        ],
        "roll_call": {
            name: reverse(f"inspections:roll_call{suffix}", args=[visit.pk])
            for name, suffix in (("mark", ""), ("undo", "_undo"), ("rest", "_rest_present"))
        },
        # The roll call's own marks tell the phone which of a kept page or its roster is newer.
        "rendered": timezone.now().isoformat(),
        "faults": list(ATTENDANCE_FAULTS),
        "record_url": reverse("inspections:record_detail", args=[0]),
        "roster": reverse("inspections:visit_roster", args=[visit.pk]),
        "card": reverse("inspections:visit_card", args=[visit.pk]),
        "login": reverse("login"),
        "logout": reverse("logout"),
        "texts": _offline_texts(get_language()),
    }


@functools.cache
def _offline_texts(_language: str) -> dict[str, str]:
    """offline.js's texts in a language: the same on every page, translated once a process."""
    return {
        "waiting_one": ngettext(
            "%(count)s item is waiting to be sent.",
            "%(count)s items are waiting to be sent.",
            1,
        ),
        "waiting_other": ngettext(
            "%(count)s item is waiting to be sent.",
            "%(count)s items are waiting to be sent.",
            2,
        ),
        "saved": _("Saved on the phone. It will be sent when the network returns."),
        "sent": _("Everything kept on the phone has been sent."),
        "full": _(
            "The phone's storage is full: this was not saved. Free some space (old photos, "
            "other apps) and save again; what you typed is still in the form."
        ),
        "sign_in": _("Sign in again to send what is waiting on the phone."),
        "refused": _("Not accepted by the portal:"),
        "fix": _("Fix"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this item? It is deleted from the phone."),
        "checklist": _("Unit checklist"),
        "record": _("Record: %(name)s, %(time)s"),
        "fixing": _("Fix the record refused by the portal, then save it to send it again."),
        "drop_photos": _("Remove the photos taken"),
        "photos_kept": _("%(count)s photos taken are kept; choose others to replace them."),
        "sign_out": _(
            "Items are waiting to be sent. Signing out deletes them from the phone. Sign out "
            "anyway?"
        ),
        "matches_one": ngettext(
            "%(count)s person of this unit matches “%(query)s”.",
            "%(count)s people of this unit match “%(query)s”.",
            1,
        ),
        "matches_other": ngettext(
            "%(count)s person of this unit matches “%(query)s”.",
            "%(count)s people of this unit match “%(query)s”.",
            2,
        ),
        "no_qr": _("No QR code was found in the photo. Take it again, closer and sharper."),
        "card_malformed": str(MALFORMED_CARD),
        "card_not_here": _(
            "No one of this unit has this card number: the card is of another unit, or unknown."
        ),
        "card_found": _("Card of %(name)s (%(code)s)."),
        "mark": _("Roll call: %(name)s, %(attendance)s"),
        "unmark": _("Roll call: undo the mark of %(name)s"),
        "rest": _("Roll call: all the rest present"),
        "undo": _("Undo the mark"),
        "undo_back": _("Undo: back to “%(previous)s”"),
        "open_record": _("Open the record"),
        "draft_when_sent": _("A draft record will be opened when this mark is sent."),
        "take_again": _("Mark again"),
    }


def _form_refusals(form) -> list[str]:
    said = list(form.non_field_errors())
    for name, errors in form.errors.items():
        if name != "__all__":
            label = form.fields[name].label if name in form.fields else name
            said += [f"{label}: {error}" for error in errors]
    return said


# Inspector: rounds, visits, checklist, roll call, records


@role_required(Role.INSPECTOR, Role.REVIEWER)
def rounds(request):
    visible = selectors.rounds_for(request.user)
    return render(request, "inspections/rounds.html", {"rounds": visible})


@role_required(*SEES_RECORDS)
def round_detail(request, pk):
    inspection_round = _get_round_for_user(request, pk)
    whole = selectors.sees_whole_round(user=request.user, inspection_round=inspection_round)
    on_team = selectors.is_team_member(user=request.user, inspection_round=inspection_round)
    context = {
        "round": inspection_round,
        "legal_basis_missing": selectors.legal_basis_missing(inspection_round),
        "whole": whole,
        "visits": selectors.visits_of(user=request.user, inspection_round=inspection_round),
        "units": inspection_round.units.order_by("name") if whole else [],
        "start_form": VisitStartForm(
            units=inspection_round.units.order_by("name"),
            team=selectors.team_of(inspection_round),
            initial={"inspectors": [request.user.pk]},
        )
        if on_team
        else None,
    }
    return render(request, "inspections/round_detail.html", context)


@require_POST
@role_required(Role.INSPECTOR)
def visit_start(request, pk):
    inspection_round = _get_round_for_user(request, pk)
    if not selectors.is_team_member(user=request.user, inspection_round=inspection_round):
        raise PermissionDenied
    form = VisitStartForm(
        request.POST, units=inspection_round.units.all(), team=selectors.team_of(inspection_round)
    )
    if not form.is_valid():
        messages.error(request, _("Choose a unit of the round."))
        return redirect("inspections:round_detail", pk=pk)
    try:
        visit = services.visit_start(
            inspection_round=inspection_round,
            unit=form.cleaned_data["unit"],
            actor=request.user,
            representative=form.cleaned_data["representative"],
            inspectors=list(form.cleaned_data["inspectors"]),
        )
    except DomainError as error:
        _refused(request, error)
        return redirect("inspections:round_detail", pk=pk)
    return redirect("inspections:visit_detail", pk=visit.pk)


@role_required(*SEES_RECORDS)
def visit_detail(request, pk):
    visit = _get_visit_for_user(request, pk)
    on_team = selectors.is_team_member(user=request.user, inspection_round=visit.round)
    records = selectors.record_list(selectors.records_for(request.user).filter(visit=visit))
    context = {
        "visit": visit,
        "on_team": on_team,
        "records": records,
        "answers": visit.checklist_answers.select_related("item").order_by("item__position"),
        "finish_form": VisitFinishForm(initial={"representative": visit.representative}),
        "offline": _offline(request, visit),
    }
    return render(request, "inspections/visit_detail.html", context)


@require_POST
@role_required(Role.INSPECTOR)
@asks_once_more(
    gettext_lazy(
        "Finishing the visit closes it: no more records, roll call or checklist answers in it."
    ),
    button=gettext_lazy("Finish the visit"),
)
def visit_finish(request, pk):
    visit = _get_visit_for_user(request, pk, write=True)
    form = VisitFinishForm(request.POST)
    form.is_valid()
    try:
        services.visit_finish(
            visit=visit,
            actor=request.user,
            representative=form.cleaned_data.get("representative") or visit.representative,
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The visit is finished."))
    return redirect("inspections:visit_detail", pk=pk)


@role_required(Role.INSPECTOR)
def checklist(request, pk):
    visit = _get_visit_for_user(request, pk, write=True)
    items = selectors.active_checklist_items()
    answered = {answer.item_id: answer for answer in visit.checklist_answers.all()}
    forms_by_item = [
        (
            item,
            ChecklistAnswerForm(
                request.POST if request.method == "POST" else None,
                prefix=f"item{item.pk}",
                initial={"result": answered[item.pk].result, "note": answered[item.pk].note}
                if item.pk in answered
                else None,
            ),
        )
        for item in items
    ]
    if request.method == "POST":
        answers = [
            (item, form.cleaned_data["result"], form.cleaned_data["note"])
            for item, form in forms_by_item
            if form.is_valid()
        ]
        try:
            services.checklist_save(
                visit=visit,
                actor=request.user,
                answers=answers,
                form_token=_form_token(request),
            )
        except DomainError as error:
            if _from_queue(request):
                return _queue_answer(refused=[str(error)])
            _refused(request, error)
        else:
            _saved(request, _("Checklist saved."))
            if _from_queue(request):
                return _queue_answer(sent_to=reverse("inspections:visit_detail", args=[pk]))
            return redirect("inspections:visit_detail", pk=pk)
    context = {
        "visit": visit,
        "forms_by_item": forms_by_item,
        # The idempotency key of this save: sent twice (or again from the queue), saved once.
        "token": secrets.token_urlsafe(32),
        "offline": _offline(request, visit, on_team=True),
    }
    return render(request, "inspections/checklist.html", context)


def _unit_people(*, unit, day, query: str):
    """The people posted to `unit` on `day`, by name; with a query, those of them the staff
    search finds (typed as it comes on site, without diacritics: "nguyen thi hang")."""
    people = staff_posted_to(unit=unit, day=day)
    if query:
        people = people.filter(staff_matching(query=query))
    return people


def _finder_query(request) -> str:
    return request.GET.get("q", "").strip()


def _form_token(request) -> str:
    """The idempotency key a visit's form or tap carries; a longer one is cut to the stored
    length, and a key the portal did not give is refused by the service."""
    return request.POST.get("token", "")[: FormSubmission._meta.get_field("token").max_length]


def _roll_call_address(request, pk, *, anchor: str = "", name: str = "roll_call") -> str:
    """A roll call address keeping the search and page the tap came from; with `anchor`, at
    the person tapped."""
    kept = {key: request.GET[key] for key in ("q", "page") if request.GET.get(key)}
    address = reverse(f"inspections:{name}", args=[pk])
    return f"{address}{'?' if kept else ''}{urlencode(kept)}{anchor}"


def _roll_call_person(request, visit):
    """The person of the unit a roll call form names, or None."""
    chosen = request.POST.get("staff", "")
    if not (chosen.isascii() and chosen.isdigit()):
        return None
    posted = staff_ids_posted_to(unit=visit.unit, day=timezone.localdate())
    return Staff.objects.filter(pk=chosen, pk__in=posted).first()


def _roll_call_forms(request, visit) -> dict:
    return {
        "visit": visit,
        "mark_url": _roll_call_address(request, visit.pk),
        "undo_url": _roll_call_address(request, visit.pk, name="roll_call_undo"),
    }


def _roll_call_rows_html(request, forms: dict, people, *, error: str = "", notice: str = "") -> str:
    """The roll call's people as markup, each `(person, entry)` a row, built once here: a
    template of five buttons a person cost most of a ward's page. The single-row answer of a
    tap writes its row here too. static/js/offline.js reads the rows' ids, classes and data-*
    attributes. Every value is escaped where it is written."""
    finished = forms["visit"].finished_at is not None
    mark_url = escape(forms["mark_url"])
    undo_url = escape(forms["undo_url"])
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
    # Translated once a page, not once per person and button.
    labels = {value: escape(str(label)) for value, label in Attendance.choices}
    open_record = escape(_("Open the record"))
    undo_withdraw = escape(_("Undo the mark and withdraw its draft"))
    undo_mark = escape(_("Undo the mark"))
    message = ""
    if error:
        message += f'\n  <p class="message message--error" role="alert">{escape(error)}</p>'
    if notice:
        message += f'\n  <p class="message message--warning" role="status">{escape(notice)}</p>'
    html = []
    for person, entry in people:
        pk = person.pk
        attendance = entry.attendance if entry else ""
        previous = entry.previous_attendance if entry else ""
        record_id = entry.record_id if entry else None
        status = (
            f'<span class="status status--{escape(attendance)}">{labels[attendance]}</span>'
            if entry
            else ""
        )
        row = [
            f'<li class="roll-call__person" id="staff-{pk}" data-staff="{pk}"'
            f' data-attendance="{escape(attendance)}" data-previous="{escape(previous)}"'
            f' data-record="{record_id if record_id is not None else ""}">',
            f'  <p class="roll-call__name"><strong>{escape(person.full_name)}</strong>'
            f' <span class="tap-list__meta">{escape(person.position)}</span>',
            f"    {status}",
            f"  </p>{message}",
        ]
        if record_id:
            address = reverse("inspections:record_detail", args=[record_id])
            row.append(f'  <p><a class="tap-link" href="{address}">{open_record}</a></p>')
        if not finished:
            hidden = f'<input type="hidden" name="staff" value="{pk}">'
            if not record_id:
                buttons = "".join(
                    f'<button type="submit" id="mark-{pk}-{value}" name="attendance"'
                    f' value="{value}" class="tap-button tap-button--chosen"'
                    f' aria-pressed="true">{label}</button>'
                    if value == attendance
                    else f'<button type="submit" id="mark-{pk}-{value}" name="attendance"'
                    f' value="{value}" class="tap-button">{label}</button>'
                    for value, label in labels.items()
                )
                row.append(
                    f'  <form class="roll-call__buttons" method="post" action="{mark_url}"'
                    f' hx-post="{mark_url}" hx-target="closest li" hx-swap="outerHTML">'
                    f"{csrf}{hidden}{buttons}</form>"
                )
            if entry:
                # Undoing a mark that opened a draft withdraws the draft too, while nobody has
                # changed it.
                if record_id:
                    undo = undo_withdraw
                elif previous:
                    undo = _("Undo: back to “%(previous)s”") % {"previous": labels[previous]}
                else:
                    undo = undo_mark
                row.append(
                    f'  <form class="roll-call__undo" method="post" action="{undo_url}"'
                    f' hx-post="{undo_url}" hx-target="closest li" hx-swap="outerHTML">'
                    f'{csrf}{hidden}<button type="submit" class="button button--quiet"'
                    f' id="undo-{pk}">{undo}</button></form>'
                )
        row.append("</li>")
        html.append("\n".join(row))
    return mark_safe("\n".join(html))  # noqa: S308 (each value escaped above)


def _tapped_at(request) -> datetime.datetime | None:
    """When a tap kept on the phone was taken (static/js/offline.js writes an ISO time with its
    offset); None for a tap sent at once. DomainError for anything else."""
    text = request.POST.get("tapped_at", "")
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text[:40])
    except ValueError:
        raise DomainError(services.BAD_KEY) from None
    if timezone.is_naive(moment):
        raise DomainError(services.BAD_KEY)
    return moment


def _roll_call_row(request, visit, person, *, error: DomainError | None = None, notice=""):
    """What a tap in place gets back: the person's row, and the count out of band."""
    marked, total = selectors.roll_call_progress(visit=visit, day=timezone.localdate())
    forms = _roll_call_forms(request, visit)
    entry = visit.roll_call.filter(staff=person).first()
    context = {
        **forms,
        "row": _roll_call_rows_html(
            request, forms, [(person, entry)], error=str(error) if error else "", notice=notice
        ),
        "marked": marked,
        "total": total,
    }
    return render(request, "inspections/_roll_call_row.html", context)


def _roll_call_answer(request, visit, person, *, error: DomainError | None = None, notice=""):
    if _from_queue(request):
        return _queue_answer(
            sent_to=_roll_call_address(request, visit.pk),
            refused=[str(error)] if error is not None else [],
        )
    if request.htmx:
        return _roll_call_row(request, visit, person, error=error, notice=notice)
    if error is not None:
        _refused(request, error)
    if notice:
        messages.warning(request, notice)
    return redirect(_roll_call_address(request, visit.pk, anchor=f"#staff-{person.pk}"))


@role_required(Role.INSPECTOR)
def roll_call(request, pk):
    """One tap marks one person. With htmx the row is swapped in place; without JavaScript the
    same form posts and comes back to the same page, at the person."""
    visit = _get_visit_for_user(request, pk, write=True)
    if request.method == "POST":
        person = _roll_call_person(request, visit)
        attendance = request.POST.get("attendance", "")
        if person is None or attendance not in Attendance.values:
            if _from_queue(request):
                # A mark kept on the phone names a person of the roster: gone since, moved.
                return _queue_answer(refused=[str(services.NOT_IN_UNIT_TODAY)])
            messages.error(request, _("Choose a person of the unit and their attendance."))
            if request.htmx:
                return HttpResponseClientRefresh()
            return redirect(_roll_call_address(request, pk))
        try:
            entry = services.roll_call_mark(
                visit=visit,
                actor=request.user,
                staff=person,
                attendance=attendance,
                form_token=_form_token(request),
                tapped_at=_tapped_at(request),
            )
        except DomainError as error:
            return _roll_call_answer(request, visit, person, error=error)
        notice = ""
        if entry is not None and entry.record_id:
            notice = _("%(name)s: a draft record was opened.") % {"name": person.full_name}
        return _roll_call_answer(request, visit, person, notice=notice)
    return render(request, "inspections/roll_call.html", _roll_call_sheet(request, visit))


def _roll_call_sheet(request, visit, *, error: DomainError | None = None, notice="") -> dict:
    """The count, "all the rest present" and the page of people the address names."""
    today = timezone.localdate()
    query = _finder_query(request)
    # A row shows a name and a position: the other columns of 200 people are not read.
    people = _unit_people(unit=visit.unit, day=today, query=query).only("full_name", "position")
    marked, total = selectors.roll_call_progress(visit=visit, day=today)
    paginator = Paginator(people, PEOPLE_SHOWN)
    if not query:
        paginator.count = total  # everyone posted: counted once, for the progress and the pages
    page = paginator.get_page(request.GET.get("page"))
    entries = {
        entry.staff_id: entry
        for entry in visit.roll_call.filter(staff__in=[person.pk for person in page])
    }
    forms = _roll_call_forms(request, visit)
    people = [(person, entries.get(person.pk)) for person in page]
    return {
        **forms,
        "page": page,
        "people": _roll_call_rows_html(request, forms, people),
        "query": query,
        "query_string": urlencode({"q": query}) if query else "",
        "marked": marked,
        "total": total,
        "rest_url": _roll_call_address(request, visit.pk, name="roll_call_rest_present"),
        # Named apart from a row's own error and notice, which every row would show.
        "sheet_error": str(error) if error else "",
        "sheet_notice": notice,
        "offline": _offline(request, visit, on_team=True),
    }


@require_POST
@role_required(Role.INSPECTOR)
def roll_call_rest_present(request, pk):
    """With htmx the count and the list come back in place; without JavaScript the page."""
    visit = _get_visit_for_user(request, pk, write=True)
    error, notice = None, ""
    try:
        count = services.roll_call_rest_present(
            visit=visit, actor=request.user, form_token=_form_token(request)
        )
    except DomainError as refusal:
        if _from_queue(request):
            return _queue_answer(refused=[str(refusal)])
        error = refusal
    else:
        if _from_queue(request):
            return _queue_answer(sent_to=_roll_call_address(request, pk))
        notice = ngettext(
            "%(count)s person marked present.", "%(count)s people marked present.", count
        ) % {"count": count}
    if request.htmx:
        context = _roll_call_sheet(request, visit, error=error, notice=notice)
        return render(request, "inspections/_roll_call_sheet.html", context)
    if error is not None:
        _refused(request, error)
    else:
        messages.success(request, notice)
    return redirect(_roll_call_address(request, pk))


@require_POST
@role_required(Role.INSPECTOR)
def roll_call_undo(request, pk):
    visit = _get_visit_for_user(request, pk, write=True)
    person = _roll_call_person(request, visit)
    if person is None and _from_queue(request):
        return _queue_answer(refused=[str(services.NOT_IN_UNIT_TODAY)])
    if person is None:
        messages.error(request, _("Choose a person of the unit and their attendance."))
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect(_roll_call_address(request, pk))
    opened_draft = visit.roll_call.filter(staff=person, record__isnull=False).exists()
    try:
        services.roll_call_undo(
            visit=visit,
            actor=request.user,
            staff=person,
            form_token=_form_token(request),
        )
    except DomainError as error:
        return _roll_call_answer(request, visit, person, error=error)
    notice = ""
    if opened_draft:
        notice = _("%(name)s: the mark is undone and the draft record it opened is withdrawn.") % {
            "name": person.full_name
        }
    return _roll_call_answer(request, visit, person, notice=notice)


def _first_people(people) -> tuple[list, bool]:
    """The first PEOPLE_SHOWN of `people`, and whether there are more (one query)."""
    first = list(people[: PEOPLE_SHOWN + 1])
    return first[:PEOPLE_SHOWN], len(first) > PEOPLE_SHOWN


def _people_choices(*, unit, day) -> tuple[list[tuple[int, str]], bool]:
    """The new record's choice of person as a visit opens the page, the same for every
    inspector: the first PEOPLE_SHOWN people posted to `unit` on `day` as (pk, label), and
    whether there are more. Kept in the shared cache until a person, a posting or a unit
    changes (core.page_cache)."""

    def read():
        shown, more = _first_people(staff_posted_to(unit=unit, day=day).only("code", "full_name"))
        return [(person.pk, str(person)) for person in shown], more

    return page_cache.kept(
        f"inspections:people:{unit.pk}:{day.isoformat()}", versions=["people"], compute=read
    )


@role_required(Role.INSPECTOR)
def record_new(request, pk):
    visit = _get_visit_for_user(request, pk, write=True)
    today = timezone.localdate()
    if request.method == "POST":
        query = ""
        people = staff_posted_to(unit=visit.unit, day=today)
        form = NewRecordForm(request.POST, request.FILES, staff_queryset=people)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.record_create(
                    author=request.user,
                    staff=data["staff"],
                    unit=visit.unit,
                    visit=visit,
                    occurred_at=data["occurred_at"],
                    type=data["type"],
                    description=data["description"],
                    explanation=data["explanation"],
                    witnesses=data["witnesses"],
                    signature=data["signature"],
                    photos=data["photos"],
                    position=data["position"],
                    form_token=data["token"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                _saved(request, _("The record is saved as a draft."))
                if _from_queue(request):
                    return _queue_answer(
                        sent_to=reverse("inspections:record_detail", args=[record.pk])
                    )
                return redirect("inspections:record_detail", pk=record.pk)
        if _from_queue(request):
            return _queue_answer(refused=_form_refusals(form))
    else:
        query = _finder_query(request)
        # Without a search the choice of person is the kept one (_people_choices); the form
        # this page writes is checked against the unit's people when sent, not here.
        people = (
            _unit_people(unit=visit.unit, day=today, query=query) if query else Staff.objects.none()
        )
        form = NewRecordForm(staff_queryset=people, initial={"token": secrets.token_urlsafe(32)})
    if form.is_bound or query:
        # The choice shows a name and a code: the other columns of 200 people are not read.
        shown, more = _first_people(people.only("code", "full_name"))
        chosen = form.cleaned_data.get("staff") if form.is_bound else None
        if chosen is not None and chosen not in shown:
            shown.insert(0, chosen)  # a large unit's person chosen after a search stays chosen
        if query and len(shown) == 1:
            form.initial["staff"] = shown[0].pk
        form.show_staff(shown)
        found = len(shown)
    else:
        choices, more = _people_choices(unit=visit.unit, day=today)
        form.show_choices(choices)
        found = len(choices)
    context = {
        "form": form,
        "visit": visit,
        "query": query,
        "found": found,
        "more": more,
        "shown_limit": PEOPLE_SHOWN,
        "offline": _offline(request, visit, on_team=True),
    }
    return render(request, "inspections/record_form.html", context)


@role_required(Role.INSPECTOR)
def visit_roster(request, pk):
    """The visited unit's people today, for the phone to find them without a network: names,
    codes, card numbers and the folded text the staff search matches; and each one's roll call
    mark, for the roll call taken without a network."""
    visit = _get_visit_for_user(request, pk, write=True)
    people = staff_posted_to(unit=visit.unit, day=timezone.localdate()).values_list(
        "pk", "code", "full_name", "badge_number", "search_text"
    )
    marks = {
        staff: {"mark": attendance, "previous": previous, "record": record}
        for staff, attendance, previous, record in visit.roll_call.values_list(
            "staff_id", "attendance", "previous_attendance", "record_id"
        )
    }
    unmarked = {"mark": "", "previous": "", "record": None}
    response = JsonResponse(
        {
            "visit": visit.pk,
            "at": timezone.now().isoformat(),
            "people": [
                {
                    "id": pk,
                    "code": code,
                    "name": name,
                    "card": card,
                    "search": search,
                    **marks.get(pk, unmarked),
                }
                for pk, code, name, card, search in people
            ],
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.INSPECTOR)
def visit_card(request, pk):
    """The person of the visited unit a card number (typed, or read from the QR) names."""
    visit = _get_visit_for_user(request, pk, write=True)
    try:
        person = staff_by_card(
            text=request.GET.get("number", ""), unit=visit.unit, day=timezone.localdate()
        )
    except DomainError as error:
        return JsonResponse({"refused": str(error)})
    found = {"id": person.pk, "code": person.code, "name": person.full_name}
    return JsonResponse({"person": found})


@role_required(*READS_RECORDS)
def record_detail(request, pk):
    record = _get_record_for_user(request, pk)
    personal_data_access_log(request=request, staff_id=record.staff_id, record_id=record.pk)
    user = request.user
    appeal = getattr(record, "appeal", None)  # the reverse one-to-one raises AttributeError
    is_author = record.author_id == user.pk
    is_reviewer = user.has_role(Role.REVIEWER)
    signed_versions = list(signature_services.minutes_versions(record))
    signed = {version.capacity for version in signed_versions}
    # The outcome kept when the latest version was signed or last checked, not a new check.
    signature_check = signed_version_outcome(signed_versions[-1]) if signed_versions else None
    context = {
        # When and where a photo was taken is personal data: for who wrote or reviews it.
        "sees_capture": is_author or is_reviewer,
        "sees_originals": user.has_role(*READS_ORIGINAL_PHOTOS),
        "signed_versions": signed_versions,
        "signature_check": signature_check,
        "signatures": kept_signatures(signature_check) if signature_check else [],
        "sign_as": [
            capacity
            for capacity in SigningCapacity
            if signature_services.signing_refusal(
                record=record, user=user, capacity=capacity, signed=signed
            )
            is None
        ],
        "record": record,
        "appeal": appeal,
        "history": selectors.history_of(record),
        "photos": selectors.evidence_of(record),
        # The council reads cited records, not the rounds they came from.
        "can_open_visit": user.has_role(*SEES_RECORDS),
        "can_edit": is_author and record.status == RecordStatus.DRAFT,
        "can_correct": record.is_final and user.has_role(Role.INSPECTOR),
        "can_review": services.review_refusal(record=record, reviewer=user) is None,
        "can_appeal": record.status == RecordStatus.CONFIRMED
        and appeal is None
        and (is_reviewer or user.has_role(Role.UNIT_HEAD)),
        "can_decide": services.appeal_decision_refusal(record=record, appeal=appeal, reviewer=user)
        is None,
        "written_explanations": record.written_explanations.select_related("attached_by"),
        "can_explain": services.explanation_refusal(record=record, user=user) is None,
        "explanation_form": WrittenExplanationForm(),
        "photo_form": PhotoForm(),
        "confirm_form": ConfirmForm(),
        "dismiss_form": ReasonForm(),
        "appeal_form": ReasonForm(),
        "decide_form": DecideAppealForm(),
    }
    return render(request, "inspections/record_detail.html", context)


@role_required(Role.INSPECTOR)
def record_edit(request, pk):
    record = _get_record_for_user(request, pk)
    if record.author_id != request.user.pk:
        raise PermissionDenied
    day = timezone.localdate(record.occurred_at)
    people = staff_posted_to(unit=record.unit, day=day)
    initial = {name: getattr(record, name) for name in services.DRAFT_FIELDS}
    initial["occurred_at"] = timezone.localtime(record.occurred_at)
    form = RecordForm(request.POST or None, staff_queryset=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(record=record, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("inspections:record_detail", pk=pk)
    return render(request, "inspections/record_form.html", {"form": form, "record": record})


@role_required(Role.INSPECTOR)
def record_correct(request, pk):
    """A confirmed, dismissed or overturned record is corrected by a new, linked draft."""
    original = _get_record_for_user(request, pk)
    if not original.is_final:
        raise Http404
    people = staff_posted_to(unit=original.unit, day=timezone.localdate(original.occurred_at))
    initial = {name: getattr(original, name) for name in services.DRAFT_FIELDS}
    initial["occurred_at"] = timezone.localtime(original.occurred_at)
    form = RecordForm(request.POST or None, staff_queryset=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.record_create(
                author=request.user,
                unit=original.unit,
                visit=original.visit,
                corrects=original,
                source=original.source,
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The correction is saved as a draft."))
            return redirect("inspections:record_detail", pk=correction.pk)
    return render(request, "inspections/record_form.html", {"form": form, "correcting": original})


def _record_action(request, pk, act, success, form_class=None):
    """Check the record may be acted on, read the posted form if any, act, say the outcome.

    `act` takes the record and the form's cleaned data ({} without a form). A form that does
    not validate (a value no page sends, such as NUL) is reported and nothing is done.
    """
    record = _get_record_for_user(request, pk)
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("inspections:record_detail", pk=pk)
        data = form.cleaned_data
    try:
        act(record, data)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, success)
    return redirect("inspections:record_detail", pk=pk)


@require_POST
@role_required(Role.INSPECTOR)
def record_photos(request, pk):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        _get_record_for_user(request, pk)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("inspections:record_detail", pk=pk)
    data = form.cleaned_data
    return _record_action(
        request,
        pk,
        lambda record, _data: services.evidence_add(
            record=record, actor=request.user, photos=data["photos"], position=data["position"]
        ),
        _("Photos added."),
    )


@require_POST
@role_required(Role.UNIT_HEAD)
def explanation_attach(request, pk):
    form = WrittenExplanationForm(request.POST, request.FILES)
    form.is_valid()
    return _record_action(
        request,
        pk,
        lambda record, _data: services.explanation_attach(
            record=record,
            actor=request.user,
            text=form.cleaned_data.get("text", ""),
            document=form.cleaned_data.get("document"),
        ),
        _("The written explanation is attached; the reviewer sees it with the record."),
    )


@role_required(*READS_RECORDS)
def explanation_document(request, pk):
    explanation = get_object_or_404(WrittenExplanation, pk=pk)
    # Through the record: who may not read the record does not learn the document exists.
    record = _get_record_for_user(request, explanation.record_id)
    personal_data_access_log(request=request, staff_id=record.staff_id, record_id=record.pk)
    return document_response(
        explanation.document, filename=f"giai-trinh-{record.number_year}-{record.number_sequence}"
    )


@require_POST
@role_required(Role.INSPECTOR)
@asks_once_more(
    gettext_lazy(
        "Submitting gives the record its number and sends it to a reviewer. It can no longer "
        "be changed; a mistake is put right by a correction."
    ),
    button=gettext_lazy("Submit the record"),
)
def record_submit(request, pk):
    return _record_action(
        request,
        pk,
        lambda record, _data: services.record_submit(record=record, actor=request.user),
        _("The record is submitted for review."),
    )


@require_POST
@role_required(Role.REVIEWER)
@asks_once_more(
    gettext_lazy(
        "Confirming makes the record final: the person's nominations are evaluated again at "
        "once, and the record can then only be appealed."
    ),
    button=gettext_lazy("Confirm the record"),
)
def record_confirm(request, pk):
    return _record_action(
        request,
        pk,
        lambda record, data: services.record_confirm(
            record=record, reviewer=request.user, note=data["note"]
        ),
        _("The record is confirmed."),
        ConfirmForm,
    )


@require_POST
@role_required(Role.REVIEWER)
@asks_once_more(
    gettext_lazy(
        "Dismissing makes the record final, with the reason given: it no longer counts "
        "against the person."
    ),
    button=gettext_lazy("Dismiss the record"),
)
def record_dismiss(request, pk):
    return _record_action(
        request,
        pk,
        lambda record, data: services.record_dismiss(
            record=record, reviewer=request.user, reason=data["reason"]
        ),
        _("The record is dismissed."),
        ReasonForm,
    )


@require_POST
@role_required(Role.REVIEWER, Role.UNIT_HEAD)
def record_appeal(request, pk):
    return _record_action(
        request,
        pk,
        lambda record, data: services.record_appeal(
            record=record, actor=request.user, reason=data["reason"]
        ),
        _("The appeal is lodged."),
        ReasonForm,
    )


@require_POST
@role_required(Role.REVIEWER)
def appeal_decide(request, pk):
    return _record_action(
        request,
        pk,
        lambda record, data: services.appeal_decide(
            record=record, reviewer=request.user, outcome=data["outcome"], reason=data["reason"]
        ),
        _("The appeal is decided."),
        DecideAppealForm,
    )


def _get_photo_for_user(request, pk) -> tuple[Evidence, ViolationRecord]:
    photo = get_object_or_404(Evidence, pk=pk)
    return photo, _get_record_for_user(request, photo.record_id)


def _photo_response(name: str, content_type: str) -> FileResponse:
    response = FileResponse(default_storage.open(name), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*READS_RECORDS)
def evidence_file(request, pk, variant):
    """The photo as everyone who may see the record sees it: the copy without its metadata, or
    its thumbnail."""
    if variant not in ("photo", "thumbnail"):
        raise Http404
    photo, record = _get_photo_for_user(request, pk)
    try:
        photo = services.evidence_copies(photo=photo)
    except DomainError:  # an original stored before its checks, that no copy is made from
        raise Http404 from None
    if variant == "thumbnail":
        # The thumbnails are shown on the record's page, whose every view is logged already.
        return _photo_response(photo.thumbnail.name, "image/jpeg")
    personal_data_access_log(
        request=request, staff_id=record.staff_id, record_id=record.pk, evidence_id=photo.pk
    )
    return _photo_response(photo.shared.name, photo.content_type)


@role_required(*READS_ORIGINAL_PHOTOS)
def evidence_original(request, pk):
    """The photo byte for byte, as received, with what the phone wrote in it: the evidence."""
    photo, record = _get_photo_for_user(request, pk)
    personal_data_access_log(
        request=request, staff_id=record.staff_id, record_id=record.pk, evidence_id=photo.pk
    )
    return _photo_response(photo.file.name, photo.content_type)


# Reviewer and unit head lists


def _paginated_records(request, records):
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


@role_required(Role.REVIEWER)
def review_queue(request):
    form = ReviewFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "round_id": data["round"].pk if data["round"] else None,
            "unit_id": data["unit"].pk if data["unit"] else None,
            "type": data["type"],
            "day_from": data["day_from"],
            "day_to": data["day_to"],
        }
    page = _paginated_records(request, selectors.review_queue(**filters))
    # Citizen reports wait in their own list; the queue says how many, so nothing is missed.
    context = {"form": form, "page": page, "reports_awaiting": reports_awaiting_count()}
    return render(request, "inspections/review_queue.html", context)


@role_required(Role.UNIT_HEAD)
def unit_records(request):
    # The unit comes from the account, never from the URL.
    records = selectors.record_list(
        ViolationRecord.objects.filter(unit_id=request.user.unit_id).exclude(
            status__in=UNSENT_STATUSES
        )
    )
    page = _paginated_records(request, records)
    return render(request, "inspections/unit_records.html", {"page": page})


@require_POST
@role_required(*READS_RECORDS)
def record_pdf_request(request, pk):
    """The minutes as PDF, prepared in the background and downloaded when ready."""
    record = _get_record_for_user(request, pk)
    if record.status in UNSENT_STATUSES:
        raise Http404
    export = export_request(kind=MINUTES_PDF, subject=str(record.pk), user=request.user)
    return redirect("exports:status", pk=export.pk)


@role_required(*READS_RECORDS)
def record_pdf(request, pk):
    record = _get_record_for_user(request, pk)
    if record.status in UNSENT_STATUSES:
        raise Http404
    personal_data_access_log(request=request, staff_id=record.staff_id, record_id=record.pk)
    response = HttpResponse(minutes_pdf(record), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{minutes_filename(record)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# Digital signatures of the minutes, and the check of any signed PDF


@require_POST
@role_required(Role.INSPECTOR, Role.REVIEWER)
@asks_once_more(
    gettext_lazy(
        "Signing puts your digital signature, with your name, post and the time, on the "
        "minutes as they are now. A signed version is kept as signed and never changed."
    ),
    button=gettext_lazy("Sign the minutes"),
    typed_last=PinForm,
)
def record_sign(request, pk):
    record = _get_record_for_user(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the PIN of your signing token."))
        return redirect("inspections:record_detail", pk=pk)
    try:
        signature_services.minutes_sign(
            record=record,
            signer=request.user,
            capacity=form.cleaned_data["capacity"],
            pin=form.cleaned_data["pin"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The minutes are signed."))
    return redirect("inspections:record_detail", pk=pk)


@require_POST
@role_required(*READS_RECORDS)
def record_signatures_check(request, pk):
    """Check the signatures of the latest signed minutes again, for whoever reads the record."""
    record = _get_record_for_user(request, pk)
    try:
        signature_services.minutes_signatures_recheck(record=record, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The signatures were checked again."))
    return redirect("inspections:record_detail", pk=pk)


@role_required(*READS_RECORDS)
def signed_minutes(request, pk, version):
    record = _get_record_for_user(request, pk)
    document = get_object_or_404(signature_services.minutes_versions(record), version=version)
    personal_data_access_log(request=request, staff_id=record.staff_id, record_id=record.pk)
    response = HttpResponse(signed_bytes(document), content_type="application/pdf")
    name = minutes_filename(record).removesuffix(".pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-ky-so-{version}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.REVIEWER, Role.COUNCIL)
def signature_verify(request):
    """Check the signatures of an uploaded PDF; nothing is kept."""
    checks = None
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            checks = verify_pdf(checked_pdf(form.cleaned_data["document"]))
        except DomainError as error:
            form.add_error("document", str(error))
    return render(request, "inspections/signature_verify.html", {"form": form, "checks": checks})
