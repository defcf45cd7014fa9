"""The kernel's demo runner (``ieum demo``): every package's demo, in a defined order, through
the record pipeline and the process runner; the shipped library's chapters as entry points."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from ieum.definitions import extensions, load_registry
from ieum.services import ServiceError
from ieum.services.demo import DEMO_PASSWORD, DemoContext, load_demo, order
from ieum.store import Database
from ieum.store.models import Facility, ProcessInstance, Record, RoleAssignment, Task, User
from ieum.store.models_public import OfficialRole
from tests.conftest import TEST_CONTENT

TODAY = dt.date(2026, 3, 16)


def demo(load=None, after=()):  # noqa: ANN001, ANN201 - a stand-in for an entry point
    return SimpleNamespace(load=load or (lambda context: None), after=after)


def test_demos_run_in_name_order_each_after_what_it_names() -> None:
    demos = {"zeta": demo(), "alpha": demo(after=("zeta",)), "mid": demo(),
             "beta": demo(after="mid")}
    assert order(demos) == ["mid", "beta", "zeta", "alpha"]
    assert order({}) == []


def test_an_unknown_or_circular_after_is_refused() -> None:
    with pytest.raises(ServiceError, match="vendor_base.*찾을 수 없습니다"):
        order({"extra": demo(after=("vendor_base",))})
    with pytest.raises(ServiceError, match="순환합니다: a, b"):
        order({"a": demo(after=("b",)), "b": demo(after=("a",)), "c": demo()})


def test_the_shipped_library_registers_its_chapters_in_their_story_order() -> None:
    demos = extensions.objects(extensions.DEMO)
    assert not extensions.load(extensions.DEMO).problems
    assert order(demos) == ["base", "children", "elderly", "facility_types", "residence",
                            "collaboration", "reports", "welfare_programs", "content_studio",
                            "community_care"]
    assert all(d.__name__.startswith("ieum_library.demo.") for d in demos.values())


@pytest.fixture
def setup(sqlite_url, sqlite_template):
    sqlite_template.copy_to(sqlite_url)
    registry = load_registry([TEST_CONTENT], plugins=False)
    database = Database(sqlite_url)
    session = database.sessions()
    yield session, registry
    session.close()
    database.dispose()


def _vendor_demos(calls: list[str]) -> dict:
    """A vendor's demo in two parts, written against the test content."""

    def lab(context: DemoContext) -> dict:
        calls.append("lab")
        lab = context.facility(code="lab", name="시험시설", profile_code="flow_lab",
                               region_code="11110")
        home = context.facility(code="home", name="알파시설", profile_code="alpha_home",
                                region_code="11110")
        context.staff(login="kim", name="김생활", facility=lab, roles=["worker"],
                      valid_from=TODAY - dt.timedelta(days=30))
        context.staff(login="lee", name="이팀장", facility=lab, roles=["leader"])
        context.staff(login="park", name="박관리", facility=home, roles=["admin"],
                      platform_admin=True)
        context.official(login="gov", name="주무관", role="region_official",
                         region_code="11110")
        return {"facilities": [{"code": "lab", "name": lab.name, "profile": "flow_lab"}],
                "users": [context.account("kim", "lab", ["worker"])], "count": 1}

    def history(context: DemoContext) -> dict:
        calls.append("history")
        session = context.session
        if session.scalar(select(Record.id).limit(1)) is None:
            context.desk("park", "home").save("visits", "visit_note", {
                "visit_date": context.day(3), "content": "첫 방문"})
            kim = context.desk("kim", "lab")
            instance = kim.start("flows", "three_lane")
            (task,) = kim.ready_tasks(instance)
            kim.complete(task, {"note": "초안"})
        return {"users": [context.account("park", "home", ["admin"])], "count": 2}

    return {"vendor_history": demo(history, after=("vendor_lab",)), "vendor_lab": demo(lab)}


def test_a_vendor_demo_saves_through_the_kernel_and_runs_again_without_harm(setup) -> None:
    session, registry = setup
    calls: list[str] = []
    first = load_demo(session, registry, TODAY, _vendor_demos(calls))
    assert calls == ["lab", "history"]
    assert list(first) == ["count", "facilities", "users"]
    assert first["count"] == 3
    assert first["facilities"] == [{"code": "lab", "name": "시험시설", "profile": "flow_lab"}]
    assert [u["login"] for u in first["users"]] == ["kim", "park"]
    assert {u["password"] for u in first["users"]} == {DEMO_PASSWORD}

    (note,) = session.scalars(select(Record).where(Record.form_id == "visit_note"))
    assert note.data["content"] == "첫 방문" and note.entry_date == TODAY - dt.timedelta(3)
    (instance,) = session.scalars(select(ProcessInstance))
    assert instance.process_id == "three_lane"
    ready = session.scalars(select(Task).where(Task.instance_id == instance.id,
                                               Task.state == "ready")).all()
    assert [t.name for t in ready] == ["review_step"]
    kim = session.scalar(select(User).where(User.login == "kim"))
    (grant,) = session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == kim.id))
    assert grant.valid_from == TODAY - dt.timedelta(days=30)
    assert session.scalar(select(User.is_platform_admin).where(User.login == "park")) is True
    gov = session.scalar(select(User).where(User.login == "gov"))
    assert [(r.role, r.region_code) for r in session.scalars(select(OfficialRole).where(
        OfficialRole.user_id == gov.id))] == [("region_official", "11110")]

    counts = [session.scalar(select(func.count(m.id))) for m in (User, Facility, Record,
                                                                   RoleAssignment)]
    again = load_demo(session, registry, TODAY, _vendor_demos([]))
    assert again == first
    assert [session.scalar(select(func.count(m.id))) for m in (User, Facility, Record,
                                                                 RoleAssignment)] == counts


def test_a_failing_demo_is_rolled_back_and_named(setup) -> None:
    session, registry = setup

    def good(context: DemoContext) -> None:
        context.facility(code="home", name="알파시설", profile_code="alpha_home",
                         region_code="11110")

    def bad(context: DemoContext) -> None:
        context.user(login="half", name="반쯤")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom") as raised:
        load_demo(session, registry, TODAY, {"a": demo(good), "b": demo(bad)})
    assert "데모 b를 만드는 중이었습니다." in raised.value.__notes__
    assert session.scalar(select(Facility.code)) == "home"  # the first demo was committed
    assert session.scalar(select(User.id).where(User.login == "half")) is None


def test_a_demo_without_load_is_refused(setup) -> None:
    session, registry = setup
    with pytest.raises(ServiceError, match="load\\(context\\)"):
        load_demo(session, registry, TODAY, {"x": SimpleNamespace(after=())})
