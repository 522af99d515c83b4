"""Reading an OpenAPI document (2.0, 3.0, 3.1) as plain data, engine-free, with errors a user can act on.

Collection needs only the list of operations, so it never builds a schemathesis schema: that happens once per
process when the first fuzz item runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from .errors import SpecLoadError
from .fetch import FetchError, get
from .references import bundle, inline_path_items

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case
    path: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def load_document(
    location: str,
    *,
    timeout: float = 10.0,
    headers: Mapping[str, str] | None = None,
    ref_root: Path | None = None,
) -> dict[str, Any]:
    """The OpenAPI document at a path or URL (fetched with `headers`), checked to be OpenAPI, with every `$ref` to
    another file brought in (references.py; files under `ref_root`, by default the spec's folder, or on the spec's
    own server) and every `$ref` resolvable."""
    headers = headers or {}
    doc = _parse(_read(location, timeout, headers), location)
    check_document(doc, location, refs=False)
    remote = location.startswith(("http://", "https://"))
    base_uri = location if remote else Path(location).resolve().as_uri()
    root = None if remote else (ref_root or Path(location).resolve().parent).resolve()

    def load(uri: str) -> Any:
        where = _shown(uri, root)
        return _parse(
            _read(uri if remote else _file_path(uri), timeout, headers if _same_origin(uri, base_uri) else {}), where
        )

    def allowed(uri: str) -> str | None:
        return _why_not(uri, base_uri, root)

    bundle(doc, base_uri, load, allowed, lambda uri: location if uri == base_uri else _shown(uri, root))
    check_document(doc, location)
    inline_path_items(doc, location)
    return doc  # type: ignore[no-any-return]


def _file_path(uri: str) -> str:
    from urllib.request import url2pathname

    return url2pathname(urlsplit(uri).path)


def _same_origin(uri: str, base_uri: str) -> bool:
    a, b = urlsplit(uri), urlsplit(base_uri)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _why_not(uri: str, base_uri: str, root: Path | None) -> str | None:
    """Why the file at `uri` may not be read for the spec at `base_uri`, or None if it may."""
    scheme = urlsplit(uri).scheme
    if root is None:  # a spec read from a URL: its own server only
        if not _same_origin(uri, base_uri):
            return f"it is not on the spec's own server ({urlsplit(base_uri).netloc}); apitest fetches nothing else"
        return None
    if scheme != "file":
        return "apitest does not fetch remote references for a spec read from a file; save it beside the spec"
    path = Path(_file_path(uri)).resolve()
    if not path.is_relative_to(root):
        return f"{path} is outside the spec's folder {root}; move it there, or set ref_root to a folder holding both"
    return None


def _shown(uri: str, root: Path | None) -> str:
    if root is None or not uri.startswith("file:"):
        return uri
    path = Path(_file_path(uri))
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _parse(text: str, location: str) -> Any:
    from .parsing import LimitError, parse_json, parse_yaml

    problem: Exception
    try:
        if location.endswith(".json") or text.lstrip().startswith("{"):
            try:
                return parse_json(text)
            except LimitError:
                raise
            except ValueError as exc:
                problem, line = exc, getattr(exc, "lineno", None)
        else:
            import yaml  # only YAML specs pay for it

            try:
                return parse_yaml(text, _yaml_1_2_loader())  # a SafeLoader subclass
            except yaml.YAMLError as exc:
                problem, line = exc, getattr(getattr(exc, "problem_mark", None), "line", None)
    except LimitError as exc:
        raise SpecLoadError(f"{location}: {exc}") from None
    at = f" (line {line})" if line else ""
    raise SpecLoadError(f"{location}: not valid JSON or YAML{at}; fix the document's syntax.") from problem


def _yaml_1_2_loader() -> Any:
    """PyYAML's SafeLoader reading booleans as YAML 1.2 does (what OpenAPI 3.x specifies): only true and false.

    YAML 1.1 also reads `on`, `off`, `yes`, `no`, `y` and `n` as booleans, so a property named `on` (a date field,
    say) became the key True.
    """
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regex) for tag, regex in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return Loader


def check_document(doc: object, location: str, *, refs: bool = True) -> None:
    if not isinstance(doc, dict) or not ("openapi" in doc or "swagger" in doc):
        raise SpecLoadError(f"{location}: not an OpenAPI document (no 'openapi' or 'swagger' version key).")
    key = "openapi" if "openapi" in doc else "swagger"
    raw = doc[key]
    if not isinstance(raw, str):
        # YAML reads `openapi: 3.0` as the number 3.0; schemathesis then fails with a long traceback
        raise SpecLoadError(
            f"{location}: {key}: {raw!r} is a {type(raw).__name__}, not a string; quote it: {key}: "
            f'"{"2.0" if key == "swagger" else "3.0.3"}".'
        )
    version = raw
    if not version.startswith(("2.", "3.0", "3.1")):
        raise SpecLoadError(
            f"{location}: OpenAPI version {version!r} is not supported; apitest reads 2.0, 3.0 and 3.1."
        )
    if not isinstance(doc.get("paths", {}), dict):
        raise SpecLoadError(f"{location}: 'paths' must be an object.")
    if not refs:
        return
    missing = _first_unresolved_ref(doc)
    if missing is not None:
        ref, where = missing
        raise SpecLoadError(f"{location}: $ref {ref!r} at {where} does not resolve; define it or fix the reference.")


def operations(doc: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                found.append(Operation(method.upper(), path))
    return found


def declared_base_url(doc: dict[str, Any], location: str) -> str | None:
    """The absolute server URL the document declares (3.x `servers`, 2.0 `host`), or the spec URL's origin."""
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = str(servers[0].get("url", ""))
        if url.startswith(("http://", "https://")):
            return url.rstrip("/")
        if location.startswith(("http://", "https://")):
            return urljoin(location, url).rstrip("/")
    if "host" in doc:
        scheme = (doc.get("schemes") or ["http"])[0]
        return f"{scheme}://{doc['host']}{doc.get('basePath', '')}".rstrip("/")
    if location.startswith(("http://", "https://")):
        parsed = urlsplit(location)
        return f"{parsed.scheme}://{parsed.netloc}"
    return None


def resolve_pointer(doc: Any, ref: str) -> Any:
    """The value a local `#/a/b` reference points at; KeyError if there is none."""
    node = doc
    for raw in ref.lstrip("#").split("/")[1:]:
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(ref)
    return node


def _first_unresolved_ref(doc: dict[str, Any]) -> tuple[str, str] | None:
    stack: list[tuple[Any, str]] = [(doc, "#")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                try:
                    resolve_pointer(doc, ref)
                except (KeyError, IndexError, ValueError):
                    return ref, where
            stack.extend((v, f"{where}/{k}") for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(node))
    return None


def _read(location: str, timeout: float, headers: Mapping[str, str]) -> str:
    if location.startswith(("http://", "https://")):
        try:
            answer = get(location, timeout, {"Accept": "application/json, application/yaml, */*", **headers})
        except FetchError as exc:
            raise SpecLoadError(f"{location}: cannot fetch the spec ({exc}); is the server running?") from exc
        if answer.status in (401, 403):
            sent = (
                f"sent with the suite's [auth.headers] ({', '.join(headers)})"
                if headers
                else "sent without credentials"
            )
            raise SpecLoadError(
                f"{location}: fetching the spec answered HTTP {answer.status} ({sent}); "
                "check the credentials, or point `spec` at a file."
            )
        if answer.status != 200:
            raise SpecLoadError(f"{location}: fetching the spec answered HTTP {answer.status}; check the URL.")
        if answer.content_type in ("text/html", "application/xhtml+xml"):
            raise SpecLoadError(
                f"{location}: answered an HTML page (HTTP {answer.status}, {answer.content_type}), not an OpenAPI "
                "document; a login or documentation page? Check the URL and the credentials."
            )
        return answer.text
    from .parsing import LimitError, check_size

    try:
        path = Path(location)
        check_size(path.stat().st_size)
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SpecLoadError(f"{location}: spec file not found; check `spec` in the suite file.") from None
    except IsADirectoryError:
        raise SpecLoadError(f"{location}: is a folder, not a spec file; check `spec` in the suite file.") from None
    except LimitError as exc:
        raise SpecLoadError(f"{location}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecLoadError(
            f"{location}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start : exc.start + 1]!r}); "
            "save the spec as UTF-8."
        ) from None
    except OSError as exc:
        raise SpecLoadError(f"{location}: cannot read the spec ({exc.strerror or exc}).") from None
