"""axe-core for the browser tests: the npm package's own ``axe.min.js``, fetched once from the
npm registry (pinned version and sha512 integrity, as ``npm install`` checks it) into
``.venv/`` and run in the page; no CDN. WCAG 2.1 A and AA rules only."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFoo"
             "JpZe37OgudVGtQ==")
CACHE = Path(__file__).resolve().parents[1] / ".venv" / f"axe-core-{VERSION}" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def source() -> str:
    """The text of axe.min.js (downloaded and checked on first use)."""
    if not CACHE.exists():
        with urllib.request.urlopen(TARBALL, timeout=60) as response:  # pinned and checked below
            packed = response.read()
        digest = "sha512-" + base64.b64encode(hashlib.sha512(packed).digest()).decode()
        if digest != INTEGRITY:
            raise RuntimeError(f"axe-core {VERSION}: integrity mismatch ({digest})")
        with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            text = member.read()
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_bytes(text)
    return CACHE.read_text("utf-8")


def violations(page) -> list[str]:
    """WCAG 2.1 A/AA violations on the page, one line each (rule, impact, where)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source())
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => [v.id, v.impact, v.nodes.length,"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' +"
        " (n.failureSummary || '').split('\\n').slice(1, 2).join(''))])", TAGS)
    return [f"{rule} ({impact}, {count}×): " + " | ".join(nodes)
            for rule, impact, count, nodes in found]
