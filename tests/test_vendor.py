"""The vendored UI kit (make vendor): every file the pages load matches vendor.lock.json, each
package has its licence, and no page asks for anything from another origin."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "channelops" / "static" / "vendor"


def test_the_vendored_files_match_the_lock():
    result = subprocess.run(
        [sys.executable, "scripts/vendor.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_changed_vendored_file_fails_the_check(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import vendor
    finally:
        sys.path.pop(0)
    copy = tmp_path / "vendor"
    subprocess.run(["cp", "-r", str(VENDOR), str(copy)], check=True)
    (copy / "htmx" / "htmx.min.js").write_text("/* tampered */")
    monkeypatch.setattr(vendor, "VENDOR", copy)
    monkeypatch.setattr(vendor, "LOCK", copy / "vendor.lock.json")
    monkeypatch.setattr(vendor, "ROOT", tmp_path)
    problems = vendor.check()
    assert problems == ["vendor/htmx/htmx.min.js differs from vendor.lock.json (run make vendor)"]


def test_every_package_is_pinned_with_integrity_and_a_licence():
    lock = json.loads((VENDOR / "vendor.lock.json").read_text())
    assert set(lock["packages"]) == {"tabler", "htmx", "chartjs", "tabler-icons"}
    for name, entry in lock["packages"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), name
        assert entry["integrity"].startswith("sha512-"), name
        assert "LICENSE" in entry["files"], name
        assert (VENDOR / name / "LICENSE").read_text().strip(), name
        assert entry["license"] in {"MIT", "0BSD"}, name  # htmx is 0BSD


def test_the_base_layout_loads_only_local_assets(client, db):
    body = client.get("/").content.decode()
    for attr in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not attr.startswith(("http://", "https://", "//")), attr
