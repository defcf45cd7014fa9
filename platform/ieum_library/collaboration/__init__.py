"""정보공유·서비스의뢰 (layer 3): sharing and collaboration between facilities, as the shipped
library's package. It registers itself through the kernel's entry-point groups only
(``pyproject.toml``):

- ``ieum.feeds``: ``occupancy`` and ``service_history`` (``feeds``);
- ``ieum.task_hooks``: ``referral_review`` (``referrals.on_review_task``);
- ``ieum.screens``: ``collab`` (the unit's pages, ``page: collab.home``), ``collab_api``
  (``/api/v1`` referrals, consent, history, vacancies) and ``vacancies`` (``/region/vacancies``),
  in ``web``, with their templates in ``templates/collab``;
- ``ieum.task_panels``: the subject page's consent, referrals and integrated history;
- ``ieum.dashboard_cards``: 현원 and unread notices on the facility dashboard.

Services: ``consent``, ``needs``, ``occupancy``, ``vacancies``, ``referrals``, ``handover``,
``shared_history``; the tables are the kernel's (``ieum.store.models_collab``, migrated with
the kernel's schema).
"""
