"""The S3-compatible backend, against moto's standalone server (started
here on a free loopback port; skipped when moto[server] is not installed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench._common import free_port, wait_for_port
from cms.services.media_library import delete_upload, store_upload
from cms.services.media_store import S3Store, media_store
from tests.factories import make_user
from tests.media import crafted

pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")

BUCKET = "cms-media"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **CREDENTIALS},
    )
    try:
        wait_for_port(port, "moto server")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def app_config(app_config, s3_endpoint, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    app_config["MEDIA_URL"] = (
        f"s3://{BUCKET}/site-a?endpoint={s3_endpoint}&region=us-east-1"
    )
    yield app_config
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def test_an_upload_round_trips_through_s3(media_app):
    store = media_store()
    assert isinstance(store, S3Store)
    owner = make_user()

    media = store_upload(crafted.photo_with_gps(1, size=(1000, 500)), owner.id).media

    keys = sorted(store.keys())
    assert media.key in keys and len(keys) == 5  # original, 480 and 960 x 2
    listed = store.client.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert all(item["Key"].startswith("site-a/") for item in listed)
    head = store.client.head_object(Bucket=BUCKET, Key=f"site-a/{media.key}")
    assert head["ContentType"] == "image/jpeg"

    client = media_app.test_client()
    served = client.get(f"/media/{media.key}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.data == store.get(media.key)
    assert crafted.gps_of(served.data) == {}
    assert "immutable" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    small = client.get(f"/media/{media.key[:-4]}-480.webp")
    assert small.status_code == 200 and small.mimetype == "image/webp"

    assert delete_upload(media.id, owner) is True
    assert list(store.keys()) == []
    assert client.get(f"/media/{media.key}").status_code == 404
