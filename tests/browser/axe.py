"""Accessibility checks with axe-core, vendored from its npm package (tests/browser/assets).

The script is injected by Playwright (an init script, not a page script), so the site's
CSP does not have to allow it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_SOURCE = (Path(__file__).parent / "assets" / "axe.min.js").read_text()
BLOCKING = {"serious", "critical"}


def serious_violations(page: Any) -> list[str]:
    """Run axe on the page and return serious or critical violations, described."""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} — {v['help']} at {', '.join(v['targets'])}"
        for v in result
        if v["impact"] in BLOCKING
    ]


def assert_accessible(page: Any) -> None:
    problems = serious_violations(page)
    assert not problems, "axe-core found:\n" + "\n".join(problems)
