"""What every signed-in page reads besides its own work, and that it stays right (issue 15):

- the navbar's unread count, the public roles (지역 업무, 콘텐츠 스튜디오 links) and the facility
  menu's published programs are one statement (``ieum.services.page_frame``), read again on
  every page: a colleague's notice, a role granted or revoked, a program published show on the
  next page; its answers are those of the three statements it replaces;
- the content generation is read with the signed-in user's row: another worker's publication
  is still noticed on the next screen request.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ieum.access.officials import public_roles
from ieum.services.catalog import published_menu
from ieum.services.notifications import unread_count
from ieum.services.page_frame import read_frame
from ieum.services.studio.packages import _raise_generation
from ieum.store.models import User
from ieum.store.models_catalog import Program, ProgramVersion
from ieum.store.models_notify import Notification
from ieum.store.models_public import OfficialRole
from tests.formlab import TODAY, api_token, seed_lab
from tests.sqlutil import statements_sent
from tests.webutil import login

DAY = TODAY
PAGE = "/f/lab/tasks/"


def _user(session, login_name: str) -> User:  # noqa: ANN001
    return session.scalar(select(User).where(User.login == login_name))


def _program(session, code: str, name: str, status: str) -> None:  # noqa: ANN001
    program = Program(code=code, name=name, status=status)
    session.add(program)
    session.flush()
    session.add(ProgramVersion(program_id=program.id, number=1, definition={}, status=status))


def test_the_frame_answers_what_the_three_statements_answer(lab_app) -> None:
    database = lab_app.extensions["ieum.database"]
    with database.session() as s:
        worker, admin = _user(s, "worker"), _user(s, "admin")
        s.add_all([Notification(user_id=worker.id, kind="task", title="새 업무"),
                   Notification(user_id=worker.id, kind="task", title="또 업무"),
                   Notification(user_id=worker.id, kind="task", title="읽음",
                                read_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
                   Notification(user_id=admin.id, kind="task", title="남의 것")])
        s.add_all([OfficialRole(user_id=worker.id, role="region_official", region_code="11110",
                                valid_from=DAY - dt.timedelta(days=3)),
                   OfficialRole(user_id=worker.id, role="region_official", region_code=None,
                                valid_from=DAY, valid_to=DAY),
                   OfficialRole(user_id=worker.id, role="program_designer",
                                valid_from=DAY - dt.timedelta(days=9),
                                valid_to=DAY - dt.timedelta(days=1)),  # ended yesterday
                   OfficialRole(user_id=admin.id, role="program_reviewer", valid_from=DAY)])
        _program(s, "b_prog", "나 사업", "published")
        _program(s, "a_prog", "나 사업", "published")
        _program(s, "c_prog", "가 사업", "published")
        _program(s, "draft", "다 사업", "draft")
        s.commit()
    with database.session() as s:
        for user in (_user(s, "worker"), _user(s, "admin"), _user(s, "viewer")):
            for day in (DAY, DAY + dt.timedelta(days=1)):
                frame = read_frame(s, user.id, day)
                assert frame.unread == unread_count(s, user.id)
                assert frame.roles == public_roles(s, user, day)
                assert frame.programs == published_menu(s)
        worker = _user(s, "worker")
        frame = read_frame(s, worker.id, DAY)
        assert frame.unread == 2
        assert frame.roles.has("region_official") and frame.roles.national
        assert not frame.roles.has("program_designer")
        assert [p.code for p in frame.programs] == ["c_prog", "a_prog", "b_prog"]
        assert read_frame(s, worker.id, DAY + dt.timedelta(days=1)).roles.regions == {"11110"}


def test_the_navbar_follows_notices_roles_and_programs(lab_app, lab_client) -> None:
    login(lab_client, "admin")  # a facility administrator sees the programs menu
    page = lab_client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="notifications-count"' not in page
    assert 'data-testid="region-link"' not in page and 'data-testid="catalog-menu"' not in page
    database = lab_app.extensions["ieum.database"]
    with database.session() as s:
        admin = _user(s, "admin")
        s.add(Notification(user_id=admin.id, kind="task", title="동료가 보낸 알림"))
        s.add(OfficialRole(user_id=admin.id, role="region_official", region_code="11110",
                           valid_from=DAY))
        _program(s, "fresh", "새 복지사업", "published")
        s.commit()
    page = lab_client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="notifications-count">1<' in page
    assert 'data-testid="region-link"' in page
    assert 'data-program="fresh"' in page
    with database.session() as s:
        admin = _user(s, "admin")
        for notice in s.scalars(select(Notification).where(Notification.user_id == admin.id)):
            notice.read_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for role in s.scalars(select(OfficialRole).where(OfficialRole.user_id == admin.id)):
            s.delete(role)  # revoked
        s.scalar(select(Program).where(Program.code == "fresh")).status = "retired"
        s.commit()
    page = lab_client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="notifications-count"' not in page
    assert 'data-testid="region-link"' not in page and 'data-program="fresh"' not in page


def _published_elsewhere(app) -> int:  # noqa: ANN001
    """Another process publishes (the generation in the database moves on); the app's own
    generation before it."""
    known = app.extensions["ieum.content_generation"]
    with app.extensions["ieum.database"].session() as s:
        _raise_generation(s)
        s.commit()
    return known


def test_another_workers_publication_is_noticed_on_a_signed_in_screen(
        make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    client = app.test_client()
    login(client, "worker")
    assert client.get(PAGE).status_code == 200
    registry = app.extensions["ieum.registry"]
    known = _published_elsewhere(app)
    with statements_sent(app.extensions["ieum.database"].engine) as seen:
        assert client.get(PAGE).status_code == 200
    assert app.extensions["ieum.content_generation"] == known + 1
    assert app.extensions["ieum.registry"] is not registry  # loaded again
    # read with the user's row: no statement of its own
    assert not any(s.lstrip().startswith("SELECT content_state") for s in seen)
    assert any("content_state" in s and "app_user" in s for s in seen)


def test_an_api_request_reads_the_generation_with_its_token(make_app, migrated_url) -> None:
    """On the JSON API the content generation comes with the bearer token's row (no statement
    of its own), and another worker's publication is still noticed; a refused token reads it
    on its own and answers 401."""
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    client = app.test_client()
    headers = api_token(client, "worker")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    known = _published_elsewhere(app)
    with statements_sent(app.extensions["ieum.database"].engine) as seen:
        me = client.get("/api/v1/me", headers=headers)
        refused = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert me.status_code == 200 and me.get_json()["login"] == "worker"
    assert refused.status_code == 401
    assert app.extensions["ieum.content_generation"] == known + 1
    assert sum(s.lstrip().startswith("SELECT content_state") for s in seen) == 1  # the 401's
    assert any("content_state" in s and "api_token" in s for s in seen)
