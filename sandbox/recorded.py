"""Loaders for real recorded API traffic kept beside the repository in ``../shared/fixtures``.

The fixtures are read in place and never copied into the project. :func:`fixtures_root` returns None when
the folder is absent (a fresh clone), so tests can skip with a clear reason.

Formats:

* PyGithub replay data (``tests/ReplayData/*.txt``): one exchange per 10 lines — scheme, verb, host, port,
  path with query, request headers, request body, status, response headers (a Python literal list of
  tuples), response body — followed by a blank separator line.
* VCR / Betamax JSON cassettes (octokit.rb, github3.py): ``http_interactions[].request/response``; bodies
  are ``string`` or ``base64_string`` and may be gzip-compressed.
* Apache DevLake's raw PagerDuty incidents table (CSV with the API payload in its ``data`` column).
"""

from __future__ import annotations

import ast
import base64
import csv
import gzip
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sandbox.pagerduty_api import PagerDutyData

if TYPE_CHECKING:
    from sandbox.github_api import GitHubStandIn

FIXTURES_ENV = "PULSE_FIXTURES"
DEVLAKE_PAGERDUTY_INCIDENTS = Path("devlake/backend/plugins/pagerduty/e2e/raw_tables/_raw_pagerduty_incidents.csv")


@dataclass(frozen=True)
class RecordedExchange:
    """One recorded HTTP request/response pair."""

    method: str
    path: str
    """Path plus query as requested, relative to the API root (e.g. ``/repos/o/r/deployments?page=2``)."""
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str
    origin: str = "https://api.github.com"
    """Scheme and host the exchange was recorded against; rewritten to the stand-in's URL when served."""
    source: str = ""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def json(self) -> Any:
        return json.loads(self.body)


def fixtures_root() -> Path | None:
    """``$PULSE_FIXTURES`` or ``../shared/fixtures`` beside the repository; None when absent."""
    configured = os.environ.get(FIXTURES_ENV)
    root = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "fixtures"
    return root if root.is_dir() else None


def fixture_path(relative: str | Path) -> Path | None:
    """A file under :func:`fixtures_root`, or None when the root or the file is missing."""
    root = fixtures_root()
    if root is None:
        return None
    candidate = root / relative
    return candidate if candidate.exists() else None


def load_pygithub_replay(path: Path) -> list[RecordedExchange]:
    """Parse a PyGithub ``ReplayData`` file into exchanges (in recorded order)."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    exchanges: list[RecordedExchange] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() == "":
            index += 1
            continue
        record = lines[index : index + 10]
        if len(record) < 10:
            # A trailing empty response body loses its line when the file has no final newline.
            record += [""] * (10 - len(record))
        scheme, verb, host, port, target, _req_headers, _req_body, status, headers, body = record
        origin = f"{scheme}://{host}" + ("" if port in ("None", "") else f":{port}")
        raw_headers = ast.literal_eval(headers) if headers.strip() else []
        exchanges.append(
            RecordedExchange(
                method=verb.upper(),
                path=target,
                status=int(status),
                headers=tuple((str(k), str(v)) for k, v in raw_headers),
                body=body,
                origin=origin,
                source=f"{Path(path).name}:{index + 1}",
            )
        )
        index += 10
    return exchanges


def load_vcr_cassette(path: Path, replacements: Mapping[str, str] | None = None) -> list[RecordedExchange]:
    """Parse a VCR (octokit.rb) or Betamax (github3.py) JSON cassette into exchanges.

    ``replacements`` substitutes placeholder text everywhere (URI, headers, body), e.g. octokit.rb's
    ``<GITHUB_LOGIN>`` and ``<GITHUB_TEST_REPOSITORY>``, so a client can address the recorded routes.
    """
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    substitutions = dict(replacements or {})

    def substitute(text: str) -> str:
        for placeholder, value in substitutions.items():
            text = text.replace(placeholder, value)
        return text

    exchanges = []
    for number, interaction in enumerate(document.get("http_interactions", []), start=1):
        request, response = interaction["request"], interaction["response"]
        uri = urlsplit(substitute(request["uri"]))
        headers: list[tuple[str, str]] = []
        for name, values in (response.get("headers") or {}).items():
            for value in values if isinstance(values, list) else [values]:
                headers.append((name, substitute(str(value))))
        body_bytes = _cassette_body(response.get("body") or {})
        encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "")
        if "gzip" in encoding.lower() or body_bytes[:2] == b"\x1f\x8b":
            body_bytes = gzip.decompress(body_bytes)
        exchanges.append(
            RecordedExchange(
                method=str(request["method"]).upper(),
                path=uri.path + (f"?{uri.query}" if uri.query else ""),
                status=int(response["status"]["code"]),
                headers=tuple(headers),
                body=substitute(body_bytes.decode("utf-8", errors="replace")),
                origin=f"{uri.scheme}://{uri.netloc}",
                source=f"{Path(path).name}#{number}",
            )
        )
    return exchanges


def _cassette_body(body: Mapping[str, Any]) -> bytes:
    if body.get("base64_string") is not None:
        return base64.b64decode(body["base64_string"])
    return str(body.get("string") or "").encode("utf-8")


def serve_recorded(
    standin: GitHubStandIn, exchanges: Iterable[RecordedExchange], *, methods: Iterable[str] = ("GET",)
) -> int:
    """Register exchanges as recorded routes of a GitHub stand-in; returns how many were added.

    Only ``methods`` are served (GET by default: the sandbox is read-only, and cassettes often contain
    set-up writes that would shadow nothing useful).
    """
    allowed = {m.upper() for m in methods}
    added = 0
    for exchange in exchanges:
        if exchange.method not in allowed:
            continue
        standin.add_recorded(
            exchange.method, exchange.path, exchange.status, exchange.headers, exchange.body, origin=exchange.origin
        )
        added += 1
    return added


def load_devlake_pagerduty(path: Path | None = None) -> PagerDutyData:
    """The real PagerDuty incidents recorded by Apache DevLake's e2e tests, as stand-in data.

    The raw table keeps each incident's API payload (with its embedded ``log_entries``) in the ``data``
    column. Log entries move to the per-incident store; services are derived from the incidents' service
    references. Note that the resolved incident there has no ``resolved_at``: only a resolve log entry.
    """
    source = path if path is not None else fixture_path(DEVLAKE_PAGERDUTY_INCIDENTS)
    if source is None:
        raise FileNotFoundError(f"DevLake PagerDuty fixture not found under {fixtures_root()}")
    data = PagerDutyData()
    services: dict[str, dict[str, Any]] = {}
    with Path(source).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            incident = json.loads(row["data"])
            entries = incident.pop("log_entries", []) or []
            data.incidents.append(incident)
            data.log_entries[incident["id"]] = entries
            reference = incident.get("service") or {}
            if reference.get("id") and reference["id"] not in services:
                services[reference["id"]] = {
                    "id": reference["id"],
                    "type": "service",
                    "summary": reference.get("summary"),
                    "name": reference.get("summary"),
                    "self": reference.get("self"),
                    "html_url": reference.get("html_url"),
                    "status": "active",
                    "teams": [],
                }
    data.services = list(services.values())
    data.incidents.sort(key=lambda i: (i["created_at"], i.get("incident_number", 0)))
    return data
