"""The interface's language (issue 19 point 12): Korean unless English is chosen, chosen with a
switcher that remembers it in a cookie; catalogues read from .po files (ieum.i18n)."""

from __future__ import annotations

import re

import pytest

from ieum import i18n
from ieum.cli_i18n import unmarked_in_python, unmarked_in_template


@pytest.fixture
def client(make_app, migrated_url):
    return make_app(migrated_url).test_client()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_korean_is_the_default_and_english_is_a_choice(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ko">' in page and "이음 로그인" in page
    assert 'data-testid="language-en"' in page  # the switcher offers English

    answer = client.post("/language", data={"lang": "en", "next": "/login",
                                            "csrf_token": _csrf(page)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    english = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Sign in to ieum" in english and "이음 로그인" not in english
    assert 'data-testid="language-ko"' in english  # and the way back

    client.post("/language", data={"lang": "ko", "next": "/login",
                                   "csrf_token": _csrf(english)})
    assert "이음 로그인" in client.get("/login").get_data(as_text=True)


def test_an_unknown_language_or_a_foreign_next_is_ignored(client) -> None:
    token = _csrf(client.get("/login").get_data(as_text=True))
    answer = client.post("/language", data={"lang": "xx", "next": "https://evil.example/",
                                            "csrf_token": token})
    assert answer.status_code == 302
    assert "evil.example" not in answer.headers["Location"]
    assert "ieum_lang" not in answer.headers.get("Set-Cookie", "")
    assert '<html lang="ko">' in client.get("/login").get_data(as_text=True)


def test_the_language_switch_needs_the_csrf_token(client) -> None:
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_validation_messages_of_the_sign_in_form_follow_the_language(client) -> None:
    client.set_cookie("ieum_lang", "en")
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"login": "", "password": "",
                                         "csrf_token": _csrf(page)})
    text = answer.get_data(as_text=True)
    assert "Enter your user ID." in text and "아이디를 입력하세요." not in text


def test_outside_a_request_texts_stay_korean() -> None:
    assert i18n.gettext("로그인") == "로그인"
    assert i18n.gettext("%(n)s건", n=3) == "3건"
    assert str(i18n.lazy_gettext("로그인")) == "로그인"


def test_a_catalogue_change_is_read_again(tmp_path) -> None:
    folder = tmp_path / "locale" / "en"
    folder.mkdir(parents=True)
    po = folder / "x.po"
    po.write_text('msgid "사과"\nmsgstr "apple"\n', encoding="utf-8")
    assert i18n.table("en", [tmp_path / "locale"])["사과"] == "apple"
    po.write_text('msgid "사과"\nmsgstr "Apple"\n', encoding="utf-8")
    import os
    os.utime(po, ns=(1, 10**18))
    assert i18n.table("en", [tmp_path / "locale"])["사과"] == "Apple"


def test_the_unmarked_finder_sees_korean_outside_translation_calls() -> None:
    template = '<h1>{{ _("제목") }}</h1>\n<p>본문</p>\n{{ "값" if x }}\n{# 주석 #}'
    assert sorted(line for line, _text in unmarked_in_template(template)) == [2, 3]
    code = 'def f():\n    """설명."""\n    a = _("번역")\n    b = "안 번역"\n'
    assert [line for line, _text in unmarked_in_python(code)] == [4]


def test_a_lazy_text_is_its_korean_as_data_and_english_when_shown(make_app, migrated_url) -> None:
    import json

    from markupsafe import escape

    app = make_app(migrated_url)
    titles = {"a": i18n.lazy_gettext("로그인")}
    with app.test_request_context(headers={"Cookie": "ieum_lang=en"}):
        shown = titles["a"]
        assert str(shown) == "Sign in" and f"{shown}" == "Sign in"
        assert str(escape(shown)) == "Sign in" and shown + "!" == "Sign in!"
        assert json.dumps(shown, ensure_ascii=False) == '"로그인"'  # data stays Korean
        assert shown == "로그인" and ", ".join([shown]) == "로그인"
    with app.test_request_context():
        assert str(titles["a"]) == "로그인"
