"""The benchmark suite (issue 7) still runs: its machinery at a tiny scale, never timed.

`make bench` is not a test; this checks only that the data generator, the cases and the JSON
report work, and that each case agrees with its baseline (same_result). No assertion on time.
"""

import json

import pytest

from bench import suite
from bench.run import scratch_url

RESULT_KEYS = {"name", "seconds", "baseline", "baseline_seconds", "ratio", "same_result"}
CASES = [
    "eligibility_period",
    "eligibility_person",
    "eligibility_naive",
    "council_list_first",
    "council_list_last",
    "export_csv",
    "minutes_pdf",
    "council_list_pdf",
    "import_staff_xlsx",
    "large_unit_staff_posted_to",
    "large_unit_roll_call",
    "large_unit_record_new",
    "phone_first_load",
    "http_inspector",
    "http_council",
]
# Figures some cases add to the documented ones.
EXTRA_KEYS = {
    "eligibility_period": {"verdicts_only_seconds"},
    "export_csv": {"bytes", "command_peak_rss_bytes"},
    "minutes_pdf": {"pages"},
    "council_list_pdf": {"pdf_rows", "pdf_pages", "pdf_bytes"},
    "import_staff_xlsx": {"rows", "file_bytes"},
    "phone_first_load": {"bytes", "requests", "baseline_bytes", "baseline_requests"},
    **{
        name: {"people"}
        for name in ("large_unit_staff_posted_to", "large_unit_roll_call", "large_unit_record_new")
    },
    **{
        name: {
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "requests",
            "requests_per_second",
            "errors",
            "baseline_p95_ms",
            "baseline_requests_per_second",
            "baseline_errors",
            "cpu_ms_per_request",
            "baseline_cpu_ms_per_request",
        }
        for name in ("http_inspector", "http_council")
    },
}


# Committed rows (transaction=True): the export's command and gunicorn, in other processes,
# read the same test database.
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_runs_every_case_at_a_tiny_scale_and_writes_the_documented_json(
    restore_migrated_rows, tmp_path
):
    scale = suite.SCALES["tiny"]
    period = suite.generate(scale)

    report = suite.run_cases(scale=scale, period=period, http_seconds=1, workers=2)
    path = suite.write_json(report, tmp_path)

    written = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == "tiny.json"
    assert set(written) == {"scale", "rows", "results", "goals"}
    assert written["scale"] == "tiny"
    assert written["rows"] == {
        "units": 5,
        "staff": 50,
        "violations": 25,
        "decisions": 6,
        "nominations": 54,
        "collective_nominations": 3,
    }
    assert [result["name"] for result in written["results"]] == CASES
    for result in written["results"]:
        assert set(result) == RESULT_KEYS | EXTRA_KEYS.get(result["name"], set())
        assert result["same_result"] is True, result["name"]
        assert isinstance(result["seconds"], float)
        assert isinstance(result["baseline_seconds"], float)
    # Each goal with its figure, limit and verdict (the figures are not judged at this scale).
    goal_names = [goal["name"] for goal in written["goals"]]
    assert any(name.startswith("http_inspector: worker CPU") for name in goal_names)
    assert any(name.startswith("http_council: worker CPU") for name in goal_names)
    assert any(name.startswith("export_csv") for name in goal_names)
    assert any(name.startswith("minutes_pdf: seconds") for name in goal_names)
    assert any(name.startswith("council_list_pdf: seconds") for name in goal_names)
    for goal in written["goals"]:
        assert set(goal) == {"name", "figure", "limit", "holds"}
        assert isinstance(goal["holds"], bool)
        assert isinstance(goal["figure"], float), goal["name"]
    printed = suite.table(written)
    assert "eligibility_period" in printed
    assert all(name in printed for name in goal_names)
    assert "holds" in printed or "misses" in printed
    by_name = {result["name"]: result for result in written["results"]}
    assert by_name["import_staff_xlsx"]["rows"] == 100
    assert by_name["large_unit_roll_call"]["people"] == 250
    assert by_name["export_csv"]["command_peak_rss_bytes"] > 0
    assert by_name["http_council"]["requests"] > 0
    assert by_name["http_inspector"]["errors"] == 0
    assert by_name["http_inspector"]["cpu_ms_per_request"] > 0
    # What the phone keeps for offline work costs more than the page alone, and is counted.
    phone = by_name["phone_first_load"]
    assert phone["bytes"] > phone["baseline_bytes"] > 0
    assert phone["requests"] > phone["baseline_requests"] > 0


def test_it_names_a_scratch_database_next_to_the_configured_one():
    url, scratch, original = scratch_url("postgres://kc@db.example:5433/kycuong", "province")

    assert (scratch, original) == ("kycuong_bench_province", "kycuong")
    assert url == "postgres://kc@db.example:5433/kycuong_bench_province"
