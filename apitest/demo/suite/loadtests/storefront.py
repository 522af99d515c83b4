"""Storefront traffic for the demo bookstore: shoppers browse the catalogue, open books and check their orders.

apitest runs it with the demo suite's `[load.burst]` profile; run it alone against a served demo with
`locust -f loadtests/storefront.py --headless -u 10 -r 10 -t 20s -H http://127.0.0.1:8701`.
GET /v1/stats is left out on purpose: it is rate-limited per key (429 by design), and a
load test of it would measure the limiter, not the service.
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, between, task


class Shopper(FastHttpUser):
    wait_time = between(0.1, 0.3)

    def on_start(self) -> None:
        self.headers = {"X-API-Key": os.environ.get("APITEST_DEMO_KEY", "demo-key")}
        # An order of our own to come back to: the fuzzer may cancel the seeded ones while we run.
        response = self.client.post(
            "/v1/orders", json={"book_id": 1, "quantity": 1}, headers=self.headers, name="POST /v1/orders"
        )
        self.order_id = response.json()["id"] if response.status_code == 201 else None

    @task(4)
    def browse(self) -> None:
        offset = random.choice((0, 0, 0, 20))
        self.client.get(f"/v1/books?limit=20&offset={offset}", headers=self.headers, name="GET /v1/books")

    @task(6)
    def open_book(self) -> None:
        self.client.get(f"/v1/books/{random.randint(1, 3)}", headers=self.headers, name="GET /v1/books/{book_id}")

    @task(2)
    def my_orders(self) -> None:
        self.client.get("/v1/orders?limit=10", headers=self.headers, name="GET /v1/orders")

    @task(2)
    def my_order(self) -> None:
        if self.order_id is not None:
            self.client.get(f"/v1/orders/{self.order_id}", headers=self.headers, name="GET /v1/orders/{order_id}")

    @task(1)
    def health(self) -> None:
        self.client.get("/health", name="GET /health")
