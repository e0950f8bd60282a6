"""Pick real tweets that mention the police from two CrisisLexT26 events, for hand labelling.

The Glasgow helicopter crash (2013) is UK social media about a police force: sympathy, praise,
rumour, the force's own updates. The Boston Marathon bombing (2013) is the same words about
Boston, Massachusetts, the place Earshot must not mistake for Boston, Lincolnshire. The labels
are given by hand from tests/data/LABELLING.md; this script makes the choice reproducible.

Usage: python -m bench.select_crisis_tweets <git dir of sajao/CrisisLex> [commit]
Prints one JSON object a line: {"source": "crisislex-<event>:<tweet id>", "text": ...}.
"""

import csv
import io
import json
import re
import sys

from bench.select_uk_text import git

COMMIT = "d67cddd51131dbb28842209014f67cffe359ff42"
EVENTS = {
    "glasgow": "2013_Glasgow_helicopter_crash",
    "boston": "2013_Boston_bombings",
}
POLICING = re.compile(r"\b(police|polis|cops?|officers?|999|PD)\b|@policescotland", re.I)
HANDLE = re.compile(r"@\w+")
# Organisations, newsrooms and public figures keep their handles; private people's are replaced.
PUBLIC_HANDLES = {
    handle.lower()
    for handle in (
        "@policescotland",
        "@Police_Memorial",
        "@GlasgowCC",
        "@AmbControl999",
        "@Scotambservice",
        "@scotfire_west",
        "@TrossachsSAR",
        "@MPSIslington",
        "@David_Cameron",
        "@AlexSalmond",
        "@jimmurphymp",
        "@stephenfry",
        "@BBCBreaking",
        "@BBCNews",
        "@BBCScotlandNews",
        "@BBCNewsUS",
        "@STVNews",
        "@SkyNews",
        "@SkyNewsBreak",
        "@itvnews",
        "@MetroUK",
        "@RT_com",
        "@ABC",
        "@AFP",
        "@AP",
        "@cnnbrk",
        "@CNN",
        "@CNNLive",
        "@GMA",
        "@Daily_Record",
        "@Daily_Star",
        "@ScottishSun",
        "@NBCLA",
        "@DDNewsLive",
        "@cbcnewsbc",
        "@CBCNews",
        "@guardian",
        "@NewsTalk2UE",
        "@FoxNews",
        "@BreakingNews",
        "@SportsCenter",
        "@eNCAnews",
        "@piersmorgan",
        "@Boston_Police",
        "@MassStatePolice",
        "@YouTube",
    )
}


def made_up_handles(text: str, names: dict[str, str]) -> str:
    """Replace private people's handles with made-up ones, the same handle the same way."""

    def swap(match: re.Match[str]) -> str:
        handle = match.group(0)
        if handle.lower() in PUBLIC_HANDLES:
            return handle
        return names.setdefault(handle.lower(), f"@made_up_user{len(names) + 1}")

    return HANDLE.sub(swap, text)


def candidates(repo: str, commit: str = COMMIT) -> list[dict[str, str]]:
    """Every distinct labelled tweet of each event that mentions the police, in file order."""
    rows, seen, names = [], set(), {}
    for short, event in EVENTS.items():
        path = f"data/CrisisLexT26/{event}/{event}-tweets_labeled.csv"
        reader = csv.reader(io.StringIO(git(repo, "show", f"{commit}:{path}")))
        next(reader)
        for tweet_id, text, *_labels in reader:
            text = made_up_handles(text.strip(), names)
            if POLICING.search(text) and text not in seen:
                seen.add(text)
                rows.append({"source": f"crisislex-{short}:{tweet_id}", "text": text})
    return rows


if __name__ == "__main__":
    for row in candidates(*sys.argv[1:]):
        print(json.dumps(row, ensure_ascii=False))
