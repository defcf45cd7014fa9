"""The studio home (/content/): drafts with status, version, author and package; the live
content searchable with links to the editors; new documents; the review queue for reviewers;
the navigation link for the studio's users only; moving a draft to another package."""

from __future__ import annotations

import pytest

from tests.formlab import TODAY, seed_lab
from tests.studioutil import (
    LAB_NOTE,
    PACKAGE,
    post_form,
    put_json,
    save,
    seed_people,
    signed_in,
)


@pytest.fixture
def studio_app(make_app, migrated_url):  # noqa: ANN001, ANN201 - fixtures
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    seed_people(app)
    return app


def test_home_lists_drafts_and_the_live_content_with_editor_links(studio_app) -> None:
    author = signed_in(studio_app, "author")
    save(author, "form", "lab_note", LAB_NOTE)
    page = author.get("/content/").get_data(as_text=True)
    assert 'data-testid="content-studio-link"' in page
    assert 'data-draft="form/lab_note"' in page
    assert "작성 중" in page and "1판" in page and "작성자" in page and PACKAGE in page
    assert 'href="/content/form/lab_note/edit"' in page
    assert 'href="/content/form/lab_note/history"' in page
    # the live content of every kind, with the editor of its kind
    for kind, key in (("form", "casebook"), ("process", "three_lane"), ("unit", "casebook"),
                      ("profile", "form_lab")):
        assert f'data-content="{kind}/{key}"' in page
        assert f'href="/content/{kind}/{key}/edit"' in page
    for label in ("새 양식", "새 프로세스", "새 단위기능", "새 프로필"):
        assert label in page
    found = author.get("/content/?q=시험양식&kind=form").get_data(as_text=True)
    assert 'data-content="form/casebook"' in found
    assert 'data-content="form/visit_note"' not in found
    assert 'data-content="unit/casebook"' not in found


def test_a_new_document_opens_its_editor_and_a_bad_key_is_refused(studio_app) -> None:
    author = signed_in(studio_app, "author")
    opened = author.get("/content/new?kind=process&key=care_visit")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/content/process/care_visit/edit")
    refused = author.get("/content/new?kind=form&key=../etc")
    assert refused.status_code == 404
    assert "문서 키는" in refused.get_data(as_text=True)


def test_the_review_queue_is_shown_to_reviewers(studio_app) -> None:
    author = signed_in(studio_app, "author")
    save(author, "form", "lab_note", LAB_NOTE)
    post_form(author, f"/content/packages/{PACKAGE}/submit", {})
    checker = signed_in(studio_app, "checker")
    page = checker.get("/content/").get_data(as_text=True)
    assert 'data-testid="review-queue"' in page and PACKAGE in page
    assert "새 양식" not in page  # a reviewer writes nothing
    assert 'data-testid="review-queue"' not in author.get("/content/").get_data(as_text=True)
    package = checker.get(f"/content/packages/{PACKAGE}").get_data(as_text=True)
    assert "data-confirm=" in package and "승인" in package and "반려" in package


def test_a_studio_user_without_a_facility_lands_on_the_public_home_with_the_studio(
        studio_app) -> None:
    landing = signed_in(studio_app, "checker").get("/").get_data(as_text=True)
    assert 'data-testid="public-content-studio"' in landing
    assert 'href="/content/"' in landing


def test_staff_get_no_link_and_no_studio(studio_app) -> None:
    staff = signed_in(studio_app, "admin")
    home = staff.get("/f/lab/").get_data(as_text=True)
    assert 'data-testid="content-studio-link"' not in home
    assert staff.get("/content/").status_code == 403


def test_a_draft_moves_to_another_package(studio_app) -> None:
    author = signed_in(studio_app, "author")
    save(author, "form", "lab_note", LAB_NOTE)
    moved = post_form(author, "/content/form/lab_note/package", {"package": "studio_notes"})
    assert moved.status_code == 302
    document = author.get("/content/form/lab_note/document").get_json()
    assert document["package"] == "studio_notes"
    bad = post_form(author, "/content/form/lab_note/package", {"package": "Bad Name"})
    assert bad.status_code == 400 and "패키지 이름은" in bad.get_data(as_text=True)
    again = put_json(author, "/content/form/lab_note/document",
                     {"body": LAB_NOTE, "base_version": 1})
    assert again.get_json()["package"] == "studio_notes"
