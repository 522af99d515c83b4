"""`python -m apitest`: the same as the `apitest` command."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
