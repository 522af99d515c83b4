"""Errors: a broken setup, never a misbehaving API (that is a Finding, see results.py).

Our exception hierarchy:

* ApitestError
  + ConfigError          - a suite's apitest.toml / [tool.apitest] / APITEST_* / CLI value is wrong
  + SpecLoadError        - the OpenAPI document cannot be read, parsed, resolved or is not OpenAPI
  + TargetError          - the API under test cannot be reached or served
  + PactFileError        - a pact file is malformed
  + EngineMissingError   - an optional engine or tool (Chromium, Locust...) is not installed
  + UnsafeTargetError    - load against a host that is not loopback and not allow-listed

Every message names where the bad value came from and what to do about it, on one line.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable
from typing import NoReturn


class ApitestError(Exception):
    """A broken setup: apitest stops with exit status 4 and one line naming the fix."""


class ConfigError(ApitestError):
    """A suite setting is unknown or has a bad value."""

    @classmethod
    def unknown_key(cls, key: str, known: Iterable[str], where: str) -> ConfigError:
        return cls(f"{where}: unknown key {key!r}.{did_you_mean(key, known)}")

    @classmethod
    def bad_value(cls, key: str, value: object, expected: str, where: str) -> ConfigError:
        return cls(f"{where}: {key} = {value!r} is not valid; expected {expected}.")


class SpecLoadError(ApitestError):
    """The OpenAPI document cannot be loaded."""


class TargetError(ApitestError):
    """The API under test cannot be reached or started."""


class PactFileError(ApitestError):
    """A pact file is malformed."""


class EngineMissingError(ApitestError):
    """An engine or external tool needed for this run is not installed."""


class UnsafeTargetError(ApitestError):
    """A load test aimed at a host that is neither loopback nor allow-listed."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`" Did you mean 'x'?"` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


class UsageParser(argparse.ArgumentParser):
    """argparse, with a mistake as one line and exit status 4 (pytest's usage error) instead of usage and 2."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message}; see `{self.prog} --help`.")
