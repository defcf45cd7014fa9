"""The scope of one form: one unit function's form as one user may use it in one facility
today. Every record operation (``ieum.services.records``) and every feed
(``ieum.services.records.feeds``) works within one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ieum.access.audit import Actor
from ieum.definitions.model import FormDef, UnitFunction
from ieum.forms.fields import FieldTree, field_tree
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.workspace import Workspace


@dataclass(frozen=True)
class FormScope:
    """One form of one unit function, as one user may use it in one facility today."""

    workspace: Workspace
    unit: UnitFunction
    form: FormDef
    parameters: Mapping[str, Any]
    today: dt.date
    actor: Actor

    @property
    def facility(self):  # noqa: ANN201 - the ORM Facility
        return self.workspace.facility

    @property
    def user(self):  # noqa: ANN201 - the ORM User
        return self.workspace.user

    @property
    def tree(self) -> FieldTree:
        return field_tree(self.form)

    def can(self, action: str) -> bool:
        return self.workspace.permissions.can(self.unit.id, action)

    def require(self, action: str) -> None:
        if not self.can(action):
            raise ServiceError(_("이 작업을 할 권한이 없습니다."), status=403)

    @property
    def scope(self) -> str:
        return self.workspace.permissions.scopes.get(self.unit.id, "own")
