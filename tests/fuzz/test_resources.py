"""What the follow-up checks compare and where they find a created resource's id (real cases from the audits of
prefect and kinto, docs/audit.md)."""

from __future__ import annotations

from apitest.fuzz import resources
from apitest.fuzz.resources import ItemResource

BUCKET = ItemResource("/buckets/{id}", "id", "/buckets", "POST /buckets", ("GET /buckets/{id}",), {})


def test_a_nested_object_agrees_when_what_both_hold_agrees():
    # prefect fills a trigger's defaults and mints its id: what the client sent is still all there
    sent = {"name": "a", "trigger": {"posture": "Reactive"}}
    read = {"name": "a", "trigger": {"posture": "Reactive", "type": "event", "id": "9f1c"}}
    assert resources.differences(sent, read) == []
    twice = resources.differences(
        {"trigger": {"posture": "Reactive", "id": "1"}}, {"trigger": {"posture": "Reactive", "id": "2"}}
    )
    assert twice == []
    lost = resources.differences({"trigger": {"posture": "Reactive"}}, {"trigger": {"posture": "Proactive"}})
    assert lost == [("trigger", {"posture": "Reactive"}, {"posture": "Proactive"})]
    assert resources.differences({"id": 1}, {"id": 2}) == [("id", 1, 2)]  # a top-level id still counts


def test_only_the_described_fields_are_compared():
    assert resources.differences({"a": 1, "b": 2}, {"a": 3, "b": 4}, only={"b"}) == [("b", 2, 4)]


def test_a_created_id_is_found_inside_a_data_envelope():
    assert resources.created_id(BUCKET, {}, {"data": {"id": "x1"}, "permissions": {}}) == "x1"
    assert resources.created_id(BUCKET, {}, {"id": "top"}) == "top"
    assert resources.created_id(BUCKET, {"location": "/buckets/b7"}, {}) == "b7"
    assert resources.created_id(BUCKET, {}, {"data": [1]}) is None


def test_resources_are_found_deepest_first_with_a_creator_written_with_a_trailing_slash():
    item = {"get": {}, "delete": {}}
    doc = {
        "paths": {
            "/work_pools/": {"post": {}},
            "/work_pools/{name}": item,
            "/work_pools/{name}/queues": {"post": {}},
            "/work_pools/{name}/queues/{queue}": item,
        }
    }
    found = resources.item_resources(doc)
    # the queues are checked before their pool is deleted by its own checks
    assert [r.template for r in found] == ["/work_pools/{name}/queues/{queue}", "/work_pools/{name}"]
    assert [r.creator for r in found] == ["POST /work_pools/{name}/queues", "POST /work_pools/"]


def test_a_resource_knows_the_one_it_sits_below_whatever_its_parameters_are_called():
    # kinto names a bucket's id `id` at /buckets/{id} and `bucket_id` below it
    kinto = {
        "paths": {
            "/buckets": {"post": {}},
            "/buckets/{id}": {"get": {}},
            "/buckets/{bucket_id}/collections": {"post": {}},
            "/buckets/{bucket_id}/collections/{id}": {"get": {}},
            "/buckets/{bucket_id}/collections/{collection_id}/records/{id}": {"get": {}},
            "/buckets/{bucket_id}/history/{id}": {"get": {}},
        }
    }
    found = {r.template: r for r in resources.item_resources(kinto)}
    bucket = found["/buckets/{id}"]
    collection = found["/buckets/{bucket_id}/collections/{id}"]
    assert resources.parent(bucket, list(found.values())) is None
    assert resources.parent(collection, list(found.values())) == (bucket, {"id": "bucket_id"})
    record = found["/buckets/{bucket_id}/collections/{collection_id}/records/{id}"]
    assert resources.parent(record, list(found.values())) == (
        collection,
        {"bucket_id": "bucket_id", "id": "collection_id"},
    )
    # a path below no resource of the spec: no parent to make
    assert resources.parent(found["/buckets/{bucket_id}/history/{id}"], [collection]) is None
