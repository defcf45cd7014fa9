"""The ``ieum`` command as a user runs it: a real process on a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

IEUM = str(Path(sys.executable).with_name("ieum"))


@pytest.fixture
def run(tmp_path: Path, db_url: str):
    env = {**os.environ, "IEUM_DATABASE_URL": db_url,
           "IEUM_INSTANCE_PATH": str(tmp_path / "instance")}

    def ieum(*args: str, input_text: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([IEUM, *args], env=env, capture_output=True, text=True,
                              input=input_text, timeout=120)

    return ieum


def test_upgrade_then_demo_json_has_the_documented_shape(run) -> None:
    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "head" in run("db", "current").stdout
    first = run("demo", "--json")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert set(data) == {"facilities", "users", "children"}
    assert {f["code"] for f in data["facilities"]} == {
        "demo-child", "demo-elderly", "demo-foster", "demo-residence",
        # a new facility type of each field (ieum_library.demo.facility_types)
        "demo-protect", "demo-kids", "demo-hall", "demo-bath", "demo-sign", "demo-jahwal",
        "demo-mind", "demo-mother", "demo-street",
        # community care in 종로구 (ieum_library.demo.community_care)
        "demo-grouphome", "demo-homecare", "demo-welfare"}
    logins = {u["login"] for u in data["users"]}  # every login the README lists
    assert {"official", "official2", "resmanager", "reslead", "resworker", "carelead",
            "designer", "reviewer", "carecoordinator"} <= logins
    assert data["children"] == 9  # self-reliance cases at every stage
    for account in data["users"]:
        assert set(account) == {"login", "password", "facility", "roles"}
        assert account["roles"]
    # Running it again creates nothing new and prints the same logins.
    again = run("demo", "--json")
    assert json.loads(again.stdout) == data
    text = run("demo").stdout
    assert "데모 로그인" in text and "ieum-demo-2026" in text
    # roles by their Korean titles, not codes
    assert "일반사례관리팀장" in text and "시·군·구 담당공무원" in text
    assert "sr_team_leader" not in text and "region_official" not in text


def test_user_create_validates_and_grants_roles(run) -> None:
    assert run("db", "upgrade").returncode == 0
    assert run("demo", "--json").returncode == 0
    weak = run("user", "create", "--login", "kim", "--name", "김", "--password", "short")
    assert weak.returncode == 1 and "8자 이상" in weak.stderr
    created = run("user", "create", "--login", "kim", "--name", "김사회", "--password",
                  "good-pass-1", "--facility", "demo-child", "--role", "worker")
    assert created.returncode == 0, created.stderr
    duplicate = run("user", "create", "--login", "kim", "--name", "김", "--password",
                    "good-pass-1")
    assert duplicate.returncode == 1 and "이미 사용 중인 아이디" in duplicate.stderr
    exclusive = run("user", "create", "--login", "lee", "--name", "이", "--password",
                    "good-pass-1", "--facility", "demo-child", "--role", "worker",
                    "--role", "team_leader")
    assert exclusive.returncode == 1 and "함께 부여할 수 없습니다" in exclusive.stderr
    # Nothing of the refused user was kept: the login is still free.
    retry = run("user", "create", "--login", "lee", "--name", "이", "--password", "good-pass-1")
    assert retry.returncode == 0, retry.stderr


def test_serve_refuses_an_unmigrated_database(run) -> None:
    refused = run("serve", "--port", "0")
    assert refused.returncode == 1
    assert "ieum db upgrade" in refused.stderr
