"""The live resource each follow-up check works on, and the path parameters that name it.

Made now wherever the spec and the engine run allow: a creation the API accepted during the engine run (a POST to the
collection, or a PUT to the item that answered 201) is sent again, as it was and with one field nudged, so that a
finding's requests hold everything they need and `apitest replay` can send them to a fresh server. A resource below
another (`/buckets/{bucket_id}/collections/{id}`) is made under the parents the engine made it under; where that is
refused (the engine's stateful phase deleted them), under a parent made now the same way, once, and held for every
resource below it for the rest of the run: its creation heads the requests of each finding made under it. Else, one
the engine made that is still alive. A resource whose creation is refused `ATTEMPTS` times in a row is not tried
again in the run; what stood in the way is the reason the checks that needed it give in their note (_skips.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import resources
from ._exemplars import Exemplar, Exemplars, variants
from ._sender import Sender, Sent, Trail
from ._skips import NO_READER, Skip
from .resources import ItemResource

if TYPE_CHECKING:
    from ._sender import Case

ATTEMPTS = 3  # creations of one resource refused in a row before it is not tried again in the run
CANDIDATES = 6  # ids of the engine's tried per resource, its most recent first
Parent = tuple[ItemResource, dict[str, str]]  # resources.parent(): the resource above, and its parameters' names


@dataclass(slots=True)
class Made:
    """One creation sent: its answer, the id it made (None if refused), and the requests that made the resource (those
    of a held parent first)."""

    sent: Sent
    id: str | None
    steps: list[Sent]


class Supply:
    """Live resources for the follow-up checks; every request goes through `send`, onto the current check's trail."""

    def __init__(
        self,
        sender: Sender,
        exemplars: Exemplars,
        items: Sequence[ItemResource],
        trail: Trail,
        send: Callable[[Case], Sent],
    ) -> None:
        self.sender = sender
        self.exemplars = exemplars
        self.items = items
        self.trail = trail
        self._send = send
        # The parents' path parameters each id was made or read under, so every request on it names the same parents.
        self._parents: dict[tuple[str, str], dict[str, Any]] = {}
        self._refused: dict[str, int] = {}  # resource template -> its creations refused in a row
        self._why: dict[str, str] = {}  # resource template -> why its last creation was refused
        self._orphans: set[str] = set()  # resources made under a held parent: the engine's parents are gone
        self._held: dict[str, Made] = {}  # parent template -> the one made to hold what is below it
        self._gone: set[tuple[str, str]] = set()  # ids of the engine's read back as gone

    def path(self, resource: ItemResource, target: str) -> dict[str, Any]:
        """The path parameters that name `target`: its own, and its parents' as it was made or read under (else as
        any request the engine sent on the resource named them)."""
        parents = self._parents.get((resource.template, target))
        if parents is None:
            labels = (resource.creator, *resource.readers, *resource.writers.values())
            found = (e.case.path_parameters for label in labels for e in self.exemplars.of(label))
            parents = next((dict(p) for p in found if p), {})
        return {**parents, resource.param: target}

    def alive(self, resource: ItemResource) -> tuple[str, Sent]:
        """An id of the resource that exists now, and its read (2xx): one made now, else one the engine made."""
        reader = resource.reader
        if reader is None:
            raise Skip(NO_READER)
        try:
            return self.made(resource, mark=False)
        except Skip as unmade:
            why = unmade.reason
        candidates = self._candidates(resource)
        for target in candidates:
            read = self._send(self.sender.case(reader, path_parameters=self.path(resource, target)))
            if 200 <= read.status < 300:
                return target, read
            self._gone.add((resource.template, target))
        if not candidates and not any(template == resource.template for template, _ in self._gone):
            raise Skip(f"the engine run gave no id of one to work on, and {why}")
        raise Skip(f"none of those the engine made was still there, and {why}")

    def made(self, resource: ItemResource, *, mark: bool = True) -> tuple[str, Sent]:
        """A resource made now, and its read (2xx); with `mark`, with a string field marked so that its values are
        recognisable."""
        reader = resource.reader
        if reader is None:
            raise Skip(NO_READER)
        for label, exemplar in self._creations(resource):
            for variant in variants(exemplar, mark=mark):
                made = self.create(resource, label, variant)
                if made.id is None:
                    continue
                read = self._send(self.sender.case(reader, path_parameters=self.path(resource, made.id)))
                if 200 <= read.status < 300:
                    return made.id, read
                self._refuse(resource, f"reading what its creation made answered {read.status}")
        raise Skip(self.why_not(resource))

    def create(self, resource: ItemResource, label: str, exemplar: Exemplar) -> Made:
        """`exemplar`, a creation of `resource` (`label`), sent again under the parents it named; refused there, under
        a parent made now. Raises Skip once the resource's creations have been refused ATTEMPTS times in a row."""
        template = resource.template
        if self._refused.get(template, 0) >= ATTEMPTS:
            raise Skip(self._why[template])
        above = resources.parent(resource, self.items)
        params = dict(exemplar.case.path_parameters or {})
        held = self._hold(above, params) if above is not None and template in self._orphans else []
        made = self._create(resource, label, exemplar, params, held)
        if made.id is None and above is not None and template not in self._orphans:
            try:
                held = self._hold(above, params)
            except Skip as exc:
                self._refuse(resource, f"{_refusal(made.sent)}, and {exc.reason}")
                raise Skip(self._why[template]) from None
            made = self._create(resource, label, exemplar, params, held)
            if made.id is not None:
                self._orphans.add(template)
        if made.id is None:
            if held and above is not None:
                self._held.pop(above[0].template, None)  # perhaps gone since: the next creation makes another
            self._refuse(resource, _refusal(made.sent))
        return made

    def _create(
        self, resource: ItemResource, label: str, exemplar: Exemplar, params: dict[str, Any], held: list[Sent]
    ) -> Made:
        sent = self._send(self.sender.case(label, like=exemplar.case, path_parameters=params))
        made_id = None
        if 200 <= sent.status < 300:
            made_id = resources.created_id(resource, sent.headers, sent.body)
            if made_id is None and label.startswith("PUT ") and params.get(resource.param) is not None:
                made_id = str(params[resource.param])  # a PUT names what it makes
        if made_id is not None:
            self._refused[resource.template] = 0
            self._parents[(resource.template, made_id)] = {k: v for k, v in params.items() if k != resource.param}
        return Made(sent, made_id, [*held, sent])

    def _hold(self, above: Parent, params: dict[str, Any]) -> list[Sent]:
        """Name in `params` a parent made now (once, then held for the run); the requests that made it, which the
        current check relies on."""
        parent, names = above
        held = self._held.get(parent.template)
        if held is None:
            held = self._held[parent.template] = self._make_parent(parent)
        assert held.id is not None
        self.trail.rely_on(held.steps)
        for name, value in self.path(parent, held.id).items():
            if name in names:
                params[names[name]] = value
        return held.steps

    def _make_parent(self, parent: ItemResource) -> Made:
        try:
            for label, exemplar in self._creations(parent):
                for variant in variants(exemplar):
                    made = self.create(parent, label, variant)
                    if made.id is not None:
                        return made
        except Skip as exc:
            raise Skip(f"its parent {parent.template} could not be made: {exc.reason}") from None
        raise Skip(f"its parent {parent.template} could not be made: {self.why_not(parent)}")

    def why_not(self, resource: ItemResource) -> str:
        """Why no resource could be made: the last refusal, else what the spec or the engine run lacks."""
        return self._why.get(resource.template) or self._uncreatable(resource)

    def _creations(self, resource: ItemResource) -> list[tuple[str, Exemplar]]:
        """The engine's accepted creations of `resource`: its POSTs to the collection, then its PUTs that made one."""
        found = [(resource.creator, e) for e in self.exemplars.of(resource.creator)] if resource.creator else []
        put = resource.writers.get("PUT")
        if put is not None:
            found += [(put, e) for e in self.exemplars.of(put) if e.status == 201]
        return found

    def _uncreatable(self, resource: ItemResource) -> str:
        if resource.creator is None and "PUT" not in resource.writers:
            return f"the spec documents no POST {resource.collection} and no PUT {resource.template} to create one"
        return "the engine run had no accepted creation of it to re-send"

    def _refuse(self, resource: ItemResource, why: str) -> None:
        self._refused[resource.template] = self._refused.get(resource.template, 0) + 1
        self._why[resource.template] = why

    def _candidates(self, resource: ItemResource) -> list[str]:
        ids: list[str] = []
        if resource.creator is not None:
            for exemplar in self.exemplars.of(resource.creator):
                made = resources.created_id(resource, exemplar.headers, exemplar.body)
                if made is not None:
                    ids.append(made)
                    self._parents.setdefault((resource.template, made), _parents_of(exemplar, resource))
        for label in (*resource.readers, *resource.writers.values()):
            for exemplar in self.exemplars.of(label):
                value = (exemplar.case.path_parameters or {}).get(resource.param)
                if value is not None:
                    ids.append(str(value))
                    self._parents.setdefault((resource.template, str(value)), _parents_of(exemplar, resource))
        # most recent first: the engine's last creations are least likely to have been deleted since
        fresh = [i for i in dict.fromkeys(reversed(ids)) if (resource.template, i) not in self._gone]
        return fresh[:CANDIDATES]


def _parents_of(exemplar: Exemplar, resource: ItemResource) -> dict[str, Any]:
    return {k: v for k, v in (exemplar.case.path_parameters or {}).items() if k != resource.param}


def _refusal(sent: Sent) -> str:
    if 200 <= sent.status < 300:
        return f"its creation answered {sent.status} without an id apitest could find"
    return f"re-sending its creation answered {sent.status}"
