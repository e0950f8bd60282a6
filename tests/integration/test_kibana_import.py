"""`earshot kibana import` against a Kibana-shaped server on 127.0.0.1 that checks the contract:
POST, the import path (in a space or not), `kbn-xsrf`, credentials, a multipart `file` part
holding exactly the exported NDJSON, and Kibana's answers, good and bad."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from typer.testing import CliRunner

import dashboards
from dashboards.definitions import MENTIONS
from dashboards.kibana_import import ImportFailed, import_saved_objects
from earshot.app.cli import app
from earshot.core.desk_links import item_link

SUCCESS = {"success": True, "successCount": len(dashboards.saved_objects()), "warnings": []}
KIBANA_ENV = ("EARSHOT_KIBANA_URL", "EARSHOT_KIBANA_SPACE", "EARSHOT_KIBANA_USER")
KIBANA_ENV += ("EARSHOT_KIBANA_PASSWORD", "EARSHOT_KIBANA_API_KEY", "EARSHOT_DESK_URL")
DESK = "https://desk.lincs.police.example"


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def file_parts(self) -> list[tuple[str | None, str | None, bytes]]:
        """(form field name, file name, content) of each multipart part."""
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        )
        return [
            (
                part.get_param("name", header="content-disposition"),
                part.get_filename(),
                part.get_payload(decode=True),
            )
            for part in message.iter_parts()
        ]


@dataclass
class FakeKibana:
    """Answers each request with the next (status, JSON body) and records what it received."""

    answers: list[tuple[int, dict]]
    received: list[Received] = field(default_factory=list)

    def __enter__(self) -> FakeKibana:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                url = urlsplit(self.path)
                fake.received.append(
                    Received(
                        method=self.command,
                        path=url.path,
                        query=parse_qs(url.query),
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=self.rfile.read(length),
                    )
                )
                status, body = fake.answers.pop(0) if fake.answers else (500, {"message": "?"})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(autouse=True)
def no_kibana_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says which Kibana settings it uses."""
    for name in KIBANA_ENV:
        monkeypatch.delenv(name, raising=False)


def earshot(*args: str, **env: str):
    return CliRunner().invoke(app, list(args), env=env)


def exported() -> bytes:
    result = earshot("kibana", "export")
    assert result.exit_code == 0, result.output
    return result.stdout.encode()


def test_export_without_a_file_prints_the_shipped_ndjson():
    assert exported().decode() == dashboards.NDJSON_FILE.read_text(encoding="utf-8")


def test_the_installed_earshot_command_exports_the_shipped_ndjson(tmp_path):
    earshot_command = str(Path(sys.executable).with_name("earshot"))
    result = subprocess.run(
        [earshot_command, "kibana", "export"], capture_output=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == dashboards.NDJSON_FILE.read_bytes()


def test_export_to_a_file_writes_the_shipped_ndjson(tmp_path):
    target = tmp_path / "objects.ndjson"
    result = earshot("kibana", "export", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == dashboards.NDJSON_FILE.read_bytes()


def test_import_posts_the_export_as_a_multipart_file_with_kbn_xsrf():
    with FakeKibana([(200, SUCCESS)]) as kibana:
        result = earshot(
            "kibana",
            "import",
            "--url",
            kibana.url + "/",
            EARSHOT_KIBANA_USER="elastic",
            EARSHOT_KIBANA_PASSWORD="s3cret",
        )
    assert result.exit_code == 0, result.output
    assert f"Kibana imported {SUCCESS['successCount']} saved objects." in result.stdout
    (request,) = kibana.received
    assert request.method == "POST"
    assert request.path == "/api/saved_objects/_import"
    assert request.query == {"overwrite": ["true"]}
    assert request.headers["kbn-xsrf"] == "true"
    assert (
        request.headers["authorization"] == "Basic " + base64.b64encode(b"elastic:s3cret").decode()
    )
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.file_parts() == [("file", "earshot.ndjson", exported())]


def test_import_into_a_space_posts_under_its_path_with_an_api_key():
    with FakeKibana([(200, SUCCESS)]) as kibana:
        result = earshot(
            "kibana",
            "import",
            EARSHOT_KIBANA_URL=kibana.url,
            EARSHOT_KIBANA_SPACE="comms-desk",
            EARSHOT_KIBANA_API_KEY="a2V5OnNlY3JldA==",
        )
    assert result.exit_code == 0, result.output
    (request,) = kibana.received
    assert request.path == "/s/comms-desk/api/saved_objects/_import"
    assert request.headers["authorization"] == "ApiKey a2V5OnNlY3JldA=="


def test_the_default_space_is_kibanas_unprefixed_path():
    with FakeKibana([(200, SUCCESS)]) as kibana:
        result = earshot("kibana", "import", "--url", kibana.url, "--space", "default")
    assert result.exit_code == 0, result.output
    assert kibana.received[0].path == "/api/saved_objects/_import"


def test_a_503_while_kibana_starts_is_retried_until_it_imports():
    starting = {"statusCode": 503, "error": "Service Unavailable", "message": "Kibana is not ready"}
    with FakeKibana([(503, starting), (200, SUCCESS)]) as kibana:
        result = earshot("kibana", "import", "--url", kibana.url)
    assert result.exit_code == 0, result.output
    assert len(kibana.received) == 2
    assert kibana.received[0].file_parts() == kibana.received[1].file_parts()


def test_retries_back_off_and_then_say_what_kept_failing():
    waits: list[float] = []
    with (
        FakeKibana([(503, {"message": "Kibana is not ready"})] * 5) as kibana,
        pytest.raises(ImportFailed, match=r"after 5 attempts; last: HTTP 503: Kibana is not ready"),
    ):
        import_saved_objects(
            kibana.url, "{}\n", attempts=5, first_delay=1, max_delay=3, sleep=waits.append
        )
    assert len(kibana.received) == 5
    assert waits == [1, 2, 3, 3]


def test_no_kibana_listening_is_retried_then_reported():
    with FakeKibana([]) as kibana:
        url = kibana.url  # a port nothing listens on once the server is gone
    waits: list[float] = []
    with pytest.raises(ImportFailed, match=r"did not answer after 3 attempts; last: ConnectError"):
        import_saved_objects(url, "{}\n", attempts=3, first_delay=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0]


def test_a_wrong_password_fails_at_once_with_kibanas_message():
    refused = {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "[security_exception] unable to authenticate user [elastic]",
    }
    with FakeKibana([(401, refused), (200, SUCCESS)]) as kibana:
        result = earshot("kibana", "import", "--url", kibana.url)
    assert result.exit_code != 0
    assert len(kibana.received) == 1
    assert "HTTP 401: [security_exception] unable to authenticate user [elastic]" in result.output


def test_objects_kibana_refused_are_named_with_the_reason():
    partly = {
        "success": False,
        "successCount": 12,
        "errors": [
            {
                "id": "earshot-search-open-alerts",
                "type": "search",
                "title": "Open alerts",
                "meta": {"title": "Open alerts", "icon": "discoverApp"},
                "error": {
                    "type": "missing_references",
                    "references": [{"type": "index-pattern", "id": "earshot-data-view-alerts"}],
                },
            },
            {
                "id": "earshot-vis-platforms",
                "type": "visualization",
                "meta": {"title": "Platforms"},
                "error": {
                    "type": "unknown",
                    "message": "Saved object is invalid",
                    "statusCode": 400,
                },
            },
            {
                "id": "earshot-dashboard-overview",
                "type": "dashboard",
                "meta": {"title": "Earshot — overview"},
                "error": {"type": "unsupported_type"},
            },
        ],
    }
    with FakeKibana([(200, partly)]) as kibana:
        result = earshot("kibana", "import", "--url", kibana.url)
    assert result.exit_code == 1
    assert "Kibana imported 12 saved objects." in result.stdout
    assert result.stderr.splitlines() == [
        "3 saved objects were not imported:",
        '  search earshot-search-open-alerts "Open alerts": missing references: '
        "index-pattern earshot-data-view-alerts",
        '  visualization earshot-vis-platforms "Platforms": unknown: Saved object is invalid '
        "(HTTP 400)",
        '  dashboard earshot-dashboard-overview "Earshot — overview": unsupported type: '
        "this Kibana does not know the object type",
    ]


def test_import_without_a_kibana_url_says_how_to_give_one():
    result = earshot("kibana", "import")
    assert result.exit_code != 0
    assert "give --url or set EARSHOT_KIBANA_URL" in result.output


def test_with_the_desk_set_the_import_links_each_mention_in_kibana_to_its_desk_page():
    """The mentions data view formats the mention's id (`_id`) with Kibana's url field format,
    Link type, and the mention searches show it as a column. The saved-object shape, as Kibana
    documents it: a data view's `fieldFormatMap` holds, per field, `{"id": "url", "params":
    {"urlTemplate", "labelTemplate", ...}}` (Format data view fields, String and Url formatters:
    https://www.elastic.co/docs/explore-analyze/find-and-organize/data-views/field-formatters;
    the JSON as an index pattern carries it, e.g. wazuh/wazuh-dashboard-plugins#1529), and
    "the {{value}} template string URL-encodes the contents of the field"."""
    with FakeKibana([(200, SUCCESS)]) as kibana:
        result = earshot(
            "kibana",
            "import",
            "--url",
            kibana.url,
            EARSHOT_KIBANA_API_KEY="a2V5OnNlY3JldA==",
            EARSHOT_DESK_URL=DESK + "/",
        )
    assert result.exit_code == 0, result.output
    [(_, _, posted)] = kibana.received[0].file_parts()
    objects = {o["id"]: o for o in map(json.loads, posted.decode().splitlines())}
    formats = json.loads(objects[MENTIONS.id]["attributes"]["fieldFormatMap"])
    [(field_name, link)] = formats.items()
    assert field_name == "_id" and link["id"] == "url" and link["params"]["type"] == "a"
    assert link["params"]["labelTemplate"] == "Open in the desk"
    # Kibana puts the id, URL-encoded, where {{value}} stands: the desk's page for the mention.
    mention_id = "3f2a9c0e5b7d41a8"
    opened = link["params"]["urlTemplate"].replace("{{value}}", quote(mention_id, safe=""))
    assert opened == item_link(DESK, mention_id) == f"{DESK}/item/{mention_id}"

    shipped = {o["id"]: o for o in dashboards.saved_objects()}
    assert objects.keys() == shipped.keys()
    for object_id, obj in objects.items():
        attributes, before = obj["attributes"], shipped[object_id]["attributes"]
        if obj["type"] == "search" and obj["references"][0]["id"] == MENTIONS.id:
            assert attributes.pop("columns") == [*before.pop("columns"), "_id"], object_id
        for compared in (attributes, before):
            compared.pop("fieldFormatMap", None)
        assert obj == shipped[object_id], f"{object_id} changed beyond the desk link"


def test_without_the_desk_the_import_is_the_shipped_file():
    with FakeKibana([(200, SUCCESS)]) as kibana:
        result = earshot("kibana", "import", "--url", kibana.url)
    assert result.exit_code == 0, result.output
    assert kibana.received[0].file_parts() == [("file", "earshot.ndjson", exported())]
