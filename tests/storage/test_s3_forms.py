"""S3's POST form uploads against an S3 that enforces their policy (SeaweedFS: MinIO's checks; see
tests/fixtures/seaweed.py): the form of ``presign_upload`` takes its key, its content type and its
exact size, until it expires, and nothing else; the store itself refuses the rest and keeps
nothing of it. moto checks none of this (tests/storage/test_s3.py reads the policy instead)."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from storage import ObjectChanged, S3ObjectStore, read_bytes
from tests.fixtures.s3server import post_form

pytestmark = pytest.mark.asyncio

StoreFactory = Callable[..., S3ObjectStore]


async def test_the_form_takes_exactly_its_object(seaweed_store: StoreFactory) -> None:
    store = seaweed_store()
    body = os.urandom(70_000)
    form = await store.presign_upload("bid-uploads/a/direct", size=len(body), expires=timedelta(minutes=5))
    for wrong, code in ((body + b"x", "EntityTooLarge"), (body[:-1], "EntityTooSmall")):
        refused = post_form(form.url, form.fields, wrong)
        assert (refused.status_code, code in refused.text) == (400, True), refused.text
        assert not await store.exists("bid-uploads/a/direct")  # nothing of it was kept
    sent = post_form(form.url, form.fields, body)
    assert sent.status_code == 204, sent.text
    assert sent.headers["etag"].strip('"') == (await store.stat("bid-uploads/a/direct")).etag
    assert await read_bytes(store, "bid-uploads/a/direct") == body
    # The same form again, of the right size, overwrites: it cannot be revoked before it expires.
    again = post_form(form.url, form.fields, body[::-1])
    assert again.status_code == 204, again.text


async def test_the_form_takes_no_other_key_or_content_type(seaweed_store: StoreFactory) -> None:
    store = seaweed_store()
    form = await store.presign_upload("up/mine", size=10, expires=timedelta(minutes=5), content_type="x/bid")
    for field, value in (("key", "up/other"), ("Content-Type", "text/html")):
        refused = post_form(form.url, {**form.fields, field: value}, b"0123456789")
        assert refused.status_code == 403 and "AccessDenied" in refused.text, refused.text
    assert not await store.exists("up/other") and not await store.exists("up/mine")


async def test_an_expired_or_altered_form_is_refused(seaweed_store: StoreFactory) -> None:
    store = seaweed_store()
    form = await store.presign_upload("up/late", size=3, expires=timedelta(seconds=1))
    policy = json.loads(base64.b64decode(form.fields["policy"]))
    policy["conditions"] = [
        ["content-length-range", 0, 10**9] if c[0] == "content-length-range" else c for c in policy["conditions"]
    ]
    altered = {**form.fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    refused = post_form(form.url, altered, b"bigger than three")
    assert refused.status_code == 403, refused.text  # the signature covers the policy
    time.sleep(2.1)
    expired = post_form(form.url, form.fields, b"abc")
    assert expired.status_code == 403, expired.text
    assert not await store.exists("up/late")


async def test_reads_bound_to_an_etag_refuse_a_later_write(seaweed_store: StoreFactory) -> None:
    """Without versioning (this bucket), a read bound to the object a completion found refuses what
    a still valid form wrote since."""
    store = seaweed_store()
    form = await store.presign_upload("up/bound", size=5, expires=timedelta(minutes=5))
    assert post_form(form.url, form.fields, b"first").status_code == 204
    found = await store.stat("up/bound")
    assert found.etag
    assert post_form(form.url, form.fields, b"later").status_code == 204
    with pytest.raises(ObjectChanged):
        b"".join([chunk async for chunk in store.open("up/bound", if_match=found.etag)])
