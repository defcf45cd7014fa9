"""The shipped library's demo data (``ieum demo``): its facilities, their staff and a few
months of history, told in chapters. Each chapter is an entry point of group ``ieum.demo``
(``pyproject.toml``) run by the kernel's demo runner (``ieum.services.demo``), which names
none of this content. In the order the runner takes them (name order, each after what its
``after`` names):

- ``base``: 이음아동양육시설, 이음노인요양원, 이음가정위탁지원센터 and their staff;
- ``children``: self-reliance cases at every stage (demo-child, demo-foster);
- ``elderly``: months of history in the care home;
- ``facility_types``: a demo facility of a new type of each field (아동보호전문기관,
  가정어린이집, 경로당, 방문목욕, 수어통역센터, 광역자활센터, 정신요양시설,
  미혼모자가족복지시설, 노숙인종합지원센터), its staff and a few records;
- ``residence``: 이음의집 (장애인 거주시설), its staff and history, and the care home's 팀장;
- ``collaboration``: a person known in two facilities, a referral, unmet needs;
- ``reports``: reports to the 시·군·구 in each state, and their officials;
- ``welfare_programs``: the program catalog's designer and reviewer, programs, applications;
- ``content_studio``: the content studio's author (``author``) and reviewer
  (``content-reviewer``).

Every chapter saves records as a user through the kernel's record pipeline and is safe to
run again: what exists is left alone.
"""
