"""`apitest contracts check --spec NEW_SPEC PACTS...`: can this provider version ship?

Cross-checks every consumer's pacts against a candidate spec (a file, not yet deployed) and prints, per consumer,
which interactions would break. Exit status 0: nothing breaks (warnings are shown); 1: some interaction would
break; 4: the spec or a pact cannot be read, or the command line is wrong.

    apitest contracts check --spec openapi.yaml pacts/
    apitest contracts check --spec openapi.yaml --provider bookstore --strict pacts/*.json
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..errors import ApitestError, ConfigError, did_you_mean
from ..spec import load_document
from .crosscheck import SpecIndex
from .gaps import CrossCheck
from .pactfile import PactDocument, read_pact_file

USAGE = """\
usage: apitest contracts check --spec SPEC [--provider NAME] [--strict] PACT [PACT ...]

Can this provider version ship? Cross-checks every consumer's pacts (files, or folders of *.json) against SPEC,
a candidate OpenAPI document, and prints per consumer which interactions would break.

  --spec SPEC       the candidate OpenAPI document (a path, or a URL)
  --provider NAME   check only the pacts whose provider has this name
  --strict          warnings (gaps that only weaken a contract) break too

Exit status: 0 nothing breaks, 1 some interaction would break, 4 a file cannot be read or a usage error."""


@dataclass(slots=True)
class Options:
    spec: str = ""
    provider: str | None = None
    strict: bool = False
    pacts: list[str] = field(default_factory=list)


def main(args: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, file=out)
        return 0 if args else 4
    if args[0] != "check":
        raise ConfigError(
            f"contracts takes the subcommand 'check', not {args[0]!r}.{did_you_mean(args[0], ['check'])} "
            "See `apitest contracts --help`."
        )
    if any(a in ("-h", "--help") for a in args[1:]):
        print(USAGE, file=out)
        return 0
    options = _parse(args[1:])
    index = SpecIndex(load_document(options.spec))
    documents, unreadable = _read(options.pacts)
    for problem in unreadable:
        print(f"ERROR: apitest: {problem}", file=err)
    chosen = [d for d in documents if options.provider is None or d.provider == options.provider]
    if options.provider is not None and documents and not chosen:
        names = sorted({d.provider for d in documents})
        raise ConfigError(
            f"--provider {options.provider!r} matches no pact; the pacts name {', '.join(map(repr, names))}."
            f"{did_you_mean(options.provider, names)}"
        )
    breaking = report(index, options, chosen, out)
    if unreadable:
        return 4
    return 1 if breaking else 0


def _parse(args: list[str]) -> Options:
    options = Options()
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        name, has_value, value = arg.partition("=")
        if name in ("--spec", "--provider"):
            if not has_value:
                if not rest or rest[0].startswith("--"):
                    raise ConfigError(f"{name} needs a value. See `apitest contracts --help`.")
                value = rest.pop(0)
            if name == "--spec":
                options.spec = value
            else:
                options.provider = value
        elif arg == "--strict":
            options.strict = True
        elif arg.startswith("-"):
            hint = did_you_mean(name, ["--spec", "--provider", "--strict"]) or " See `apitest contracts --help`."
            raise ConfigError(f"contracts check: unknown option {name}.{hint}")
        else:
            options.pacts.append(arg)
    if not options.spec:
        raise ConfigError("contracts check needs --spec SPEC, the candidate OpenAPI document.")
    if not options.pacts:
        raise ConfigError("contracts check needs at least one pact file or folder.")
    return options


def _read(sources: list[str]) -> tuple[list[PactDocument], list[ApitestError]]:
    documents: list[PactDocument] = []
    problems: list[ApitestError] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files = sorted(path.glob("*.json"))
            if not files:
                problems.append(ConfigError(f"{source}: no *.json pact files in this folder."))
        elif path.is_file():
            files = [path]
        else:
            problems.append(ConfigError(f"{source}: no such pact file or folder."))
            continue
        for file in files:
            try:
                documents.append(read_pact_file(file))
            except ApitestError as exc:
                problems.append(exc)
    return documents, problems


def report(index: SpecIndex, options: Options, documents: list[PactDocument], out: TextIO) -> int:
    """Prints the verdict per consumer; returns how many interactions would break."""
    by_consumer: dict[str, list[PactDocument]] = defaultdict(list)
    for document in documents:
        by_consumer[document.consumer].append(document)
    total = sum(len(d.interactions) for d in documents)
    print(
        f"apitest contracts check: {options.spec} against {len(documents)} pact(s) of {len(by_consumer)} "
        f"consumer(s), {total} HTTP interaction(s)",
        file=out,
    )
    breaking = broken_consumers = 0
    for consumer in sorted(by_consumer):
        results: list[tuple[PactDocument, str, CrossCheck]] = [
            (d, i.description, index.check(i)) for d in by_consumer[consumer] for i in d.interactions
        ]
        breaks = [r for r in results if _breaks(r[2], options.strict)]
        warned = sum(1 for _, _, r in results if r.gaps and not _breaks(r, options.strict))
        providers = ", ".join(sorted({d.provider for d in by_consumer[consumer]}))
        state = (
            f"{len(breaks)} of {len(results)} interaction(s) would break"
            if breaks
            else f"all {len(results)} interaction(s) hold"
        )
        print(f"\n{consumer} → {providers}: {state}" + (f" ({warned} with warnings)" if warned else ""), file=out)
        for document, description, result in results:
            broken = _breaks(result, options.strict)
            label = "BREAKS " if broken else ("warning" if result.gaps else "ok     ")
            print(
                f"  {label} {description} ({result.operation or 'no documented operation'}) [{document.source}]",
                file=out,
            )
            for gap in result.gaps:
                where = " ".join(p for p in (gap.pact_path, gap.spec_path) if p)
                print(f"          [{gap.severity.value}] {gap.title} ({where})", file=out)
        for document in by_consumer[consumer]:
            for other in document.others:
                print(f"  skipped {other.description}: {other.reason}", file=out)
        breaking += len(breaks)
        broken_consumers += bool(breaks)
    if breaking:
        print(
            f"\nresult: {breaking} interaction(s) of {broken_consumers} consumer(s) would break: this spec cannot ship.",
            file=out,
        )
    else:
        print("\nresult: no interaction would break: this spec can ship.", file=out)
    return breaking


def _breaks(result: CrossCheck, strict: bool) -> bool:
    return result.verdict == "error" or (strict and bool(result.gaps))
