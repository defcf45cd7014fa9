"""English for the content (issue 19 point 12): every Korean text of the shipped content (forms,
unit functions, facility profiles, processes, programmes) and of the test content has an English
translation in its root's ``locale/en/*.po``; the translations keep placeholders, numbers and
codes, and hold no Korean; the extractor reads what the content shows and nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ieum import i18n
from ieum.cli_i18n import content_messages, content_roots, missing

TESTS = Path(__file__).resolve().parent
REPOSITORY = TESTS.parent
TEST_CONTENT = TESTS / "content"
ROOTS = [REPOSITORY, TEST_CONTENT]
HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]")
#: a number in Korean myriads (1억 3천만 원 → 130 million) or the idiom 1인당 (per person) is
#: written out in English; any other number must stay a number, or be a spelled-out small one
MYRIAD = re.compile(r"\d+(?=\s*(?:억|천|만|인당))")
SPELLED = {"1": ("one", "once", "each", "per "), "2": ("two", "twice", "February"),
           "3": ("three", "March"), "4": ("four",)}


def _catalogues(root: Path) -> list[Path]:
    return sorted((root / "locale" / "en").glob("*.po"))


def _messages(root: Path):
    for path in _catalogues(root):
        with open(path, "rb") as handle:
            for message in read_po(handle, locale="en", abort_invalid=True):
                if message.id:
                    yield path, message


@pytest.mark.parametrize("root", ROOTS, ids=["shipped", "tests"])
def test_every_content_text_has_english(root: Path) -> None:
    assert _catalogues(root), f"no locale/en/*.po in {root}"
    left = missing("en", code_paths=[], roots=[root])
    assert left == {}, f"{len(left)} content texts lack English, e.g. {list(left)[:5]}"


def test_every_shipped_content_root_has_english() -> None:
    """The roots ``ieum i18n missing`` reads that ship with ieum: the default root and the
    library's plug-in roots (test plug-ins installed by other tests are not shipped)."""
    shipped = [root for root in content_roots()
               if root.resolve() == REPOSITORY or REPOSITORY / "platform" in root.resolve().parents]
    assert REPOSITORY in [root.resolve() for root in shipped]
    assert missing("en", code_paths=[], roots=shipped) == {}


def test_the_shipped_catalogues_are_split_by_content_folder() -> None:
    names = {path.name for path in _catalogues(REPOSITORY)}
    assert names == {"forms.po", "units.po", "processes.po"}
    by_file = {path.name: {m.id for _, m in _messages(REPOSITORY) if _ == path}
               for path in _catalogues(REPOSITORY)}
    form_texts = {text for text, where in content_messages([REPOSITORY])
                  if Path(where).relative_to(REPOSITORY).parts[0] == "forms"}
    assert form_texts <= by_file["forms.po"]
    assert "입소" in by_file["forms.po"] and "학대피해아동쉼터" in by_file["units.po"]
    assert "결재 요청" in by_file["processes.po"] and "생계급여" in by_file["processes.po"]


@pytest.mark.parametrize("root", ROOTS, ids=["shipped", "tests"])
def test_translations_hold_no_korean_and_keep_placeholders_and_numbers(root: Path) -> None:
    problems = []
    for path, message in _messages(root):
        source, english = message.id, message.string
        if not english.strip():
            problems.append(f"{path.name}: empty: {source!r}")
        if HANGUL.search(english):
            problems.append(f"{path.name}: Korean in English: {english!r}")
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(english)):
            problems.append(f"{path.name}: placeholders differ: {source!r} -> {english!r}")
        if source.count("%") != english.count("%"):
            problems.append(f"{path.name}: % differs: {source!r} -> {english!r}")
        numbers = re.findall(r"\d+", english)
        for number in re.findall(r"\d+", MYRIAD.sub("", source)):
            if number not in numbers and not any(word in english
                                                 for word in SPELLED.get(number, ())):
                problems.append(f"{path.name}: number {number} lost: {source!r} -> {english!r}")
    assert problems == []


@pytest.mark.parametrize("code", ["income.", "expense.", "process_id", "extends: base",
                                  "team_leader,facility_admin", "DAISY", "BMI", "(mmHg)"])
def test_codes_in_texts_stay_as_written(code: str) -> None:
    sources = [m for _, m in _messages(REPOSITORY) if code in m.id]
    assert sources, code
    assert all(code in m.string for m in sources)


def test_legal_names_and_glossary_terms_are_used() -> None:
    table = i18n.table("en", [REPOSITORY / "locale"])
    assert table["국민기초생활수급자"] == "National Basic Livelihood Security recipient"
    assert "National Basic Livelihood Security Act Article 8(2)" in table[
        "국민기초생활 보장법 제8조제2항 (소득인정액이 생계급여 선정기준 이하)"]
    assert table["입소"] == "Admission" and table["퇴소"] == "Discharge"
    assert table["생활일지"] == "Daily care log"
    assert table["수입·지출 결의서"] == "Revenue/expenditure resolution"
    assert "client" in table["대상자 기본정보"].lower()
    # a report figure's unit follows the number directly ("3" + " people")
    assert table["명"] == " people" and table["원"] == " KRW"


def test_a_request_in_english_shows_the_content_in_english(make_app, migrated_url) -> None:
    app = make_app(migrated_url, roots=[REPOSITORY])
    with app.test_request_context("/", headers={"Cookie": "ieum_lang=en"}):
        assert i18n.current_language() == "en"
        assert i18n.content_text("입소 등록") == "Register an admission"
        assert i18n.content_text("대체자료 제작") == "Alternative format production"
    with app.test_request_context("/"):
        assert i18n.content_text("입소 등록") == "입소 등록"


def test_the_test_content_is_english_in_an_english_request(make_app, migrated_url) -> None:
    app = make_app(migrated_url)
    with app.test_request_context("/", headers={"Cookie": "ieum_lang=en"}):
        assert i18n.content_text("방문기록") == "Visit record"
        assert i18n.content_text("알파양육시설") == "Alpha children's home"


# -- the extractor -----------------------------------------------------------------------------

def _extract(tmp_path: Path, folder: str, name: str, text: str) -> list[str]:
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [found for found, _where in content_messages([tmp_path])]


def test_the_extractor_reads_shown_texts_of_a_form(tmp_path) -> None:
    form = {
        "title": "시험 양식", "description": "설명입니다.", "$comment": "작성자에게만 남기는 말",
        "properties": {
            # a field may be named like a keyword: it is still a field with a title
            "condition": {"title": "상태", "oneOf": [{"const": "양호", "title": "좋음"}]},
            "code": {"title": "코드 번호", "default": "기본값", "pattern": "^[가-힣]+$"},
            "areas": {"type": "array", "title": "영역",
                      "items": {"enum": ["주거", "취업"]}},
            "when": {"title": "일시", "x-help": "도움말", "x-placeholder": "예: 오늘"},
        },
        "x-rules": [{"when": "when > today()", "message": "일시는 오늘 이후일 수 없습니다."}],
    }
    found = _extract(tmp_path, "forms", "f.json", json.dumps(form, ensure_ascii=False))
    assert set(found) == {"시험 양식", "설명입니다.", "상태", "좋음", "코드 번호", "영역", "주거",
                          "취업", "일시", "도움말", "예: 오늘", "일시는 오늘 이후일 수 없습니다."}


def test_the_extractor_leaves_out_expressions_and_ids_of_a_unit(tmp_path) -> None:
    unit = ("id: u\ntitle: 단위기능\nreports:\n  - columns:\n"
            "      - {key: name, title: 성명, value: \"coalesce(subject_name, '(대상자 없음)')\"}\n"
            "    figures:\n      - {key: n, title: 인원, unit: 명, when: \"kind == '입소'\"}\n")
    found = _extract(tmp_path, "unit_functions", "unit.yaml", unit)
    assert found == ["단위기능", "성명", "인원", "명"]


def test_the_extractor_reads_names_in_processes(tmp_path) -> None:
    bpmn = ('<definitions><process id="p" name="결재 &amp; 확인">'
            '<userTask id="t" name="검토"/><sequenceFlow id="f" name="승인"/>'
            '<conditionExpression>status == "반려"</conditionExpression>'
            '<lane id="l" name="Team"/></process></definitions>')
    found = _extract(tmp_path, "workflows", "p.bpmn", bpmn)
    assert found == ["결재 & 확인", "검토", "승인"]
