"""Google reviews of the force's own listed places (stations, front counters), from the
Google Business Profile API.

Follows the My Business API v4 reference: accounts.locations.reviews.list
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list):
GET /v4/accounts/{a}/locations/{l}/reviews with pageSize (at most 50), pageToken /
nextPageToken and orderBy=updateTime desc; the Review resource (reviewId, reviewer
{displayName, isAnonymous}, starRating ONE…FIVE or STAR_RATING_UNSPECIFIED, comment,
createTime, updateTime, reviewReply); Google's JSON errors ({"error": {"code", "message",
"status"}}); the quota
(https://developers.google.com/my-business/content/limits: 300 requests a minute once Google
approves the project, 0 before). OAuth 2.0 with the business.manage scope: the access token
comes from the refresh token at Google's token endpoint
(https://developers.google.com/identity/protocols/oauth2/web-server#offline), once a run.
google-api-python-client's discovery cache holds no document for My Business v4, so the
reference pages above are the shapes' source of truth.

Edited reviews: a review is edited in place, its updateTime moves and it comes back to the top
of the listing. It is one mention, its id the review's id and its time the review's createTime:
the edit is heard again, and the store's exactly-once write keeps the review as first heard
(counted under "already indexed"). The analyst opens the place's reviews for the current text.

Reviews with a star rating and no words carry nothing to read and are not heard. The force's
answer (reviewReply) is not a mention of its own: it answers in the Business Profile.

Cursor: per place (`place:<location id>`), a Watermark on updateTime (the listing's order) and
the review ids at that second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from earshot.core.connections import Credentials, MissingCredentials, credentials
from earshot.core.fetch import FetchError, post_json
from earshot.core.model import Mention
from earshot.core.profile import ApiSource, Strict
from listeners.api import error_json, json_object, optional, required, time_at
from listeners.base import Cursor, Listener, Stream
from listeners.watermark import Watermark, posted

PAGE_SIZE = 50  # the documented maximum of pageSize
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


class Place(Strict):
    """One of the force's own listed places, as its Business Profile names it."""

    location: Annotated[str, Field(pattern=r"^accounts/\d+/locations/\d+$")]
    title: str  # as the public knows it: "Lincoln Police Station"
    # Where the public reads its reviews (the profile's "Share" link on Google Maps); the API
    # gives no link per review.
    reviews_url: HttpUrl


class GoogleReviewsSource(ApiSource):
    """Reviews of the force's places; the connection holds the OAuth client id (login), its
    secret (password) and, in extra, the `refresh_token` a manager of the places granted."""

    kind: Literal["google_reviews"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://mybusiness.googleapis.com/v4")
    token_url: HttpUrl = HttpUrl("https://oauth2.googleapis.com/token")
    places: list[Place] = Field(min_length=1)
    # Every review is about the force's own place: "you" in it means the force.
    keep: Literal["mentions", "all"] = "all"


class GoogleReviewsListener(Listener[GoogleReviewsSource]):
    platform = "Google Business Profile"

    def open(self, secrets: set[str]) -> None:
        client = _client(self.source.connection)
        secrets.update({client.password, client.extra["refresh_token"]})
        answer = post_json(
            str(self.source.token_url),
            data={
                "grant_type": "refresh_token",
                "client_id": client.login,
                "client_secret": client.password,
                "refresh_token": client.extra["refresh_token"],
            },
            timeout=self.source.timeout_seconds,
            as_form=True,
        )
        secrets.add(token := json_object(answer)["access_token"])
        self.headers = {"Authorization": f"Bearer {token}"}

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        return [self._reviews(place, cursor) for place in self.source.places]

    def _reviews(self, place: Place, cursor: Cursor) -> Stream[dict]:
        url = f"{str(self.source.api_url).rstrip('/')}/{place.location}/reviews"

        def page(token: str | None) -> tuple[list[dict], str | None]:
            params = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
            body, _ = self.get(url, params | ({"pageToken": token} if token else {}), self.headers)
            body = json_object(body)
            # A place with no reviews answers {} (proto3 JSON leaves out empty lists).
            reviews = body.get("reviews", [])
            if not isinstance(reviews, list):
                raise TypeError(f"reviews is {type(reviews).__name__}, not a list")
            return reviews, body.get("nextPageToken")

        def mention(review: dict) -> Mention | None:
            return self._to_mention(review, place) if review.get("comment") else None

        key = f"place:{place.location.rsplit('/', 1)[-1]}"
        mark = Watermark.parse(cursor.get(key))
        return Stream(key, page, mark, _stamp, mention, posted(_stamp))

    def _to_mention(self, review: dict, place: Place) -> Mention:
        anonymous = optional(review, "reviewer.isAnonymous", bool)
        return self.mention(
            required(review, "reviewId"),
            url=None,
            page=str(place.reviews_url),
            title=_title(required(review, "starRating"), place),
            text=required(review, "comment"),
            author=None if anonymous else optional(review, "reviewer.displayName"),
            published=time_at(review, "createTime"),
        )

    def explain(self, error: FetchError) -> str | None:
        """Google errors are JSON: {"error": {"code", "message", "status"}}, and the token
        endpoint's {"error": "invalid_grant", "error_description": …}."""
        found = error_json(error).get("error")
        if isinstance(found, str):
            return (
                f"Google refused the refresh token ({found}: "
                f"{error_json(error).get('error_description', '')}); a manager of the places "
                f"must grant access again and the new token go in connection "
                f"{self.source.connection!r}"
            )
        if not isinstance(found, dict):
            return None
        said = f"HTTP {error.status} {found.get('status', 'error')}: {found.get('message', '')}"
        if error.status == 429:
            return (
                f"quota exceeded ({said}); the Business Profile APIs allow 300 requests a "
                "minute, 0 until Google approves the project's access request"
            )
        if error.status == 403:
            return (
                f"access refused ({said}); the project needs Google's approval for the "
                "Business Profile APIs, and the granting account must manage the place"
            )
        return f"Google Business Profile API error {said}"


def _title(rating: str, place: Place) -> str:
    """ "2-star review of Lincoln Police Station"; the enum's STAR_RATING_UNSPECIFIED (or a
    value newer than this code) gives the title without stars rather than fail the place."""
    stars = STARS.get(rating)
    return f"{stars}-star review of {place.title}" if stars else f"Review of {place.title}"


def _client(connection: str) -> Credentials:
    client = credentials(connection)
    if not (client.login and client.password and client.extra.get("refresh_token")):
        raise MissingCredentials(
            f"connection {connection!r} needs the OAuth client id as login, its secret as "
            "password and a refresh_token in extra"
        )
    return client


def _stamp(review: dict) -> tuple[datetime, str]:
    return time_at(review, "updateTime"), required(review, "reviewId")
