"""Render the definitions as Kibana saved objects, in the NDJSON that Kibana's import API reads.

The shapes follow what Kibana 9 itself ships (its sample-data objects): references by name
(`indexRefName`, `panelRefName`) rather than ids inside JSON strings, and migration versions
that tell Kibana which of its migrations still apply. Legacy aggregation-based visualizations
(`visState`) are used because their aggregations map one-to-one onto Elasticsearch requests,
which the tests run.
"""

from __future__ import annotations

import json
from pathlib import Path

from dashboards.definitions import (
    DASHBOARDS,
    DATA_VIEWS,
    MENTIONS,
    SEARCHES,
    VISUALIZATIONS,
    Bucket,
    Dashboard,
    DataView,
    OverTime,
    SavedSearch,
    Terms,
    Visualization,
)
from earshot.core.desk_links import kibana_item_template

NDJSON_FILE = Path(__file__).resolve().parent / "earshot.ndjson"

# The versions Kibana's own sample data declares for objects of these shapes; Kibana migrates
# anything newer than these on import.
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {
    "index-pattern": "7.11.0",
    "search": "7.9.3",
    "visualization": "8.5.0",
    "dashboard": "8.7.0",
}
PANEL_VERSION = "8.11.0"
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
# With the desk's address, a mention's id (its `_id`) is shown as a link to its desk page:
# Kibana's url field format ("Link" type), which URL-encodes the id into the template.
DESK_FIELD = "_id"
DESK_LABEL = "Open in the desk"

# Kibana's names for our chart kinds: (visState type, schema of the outermost bucket, of the rest).
_CHARTS: dict[str, tuple[str, str, str]] = {
    "stacked_bars": ("histogram", "segment", "group"),  # x-axis, then split series
    "horizontal_bars": ("horizontal_bar", "segment", "group"),
    "donut": ("pie", "segment", "segment"),  # inner ring, then outer rings
    "table": ("table", "bucket", "bucket"),  # split rows
}
_CHART_PARAMS: dict[str, dict] = {
    "histogram": {
        "type": "histogram",
        "addTooltip": True,
        "addLegend": True,
        "legendPosition": "right",
    },
    "horizontal_bar": {
        "type": "histogram",
        "addTooltip": True,
        "addLegend": False,
        "legendPosition": "right",
    },
    "pie": {
        "type": "pie",
        "addTooltip": True,
        "isDonut": True,
        "legendDisplay": "show",
        "legendPosition": "right",
        "nestedLegend": False,
    },
    "table": {
        "perPage": 20,
        "showPartialRows": False,
        "showMetricsAtAllLevels": False,
        "showTotal": False,
        "totalFunc": "sum",
        "percentageCol": "",
    },
}


def saved_objects(desk: str | None = None) -> list[dict]:
    """Every object, each after the ones it refers to; `desk`: the response desk's address,
    for links from each mention into it (none without)."""
    return [
        *(data_view_object(v, desk) for v in DATA_VIEWS),
        *(search_object(s, desk) for s in SEARCHES),
        *(visualization_object(v) for v in VISUALIZATIONS),
        *(dashboard_object(d) for d in DASHBOARDS),
    ]


def to_ndjson(objects: list[dict]) -> str:
    """One object a line, keys sorted, so the committed file diffs cleanly."""
    return "".join(
        json.dumps(o, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
        for o in objects
    )


def data_view_object(view: DataView, desk: str | None = None) -> dict:
    attributes = {
        "title": view.title,
        "name": view.name,
        "timeFieldName": view.time_field,
        "fields": "[]",  # Kibana reads the fields from the live mapping
        "fieldAttrs": "{}",
        "fieldFormatMap": _json(_desk_format(desk) if desk and view == MENTIONS else {}),
        "runtimeFieldMap": "{}",
        "sourceFilters": "[]",
        "typeMeta": "{}",
    }
    if view.may_not_exist_yet:
        attributes["allowNoIndex"] = True
    return _object("index-pattern", view.id, attributes, references=[])


def search_object(search: SavedSearch, desk: str | None = None) -> dict:
    linked = desk and search.data_view == MENTIONS
    attributes = {
        "title": search.title,
        "description": search.description,
        "columns": [*search.columns, *([DESK_FIELD] if linked else [])],
        "sort": [list(s) for s in search.sort],
        "hits": 0,
        "version": 1,
        "kibanaSavedObjectMeta": _search_source(search.query, highlight=True),
    }
    return _object("search", search.id, attributes, references=[_index_ref(search.data_view)])


def visualization_object(vis: Visualization) -> dict:
    kind, outermost, inner = _CHARTS[vis.chart]
    aggs = [{"id": "1", "enabled": True, "type": "count", "params": {}, "schema": "metric"}]
    aggs += [
        _bucket_agg(str(n), bucket, outermost if n == 2 else inner)
        for n, bucket in enumerate(vis.buckets, start=2)
    ]
    vis_state = {"title": vis.title, "type": kind, "params": _CHART_PARAMS[kind], "aggs": aggs}
    attributes = {
        "title": vis.title,
        "description": vis.description,
        "visState": _json(vis_state),
        "uiStateJSON": "{}",
        "version": 1,
        "kibanaSavedObjectMeta": _search_source(vis.query),
    }
    return _object("visualization", vis.id, attributes, references=[_index_ref(vis.data_view)])


def dashboard_object(board: Dashboard) -> dict:
    panels, references = [], []
    for n, panel in enumerate(board.panels, start=1):
        index = str(n)
        panels.append(
            {
                "version": PANEL_VERSION,
                "type": _type_of(panel.shows),
                "gridData": {"x": panel.x, "y": panel.y, "w": panel.w, "h": panel.h, "i": index},
                "panelIndex": index,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{index}",
            }
        )
        references.append(
            {"name": f"{index}:panel_{index}", "type": _type_of(panel.shows), "id": panel.shows.id}
        )
    attributes = {
        "title": board.title,
        "description": board.description,
        "panelsJSON": _json(panels),
        "optionsJSON": _json(
            {
                "useMargins": True,
                "syncColors": False,
                "syncCursor": True,
                "syncTooltips": False,
                "hidePanelTitles": False,
            }
        ),
        "timeRestore": True,
        "timeFrom": board.time_from,
        "timeTo": "now",
        "refreshInterval": {"pause": False, "value": board.refresh_seconds * 1000},
        "version": 1,
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": _json({"query": {"query": "", "language": "lucene"}, "filter": []})
        },
    }
    return _object("dashboard", board.id, attributes, references=references)


def _object(kind: str, object_id: str, attributes: dict, references: list[dict]) -> dict:
    return {
        "id": object_id,
        "type": kind,
        "attributes": attributes,
        "references": references,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSION[kind],
        "managed": False,
    }


def _search_source(query: str, *, highlight: bool = False) -> dict:
    source: dict = {"query": {"query": query, "language": "lucene"}, "filter": []}
    if highlight:
        source["highlightAll"] = True
    source["indexRefName"] = INDEX_REF
    return {"searchSourceJSON": _json(source)}


def _desk_format(desk: str) -> dict:
    return {
        DESK_FIELD: {
            "id": "url",
            "params": {
                "type": "a",
                "urlTemplate": kibana_item_template(desk),
                "labelTemplate": DESK_LABEL,
                "openLinkInCurrentTab": False,
            },
        }
    }


def _index_ref(view: DataView) -> dict:
    return {"name": INDEX_REF, "type": "index-pattern", "id": view.id}


def _bucket_agg(agg_id: str, bucket: Bucket, schema: str) -> dict:
    """Kibana's agg config; "1", the count, is what terms order by."""
    match bucket:
        case OverTime():
            kind = "date_histogram"
            params: dict = {
                "field": bucket.field,
                "interval": "auto",
                "min_doc_count": 1,
                "extended_bounds": {},
                "useNormalizedEsInterval": True,
                "scaleMetricValues": False,
                "drop_partials": False,
            }
        case Terms():
            kind = "terms"
            params = {
                "field": bucket.field,
                "size": bucket.size,
                "orderBy": "1" if bucket.order_by == "count" else "_key",
                "order": "desc",
                "otherBucket": False,
                "otherBucketLabel": "Other",
                "missingBucket": False,
                "missingBucketLabel": "Missing",
            }
    if bucket.label:
        params["customLabel"] = bucket.label
    return {"id": agg_id, "enabled": True, "type": kind, "params": params, "schema": schema}


def _type_of(shown: SavedSearch | Visualization) -> str:
    return "search" if isinstance(shown, SavedSearch) else "visualization"


def _json(value: object) -> str:
    """Kibana keeps these attributes as JSON inside strings."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
