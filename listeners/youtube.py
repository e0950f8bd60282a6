"""YouTube: comments on the force's channel, and on videos found by searching for the force.

Follows the YouTube Data API v3 reference: commentThreads.list with
allThreadsRelatedToChannelId or videoId, part=snippet,replies, order=time, maxResults=100
and pageToken / nextPageToken paging
(https://developers.google.com/youtube/v3/docs/commentThreads/list), comments.list with
parentId for the replies a thread does not carry (its `replies.comments` are "a limited
number"; snippet.totalReplyCount says how many there are:
https://developers.google.com/youtube/v3/docs/commentThreads), search.list with type=video
and order=date (https://developers.google.com/youtube/v3/docs/search/list), the comment
resource (https://developers.google.com/youtube/v3/docs/comments), errors
(https://developers.google.com/youtube/v3/docs/errors) and quota
(https://developers.google.com/youtube/data/determine_quota_cost: search.list has its own
bucket of 100 calls a day, every other call here costs 1 of 10,000 units a day). The API key
goes in the `key` parameter, as documented; errors and logs show `***`.

Text: the comment resource documents textOriginal as returned only to the comment's author,
so textDisplay, asked for as plain text, stands in when an API key does not get it.

Streams: the channel, and each video a search term finds (its 25 newest). search.list is the
call quota makes dear, so a term is searched again only every SEARCH_EVERY, and its videos
are kept in the cursor meanwhile (`search:<term>`, `search:<term>:videos`). Those are saved
even when the run then fails (`spent`): a failed comment fetch does not search again.

Items: each comment heard, a thread's top-level comment or one of its replies (given the
thread around it, so both map alike). Replies are read for threads new to the watermark.

Cursor: per stream (`channel`, `video:<id>`), a Watermark (newest comment time indexed, and
the ids at that second). Threads come newest first and there is no "since":
a stream is read until it reaches its watermark. A stream with more new threads than
max_pages pages in one run loses the oldest of them, and that is warned. A video whose
comments are disabled, or that is gone, is skipped with a warning; an exhausted quota fails
the run and says when YouTube resets it, and no run asks before then
(earshot/app/platform_waits.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, HttpUrl, model_validator

from earshot.core.fetch import FetchError
from earshot.core.model import Mention
from earshot.core.profile import ApiSource
from listeners.api import error_json, json_object, optional, required, time_at, until, utc
from listeners.base import Cursor, Listener, Stream, pages
from listeners.html_text import plain_text
from listeners.watermark import Watermark, posted

PAGE_SIZE = 100
SEARCH_RESULTS = 25
SEARCH_EVERY = timedelta(hours=6)
SKIPPED_VIDEOS = {"commentsDisabled": "comments are disabled", "videoNotFound": "video not found"}
QUOTA = {"quotaExceeded", "dailyLimitExceeded"}
RATE = {"rateLimitExceeded", "userRateLimitExceeded"}
BAD_KEY = {"keyInvalid", "keyExpired"}
PACIFIC = ZoneInfo("America/Los_Angeles")  # YouTube's quota day ends at midnight Pacific


class YouTubeSource(ApiSource):
    """YouTube Data API v3 comment threads on the force's channel and on videos found by
    search; the connection's password is the API key."""

    kind: Literal["youtube"]
    connection: str
    api_url: HttpUrl = HttpUrl("https://www.googleapis.com/youtube/v3")
    channel_id: str | None = None
    search: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_follow(self) -> YouTubeSource:
        if not (self.channel_id or self.search):
            raise ValueError("give the force's channel_id or search terms")
        return self


class YouTubeListener(Listener[YouTubeSource]):
    platform = "YouTube"

    def open(self, secrets: set[str]) -> None:
        self.searched: Cursor = {}  # before anything can fail: see `spent`
        self.key = self.password(secrets, "API key")

    def streams(self, cursor: Cursor) -> list[Stream[dict]]:
        found = []
        if self.source.channel_id:
            found.append(("channel", {"allThreadsRelatedToChannelId": self.source.channel_id}))
        videos = [v for term in self.source.search for v in self._found(term, cursor)]
        found += [(f"video:{v}", {"videoId": v}) for v in dict.fromkeys(videos)]
        return [self._threads(key, query, cursor) for key, query in found]

    def carried(self, cursor: Cursor) -> Cursor:
        """When each term was last searched, and the videos it found."""
        return self.searched

    def spent(self) -> Cursor:
        """The searches made: their own quota bucket holds 100 calls a day."""
        return self.searched

    def skippable(self, stream: Stream, error: FetchError) -> str | None:
        """A video whose comments are disabled, or that is gone, is skipped; not the channel."""
        if stream.key == "channel":
            return None
        return next(
            (why for reason, why in SKIPPED_VIDEOS.items() if reason in _reasons(error)), None
        )

    def _found(self, term: str, cursor: Cursor) -> list[str]:
        """The newest videos for a search term, searched again only every SEARCH_EVERY."""
        searched, videos = f"search:{term}", f"search:{term}:videos"
        last = cursor.get(searched)
        if last and self.now - utc(last) < SEARCH_EVERY:
            self.searched[searched], self.searched[videos] = last, cursor.get(videos, "")
            return self.searched[videos].split()
        params = {
            "part": "snippet",
            "q": term,
            "type": "video",
            "order": "date",
            "maxResults": SEARCH_RESULTS,
        }
        found = [item["id"]["videoId"] for item in self._get("/search", params)["items"]]
        self.searched[searched], self.searched[videos] = self.now.isoformat(), " ".join(found)
        return found

    def _threads(self, key: str, query: dict, cursor: Cursor) -> Stream[dict]:
        mark = Watermark.parse(cursor.get(key))

        def page(token: str | None) -> tuple[list[dict], str | None]:
            params = {
                "part": "snippet,replies",
                **query,
                "maxResults": PAGE_SIZE,
                "order": "time",
                "textFormat": "plainText",
            } | ({"pageToken": token} if token else {})
            body = self._get("/commentThreads", params)
            heard = []
            for thread in body["items"]:
                heard.append(thread)
                if mark.is_new(_stamp(thread)):
                    heard += [_as_thread(reply, thread) for reply in self._replies(thread)]
            return heard, body.get("nextPageToken")

        return Stream(key, page, mark, _stamp, self._to_mention, posted(_stamp))

    def _replies(self, thread: dict) -> list[dict]:
        """The thread's replies: those it carries, else (when it carries fewer than
        totalReplyCount) all of them from comments.list?parentId=."""
        carried = thread.get("replies", {}).get("comments", [])
        if len(carried) >= thread["snippet"].get("totalReplyCount", 0):
            return carried
        params = {
            "part": "snippet",
            "parentId": thread["snippet"]["topLevelComment"]["id"],
            "maxResults": PAGE_SIZE,
            "textFormat": "plainText",
        }

        def page(token: str | None) -> tuple[list[dict], str | None]:
            body = self._get("/comments", params | ({"pageToken": token} if token else {}))
            return body["items"], body.get("nextPageToken")

        found = pages(page, source=self.source.name, max_pages=self.source.max_pages)
        return [reply for batch in found for reply in batch]

    def _get(self, path: str, params: dict) -> dict:
        body, _ = self.get(str(self.source.api_url).rstrip("/") + path, {**params, "key": self.key})
        body = json_object(body)
        required(body, "items", list)
        return body

    def _to_mention(self, thread: dict) -> Mention:
        top = "snippet.topLevelComment"
        comment = f"{top}.snippet"
        comment_id = optional(thread, f"{top}.id") or required(thread, "id")
        video = optional(thread, "snippet.videoId") or optional(thread, f"{comment}.videoId")
        if video:
            url, page = f"https://www.youtube.com/watch?v={video}&lc={comment_id}", None
        else:  # a comment on the channel itself has no address: the channel is its page
            url, page = (
                None,
                f"https://www.youtube.com/channel/{required(thread, 'snippet.channelId')}",
            )
        return self.mention(
            comment_id,
            url=url,
            page=page,
            text=optional(thread, f"{comment}.textOriginal")
            or required(thread, f"{comment}.textDisplay"),
            author=optional(thread, f"{comment}.authorDisplayName"),
            published=time_at(thread, f"{comment}.publishedAt"),
        )

    def rate_limited(self, error: FetchError) -> bool:
        """Google's rate and quota errors come as a 403 as often as a 429
        (developers.google.com/youtube/v3/docs/errors): a spent limit, not a refused key."""
        return super().rate_limited(error) or bool(_reasons(error) & (RATE | QUOTA))

    def rate_limit_lifts(self, error: FetchError) -> tuple[datetime | None, str | None]:
        """A spent daily quota is back at midnight Pacific Time; asked before, YouTube only
        answers quotaExceeded again."""
        if _reasons(error) & QUOTA:
            return _quota_reset(self.now), None
        return super().rate_limit_lifts(error)

    def explain(self, error: FetchError) -> str | None:
        """Errors are JSON: {"error": {"code", "message", "errors": [{"reason", …}]}}."""
        found = error_json(error).get("error")
        if not isinstance(found, dict):
            return None
        reasons = _reasons(error)
        said = (
            f"HTTP {error.status} {', '.join(sorted(reasons)) or 'error'}: "
            f"{plain_text(str(found.get('message', '')))}"
        )
        if reasons & QUOTA:
            return (
                f"YouTube quota exceeded ({said}); the daily quota resets at midnight "
                f"Pacific Time ({until(_quota_reset(self.now), self.now)})"
            )
        if self.rate_limited(error):  # the quota's is told above
            return f"rate limited by YouTube ({said}){self.try_again_after(error)}"
        if reasons & BAD_KEY or error.status in (401, 403):
            return (
                f"API key refused ({said}); check the key in connection {self.source.connection!r}"
            )
        return f"YouTube API error {said}"


def _as_thread(reply: dict, thread: dict) -> dict:
    """A reply as an item of its own: the thread around it, with the reply on top."""
    return {"id": reply["id"], "snippet": thread["snippet"] | {"topLevelComment": reply}}


def _stamp(thread: dict) -> tuple[datetime, str]:
    published = time_at(thread, "snippet.topLevelComment.snippet.publishedAt")
    return published, required(thread, "id")


def _reasons(error: FetchError) -> set[str]:
    found = error_json(error).get("error")
    details = found.get("errors", []) if isinstance(found, dict) else []
    return {d["reason"] for d in details if isinstance(d, dict) and "reason" in d}


def _quota_reset(now: datetime) -> datetime:
    tomorrow = now.astimezone(PACIFIC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=PACIFIC)
