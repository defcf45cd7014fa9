"""Korean particles after a word that changes (issue 19: "‘아동자립정보’을", "은(는)")."""

from __future__ import annotations

import pytest

from ieum.korean import josa, particle


@pytest.mark.parametrize("word,which,expected", [
    ("‘아동자립정보’", "을", "‘아동자립정보’를"),
    ("‘입퇴소 관리’", "은", "‘입퇴소 관리’는"),
    ("‘보호종료관리’", "을/를", "‘보호종료관리’를"),
    ("팀장", "이", "팀장이"),
    ("사무국장", "가", "사무국장이"),
    ("시설장", "와", "시설장과"),
    ("서울", "(으)로", "서울로"),       # ㄹ takes 로
    ("집", "으로", "집으로"),
    ("학교", "로", "학교로"),
    ("v3", "을", "v3을"),              # 삼
    ("v2", "을", "v2를"),              # 이
    ("size", "이", "size가"),
    ("PDF", "이", "PDF가"),
    ("html", "은", "html은"),          # 엘
    ("2026-0001", "을", "2026-0001을"),  # 일
    ("!!", "을", "!!을(를)"),           # nothing to read: both forms, as before
])
def test_the_particle_follows_the_last_sound(word, which, expected) -> None:
    assert josa(word, which) == expected


def test_an_unknown_particle_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        particle("팀장", "에게")


def test_templates_have_the_filters(make_app, sqlite_url, sqlite_template) -> None:
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url)
    with app.app_context():
        template = app.jinja_env.from_string(
            "{{ '아동자립정보'|josa('을') }} {{ 'v2'|particle('은') }}")
        assert template.render() == "아동자립정보를 는"
