"""The shipped Kibana objects: well formed, wired together, and right on real mentions.

Kibana cannot run here, so what it would do is done directly: every Lucene query runs on the
real node as `query_string` (what Kibana sends for Lucene), and every visualization's
aggregations are sent as the request Kibana builds from its `visState`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

import dashboards
from dashboards.definitions import (
    ALERT_FIELDS,
    ALERTS,
    CAMPAIGNS_SEARCH,
    IN_OUR_AREA_SEARCH,
    MENTIONS_OVER_TIME,
    NEEDS_A_RESPONSE_SEARCH,
    NEGATIVE_SEARCH,
    OPEN_ALERTS_SEARCH,
    PLACES_IN_THE_AREA,
    PLATFORMS,
    RESPONSE_QUEUE,
    RISK_FLAGS_SEARCH,
    TOP_TOPICS,
    SavedSearch,
    Terms,
    Visualization,
)
from dashboards.definitions import MENTIONS as MENTIONS_VIEW
from dashboards.saved_objects import (
    NDJSON_FILE,
    saved_objects,
    search_object,
    visualization_object,
)
from earshot.core.model import Mention, Place, Response, Sentiment, mention_id
from earshot.store.fields import MOST_URGENT_FIRST
from earshot.store.indices import MENTIONS, ensure_indices
from earshot.store.mentions import index_mentions

OBJECTS = saved_objects()
BY_KEY = {(o["type"], o["id"]): o for o in OBJECTS}
BY_ID = {o["id"]: o for o in OBJECTS}

STABLE_IDS = [
    "earshot-dashboard-overview",
    "earshot-dashboard-response-queue",
    "earshot-data-view-alerts",
    "earshot-data-view-mentions",
    "earshot-search-campaigns",
    "earshot-search-in-our-area",
    "earshot-search-needs-response",
    "earshot-search-negative-about-force",
    "earshot-search-open-alerts",
    "earshot-search-risk-flags",
    "earshot-vis-mentions-over-time",
    "earshot-vis-places-in-area",
    "earshot-vis-platforms",
    "earshot-vis-response-queue",
    "earshot-vis-top-topics",
]
REQUIRED_ATTRIBUTES = {
    "index-pattern": {"title", "name", "timeFieldName"},
    "search": {"title", "description", "columns", "sort", "kibanaSavedObjectMeta"},
    "visualization": {"title", "description", "visState", "uiStateJSON", "kibanaSavedObjectMeta"},
    "dashboard": {
        "title",
        "description",
        "panelsJSON",
        "optionsJSON",
        "timeRestore",
        "timeFrom",
        "timeTo",
        "kibanaSavedObjectMeta",
    },
}
JSON_STRING_ATTRIBUTES = {
    "index-pattern": (
        "fields",
        "fieldAttrs",
        "fieldFormatMap",
        "runtimeFieldMap",
        "sourceFilters",
        "typeMeta",
    ),
    "search": (),
    "visualization": ("visState", "uiStateJSON"),
    "dashboard": ("panelsJSON", "optionsJSON"),
}


def search_source(obj: dict) -> dict:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def data_view_of(obj: dict) -> dict:
    ref_name = search_source(obj)["indexRefName"]
    (ref,) = [r for r in obj["references"] if r["name"] == ref_name]
    return BY_KEY[(ref["type"], ref["id"])]


# -- the documented shape ------------------------------------------------------------------


def test_the_committed_ndjson_is_what_the_definitions_generate():
    assert NDJSON_FILE.read_text(encoding="utf-8") == dashboards.rendered(), (
        "dashboards/earshot.ndjson is stale: run `earshot kibana export dashboards/earshot.ndjson`"
    )


def test_each_line_is_one_saved_object_with_the_import_api_fields():
    lines = NDJSON_FILE.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(OBJECTS)
    for line in lines:
        obj = json.loads(line)
        assert set(obj) == {
            "id",
            "type",
            "attributes",
            "references",
            "coreMigrationVersion",
            "typeMigrationVersion",
            "managed",
        }
        assert obj["type"] in REQUIRED_ATTRIBUTES
        assert re.fullmatch(r"\d+\.\d+\.\d+", obj["typeMigrationVersion"])
        for ref in obj["references"]:
            assert set(ref) == {"name", "type", "id"}


def test_ids_are_stable_and_unique():
    assert sorted(BY_ID) == STABLE_IDS
    assert len(OBJECTS) == len(STABLE_IDS)


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: o["id"])
def test_each_object_has_its_types_attributes_and_parseable_json(obj):
    attributes = obj["attributes"]
    assert REQUIRED_ATTRIBUTES[obj["type"]] <= set(attributes)
    assert attributes["title"]
    for name in JSON_STRING_ATTRIBUTES[obj["type"]]:
        json.loads(attributes[name])
    if obj["type"] != "index-pattern":
        source = search_source(obj)
        assert source["query"]["language"] == "lucene"
        assert isinstance(source["filter"], list)


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: o["id"])
def test_every_reference_resolves_and_is_used(obj):
    names = [r["name"] for r in obj["references"]]
    assert len(names) == len(set(names))
    for ref in obj["references"]:
        assert (ref["type"], ref["id"]) in BY_KEY, f"{obj['id']} refers to missing {ref}"
    used = set()
    if obj["type"] in ("search", "visualization"):
        used.add(search_source(obj)["indexRefName"])
    if obj["type"] == "dashboard":
        for panel in json.loads(obj["attributes"]["panelsJSON"]):
            name = f"{panel['panelIndex']}:{panel['panelRefName']}"
            (ref,) = [r for r in obj["references"] if r["name"] == name]
            assert ref["type"] == panel["type"]
            used.add(name)
    assert used == set(names)


@pytest.mark.parametrize(
    "obj", [o for o in OBJECTS if o["type"] == "dashboard"], ids=lambda o: o["id"]
)
def test_dashboard_panels_fit_the_grid_without_overlapping(obj):
    cells: set[tuple[int, int]] = set()
    for panel in json.loads(obj["attributes"]["panelsJSON"]):
        grid = panel["gridData"]
        assert grid["i"] == panel["panelIndex"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 48
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & mine, f"panel {panel['panelIndex']} overlaps another"
        cells |= mine


@pytest.mark.parametrize(
    "obj", [o for o in OBJECTS if o["type"] == "visualization"], ids=lambda o: o["id"]
)
def test_visualizations_count_mentions_into_field_buckets(obj):
    state = json.loads(obj["attributes"]["visState"])
    assert state["title"] == obj["attributes"]["title"]
    assert state["type"] in {"histogram", "horizontal_bar", "pie", "table"}
    metrics = [a for a in state["aggs"] if a["schema"] == "metric"]
    assert [m["type"] for m in metrics] == ["count"]
    for agg in state["aggs"]:
        assert agg["enabled"] is True
        if agg["schema"] != "metric":
            assert agg["type"] in {"terms", "date_histogram"}
            assert agg["params"]["field"]


# -- every field exists, with a type Kibana can use ----------------------------------------


def lucene_fields(query: str) -> set[str]:
    """Field names in a Lucene query: `name:` but not an escaped `\\:` inside a value."""
    return set(re.findall(r"([@A-Za-z_][\w.@]*):", re.sub(r"\\.", "", query)))


def fields_used(obj: dict) -> dict[str, str]:
    """field → what Kibana needs of it: 'aggregatable' beats 'searchable' beats 'shown'."""
    needs: dict[str, str] = {}
    rank = {"shown": 0, "searchable": 1, "aggregatable": 2}

    def need(field: str, what: str) -> None:
        if rank[what] >= rank.get(needs.get(field, ""), -1):
            needs[field] = what

    attributes = obj["attributes"]
    if obj["type"] == "index-pattern":
        need(attributes["timeFieldName"], "aggregatable")
    if obj["type"] in ("search", "visualization"):
        for field in lucene_fields(search_source(obj)["query"]["query"]):
            need(field, "searchable")
    if obj["type"] == "search":
        for field in attributes["columns"]:
            need(field, "shown")
        for field, _ in attributes["sort"]:
            need(field, "aggregatable")
    if obj["type"] == "visualization":
        for agg in json.loads(attributes["visState"])["aggs"]:
            if "field" in agg["params"]:
                need(agg["params"]["field"], "aggregatable")
    return needs


def test_the_field_extractor_reads_escaped_values_and_boolean_operators():
    assert lucene_fields(r"earshot.topics:campaign\:* AND NOT a.b:c-d") == {
        "earshot.topics",
        "a.b",
    }


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: o["id"])
def test_no_saved_object_groups_filters_or_sorts_by_a_person(obj):
    """Earshot watches talk, not people: an author's handle may be shown on a mention's row
    (to reply to), but nothing may count, list or order mentions by who wrote them."""
    for field, what in fields_used(obj).items():
        if field.startswith("user."):
            assert (field, what) == ("user.name", "shown"), f"{obj['id']}: {what} by {field}"
    if obj["type"] in ("search", "visualization"):
        filters = json.dumps(search_source(obj).get("filter", []))
        assert "user." not in filters, f"{obj['id']} filters by a person"


def test_the_person_check_catches_a_table_of_authors_and_a_search_for_one():
    by_author = Visualization(
        id="t", title="t", description="t", chart="table", buckets=(Terms("user.id", size=10),)
    )
    one_person = SavedSearch(
        id="s",
        title="s",
        description="s",
        data_view=MENTIONS_VIEW,
        query="user.name:jsmith",
        columns=("earshot.title",),
    )
    with pytest.raises(AssertionError, match=r"aggregatable by user\.id"):
        test_no_saved_object_groups_filters_or_sorts_by_a_person(visualization_object(by_author))
    with pytest.raises(AssertionError, match=r"searchable by user\.name"):
        test_no_saved_object_groups_filters_or_sorts_by_a_person(search_object(one_person))


@pytest.mark.elasticsearch
def test_every_field_a_saved_object_uses_is_in_the_live_mapping(es, heard):
    _create_alerts_stand_in(es)
    caps = {
        view: es.field_caps(index=view, fields="*")["fields"]
        for view in ("earshot-mentions", ALERTS.title)
    }
    for obj in OBJECTS:
        if obj["type"] == "dashboard":
            continue
        view = obj if obj["type"] == "index-pattern" else data_view_of(obj)
        live = caps[view["attributes"]["title"]]
        for field, what in fields_used(obj).items():
            assert field in live, f"{obj['id']} uses {field}, not in {view['attributes']['title']}"
            for kind, cap in live[field].items():
                assert what == "shown" or cap[what], f"{obj['id']}: {field} ({kind}) not {what}"


def test_the_alerts_objects_use_only_the_alerts_contract():
    for obj in OBJECTS:
        if obj["type"] in ("search", "visualization") and data_view_of(obj)["id"] == ALERTS.id:
            assert set(fields_used(obj)) <= set(ALERT_FIELDS)


# -- the queries and aggregations, on real mentions ----------------------------------------

LINCOLN = Place(name="Lincoln", lat=53.2307, lon=-0.5406)
BOSTON = Place(name="Boston", lat=52.9789, lon=-0.0266)
SKEGNESS = Place(name="Skegness", lat=53.1436, lon=0.3363)
GRANTHAM = Place(name="Grantham", lat=52.9116, lon=-0.6426)


def heard_mention(
    name: str,
    *,
    at: str,
    source: str,
    kind: str,
    toward_force: float,
    action: str,
    priority: int,
    topics: tuple[str, ...] = (),
    risk_flags: tuple[str, ...] = (),
    places: tuple[Place, ...] = (),
    status: str = "new",
) -> Mention:
    label = (
        "positive" if toward_force >= 0.05 else "negative" if toward_force <= -0.05 else "neutral"
    )
    return Mention(
        id=mention_id(source, name),
        source=source,
        source_kind=kind,
        url=f"https://{source}.example/{name}",
        title=name.replace("_", " "),
        text=f"About Lincolnshire Police: {name}",
        author="someone",
        published=datetime.fromisoformat(at).replace(tzinfo=UTC),
        fetched=datetime(2026, 11, 21, 12, tzinfo=UTC),
        force_terms=("Lincolnshire Police",),
        tone=Sentiment(score=toward_force, label=label),
        toward_force=Sentiment(score=toward_force, label=label),
        topics=topics,
        risk_flags=risk_flags,
        places=places,
        in_area=bool(places),
        language="en",
        response=Response(action=action, priority=priority, reasons=("a reason",)),
        status=status,
    )


HEARD = [
    heard_mention(
        "slow_response_lincoln",
        at="2026-11-20T09:00",
        source="lincs-news",
        kind="rss",
        toward_force=-0.6,
        topics=("response-times",),
        places=(LINCOLN,),
        action="put-it-right",
        priority=60,
    ),
    heard_mention(
        "threat_to_officer",
        at="2026-11-20T12:00",
        source="mastodon-social",
        kind="mastodon",
        toward_force=-0.8,
        topics=("officer-conduct",),
        risk_flags=("threat-to-staff",),
        action="moderate-preserve",
        priority=90,
    ),
    heard_mention(
        "new_complaint_boston",
        at="2026-11-21T07:00",
        source="lincs-news",
        kind="rss",
        toward_force=-0.3,
        topics=("response-times",),
        places=(BOSTON,),
        action="put-it-right",
        priority=45,
    ),
    heard_mention(
        "thanks_for_nova",
        at="2026-11-21T08:00",
        source="lincs-news",
        kind="rss",
        toward_force=0.7,
        topics=("praise-thanks", "campaign:operation-nova"),
        places=(SKEGNESS,),
        action="thank",
        priority=20,
    ),
    heard_mention(
        "complaint_in_hand",
        at="2026-11-21T09:00",
        source="lincs-police-blog",
        kind="rss",
        toward_force=-0.5,
        topics=("response-times",),
        places=(LINCOLN,),
        action="put-it-right",
        priority=55,
        status="in-hand",
    ),
    heard_mention(
        "appeal_shared",
        at="2026-11-21T10:00",
        source="lincs-news",
        kind="rss",
        toward_force=0.0,
        topics=("appeal",),
        action="no-action",
        priority=0,
    ),
    heard_mention(
        "grantham_fete",
        at="2026-11-21T11:00",
        source="mastodon-social",
        kind="mastodon",
        toward_force=0.0,
        places=(GRANTHAM,),
        action="no-action",
        priority=5,
    ),
]
NAMES = {m.id: m.title.replace(" ", "_") for m in HEARD}


@pytest.fixture
def heard(es: Elasticsearch) -> None:
    ensure_indices(es)
    index_mentions(es, HEARD)
    es.indices.refresh(index=MENTIONS)


def _create_alerts_stand_in(es: Elasticsearch) -> None:
    """An alerts index shaped only by the fields the objects rely on (in place of setup's)."""
    es.indices.delete(index=ALERTS.title)
    es.indices.create(
        index=ALERTS.title,
        mappings={"properties": {f: {"type": t} for f, t in ALERT_FIELDS.items()}},
    )


def run_search(es: Elasticsearch, search: SavedSearch) -> list[dict]:
    """The saved search as Kibana's Discover sends it: Lucene query, saved sort."""
    return es.search(
        index=search.data_view.title,
        query={"query_string": {"query": search.query, "analyze_wildcard": True}},
        sort=[{field: {"order": order}} for field, order in search.sort],
        size=100,
    )["hits"]["hits"]


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (
            NEEDS_A_RESPONSE_SEARCH,
            [
                "threat_to_officer",
                "slow_response_lincoln",
                "new_complaint_boston",
                "thanks_for_nova",
            ],
        ),
        (
            NEGATIVE_SEARCH,
            [
                "complaint_in_hand",
                "new_complaint_boston",
                "threat_to_officer",
                "slow_response_lincoln",
            ],
        ),
        (RISK_FLAGS_SEARCH, ["threat_to_officer"]),
        (
            IN_OUR_AREA_SEARCH,
            [
                "grantham_fete",
                "complaint_in_hand",
                "thanks_for_nova",
                "new_complaint_boston",
                "slow_response_lincoln",
            ],
        ),
        (CAMPAIGNS_SEARCH, ["thanks_for_nova"]),
    ],
    ids=lambda v: v.id if isinstance(v, SavedSearch) else "",
)
def test_each_saved_search_finds_exactly_its_mentions_in_its_order(es, heard, search, expected):
    assert [NAMES[hit["_id"]] for hit in run_search(es, search)] == expected


def test_needs_a_response_lists_mentions_in_the_desks_order():
    """Tied on priority and time, rows would swap as documents are rewritten; Discover keeps
    the order the desk, the digest and `earshot report` keep."""
    assert [{f: o} for f, o in NEEDS_A_RESPONSE_SEARCH.sort] == MOST_URGENT_FIRST


@pytest.mark.elasticsearch
def test_open_alerts_finds_only_open_alerts(es):
    _create_alerts_stand_in(es)
    for n, status in enumerate(["open", "closed", "open"]):
        es.index(
            index=ALERTS.title,
            id=str(n),
            document={
                "@timestamp": f"2026-11-21T0{n}:00:00Z",
                "status": status,
                "message": "spike",
            },
        )
    es.indices.refresh(index=ALERTS.title)
    assert [hit["_id"] for hit in run_search(es, OPEN_ALERTS_SEARCH)] == ["2", "0"]


def kibana_request(vis_state: dict) -> dict:
    """The aggregations Kibana sends for a visState: buckets nested in order, counts at the leaves.

    Kibana turns `interval: auto` into an interval for the time range on screen; a day here.
    """
    request: dict = {}
    for agg in reversed([a for a in vis_state["aggs"] if a["schema"] != "metric"]):
        params = agg["params"]
        if agg["type"] == "terms":
            key = "_count" if params["orderBy"] == "1" else "_key"
            body = {
                "terms": {
                    "field": params["field"],
                    "size": params["size"],
                    "order": {key: params["order"]},
                }
            }
        else:
            body = {
                "date_histogram": {
                    "field": params["field"],
                    "calendar_interval": "1d",
                    "min_doc_count": params["min_doc_count"],
                    "format": "yyyy-MM-dd",
                }
            }
        if request:
            body["aggs"] = request
        request = {agg["id"]: body}
    return request


def bucket_tree(result: dict, agg_ids: list[str]) -> list:
    """[(key, count)] or [(key, [(subkey, count)…])], in the order Elasticsearch returned."""
    first, rest = agg_ids[0], agg_ids[1:]
    return [
        (b.get("key_as_string", b["key"]), bucket_tree(b, rest) if rest else b["doc_count"])
        for b in result[first]["buckets"]
    ]


@pytest.mark.elasticsearch
@pytest.mark.parametrize(
    ("vis", "expected"),
    [
        (
            MENTIONS_OVER_TIME,
            [
                ("2026-11-20", [("negative", 2)]),
                ("2026-11-21", [("negative", 2), ("neutral", 2), ("positive", 1)]),
            ],
        ),
        (
            TOP_TOPICS,
            [
                ("response-times", 3),
                ("appeal", 1),
                ("campaign:operation-nova", 1),
                ("officer-conduct", 1),
                ("praise-thanks", 1),
            ],
        ),
        (PLACES_IN_THE_AREA, [("Lincoln", 2), ("Boston", 1), ("Grantham", 1), ("Skegness", 1)]),
        (
            PLATFORMS,
            [
                ("earshot.rss", [("lincs-news", 4), ("lincs-police-blog", 1)]),
                ("earshot.mastodon", [("mastodon-social", 2)]),
            ],
        ),
        (
            RESPONSE_QUEUE,
            [
                ("put-it-right", [(60, 1), (45, 1)]),
                ("moderate-preserve", [(90, 1)]),
                ("thank", [(20, 1)]),
            ],
        ),
    ],
    ids=lambda v: v.id if isinstance(v, Visualization) else "",
)
def test_each_visualization_returns_the_expected_buckets(es, heard, vis, expected):
    obj = BY_ID[vis.id]
    state = json.loads(obj["attributes"]["visState"])
    query = search_source(obj)["query"]["query"]
    response = es.search(
        index=data_view_of(obj)["attributes"]["title"],
        size=0,
        query={"query_string": {"query": query, "analyze_wildcard": True}}
        if query
        else {"match_all": {}},
        aggs=kibana_request(state),
    )
    bucket_ids = [a["id"] for a in state["aggs"] if a["schema"] != "metric"]
    assert bucket_tree(response["aggregations"], bucket_ids) == expected
