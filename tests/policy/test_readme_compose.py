"""The README's deployment section says what `docker-compose.yml` does: a newcomer reads the
README, not the YAML, so a service, limit, health check, start order or setting that the two
disagree on is a defect of the README."""

from __future__ import annotations

import re

import yaml

from earshot.core.paths import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()
COMPOSE = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())


def deployment_section() -> str:
    start = README.index("## Running it for real: docker compose")
    return README[start : README.index("\n## ", start + 3)]


def readme_rows() -> list[list[str]]:
    rows = re.findall(r"^\| `[a-z-]+` \|.*\|$", deployment_section(), flags=re.MULTILINE)
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def compose_rows() -> list[list[str]]:
    rows = []
    for name, service in COMPOSE["services"].items():
        image = service["image"]
        memory = service["mem_limit"]
        if memory.startswith("${"):
            memory = re.match(r"\$\{(\w+)", memory).group(1)
        if "healthcheck" in service:
            health = "yes"
        else:
            health = "no (one-shot)" if service.get("restart") == "no" else "no"
        waits = (service.get("depends_on") or {}).items()
        after = ", ".join(
            f"{other} {'healthy' if c['condition'] == 'service_healthy' else 'done'}"
            for other, c in waits
        )
        rows.append([f"`{name}`", f"`{image}`", memory, health, after or "—"])
    return rows


def test_the_readmes_table_of_services_is_the_compose_file_row_for_row():
    assert readme_rows() == compose_rows()


def test_every_setting_in_env_example_is_named_in_the_deployment_section():
    example = (PROJECT_DIR / ".env.example").read_text()
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE)
    unnamed = [name for name in names if name not in deployment_section()]
    assert not unnamed, f"README's docker compose section does not name {unnamed}"
