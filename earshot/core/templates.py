"""Jinja templates for Earshot's emails: one setup, so every email escapes the same way."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def template_environment(package: str) -> Environment:
    """Templates of an Earshot package: `.html.j2` autoescaped, a missing value an error."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
