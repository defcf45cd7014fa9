"""Texts the browser scripts show (``static/*.js``).

They are listed here, marked for translation, so ``ieum i18n missing`` finds them; ``base.html``
hands the current language's versions to the scripts as JSON (``#ieum-texts``), and a script
reads one with ``ieumT("한국어 문구")`` (``static/ieum-i18n.js``), which gives the Korean back
when there is no translation. Add a text here when a script starts showing it.
"""

from __future__ import annotations

from ieum.i18n import LazyText, current_language
from ieum.i18n import lazy_gettext as _l

#: the staff screens' scripts (ieum-ui, ieum-forms, ieum-confirm, ieum-session, ieum-jobs ...)
STAFF: list[LazyText] = [
    _l("%(name)s (옆으로 넘겨 보기)"),  # ieum-ui.js: a table that scrolls sideways
    _l("표"),
    _l("확인해 주세요"),  # ieum-confirm.js
    _l("이 작업은 되돌릴 수 없습니다."),
    _l("취소"),
    _l("확인"),
    _l("자동 로그아웃까지 %(n)s분 남았습니다. 계속 쓰려면 연장을 누르세요."),  # ieum-session.js
]


#: the studios' scripts (studio-*.js, ieum-studio.js)
STUDIO: list[LazyText] = [
]


def texts_for_scripts() -> dict[str, str]:
    """Korean -> the request's language, for every listed text; empty in Korean."""
    if current_language() == "ko":
        return {}
    return {text.message: str(text) for text in (*STAFF, *STUDIO)}


__all__ = ["STAFF", "STUDIO", "texts_for_scripts", "_l"]
