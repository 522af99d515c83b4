"""A locustfile to copy: readers of a REST catalogue, with the API key from the environment.

Point a suite at it with `locustfile = "loadtests/catalogue.py"` under `[load]` (or `[load.NAME]`); apitest sets
the host, the users over time (the profile's shape) and the gates. Run it alone with
`locust -f loadtests/catalogue.py --headless -u 10 -r 10 -t 30s -H http://127.0.0.1:8000`.

Name every request after its endpoint (`name="GET /v1/books/{book_id}"`): the name is what per-endpoint SLOs
(`[load.NAME.slo."GET /v1/books/{book_id}"]`) and the report refer to, and one name per endpoint keeps ids out
of the statistics. FastHttpUser makes about 3x the requests per CPU of HttpUser, and adds less to latency.
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, between, task

API_KEY = os.environ.get("API_KEY", "demo-key")
IDS = (1, 2, 3)  # ids that exist on the target: reading missing ones measures 404s


class Reader(FastHttpUser):
    wait_time = between(0.5, 1.5)  # think time; for a fixed rate of requests use shape = "arrival" instead

    def on_start(self) -> None:
        self.headers = {"X-API-Key": API_KEY}

    @task(3)
    def list_books(self) -> None:
        self.client.get("/v1/books?limit=20", headers=self.headers, name="GET /v1/books")

    @task(6)
    def get_book(self) -> None:
        self.client.get(f"/v1/books/{random.choice(IDS)}", headers=self.headers, name="GET /v1/books/{book_id}")

    @task(1)
    def rate_limited_stats(self) -> None:
        # A 429 from a rate-limited endpoint is the API working as documented: do not count it as a failure.
        with self.client.get("/v1/stats", headers=self.headers, name="GET /v1/stats", catch_response=True) as response:
            if response.status_code == 429:
                response.success()
