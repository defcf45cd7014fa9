"""The kernel's messages in the request's language (issue 19 point 12): refusals of the services
(a closed period, a permission), the form engine's validation messages, the reading of a
submitted form, and content titles (field and choice titles) translated where they are shown.
In Korean, and outside a request, every text stays exactly as it was."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ieum import i18n
from ieum.access.audit import Actor
from ieum.forms.display import display
from ieum.forms.excel import CellError
from ieum.forms.fields import field_tree
from ieum.forms.messages import REQUIRED
from ieum.forms.wtf import attr, bind, read
from ieum.services import ServiceError
from ieum.services.jobs import STATUS_TITLES as JOB_STATUS_TITLES
from ieum.services.records import STATUS_TITLES
from ieum.services.records.closings import set_closing
from ieum.services.workspace import open_workspace
from ieum.store.models import User
from tests.formlab import API, GOOD, TODAY, api_token, seed_lab

ENGLISH = {"Cookie": "ieum_lang=en"}
#: English of some content titles of the test content's ``casebook`` form, in a catalogue of
#: the test's own (content catalogues are another helper's; this one is the test's fixture).
CONTENT_PO = """
msgid "상담방법"
msgstr "Contact method"

msgid "방문"
msgstr "Home visit"

msgid "기타"
msgstr "Other"
"""


@pytest.fixture
def app(make_app, migrated_url, tmp_path):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    folder = tmp_path / "locale" / "en"
    folder.mkdir(parents=True)
    (folder / "content.po").write_text(CONTENT_PO, encoding="utf-8")
    app.extensions["ieum.locale_dirs"].append(tmp_path / "locale")  # a content root's, last
    return app


def _close(app, through: dt.date) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        admin = s.scalar(select(User).where(User.login == "admin"))
        ws = open_workspace(s, registry, admin, "lab", TODAY)
        set_closing(s, ws, "casebook", through, Actor(admin.id, admin.login))
        s.commit()


def _create(client, headers, **changes):
    return client.post(f"{API}/records", headers=headers, json={"data": {**GOOD, **changes}})


def test_validation_errors_and_a_closed_period_follow_the_language_through_the_api(app) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    korean = _create(client, headers, title=None, score_a="many")
    assert korean.status_code == 400
    fields = korean.get_json()["fields"]
    assert fields["title"] == ["필수 입력 항목입니다"]
    assert fields["score_a"] == ["정수를 입력하세요"]

    client.set_cookie("ieum_lang", "en")
    english = _create(client, headers, title=None, score_a="many")
    assert english.status_code == 400
    fields = english.get_json()["fields"]
    assert fields["title"] == ["This field is required"]
    assert fields["score_a"] == ["Enter a whole number"]

    _close(app, dt.date(2026, 2, 28))
    refused = _create(client, headers, written_on="2026-02-15")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == ("This period is closed up to 2026-02-28. Records in "
                                           "a closed period cannot be saved or deleted.")
    client.set_cookie("ieum_lang", "ko")
    refused = _create(client, headers, written_on="2026-02-15")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == ("2026-02-28까지 마감된 기간입니다. 마감된 기간의 기록은 "
                                           "저장하거나 지울 수 없습니다.")


def test_a_permission_refusal_in_english_and_in_korean(app) -> None:
    registry = app.extensions["ieum.registry"]

    def refusal() -> ServiceError:
        with app.extensions["ieum.database"].session() as s:
            worker = s.scalar(select(User).where(User.login == "worker"))
            ws = open_workspace(s, registry, worker, "lab", TODAY)
            with pytest.raises(ServiceError) as raised:
                set_closing(s, ws, "casebook", dt.date(2026, 2, 1),
                            Actor(worker.id, worker.login))
            return raised.value

    with app.test_request_context(headers=ENGLISH):
        refused = refusal()
        assert refused.status == 403
        assert refused.message == "Only facility administrators can manage closings."
    with app.test_request_context():
        assert refusal().message == "기관관리자만 마감을 관리할 수 있습니다."
    assert refusal().message == "기관관리자만 마감을 관리할 수 있습니다."  # outside a request


def test_choice_values_field_labels_and_conditions_are_translated_where_shown(app) -> None:
    form = app.extensions["ieum.registry"].forms["casebook"]
    fields = field_tree(form).by_path()
    method, consent, other = fields["method"], fields["consent"], fields["method_other"]

    with app.test_request_context(headers=ENGLISH):
        assert display(method, "visit") == "Home visit"
        assert display(consent, True) == "Yes"
        assert other.required_when == "Required when Contact method: Other"
        bound = bind(form, data={"method": "visit", "living": "기타"})
        html = str(bound[attr("method")]()) + str(bound[attr("method")].label())
        assert ">Home visit</label>" in html and ">Contact method</label>" in html
        assert "방문" not in html and "상담방법" not in html
        select = str(bound[attr("living")]())
        assert ">Other</option>" in select and ">Choose</option>" in select
    with app.test_request_context():  # the same cached form class, drawn in Korean
        assert display(method, "visit") == "방문"
        assert display(consent, True) == "예"
        assert other.required_when == "상담방법: 기타일 때 필수"
        bound = bind(form, data={"method": "visit", "living": "기타"})
        html = str(bound[attr("method")]()) + str(bound[attr("method")].label())
        assert ">방문</label>" in html and ">상담방법</label>" in html
        select = str(bound[attr("living")]())
        assert ">기타</option>" in select and ">선택하세요</option>" in select
    assert display(method, "visit") == "방문" and other.required_when == "상담방법: 기타일 때 필수"


def test_what_a_submitted_form_cannot_read_is_said_in_the_request_language(app) -> None:
    form = app.extensions["ieum.registry"].forms["casebook"]
    submitted = MultiDict({"written_on": "2026-13-45", "score_a": "a lot", "title": "x",
                           "method": "visit"})
    with app.test_request_context(headers=ENGLISH):
        _, errors = read(form, bind(form, formdata=submitted))
        assert errors["written_on"] == ["The date is not valid (e.g. 2026-03-01)"]
        assert errors["score_a"] == ["Enter a whole number"]
    with app.test_request_context():
        _, errors = read(form, bind(form, formdata=submitted))
        assert errors["written_on"] == ["날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"]
        assert errors["score_a"] == ["정수를 입력하세요"]


def test_status_titles_keep_their_sense_and_stay_korean_outside_a_request(app) -> None:
    with app.test_request_context(headers=ENGLISH):
        assert str(STATUS_TITLES["final"]) == "Saved"
        assert str(JOB_STATUS_TITLES["failed"]) == "Failed"
        assert str(REQUIRED) == "This field is required"
        assert not re.search(r"[가-힣]", str(STATUS_TITLES["draft"]))
    assert str(STATUS_TITLES["final"]) == "저장"
    assert str(JOB_STATUS_TITLES["failed"]) == "실패"
    assert str(REQUIRED) == "필수 입력 항목입니다"


def test_an_import_error_names_its_cell_in_the_request_language(app) -> None:
    error = CellError(3, "B", "score_a", "일상생활 점수", "x")
    with app.test_request_context(headers=ENGLISH):
        assert str(error) == "Row 3, column B (일상생활 점수): x"  # the header as in the file
    assert str(error) == "3행 B열(일상생활 점수): x"


def test_a_word_with_a_context_never_answers_the_plain_word(tmp_path) -> None:
    """One Korean word, two senses (the record status 저장 "Saved", the button 저장 "Save"):
    an entry with ``msgctxt`` is found by pgettext only."""
    folder = tmp_path / "locale" / "en"
    folder.mkdir(parents=True)
    (folder / "x.po").write_text('msgctxt "record status"\nmsgid "저장"\nmsgstr "Saved"\n\n'
                                 'msgid "저장"\nmsgstr "Save"\n', encoding="utf-8")
    table = i18n.table("en", [tmp_path / "locale"])
    assert table["record status\x04저장"] == "Saved" and table["저장"] == "Save"
