"""Opening a workspace (every screen of a facility does): one statement for the user's roles
and facilities; the permissions, menu and subject units of a role set are worked out once per
registry and shared, read-only, by every workspace of the same roles."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from ieum.access.grants import user_facilities
from ieum.services import ServiceError
from ieum.services.workspace import open_workspace
from ieum.store.models import User
from tests.formlab import TODAY


def test_workspaces_of_the_same_roles_share_their_permissions_and_menu(lab_app) -> None:
    registry = lab_app.extensions["ieum.registry"]
    database = lab_app.extensions["ieum.database"]
    seen: list[str] = []

    def statement(_conn, _cursor, sql, *_rest) -> None:  # noqa: ANN001, ANN002
        seen.append(sql)

    with database.session() as s:
        users = {u.login: u for u in s.scalars(select(User))}
        event.listen(database.engine, "before_cursor_execute", statement)
        try:
            first = open_workspace(s, registry, users["worker"], "lab", TODAY)
        finally:
            event.remove(database.engine, "before_cursor_execute", statement)
        assert len(seen) == 1, seen
        second = open_workspace(s, registry, users["worker2"], "lab", TODAY)
        admin = open_workspace(s, registry, users["admin"], None, TODAY)

        assert first.permissions is second.permissions and first.menu is second.menu
        assert first.permissions.roles == frozenset({"worker"})
        assert admin.permissions is not first.permissions
        assert admin.permissions.roles == frozenset({"admin"}) and admin.facility.code == "lab"
        with pytest.raises(TypeError):
            first.permissions.actions["anything"] = frozenset({"view"})  # type: ignore[index]
        # a facility where the user holds no role is not found, whatever is remembered
        with pytest.raises(ServiceError) as refused:
            open_workspace(s, registry, users["worker"], "other", TODAY)
        assert refused.value.status == 404
        assert [f.code for f in user_facilities(s, users["stranger"], TODAY)] == ["other"]
