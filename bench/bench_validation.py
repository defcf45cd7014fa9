"""Form validations per second of the self-reliance assessment (자립기술평가, 60 items).

Platform: ``ieum.forms.engine.process`` — the one path every save takes (visibility, computed
domain scores, JSON Schema with Korean messages, x-rules). Baseline: the bare ``jsonschema``
Draft 2020-12 validator, built once, listing the errors of the same submissions, on **the same
schema the platform validates** (``forms.validation.for_validation``: choices as ``enum``) with
the same format checker. ``ratio`` = ``ratio_same_schema`` = platform / that baseline (target
>= 0.8). For information, ``ratio_raw_schema``: against the bare validator on the schema file as
written (choices as ``oneOf`` constants, no format checks) — the figure this benchmark reported
before issue 15, flattering to the platform because that baseline does more work.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jsonschema import Draft202012Validator

from bench.timing import paired_rates, rate, summary
from ieum.config import REPOSITORY_ROOT
from ieum.definitions.forms import load_form
from ieum.forms.engine import process
from ieum.forms.validation import FORMATS, for_validation, schema_errors

FORM = REPOSITORY_ROOT / "forms" / "self_reliance" / "sr_assessment.json"
TODAY = dt.date(2026, 3, 2)
DOMAINS = ("daily", "selfcare", "community", "money", "social", "career")


def submissions(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Eight filled-in assessments: six complete and different, two with mistakes."""
    items = [name for name in schema["properties"] if name.split("_")[0] in DOMAINS
             and name.split("_")[-1].isdigit()]
    found = []
    for n in range(8):
        data: dict[str, Any] = {"assessed_on": f"2026-0{1 + n % 3}-1{n}"}
        data.update({name: 1 + (i + n) % 4 for i, name in enumerate(items)})
        if n == 6:
            data.pop(items[3])          # a required item left out
        if n == 7:
            data[items[5]] = 7          # not one of the options
        found.append(data)
    return found


def run(repeats: int = 3, quick: bool = False) -> dict[str, Any]:
    form, problems = load_form(FORM, None)
    assert form is not None, problems
    schema = json.loads(FORM.read_text(encoding="utf-8"))
    data = submissions(schema)
    same = Draft202012Validator(for_validation(form.schema_dict()), format_checker=FORMATS)
    raw = Draft202012Validator(schema)

    def platform() -> None:
        for item in data:
            process(form, item, today=TODAY)

    def baseline() -> None:
        for item in data:
            list(same.iter_errors(item))

    def baseline_raw() -> None:
        for item in data:
            list(raw.iter_errors(item))

    verdicts = [bool(list(same.iter_errors(item))) for item in data]
    if verdicts != [bool(schema_errors(form, item)) for item in data]:
        raise RuntimeError("the baseline and the platform disagree on which submissions fail")
    platform()  # warm the caches (compiled expressions, the built validator)
    baseline()
    baseline_raw()
    count = 10 if quick else 60
    ours, theirs, raws, ratios, raw_ratios = [], [], [], [], []
    for _ in range(repeats):  # interleaved call by call: platform and same-schema baseline
        p, b = (n * len(data) for n in paired_rates(platform, baseline, count))
        r = rate(baseline_raw, count) * len(data)
        ours.append(p)
        theirs.append(b)
        raws.append(r)
        ratios.append(p / b)
        raw_ratios.append(p / r)
    ratio = summary(ratios, 3)
    return {"form": "sr_assessment", "submissions_per_run": count * len(data),
            "platform_per_second": summary(ours, 1), "baseline_per_second": summary(theirs, 1),
            "baseline_raw_schema_per_second": summary(raws, 1),
            "ratio": ratio["median"], "ratio_runs": ratio,
            "ratio_same_schema": ratio["median"],
            "ratio_raw_schema": summary(raw_ratios, 3)["median"], "target": ">= 0.8",
            "pass": ratio["median"] >= 0.8}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
