"""/region/vacancies: 정원·현원과 빈자리 of facilities, for 시·군·구 officials (their regions)
and for facility staff choosing where to refer someone (every region, their own first)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ieum.access.grants import user_facilities
from ieum.access.officials import public_roles
from ieum.i18n import lazy_gettext as _l
from ieum.web.context import db_session, registry, today
from ieum_library.collaboration import needs, vacancies
from ieum_library.collaboration.web import TEMPLATES

bp = Blueprint("vacancies", __name__, url_prefix="/region", template_folder=TEMPLATES)
#: The page's place in the 시·군·구 officials' menu (``region_menu``, see ieum.web.app).
bp.region_menu = ((_l("정원·현원과 빈자리"), "index"),)
PER_PAGE = 50
SORTS = {"region": lambda v: (v.facility.region_code, v.facility.name),
         "name": lambda v: v.facility.name,
         "free": lambda v: (-(v.free or 0), v.facility.name)}


@bp.get("/vacancies")
@login_required
def index():
    session = db_session()
    roles = public_roles(session, current_user.row, today())
    own = user_facilities(session, current_user.row, today())
    official = roles.has("region_official")
    if not official and not own:
        abort(403)
    allowed = None if (roles.national or not official) else set(roles.regions)
    region = request.args.get("region", "").strip()[:10]
    if not region and not official and own:
        region = own[0].region_code  # staff start with their own region
    regions = allowed if not region else ({region} & allowed if allowed is not None
                                          else {region})
    rows = vacancies.vacancies(session, registry(), regions=regions,
                               text=request.args.get("q", "")[:100],
                               profile_code=request.args.get("profile", "")[:64],
                               only_free=request.args.get("free") == "1", limit=10_000)
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "region"
    rows.sort(key=SORTS[sort])
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    waiting = needs.open_counts(session, regions)
    totals = {"capacity": sum(v.capacity or 0 for v in rows),
              "occupied": sum(v.occupied for v in rows),
              "free": sum(v.free or 0 for v in rows)}
    return render_template(
        "collab/vacancies.html", layout="region/_layout.html" if official else "base.html",
        roles=roles, rows=rows[(page - 1) * PER_PAGE:page * PER_PAGE], total=len(rows),
        page=page, pages=pages, sort=sort, region=region, args=request.args,
        query={k: v for k, v in request.args.items() if k != "page"},
        profiles=registry().profiles, waiting=waiting, totals=totals, own=own,
        official=official)
