"""open_store(): one URL setting selects and configures the backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import LocalObjectStore, S3ObjectStore, open_store

KEY = b"factory-test-signing-key-0123456"


def make(url: str, **kwargs: int) -> object:
    return open_store(url, signing_key=KEY, base_url="http://127.0.0.1:8000", **kwargs)


def test_file_url_absolute(tmp_path: Path) -> None:
    store = make(f"file://{tmp_path}/objects")
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "objects" and store.backend == "local"
    assert (tmp_path / "objects" / "objects").is_dir()
    assert isinstance(make(f"file:{tmp_path}/x"), LocalObjectStore)
    assert isinstance(make(f"file://localhost{tmp_path}/y"), LocalObjectStore)


def test_file_url_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = make("file:var/objects")
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "var" / "objects"


def test_s3_url() -> None:
    store = make("s3://AKIA%2Bkey:se%2Fcret@minio.internal:9000/bids?secure=false&region=cn-east-1", part_size=32 << 20)
    assert isinstance(store, S3ObjectStore)
    assert (store.endpoint, store.bucket, store.secure, store.region, store.part_size) == (
        "minio.internal:9000",
        "bids",
        False,
        "cn-east-1",
        32 << 20,
    )
    assert store.backend == "s3"
    store.close()


def test_minio_alias_and_defaults() -> None:
    store = make("minio://key:secret@s3.example.cn/bucket-1?public_endpoint=https://files.example.cn")
    assert isinstance(store, S3ObjectStore)
    assert (store.endpoint, store.secure, store.region, store.part_size) == (
        "s3.example.cn",
        True,
        None,
        16 << 20,
    )
    assert store.public_endpoint == "https://files.example.cn"
    store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("ftp://host/x", "unknown scheme 'ftp'"),
        ("/var/objects", "unknown scheme '(none)'"),
        ("file://otherhost/x", "cannot name a host"),
        ("file:", "missing directory"),
        ("file:///x?y=1", "no query"),
        ("s3://minio:9000/bucket", "missing credentials"),
        ("s3://:secret@minio:9000/bucket", "missing access key"),
        ("s3://key@minio:9000/bucket", "missing secret key"),
        ("s3://key:@minio:9000/bucket", "missing secret key"),
        ("s3://key:secret@/bucket", "missing host"),
        ("s3://key:secret@minio:9000", "missing bucket"),
        ("s3://key:secret@minio:9000/", "missing bucket"),
        ("s3://key:secret@minio:9000/a/b", "just the bucket"),
        ("s3://key:secret@minio:99999/bucket", "port"),
        ("s3://key:secret@minio:9000/Bad_Bucket", "bucket name"),
        ("s3://key:secret@minio:9000/bucket?secure=maybe", "secure='maybe'"),
        ("s3://key:secret@minio:9000/bucket?sekure=false", "unknown parameter(s) sekure"),
        ("s3://key:secret@minio:9000/bucket?secure=true&secure=false", "given 2 times"),
        ("s3://key:secret@minio:9000/bucket?region=", "region is empty"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        make(url)
    assert "secret" not in str(err.value).replace("secret key", "")  # credentials never echoed


def test_bad_part_size() -> None:
    with pytest.raises(ValueError, match="part_size"):
        make("s3://key:secret@minio:9000/bucket", part_size=1 << 20)
