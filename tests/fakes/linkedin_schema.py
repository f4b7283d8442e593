"""Schema checks of the LinkedIn test server's `POST /rest/posts` body.

LinkedIn's Rest.li layer checks a body against the Posts schema before anything
else and lists every problem, one `ERROR :: /path :: problem` line each, in a 422
(as quoted from a real reply in 2025). Only text posts are modelled here.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Top-level fields of a Posts API body. Rest.li rejects any other field.
POST_FIELDS = frozenset(
    {
        "author",
        "commentary",
        "visibility",
        "distribution",
        "lifecycleState",
        "isReshareDisabledByAuthor",
        "content",
        "contentLandingPage",
        "contentCallToActionLabel",
        "reshareContext",
        "container",
        "adContext",
    }
)
# NOTE: `commentary` is required here because only text posts are modelled.
REQUIRED_FIELDS = ("author", "commentary", "visibility", "distribution", "lifecycleState")
VISIBILITIES = frozenset({"PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"})
FEED_DISTRIBUTIONS = frozenset({"MAIN_FEED", "NONE"})
LIFECYCLE_STATES = frozenset({"PUBLISHED", "DRAFT"})

MISSING = "field is required but not found and has no default value"
_AUTHOR = re.compile(r"urn:li:(?:person|organization):[A-Za-z0-9_-]+")


def post_problems(body: Any) -> list[str]:
    """Return the Rest.li error lines for a Posts body, or an empty list when it fits."""
    if not isinstance(body, dict):
        return ["ERROR ::  :: the body is not a JSON object"]

    problems = [
        _line(f"/{name}", "unrecognized field found but not allowed")
        for name in body
        if name not in POST_FIELDS
    ]
    problems += [_line(f"/{name}", MISSING) for name in REQUIRED_FIELDS if name not in body]
    if problems:
        return problems

    author = body["author"]
    if not isinstance(author, str) or not _AUTHOR.fullmatch(author):
        # NOTE: the wording of type and format problems below is this server's own.
        problem = f"{json.dumps(author)} is not a person or organization URN"
        problems.append(_line("/author", problem))
    if not isinstance(body["commentary"], str):
        problems.append(_line("/commentary", f"{json.dumps(body['commentary'])} is not a string"))
    problems += _enum_problems("/visibility", body["visibility"], VISIBILITIES)
    problems += _enum_problems("/lifecycleState", body["lifecycleState"], LIFECYCLE_STATES)
    problems += _distribution_problems(body["distribution"])
    reshare = body.get("isReshareDisabledByAuthor", False)
    if not isinstance(reshare, bool):
        problem = f"{json.dumps(reshare)} is not a boolean"
        problems.append(_line("/isReshareDisabledByAuthor", problem))
    return problems


def _distribution_problems(distribution: Any) -> list[str]:
    if not isinstance(distribution, dict):
        return [_line("/distribution", f"{json.dumps(distribution)} is not a record")]
    if "feedDistribution" not in distribution:
        return [_line("/distribution/feedDistribution", MISSING)]
    return _enum_problems(
        "/distribution/feedDistribution", distribution["feedDistribution"], FEED_DISTRIBUTIONS
    )


def _enum_problems(path: str, value: Any, symbols: frozenset[str]) -> list[str]:
    if isinstance(value, str) and value in symbols:
        return []
    return [_line(path, f"{json.dumps(value)} is not an enum symbol")]


def _line(path: str, problem: str) -> str:
    return f"ERROR :: {path} :: {problem}\n"
