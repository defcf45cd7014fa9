"""Demo data of the content studio (콘텐츠 스튜디오): a content author and a content reviewer
(public roles, no facility), so that drafts can be written, reviewed and published. Safe to
run again: what exists is left alone."""

from __future__ import annotations

from typing import Any

from ieum.services.demo import DemoContext

after = ("welfare_programs",)

DEMO_PEOPLE: tuple[dict[str, Any], ...] = (
    {"login": "author", "name": "콘텐츠 작성자", "role": "content_author"},
    {"login": "content-reviewer", "name": "콘텐츠 검토자", "role": "content_reviewer"},
)


def load(context: DemoContext) -> dict[str, Any]:
    """Create the two studio users when missing; ``users``: the logins to print."""
    for spec in DEMO_PEOPLE:
        context.official(login=spec["login"], name=spec["name"], role=spec["role"],
                         region_code=None)
    context.session.commit()
    return {"users": [context.account(spec["login"], "-", [spec["role"]])
                      for spec in DEMO_PEOPLE]}
