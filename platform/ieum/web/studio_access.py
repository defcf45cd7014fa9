"""Who may use the program studio's screens (ieum.web.studio, ieum.web.studio_compare):
program designers and reviewers; each request keeps their public roles in ``g``."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from ieum.services import catalog as programs
from ieum.web.context import db_session, today


def designers_and_reviewers_only():  # noqa: ANN201 - a redirect response or None
    """A blueprint's ``before_request``: sign in first; others than designers and
    reviewers are refused (403)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    roles = programs.roles_of(db_session(), current_user.row, today())
    programs.require(roles, "program_designer", "program_reviewer")
    g.studio_roles = roles
    return None


def studio_roles():  # noqa: ANN201 - PublicRoles
    """The public roles of this request's studio user."""
    return g.studio_roles
