"""The embedded demo API: a small bookstore service, correct (`app`) or with planted bugs (`buggy_app`).

`apitest.demo.app` builds both; `apitest.demo.bugs` catalogues what the buggy one gets wrong.
"""

from __future__ import annotations
