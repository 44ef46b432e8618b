def test_healthz_answers_without_the_database(client):
    # No `db` fixture: any database access would raise, so this proves liveness needs none.
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_readyz_checks_database_and_queue(client, db):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"database": "ok", "queue": "ok"}
