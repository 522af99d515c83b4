"""Per-process run state: loaded suites, their served apps and documents, and the recorder.

One `Runtime` lives in `config.stash` of each pytest process (controller and xdist workers alike).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError, TargetError
from .recorder import Recorder
from .redact import query_secrets
from .refs import import_ref
from .results import Record, SuiteSetup
from .settings import Given, Origin, Suite, resolve_suite
from .spec import declared_base_url, load_document
from .target import ServedApp, check_reachable

T = TypeVar("T")
R = TypeVar("R", bound=Record)


class Runtime:
    def __init__(
        self, records: Path, worker: str, given: Mapping[str, Given], seed: int, cache_dir: Path | None = None
    ) -> None:
        self.records = records
        self.cache_dir = cache_dir  # what fuzzing builds once per machine ([run] cache_dir); None: nowhere of ours
        self.recorder = Recorder(records, worker)
        self.given = dict(given)  # settings given outside suite files (options, APITEST_*, ini), by dotted key
        self.seed = seed  # for every suite that sets none: chosen once per run (the controller's, under xdist)
        self._lock = threading.RLock()
        self._cache: dict[tuple[str, str], Any] = {}
        self._served: list[ServedApp] = []
        self._closers: list[Callable[[], None]] = []

    def record(self, record: R) -> R:
        """Records `record` with every secret masked, and returns the masked record for any other output."""
        return self.recorder.record(record)

    def redact(self, text: str) -> str:
        return self.recorder.redactor.text(text)

    def cached(self, kind: str, key: str, make: Callable[[], T]) -> T:
        """`make()` once per (kind, key) in this process; an error is cached too, so it is raised once per item."""
        with self._lock:
            if (kind, key) not in self._cache:
                try:
                    self._cache[kind, key] = make()
                except Exception as exc:
                    self._cache[kind, key] = exc
            value = self._cache[kind, key]
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[no-any-return]

    def suite(self, path: Path) -> Suite:
        return self.cached("suite", str(path), lambda: self._read(path))

    def _read(self, path: Path) -> Suite:
        suite = resolve_suite(path, self.given)
        self.recorder.redactor.add(suite.secrets)
        # ?api_key=... in a configured URL: masked by name in any URL, and as a value wherever else it shows
        urls = (suite.base_url, suite.spec, *suite.contracts.pacts)
        self.recorder.redactor.add([value for url in urls if url and "?" in url for value in query_secrets(url)])
        self.recorder.redactor.add_header_names([*suite.auth.headers, *suite.auth.secondary.headers])
        origin = suite.origin("fuzz.seed")
        if suite.fuzz.seed is None:  # every run is repeatable: the seed chosen for it is used and recorded
            origins = {**suite.origins, "fuzz.seed": Origin("default", "chosen for this run")}
            suite = suite.replace(fuzz=dataclasses.replace(suite.fuzz, seed=self.seed), origins=origins)
            origin = origins["fuzz.seed"]
        self.record(
            SuiteSetup(
                suite=suite.name,
                file=str(suite.file),
                seed=suite.fuzz.seed,
                seed_from=origin.describe("seed"),
                database=suite.fuzz.database,
            )
        )
        return suite

    def base_url(self, suite: Suite) -> str:
        """The suite's base URL, reachable: `base_url`, else the `serve`d app (started on first use and kept for the
        process), else the absolute server URL the spec declares. The one place a target's URL is decided."""

        def make() -> str:
            if suite.base_url is not None:
                url = suite.base_url
            elif suite.serve is not None:
                # a clear error now beats a dead child process later
                import_ref(suite.serve, suite.root, f"{suite.file}: serve", TargetError)
                log = self.records.parent / f"serve-{suite.name}.log"
                served = ServedApp(suite.serve, suite.root, str(suite.file), log=log, factory=suite.serve_factory)
                self._served.append(served)
                return served.base_url
            else:
                declared = declared_base_url(self.document(suite), self.spec_location(suite))
                if declared is None:
                    raise ConfigError(
                        f'{suite.file}: no base_url, and the spec declares no absolute server URL; add base_url = "http://...".'
                    )
                url = declared
            check_reachable(url, str(suite.file))
            return url

        return self.cached("base_url", str(suite.file), make)

    def known_base_url(self, suite: Suite) -> str | None:
        """The base URL if it is known without starting or calling anything (for curl lines), else None."""
        if suite.base_url is not None:
            return suite.base_url
        if suite.serve is not None or suite.spec is None:
            # a served app, or a spec read from the target: known once something started it
            key = ("base_url", str(suite.file))
            value = self._cache.get(key)
            return value if isinstance(value, str) else None
        return declared_base_url(self.document(suite), suite.spec)

    def spec_location(self, suite: Suite) -> str:
        if suite.spec is not None:
            return suite.spec
        return self.base_url(suite) + "/openapi.json"

    def document(self, suite: Suite) -> dict[str, Any]:
        # A spec served by the API is fetched with the suite's credentials, as the API would want them.
        ref_root = Path(suite.ref_root) if suite.ref_root is not None else None
        return self.cached(
            "document",
            str(suite.file),
            lambda: load_document(self.spec_location(suite), headers=suite.auth.headers, ref_root=ref_root),
        )

    def on_close(self, closer: Callable[[], None]) -> None:
        """Call `closer` at the end of the session, before served apps stop (e.g. to stop an engine still running)."""
        self._closers.append(closer)

    def close(self) -> None:
        closers, self._closers = self._closers, []
        for closer in closers:
            closer()
        for served in self._served:
            served.close()
            self._mask_log(served.log)
        self._served.clear()

    def _mask_log(self, log: Path) -> None:
        """The served app's own output (it may echo the credentials it received) is masked like every record."""
        try:
            text = log.read_text(encoding="utf-8", errors="replace")
            masked = self.recorder.redactor.text(text)
            if masked != text:
                log.write_text(masked, encoding="utf-8")
        except OSError:
            pass
