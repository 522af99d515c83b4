"""The checks no single response shows: apitest's follow-up requests, sent after the suite's engine run ended.

The engine run leaves exemplars: requests the API accepted (2xx), operation by operation. Once the engine is done
(nothing else is sending), these checks use them on resources the API says exist, one request at a time, and each
finding carries every request it took, in order, as curl lines (the last one shows the broken promise):

* `use_after_delete`: after a successful DELETE, every GET that reads the resource answers 404 or 410.
* `read_after_write`: after a successful create or update, reading the resource back shows what the write said
  it stored (its own answer, else the values sent), volatile fields (timestamps, versions) left out.
* `idempotency`: a PUT sent twice leaves the same state and answers alike; a second DELETE fails no worse than
  404/410 and brings nothing back; a POST repeated with the same `Idempotency-Key` (a header the spec declares)
  makes nothing new, and the key reused with another body is refused.
* `conditional_request`: where a GET answers with an ETag and the spec documents 304 (or an If-None-Match
  parameter), `If-None-Match` with that ETag answers 304; where a write documents 412 (or If-Match), a stale
  `If-Match` is refused with 412 instead of applied.
* `auth_error_leak`: a request refused for lack of credentials (401/403) does not hand out the data it guards.
* `cross_user_write`: a resource the second user may not read (403/404) may not be changed or deleted by them
  either. (Cross-user *reads* are schemathesis's `object_level_authorization`, given both users.)

Each check works on a resource made for it, or one of the engine's still alive (_supply.py). A check that applies
to an operation but could not be made there (nothing alive, no accepted request to start from, no GET to read back)
says why in a note on the follow-up item, one per check and reason (_skips.py).

Requests are built and sent by schemathesis (_sender.py: cases of the same operations, with the suite's
serialisation and base URL); what the checks compare is plain data (resources.py).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..results import Finding, Severity, Source
from ..settings import Suite
from ..spec import operations
from . import judgement as rules, resources
from ._exemplars import Exemplar as Exemplar, Exemplars as Exemplars, variants
from ._sender import Sender, Sent, Trail
from ._skips import (
    NO_404,
    NO_ETAG,
    NO_EXEMPLAR,
    NO_JSON_ANSWER,
    NO_READER,
    NOTHING_WRITTEN,
    UNDESCRIBED,
    Skip,
    Skips,
)
from ._supply import Supply
from .resources import ItemResource

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

    from ._sender import Case

FOLLOW_UPS = "follow-up"  # the name of the item that runs these checks
CHECKS = (
    "use_after_delete",
    "read_after_write",
    "idempotency",
    "conditional_request",
    "auth_error_leak",
    "cross_user_write",
)
TITLES = {
    "use_after_delete": "Deleted resource still readable",
    "read_after_write": "Write not visible when read back",
    "idempotency": "Repeating the request changed the outcome",
    "conditional_request": "Conditional request not honoured",
    "auth_error_leak": "Error for missing credentials leaks data",
    "cross_user_write": "Another user could change the resource",
}
SEVERITY = {
    "use_after_delete": Severity.HIGH,
    "read_after_write": Severity.HIGH,
    "idempotency": Severity.MEDIUM,
    "conditional_request": Severity.MEDIUM,
    "auth_error_leak": Severity.HIGH,
    "cross_user_write": Severity.CRITICAL,
}
# A defect the engine reports under its own name when it meets it: the report shows the engine's finding alone.
SAME_DEFECT_AS = {"use_after_delete": "use_after_free"}
STALE_ETAG = '"apitest-stale-etag"'


class FollowUps:
    """Runs the enabled checks over the suite's item resources; `findings`, and `notes`: what could not be checked."""

    def __init__(self, sender: Sender, document: Mapping[str, Any], exemplars: Exemplars, enabled: frozenset[str]):
        self.sender = sender
        self.document = document
        self.exemplars = exemplars
        self.enabled = enabled
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.skips = Skips()
        self.trail = Trail()  # the current check's requests
        self.items = resources.item_resources(document)
        self.supply = Supply(sender, exemplars, self.items, self.trail, self._send)

    def run(self) -> None:
        for resource in self.items:
            for check in (
                self._conditional_get,
                self._read_after_update,
                self._idempotent_put,
                self._stale_write,
                self._cross_user_write,
                self._leak_of_item,
                self._delete,  # last: the resource is gone afterwards
            ):
                with self._sequence():
                    try:
                        check(resource)
                    except Skip:
                        pass
                    except Exception as exc:
                        self.notes.append(
                            f"{check.__name__.strip('_')} on {resource.template}: {type(exc).__name__}: {exc}"
                        )
        for label in [op.label for op in operations(dict(self.document))]:
            for on_label in (self._created_then_read, self._idempotency_key, self._auth_error_leak):
                with self._sequence():
                    try:
                        on_label(label)
                    except Skip:
                        pass
                    except Exception as exc:  # one check that cannot be made on one operation ends nothing else
                        self.notes.append(f"{on_label.__name__.strip('_')} on {label}: {type(exc).__name__}: {exc}")
        self.notes.extend(self.skips.notes())

    # -- checks ------------------------------------------------------------------------------------------------

    def _conditional_get(self, resource: ItemResource) -> None:
        self._require("conditional_request")
        reader = resource.reader
        if reader is None or not (self._documents(reader, "304") or self._declares_header(reader, "If-None-Match")):
            raise Skip
        with self._trying(reader, "conditional_request"):
            target, read = self.supply.alive(resource)
            etag = read.header("etag")
            if not etag:
                raise Skip(NO_ETAG)
            again = self._send(
                self.sender.case(
                    reader, path_parameters=self.supply.path(resource, target), headers={"If-None-Match": etag}
                )
            )
            self.skips.ran("conditional_request", reader)
            if 200 <= again.status < 300:
                self._find(
                    "conditional_request",
                    reader,
                    f"GET with If-None-Match: {etag} (the ETag it had just sent) answered {again.status} with the "
                    "whole body instead of 304 Not Modified; clients cannot revalidate their caches.",
                    rules.answered("2xx"),
                )

    def _read_after_update(self, resource: ItemResource) -> None:
        self._require("read_after_write")
        for method in ("PUT", "PATCH"):  # the first writer that can be judged
            writer = resource.writers.get(method)
            if writer is None:
                continue
            with self._trying(writer, "read_after_write"):
                self._update_read_back(resource, method, writer)
            if self.skips.has_run("read_after_write", writer):
                return

    def _update_read_back(self, resource: ItemResource, method: str, writer: str) -> None:
        reader = resource.reader
        if reader is None:
            raise Skip(NO_READER)
        described = self._described(reader)
        if not described:
            raise Skip(UNDESCRIBED)  # the spec says nothing of what the read shows: no promise to hold the write to
        exemplar = self._first_exemplar(writer)
        if exemplar is None:
            raise Skip(NO_EXEMPLAR)
        if isinstance(exemplar.case.body, dict) and not _written(described, exemplar.case.body):
            raise Skip(NOTHING_WRITTEN)  # e.g. an accepted PATCH of {}: there is nothing to read back
        why = None
        # As sent, then nudged one field at a time: a write of what the resource already holds shows nothing.
        for variant in variants(exemplar):
            self.trail.restart()
            target, _ = self.supply.alive(resource)
            wrote = self._send(self._retarget(writer, variant, resource, target))
            if not 200 <= wrote.status < 300:
                why = _refused(wrote)
                continue
            read = self._send(self.sender.case(reader, path_parameters=self.supply.path(resource, target)))
            if not 200 <= read.status < 300:
                why = f"reading it back answered {read.status}"
                continue
            self.skips.ran("read_after_write", writer)
            source = "its answer" if isinstance(wrote.body, dict) else "the request"
            opening = f"{method} answered {wrote.status}"
            closing = ": the update was not stored as reported."
            if self._read_back(writer, wrote, variant.case.body, read, reader, described, (opening, source, closing)):
                return
        if not self.skips.has_run("read_after_write", writer):
            raise Skip(why)

    def _idempotent_put(self, resource: ItemResource) -> None:
        self._require("idempotency")
        writer = resource.writers.get("PUT")
        if writer is None:
            raise Skip
        with self._trying(writer, "idempotency"):
            self._put_twice(resource, writer)

    def _put_twice(self, resource: ItemResource, writer: str) -> None:
        reader = resource.reader
        if reader is None:
            raise Skip(NO_READER)
        described = self._described(reader)
        if not described:
            raise Skip(UNDESCRIBED)  # an echo, a page: nothing to compare
        # Each accepted PUT in turn, as sent and nudged: a body that sets a field to what it holds shows nothing.
        found = [v for e in self.exemplars.of(writer) for v in variants(e)]
        if not found:
            raise Skip(NO_EXEMPLAR)
        why = None
        for exemplar in found:
            self.trail.restart()
            target, _ = self.supply.alive(resource)
            first = self._send(self._retarget(writer, exemplar, resource, target))
            if not 200 <= first.status < 300:
                why = _refused(first)
                continue
            self.skips.ran("idempotency", writer)
            path = self.supply.path(resource, target)
            after_first = self._send(self.sender.case(reader, path_parameters=path))
            second = self._send(self._retarget(writer, exemplar, resource, target))
            after_second = self._send(self.sender.case(reader, path_parameters=path))
            if second.status // 100 != first.status // 100:
                self._find(
                    "idempotency",
                    writer,
                    f"the same PUT answered {first.status}, then {second.status} when sent again.",
                    rules.class_differs(-4, -2),
                )
                return
            kept = self._read_only(reader)
            diffs = resources.differences(after_first.body, after_second.body, kept, described)
            if diffs:
                self._find(
                    "idempotency",
                    writer,
                    "sending the same PUT twice changed the resource: "
                    + "; ".join(f"{name} went from {json.dumps(a)} to {json.dumps(b)}" for name, a, b in diffs[:5])
                    + " (PUT must be idempotent: RFC 9110, section 9.2.2).",
                    rules.differs(-3, -1, ignore=kept, only=described),
                )
                return
        if not self.skips.has_run("idempotency", writer):
            raise Skip(why)

    def _stale_write(self, resource: ItemResource) -> None:
        self._require("conditional_request")
        for method in ("PUT", "PATCH", "DELETE"):  # the first writer that can be judged
            writer = resource.writers.get(method)
            if writer is None or not (self._documents(writer, "412") or self._declares_header(writer, "If-Match")):
                continue
            with self._trying(writer, "conditional_request"):
                exemplar = self._first_exemplar(writer)
                if exemplar is None:
                    raise Skip(NO_EXEMPLAR)
                target, _ = self.supply.alive(resource)
                stale = self._stale_etag(resource, target)
                case = self._retarget(writer, exemplar, resource, target)
                case = self.sender.case(writer, like=case, headers={**dict(case.headers or {}), "If-Match": stale})
                wrote = self._send(case)
                if wrote.status in (400, 422):
                    # refused as malformed (Kinto: 'If-Match should be integer between double quotes'), not as stale
                    raise Skip(f"it refused the If-Match {stale} as malformed ({wrote.status}), not as stale")
                self.skips.ran("conditional_request", writer)
                if 200 <= wrote.status < 300:
                    self._find(
                        "conditional_request",
                        writer,
                        f"{method} with If-Match: {stale} (an ETag the resource never had) answered "
                        f"{wrote.status}: the write was applied instead of refused with 412 Precondition Failed, so "
                        "concurrent updates overwrite each other.",
                        rules.answered("2xx"),
                    )
            if self.skips.has_run("conditional_request", writer):
                return

    def _stale_etag(self, resource: ItemResource, target: str) -> str:
        """An ETag the resource never had, in the shape of the one it has (an API may check the header's form first:
        Kinto wants digits between double quotes); STALE_ETAG where its GET gives none."""
        if resource.reader is None:
            return STALE_ETAG
        read = self._send(self.sender.case(resource.reader, path_parameters=self.supply.path(resource, target)))
        current = read.header("etag") if 200 <= read.status < 300 else None
        return _other_etag(current) if current else STALE_ETAG

    def _cross_user_write(self, resource: ItemResource) -> None:
        self._require("cross_user_write")
        if "secondary" not in self.sender.users:
            raise Skip  # run_followups says so, once
        for method in ("PUT", "PATCH", "DELETE"):
            writer = resource.writers.get(method)
            if writer is None:
                continue
            done = False
            with self._trying(writer, "cross_user_write"):
                done = self._write_as_the_other_user(resource, method, writer)
            if done:
                return

    def _write_as_the_other_user(self, resource: ItemResource, method: str, writer: str) -> bool:
        """Whether this ends the check on the resource: found, or readable by the other user."""
        reader = resource.reader
        if reader is None:
            raise Skip(NO_READER)
        exemplar = self._first_exemplar(writer)
        if exemplar is None:
            raise Skip(NO_EXEMPLAR)
        target, _ = self.supply.alive(resource)
        peek = self._send(self.sender.case(reader, path_parameters=self.supply.path(resource, target)), "secondary")
        self.skips.ran("cross_user_write", writer)
        if peek.status not in (403, 404):
            return True  # readable by the other user: shared, not private; nothing to judge
        wrote = self._send(self._retarget(writer, exemplar, resource, target), "secondary")
        if 200 <= wrote.status < 300:
            self._find(
                "cross_user_write",
                writer,
                f"the second user may not read this resource (GET answered {peek.status}) yet its {method} "
                f"answered {wrote.status}: object-level authorization is missing on writes.",
                rules.answered("2xx"),
            )
            return True
        return False

    def _leak_of_item(self, resource: ItemResource) -> None:
        self._require("auth_error_leak")
        reader = resource.reader
        if reader is None or not self._secured(reader):
            raise Skip
        with self._trying(reader, "auth_error_leak"):
            target, read = self.supply.made(resource)  # a resource of our own, with a value to recognise
            path = self.supply.path(resource, target)
            anonymous = self._send(self.sender.case(reader, path_parameters=path), "anonymous")
            self.skips.ran("auth_error_leak", reader)
            if anonymous.status not in (401, 403):
                return  # a 2xx without credentials is schemathesis's ignored_auth
            leaked = resources.leaked_values(read.body, anonymous.content.decode("utf-8", "replace"))
            if leaked:
                self._find(
                    "auth_error_leak",
                    reader,
                    f"without credentials it answered {anonymous.status}, and the error body holds values of the "
                    f"protected answer ({', '.join(json.dumps(v) for v in leaked[:3])}).",
                    rules.contains(leaked),
                )

    def _delete(self, resource: ItemResource) -> None:
        writer = resource.writers.get("DELETE")
        checks: list[str] = [c for c in ("use_after_delete", "idempotency") if c in self.enabled]
        if writer is None or not checks:
            raise Skip
        # only readers whose spec documents a 404 or 410: those promise to say when the resource is gone
        readers = [r for r in resource.readers if self._documents(r, "404") or self._documents(r, "410")]
        if resource.readers and not readers and "use_after_delete" in checks:
            self.skips.skipped("use_after_delete", writer, NO_404)
            checks.remove("use_after_delete")
        if checks:
            with self._trying(writer, *checks):
                self._delete_twice(resource, writer, readers, checks)

    def _delete_twice(self, resource: ItemResource, writer: str, readers: list[str], checks: list[str]) -> None:
        if not resource.readers:
            raise Skip(NO_READER)
        target, _ = self.supply.alive(resource)
        exemplar = self._first_exemplar(writer)
        case = (
            self._retarget(writer, exemplar, resource, target)
            if exemplar is not None
            else self.sender.case(writer, path_parameters=self.supply.path(resource, target))
        )
        gone = self._send(case)
        if not 200 <= gone.status < 300:
            raise Skip(_refused(gone))
        if "use_after_delete" in checks:
            self.skips.ran("use_after_delete", writer)
            for reader in readers:
                read = self._send(self.sender.case(reader, path_parameters=self.supply.path(resource, target)))
                if 200 <= read.status < 300:
                    self._find(
                        "use_after_delete",
                        writer,
                        f"DELETE answered {gone.status}, yet {reader} still answers {read.status}: the resource is "
                        "not gone (expected 404 or 410).",
                        rules.answered("2xx"),
                    )
                    return
        if "idempotency" in checks:
            self.skips.ran("idempotency", writer)
            again = self._send(self._retarget(writer, exemplar, resource, target) if exemplar else case)
            if again.status >= 500:  # a 403 or 404 for what is gone is the API's choice (kinto answers 403)
                self._find(
                    "idempotency",
                    writer,
                    f"a second DELETE of the same resource answered {again.status}; a repeated DELETE must leave the "
                    "same state and fail no worse than a 4xx such as 404 or 410 (RFC 9110, section 9.2.2).",
                    rules.answered("5xx"),
                )

    def _created_then_read(self, label: str) -> None:
        self._require("read_after_write")
        resource = next((r for r in self.items if r.creator == label), None) if label.startswith("POST ") else None
        if resource is None:
            raise Skip
        with self._trying(label, "read_after_write"):
            reader = resource.reader
            if reader is None:
                raise Skip(NO_READER)
            described = self._described(reader)
            if not described:
                raise Skip(UNDESCRIBED)  # the spec says nothing of what the read shows
            accepted = self.exemplars.of(label)
            if not accepted:
                raise Skip(NO_EXEMPLAR)
            for exemplar in accepted:
                made = self.supply.create(resource, label, exemplar)
                if made.id is None:
                    if 200 <= made.sent.status < 300:
                        break  # no id to read it by
                    continue
                read = self._send(self.sender.case(reader, path_parameters=self.supply.path(resource, made.id)))
                if not 200 <= read.status < 300:
                    # schemathesis's ensure_resource_availability judges a created resource that is absent
                    raise Skip(f"reading what it created answered {read.status}")
                self.skips.ran("read_after_write", label)
                wording = (f"created ({made.sent.status})", "the create", ".")
                self._read_back(label, made.sent, exemplar.case.body, read, reader, described, wording)
                return
            raise Skip(self.supply.why_not(resource))

    def _read_back(
        self,
        operation: str,
        wrote: Sent,
        sent: Any,
        read: Sent,
        reader: str,
        described: frozenset[str],
        wording: tuple[str, str, str],
    ) -> bool:
        """read_after_write on `operation` when `read` shows other values than the write stated (its answer, else
        the body `sent`) for the fields it sent that the spec describes; whether it was found. `wording`: the
        message's opening, what the write is called, and its closing."""
        answered = isinstance(wrote.body, dict)
        kept, written = self._read_only(reader), _written(described, sent)
        diffs = resources.differences(wrote.body if answered else sent, read.body, kept, written)
        if not diffs:
            return False
        opening, source, closing = wording
        shown = "; ".join(
            f"{name} = {json.dumps(after)} where {source} had {json.dumps(before)}" for name, before, after in diffs[:5]
        )
        self._find(
            "read_after_write",
            operation,
            f"{opening}, but GET then shows {shown}{closing}",
            rules.differs(-2, -1, source="answer" if answered else "request", ignore=kept, only=written),
        )
        return True

    def _idempotency_key(self, label: str) -> None:
        self._require("idempotency")
        if not label.startswith("POST "):
            raise Skip
        key_name = next(
            (p for p in self._header_parameters(label) if p.lower() in ("idempotency-key", "x-idempotency-key")), None
        )
        if key_name is None:
            raise Skip
        with self._trying(label, "idempotency"):
            exemplar = self._first_exemplar(label)
            if exemplar is None:
                raise Skip(NO_EXEMPLAR)
            self._key_reused(label, key_name, exemplar)

    def _key_reused(self, label: str, key_name: str, exemplar: Exemplar) -> None:
        key = f"apitest-{time.time_ns()}"
        first = self._send(
            self.sender.case(label, like=exemplar.case, headers={**dict(exemplar.case.headers or {}), key_name: key})
        )
        if not 200 <= first.status < 300:
            raise Skip(_refused(first))
        self.skips.ran("idempotency", label)
        second = self._send(
            self.sender.case(label, like=exemplar.case, headers={**dict(exemplar.case.headers or {}), key_name: key})
        )
        resource = next((r for r in self.items if r.creator == label), None)
        first_id = resources.created_id(resource, first.headers, first.body) if resource else None
        second_id = resources.created_id(resource, second.headers, second.body) if resource else None
        if second.status != first.status or (first_id is not None and second_id != first_id):
            self._find(
                "idempotency",
                label,
                f"the same POST with the same {key_name} answered {first.status} then {second.status}"
                + (f" and made {second_id} besides {first_id}" if first_id and second_id != first_id else "")
                + ": a retried request must return the first outcome, not repeat the effect.",
                rules.any_of(rules.status_differs(-2, -1), rules.created_differs(-2, -1)),
            )
            return
        changed = _changed_body(exemplar.case.body)
        if changed is None:
            return
        third = self._send(
            self.sender.case(
                label, like=exemplar.case, body=changed, headers={**dict(exemplar.case.headers or {}), key_name: key}
            )
        )
        if 200 <= third.status < 300:
            self._find(
                "idempotency",
                label,
                f"the {key_name} of an earlier request, reused with another body, answered {third.status}; it must be "
                "refused (422 in the IETF Idempotency-Key draft), not applied or answered as the first.",
                rules.answered("2xx"),
            )

    def _auth_error_leak(self, label: str) -> None:
        self._require("auth_error_leak")
        if not label.startswith("GET ") or not self._secured(label):
            raise Skip
        with self._trying(label, "auth_error_leak"):
            exemplar = self._first_exemplar(label)
            if exemplar is None:
                raise Skip(NO_EXEMPLAR)
            if exemplar.body is None:
                raise Skip(NO_JSON_ANSWER)
            anonymous = self._send(self.sender.case(label, like=exemplar.case), "anonymous")
            self.skips.ran("auth_error_leak", label)
            if anonymous.status not in (401, 403):
                return  # a 2xx without credentials is schemathesis's ignored_auth
            leaked = resources.leaked_values(exemplar.body, anonymous.content.decode("utf-8", "replace"))
            if leaked:
                shown = ", ".join(json.dumps(v) for v in leaked[:3])
                self._find(
                    "auth_error_leak",
                    label,
                    f"without credentials it answered {anonymous.status}, and the error body holds values of the "
                    f"protected answer ({shown}).",
                    rules.contains(leaked),
                )

    # -- helpers -----------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _sequence(self) -> Iterator[None]:
        self.trail.restart()
        try:
            yield
        finally:
            self.trail.restart()

    @contextlib.contextmanager
    def _trying(self, operation: str, *checks: str) -> Iterator[None]:
        """A Skip with a reason raised inside says why `checks` could not run on `operation`: a note (_skips.py),
        unless they ran there after all."""
        try:
            yield
        except Skip as skip:
            if skip.reason is not None:
                for check in checks:
                    self.skips.skipped(check, operation, skip.reason)

    def _send(self, case: Case, user: str = "primary") -> Sent:
        sent = self.sender.send(case, user)
        self.trail.steps.append(sent)
        return sent

    def _find(self, check: str, operation: str, message: str, fails_if: rules.Rule) -> None:
        """Report `check` on `operation`; `fails_if` is the rule that found it, for `apitest replay` to judge by."""
        steps = self.trail.all()
        last = steps[-1]
        details: dict[str, Any] = {"steps": [s.curl for s in steps]} if len(steps) > 1 else {}
        details["fails_if"] = fails_if
        if check in SAME_DEFECT_AS:
            details["same_defect_as"] = SAME_DEFECT_AS[check]
        request_headers = last.exchange.request_headers
        for name, key in (("traceparent", "traceparent"), ("X-Request-ID", "request_id")):
            value = next((v for k, v in request_headers.items() if k.lower() == name.lower()), None)
            if value:
                details[key] = value
        self.findings.append(
            Finding(
                Source.FUZZ,
                check,
                operation,
                TITLES[check],
                message,
                SEVERITY[check],
                curl=last.curl,
                exchange=last.exchange,
                details=details,
                sequence=tuple(s.exchange for s in steps) if len(steps) > 1 else (),
            )
        )

    def _require(self, check: str) -> None:
        if check not in self.enabled:
            raise Skip

    def _first_exemplar(self, label: str | None) -> Exemplar | None:
        found = self.exemplars.of(label)
        return found[0] if found else None

    def _retarget(self, label: str, exemplar: Exemplar, resource: ItemResource, target: str) -> Case:
        params = {**dict(exemplar.case.path_parameters or {}), **self.supply.path(resource, target)}
        body = exemplar.case.body
        if isinstance(body, dict):
            body = {k: (target if k in resources.id_keys(resource.param) and k in body else v) for k, v in body.items()}
        return self.sender.case(label, like=exemplar.case, path_parameters=params, body=body)

    def _operation(self, label: str) -> Mapping[str, Any]:
        method, path = label.split(" ", 1)
        item = (self.document.get("paths") or {}).get(path) or {}
        operation = item.get(method.lower())
        return operation if isinstance(operation, dict) else {}

    def _documents(self, label: str, status: str) -> bool:
        return status in {str(code) for code in (self._operation(label).get("responses") or {})}

    def _header_parameters(self, label: str) -> list[str]:
        method, path = label.split(" ", 1)
        item = (self.document.get("paths") or {}).get(path) or {}
        found = []
        for param in [*item.get("parameters", []), *self._operation(label).get("parameters", [])]:
            param = self._resolve(param)
            if isinstance(param, dict) and param.get("in") == "header":
                found.append(str(param.get("name", "")))
        return found

    def _declares_header(self, label: str, name: str) -> bool:
        return name.lower() in {p.lower() for p in self._header_parameters(label)}

    def _read_only(self, label: str | None) -> frozenset[str]:
        """Top-level fields the spec marks readOnly in `label`'s 2xx answers: the server keeps them, not the writer."""
        return self._answer_properties(label, read_only=True)

    def _described(self, label: str | None) -> frozenset[str]:
        """Top-level fields the spec describes in `label`'s 2xx answers: what a read-back can be held to."""
        return self._answer_properties(label, read_only=False)

    def _answer_properties(self, label: str | None, *, read_only: bool) -> frozenset[str]:
        if label is None:
            return frozenset()
        found: set[str] = set()
        for status, response in (self._operation(label).get("responses") or {}).items():
            response = self._resolve(response)
            if not str(status).startswith("2") or not isinstance(response, dict):
                continue
            schemas = [
                media.get("schema") for media in (response.get("content") or {}).values() if isinstance(media, dict)
            ]
            schemas.append(response.get("schema"))  # Swagger 2
            for schema in schemas:
                found |= self._properties(schema, read_only)
        return frozenset(found)

    def _properties(self, schema: Any, read_only: bool, depth: int = 0) -> set[str]:
        schema = self._resolve(schema)
        if not isinstance(schema, dict) or depth > 5:
            return set()
        found = {
            str(name)
            for name, prop in (schema.get("properties") or {}).items()
            if not read_only or (isinstance(self._resolve(prop), dict) and self._resolve(prop).get("readOnly") is True)
        }
        for part in [*(schema.get("allOf") or []), *(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]:
            found |= self._properties(part, read_only, depth + 1)
        return found

    def _secured(self, label: str) -> bool:
        security = self._operation(label).get("security", self.document.get("security"))
        return isinstance(security, list) and bool(security) and all(bool(s) for s in security)

    def _resolve(self, node: Any) -> Any:
        from ..spec import resolve_pointer

        for _ in range(10):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
                try:
                    node = resolve_pointer(self.document, node["$ref"])
                except (KeyError, IndexError, ValueError):
                    return None
            else:
                return node
        return None


def run_followups(
    schema: BaseSchema,
    document: Mapping[str, Any],
    suite: Suite,
    base_url: str,
    exemplars: Exemplars,
    enabled: frozenset[str],
) -> tuple[list[Finding], list[str], int]:
    """The follow-up checks of one suite, after its engine run: findings, notes on what could not be checked, and
    how many requests they sent."""
    users: dict[str, dict[str, str]] = {"primary": dict(suite.auth.headers), "anonymous": {}}
    if suite.auth.secondary.headers:
        users["secondary"] = dict(suite.auth.secondary.headers)
    sender = Sender(
        schema,
        base_url,
        users,
        suite.fuzz.request_timeout,
        _credential_headers(document),
        pause=suite.fuzz.retry_after_pause,
    )
    checks = FollowUps(sender, document, exemplars, enabled)
    checks.run()
    notes = list(checks.notes)
    if "cross_user_write" in enabled and "secondary" not in users:
        notes.append("cross-user checks skipped: no second credential ([auth.secondary.headers])")
    return checks.findings, notes, sender.sent


def _credential_headers(document: Mapping[str, Any]) -> frozenset[str]:
    """The header names the spec's security schemes use (apiKey in header), lower case."""
    schemes = (document.get("components") or {}).get("securitySchemes") or document.get("securityDefinitions") or {}
    return frozenset(
        str(s.get("name", "")).lower()
        for s in schemes.values()
        if isinstance(s, dict) and s.get("type") == "apiKey" and s.get("in") == "header"
    )


def _written(described: frozenset[str], body: Any) -> frozenset[str]:
    """The fields a read-back is held to: those the spec describes for the read and the write sent. What the server
    computes by itself (prefect's `estimated_start_time_delta`, a count) is its business, not a lost update."""
    return described & frozenset(body) if isinstance(body, dict) else described


def _other_etag(etag: str) -> str:
    """`etag` with every digit and letter changed to another of its kind (`"1732848"` -> `"6287393"`, weak prefix and
    quotes kept): the same form, a value it never had."""
    weak, rest = ("W/", etag[2:]) if etag.startswith("W/") else ("", etag)
    out = []
    for char in rest:
        if char.isdigit():
            char = str((int(char) + 5) % 10)
        elif "a" <= char.lower() <= "z":
            base = ord("a") if char.islower() else ord("A")
            char = chr(base + (ord(char) - base + 13) % 26)
        out.append(char)
    changed = weak + "".join(out)
    return changed if changed != etag else STALE_ETAG


def _refused(sent: Sent) -> str:
    return f"it answered {sent.status} on a live resource"


def _changed_body(body: Any) -> Any:
    """The same body with one string field changed, to reuse an Idempotency-Key with different content."""
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, str):
                return {**body, key: value + "-apitest"}
            if isinstance(value, int) and not isinstance(value, bool):
                return {**body, key: value + 1}
    return None
