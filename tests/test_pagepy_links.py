"""The templates' ``url_for`` (``ieum.web.links``) answers what Flask's answers, for the
request it is asked in: the script root, the arguments, the query string."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(make_app, migrated_sqlite_url):  # noqa: ANN001, ANN201
    return make_app(migrated_sqlite_url)


CALLS = [
    ("static", {"filename": "ieum.css"}),
    ("workspace.dashboard", {"facility_code": "lab"}),
    ("workspace.unit", {"facility_code": "lab", "unit_id": "casebook"}),
    ("records.index", {"facility_code": "lab", "unit_id": "casebook", "form_id": "casebook"}),
    ("records.index", {"facility_code": "lab", "unit_id": "casebook", "form_id": "casebook",
                       "sort": "written_on", "page": 2, "q": "김 민&준"}),
    ("records.index", {"facility_code": "lab", "unit_id": "casebook", "form_id": "casebook",
                       "page": 2, "sort": "written_on"}),
    ("tasks.subject", {"facility_code": "lab", "subject_id": 7}),
    ("tasks.subject", {"facility_code": "lab", "subject_id": "7"}),
    ("auth.login", {"next": "/f/lab/?a=1"}),
    ("auth.login", {"flag": True}),  # not plain: Flask's own every time
    ("workspace.dashboard", {"facility_code": "lab", "_anchor": "top"}),
    ("workspace.dashboard", {"facility_code": "lab", "_external": True}),
]


def test_the_remembered_url_for_answers_what_flask_answers(app):  # noqa: ANN001
    remembered = app.jinja_env.globals["url_for"]
    assert remembered is not app.url_for
    for base in ("http://localhost/", "http://localhost/sub/", "https://example.org/other/"):
        with app.test_request_context("/", base_url=base):
            for _round in range(2):  # the second time from what was kept
                for endpoint, values in CALLS:
                    assert remembered(endpoint, **values) == app.url_for(endpoint, **values), \
                        (base, endpoint, values)


def test_a_template_link_follows_the_script_root(app):  # noqa: ANN001
    template = app.jinja_env.from_string("{{ url_for('workspace.dashboard', facility_code='x') }}")
    with app.test_request_context("/", base_url="http://localhost/"):
        assert template.render() == "/f/x/"
    with app.test_request_context("/", base_url="http://localhost/ieum/"):
        assert template.render() == "/ieum/f/x/"
