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


PHONE = {"width": 390, "height": 844}


def phone_problems(page):
    """The phone checks of test_phones.py on the page shown, at 390 × 844 (the size is put
    back afterwards): for pages that exist only within a flow."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        problems = []
        if wider := overflow(page):
            problems.append(f"{wider} px wider than the screen")
        if missing := unreachable_menu_items(page):
            problems.append(f"menu items out of reach: {missing}")
        return problems
    finally:
        page.set_viewport_size(size)


def page_problems(page):
    """axe-core (the page must have AXE as an init script) and the phone checks, for the
    page shown, each line prefixed with its path."""
    path = page.url.split("/", 3)[-1]
    return [f"/{path}: {line}" for line in serious_violations(page) + phone_problems(page)]


FOCUS_STATE = """async () => {
  const el = document.activeElement;
  // Pico fades the focus ring in: read the style once the transition has run.
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await Promise.all(el.getAnimations().map((animation) => animation.finished));
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText.trim()
      : (el.getAttribute('aria-label') || el.innerText || el.value || '').trim();
  return {tag: el.tagName, type: el.type || '', name: el.name || '', label: label,
          inForm: !!el.closest('main form'),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                || (style.boxShadow && style.boxShadow !== 'none')};
}"""

# The Tab stops of the main forms' fields: a group of radio buttons is one stop.
TAB_STOPS = """() => {
  const groups = new Set();
  let stops = 0;
  const fields = 'main form input:not([type=hidden]), main form select, main form textarea, '
      + 'main form button';
  for (const el of document.querySelectorAll(fields)) {
    if (el.type === 'radio') {
      if (groups.has(el.name)) continue;
      groups.add(el.name);
    }
    stops += 1;
  }
  return stops;
}"""


def tab_through_main_form(page):
    """Press Tab from the top of the page until the focus leaves the main form's fields;
    returns the focus state of each field reached inside it."""
    reached, started = [], False
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["inForm"]:
            started = True
            reached.append(state)
        elif started:
            break
    return reached


def keyboard_problems(page):
    """The main form of the page shown, from the keyboard: Tab reaches every field, each
    has a label and shows a focus ring (an empty list when all is well)."""
    path = "/" + page.url.split("/", 3)[-1]
    reached = tab_through_main_form(page)
    stops = page.evaluate(TAB_STOPS)
    if not (len(reached) >= stops > 0):
        return [f"{path}: Tab reached {len(reached)} of {stops} fields"]
    # A date field takes several Tab stops (day, month, year, Chromium's calendar button,
    # which draws its own ring): the field must show the form's ring on one of them.
    problems, ring = [], {}
    for state in reached:
        if not state["label"]:
            problems.append(f"{path}: {state['tag']} {state['name']} has no label")
        key = (state["tag"], state["name"], state["label"])
        ring[key] = ring.get(key, False) or state["ring"]
    missing = [key for key, shown in ring.items() if not shown]
    if missing:
        problems.append(f"{path}: no visible focus on {missing}")
    return problems
