"""Pick real UK sentences about policing from Wikipedia page texts, for hand labelling.

The labelled set needs real public text beside the written examples (issue 14 item 4).
Wikipedia pages (CC BY-SA) about UK places, incidents and forces carry the sentences a news
snippet would: arrests, appeals, court results, force names. This script makes the choice of
candidates reproducible; the labels are then given by hand from tests/data/LABELLING.md.

Usage: python -m bench.select_uk_text <git dir of chinapedia/wikipedia.abstract.en> [commit]
Prints one JSON object a line: {"source": "wikipedia:<page>#<n>", "text": ...}.
"""

import json
import re
import subprocess
import sys

COMMIT = "4f3e897da088cbe89a4f1d4cba3fa2e439c3721b"

# A page is read only when it is about the UK: it names a UK force or a UK police word.
UK_PAGE = re.compile(
    r"Metropolitan Police|Constabulary|Police Scotland|British Transport Police|Scotland Yard"
    r"|Lincolnshire|(?:Greater Manchester|West Midlands|Thames Valley|Merseyside|Kent|Essex"
    r"|Humberside|Nottinghamshire|Norfolk|Cambridgeshire|Leicestershire|South Yorkshire"
    r"|West Yorkshire|Sussex|Surrey|Devon and Cornwall|Avon and Somerset) Police"
)
POLICING = re.compile(
    r"\b(police|policing|constables?|arrest(?:ed|s)?|Scotland Yard|Constabulary|999)\b",
    re.IGNORECASE,
)
# Tables, reference lists and category lines are page furniture, not prose a post would carry.
FURNITURE = re.compile(r"^\||^Category:|=|\|")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
CITATION = re.compile(r"\[\d+\]")
MAX_CHARS = 400


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True, text=True
    ).stdout


def sentences(page_text: str) -> list[str]:
    """Split a page into sentences, dropping citation marks and Markdown emphasis only."""
    text = CITATION.sub("", page_text).replace("_", "")
    out = []
    for paragraph in text.split("\n"):
        out.extend(s.strip() for s in SENTENCE_END.split(paragraph) if s.strip())
    return out


def candidates(repo: str, commit: str = COMMIT) -> list[dict[str, str]]:
    """Every short policing sentence of every UK page, in path order."""
    hits = git(repo, "grep", "-l", "-z", "-i", "police", commit, "--", "Page").split("\0")
    rows = []
    for path in sorted(hit.removeprefix(f"{commit}:") for hit in hits if hit):
        page = git(repo, "show", f"{commit}:{path}")
        if not UK_PAGE.search(page):
            continue
        name = path.removeprefix("Page/").removesuffix(".md")
        for n, sentence in enumerate(sentences(page)):
            if (
                POLICING.search(sentence)
                and not FURNITURE.search(sentence)
                and 40 <= len(sentence) <= MAX_CHARS
            ):
                rows.append({"source": f"wikipedia:{name}#{n}", "text": sentence})
    return rows


if __name__ == "__main__":
    for row in candidates(*sys.argv[1:]):
        print(json.dumps(row, ensure_ascii=False))
