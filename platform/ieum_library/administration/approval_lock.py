"""결재 중인 문서는 고칠 수 없다: a document sent along its unit's approval process (결재
올리기, or written as the process's first task) is frozen while the approval runs and after it
was approved; after a 반려 the writer corrects it and submits it again.

A record feed (entry-point group ``ieum.feeds``, name ``approval_lock``): units whose documents
go through an approval list it in their manifest (``feeds: [approval_lock]``).
"""

from __future__ import annotations

from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.records.feeds import RecordEvent
from ieum_library.administration.submission import approved, instance_of

RUNNING = _l("결재가 진행 중인 문서는 고치거나 지울 수 없습니다 (결재 #{id}). "
             "반려된 뒤에 고치세요.")
APPROVED = _l("결재가 끝난 문서는 고치거나 지울 수 없습니다 (결재 #{id}).")


def _refuse_when_under_approval(event: RecordEvent) -> None:
    if event.kind == "create" or event.record.id is None:
        return
    instance = instance_of(event.session, event.record)
    if instance is None:
        return
    if instance.status in ("running", "error"):
        raise ServiceError(str(RUNNING).format(id=instance.id), status=409)
    if approved(event.session, instance):
        raise ServiceError(str(APPROVED).format(id=instance.id), status=409)


before_save = _refuse_when_under_approval
after_delete = _refuse_when_under_approval
