"""Exact and near duplicates, so a story syndicated to ten sites counts once.

Exact: the canonical URL (tracking parameters, fragments, mobile and AMP variants
removed). Near: a MinHash signature of the text's word 3-shingles (datasketch's scheme);
the store looks up earlier mentions sharing an LSH band and joins the cluster of the one
whose estimated Jaccard similarity clears SAME_STORY. A text under MIN_WORDS words has no
signature and no bands: it joins a story only through its canonical URL. Story key: the
publisher's site and the headline, for a news search result (Google News links to its own
redirect and carries only the headline) and the publisher's own feed item of the same
article. Pure functions: the lookup is the store's job.
"""

from __future__ import annotations

import hashlib
import re
from operator import eq
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from earshot.core.pseudonym import keyed_hash

PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 rows: pairs from about 0.5 similarity become candidates
ROWS = PERMUTATIONS // BANDS
SAME_STORY = 0.6  # estimated Jaccard of 3-shingles: syndicated copies, not the same topic
MIN_WORDS = 12  # below this, shared wording is coincidence ("Police appeal for witnesses")
MIN_HEADLINE_WORDS = 3  # one site's "Court news" or "Appeal" is a column, not one article

# Parameters that only say how a link was shared; the ones after them (`ref`, `s`) often do
# too (`?s=20` on a shared post), but on some sites they name the page (`?s=` a search).
_SHARING = r"utm_\w+|fbclid|gclid|dclid|mc_[ce]id|igshid|ref_src|cmpid|ito"
_TRACKING = re.compile(rf"^(?:{_SHARING}|ref|s)$")
_ONLY_TRACKING = re.compile(rf"^(?:{_SHARING})$")
_MOBILE_HOSTS = re.compile(r"^(?:m|mobile|amp)\.")
_WORDS = re.compile(r"[a-z0-9']+")
# A fragment that names an item on the page (a WordPress comment, a reply) is part of its
# identity; any other (#comments, #ixzz…, #top) is just where the reader scrolled.
# datasketch's MinHash (scheme affine32, seed 1) computed in one numpy pass per text, its
# permutations drawn once as datasketch draws them (odd multipliers, offsets mod 2^32):
# datasketch draws them again for every object, and loading it loads scipy, a second of
# every command's start. The signatures are the very values datasketch gives, so stored
# ones stay comparable (tests/integration/test_duplicates.py holds them to it).
_DRAW = np.random.RandomState(1)
_A = _DRAW.randint(0, 1 << 31, PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
_B = _DRAW.randint(0, 1 << 32, PERMUTATIONS, dtype=np.uint32)
_ITEM_FRAGMENT = re.compile(r"^(?:comment|c|reply|post|p|li|div-comment)[-_]?\d+$", re.I)
# For identity, a fragment that is a one-page site's route (`#/post/1`, `#!/post/1`) too.
_ITEM_OR_ROUTE_FRAGMENT = re.compile(rf"{_ITEM_FRAGMENT.pattern}|^!?/", re.I)


def canonical_url(url: str | None) -> str | None:
    """The same article however it was shared: https, no www/m./amp., no tracking, and no
    fragment unless it names an item (`#comment-171` is a comment, not the article)."""
    return _normalised(url, _TRACKING, _ITEM_FRAGMENT)


def identity_url(url: str | None) -> str | None:
    """The one post an address names, however it was shared: as `canonical_url`, but every
    part that may tell two posts apart is kept (route fragments, `?s=`, `?ref=`). What an
    item is stored and erased by, where two posts must never be taken for one."""
    return _normalised(url, _ONLY_TRACKING, _ITEM_OR_ROUTE_FRAGMENT)


def _normalised(url: str | None, tracking: re.Pattern, kept_fragment: re.Pattern) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"}:
        return url
    host = _MOBILE_HOSTS.sub("", (parts.hostname or "").lower()).removeprefix("www.")
    path = re.sub(r"/amp/?$|/+$", "", parts.path) or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not tracking.match(k)))
    fragment = parts.fragment if kept_fragment.match(parts.fragment) else ""
    return urlunsplit(("https", host, path, query, fragment))


def story_key(site: str | None, headline: str) -> str | None:
    """The same article on the same site however a feed titled it: the site's host as
    `canonical_url` has it, then the headline's words in lower case (quotes and dashes
    vary between feeds), keyed-hashed: a comment feed's headline names the commenter
    ("Comment on … by Jane Doe"), and the key is stored where `hide_handles` took the name
    out of the title. None without a site or with too short a headline. Raises
    PseudonymKeyMissing without the secret."""
    host = urlsplit(canonical_url(site) or "").hostname
    words = _WORDS.findall(re.sub("['\u2019]", "", headline.lower()))
    if not host or len(words) < MIN_HEADLINE_WORDS:
        return None
    return keyed_hash(f"{host} {' '.join(words)}")


def signature(text: str) -> tuple[int, ...]:
    """MinHash of the word 3-shingles; empty for texts too short to judge."""
    words = _WORDS.findall(text.lower())
    if len(words) < MIN_WORDS:
        return ()
    shingles = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    # The first four bytes of each SHA-1 (datasketch's sha1_hash32), premixed in one numpy pass.
    first_bytes = b"".join(hashlib.sha1(s.encode()).digest()[:4] for s in shingles)
    hashed = _murmur_finaliser(np.frombuffer(first_bytes, dtype="<u4"))
    return tuple((hashed[:, None] * _A + _B).min(axis=0).tolist())


def _murmur_finaliser(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser (datasketch's pre-mix), on uint32s, so products wrap as in C."""
    h = h ^ (h >> 16)
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> 13)
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> 16)


def bands(sig: tuple[int, ...]) -> list[str]:
    """LSH band keys: two texts sharing any key are candidates for the same story. None
    for a text too short to sign: short posts join a story by their link alone."""
    if not sig:
        return []
    keys = []
    for b in range(BANDS):
        rows = ",".join(map(str, sig[b * ROWS : (b + 1) * ROWS])).encode()
        keys.append(f"{b}:{hashlib.blake2b(rows, digest_size=8).hexdigest()}")
    return keys


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity: the share of permutations whose minimum agrees."""
    if not a or not b:
        return 0.0
    if len(a) != len(b):
        raise ValueError(f"signatures of {len(a)} and {len(b)} permutations cannot be compared")
    return sum(map(eq, a, b)) / len(a)
