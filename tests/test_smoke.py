"""The app starts and serves its home page and health check."""


def test_home_and_health(client):
    assert client.get("/").status_code == 200
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok"
