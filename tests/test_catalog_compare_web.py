"""The studio's comparison of two versions and the predicted-vs-actual table (issue 16,
points 4-5), on SQLite and PostgreSQL: small groups hidden in the screen, the JSON and the
Excel export; the prediction stored at publication; applications counted by month and region.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from ieum.catalog.compare import COUNT_COLUMNS, MONEY_COLUMNS, SUPPRESSED_TEXT, gains_and_losses
from ieum.catalog.definition import shipped_programs, to_mapping
from ieum.services.catalog import compare as comparing
from ieum.services.catalog import simulation
from ieum.store.models import AuditEvent
from ieum.store.models_catalog import Application, Program, ProgramVersion
from ieum.store.models_compare import ProgramPrediction, SimulationComparison
from tests.test_catalog_platform import (
    LIVELIHOOD_ANNEX,
    NEAR,
    POOR,
    _apply,
    _client,
    _post,
    _session,
    catalog_app,  # noqa: F401 - the fixture
    to_yaml_mapping,
)
from tests.webutil import csrf_token

COLUMNS = (*COUNT_COLUMNS, *MONEY_COLUMNS)


def _upload_v2(app, share: float = 0.35) -> None:
    designer = _client(app, "pdesigner")
    mapping = to_mapping(shipped_programs()["livelihood-2026"])
    mapping["parameters"] = {2025: {"threshold_share": 0.32}, 2026: {"threshold_share": share}}
    upload = designer.post("/studio/upload", data={
        "csrf_token": csrf_token(designer, "/studio/upload"),
        "file": (io.BytesIO(to_yaml_mapping(mapping).encode()), "v2.yaml")})
    assert upload.status_code == 302


def test_compare_screen_json_and_export_hide_small_groups(catalog_app) -> None:  # noqa: F811
    catalog_app.config["IEUM_CATALOG_MIN_GROUP"] = 30
    _upload_v2(catalog_app)
    designer = _client(catalog_app, "pdesigner")
    page = designer.get("/studio/p/livelihood-2026").get_data(as_text=True)
    assert 'data-testid="compare-card"' in page
    response = _post(designer, "/studio/p/livelihood-2026/compare", {},
                     "/studio/p/livelihood-2026")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    html = designer.get(response.location).get_data(as_text=True)
    assert 'data-testid="decile-chart"' in html and 'data-testid="decile-chart-table"' in html
    comparison_id = int(response.location.rsplit("/", 1)[1])
    with _session(catalog_app) as session:
        row = session.get(SimulationComparison, comparison_id)
        assert row.min_group == 30
        a = session.get(ProgramVersion, row.version_a_id)
        b = session.get(ProgramVersion, row.version_b_id)
        assert (a.number, a.status, b.number) == (1, "published", 2)
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "program.compare"))
    # the truth, unsuppressed, on the same synthetic population
    population, _ = simulation.synthetic_population(catalog_app.instance_path, 5000)
    base, _ = shipped_programs()["livelihood-2026"], None
    with _session(catalog_app) as session:
        from ieum.services import catalog as programs

        definition_b = programs.definition_of(session.get(ProgramVersion, row.version_b_id))
    truth = gains_and_losses(base, definition_b, population, min_group=1)
    data = designer.get(f"/studio/comparisons/{comparison_id}.json").get_json()
    assert data["min_group"] == 30
    small = 0
    for dimension in ("region", "size", "decile"):
        raw = {r["key"]: r for r in truth.groups[dimension]}
        table = re.search(rf'data-testid="gains-{dimension}".*?</table>', html, re.S).group(0)
        for row_json in data[f"by_{dimension}"]:
            real = raw[row_json["key"]]
            cells = re.search(rf'<tr data-key="{row_json["key"]}".*?</tr>', table,
                              re.S).group(0)
            shown = re.findall(r"<td[^>]*>([^<]*)</td>", cells)
            for column, text in zip(COLUMNS, shown, strict=True):
                if 0 < real[column] < 30 and column in COUNT_COLUMNS:
                    small += 1
                    assert row_json[column] is None
                    assert text == SUPPRESSED_TEXT
                if row_json[column] is None:
                    assert text == SUPPRESSED_TEXT
                else:
                    assert row_json[column] == real[column]
    assert small > 0  # there were small groups, and none was shown
    export = designer.get(f"/studio/comparisons/{comparison_id}.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == ["요약", "지역별", "가구원 수별", "소득 10분위별"]
    sheet = book["가구원 수별"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    by_label = {r[0]: r[1:] for r in values}
    for row_json in data["by_size"]:
        for column, value in zip(COLUMNS, by_label[row_json["label"]], strict=True):
            assert value == (SUPPRESSED_TEXT if row_json[column] is None else row_json[column])


def test_compare_refuses_a_program_with_one_version(catalog_app) -> None:  # noqa: F811
    designer = _client(catalog_app, "pdesigner")
    response = _post(designer, "/studio/p/medical-2026/compare", {}, "/studio/p/medical-2026")
    assert response.status_code == 400
    assert "비교할 다른 버전이 없습니다" in response.get_data(as_text=True)
    bad = _post(designer, "/studio/p/medical-2026/compare", {"a": "1", "b": "9"},
                "/studio/p/medical-2026")
    assert bad.status_code == 400 and "버전을 찾을 수 없습니다: 9" in bad.get_data(as_text=True)


def test_prediction_at_publication_and_predicted_vs_actual(catalog_app) -> None:  # noqa: F811
    catalog_app.config["IEUM_CATALOG_MIN_GROUP"] = 2
    _upload_v2(catalog_app)
    designer = _client(catalog_app, "pdesigner")
    _post(designer, "/studio/p/livelihood-2026/submit", {}, "/studio/p/livelihood-2026")
    with _session(catalog_app) as session:
        v2 = session.scalar(select(ProgramVersion).join(Program).where(
            Program.code == "livelihood-2026", ProgramVersion.number == 2))
        v2_id = v2.id
    reviewer = _client(catalog_app, "previewer")
    assert _post(reviewer, f"/studio/v/{v2_id}/approve", {}, "/studio/").status_code == 302
    with _session(catalog_app) as session:
        stored = session.scalar(select(ProgramPrediction).where(
            ProgramPrediction.program_version_id == v2_id))
        assert stored is not None
        assert stored.prediction["covered_households"] == comparing.DEFAULT_COVERED_HOUSEHOLDS
        assert sum(g["eligible_households"] for g in stored.prediction["by_region"].values()) \
            == stored.prediction["eligible_households"] > 0
    worker = _client(catalog_app, "cworker")
    for household in (POOR, POOR, NEAR):  # two decided automatically, one investigated
        assert _apply(catalog_app, worker, ["livelihood-2026"], household,
                      extra=LIVELIHOOD_ANNEX).status_code == 302
    with _session(catalog_app) as session:
        rows = session.scalars(select(Application).where(
            Application.program_version_id == v2_id)).all()
        assert len(rows) == 3
        benefits = sum(a.benefit for a in rows if a.decision == "eligible")
    page = designer.get("/studio/p/livelihood-2026/outcomes").get_data(as_text=True)
    assert 'data-testid="predicted-vs-actual"' in page
    month = re.search(r'<tr data-month="([0-9-]+)" data-region="seoul"', page).group(1)
    seoul = re.search(rf'<tr data-month="{month}" data-region="seoul".*?</tr>', page,
                      re.S).group(0)
    assert re.search(r'data-col="applications">3<', seoul)
    assert re.search(r'data-col="eligible">2<', seoul)
    assert f"{benefits:,}원" in seoul
    # the same table in Excel; with k = 3 the benefit of two decisions is hidden everywhere
    catalog_app.config["IEUM_CATALOG_MIN_GROUP"] = 3
    export = designer.get("/studio/p/livelihood-2026/outcomes.xlsx")
    sheet = load_workbook(io.BytesIO(export.data))["예측 대비 실적"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    seoul_row = next(r for r in rows if r[0] == month and r[1] == "서울")
    assert seoul_row[3] == 3 and seoul_row[5] == 2
    assert seoul_row[8] == SUPPRESSED_TEXT
    month_total = next(r for r in rows if r[0] == month and r[1] == "전체")
    assert month_total[8] == SUPPRESSED_TEXT  # else total minus the other regions gives it
    assert next(r for r in rows if r[0] == "전 기간" and r[1] == "전체")[8] == SUPPRESSED_TEXT
    assert next(r for r in rows if r[0] == month and r[1] == "경기")[8] == 0
    assert not any(r[8] == benefits for r in rows)
    report = comparing.predicted_vs_actual
    with _session(catalog_app) as session:
        program = session.scalar(select(Program).where(Program.code == "livelihood-2026"))
        result = report(session, program, dt.date(2026, 3, 10), min_group=1)
        per_month = result.rows[0].predicted_applications
        share = stored.prediction["by_region"]["seoul"]["eligible_households"] / 5000
        assert per_month == round(10_000 * share * 0.5 / 12, 1)


def test_outcomes_without_a_stored_prediction_offers_to_compute_it(catalog_app) -> None:  # noqa: F811
    designer = _client(catalog_app, "pdesigner")
    page = designer.get("/studio/p/housing-2026/outcomes").get_data(as_text=True)
    assert 'data-testid="no-prediction"' in page
    response = _post(designer, "/studio/p/housing-2026/prediction", {},
                     "/studio/p/housing-2026/outcomes")
    assert response.status_code == 302
    page = designer.get("/studio/p/housing-2026/outcomes").get_data(as_text=True)
    assert 'data-testid="predicted-vs-actual"' in page
    staff = _client(catalog_app, "cworker")
    assert staff.get("/studio/p/housing-2026/outcomes").status_code == 403


def test_cli_compares_stored_versions(catalog_app, migrated_url, tmp_path,  # noqa: F811
                                      monkeypatch) -> None:
    """`ieum simulate CODE@published --compare CODE@latest`: a draft in the database against
    the published version."""
    import json

    from click.testing import CliRunner

    from ieum.catalog.population import generate, write_population
    from ieum.cli import main

    _upload_v2(catalog_app)
    path = write_population(generate(800, seed=3), tmp_path / "pop.parquet")
    monkeypatch.setenv("IEUM_DATABASE_URL", migrated_url)
    result = CliRunner().invoke(main, ["simulate", "livelihood-2026@published", "--population",
                                       str(path), "--compare", "livelihood-2026@latest",
                                       "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["a"]["version"], payload["b"]["version"]) == (1, 2)
    gains = payload["gains_losses"]
    assert gains["households"] == 800 and gains["min_group"] == 10
    assert gains["b"]["delivery_cycle"] == "monthly"
    assert payload["b"]["eligible_households"] > payload["a"]["eligible_households"]
    missing = CliRunner().invoke(main, ["simulate", "livelihood-2026@7", "--population",
                                        str(path)])
    assert missing.exit_code == 2
    assert "livelihood-2026에 7 버전이 없습니다 (있는 버전: v1(published), v2(draft))" in \
        missing.stderr


def test_api_answers_the_stored_comparison_and_the_outcomes(catalog_app) -> None:  # noqa: F811
    from tests.test_catalog_platform_api import _token

    catalog_app.config["IEUM_CATALOG_MIN_GROUP"] = 30
    _upload_v2(catalog_app)
    designer = _client(catalog_app, "pdesigner")
    response = _post(designer, "/studio/p/livelihood-2026/compare", {},
                     "/studio/p/livelihood-2026")
    comparison_id = int(response.location.rsplit("/", 1)[1])
    client = catalog_app.test_client()
    headers = _token(client, "pdesigner")
    path = f"/api/v1/comparisons/{comparison_id}"
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200
    data = answer.get_json()
    stored = designer.get(f"/studio/comparisons/{comparison_id}.json").get_json()
    assert data == stored and data["min_group"] == 30
    assert any(r["newly_eligible"] is None for r in data["by_decile"])  # hidden: null
    assert data["program"] == "livelihood-2026"
    assert client.get("/api/v1/comparisons/999999", headers=headers).status_code == 404
    assert client.get(path, headers=_token(client, "cworker")).status_code == 403
    assert client.get(path).status_code == 401
    outcomes = client.get("/api/v1/programs/livelihood-2026/outcomes", headers=headers)
    assert outcomes.status_code == 409  # published by the seed, before predictions
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/programs/{code}/outcomes" in document["paths"]
