"""Google reviews of the force's places against a loopback server answering as Google
documents: the OAuth token endpoint's refresh-token grant
(https://developers.google.com/identity/protocols/oauth2/web-server#offline), My Business API
v4 accounts.locations.reviews.list and its Review resource
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews and
…/list: pageSize at most 50, nextPageToken, orderBy updateTime desc, starRating ONE…FIVE) and
Google's JSON error object (https://cloud.google.com/apis/design/errors)."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode

import pytest

from earshot.app.feed_server import FeedServer, Route
from earshot.store.indices import MENTIONS
from earshot.store.queries import mention_counts
from listeners import ListenerError
from listeners.google_reviews import GoogleReviewsListener, GoogleReviewsSource
from tests.listener_contract import Contract, marks

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
CLIENT_ID = "123456789012-abc.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-s3cret-client"
REFRESH = "1//0gRefresh-s3cret-token"
ACCESS = "ya29.a0Access-s3cret-token"
TOKEN = "/token"
API = "/v4"
LOCATION = "accounts/106000000000000000001/locations/4500000000000000001"
MAPS = "https://maps.app.goo.gl/LincolnPoliceStation"
CONNECTION = f"generic://{CLIENT_ID}:{CLIENT_SECRET}@/?" + urlencode({"refresh_token": REFRESH})


def stamp(minutes_ago: int, now: datetime = NOW) -> str:
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def review(n: int, minutes_ago: int, now: datetime = NOW, edited_ago: int | None = None, **fields):
    """A Review resource as reviews.list returns it."""
    review_id = f"AbFvOqm{n:04d}review"
    return {
        "name": f"{LOCATION}/reviews/{review_id}",
        "reviewId": review_id,
        "reviewer": {
            "profilePhotoUrl": f"https://lh3.googleusercontent.com/a/resident{n}",
            "displayName": f"Resident {n}",
            "isAnonymous": False,
        },
        "starRating": "TWO",
        "comment": f"Waited an hour at the front counter of Lincoln police station ({n})",
        "createTime": stamp(minutes_ago, now),
        "updateTime": stamp(minutes_ago if edited_ago is None else edited_ago, now),
    } | fields


def reviews(items: list[dict], next_page: str | None = None) -> Route:
    body = {"reviews": items, "averageRating": 3.4, "totalReviewCount": 57}
    body |= {"nextPageToken": next_page} if next_page else {}
    return Route(json.dumps(body).encode(), "application/json")


def granted() -> Route:
    answer = {
        "access_token": ACCESS,
        "expires_in": 3599,
        "scope": "https://www.googleapis.com/auth/business.manage",
        "token_type": "Bearer",
    }
    return Route(json.dumps(answer).encode(), "application/json")


def reviews_path(**params: str) -> str:
    documented = {"pageSize": 50, "orderBy": "updateTime desc"} | params
    return f"{API}/{LOCATION}/reviews?" + urlencode(documented)


@pytest.fixture(autouse=True)
def oauth_client(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GBP_LINCS", CONNECTION)


def source(server: FeedServer, **settings) -> GoogleReviewsSource:
    place = {"location": LOCATION, "title": "Lincoln Police Station", "reviews_url": MAPS}
    return GoogleReviewsSource(
        kind="google_reviews",
        name="station-reviews",
        connection="gbp_lincs",
        api_url=server.url(API),
        token_url=server.url(TOKEN),
        **({"places": [place]} | settings),
    )


def place_reviews(*numbers: int) -> dict[str, Route]:
    """The token, and reviews of the station, number n written 10n minutes before NOW."""
    return {TOKEN: granted(), reviews_path(): reviews([review(n, 10 * n) for n in numbers])}


CONTRACT = {
    "google_reviews": Contract(
        source,
        first=place_reviews(1, 2),
        later=place_reviews(0, 1, 2),
        listing=reviews_path(),
        connection={"AIRFLOW_CONN_GBP_LINCS": CONNECTION},
        # Review 3 shows up between 1 and 2 after the last run, at its own updateTime: one
        # Google's review filters held and released later (our reading; the reviews.list
        # reference does not say when a held review enters the listing).
        late={reviews_path(): reviews([review(n, m) for n, m in ((1, 10), (3, 15), (2, 20))])},
    )
}


def test_reviews_are_read_page_by_page_with_a_token_from_the_refresh_token():
    routes = {
        TOKEN: granted(),
        reviews_path(): reviews([review(3, 5), review(2, 9)], next_page="Q0FFU0FnZ0Q"),
        reviews_path(pageToken="Q0FFU0FnZ0Q"): reviews([review(1, 30)]),
    }
    with FeedServer(routes) as server:
        heard = GoogleReviewsListener(source(server), now=NOW).listen({})
        assert [path for path, _ in server.requests] == list(routes)
        assert all(h["Authorization"] == f"Bearer {ACCESS}" for _, h in server.requests[1:])
        (_, sent), *_ = server.posted
    assert parse_qs(sent.decode()) == {
        "grant_type": ["refresh_token"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "refresh_token": [REFRESH],
    }
    assert [m.author for m in heard.mentions] == ["Resident 3", "Resident 2", "Resident 1"]
    first = heard.mentions[0]
    assert first.title == "2-star review of Lincoln Police Station"
    assert (first.url, first.link_shared) == (MAPS, True)  # every review's page: none its own
    assert first.published == NOW - timedelta(minutes=5)
    assert marks(heard.cursor) == {
        "place:4500000000000000001": f"{(NOW - timedelta(minutes=5)).isoformat()} AbFvOqm0003review"
    }


def test_an_edited_review_is_heard_again_but_stays_one_mention_dated_when_written():
    """Edited in place, days later: updateTime moves and the review returns to the top of the
    listing, past the overlap window's memory. It comes back under its own id and createTime,
    so the store's exactly-once write keeps it once (in its month's index)."""
    written = [review(1, 10), review(2, 3 * 24 * 60)]
    with FeedServer({TOKEN: granted(), reviews_path(): reviews(written)}) as server:
        first = GoogleReviewsListener(source(server), now=NOW).listen({})
        edit = review(2, 3 * 24 * 60, edited_ago=1, comment="Edited: they called me back")
        server.routes[reviews_path()] = reviews([edit, written[0]])
        again = GoogleReviewsListener(source(server), now=NOW).listen(first.cursor)
    (edited,) = again.mentions
    assert edited.id == first.mentions[1].id
    assert edited.published == first.mentions[1].published == NOW - timedelta(days=3)


def test_rating_only_and_anonymous_reviews():
    """Star ratings without words carry nothing to read; an anonymous reviewer stays unnamed."""
    anonymous = {"displayName": "A Google user", "isAnonymous": True}
    rating_only = review(2, 5, starRating="ONE")
    del rating_only["comment"]
    items = [rating_only, review(1, 7, reviewer=anonymous)]
    with FeedServer({TOKEN: granted(), reviews_path(): reviews(items)}) as server:
        heard = GoogleReviewsListener(source(server), now=NOW).listen({})
    assert [(m.text[-3:], m.author) for m in heard.mentions] == [("(1)", None)]


def test_a_review_without_a_star_rating_is_heard_titled_without_stars():
    """The StarRating enum has STAR_RATING_UNSPECIFIED: one such review must not fail the
    place's listening on every run."""
    unrated = review(1, 5, starRating="STAR_RATING_UNSPECIFIED")
    with FeedServer({TOKEN: granted(), reviews_path(): reviews([unrated])}) as server:
        (heard,) = GoogleReviewsListener(source(server), now=NOW).listen({}).mentions
    assert heard.title == "Review of Lincoln Police Station"


def test_a_place_without_reviews_answers_an_empty_object_and_hears_nothing():
    empty = Route(b"{}", "application/json")  # proto3 JSON leaves out an empty list
    with FeedServer({TOKEN: granted(), reviews_path(): empty}) as server:
        heard = GoogleReviewsListener(source(server), now=NOW).listen({})
    assert heard.mentions == []
    assert heard.warnings == []


def google_error(status: int, code: str, message: str) -> Route:
    error = {"code": status, "message": message, "status": code}
    return Route(json.dumps({"error": error}).encode(), "application/json", status=status)


@pytest.mark.parametrize(
    ("routes", "reason"),
    [
        (
            {reviews_path(): google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")},
            "quota exceeded (HTTP 429 RESOURCE_EXHAUSTED: Quota exceeded); the Business Profile "
            "APIs allow 300 requests a minute, 0 until Google approves",
        ),
        (
            {reviews_path(): google_error(403, "PERMISSION_DENIED", "The caller does not have")},
            "access refused (HTTP 403 PERMISSION_DENIED: The caller does not have); the project "
            "needs Google's approval",
        ),
        (
            {
                TOKEN: Route(
                    b'{"error": "invalid_grant", "error_description": "Token has been expired '
                    b'or revoked."}',
                    "application/json",
                    status=400,
                )
            },
            "Google refused the refresh token (invalid_grant: Token has been expired or "
            "revoked.); a manager of the places must grant access again",
        ),
        ({reviews_path(): Route(b'{"reviews": {}}', "application/json")}, "malformed Google"),
    ],
    ids=["quota", "not-approved", "revoked", "reviews-not-list"],
)
def test_api_errors_name_the_source_and_the_reason_and_never_a_secret(routes, reason):
    with FeedServer(place_reviews(1) | routes) as server, pytest.raises(ListenerError) as e:
        GoogleReviewsListener(source(server), now=NOW).listen({})
    assert str(e.value).startswith("source 'station-reviews': ")
    assert reason in str(e.value)
    for secret in (CLIENT_SECRET, REFRESH, ACCESS):
        assert secret not in str(e.value)


@pytest.mark.elasticsearch
def test_reviews_through_the_collect_dag_are_stored_once_even_when_edited(
    es, write_profile, run_collect_dag
):
    now = datetime.now(UTC)
    days_ago = 3 * 24 * 60  # past the overlap window's memory: the store must absorb the edit
    first = [review(2, 10, now=now), review(1, days_ago, now=now)]
    with FeedServer({TOKEN: granted(), reviews_path(): reviews(first)}) as server:
        place = {"location": LOCATION, "title": "Lincoln Police Station", "reviews_url": MAPS}
        entry = {"kind": "google_reviews", "name": "station-reviews", "connection": "gbp_lincs"}
        entry |= {"api_url": server.url(API), "token_url": server.url(TOKEN), "places": [place]}
        write_profile([entry])
        assert run_collect_dag()["collect[station-reviews]"] == "success"
        edited = review(1, days_ago, now=now, edited_ago=1, comment="Edited: still waiting")
        server.routes[reviews_path()] = reviews([edited, first[0]])
        assert run_collect_dag()["collect[station-reviews]"] == "success"
    es.indices.refresh(index=MENTIONS)
    assert mention_counts(es).by_source == {"station-reviews": 2}
