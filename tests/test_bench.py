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
]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_it_runs_every_case_at_a_tiny_scale_and_writes_the_documented_json(tmp_path):
    scale = suite.SCALES["tiny"]
    period = suite.generate(scale)

    report = suite.run_cases(scale=scale, period=period)
    path = suite.write_json(report, tmp_path)

    written = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == "tiny.json"
    assert set(written) == {"scale", "rows", "results"}
    assert written["scale"] == "tiny"
    assert written["rows"] == {"units": 5, "staff": 50, "violations": 25, "nominations": 44}
    assert [result["name"] for result in written["results"]] == CASES
    for result in written["results"]:
        assert set(result) == RESULT_KEYS
        assert result["same_result"] is True, result["name"]
        assert isinstance(result["seconds"], float)
        assert isinstance(result["baseline_seconds"], float)
    assert "eligibility_period" in suite.table(written)


def test_it_names_a_scratch_database_next_to_the_configured_one():
    url, scratch, original = scratch_url("postgres://kc@db.example:5433/kycuong", "province")

    assert (scratch, original) == ("kycuong_bench_province", "kycuong")
    assert url == "postgres://kc@db.example:5433/kycuong_bench_province"
