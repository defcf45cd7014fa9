"""지역사회 중심 통합돌봄 (layer 4): care pathways across agencies led by the local government,
composed from layers 1–3 and registered through the kernel's entry-point groups only
(``pyproject.toml``):

- ``placement``: 보호조치 결정: a 시·군·구 official records a child's assessment and decides
  the placement among facilities with live vacancies (layer 3's ``vacancies``); the decision
  starts the process ``child_placement_admission`` in the receiving facility, whose manager
  accepts (the child becomes a subject, admitted, with what law and consent carry over) or
  declines with a reason.
- ``cases``: 통합돌봄 사례: a coordinator (a 시·군·구 official) opens a case for a person with
  consent, invites agencies, each adds its services to one shared care plan; reviews,
  closure and hand-over; each agency sees what the consent allows.
- ``pathway``: 맞춤형 노인돌봄: the elderly-care programs as one service, eligibility written
  in the expression language, the long-term-care grade routing to home care or a care home
  (``elderly_pathway.yaml``).
- ``compliance``: rules in the expression language over facilities' resolutions and payroll
  (``compliance_rules.yaml``), flagged with their evidence on the officials' screens.
- ``policy``: supply and demand by region, target group and function, with a server-drawn
  SVG chart, a text table and an Excel export.

Screens: ``care_region`` (the officials' pages under ``/region/care``, in their menu) and
``care_facility`` (the receiving facility's placement task, the agencies' cases). Tables:
``ieum.store.models_care``. Demo: chapter ``community_care``.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
