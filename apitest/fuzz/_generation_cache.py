"""Where Hypothesis keeps what it builds to generate data: a folder of the machine's, not the working folder.

Before its first string, Hypothesis builds tables of the unicode characters (by category, and those UTF-8 can
encode: ~3.5 s and ~230 MB here) and, as modules are imported, the constants of local source files; it stores them
under its storage folder, `./.hypothesis` unless told otherwise, so every fresh checkout, CI job and xdist worker
in a new folder built them again. While engine runs are under way, that folder is `[run] cache_dir`/hypothesis
(by default under $XDG_CACHE_HOME/apitest): built once per machine, read in ~0.2 s after. What is kept there is
derived from the unicode database and source files, never from earlier runs' cases: the example database stays
where `[fuzz] database` says (none by default), so the seed alone still decides what a run sends.

A storage folder the user chose (HYPOTHESIS_STORAGE_DIRECTORY, or `set_hypothesis_home_dir`) is left alone, and
Hypothesis's own setting comes back when the last run ends, for the user's own Hypothesis tests in the session.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

STORAGE_VARIABLE = "HYPOTHESIS_STORAGE_DIRECTORY"


class GenerationCache:
    def __init__(self) -> None:
        self.directory: Path | None = None  # [run] cache_dir, set by whoever plans the runs
        self._active = 0
        self._redirected = False
        self._saved: Path | None = None
        self._lock = threading.Lock()

    @property
    def storage(self) -> Path | None:
        """Hypothesis's storage folder while runs are under way, or None where it is the user's choice."""
        return self.directory / "hypothesis" if self.directory is not None else None

    def start(self) -> None:
        with self._lock:
            if self._active == 0 and self.storage is not None and not os.environ.get(STORAGE_VARIABLE):
                from hypothesis import configuration

                current = _home(configuration)
                default = getattr(configuration, "__hypothesis_home_directory_default", None)
                if current is None or current == default:  # nobody chose one
                    self._saved, self._redirected = current, True
                    configuration.set_hypothesis_home_dir(self.storage)
            self._active += 1

    def end(self) -> None:
        with self._lock:
            self._active = max(0, self._active - 1)
            if self._active == 0 and self._redirected:
                from hypothesis import configuration

                configuration.set_hypothesis_home_dir(self._saved)
                self._redirected, self._saved = False, None

    def __enter__(self) -> GenerationCache:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


def _home(configuration: Any) -> Path | None:
    home = getattr(configuration, "__hypothesis_home_directory", None)
    return Path(home) if home is not None else None


GENERATION_CACHE = GenerationCache()
