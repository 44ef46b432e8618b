"""Screenshots of pages of a running demo server, for reviewing the UI (a developer tool, not a test).

Start the demo first:
    CHANNELOPS_VAR_DIR=/tmp/demo CHANNELOPS_DEMO=true .venv/bin/channelops run --addr 127.0.0.1:8765 --partners 10
then:
    SHOT_BASE=http://127.0.0.1:8765 .venv/bin/python scripts/shot.py EMAIL PREFIX PATH [PATH...]

Signs in as EMAIL (demo password; staff with the demo TOTP secret), screenshots each path at 1280
and 390 px wide into $SHOT_DIR (default /tmp/shots) as PREFIX-N-desk.png / PREFIX-N-phone.png and
prints the status, CSP violations, console errors and any sideways scrolling at 390 px.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("SHOT_BASE", "http://127.0.0.1:8765")
OUT = Path(os.environ.get("SHOT_DIR", "/tmp/shots"))  # noqa: S108 - a developer's scratch folder
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WATCH = (
    "window.__csp=[];document.addEventListener('securitypolicyviolation',"
    "e=>window.__csp.push(e.violatedDirective+' '+e.blockedURI))"
)


def totp(secret: str) -> str:
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, "sha1").digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1000000:06d}"


def main(email: str, prefix: str, paths: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        state = None
        for width, tag in ((1280, "desk"), (390, "phone")):
            ctx = browser.new_context(viewport={"width": width, "height": 900}, storage_state=state)
            ctx.add_init_script(WATCH)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            if state is None:
                page.goto(BASE + "/accounts/login/")
                page.fill("#id_login", email)
                page.fill("#id_password", "demo-password-1")
                page.click("form[action='/accounts/login/'] button[type=submit]")
                if "2fa" in page.url or "authenticate" in page.url:
                    secret = base64.b32encode(
                        hashlib.sha256(("channelops-demo:" + email).encode()).digest()[:20]
                    )
                    page.fill("input[name=code]", totp(secret.decode()))
                    page.get_by_role("button", name="Sign In").click()
                state = ctx.storage_state()
            for i, path in enumerate(paths):
                errors.clear()
                response = page.goto(BASE + path)
                page.wait_for_timeout(300)
                out = OUT / f"{prefix}-{i}-{tag}.png"
                page.screenshot(path=str(out), full_page=True)
                scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                overflow = " OVERFLOW" if scroll > inner else ""
                status = response.status if response else "?"
                csp = page.evaluate("window.__csp")
                print(
                    f"{tag} {path} -> {status} {out} scroll={scroll}/{inner}{overflow} csp={csp} errors={errors[:3]}"
                )
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
