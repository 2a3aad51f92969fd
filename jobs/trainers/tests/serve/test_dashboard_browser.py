"""The dashboard in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser). Screenshots of every page, at desktop and phone widths, land in
``test-artifacts/screenshots``."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from serve_helpers import Shop, fresh_copy

from filetools import REPO_ROOT
from shopmind.serve import create_app

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make test installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(shop: Shop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Shop]]:
    mine = fresh_copy(shop, tmp_path_factory.mktemp("browser"))
    port = _free_port()
    config = uvicorn.Config(
        create_app(mine.settings), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", mine
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module", autouse=True)
def _fresh_shots() -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)


def _login(page: object, base: str, key: str) -> None:
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.fill("#login-key", key)  # type: ignore[attr-defined]
    page.click("#login-form button")  # type: ignore[attr-defined]
    page.wait_for_selector("#nav:not([hidden])")  # type: ignore[attr-defined]


def _shoot(page: object, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_wrong_key_is_refused(server: tuple[str, Shop], browser: object) -> None:
    base, _ = server
    page = browser.new_page(viewport=DESKTOP)  # type: ignore[attr-defined]
    page.goto(base + "/")
    page.fill("#login-key", "sm_wrong_key")
    page.click("#login-form button")
    sync_api.expect(page.locator("#login-error")).to_contain_text("unknown, wrong or revoked")
    assert page.locator("#nav").is_hidden()
    _shoot(page, "login-refused")
    page.close()


def test_browse_assets_lineage_search_and_users(server: tuple[str, Shop], browser: object) -> None:
    base, shop = server
    expect = sync_api.expect
    page = browser.new_page(viewport=DESKTOP)  # type: ignore[attr-defined]
    _login(page, base, shop.keys["admin"])
    expect(page.locator("#card-release .value")).to_have_text("#1")
    _shoot(page, "overview")

    # assets: the catalog, then one asset's page with its schema, profile and rows
    page.click("nav a[href='#/assets']")
    page.click("#asset-list a:text-is('products')")
    expect(page.locator("#page h1")).to_have_text(re.compile(r"^products@\d+$"))
    expect(page.locator("#rows-table tbody tr").first).to_be_visible()
    expect(page.locator("#quality")).to_contain_text("Quality profile")
    _shoot(page, "asset-products")

    # the lineage graph of the served release; a node opens its asset
    page.click("nav a[href='#/lineage']")
    graph = page.locator("#lineage-graph")
    expect(graph).to_be_visible()
    expect(graph.locator("g.node.release")).to_have_count(1)
    assert graph.locator("g.node.file").count() >= 2  # the raw products and events files
    _shoot(page, "lineage")
    graph.locator("a g[data-ref^='recommender@']").first.click()
    expect(page.locator("#page h1")).to_have_text(re.compile(r"^recommender@\d+$"))

    # search, then narrow by a category facet: every result stays in it
    page.click("nav a[href='#/search']")
    page.fill("#q", "shoes")
    page.check("#f-explain")
    page.click("#search-form button")
    expect(page.locator("#results .hit").first).to_be_visible()
    before = page.locator("#results .hit").count()
    chip = page.locator("#facets button[data-facet='category']").first
    category = chip.get_attribute("data-value")
    chip.click()
    expect(page.locator("#active-filters")).to_contain_text(f"category: {category}")
    expect(page.locator("#results")).to_be_visible()
    assert page.locator("#results .hit").count() <= before
    expect(page.locator("#explain").first).to_be_visible()
    _shoot(page, "search")
    # a misspelt query: the page says how it was read
    page.fill("#q", "shoees")
    page.click("#search-form button")
    expect(page.locator("#search-info")).to_contain_text("read as: ")

    # a user: post a purchase of the first recommendation and see the list change
    user = shop.ws.read_table(shop.ws.get("events"), columns=["user_id"])["user_id"][0].as_py()
    page.goto(f"{base}/#/users/{user}")
    first = page.locator("#recommendations li").first
    expect(first).to_be_visible()
    bought = first.get_attribute("data-item")
    page.fill("#event-item", bought)
    page.select_option("#event-type", "purchase")
    page.click("#event-form button")
    expect(page.locator("#event-posted")).to_be_visible()
    items = page.locator("#recommendations li").evaluate_all("els => els.map(e => e.dataset.item)")
    assert bought not in items and len(items) == 10
    expect(page.locator("#timeline li").first).to_contain_text(bought)
    expect(page.locator("#timeline li").first).to_contain_text("live")
    _shoot(page, "user")

    page.click("nav a[href='#/reports']")
    expect(page.locator("#report-chart svg")).to_be_visible()
    _shoot(page, "reports")
    # a long job started from the page shows its progress until it is done
    page.click("nav a[href='#/jobs']")
    page.click("#run-evaluate-jobs")
    expect(page.locator("#jobs-table tbody tr").first).to_be_visible()
    expect(page.locator("#jobs-table tbody tr").first).to_contain_text("done", timeout=60_000)
    expect(page.locator("#jobs-table tbody tr").first).to_contain_text("evaluate")
    _shoot(page, "jobs")
    page.click("nav a[href='#/reports']")  # the evaluation's figures join the reports
    expect(page.locator("#page")).to_contain_text("evaluate-")
    page.close()


@pytest.mark.parametrize("route", ["", "assets", "lineage", "search", "users", "reports", "jobs"])
def test_pages_fit_a_phone(server: tuple[str, Shop], browser: object, route: str) -> None:
    base, shop = server
    page = browser.new_page(viewport=PHONE)  # type: ignore[attr-defined]
    _login(page, base, shop.keys["admin"])
    page.goto(f"{base}/#/{route}")
    page.wait_for_selector("#page h1")
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the {route or 'overview'} page scrolls sideways by {overflow}px"
    _shoot(page, f"phone-{route or 'overview'}")
    page.close()
