"""What changed between two versions of a document, in words (the request's language).

``describe_changes(kind, old, new)`` lists the changes an author and a reviewer read on a
draft's history page, e.g. ``필드 '퇴소사유'의 선택지에 '전원' 추가``, ``필드 '연락처' 삭제``,
``단계 '승인' 추가``. Forms are compared field by field (title, type, required, choices,
bounds, help, conditions, computed values, rules, sensitivity); unit manifests and profiles
key by key (menu, roles and grants, parameters); processes element by element (tasks,
gateways, events, lanes, flows and their conditions, the forms of user tasks, timers). Pure
functions: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lxml import etree

from ieum.i18n import content_text, current_language
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

Body = Any

TYPE_TITLES = {"string": _l("텍스트"), "integer": _l("정수"), "number": _l("숫자"),
               "boolean": _l("예/아니오"), "array": _l("목록"), "object": _l("묶음"),
               "null": _l("빈 값")}
FORMAT_TITLES = {"date": _l("날짜"), "date-time": _l("날짜·시각(시간대 포함)"),
                 "time": _l("시각(시간대 포함)"), "local-date-time": _l("날짜·시각"),
                 "local-time": _l("시각"), "email": _l("이메일"), "uri": _l("주소(URL)"),
                 "data-url": _l("파일")}
BOUND_TITLES = {"minimum": _l("최솟값"), "maximum": _l("최댓값"),
                "exclusiveMinimum": _l("초과 하한"), "exclusiveMaximum": _l("미만 상한"),
                "minLength": _l("최소 글자 수"), "maxLength": _l("최대 글자 수"),
                "pattern": _l("입력 패턴"), "minItems": _l("최소 항목 수"),
                "maxItems": _l("최대 항목 수"), "multipleOf": _l("배수"), "default": _l("기본값")}
FIELD_EXTRAS = {"x-visible": _l("표시 조건"), "x-computed": _l("계산식"),
                "x-sensitive": _l("민감정보 등급")}


def describe_changes(kind: str, old: Body, new: Body) -> list[str]:
    """The changes from ``old`` to ``new`` (bodies of ``kind``) in words, in reading order;
    ``[]`` when they mean the same. A body that is ``None`` is a document that did not
    exist."""
    if old is None and new is None:
        return []
    if old is None:
        return [_("%(kind)s 새로 작성", kind=_KIND_TITLES.get(kind, _("문서")))]
    if new is None:
        return [_("%(kind)s 삭제", kind=_KIND_TITLES.get(kind, _("문서")))]
    describe = {"form": form_changes, "process": process_changes, "unit": unit_changes,
                "profile": profile_changes}.get(kind)
    if describe is None:
        raise ValueError(f"unknown kind {kind!r}")
    return describe(old, new)


_KIND_TITLES = {"form": _l("양식"), "process": _l("프로세스"), "unit": _l("단위기능"),
                "profile": _l("프로필")}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return _("예") if value else _("아니오")
    if value is None:
        return _("없음")
    if isinstance(value, list | tuple):
        return ", ".join(_show(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_show(item)}" for key, item in value.items())
    return str(value)


def _changed(what: str, old: Any, new: Any) -> str:
    return _("%(what)s을(를) '%(old)s'에서 '%(new)s'(으)로 변경", what=what, old=_show(old),
             new=_show(new))


def _of(whose: str, change: str) -> str:
    """A change of a part of something: ``필드 '연락처'의 제목을(를) ...``."""
    return _("%(whose)s의 %(change)s", whose=whose, change=change)


def _field(name: str) -> str:
    return _("필드 '%(name)s'", name=name)


# --- forms ------------------------------------------------------------------------------------

def _choices(schema: Mapping[str, Any]) -> dict[Any, str]:
    """The choices of a field (``enum``, ``oneOf``/``anyOf`` of ``const``, or the same on the
    ``items`` of a checkbox list), value → title."""
    if not isinstance(schema, Mapping):
        return {}
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, Mapping):
        schema = items
    found: dict[Any, str] = {}
    for value in schema.get("enum") or ():
        found[_hashable(value)] = str(value)
    for option in (schema.get("oneOf") or schema.get("anyOf") or ()):
        if isinstance(option, Mapping) and "const" in option:
            found[_hashable(option["const"])] = str(option.get("title", option["const"]))
    return found


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def _type_label(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    label = FORMAT_TITLES.get(schema.get("format"), TYPE_TITLES.get(kind, str(kind)))
    if kind == "array" and isinstance(schema.get("items"), Mapping) \
            and schema["items"].get("type") == "object":
        label = _("반복 행")
    widget = ui.get("widget") if isinstance(ui, Mapping) else None
    return f"{label}({widget})" if widget else label


def _fields(schema: Mapping[str, Any], prefix: str = "") -> dict[str, Mapping[str, Any]]:
    """Every field of a form, nested ones (objects, rows of lists) by a dotted path."""
    found: dict[str, Mapping[str, Any]] = {}
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(properties, Mapping):
        return found
    for name, field in properties.items():
        if not isinstance(field, Mapping):
            continue
        path = f"{prefix}{name}"
        found[path] = field
        if field.get("type") == "object":
            found.update(_fields(field, f"{path}."))
        items = field.get("items")
        if field.get("type") == "array" and isinstance(items, Mapping) \
                and items.get("type") == "object":
            found.update(_fields(items, f"{path}[]."))
    return found


def _required(schema: Mapping[str, Any], prefix: str = "") -> set[str]:
    names: set[str] = set()
    if not isinstance(schema, Mapping):
        return names
    names |= {f"{prefix}{name}" for name in schema.get("required") or () if isinstance(name, str)}
    for name, field in (schema.get("properties") or {}).items():
        if not isinstance(field, Mapping):
            continue
        if field.get("type") == "object":
            names |= _required(field, f"{prefix}{name}.")
        items = field.get("items")
        if field.get("type") == "array" and isinstance(items, Mapping):
            names |= _required(items, f"{prefix}{name}[].")
    return names


def _ui(form: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    ui = form.get("x-ui") if isinstance(form.get("x-ui"), Mapping) else {}
    found = ui.get(path) or ui.get(path.split(".")[-1]) or {}
    return found if isinstance(found, Mapping) else {}


def form_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes: list[str] = []
    if old.get("title") != new.get("title"):
        changes.append(_changed(_("양식 제목"), old.get("title"), new.get("title")))
    if old.get("version") != new.get("version"):
        changes.append(_("양식 판을 %(old)s에서 %(new)s(으)로 변경",
                         old=_show(old.get("version")), new=_show(new.get("version"))))
    if old.get("description") != new.get("description"):
        changes.append(_("양식 설명 변경"))
    before, after = _fields(old), _fields(new)

    def label(path: str, field: Mapping[str, Any]) -> str:
        return content_text(field.get("title") or path)

    for path, field in before.items():
        if path not in after:
            changes.append(_("필드 '%(name)s' 삭제", name=label(path, field)))
    for path, field in after.items():
        if path not in before:
            changes.append(_("필드 '%(name)s' 추가", name=label(path, field)))
    required_before, required_after = _required(old), _required(new)
    for path, field in after.items():
        if path not in before:
            continue
        changes += _field_changes(path, before[path], field, _ui(old, path), _ui(new, path),
                                  path in required_before, path in required_after)
    common_before = [p for p in before if p in after and "." not in p]
    common_after = [p for p in after if p in before and "." not in p]
    if common_before != common_after:
        changes.append(_("필드 순서 변경"))
    for keyword, what in FIELD_EXTRAS.items():
        changes += _mapping_changes(old.get(keyword), new.get(keyword), what, after or before)
    changes += _rule_changes(old.get("x-rules"), new.get("x-rules"))
    return changes


def _field_changes(path: str, old: Mapping[str, Any], new: Mapping[str, Any],
                   old_ui: Mapping[str, Any], new_ui: Mapping[str, Any],
                   was_required: bool, is_required: bool) -> list[str]:
    name = content_text(old.get("title") or path)
    changes = []
    if old.get("title") != new.get("title"):
        changes.append(_of(_field(name), _changed(_("제목"), old.get("title") or path,
                                                  new.get("title") or path)))
        name = content_text(new.get("title") or path)
    old_type, new_type = _type_label(old, old_ui), _type_label(new, new_ui)
    if old_type != new_type:
        changes.append(_of(_field(name), _changed(_("형식"), old_type, new_type)))
    if was_required != is_required:
        changes.append(_("필드 '%(name)s'을(를) 필수로 지정", name=name) if is_required
                       else _("필드 '%(name)s'의 필수 지정 해제", name=name))
    before, after = _choices(old), _choices(new)
    for value, title in after.items():
        if value not in before:
            changes.append(_("필드 '%(name)s'의 선택지에 '%(choice)s' 추가", name=name,
                             choice=content_text(title)))
    for value, title in before.items():
        if value not in after:
            changes.append(_("필드 '%(name)s'의 선택지에서 '%(choice)s' 삭제", name=name,
                             choice=content_text(title)))
        elif after[value] != title:
            changes.append(_("필드 '%(name)s'의 선택지 %(change)s", name=name, change=_changed(
                _("'%(choice)s'의 이름", choice=title), title, after[value])))
    if list(before) != list(after) and set(before) == set(after):
        changes.append(_("필드 '%(name)s'의 선택지 순서 변경", name=name))
    for keyword, what in BOUND_TITLES.items():
        a, b = _bound(old, keyword), _bound(new, keyword)
        if a == b:
            continue
        if a is None:
            changes.append(_("필드 '%(name)s'의 %(what)s을(를) '%(value)s'(으)로 지정",
                             name=name, what=what, value=_show(b)))
        elif b is None:
            changes.append(_("필드 '%(name)s'의 %(what)s 해제", name=name, what=what))
        else:
            changes.append(_of(_field(name), _changed(what, a, b)))
    if old.get("description") != new.get("description"):
        changes.append(_("필드 '%(name)s'의 도움말 변경", name=name))
    if {k: v for k, v in old_ui.items() if k != "widget"} \
            != {k: v for k, v in new_ui.items() if k != "widget"}:
        changes.append(_("필드 '%(name)s'의 화면 배치 변경", name=name))
    return changes


def _bound(schema: Mapping[str, Any], keyword: str) -> Any:
    return schema.get(keyword)


def _mapping_changes(old: Any, new: Any, what: str,
                     fields: Mapping[str, Mapping[str, Any]]) -> list[str]:
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}

    def label(name: str) -> str:
        field = fields.get(name) or {}
        return content_text(field.get("title") or name)

    changes = []
    for name in new:
        if name not in old:
            changes.append(_("필드 '%(name)s'에 %(what)s 추가: %(value)s", name=label(name),
                             what=what, value=_show(new[name])))
        elif old[name] != new[name]:
            changes.append(_of(_field(label(name)), _changed(what, old[name], new[name])))
    for name in old:
        if name not in new:
            changes.append(_("필드 '%(name)s'의 %(what)s 삭제", name=label(name), what=what))
    return changes


def _rule_changes(old: Any, new: Any) -> list[str]:
    def rules(value: Any) -> list[str]:
        found = []
        for rule in value if isinstance(value, list) else []:
            if isinstance(rule, Mapping):
                found.append(str(rule.get("message") or rule.get("check")
                                 or rule.get("rule") or _show(rule)))
        return found

    before, after = rules(old), rules(new)
    changes = [_("검증 규칙 '%(rule)s' 추가", rule=text) for text in after if text not in before]
    changes += [_("검증 규칙 '%(rule)s' 삭제", rule=text) for text in before if text not in after]
    if not changes and old != new and (old or new):
        changes.append(_("검증 규칙 변경"))
    return changes


# --- unit functions -----------------------------------------------------------------------------

UNIT_LISTS = {"forms": _l("양식"), "processes": _l("프로세스"), "actions": _l("동작"),
              "feeds": _l("피드"), "target_groups": _l("대상 집단")}
UNIT_SCALARS = {"title": _l("제목"), "layer": _l("계층"), "description": _l("설명"),
                "page": _l("화면"), "record_subject": _l("대상자 연결")}


def unit_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes = []
    for key, what in UNIT_SCALARS.items():
        if old.get(key) != new.get(key):
            changes.append(_changed(_("단위기능 %(what)s", what=what), old.get(key),
                                    new.get(key)))
    for key, what in UNIT_LISTS.items():
        changes += _list_changes(old.get(key), new.get(key), f"{what}")
    changes += _screen_changes(old.get("screens"), new.get("screens"))
    changes += _parameter_changes(old.get("parameters"), new.get("parameters"))
    known = {*UNIT_LISTS, *UNIT_SCALARS, "screens", "parameters", "id"}
    for key in sorted({*old, *new} - known):
        if old.get(key) != new.get(key):
            changes.append(_("'%(key)s' 설정 추가", key=key) if key not in old
                           else _("'%(key)s' 설정 삭제", key=key) if key not in new
                           else _("'%(key)s' 설정 변경", key=key))
    return changes


def _list_changes(old: Any, new: Any, what: str) -> list[str]:
    before = [_show(item) for item in old] if isinstance(old, list) else []
    after = [_show(item) for item in new] if isinstance(new, list) else []
    changes = [_("%(what)s '%(item)s' 추가", what=what, item=item)
               for item in after if item not in before]
    changes += [_("%(what)s '%(item)s' 삭제", what=what, item=item)
                for item in before if item not in after]
    return changes


def _screen_changes(old: Any, new: Any) -> list[str]:
    def screens(value: Any) -> dict[str, Mapping[str, Any]]:
        return {f"{s.get('kind')}:{s.get('form')}": s for s in value or ()
                if isinstance(s, Mapping)} if isinstance(value, list) else {}

    before, after = screens(old), screens(new)
    changes = []
    for key, screen in after.items():
        title = screen.get("title") or key
        if key not in before:
            changes.append(_("화면 '%(title)s' 추가", title=title))
        elif before[key] != screen:
            changes.append(_("화면 '%(title)s' 변경", title=title))
    changes += [_("화면 '%(title)s' 삭제", title=screen.get("title") or key)
                for key, screen in before.items()
                if key not in after]
    return changes


def _parameter_changes(old: Any, new: Any, where: str = "") -> list[str]:
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    changes = []
    for name, spec in new.items():
        title = spec.get("title", name) if isinstance(spec, Mapping) else name
        if name not in old:
            changes.append(_("%(where)s매개변수 '%(title)s' 추가", where=where, title=title))
            continue
        before = old[name]
        if before == spec:
            continue
        if isinstance(spec, Mapping) and isinstance(before, Mapping):
            for key in sorted({*before, *spec}):
                if before.get(key) != spec.get(key):
                    what = {"default": _l("기본값"), "type": _l("형식"), "title": _l("제목"),
                            "minimum": _l("최솟값"), "maximum": _l("최댓값"),
                            "enum": _l("선택지")}.get(key, key)
                    changes.append(_("%(where)s매개변수 '%(title)s'의 %(change)s", where=where,
                                     title=title,
                                     change=_changed(what, before.get(key), spec.get(key))))
        else:
            changes.append(_("%(where)s매개변수 '%(title)s'의 %(change)s", where=where,
                             title=title, change=_changed(_("값"), before, spec)))
    for name, spec in old.items():
        if name not in new:
            title = spec.get("title", name) if isinstance(spec, Mapping) else name
            changes.append(_("%(where)s매개변수 '%(title)s' 삭제", where=where, title=title))
    return changes


# --- facility profiles --------------------------------------------------------------------------

PROFILE_SCALARS = {"title": _l("제목"), "target_group": _l("대상 집단"), "statute": _l("근거 법령"),
                   "official_kind_code": _l("시설 종류 코드"), "description": _l("설명"),
                   "abstract": _l("기반 프로필 여부")}


def profile_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes = []
    for key, what in PROFILE_SCALARS.items():
        if old.get(key) != new.get(key):
            changes.append(_changed(_("프로필 %(what)s", what=what), old.get(key),
                                    new.get(key)))
    changes += _list_changes(_as_list(old.get("extends")), _as_list(new.get("extends")),
                             _("기반 프로필"))
    changes += _menu_changes(old.get("menu"), new.get("menu"))
    changes += _role_changes(old.get("roles"), new.get("roles"))
    changes += _exclusive_changes(old.get("exclusive_roles"), new.get("exclusive_roles"))
    old_parameters = old.get("parameters") if isinstance(old.get("parameters"), Mapping) else {}
    new_parameters = new.get("parameters") if isinstance(new.get("parameters"), Mapping) else {}
    for unit in sorted({*old_parameters, *new_parameters}):
        changes += _parameter_changes(old_parameters.get(unit), new_parameters.get(unit),
                                      _("단위기능 '%(unit)s'의 ", unit=unit))
    known = {*PROFILE_SCALARS, "extends", "menu", "roles", "exclusive_roles", "parameters",
             "code"}
    for key in sorted({*old, *new} - known):
        if old.get(key) != new.get(key):
            changes.append(_("'%(key)s' 설정 변경", key=key))
    return changes


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _menu_changes(old: Any, new: Any) -> list[str]:
    def groups(value: Any) -> dict[str, dict[str, Mapping[str, Any]]]:
        found: dict[str, dict[str, Mapping[str, Any]]] = {}
        for group in value if isinstance(value, list) else []:
            if not isinstance(group, Mapping):
                continue
            items = {}
            for item in group.get("items") or ():
                if isinstance(item, Mapping) and item.get("unit"):
                    items[str(item["unit"])] = item
            found[str(group.get("group") or group.get("title") or "")] = items
        return found

    before, after = groups(old), groups(new)
    changes = []
    for name in after:
        if name not in before:
            changes.append(_("메뉴 그룹 '%(name)s' 추가", name=name))
    for name in before:
        if name not in after:
            changes.append(_("메뉴 그룹 '%(name)s' 삭제", name=name))
    units_before = {unit: group for group, items in before.items() for unit in items}
    units_after = {unit: group for group, items in after.items() for unit in items}
    moved = False
    for unit, group in units_after.items():
        if unit not in units_before:
            changes.append(_("메뉴 '%(group)s'에 단위기능 '%(unit)s' 추가", group=group, unit=unit))
        elif units_before[unit] != group:
            moved = True
            changes.append(_("단위기능 '%(unit)s'을(를) 메뉴 '%(before)s'에서 '%(after)s'(으)로 "
                             "이동", unit=unit, before=units_before[unit], after=group))
    for unit, group in units_before.items():
        if unit not in units_after:
            changes.append(_("메뉴 '%(group)s'에서 단위기능 '%(unit)s' 삭제", group=group,
                             unit=unit))
    for unit, group in units_after.items():
        if unit not in units_before:
            continue
        item_before, item_after = before[units_before[unit]][unit], after[group][unit]
        if item_before.get("title") != item_after.get("title"):
            changes.append(_of(_("메뉴 항목 '%(unit)s'", unit=unit),
                               _changed(_("제목"), item_before.get("title"),
                                        item_after.get("title"))))
        changes += _value_changes(item_before.get("parameters"), item_after.get("parameters"),
                                  _("메뉴 항목 '%(unit)s'의 매개변수", unit=unit))
    order_before = [u for u in units_before if u in units_after]
    order_after = [u for u in units_after if u in units_before]
    if order_before != order_after and not moved:
        changes.append(_("메뉴 순서 변경"))
    return changes


def _value_changes(old: Any, new: Any, what: str) -> list[str]:
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    changes = []
    for name in new:
        if name not in old:
            changes.append(_("%(what)s '%(name)s'을(를) '%(value)s'(으)로 지정", what=what,
                             name=name, value=_show(new[name])))
        elif old[name] != new[name]:
            changes.append(f"{what} " + _changed(f"'{name}'", old[name], new[name]))
    changes += [_("%(what)s '%(name)s' 해제", what=what, name=name)
                for name in old if name not in new]
    return changes


def _role_changes(old: Any, new: Any) -> list[str]:
    def roles(value: Any) -> dict[str, Mapping[str, Any]]:
        return {str(r.get("id")): r for r in value or () if isinstance(r, Mapping)} \
            if isinstance(value, list) else {}

    before, after = roles(old), roles(new)
    changes = []
    for role_id, role in after.items():
        title = role.get("title") or role_id
        if role_id not in before:
            changes.append(_("역할 '%(role)s' 추가", role=content_text(title)))
            continue
        previous = before[role_id]
        if previous.get("title") != role.get("title"):
            changes.append(_of(_("역할 '%(role)s'", role=role_id),
                               _changed(_("이름"), previous.get("title"), role.get("title"))))
        if bool(previous.get("administers")) != bool(role.get("administers")):
            changes.append(_("역할 '%(role)s'에 기관 관리 권한 부여", role=content_text(title))
                           if role.get("administers") else
                           _("역할 '%(role)s'에 기관 관리 권한 해제", role=content_text(title)))
        changes += _grant_changes(str(title), previous.get("grants"), role.get("grants"))
    for role_id, role in before.items():
        if role_id not in after:
            changes.append(_("역할 '%(role)s' 삭제",
                             role=content_text(role.get("title") or role_id)))
    return changes


def _grant_changes(role: str, old: Any, new: Any) -> list[str]:
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}

    def actions(grant: Any) -> list[str]:
        return [str(a) for a in (grant.get("actions") or ())] if isinstance(grant, Mapping) \
            else []

    changes = []
    for unit, grant in new.items():
        if unit not in old:
            scope = grant.get("scope") if isinstance(grant, Mapping) else None
            changes.append(_("역할 '%(role)s'에 '%(unit)s' 권한 부여 (%(actions)s, 범위 %(scope)s)",
                             role=role, unit=unit, actions=_show(actions(grant)),
                             scope=_show(scope)))
            continue
        previous = old[unit]
        for action in actions(grant):
            if action not in actions(previous):
                changes.append(_("역할 '%(role)s'의 '%(unit)s' 권한에 동작 '%(action)s' 추가",
                                 role=role, unit=unit, action=action))
        for action in actions(previous):
            if action not in actions(grant):
                changes.append(_("역할 '%(role)s'의 '%(unit)s' 권한에서 동작 '%(action)s' 삭제",
                                 role=role, unit=unit, action=action))
        old_scope = previous.get("scope") if isinstance(previous, Mapping) else None
        new_scope = grant.get("scope") if isinstance(grant, Mapping) else None
        if old_scope != new_scope:
            changes.append(_("역할 '%(role)s'의 '%(unit)s' 권한 %(change)s", role=role, unit=unit,
                             change=_changed(_("범위"), old_scope, new_scope)))
    changes += [_("역할 '%(role)s'의 '%(unit)s' 권한 회수", role=role, unit=unit)
                for unit in old if unit not in new]
    return changes


def _exclusive_changes(old: Any, new: Any) -> list[str]:
    def pairs(value: Any) -> list[frozenset[str]]:
        return [frozenset(map(str, group)) for group in value or () if isinstance(group, list)] \
            if isinstance(value, list) else []

    before, after = pairs(old), pairs(new)
    changes = [_("겸직 금지 역할 (%(roles)s) 추가", roles=", ".join(sorted(g)))
               for g in after if g not in before]
    changes += [_("겸직 금지 역할 (%(roles)s) 삭제", roles=", ".join(sorted(g)))
                for g in before if g not in after]
    return changes


# --- processes ----------------------------------------------------------------------------------

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
TASKS = {"task": _l("단계"), "userTask": _l("단계"), "manualTask": _l("단계"),
         "serviceTask": _l("자동 단계"), "scriptTask": _l("스크립트 단계"), "sendTask": _l("단계"),
         "receiveTask": _l("단계"), "businessRuleTask": _l("규칙 단계"),
         "callActivity": _l("하위 프로세스 호출"), "subProcess": _l("하위 프로세스")}
GATEWAYS = {"exclusiveGateway": "분기", "parallelGateway": _l("병렬 분기"),
            "inclusiveGateway": _l("포함 분기"), "eventBasedGateway": _l("이벤트 분기")}
EVENTS = {"startEvent": _l("시작 이벤트"), "endEvent": _l("종료 이벤트"),
          "intermediateCatchEvent": _l("중간 이벤트"), "intermediateThrowEvent": _l("중간 이벤트"),
          "boundaryEvent": _l("경계 이벤트")}


def _parse(text: str) -> etree._Element | None:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text,
                                parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _elements(root: etree._Element) -> dict[str, dict[str, Any]]:
    """The flow elements of every process in the document, by id, with what the studio
    compares: kind, name, lane, the form of a user task, the operator of a service task,
    the timer of an event; and lanes (``lane:<id>``) and flows (``flow:<id>``)."""
    found: dict[str, dict[str, Any]] = {}
    lane_of: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        lane_name = lane.get("name") or lane.get("id") or ""
        found[f"lane:{lane.get('id')}"] = {"kind": "lane", "name": lane_name}
        for ref in lane.iter(f"{{{BPMN}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane_name
    for element in root.iter():
        kind = _local(element)
        element_id = element.get("id")
        if not element_id:
            continue
        if kind in TASKS or kind in GATEWAYS or kind in EVENTS:
            entry: dict[str, Any] = {"kind": kind, "name": element.get("name") or element_id,
                                     "lane": lane_of.get(element_id)}
            for prop in element.iter(f"{{{SPIFF}}}property"):
                if prop.get("name") == "formJsonSchemaFilename":
                    entry["form"] = prop.get("value")
                elif prop.get("name") == "role":
                    entry["role"] = prop.get("value")
            operator = element.find(f".//{{{SPIFF}}}serviceTaskOperator")
            if operator is not None:
                entry["operator"] = operator.get("id")
            timer = next((child for child in element.iter()
                          if _local(child) in ("timeDuration", "timeDate", "timeCycle")), None)
            if timer is not None:
                entry["timer"] = f"{_local(timer)}:{(timer.text or '').strip()}"
            script = element.find(f"{{{BPMN}}}script")
            if script is not None:
                entry["script"] = (script.text or "").strip()
            found[element_id] = entry
    names = {key: value["name"] for key, value in found.items()}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN}}}conditionExpression")
        source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
        found[f"flow:{flow.get('id')}"] = {
            "kind": "flow", "source": source, "target": target,
            "name": flow.get("name") or f"{names.get(source, source)} → "
                                        f"{names.get(target, target)}",
            "condition": (condition.text or "").strip() if condition is not None else None}
    return found


def _process_names(root: etree._Element) -> dict[str, str]:
    return {p.get("id") or "": p.get("name") or p.get("id") or ""
            for p in root.iter(f"{{{BPMN}}}process")}


#: Words with another meaning elsewhere in the interface, looked up by their use here.
_AMBIGUOUS = {"분기": "분기 (BPMN 게이트웨이)", "조건": "조건 (흐름의 조건식)"}


def _word(text: str) -> str:
    """A word of these descriptions in the request's language (a word with several meanings
    is looked up by its use: ``분기`` is a gateway here, not a quarter)."""
    korean = str.__str__(text)
    if current_language() == "ko":
        return korean
    return _(_AMBIGUOUS.get(korean, korean))


def _what(entry: Mapping[str, Any]) -> str:
    kind = entry["kind"]
    return _word(TASKS.get(kind) or GATEWAYS.get(kind) or EVENTS.get(kind) or
                 {"lane": "레인", "flow": "흐름"}.get(kind, "요소"))


def process_changes(old: str, new: str) -> list[str]:
    old_root, new_root = _parse(old), _parse(new)
    if old_root is None or new_root is None:
        if old_root is None and new_root is None:
            return [] if old == new else [_("BPMN 본문 변경 (읽을 수 없는 XML)")]
        return [_("읽을 수 없던 BPMN을 고침") if old_root is None
                else _("BPMN을 읽을 수 없게 바뀜")]
    changes = []
    old_names, new_names = _process_names(old_root), _process_names(new_root)
    for pid, name in new_names.items():
        if pid not in old_names:
            changes.append(_("프로세스 '%(name)s' 추가", name=name))
        elif old_names[pid] != name:
            changes.append(_changed(_("프로세스 이름"), old_names[pid], name))
    changes += [_("프로세스 '%(name)s' 삭제", name=name) for pid, name in old_names.items()
                if pid not in new_names]
    before, after = _elements(old_root), _elements(new_root)
    for element_id, entry in after.items():
        if element_id not in before:
            changes.append(_("%(what)s '%(name)s' 추가", what=_what(entry), name=entry["name"]))
    for element_id, entry in before.items():
        if element_id not in after:
            changes.append(_("%(what)s '%(name)s' 삭제", what=_what(entry), name=entry["name"]))
    for element_id, entry in after.items():
        previous = before.get(element_id)
        if previous is None:
            continue
        changes += _element_changes(previous, entry)
    return changes


def _element_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    what, name = _what(new), new["name"]
    changes = []
    if old["kind"] != new["kind"]:
        changes.append(_("%(before)s '%(name)s'을(를) %(after)s(으)로 바꿈", before=_what(old),
                         name=old["name"], after=what))
    if old["name"] != new["name"] and new["kind"] != "flow":
        changes.append(_of(f"{what} '{old['name']}'", _changed(_("이름"), old["name"], name)))
    labels = {"lane": _l("레인"), "form": _l("양식"), "role": _l("담당 역할"),
              "operator": _l("호출 함수"), "timer": _l("타이머"), "script": _l("스크립트"),
              "source": _l("출발 요소"), "target": _l("도착 요소")}
    for key, label in labels.items():
        if old.get(key) != new.get(key):
            changes.append(_of(f"{what} '{name}'", _changed(label, old.get(key), new.get(key))))
    if old.get("condition") != new.get("condition"):
        if old.get("condition") is None:
            changes.append(_("%(what)s '%(name)s'에 조건 '%(condition)s' 추가", what=what,
                             name=name, condition=new.get("condition")))
        elif new.get("condition") is None:
            changes.append(_("%(what)s '%(name)s'의 조건 삭제", what=what, name=name))
        else:
            changes.append(_of(f"{what} '{name}'", _changed(_word("조건"), old.get("condition"),
                                                             new.get("condition"))))
    return changes


def summarize(changes: Sequence[str], limit: int = 3) -> str:
    """A one-line summary of ``changes`` (the first few and how many more)."""
    if not changes:
        return _("변경 없음")
    shown = ", ".join(changes[:limit])
    return shown if len(changes) <= limit else _("%(shown)s 외 %(n)s건", shown=shown,
                                                n=len(changes) - limit)


def all_changes(kind: str, versions: Iterable[tuple[int, Body]]) -> list[tuple[int, list[str]]]:
    """The changes each version made over the one before (the first over nothing)."""
    result = []
    previous: Body = None
    for number, body in versions:
        result.append((number, describe_changes(kind, previous, body)))
        previous = body
    return result
