"""Public test data shipped with the tests (see README.md here for sources and licences)."""

from __future__ import annotations

import lzma
from pathlib import Path

DATA = Path(__file__).parent


def stripe_spec(folder: Path) -> Path:
    """Stripe's OpenAPI document (452 operations), decompressed into `folder`."""
    path = folder / "stripe.json"
    path.write_bytes(lzma.decompress((DATA / "specs" / "stripe.json.xz").read_bytes()))
    return path
