"""`earshot setup`: make a cluster ready for Earshot, as the force's IT team deploys it.

Run with an administrator's credentials (compose's one-shot `setup` service uses `elastic`).
Creates the index templates and Earshot's single indices (templates and mappings are put
here only: the pipeline's key may not), the writer, maintenance, analyst, responder and
admin roles, and the API keys of the pipeline and of the maintenance DAG; sets Kibana's
`kibana_system` password when given one; imports the dashboards when given a Kibana. Safe to
run on every `docker compose up`: a key that still works is kept (and given the current
privileges), so Airflow's keys never change under it. `--check` changes nothing and
reports, item by item.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from earshot.app import kibana
from earshot.core.pseudonym import KEY_VARIABLE, MIN_KEY_CHARS, PseudonymKeyMissing
from earshot.core.secret_file import write_secret

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from dashboards.kibana_import import ImportReport, KibanaAuth
    from earshot.governance.security import ApiKey, PipelineKey

# `earshot setup` and `earshot kibana …`: what it takes to deploy Earshot.
deploy_app = typer.Typer()
deploy_app.add_typer(kibana.app, name="kibana")
console = Console(soft_wrap=True)


@dataclass(frozen=True)
class KibanaTarget:
    url: str
    space: str | None
    auth: KibanaAuth


@dataclass(frozen=True)
class KeyReport:
    kind: PipelineKey
    key: ApiKey
    is_new: bool
    retired: tuple[str, ...]
    file: Path | None


@dataclass(frozen=True)
class SetupReport:
    keys: tuple[KeyReport, ...]
    dashboards: ImportReport | None


def run_setup(
    es: Elasticsearch,
    *,
    key_files: dict[str, Path | None],
    kibana_system_password: str | None = None,
    kibana_target: KibanaTarget | None = None,
) -> SetupReport:
    """Every step is idempotent; each key is reused from its file (`key_files`, by key name)
    while valid, so Airflow's keys never change under it."""
    from earshot.governance.install import install
    from earshot.governance.security import PIPELINE_KEYS, ensure_roles, set_kibana_system_password

    install(es)
    ensure_roles(es)
    keys = tuple(_ensure_key(es, kind, key_files.get(kind.name)) for kind in PIPELINE_KEYS)
    if kibana_system_password:
        set_kibana_system_password(es, kibana_system_password)
    imported = None
    if kibana_target:
        imported = kibana.import_to_kibana(
            kibana_target.url, space=kibana_target.space, auth=kibana_target.auth
        )
    return SetupReport(keys, imported)


def _ensure_key(es: Elasticsearch, kind: PipelineKey, key_file: Path | None) -> KeyReport:
    from earshot.governance.security import ApiKey, create_key, renew_key, retire_keys

    key = None
    if key_file and key_file.exists():
        key = ApiKey.from_encoded(key_file.read_text().strip())
        key = key if key and renew_key(es, kind, key) else None
    is_new = key is None
    if key is None:
        key = create_key(es, kind)
        if key_file:
            write_secret(key_file, key.encoded)
    # With a key file, it is the one key of its kind in use: any other is a leftover.
    retired = tuple(retire_keys(es, kind, keep=key)) if key_file else ()
    return KeyReport(kind, key, is_new, retired, key_file)


@dataclass(frozen=True)
class PseudonymKey:
    where: str  # the environment variable or the file it came from
    is_new: bool


def default_pseudonym_key_file() -> Path:
    """Beside the local node's password: the demo's and a development machine's key."""
    from earshot.store.local_node import earshot_home

    return earshot_home() / "pseudonym-key"


def use_pseudonym_key(key_file: Path) -> PseudonymKey:
    """The authors' pseudonym secret, put in this process's environment for it and the
    processes it starts (Airflow, in the demo): EARSHOT_PSEUDONYM_KEY when set, else the
    key in `key_file`, else a new one written there. An existing key is never replaced: every
    stored pseudonym was made with it, and erasure by author finds posts through it."""
    if os.environ.get(KEY_VARIABLE):
        _check_pseudonym_key(os.environ[KEY_VARIABLE], KEY_VARIABLE)
        return PseudonymKey(KEY_VARIABLE, is_new=False)
    is_new = not key_file.exists()
    try:
        if is_new:
            write_secret(key_file, secrets.token_urlsafe(48))
        key = key_file.read_text().strip()
    except OSError as e:
        raise PseudonymKeyMissing(f"{key_file}: {e.strerror}") from e
    _check_pseudonym_key(key, str(key_file))
    os.environ[KEY_VARIABLE] = key
    return PseudonymKey(str(key_file), is_new)


def _check_pseudonym_key(key: str, where: str) -> None:
    """Refuses what is not a secret: too short, or .env.example's placeholder left in place."""
    if len(key) < MIN_KEY_CHARS or key.startswith("change-me"):
        raise PseudonymKeyMissing(
            f"{where} must hold a random secret of at least {MIN_KEY_CHARS} characters, "
            'e.g. python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


@deploy_app.command("setup")
def setup(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Change nothing: say, item by item, whether the cluster has what setup makes.",
        ),
    ] = False,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            envvar="EARSHOT_WRITER_API_KEY_FILE",
            help="Keep the pipeline's API key in this file (else it is printed).",
        ),
    ] = None,
    maintenance_key_file: Annotated[
        Path | None,
        typer.Option(
            envvar="EARSHOT_MAINTENANCE_API_KEY_FILE",
            help="Keep the maintenance DAG's API key in this file (else it is printed).",
        ),
    ] = None,
    pseudonym_key_file: Annotated[
        Path | None,
        typer.Option(
            envvar="EARSHOT_PSEUDONYM_KEY_FILE",
            help="Keep the authors' pseudonym key here, unless EARSHOT_PSEUDONYM_KEY is set "
            "(default: .earshot/pseudonym-key).",
        ),
    ] = None,
    kibana_system_password: Annotated[
        str | None,
        typer.Option(
            envvar="EARSHOT_KIBANA_SYSTEM_PASSWORD",
            help="Set the password Kibana uses to reach Elasticsearch (kibana_system).",
        ),
    ] = None,
    kibana_url: kibana.KibanaUrl = None,
    kibana_space: kibana.KibanaSpace = None,
    kibana_user: kibana.KibanaUser = None,
    kibana_password: kibana.KibanaPassword = None,
    kibana_api_key: kibana.KibanaApiKey = None,
) -> None:
    """Index templates, Earshot's indices, roles, the pipeline's and the maintenance DAG's API
    keys, the authors' pseudonym key; dashboards if given Kibana."""
    from dashboards.kibana_import import KibanaAuth
    from earshot.governance.security import MAINTENANCE_KEY, ROLES, WRITER_KEY
    from earshot.store.connection import connect

    if check:
        _print_checks(connect())
        return
    target = None
    if kibana_url:
        auth = KibanaAuth(user=kibana_user, password=kibana_password, api_key=kibana_api_key)
        target = KibanaTarget(kibana_url, kibana_space, auth)
    pseudonym_key = use_pseudonym_key(pseudonym_key_file or default_pseudonym_key_file())
    report = run_setup(
        connect(),
        key_files={WRITER_KEY.name: api_key_file, MAINTENANCE_KEY.name: maintenance_key_file},
        kibana_system_password=kibana_system_password,
        kibana_target=target,
    )
    roles = ", ".join(ROLES)
    console.print(f"Index templates, Earshot's indices and roles {roles}: ready.")
    _print_pseudonym_key(pseudonym_key)
    for key in report.keys:
        _print_key(key)
    if kibana_system_password:
        console.print("Password of kibana_system set.")
    if report.dashboards:
        kibana.print_report(report.dashboards)
        if not report.dashboards.ok:
            raise typer.Exit(1)


def _print_checks(es: Elasticsearch) -> None:
    """One line per item; exits non-zero if any fails, so a deployment script can stop."""
    from earshot.governance.install import check

    results = check(es)
    for result in results:
        mark = "[green]pass[/green]" if result.ok else "[red]FAIL[/red]"
        console.print(f"{mark}  {result.item}: {result.detail}", highlight=False)
    failed = sum(not r.ok for r in results)
    if failed:
        console.print(f"{failed} of {len(results)} items fail: run `earshot setup` as an admin.")
        raise typer.Exit(1)
    console.print(f"All {len(results)} items as `earshot setup` makes them.")


def _print_key(report: KeyReport) -> None:
    """The key itself only when there is no file to keep it in: the operator copies it."""
    about = f"API key {report.kind.name} ({report.kind.purpose})"
    if report.file:
        state = "created" if report.is_new else "still valid, kept"
        console.print(f"{about} {report.key.id}: {state}, in {report.file}.")
    else:
        console.print(f"{about} created; give it to Airflow's workers as:")
        print(f"{report.kind.variable}={report.key.encoded}")
    if report.retired:
        console.print(f"Invalidated {len(report.retired)} older {report.kind.name} keys.")


def _print_pseudonym_key(key: PseudonymKey) -> None:
    """Where the key is, never the key."""
    if key.where == KEY_VARIABLE:
        console.print(f"Authors' pseudonym key: from {KEY_VARIABLE}, checked.")
        return
    state = "created" if key.is_new else "kept"
    console.print(
        f"Authors' pseudonym key: {state}, in {key.where}. Give its content to Airflow's "
        f"workers as {KEY_VARIABLE}, and back it up: erasure by author needs the same key."
    )
