"""Findings round-trip through their JSON, the findings cache and the audit's store, whatever
their fields hold: a field added to Finding (or to a value it holds) without a strategy here
fails, and one that to_json or from_json forgets shows as a difference."""

from __future__ import annotations

import json
from dataclasses import fields

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsinit_lint.audit.store import FindingStore
from ecsinit_lint.batch import cache
from ecsinit_lint.core.findings import Applicability, Finding, Fix, Location, Origin, Severity

TEXT = st.text(max_size=8)
MAYBE_TEXT = st.none() | TEXT
POSITION = st.none() | st.integers(1, 10**6)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
ARN = st.builds("arn:aws:ecs:eu-west-1:123456789012:task-definition/{}:{}".format, st.from_regex(r"\A[a-z]{1,8}\Z"),
                st.integers(1, 99))  # fmt: skip

# A strategy for each field of each type; `location` and `origin` are drawn together (see `findings`).
STRATEGIES = {
    Finding: {
        "code": TEXT,
        "name": TEXT,
        "severity": st.sampled_from(Severity),
        "message": TEXT,
        "location": None,
        "pointer": TEXT,
        "task": MAYBE_TEXT,
        "container": MAYBE_TEXT,
        "fix": None,
        "origin": None,
    },
    Location: {"file": TEXT, "line": POSITION, "column": POSITION, "name": None},
    Fix: {
        "title": TEXT,
        "patch": st.lists(st.fixed_dictionaries({"op": TEXT, "path": TEXT, "value": JSON}), max_size=3),
        "applicability": st.sampled_from(Applicability),
    },
    Origin: {
        "arn": ARN,
        "account": TEXT,
        "region": TEXT,
        "services": st.lists(TEXT, max_size=2).map(tuple),
        "daemons": st.lists(TEXT, max_size=2).map(tuple),
    },
}


def _strategies(cls) -> dict:
    table = STRATEGIES[cls]
    assert list(table) == [f.name for f in fields(cls)], f"{cls.__name__}'s fields changed: give each a strategy"
    return table


@st.composite
def findings(draw, api: bool | None = None) -> Finding:
    """A finding of a file, or (`api`) of a revision read from the API: its location's file is
    None and its name the revision's ARN; a file's location is named by the task's label."""
    table = {name: s for name, s in _strategies(Finding).items() if s is not None}
    drawn = {name: draw(s) for name, s in table.items()}
    place = {name: s for name, s in _strategies(Location).items() if s is not None}
    location = Location(**{name: draw(s) for name, s in place.items()}, name=drawn["task"])
    fix = draw(st.none() | st.builds(Fix, **_strategies(Fix)))
    origin = None
    if draw(st.booleans()) if api is None else api:
        origin = draw(st.builds(Origin, **_strategies(Origin)))
        location = Location(None, location.line, location.column, origin.arn)
    return Finding(**drawn, location=location, fix=fix, origin=origin)


def test_every_field_has_a_strategy():
    for cls in STRATEGIES:
        _strategies(cls)


@settings(max_examples=200, deadline=None)
@given(findings())
def test_json_round_trip(finding):
    data = finding.to_json()
    assert Finding.from_json(json.loads(json.dumps(data))) == finding
    shown = [f.name for f in fields(Finding) if f.name != "location"]
    assert list(data) == [*shown[:4], "file", "line", "column", *shown[4:]]  # the JSON output's order


@settings(max_examples=50, deadline=None)
@given(st.booleans(), st.lists(findings(api=False), max_size=4))
def test_cache_round_trip(tmp_path_factory, found, listed):
    db = cache.Cache(str(tmp_path_factory.mktemp("cache")))
    ids = (b"id", b"content")
    db.add(cache.row(ids, found, listed))
    db.flush()
    assert db.get(ids) == (found, listed, None)


@settings(max_examples=30, deadline=None)
@given(st.lists(findings(api=True), max_size=4))
def test_audit_store_round_trip(listed):
    store = FindingStore()
    store.add(listed)
    assert sorted(store, key=repr) == sorted(listed, key=repr)
