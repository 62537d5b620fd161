"""Spreadsheet bombs: small files that unpack or lay out into gigabytes are refused, with a word
that says why, before any reader builds their rows, through a unit head's upload page and
through the command alike; a file of many bad rows lists the first 1,000 problems and counts
the rest. Each bomb is built here, a few kilobytes to a few megabytes on disk."""

import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import ngettext

from core.tabular import (
    PACKED_TOO_TIGHT,
    TOO_MANY_COLUMNS,
    TOO_MANY_ROWS,
    TOO_MANY_TEXTS,
    WORKBOOK_TOO_LARGE,
)
from emulation.import_views import SESSION_KEY
from emulation.models import Nomination
from tests.conftest import cost
from tests.excel_files import MAIN, ODS_TYPE, OPENDOCUMENT, PARTS
from tests.factories import make_period

# What a bomb may cost before it is refused, at most.
SECONDS = 2
MEGABYTES = 200


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def period(db):
    return make_period("2019")


# --- The bombs --------------------------------------------------------------------------------


def workbook(
    path, *, rows: Iterable[bytes] = (), texts: Iterable[bytes] = (), table: str = ""
) -> None:
    """An XLSX whose first row holds the headers, followed by `rows` (XML); `texts` are added
    to its shared strings table, whose start tag gets `table` (attributes). Parts are written
    piece by piece: the test holds no bomb in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, part in PARTS.items():
            archive.writestr(name, part)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{MAIN}"{table}>'.encode())
            part.write(b"<si><t>staff_code</t></si><si><t>title</t></si>")
            for piece in texts:
                part.write(piece)
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            part.write(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')
            for piece in rows:
                part.write(piece)
            part.write(b"</sheetData></worksheet>")


def in_pieces(pieces: Iterable[bytes], size: int = 10_000) -> Iterator[bytes]:
    """Many small pieces joined into fewer large ones: written faster."""
    pieces = iter(pieces)
    while batch := b"".join(itertools.islice(pieces, size)):
        yield batch


def row_fifty_million_down(path):
    """One row, numbered 50,000,000: calamine would walk, and lay out, every row above it."""
    workbook(path, rows=[b'<row r="50000000"><c r="A50000000" t="s"><v>0</v></c></row>'])


def five_million_texts(path):
    workbook(path, texts=[b"<si><t>x</t></si>" * 5_000_000], table=' uniqueCount="5000002"')


def twenty_million_texts(path):
    workbook(path, texts=(b"<si><t>x</t></si>" * 1_000_000 for _ in range(20)))


def two_million_different_texts(path):
    """Different texts pack loosely: only their count gives them away."""
    workbook(path, texts=in_pieces(b"<si><t>%d</t></si>" % n for n in range(2_000_000)))


def a_billion_texts_announced(path):
    """Two texts, announcing a hundred billion: calamine reserves room for them all at once."""
    workbook(path, table=' count="2" uniqueCount="100000000000"')


def a_million_and_a_half_bad_rows(path):
    """Rows without their numbers, as some programs write them, each with a code and no title."""
    workbook(path, rows=in_pieces(b"<row><c><v>%d</v></c></row>" % n for n in range(1_500_000)))


def a_row_one_million_columns_wide(path):
    workbook(path, rows=[b'<row r="2"><c r="ZZZZ2" t="s"><v>1</v></c></row>'])


def ods_rows_repeated_fifty_million_times(path):
    content = (
        f'<office:document-content xmlns:office="{OPENDOCUMENT}:office:1.0" '
        f'xmlns:table="{OPENDOCUMENT}:table:1.0" xmlns:text="{OPENDOCUMENT}:text:1.0">'
        "<office:body><office:spreadsheet><table:table>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>staff_code'
        "</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="50000000">'
        '<table:table-cell office:value-type="string"><text:p>S001</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODS_TYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)


def csv_of_a_million_and_a_half_bad_rows(path):
    path.write_bytes(b"staff_code,title\n" + b"x,\n" * 1_500_000)


BOMBS = [
    (row_fifty_million_down, "a.xlsx", TOO_MANY_ROWS, {"limit": 200_000}),
    (five_million_texts, "a.xlsx", PACKED_TOO_TIGHT, {"ratio": 100}),
    (twenty_million_texts, "a.xlsx", WORKBOOK_TOO_LARGE, {"megabytes": 196}),
    (two_million_different_texts, "a.xlsx", TOO_MANY_TEXTS, {"limit": 1_600_000}),
    (a_billion_texts_announced, "a.xlsx", TOO_MANY_TEXTS, {"limit": 1_600_000}),
    (a_million_and_a_half_bad_rows, "a.xlsx", TOO_MANY_ROWS, {"limit": 200_000}),
    (a_row_one_million_columns_wide, "a.xlsx", TOO_MANY_COLUMNS, {"limit": 256}),
    (ods_rows_repeated_fifty_million_times, "a.ods", TOO_MANY_ROWS, {"limit": 200_000}),
    (csv_of_a_million_and_a_half_bad_rows, "a.csv", TOO_MANY_ROWS, {"limit": 200_000}),
]
BOMB_IDS = [bomb[0].__name__ for bomb in BOMBS]


@pytest.mark.parametrize(("build", "name", "message", "params"), BOMBS, ids=BOMB_IDS)
def test_it_refuses_a_bomb_uploaded_by_a_unit_head_quickly_and_cheaply(
    build, name, message, params, client, unit_head, period, settings, tmp_path
):
    build(tmp_path / name)
    content = (tmp_path / name).read_bytes()
    assert len(content) < settings.IMPORT_MAX_BYTES
    client.force_login(unit_head)

    with cost() as spent:
        uploaded = client.post(
            reverse("emulation:nomination_upload"),
            {"period": "2019", "file": SimpleUploadedFile(name, content)},
        )
        preview = client.get(reverse("emulation:nomination_import_preview"))

    html = preview.content.decode()
    assert uploaded.status_code == 302
    assert str(message) % params in html
    assert "Xác nhận nhập dữ liệu" not in html
    assert Nomination.objects.count() == 0
    assert spent["seconds"] < SECONDS
    assert spent["megabytes"] < MEGABYTES


@pytest.mark.parametrize(("build", "name", "message", "params"), BOMBS, ids=BOMB_IDS)
def test_it_refuses_a_bomb_given_to_the_command_quickly_and_cheaply(
    build, name, message, params, period, tmp_path
):
    build(tmp_path / name)
    stderr = io.StringIO()

    with cost() as spent, pytest.raises(CommandError) as error:
        call_command("import_nominations", "--period", "2019", str(tmp_path / name), stderr=stderr)

    assert stderr.getvalue() == str(message) % params + "\n"
    assert str(error.value) == "Không nhập dữ liệu nào: có 1 lỗi."
    assert Nomination.objects.count() == 0
    assert spent["seconds"] < SECONDS
    assert spent["megabytes"] < MEGABYTES


def test_it_shows_the_preview_as_read_at_the_upload(client, unit_head, period, media_root):
    """Read once: opening the preview again reads nothing, even when the file is no longer the
    one read (here, overwritten with a far-reaching sheet)."""
    client.force_login(unit_head)
    client.post(
        reverse("emulation:nomination_upload"),
        {"period": "2019", "file": SimpleUploadedFile("list.csv", b"staff_code,title\nS404,\n")},
    )
    row_fifty_million_down(media_root / "imports" / client.session[SESSION_KEY]["file"])

    previews = [client.get(reverse("emulation:nomination_import_preview")) for _ in range(3)]

    for preview in previews:
        html = preview.content.decode()
        assert "Có 2 lỗi" in html
        assert "S404" in html
        assert str(TOO_MANY_ROWS) % {"limit": 200_000} not in html


MANY_BAD_ROWS = b"staff_code,title\n" + b"x,\n" * 5_000  # two problems each


def test_it_lists_the_first_thousand_problems_and_counts_the_others(period, tmp_path):
    (tmp_path / "list.csv").write_bytes(MANY_BAD_ROWS)
    stderr = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "import_nominations", "--period", "2019", str(tmp_path / "list.csv"), stderr=stderr
        )

    lines = stderr.getvalue().splitlines()
    assert len(lines) == 1001
    assert lines[0] == "Dòng 2, cột “title”: Bắt buộc phải có giá trị."
    assert lines[-1] == ngettext(
        "… and %(count)s more problem.", "… and %(count)s more problems.", 9000
    ) % {"count": 9000}
    assert str(error.value) == "Không nhập dữ liệu nào: có 10000 lỗi."
