"""What the browser tests check on any page: fits the screen, menu reachable, axe-core."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def overflow(page):
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)"
    )


def unreachable_menu_items(page):
    """The header's links and buttons a person cannot see or tap, after opening the menu."""
    items = page.locator("body > header nav a, body > header nav button")
    if not all(items.nth(i).is_visible() for i in range(items.count())):
        page.click("body > header .menu-button")
    width = page.viewport_size["width"]
    missing = []
    for i in range(items.count()):
        item = items.nth(i)
        box = item.bounding_box()
        if not item.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            missing.append(item.inner_text().strip() or item.get_attribute("href"))
    return missing


def serious_violations(page):
    """axe's critical and serious findings on the current page, one line each."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in ("critical", "serious")
    ]
