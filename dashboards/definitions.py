"""What the comms desk sees in Kibana, declared once: the fields, the Lucene queries, the layout.

Everything else in this package only renders these declarations into Kibana's saved-object
format, and the tests run the very same queries and aggregations on a real Elasticsearch.
Queries are Lucene (not KQL) because Elasticsearch's `query_string` speaks Lucene, so the
query an analyst opens in Kibana is the query the tests prove.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from earshot.alerts.model import ALERTS as ALERTS_INDEX
from earshot.store import fields
from earshot.store.indices import MENTIONS as MENTIONS_INDEX

# -- where the data is ---------------------------------------------------------------------


@dataclass(frozen=True)
class DataView:
    """A Kibana data view (saved-object type `index-pattern`) over an index or alias."""

    id: str
    title: str  # the index pattern Kibana queries
    name: str  # what analysts see in the data view picker
    time_field: str = "@timestamp"
    may_not_exist_yet: bool = False  # Kibana's allowNoIndex: no error before the first write


MENTIONS = DataView(id="earshot-data-view-mentions", title=MENTIONS_INDEX, name="Mentions")
ALERTS = DataView(
    id="earshot-data-view-alerts", title=ALERTS_INDEX, name="Alerts", may_not_exist_yet=True
)

# The alert fields the shipped objects rely on (alerts/model.py writes them; the index exists
# only once an alert has been raised).
ALERT_FIELDS: dict[str, str] = {"@timestamp": "date", "status": "keyword", "message": "text"}

# -- the questions analysts ask, as Lucene -------------------------------------------------

NEEDS_A_RESPONSE = f"{fields.STATUS}:new AND NOT {fields.RESPONSE_ACTION}:no-action"
NEGATIVE_ABOUT_THE_FORCE = f"{fields.TOWARD_FORCE}:negative"
RISK_FLAGS = f"{fields.RISK_FLAGS}:*"
IN_OUR_AREA = f"{fields.IN_AREA}:true"
CAMPAIGNS = rf"{fields.TOPICS}:campaign\:*"  # topics `campaign:<slug>`; the colon is escaped
OPEN_ALERTS = "status:open"

NEWEST_FIRST: tuple[tuple[str, str], ...] = ((fields.PUBLISHED, "desc"),)


@dataclass(frozen=True)
class SavedSearch:
    """A Discover search an analyst opens by name: a query, the columns, the order."""

    id: str
    title: str
    description: str
    data_view: DataView
    query: str
    columns: tuple[str, ...]
    sort: tuple[tuple[str, str], ...] = NEWEST_FIRST


# The handle to reply to, on the one row an analyst answers. Earshot watches talk, not people:
# no search here queries, filters or sorts by an author, and no visualization groups by one
# (tests/integration/test_dashboards.py checks every saved object), so none lists one
# person's posts.
_REPLY_TO = fields.HANDLE

NEEDS_A_RESPONSE_SEARCH = SavedSearch(
    id="earshot-search-needs-response",
    title="Needs a response",
    description="New mentions with a recommended action, most urgent first.",
    data_view=MENTIONS,
    query=NEEDS_A_RESPONSE,
    columns=(
        fields.TITLE,
        fields.RESPONSE_ACTION,
        fields.RESPONSE_PRIORITY,
        fields.RESPONSE_REASONS,
        fields.PLACES,
        _REPLY_TO,
        fields.SOURCE,
        fields.LINK,
    ),
    # As the desk, the digest and `earshot report` list them: ties keep one order.
    sort=tuple(
        (field, order) for rule in fields.MOST_URGENT_FIRST for field, order in rule.items()
    ),
)
NEGATIVE_SEARCH = SavedSearch(
    id="earshot-search-negative-about-force",
    title="Negative about the force",
    description="Mentions whose tone toward the force is negative.",
    data_view=MENTIONS,
    query=NEGATIVE_ABOUT_THE_FORCE,
    columns=(
        fields.TITLE,
        fields.TOWARD_FORCE_SCORE,
        fields.RESPONSE_ACTION,
        fields.SOURCE,
        fields.LINK,
    ),
)
RISK_FLAGS_SEARCH = SavedSearch(
    id="earshot-search-risk-flags",
    title="Risk flags",
    description="Mentions with any risk flag: threats, abuse, personal data, prejudice, crime.",
    data_view=MENTIONS,
    query=RISK_FLAGS,
    columns=(fields.TITLE, fields.RISK_FLAGS, fields.RESPONSE_ACTION, fields.SOURCE, fields.LINK),
)
IN_OUR_AREA_SEARCH = SavedSearch(
    id="earshot-search-in-our-area",
    title="In our area",
    description="Mentions placed in the force area.",
    data_view=MENTIONS,
    query=IN_OUR_AREA,
    columns=(
        fields.TITLE,
        fields.PLACES,
        fields.TOWARD_FORCE,
        fields.RESPONSE_ACTION,
        fields.LINK,
    ),
)
CAMPAIGNS_SEARCH = SavedSearch(
    id="earshot-search-campaigns",
    title="Campaigns",
    description="Mentions of the force's campaigns (topics campaign:<name>).",
    data_view=MENTIONS,
    query=CAMPAIGNS,
    columns=(fields.TITLE, fields.TOPICS, fields.TOWARD_FORCE, fields.SOURCE, fields.LINK),
)
OPEN_ALERTS_SEARCH = SavedSearch(
    id="earshot-search-open-alerts",
    title="Open alerts",
    description="Alerts about spikes in negative talk that nobody has closed yet.",
    data_view=ALERTS,
    query=OPEN_ALERTS,
    columns=("message", "status"),
)

SEARCHES: tuple[SavedSearch, ...] = (
    NEEDS_A_RESPONSE_SEARCH,
    NEGATIVE_SEARCH,
    RISK_FLAGS_SEARCH,
    IN_OUR_AREA_SEARCH,
    CAMPAIGNS_SEARCH,
    OPEN_ALERTS_SEARCH,
)

# -- charts and tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The top values of a keyword field, by number of mentions or by the value itself."""

    field: str
    size: int
    order_by: Literal["count", "value"] = "count"
    label: str = ""


@dataclass(frozen=True)
class OverTime:
    """Mentions per time interval (Kibana picks the interval for the time range shown)."""

    field: str = fields.PUBLISHED
    label: str = ""


Bucket = Terms | OverTime
Chart = Literal["stacked_bars", "horizontal_bars", "donut", "table"]


@dataclass(frozen=True)
class Visualization:
    """Counts of mentions split by `buckets`, outermost first, drawn as `chart`."""

    id: str
    title: str
    description: str
    chart: Chart
    buckets: tuple[Bucket, ...]
    data_view: DataView = MENTIONS
    query: str = ""


MENTIONS_OVER_TIME = Visualization(
    id="earshot-vis-mentions-over-time",
    title="Mentions over time by tone toward the force",
    description="How many mentions, and how many of them negative, positive or neutral.",
    chart="stacked_bars",
    buckets=(OverTime(), Terms(fields.TOWARD_FORCE, size=3, label="Toward the force")),
)
TOP_TOPICS = Visualization(
    id="earshot-vis-top-topics",
    title="Top topics",
    description="What people talk about when they mention the force.",
    chart="horizontal_bars",
    buckets=(Terms(fields.TOPICS, size=15, label="Topic"),),
)
PLACES_IN_THE_AREA = Visualization(
    id="earshot-vis-places-in-area",
    title="Places in the area",
    description="Places in the force area named in mentions.",
    chart="table",
    buckets=(Terms(fields.PLACES, size=25, label="Place"),),
    query=IN_OUR_AREA,
)
PLATFORMS = Visualization(
    id="earshot-vis-platforms",
    title="Platforms",
    description="Where mentions come from: the kind of source, then the source.",
    chart="donut",
    buckets=(
        Terms(fields.PLATFORM, size=10, label="Kind of source"),
        Terms(fields.SOURCE, size=20, label="Source"),
    ),
)
RESPONSE_QUEUE = Visualization(
    id="earshot-vis-response-queue",
    title="Response queue",
    description="What needs a response: recommended action by priority.",
    chart="table",
    buckets=(
        Terms(fields.RESPONSE_ACTION, size=10, label="Recommended action"),
        Terms(fields.RESPONSE_PRIORITY, size=101, order_by="value", label="Priority"),
    ),
    query=NEEDS_A_RESPONSE,
)

VISUALIZATIONS: tuple[Visualization, ...] = (
    MENTIONS_OVER_TIME,
    TOP_TOPICS,
    PLACES_IN_THE_AREA,
    PLATFORMS,
    RESPONSE_QUEUE,
)

# -- dashboards ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One saved search or visualization on a 48-column dashboard grid."""

    shows: SavedSearch | Visualization
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    time_from: str = "now-7d"
    refresh_seconds: int = 300  # the collect DAG runs every 15 minutes


OVERVIEW = Dashboard(
    id="earshot-dashboard-overview",
    title="Earshot — overview",
    description="Volume, tone toward the force, topics, platforms and places.",
    panels=(
        Panel(MENTIONS_OVER_TIME, x=0, y=0, w=48, h=14),
        Panel(TOP_TOPICS, x=0, y=14, w=24, h=16),
        Panel(PLATFORMS, x=24, y=14, w=24, h=16),
        Panel(PLACES_IN_THE_AREA, x=0, y=30, w=16, h=16),
        Panel(NEGATIVE_SEARCH, x=16, y=30, w=32, h=16),
        Panel(RISK_FLAGS_SEARCH, x=0, y=46, w=48, h=14),
    ),
)
RESPONSE_QUEUE_DASHBOARD = Dashboard(
    id="earshot-dashboard-response-queue",
    title="Earshot — response queue",
    description="New mentions that need a response, most urgent first.",
    panels=(
        Panel(RESPONSE_QUEUE, x=0, y=0, w=16, h=18),
        Panel(NEEDS_A_RESPONSE_SEARCH, x=16, y=0, w=32, h=30),
        Panel(PLACES_IN_THE_AREA, x=0, y=18, w=16, h=12),
        Panel(RISK_FLAGS_SEARCH, x=0, y=30, w=48, h=14),
    ),
)

DASHBOARDS: tuple[Dashboard, ...] = (OVERVIEW, RESPONSE_QUEUE_DASHBOARD)
DATA_VIEWS: tuple[DataView, ...] = (MENTIONS, ALERTS)
