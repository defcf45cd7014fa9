"""The library of facility profiles shipped in facility_profiles/: coverage, reuse and sanity.

These tests read the repository's own content (no plug-ins). They check what a person working
in each kind of facility would expect of its menu and roles, and that the profiles together
reuse the unit functions as the ISMP target asks (83%).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ieum.definitions import FacilityProfile, Registry, check_content, reuse_matrix

REPOSITORY = Path(__file__).resolve().parents[1]

# The profiles of the library (beyond the first four: child_home, group_home,
# foster_care_center, elderly_care_home).
LIBRARY = (
    "child_shelter", "child_treatment", "self_reliance_facility", "community_child_center",
    "elderly_nursing_group_home", "elderly_residence", "senior_welfare_center",
    "day_care_center", "home_visit_care",
    "disability_residence", "disability_group_home", "disability_welfare_center",
    "sheltered_workshop", "disability_day_care",
    "community_welfare_center", "self_sufficiency_center", "single_parent_facility",
    "homeless_shelter", "mental_health_rehab", "daycare_center",
)
# The facility types added to cover every type the statutes list (domain/facility_types.md),
# by field; each extends its field's base (child_base, elderly_base, ...).
NEW_TYPES = {
    "child_base": ("child_treatment_emotional", "child_counselling_center",
                   "child_exclusive_facility", "cooperative_care_center", "together_care_center",
                   "child_protection_agency", "child_rights_agency",
                   "self_reliance_support_agency", "abused_child_shelter"),
    "childcare_base": ("home_daycare",),
    "elderly_base": ("elderly_group_living", "senior_housing", "senior_center", "senior_school",
                     "short_term_care", "home_visit_bathing", "home_care_support",
                     "home_visit_nursing", "welfare_equipment_provider",
                     "elder_protection_agency", "senior_job_agency", "elder_abuse_shelter"),
    "disability_base": ("severe_disability_residence", "infant_disability_residence",
                        "disability_short_stay", "disability_sports_facility",
                        "disability_training_facility", "braille_library",
                        "sign_language_center", "disability_workplace",
                        "vocational_adaptation", "medical_rehab", "independent_living_center",
                        "abused_disabled_shelter"),
    "self_sufficiency_base": ("regional_self_sufficiency_center",),
    "mental_health_base": ("mental_care_facility", "mental_health_residence"),
    "single_parent_base": ("father_child_facility", "unmarried_mother_facility",
                           "temporary_support_facility", "single_parent_counselling_center"),
    "homeless_base": ("homeless_temporary", "homeless_rehab", "homeless_nursing",
                      "homeless_support_center"),
}
LIBRARY += tuple(code for codes in NEW_TYPES.values() for code in codes)
# Facilities where people live (24-hour care): they keep a daily care log.
RESIDENTIAL = (
    "child_home", "group_home", "elderly_care_home",
    "child_shelter", "child_treatment", "self_reliance_facility",
    "elderly_nursing_group_home", "elderly_residence",
    "disability_residence", "disability_group_home",
    "single_parent_facility", "homeless_shelter",
    "child_treatment_emotional", "abused_child_shelter", "elderly_group_living",
    "short_term_care", "elder_abuse_shelter", "severe_disability_residence",
    "infant_disability_residence", "disability_short_stay", "abused_disabled_shelter",
    "mental_care_facility", "mental_health_residence", "father_child_facility",
    "unmarried_mother_facility", "temporary_support_facility", "homeless_temporary",
    "homeless_rehab", "homeless_nursing",
)
# Housing without care (노인복지주택): people move in and out, nobody keeps a care log.
HOUSING = ("senior_housing",)
# Day services with a capacity (정원): people enrol and come for the day; attendance, fees
# and the start and end of their use (이용 시작·종료) are kept.
DAY_SERVICES = ("day_care_center", "disability_day_care", "daycare_center",
                "home_daycare")
# Use facilities (이용시설) without admission or discharge.
USE_FACILITIES = (
    "community_child_center", "senior_welfare_center", "home_visit_care",
    "disability_welfare_center", "community_welfare_center", "self_sufficiency_center",
    "mental_health_rehab", "sheltered_workshop",
    "child_counselling_center", "child_exclusive_facility", "cooperative_care_center",
    "together_care_center", "child_protection_agency", "child_rights_agency",
    "self_reliance_support_agency", "senior_center", "senior_school", "home_visit_bathing",
    "home_care_support", "home_visit_nursing", "welfare_equipment_provider",
    "elder_protection_agency", "senior_job_agency", "disability_sports_facility",
    "disability_training_facility", "braille_library", "sign_language_center",
    "disability_workplace", "vocational_adaptation", "medical_rehab",
    "independent_living_center", "regional_self_sufficiency_center",
    "single_parent_counselling_center", "homeless_support_center",
)
# Run by its members (경로당): no paid staff, so no staff cards or payroll.
SELF_RUN = ("senior_center",)
# Units whose processes have lanes worker and team_leader.
PROCESS_UNITS = ("counselling", "case_assignment", "spending_request", "resolution")
# Layer-2 service units the library composes.
SERVICE_UNITS = ("subject_management", "admission_discharge", "service_history",
                 "case_management", "case_conference", "programmes", "health_management",
                 "outings", "attendance", "usage_fee", "counselling", "daily_care_log",
                 "case_assignment", "self_reliance")
# Layer-1 administration every facility of the library has.
ADMINISTRATION = ("spending_request", "resolution", "hr_card", "payroll", "donations",
                  "safety_check")
TARGET_GROUPS = {"child", "elderly", "disabled", "community", "low_income", "family",
                 "homeless", "mental_health"}
HANGUL = re.compile("[가-힣]")


@pytest.fixture(scope="module")
def shipped() -> Registry:
    registry, problems = check_content([REPOSITORY], plugins=False)
    assert problems == [], "\n".join(str(problem) for problem in problems)
    assert registry is not None
    return registry


def _profiles(registry: Registry, codes: tuple[str, ...]) -> list[FacilityProfile]:
    return [registry.profiles[code] for code in codes]


def test_the_library_covers_at_least_twenty_facility_types(shipped: Registry) -> None:
    assert len(shipped.profiles) >= 20
    assert set(LIBRARY) <= set(shipped.profiles)
    assert set(shipped.profiles) == set(LIBRARY) | {"child_home", "group_home",
                                                   "foster_care_center", "elderly_care_home"}
    groups = {profile.target_group for profile in shipped.profiles.values()}
    assert {"child", "elderly", "disabled"} <= groups
    assert len(groups - {"child", "elderly", "disabled"}) >= 3


def test_reuse_ratio_reaches_the_ismp_target(shipped: Registry) -> None:
    reuse = reuse_matrix(shipped)
    assert reuse.reuse_ratio >= 0.83, reuse.as_summary()
    assert len(reuse.profiles) == len(shipped.profiles)
    # the layer-2 and layer-1 unit functions of the library are all in use
    assert set(ADMINISTRATION) | set(SERVICE_UNITS) <= set(reuse.unit_functions)
    # and every unit used by a library profile is shared by at least two profiles, except
    # the type-specific ones (layer 3, e.g. vocational_work of the sheltered workshop)
    for column, unit_id in enumerate(reuse.unit_functions):
        users = [code for code, row in zip(reuse.profiles, reuse.matrix, strict=True)
                 if row[column]]
        if set(users) & set(LIBRARY) and shipped.unit_functions[unit_id].layer < 3:
            assert len(users) >= 2, unit_id


def test_every_profile_has_an_administering_facility_admin(shipped: Registry) -> None:
    for code, profile in shipped.profiles.items():
        admin = profile.roles.get("facility_admin")
        assert admin is not None, code
        assert admin.administers, code
        assert HANGUL.search(admin.title), code
        # the facility admin holds every action of every unit in the menu
        for unit_id in profile.unit_ids:
            grant = admin.grants[unit_id]
            assert grant.scope == "facility", (code, unit_id)
            assert grant.actions == frozenset(shipped.unit_functions[unit_id].actions), (
                code, unit_id)
        others = [role.id for role in profile.roles.values()
                  if role.administers and role.id != "facility_admin"]
        assert others == [], code


def test_profiles_with_processes_have_the_lane_roles(shipped: Registry) -> None:
    for code, profile in shipped.profiles.items():
        if set(PROCESS_UNITS) & set(profile.unit_ids):
            assert {"worker", "team_leader", "facility_admin"} <= set(profile.roles), code
            assert frozenset({"team_leader", "worker"}) in profile.exclusive_roles, code
            assert profile.exclusive_conflicts({"team_leader", "worker"}), code


def test_library_profiles_are_complete(shipped: Registry) -> None:
    for profile in _profiles(shipped, LIBRARY):
        code = profile.code
        assert HANGUL.search(profile.title), code
        assert HANGUL.search(profile.statute), code
        assert profile.description, code
        assert profile.target_group in TARGET_GROUPS, code
        assert profile.official_kind_code is None or re.fullmatch(
            "[0-9]{6}", profile.official_kind_code), code
        # people are registered everywhere; counselling everywhere
        assert {"subject_management", "counselling", "service_history"} <= set(
            profile.unit_ids), code
        # at least one parameter override, e.g. the age range of subject management
        assert any(item.parameters for group in profile.menu for item in group.items), code
        for group in profile.menu:
            assert HANGUL.search(group.title), (code, group.title)


def test_every_library_profile_has_the_layer1_administration(shipped: Registry) -> None:
    for profile in _profiles(shipped, LIBRARY):
        if profile.code in SELF_RUN:
            assert set(ADMINISTRATION) - set(profile.unit_ids) == {"hr_card", "payroll"}
            continue
        assert set(ADMINISTRATION) <= set(profile.unit_ids), profile.code
    for unit_id in ADMINISTRATION:
        assert shipped.unit_functions[unit_id].layer == 1, unit_id


def test_team_leader_approves_and_worker_is_limited(shipped: Registry) -> None:
    for profile in _profiles(shipped, LIBRARY):
        code = profile.code
        leader, worker = profile.roles["team_leader"], profile.roles["worker"]
        assert HANGUL.search(leader.title) and HANGUL.search(worker.title), code
        assert not leader.administers and not worker.administers, code
        assert any("approve" in grant.actions for grant in leader.grants.values()), code
        for unit_id in PROCESS_UNITS:
            if unit_id in profile.unit_ids:
                assert "approve" in leader.grants[unit_id].actions, (code, unit_id)
                assert "approve" not in worker.grants[unit_id].actions, (code, unit_id)
        for unit_id, grant in worker.grants.items():
            # every worker sees the facility's residents; their own work stays own/assigned
            allowed = ("own", "assigned", "facility") if unit_id == "subject_management" \
                else ("own", "assigned")
            assert grant.scope in allowed, (code, unit_id)
            assert "approve" not in grant.actions, (code, unit_id)
            assert "delete" not in grant.actions, (code, unit_id)
        assert "hr_card" not in worker.grants and "payroll" not in worker.grants, code
        # a worker writes what the spending and resolution processes ask of the worker lane
        for unit_id in ("spending_request", "resolution"):
            assert "create" in worker.grants[unit_id].actions, (code, unit_id)
        # staff records and pay stay with the facility admin
        for unit_id in ("hr_card", "payroll"):
            if code in SELF_RUN:
                assert unit_id not in leader.grants, code
                continue
            assert leader.grants[unit_id].actions <= {"view"}, (code, unit_id)


def test_senior_welfare_center_is_a_use_facility(shipped: Registry) -> None:
    units = set(shipped.profiles["senior_welfare_center"].unit_ids)
    assert "admission_discharge" not in units
    assert "daily_care_log" not in units
    assert {"programmes", "service_history", "usage_fee"} <= units


def test_use_facilities_have_no_admission_or_discharge(shipped: Registry) -> None:
    for profile in _profiles(shipped, USE_FACILITIES):
        assert "admission_discharge" not in profile.unit_ids, profile.code


def test_no_elderly_or_disability_profile_has_child_self_reliance(shipped: Registry) -> None:
    for code, profile in shipped.profiles.items():
        if profile.target_group in ("elderly", "disabled"):
            assert "self_reliance" not in profile.unit_ids, code
    # the child self-reliance case management is for children in care only
    for code, profile in shipped.profiles.items():
        if "self_reliance" in profile.unit_ids:
            assert profile.target_group == "child", code
    assert "self_reliance" not in shipped.profiles["daycare_center"].unit_ids
    assert "self_reliance" not in shipped.profiles["community_child_center"].unit_ids


def test_every_residential_profile_keeps_a_daily_care_log(shipped: Registry) -> None:
    for profile in _profiles(shipped, RESIDENTIAL):
        assert "daily_care_log" in profile.unit_ids, profile.code
    for profile in _profiles(shipped, tuple(c for c in RESIDENTIAL if c in LIBRARY)):
        units = set(profile.unit_ids)
        assert {"admission_discharge", "health_management", "outings"} <= units, profile.code
    # whoever admits and discharges people houses them or has a day-service capacity
    for code, profile in shipped.profiles.items():
        if "admission_discharge" in profile.unit_ids:
            assert code in RESIDENTIAL + DAY_SERVICES + HOUSING, code
            assert profile.parameters_for("admission_discharge")["capacity_managed"], code


def test_day_services_keep_attendance_and_fees(shipped: Registry) -> None:
    for profile in _profiles(shipped, DAY_SERVICES):
        units = set(profile.unit_ids)
        assert {"attendance", "usage_fee", "daily_care_log", "admission_discharge"} <= units, (
            profile.code)
    workshop = set(shipped.profiles["sheltered_workshop"].unit_ids)
    assert {"attendance", "payroll"} <= workshop


def test_twenty_four_hour_care_runs_three_shifts(shipped: Registry) -> None:
    for code in ("elderly_nursing_group_home", "disability_residence"):
        assert shipped.profiles[code].parameters_for("daily_care_log")["shifts_per_day"] == 3
    for code in ("day_care_center", "disability_day_care", "daycare_center"):
        assert shipped.profiles[code].parameters_for("daily_care_log")["shifts_per_day"] == 1


def test_age_ranges_fit_the_facility(shipped: Registry) -> None:
    def ages(code: str) -> tuple[int, int]:
        params = shipped.profiles[code].parameters_for("subject_management")
        return params["min_age"], params["max_age"]

    assert ages("daycare_center")[1] <= 7
    for code in ("child_shelter", "child_treatment", "community_child_center"):
        assert ages(code) == (0, 18), code
    for code in ("elderly_nursing_group_home", "elderly_residence", "senior_welfare_center",
                 "day_care_center", "home_visit_care"):
        assert ages(code)[0] >= 60, code
    assert shipped.profiles["self_reliance_facility"].parameters_for(
        "self_reliance")["auto_register"] is True
