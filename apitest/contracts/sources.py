"""Where a suite's pacts come from: files, folders of `*.json`, and URLs (a pact, or a Pact Broker's list of pacts).

A pact that cannot be read is one problem among the others' results: every other pact is still read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from ..errors import ConfigError, PactFileError
from ..fetch import FetchError, basic_auth, get
from ..settings import ContractSettings
from .pactfile import PactDocument, parse_pact, read_pact_file

MAX_BROKER_PACTS = 500
_ACCEPT = "application/hal+json, application/json"


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A pact that could not be read: where it is, and the one-line error."""

    source: str
    error: PactFileError


@dataclass(slots=True)
class Pacts:
    documents: list[PactDocument] = field(default_factory=list)  # those for the provider asked for
    unreadable: list[Unreadable] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)  # every provider named by a pact that was read

    @property
    def others(self) -> list[str]:
        return sorted(set(self.providers))


def load_pacts(settings: ContractSettings, where: str) -> Pacts:
    """Every pact the settings name, in order; pacts for another provider than `provider` are left out."""
    found = Pacts()
    read: list[PactDocument] = []
    for source in settings.pacts:
        if source.startswith(("http://", "https://")):
            try:
                read.extend(fetch_pacts(source, settings))
            except PactFileError as exc:
                found.unreadable.append(Unreadable(_public(source), exc))
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(path.glob("*.json"))
        elif path.is_file():
            files = [path]
        elif source == settings.pact_dir:
            continue  # the folder consumer tests write to, before they first ran
        else:
            raise ConfigError(
                f"{where} [contracts]: pacts entry {_label(path)!r} does not exist; fix the path or remove it."
            )
        for file in files:
            try:
                read.append(read_pact_file(file, _label(file)))
            except PactFileError as exc:
                found.unreadable.append(Unreadable(_label(file), exc))
    found.providers = [d.provider for d in read]
    found.documents = [d for d in read if settings.provider is None or d.provider == settings.provider]
    return found


def fetch_pacts(url: str, settings: ContractSettings) -> list[PactDocument]:
    """A pact at a URL; a Pact Broker index (`_links` with `pb:pacts` / `pacts`) is followed to each pact."""
    data = _fetch_json(url, settings)
    if isinstance(data, Mapping) and "interactions" not in data and "messages" not in data:
        links = data.get("_links") if isinstance(data.get("_links"), Mapping) else {}
        listed = links.get("pb:pacts") or links.get("pacts") if isinstance(links, Mapping) else None
        if isinstance(listed, list):
            hrefs = [
                urljoin(url, str(link["href"])) for link in listed if isinstance(link, Mapping) and link.get("href")
            ]
            if len(hrefs) > MAX_BROKER_PACTS:
                raise PactFileError(
                    f"{_public(url)}: lists {len(hrefs)} pacts, more than apitest reads ({MAX_BROKER_PACTS}); narrow the URL."
                )
            return [parse_pact(_fetch_json(href, settings), _public(href)) for href in hrefs]
    return [parse_pact(data, _public(url))]


def _fetch_json(url: str, settings: ContractSettings) -> Any:
    headers = {"Accept": _ACCEPT}
    parts = urlsplit(url)
    if settings.broker_token:
        headers["Authorization"] = f"Bearer {settings.broker_token}"
    elif settings.broker_username is not None:
        headers["Authorization"] = basic_auth(settings.broker_username, settings.broker_password or "")
    elif parts.username is not None:  # credentials in the URL itself: sent as basic auth, never shown
        headers["Authorization"] = basic_auth(unquote(parts.username), unquote(parts.password or ""))
    try:
        answer = get(_public(url), settings.request_timeout, headers)
    except FetchError as exc:
        raise PactFileError(f"{_public(url)}: cannot fetch the pact ({exc}); is the broker running?") from exc
    if answer.status != 200:
        hint = (
            " Set [contracts] broker_token (or broker_username/broker_password)." if answer.status in (401, 403) else ""
        )
        raise PactFileError(f"{_public(url)}: fetching the pact answered HTTP {answer.status}.{hint}")
    return _json(answer.text, url)


def _json(text: str, url: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PactFileError(
            f"{_public(url)}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None


def _public(url: str) -> str:
    """The URL without credentials, for messages and reports."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _label(path: Path) -> str:
    """A path relative to the working folder when it is inside it: `pacts/web-shop.json`."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative
