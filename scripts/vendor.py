"""Vendor the UI kit's compiled files from the npm registry (`make vendor`).

Downloads each pinned package's tarball from registry.npmjs.org, checks it against the
registry's published sha512 integrity, copies the files the pages use into
``channelops/static/vendor/<name>/`` with the package's licence, builds the icon sprite
from the icons listed in ICONS, and writes ``channelops/static/vendor/vendor.lock.json``
(versions, tarball integrity, sha256 of every copied file). The files are committed:
nothing is fetched when the product runs. ``tests/test_vendor.py`` checks the copied
files against the lock.

Usage: python scripts/vendor.py            # fetch and write
       python scripts/vendor.py --check    # offline: verify the files against the lock
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "channelops" / "static" / "vendor"
LOCK = VENDOR / "vendor.lock.json"
REGISTRY = "https://registry.npmjs.org"

# name -> (npm package, version, {path in tarball: path under vendor/<name>/}, licence file or None)
PACKAGES: dict[str, tuple[str, str, dict[str, str], str | None]] = {
    "tabler": (
        "@tabler/core",
        "1.6.1",
        {
            "package/dist/css/tabler.min.css": "tabler.min.css",
            "package/dist/js/tabler.min.js": "tabler.min.js",
        },
        None,  # the package ships no LICENSE file: MIT per package.json, text written below
    ),
    "htmx": ("htmx.org", "2.0.11", {"package/dist/htmx.min.js": "htmx.min.js"}, "package/LICENSE"),
    "chartjs": (
        "chart.js",
        "4.6.2",
        {"package/dist/chart.umd.min.js": "chart.umd.min.js"},
        "package/LICENSE.md",
    ),
    "tabler-icons": ("@tabler/icons", "3.54.0", {}, "package/LICENSE"),
}

# The outline icons the navigation and components use, built into one SVG sprite.
ICONS = sorted(
    {
        "alert-triangle",
        "arrow-left",
        "award",
        "bell",
        "briefcase",
        "building",
        "certificate",
        "chart-bar",
        "check",
        "checklist",
        "chevron-down",
        "circle-check",
        "clipboard-list",
        "download",
        "file-certificate",
        "file-text",
        "filter",
        "help",
        "home",
        "id-badge-2",
        "inbox",
        "key",
        "license",
        "lock",
        "logout",
        "mail",
        "menu-2",
        "news",
        "plus",
        "report",
        "school",
        "search",
        "settings",
        "shield-check",
        "signature",
        "target",
        "trash",
        "user",
        "users",
        "user-check",
        "world",
        "x",
        "layout-dashboard",
        "database",
        "calendar",
        "clock",
        "list-check",
        "hierarchy-2",
        "info-circle",
        "map-pin",
        "external-link",
        "pencil",
        "send",
        "refresh",
    }
)

MIT_TABLER = """MIT License (the licence field of @tabler/core's package.json; text from
https://github.com/tabler/tabler/blob/dev/LICENSE)

Copyright (c) 2018-2025 codecalm.net (Paweł Kuna)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 - fixed https registry URL
        return r.read()


def _sprite(tar: tarfile.TarFile) -> bytes:
    symbols = []
    for name in ICONS:
        member = tar.extractfile(f"package/icons/outline/{name}.svg")
        if member is None:
            raise SystemExit(f"icon {name!r} is not in @tabler/icons")
        svg = member.read().decode()
        body = re.sub(r"^.*?<svg[^>]*>|</svg>\s*$", "", svg, flags=re.S).strip()
        symbols.append(
            f'<symbol id="{name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-linecap="round" stroke-linejoin="round">{body}</symbol>'
        )
    return ('<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n").encode()


def vendor() -> None:
    lock: dict[str, object] = {"registry": REGISTRY, "packages": {}}
    for name, (pkg, version, files, licence) in PACKAGES.items():
        meta = json.loads(_fetch(f"{REGISTRY}/{pkg}/{version}"))
        tarball_url, integrity = meta["dist"]["tarball"], meta["dist"]["integrity"]
        data = _fetch(tarball_url)
        algo, _, digest = integrity.partition("-")
        if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != digest:
            raise SystemExit(
                f"{pkg}@{version}: the tarball does not match the registry's integrity {integrity}"
            )
        out = VENDOR / name
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, bytes] = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for src, dst in files.items():
                member = tar.extractfile(src)
                if member is None:
                    raise SystemExit(f"{pkg}@{version}: {src} is missing")
                written[dst] = member.read()
            if licence:
                member = tar.extractfile(licence)
                assert member is not None
                written["LICENSE"] = member.read()
            else:
                written["LICENSE"] = MIT_TABLER.encode()
            if name == "tabler-icons":
                written["sprite.svg"] = _sprite(tar)
        for dst, content in written.items():
            (out / dst).write_bytes(content)
        lock["packages"][name] = {  # type: ignore[index]
            "package": pkg,
            "version": version,
            "license": meta.get("license"),
            "tarball": tarball_url,
            "integrity": integrity,
            "files": {dst: _sha256(content) for dst, content in sorted(written.items())},
            **({"icons": ICONS} if name == "tabler-icons" else {}),
        }
        print(f"{pkg}@{version}: {len(written)} files -> {out.relative_to(ROOT)}")
    LOCK.write_text(json.dumps(lock, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {LOCK.relative_to(ROOT)}")


def check() -> list[str]:
    """Problems with the vendored files against the lock (an empty list: all match)."""
    problems = []
    lock = json.loads(LOCK.read_text())
    for name, entry in lock["packages"].items():
        for dst, digest in entry["files"].items():
            path = VENDOR / name / dst
            if not path.exists():
                problems.append(f"{path.relative_to(ROOT)} is missing (run make vendor)")
            elif _sha256(path.read_bytes()) != digest:
                problems.append(f"{path.relative_to(ROOT)} differs from vendor.lock.json (run make vendor)")
    return problems


if __name__ == "__main__":
    if "--check" in sys.argv:
        found = check()
        print("\n".join(found) or "vendored files match vendor.lock.json")
        sys.exit(1 if found else 0)
    vendor()
