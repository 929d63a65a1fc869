"""Answer scales: NPS and Likert scores, and DORA's self-report buckets with the bounds used for measured values.

The DORA buckets are the answer options of DORA's survey (../shared/reference/DORA.md), fastest or best first,
numbered 1..6. Each has the range of the measured value that falls into it, so that a team's self-report can
be set beside what the pipeline measured for the same quarter (docs/metrics.md, "Developer surveys").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NPS_MIN, NPS_MAX = 0, 10
PROMOTER_MIN = 9  # 9-10
DETRACTOR_MAX = 6  # 0-6; 7-8 are passives
LIKERT_MIN, LIKERT_MAX = 1, 5
# Favourable = agree or strongly agree (4-5); for a reversed statement, disagree or strongly disagree (1-2).
LIKERT_FAVOURABLE_MIN = 4

LIKERT_WORDS = {
    "strongly disagree": 1,
    "disagree": 2,
    "somewhat disagree": 2,
    "neither agree nor disagree": 3,
    "neutral": 3,
    "agree": 4,
    "somewhat agree": 4,
    "strongly agree": 5,
}

DAY_HOURS = 24.0
EN_DASH = "\u2013"  # the labels' range dash, as DORA prints them
_INF = math.inf


@dataclass(frozen=True)
class Bucket:
    """One answer option: its number (1 = fastest/best), label, accepted wordings, and measured range."""

    number: int
    label: str
    variants: tuple[str, ...]
    lower: float  # measured value range [lower, upper) in the scale's unit
    upper: float


@dataclass(frozen=True)
class DoraScale:
    kind: str  # the question type, e.g. dora_lead_time
    metric: str  # what is measured: lead_time | deploy_frequency | recovery_time | change_fail_rate
    unit: str  # unit of lower/upper: hours | deployments per day | ratio
    buckets: tuple[Bucket, ...]


_DURATION = (
    ("less than one hour", ("less than an hour", "< 1 hour", "under one hour"), 0.0, 1.0),
    ("less than one day", ("one hour-one day", "less than a day", "< 1 day"), 1.0, DAY_HOURS),
    (f"one day{EN_DASH}one week", ("one day-one week",), DAY_HOURS, 7 * DAY_HOURS),
    (f"one week{EN_DASH}one month", ("one week-one month",), 7 * DAY_HOURS, 30 * DAY_HOURS),
    (f"one month{EN_DASH}six months", ("one month-six months",), 30 * DAY_HOURS, 182 * DAY_HOURS),
    ("more than six months", ("over six months", "> 6 months"), 182 * DAY_HOURS, _INF),
)

DORA_SCALES: dict[str, DoraScale] = {
    "dora_lead_time": DoraScale(
        "dora_lead_time",
        "lead_time",
        "hours",
        tuple(Bucket(i, label, variants, lo, hi) for i, (label, variants, lo, hi) in enumerate(_DURATION, 1)),
    ),
    "dora_recovery_time": DoraScale(
        "dora_recovery_time",
        "recovery_time",
        "hours",
        tuple(Bucket(i, label, variants, lo, hi) for i, (label, variants, lo, hi) in enumerate(_DURATION, 1)),
    ),
    "dora_deploy_frequency": DoraScale(
        "dora_deploy_frequency",
        "deploy_frequency",
        "deployments per day",
        (
            # "Multiple per day" needs two or more a day on average; one a day is the next option.
            Bucket(1, "on demand (multiple per day)", ("on demand", "on demand (multiple deploys per day)"), 2.0, _INF),
            Bucket(2, f"once per hour{EN_DASH}once per day", ("once per hour-once per day",), 1.0, 2.0),
            Bucket(3, f"once per day{EN_DASH}once per week", ("once per day-once per week",), 1 / 7, 1.0),
            Bucket(4, f"once per week{EN_DASH}once per month", ("once per week-once per month",), 1 / 30, 1 / 7),
            Bucket(
                5,
                f"once per month{EN_DASH}once per six months",
                ("once per month-once per six months",),
                1 / 182,
                1 / 30,
            ),
            Bucket(6, "fewer than once per six months", ("less than once per six months",), 0.0, 1 / 182),
        ),
    ),
    "dora_change_fail_rate": DoraScale(
        "dora_change_fail_rate",
        "change_fail_rate",
        "ratio",
        (
            # DORA's options are whole percentages; 15.4% reads as "0-15%", 15.6% as "16-30%".
            Bucket(1, f"0{EN_DASH}15%", ("0%-15%",), 0.0, 0.155),
            Bucket(2, f"16{EN_DASH}30%", ("16%-30%",), 0.155, 0.305),
            Bucket(3, f"31{EN_DASH}45%", ("31%-45%",), 0.305, 0.455),
            Bucket(4, f"46{EN_DASH}60%", ("46%-60%",), 0.455, 0.605),
            Bucket(5, f"61{EN_DASH}75%", ("61%-75%",), 0.605, 0.755),
            Bucket(6, f"76{EN_DASH}100%", ("76%-100%",), 0.755, _INF),
        ),
    ),
}


def choice_key(text: str) -> str:
    """An answer text reduced for matching: case, dashes, "between X and Y", "every"/"per" and spacing ignored."""
    t = text.casefold().strip()
    t = re.sub(r"[\u2010-\u2015\u2212]", "-", t)
    t = re.sub(r"^between\s+", "", t)
    t = re.sub(r"\s+(and|to)\s+", "-", t)
    t = t.replace("every", "per").replace("on-demand", "on demand").replace("deployments", "deploys")
    t = re.sub(r"\s*-\s*", "-", t)
    t = re.sub(r"\s+", " ", t).strip(" .")
    return t


def choice_lookup(kind: str, configured: tuple[str, ...] = ()) -> dict[str, int]:
    """Matching keys of every accepted answer text of a DORA question -> bucket number."""
    scale = DORA_SCALES[kind]
    lookup: dict[str, int] = {}
    for bucket in scale.buckets:
        for text in (bucket.label, *bucket.variants):
            lookup[choice_key(text)] = bucket.number
    for number, text in enumerate(configured, 1):
        lookup[choice_key(text)] = number
    return lookup


def scale_rows() -> list[dict[str, object]]:
    """Every bucket of every DORA scale as rows (kind, metric, bucket, label, lower, upper) for the SQL."""
    rows: list[dict[str, object]] = []
    for scale in DORA_SCALES.values():
        for b in scale.buckets:
            rows.append(
                {
                    "kind": scale.kind,
                    "metric": scale.metric,
                    "unit": scale.unit,
                    "bucket": b.number,
                    "label": b.label,
                    "lower_bound": b.lower,
                    "upper_bound": None if math.isinf(b.upper) else b.upper,
                }
            )
    return rows
