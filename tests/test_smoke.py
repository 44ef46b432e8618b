def test_healthz_answers_without_the_database(client):
    # No `db` fixture: any database access would raise, so this proves liveness needs none.
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_readyz_checks_database_and_queue(client, db):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"database": "ok", "queue": "ok"}


def test_the_site_icon_is_served_so_no_page_asks_for_a_missing_favicon(client, db):
    # Browsers ask for /favicon.ico on pages that name no icon (the data console, API docs).
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/vnd.microsoft.icon"
    assert resp.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age=" in resp["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200
    # The product's own pages name both icons, and the SVG one is served by the static files.
    home = client.get("/").content.decode()
    assert 'rel="icon" href="/static/channelops/favicon.svg"' in home
    assert 'href="/favicon.ico"' in home
