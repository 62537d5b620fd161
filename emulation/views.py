import datetime
import functools
import hashlib
from dataclasses import dataclass
from html import escape

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import page_cache
from core.access import role_required
from core.confirm import asks_once_more
from core.errors import DomainError
from core.sheets import csv_download
from core.signing import stored_checks
from core.templatetags.form_fields import form_fields
from emulation import selectors, services
from emulation.documents import (
    DECISION,
    MEETING,
    SIGNED_LIST,
    SIGNED_MEETING,
    document_refusal,
)
from emulation.exports import (
    DECISION_DOCX,
    DECISION_PDF,
    DOCUMENT_OF_KIND,
    MEETING_PDF,
    PERIOD_PDF,
    PERIOD_XLSX,
    eligibility_csv,
    export_subject,
    list_pdf_file,
    period_workbook,
)
from emulation.forms import (
    CouncilMeetingForm,
    NominationForm,
    NominationUploadForm,
    PeriodSettingsForm,
    PeriodUploadForm,
    RevocationResolveForm,
    SecretaryForm,
)
from emulation.models import (
    LOCAL_ZONE,
    Period,
    PeriodStatus,
    Policy,
    Rating,
    RevocationCase,
    RevocationStatus,
    Title,
    TitleKind,
    VerdictStatus,
)
from emulation.signature_services import council_document_refusal
from emulation.signature_services import council_document_sign as council_sign
from exports.models import SignedDocument
from exports.services import export_request
from exports.signed import latest_signed, signed_bytes
from inspections.forms import PinForm
from inspections.models import ViolationType
from personnel.models import Role, Unit
from personnel.selectors import staff_posted_to

READERS = (Role.COUNCIL, Role.REVIEWER)
UNIT_CHOICES_SHOWN = 200
UNIT_NOT_NOMINATING = gettext_lazy("No unit with this code nominated anyone in this period.")
NOT_FULLY_CHECKED_LABEL = gettext_lazy("Eligible, not fully checked")
# Where the unit head's uploaded list waits for its confirmation (emulation/import_views.py).
UPLOAD_SESSION_KEY = "nomination_import"
# What excludes in a period, in words, with its legal basis.
POLICY_TEXT = {
    Policy.VIOLATIONS: gettext_lazy(
        "Every violation record confirmed in the period excludes (the city's practice), and so "
        "does discipline in effect on a day of the period; a record awaiting review or an open "
        "discipline procedure defers the nomination (Decree 98/2023/NĐ-CP, article 4)."
    ),
    Policy.DISCIPLINE: gettext_lazy(
        "Only discipline in effect on a day of the period excludes; violation records alone do "
        "not. An open discipline procedure defers the nomination (Decree 98/2023/NĐ-CP, "
        "article 4)."
    ),
}


def _get_period_for_user(request, code: str, *, write: bool = False) -> Period:
    """The period, for the council (and administrators) to act on or reviewers to read."""
    period = get_object_or_404(Period.objects.select_related("secretary", "meeting"), code=code)
    if write and not request.user.has_role(Role.COUNCIL):
        raise PermissionDenied
    return period


def _get_case_for_user(request, pk: int) -> RevocationCase:
    if not request.user.has_role(Role.COUNCIL):
        raise PermissionDenied
    return get_object_or_404(RevocationCase.objects.select_related("nomination__period"), pk=pk)


@role_required(*READERS)
def periods(request):
    return render(request, "emulation/periods.html", {"periods": selectors.period_list()})


def _choice(queryset, code: str):
    return queryset.filter(code=code).first() if code else None


@dataclass(frozen=True)
class Pager:
    next_after: int | None
    has_previous: bool


@dataclass(frozen=True)
class ListEvent:
    """A step of the period's history as the page shows it."""

    at: datetime.datetime
    action_label: str
    actor_name: str
    reason: str


@dataclass(frozen=True)
class Listing:
    """What the period page reads of the list for one choice of filters and page: the same
    for every reader, kept in the shared cache (core.page_cache)."""

    units_html: str | None  # None: too many units to offer, the filter takes a typed code
    unit: tuple[int, str, str] | None
    titles_html: str
    title: tuple[int, str, str] | None
    counts: dict[str, int]
    rows_html: str
    next_after: int | None
    has_collectives: bool
    cap_warnings: list[dict]
    events: list[ListEvent]
    secretary_fields: str


def _listing(
    period: Period,
    *,
    unit_code: str,
    title_code: str,
    status: str,
    after: int | None,
    collective: bool,
) -> Listing:
    nominating_units = selectors.nominating_units(period=period)
    # A national period has thousands of units: past a screenful the filter takes a typed code.
    listed = list(nominating_units.values_list("pk", "code", "name")[: UNIT_CHOICES_SHOWN + 1])
    # A handful of titles, read as tuples: the filter's options and the chosen one alike.
    titles = list(Title.objects.order_by("code").values_list("pk", "code", "name"))
    # The listed units are already read; only a typed code needs its own lookup.
    if len(listed) > UNIT_CHOICES_SHOWN:
        units_html = None
        unit = _choice(nominating_units, unit_code)
    else:
        units_html = _options_html(((code, name) for _pk, code, name in listed), unit_code)
        unit = next(
            (Unit(pk=pk, code=code, name=name) for pk, code, name in listed if code == unit_code),
            None,
        )
    title = next(
        (Title(pk=pk, code=code, name=name) for pk, code, name in titles if code == title_code),
        None,
    )
    filters = selectors.ListFilter(unit=unit, title=title, status=status)
    page = selectors.nomination_page(
        period=period, filters=filters, after=after, collective=collective
    )
    return Listing(
        units_html=units_html,
        unit=(unit.pk, unit.code, unit.name) if unit else None,
        titles_html=_options_html(
            ((code, name) for _pk, code, name in titles), title.code if title else ""
        ),
        title=(title.pk, title.code, title.name) if title else None,
        counts=selectors.verdict_counts(period=period, unit=unit, title=title),
        rows_html=_list_rows_html(page.rows, collective=collective),
        next_after=page.next_after,
        has_collectives=filters.nominations(period).filter(staff__isnull=True).exists(),
        cap_warnings=selectors.cap_warnings(period=period),
        events=[
            ListEvent(
                at=event.at,
                action_label=event.get_action_display(),
                actor_name=str(event.actor),
                reason=event.reason,
            )
            for event in period.events.select_related("actor")
        ],
        # Shown to the council alone, the same for each of them: kept with the rest.
        secretary_fields=form_fields(
            SecretaryForm(
                initial={"secretary": period.secretary_id}, members=selectors.council_members()
            )
        ),
    )


def _listing_key(period: Period, choice: tuple) -> str:
    # The query's values hashed: a typed unit code may hold anything a cache key may not.
    digest = hashlib.sha256(repr((get_language(), period.secretary_id, *choice)).encode())
    return f"emulation:period:{period.pk}:{digest.hexdigest()}"


@functools.lru_cache(maxsize=64)
def _settings_fields(_language: str, settings: tuple) -> str:
    """The settings form for these values, in that language: the same markup every time."""
    return form_fields(PeriodSettingsForm(initial=dict(settings)))


@role_required(*READERS)
def period_detail(request, code):
    period = _get_period_for_user(request, code)
    unit_code = request.GET.get("unit", "").strip()
    title_code = request.GET.get("title", "")
    status = request.GET.get("status", "")
    if status not in selectors.LIST_STATUSES:
        status = ""
    try:
        after = int(request.GET["after"]) if request.GET.get("after") else None
    except ValueError:
        raise Http404 from None
    # People and collectives are listed apart, each paged: a period has hundreds of units.
    collective = request.GET.get("nominee") == "unit"
    choice = (unit_code, title_code, status, after, collective)
    listing = page_cache.kept(
        _listing_key(period, choice),
        versions=[page_cache.period_version(period.pk), "people", "titles"],
        compute=lambda: _listing(
            period,
            unit_code=unit_code,
            title_code=title_code,
            status=status,
            after=after,
            collective=collective,
        ),
    )
    unit = (
        Unit(pk=listing.unit[0], code=listing.unit[1], name=listing.unit[2])
        if listing.unit
        else None
    )
    title = (
        Title(pk=listing.title[0], code=listing.title[1], name=listing.title[2])
        if listing.title
        else None
    )
    query = request.GET.copy()
    query.pop("after", None)
    people_query, units_query = query.copy(), query.copy()
    people_query.pop("nominee", None)
    units_query["nominee"] = "unit"
    return render(
        request,
        "emulation/period.html",
        {
            "period": period,
            "counts": listing.counts,
            "page": Pager(next_after=listing.next_after, has_previous=after is not None),
            "rows_html": listing.rows_html,
            "collective": collective,
            "has_collectives": listing.has_collectives,
            "people_query": people_query.urlencode(),
            "units_query": units_query.urlencode(),
            "cap_warnings": listing.cap_warnings,
            "units": listing.units_html,
            "unit_code": unit_code,
            "unit_error": UNIT_NOT_NOMINATING if unit_code and unit is None else "",
            "titles": listing.titles_html,
            "statuses": [
                (VerdictStatus.EXCLUDED, VerdictStatus.EXCLUDED.label),
                (VerdictStatus.PENDING, VerdictStatus.PENDING.label),
                (selectors.NOT_FULLY_CHECKED, NOT_FULLY_CHECKED_LABEL),
                (VerdictStatus.ELIGIBLE, VerdictStatus.ELIGIBLE.label),
            ],
            "selected": {"unit": unit, "title": title, "status": status},
            "filter_query": query.urlencode(),
            # Cases are opened only on an approved list, which stays approved (the rule
            # service's _evaluate_in); no other period is asked for them.
            "cases": [
                (case, RevocationResolveForm(case=case))
                for case in selectors.open_revocation_cases(period=period)
            ]
            if period.is_approved
            else [],
            "can_act": request.user.has_role(Role.COUNCIL),
            # Reviewers and administrators may upload any unit's list while it is open.
            "upload_form": PeriodUploadForm()
            if request.user.has_role(Role.REVIEWER) and not period.is_approved
            else None,
            "is_approved": period.status == PeriodStatus.APPROVED,
            "policy_text": POLICY_TEXT[period.policy],
            "events": listing.events,
            "settings_fields": _settings_fields(
                get_language(),
                (
                    ("policy", period.policy),
                    ("min_months", period.min_months),
                    ("collective_share", period.collective_share),
                    ("cstdcs_cap", period.cstdcs_cap),
                    ("review_opens_on", period.review_opens_on),
                ),
            )
            if request.user.has_role(Role.COUNCIL) and period.status == PeriodStatus.COLLECTING
            else None,
            "secretary_fields": listing.secretary_fields
            if request.user.has_role(Role.COUNCIL)
            else None,
            "meeting": getattr(period, "meeting", None),
            "may_record_meeting": services.records_meeting(period=period, user=request.user),
            "meeting_ready": document_refusal(period=period, document=MEETING) is None,
            "council_signatures": _council_signatures(period, request.user),
            "decision_ready": document_refusal(period=period, document=DECISION) is None,
        },
    )


# The rows' labels by value: a model's get_FOO_display() rebuilds its choices on every call,
# a few hundred times on a page of 50 rows.
STATUS_LABELS = {
    **dict(VerdictStatus.choices),
    selectors.NOT_FULLY_CHECKED: NOT_FULLY_CHECKED_LABEL,
}
RATING_LABELS = dict(Rating.choices)
TYPE_LABELS = dict(ViolationType.choices)


def _record_item(record, kinds: dict[str, str]) -> str:
    address = reverse("inspections:record_detail", args=[record.pk])
    day = date_format(timezone.localtime(record.occurred_at), "SHORT_DATE_FORMAT")
    kind = kinds.get(record.type) or escape(record.type)
    return f'<li><a href="{address}">{escape(record.number or "—")}</a> · {day} · {kind}</li>'


def _reasons_cell(row: selectors.ListRow, words: dict[str, dict[str, str]]) -> str:
    """The nomination's records as links, the other reasons and the criteria not checked, in
    words; a dash when there are none."""
    items = [
        _record_item(reason.record, words["type"]) for reason in row.reasons if reason.record_id
    ]
    items += [
        f"<li>{escape(selectors.reason_text(reason))}</li>"
        for reason in row.reasons
        if not reason.record_id
    ]
    if row.unchecked:
        unchecked = words["unchecked"].get(row.unchecked)
        if unchecked is None:
            unchecked = words["unchecked"][row.unchecked] = escape(
                selectors.unchecked_words(row.unchecked)
            )
        items.append(f'<li class="unchecked">{unchecked}</li>')
    return f'<ul class="deciding-records">{"".join(items)}</ul>' if items else "—"


def _list_rows_html(rows: list[selectors.ListRow], *, collective: bool) -> str:
    """The council's rows as markup, built once here: the template's lookups, escaping,
    translations and includes per cell cost more than the rest of the page. Every value is
    escaped where it is written."""
    label = {
        name: escape(str(text))
        for name, text in {
            "staff_code": _("Staff code"),
            "full_name": _("Full name"),
            "unit": _("Nominating unit"),
            "unit_code": _("Unit code"),
            "unit_name": _("Unit"),
            "title": _("Title"),
            "verdict": _("Verdict"),
            "reasons": _("Reasons and legal basis"),
            "rating": _("Quality rating"),
        }.items()
    }
    # The labels in the page's language, translated and escaped once a page, not once a row.
    words = {
        "status": {group: escape(str(text)) for group, text in STATUS_LABELS.items()},
        "rating": {value: escape(str(text).lower()) for value, text in RATING_LABELS.items()},
        "type": {value: escape(str(text)) for value, text in TYPE_LABELS.items()},
        "unchecked": {},
    }
    html = []
    for row in rows:
        if collective:
            nominee = (
                f'<td data-label="{label["unit_code"]}">{escape(row.unit_code)}</td>'
                f'<td data-label="{label["unit_name"]}">{escape(row.unit_name)}</td>'
            )
        else:
            nominee = (
                f'<td data-label="{label["staff_code"]}">{escape(row.staff_code)}</td>'
                f'<td data-label="{label["full_name"]}">{escape(row.full_name)}</td>'
                f'<td data-label="{label["unit"]}">{escape(row.unit_name)}</td>'
            )
        rating = words["rating"].get(row.rating) or escape(str(row.rating or "").lower())
        if rating:
            rating = f"<br><small>{label['rating']}: {rating}</small>"
        group = row.group
        kind = "unchecked" if group == selectors.NOT_FULLY_CHECKED else group
        html.append(
            f"<tr>{nominee}"
            f'<td data-label="{label["title"]}">{escape(row.title_name)}{rating}</td>'
            f'<td data-label="{label["verdict"]}"><span class="verdict verdict--{kind}">'
            f"{words['status'][group]}</span></td>"
            f'<td data-label="{label["reasons"]}">{_reasons_cell(row, words)}</td></tr>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 (each value escaped above)


def _options_html(choices, selected: str) -> str:
    """A select's options, `(value, label)` each, written once here: up to 200 units a page
    through the template's loop cost more than the rest of the filters."""
    return mark_safe(  # noqa: S308 (each value escaped here)
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


def _filters(query, period: Period) -> selectors.ListFilter:
    """The list's filters from a page's query string or an export's form (the same names)."""
    return selectors.list_filter(
        period=period,
        unit_code=query.get("unit", "").strip(),
        title_code=query.get("title", ""),
        status=query.get("status", ""),
    )


@role_required(*READERS)
def period_export(request, code):
    period = _get_period_for_user(request, code)
    response = HttpResponse(
        period_workbook(period=period, filters=_filters(request.GET, period)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"danh-sach-{slugify(period.code) or period.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*READERS)
def period_export_pdf(request, code):
    period = _get_period_for_user(request, code)
    filename, data = list_pdf_file(period=period, filters=_filters(request.GET, period))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*READERS)
def period_export_csv(request, code):
    """The verdicts as EXCHANGE.md's eligibility CSV, streamed from a server-side cursor."""
    period = _get_period_for_user(request, code)
    return csv_download(
        eligibility_csv(period=period),
        filename=f"xet-thi-dua-{slugify(period.code) or period.pk}.csv",
    )


@require_POST
@role_required(*READERS)
def period_export_request(request, code):
    """The list as XLSX or PDF, prepared in the background (a large period takes minutes)."""
    period = _get_period_for_user(request, code)
    kinds = {
        "xlsx": PERIOD_XLSX,
        "pdf": PERIOD_PDF,
        MEETING_PDF: MEETING_PDF,
        DECISION_PDF: DECISION_PDF,
        DECISION_DOCX: DECISION_DOCX,
    }
    kind = kinds.get(request.POST.get("format", ""))
    if kind is None:
        raise Http404
    if kind in DOCUMENT_OF_KIND and (
        refusal := document_refusal(period=period, document=DOCUMENT_OF_KIND[kind])
    ):
        messages.error(request, str(refusal))
        return redirect("emulation:period", code=period.code)
    filters = _filters(request.POST, period)
    export = export_request(kind=kind, subject=export_subject(period, filters), user=request.user)
    return redirect("exports:status", pk=export.pk)


@require_POST
@role_required(Role.COUNCIL)
@asks_once_more(
    gettext_lazy(
        "Sending the list to the council closes the collection: the period takes no more "
        "nominations."
    ),
    button=gettext_lazy("Send the list to the council"),
)
def period_start_review(request, code):
    period = _get_period_for_user(request, code, write=True)
    try:
        services.period_start_review(period=period, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The list went to the council for review."))
    return redirect("emulation:period", code=period.code)


@require_POST
@role_required(Role.COUNCIL)
@asks_once_more(
    gettext_lazy(
        "Returning the list to collection takes it back from the council: the units may "
        "nominate again, and the reason is kept in the period's history."
    ),
    button=gettext_lazy("Return the list to collection"),
)
def period_return(request, code):
    period = _get_period_for_user(request, code, write=True)
    try:
        services.period_return_to_collection(
            period=period, user=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The list is back in collection."))
    return redirect("emulation:period", code=period.code)


@require_POST
@role_required(Role.COUNCIL)
def period_settings(request, code):
    period = _get_period_for_user(request, code, write=True)
    form = PeriodSettingsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("emulation:period", code=period.code)
    try:
        services.period_settings_change(period=period, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The rule's settings are saved and the list evaluated again."))
    return redirect("emulation:period", code=period.code)


@require_POST
@role_required(Role.COUNCIL)
def period_secretary(request, code):
    period = _get_period_for_user(request, code, write=True)
    form = SecretaryForm(request.POST, members=selectors.council_members())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("emulation:period", code=period.code)
    try:
        services.period_secretary_set(
            period=period, secretary=form.cleaned_data["secretary"], user=request.user
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The council's secretary is saved."))
    return redirect("emulation:period", code=period.code)


def _meeting_initial(period: Period) -> dict:
    meeting = getattr(period, "meeting", None)
    if meeting is None:
        return {}
    fields = CouncilMeetingForm.base_fields
    return {name: getattr(meeting, name) for name in fields} | {
        "held_at": timezone.localtime(meeting.held_at, LOCAL_ZONE)
    }


@role_required(*READERS)
def council_meeting(request, code):
    """The council's meeting on the list: read by the council and reviewers, typed by the
    period's secretary (and administrators)."""
    period = _get_period_for_user(request, code)
    writer = services.records_meeting(period=period, user=request.user)
    form = CouncilMeetingForm(initial=_meeting_initial(period)) if writer else None
    if request.method == "POST":
        if not writer:
            raise PermissionDenied
        form = CouncilMeetingForm(request.POST)
        # The time typed is the meeting's local time.
        with timezone.override(LOCAL_ZONE):
            valid = form.is_valid()
            if valid:
                try:
                    services.council_meeting_record(
                        period=period, user=request.user, **form.cleaned_data
                    )
                except DomainError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, _("The minutes of the council's meeting are saved."))
                    return redirect("emulation:period", code=period.code)
    return render(
        request,
        "emulation/council_meeting.html",
        {
            "period": period,
            "meeting": getattr(period, "meeting", None),
            "form": form,
            "refusal": services.meeting_refusal(period=period, user=request.user),
        },
    )


@require_POST
@role_required(Role.COUNCIL)
@asks_once_more(
    gettext_lazy(
        "Approving freezes the list. Pending nominations are approved as deferred; what "
        "changes later becomes a case for the council."
    ),
    button=gettext_lazy("Approve and freeze the list"),
)
def period_approve(request, code):
    period = _get_period_for_user(request, code, write=True)
    try:
        services.period_approve(period=period, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The list is approved and frozen."))
    return redirect("emulation:period", code=period.code)


@require_POST
@role_required(Role.COUNCIL)
@asks_once_more(
    gettext_lazy("The council's decision on the case is final."),
    button=gettext_lazy("Record the decision"),
)
def revocation_resolve(request, pk):
    case = _get_case_for_user(request, pk)
    form = RevocationResolveForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, services.REVOCATION_UNKNOWN_OUTCOME)
    else:
        try:
            services.revocation_resolve(
                case=case,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            done = {
                RevocationStatus.REVOKED: _("The title is revoked."),
                RevocationStatus.REINSTATED: _("The title is reinstated."),
                RevocationStatus.GRANTED: _("The title is granted."),
            }
            messages.success(
                request, done.get(form.cleaned_data["outcome"], _("The case is closed."))
            )
    return redirect("emulation:period", code=case.nomination.period.code)


def _open_periods():
    """The periods a unit head may nominate in: those still collecting (the service refuses
    the others, so the form does not offer them)."""
    return Period.objects.filter(status=PeriodStatus.COLLECTING).order_by("-starts_on")


def upload_form(*args) -> NominationUploadForm:
    # Its own ids: the nomination form on the same page has a period field too.
    return NominationUploadForm(*args, periods=_open_periods(), auto_id="id_upload_%s")


def nominations_page(
    request,
    *,
    form=None,
    collective_form=None,
    upload=None,
    upload_refusal: str | None = None,
    status: int = 200,
):
    """The unit head's page: their unit's nominations, the forms to nominate a person of the unit
    or the unit itself, and the spreadsheet upload."""
    unit = request.user.unit
    today = timezone.localdate(timezone=LOCAL_ZONE)
    if form is None:
        form = NominationForm(**_form_options(unit, today))
    if collective_form is None:
        collective_form = NominationForm(**_form_options(unit, today, collective=True))
    nominations = list(selectors.unit_nominations(unit=unit)) if unit else []
    return render(
        request,
        "emulation/nominations.html",
        {
            "unit": unit,
            "form": form,
            "collective_form": collective_form,
            "upload_form": upload or upload_form(),
            "upload_refusal": upload_refusal,
            "pending_upload": request.session.get(UPLOAD_SESSION_KEY),
            "nominations": nominations,
            "rows": [
                (
                    nomination,
                    selectors.reason_texts(nomination),
                    selectors.unchecked_text(nomination),
                )
                for nomination in nominations
            ],
        },
        status=status,
    )


def _form_options(unit, today, *, collective: bool = False) -> dict:
    """The choices of the unit head's form: the open periods and the titles of the kind; for a
    person, the unit's people today, among whom a typed name is looked up."""
    if collective:
        return {
            "periods": _open_periods(),
            "titles": Title.objects.filter(kind=TitleKind.COLLECTIVE).order_by("code"),
            "collective": True,
            # Both forms are on one page: the prefix keeps their fields' ids apart.
            "prefix": "collective",
        }
    return {
        "periods": _open_periods(),
        "titles": Title.objects.filter(kind=TitleKind.INDIVIDUAL).order_by("code"),
        "staff": staff_posted_to(unit=unit, day=today) if unit else None,
    }


@role_required(Role.UNIT_HEAD)
def nominations(request):
    """A unit head's nominations and verdicts, and the forms to nominate a person of the unit
    (typed by code or by name) or the unit itself for a collective title."""
    unit = request.user.unit
    if request.method != "POST":
        return nominations_page(request)
    if unit is None:
        raise PermissionDenied
    today = timezone.localdate(timezone=LOCAL_ZONE)
    collective = request.POST.get("nominee") == "unit"
    form = NominationForm(request.POST, **_form_options(unit, today, collective=collective))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.nomination_create(
                period_code=data["period"],
                title_code=data["title"],
                staff_code=data["staff_code"].code if data.get("staff_code") else "",
                rating=data.get("rating", ""),
                initiative=data.get("initiative", ""),
                unit=unit,
                submitted_by=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The nomination is recorded."))
            return redirect(reverse("emulation:nominations"))
    if collective:
        return nominations_page(request, collective_form=form)
    return nominations_page(request, form=form)


# --- The secretary's digital signatures ------------------------------------------------------

SIGNED_DOCUMENTS = {
    SIGNED_LIST: gettext_lazy("The list"),
    SIGNED_MEETING: gettext_lazy("The minutes of the council's meeting"),
}


def _council_signatures(period: Period, user) -> list[dict]:
    """Each of the council's signable documents: its signed version, or whether `user` may
    sign it now (one query; none before the period has a secretary). The signatures themselves
    are checked on their own page, not on every view of the list."""
    if period.secretary_id is None:
        return []
    latest = {
        document.kind: document
        for document in SignedDocument.objects.filter(
            kind__in=list(SIGNED_DOCUMENTS), subject=period.code
        )
        .select_related("signed_by")
        .order_by("version")
    }
    return [
        {
            "kind": kind,
            "label": label,
            "signed": latest.get(kind),
            "may_sign": kind not in latest
            and council_document_refusal(period=period, user=user, kind=kind) is None,
        }
        for kind, label in SIGNED_DOCUMENTS.items()
    ]


def _signed_document(period: Period, kind: str):
    if kind not in SIGNED_DOCUMENTS:
        raise Http404
    signed = latest_signed(kind=kind, subject=period.code)
    if signed is None:
        raise Http404
    return signed


@require_POST
@role_required(Role.COUNCIL)
@asks_once_more(
    gettext_lazy(
        "Signing puts your digital signature, with your name, post and the time, on the "
        "document as it is now. The signed version is kept as signed and never made again."
    ),
    button=gettext_lazy("Sign the document"),
    typed_last=PinForm,
)
def council_document_sign(request, code, kind):
    period = _get_period_for_user(request, code, write=True)
    form = PinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the PIN of your signing token."))
        return redirect("emulation:period", code=period.code)
    try:
        council_sign(period=period, kind=kind, signer=request.user, pin=form.cleaned_data["pin"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The document is signed."))
    return redirect("emulation:period", code=period.code)


@role_required(*READERS)
def council_signed(request, code, kind):
    """The signed document's signatures, each checked as it stands, and its download."""
    period = _get_period_for_user(request, code)
    signed = _signed_document(period, kind)
    context = {
        "period": period,
        "label": SIGNED_DOCUMENTS[kind],
        "signed": signed,
        "checks": stored_checks(signed_bytes(signed)),
    }
    return render(request, "emulation/council_signed.html", context)


@role_required(*READERS)
def council_signed_pdf(request, code, kind):
    period = _get_period_for_user(request, code)
    signed = _signed_document(period, kind)
    response = HttpResponse(signed_bytes(signed), content_type="application/pdf")
    name = f"{kind.replace('_', '-')}-{slugify(period.code) or period.pk}-ky-so-{signed.version}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
