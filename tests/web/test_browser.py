"""rsikg's pages in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver, against a real ``rsikg serve`` on loopback (issue 15).

Each test clicks its way as a person would and asserts on what is rendered; every page it
opens is saved as a screenshot under ``test-output/browser/``. The browser's own record of the
network (Chrome's performance log) shows every request the pages made: none leaves loopback.
axe-core (npm, installed by ``make test``) checks each kind of page against WCAG 2.1 A and AA.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import ROOT
from tests.web.conftest import Server, load_examples, start_server

SHOTS = Path(os.environ.get("RSIKG_TEST_OUTPUT", ROOT / "test-output")) / "browser"
AXE = Path(sys.prefix) / "node" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core's script, installed beside the venv by ``make test`` (npm, a pinned version)."""
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "the browser tests need Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver; make test installs them)"
        )
    options = Options()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root in CI, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--no-first-run",
        "--disable-background-networking",  # the browser's own traffic, which no page asked for
        "--disable-component-update",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "da,en"})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    started = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    started.set_page_load_timeout(60)
    yield started
    started.quit()


class Visits:
    """The browser's pages, each saved as a screenshot, and every URL they requested."""

    def __init__(self, browser: webdriver.Chrome, base: str, folder: Path) -> None:
        self.browser = browser
        self.base = base
        self.folder = folder
        self.requested: list[str] = []
        folder.mkdir(parents=True, exist_ok=True)

    def open(self, path: str) -> None:
        self.browser.get(f"{self.base}{path}")

    def shot(self, name: str) -> Path:
        path = self.folder / f"{name}.png"
        self.browser.save_screenshot(str(path))
        self._collect()
        return path

    def _collect(self) -> None:
        for entry in self.browser.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])

    def click(self, text: str) -> None:
        """Follow the link with this text and wait for the page it leads to."""
        self.follow(
            WebDriverWait(self.browser, 30).until(
                expected_conditions.element_to_be_clickable((By.LINK_TEXT, text))
            )
        )

    def submit(self, css: str) -> None:
        """Press the button this selector names and wait for the page the form answers with."""
        self.follow(self.browser.find_element(By.CSS_SELECTOR, css))

    def follow(self, element: WebElement) -> None:
        """Click, then wait until the page that was open is gone: a click does not wait for the
        navigation it starts, so a lookup right after it may search the old page (CI saw that)."""
        page = self.browser.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(self.browser, 30).until(expected_conditions.staleness_of(page))

    def h1(self) -> str:
        return str(self.browser.find_element(By.TAG_NAME, "h1").text)

    def lang(self) -> str:
        return str(self.browser.find_element(By.TAG_NAME, "html").get_attribute("lang"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real ``rsikg serve`` over the project with its illustrative decisions and statements
    (graph_data/examples/), so that the decision and compliance pages have records to show."""
    directory = tmp_path_factory.mktemp("browser-site")
    load_examples(directory / "store")
    running = start_server(directory)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def visits(browser: webdriver.Chrome, site: Server) -> Visits:
    return Visits(browser, site.url, SHOTS)


def test_from_the_front_page_to_a_system_and_on_in_the_other_language(visits):
    visits.open("/")
    assert visits.lang() == "da"  # the browser asks for Danish first
    assert "vidensgrafen" in visits.h1()
    visits.shot("01-front-page")
    visits.click("Fælles Medicinkort (FMK)")
    assert visits.h1() == "Fælles Medicinkort (FMK)"
    assert urlsplit(visits.browser.current_url).path == "/id/system/fmk"
    visits.shot("02-system-page")
    visits.click("English")
    assert visits.lang() == "en"
    assert visits.h1() == "Shared Medication Record (FMK)"
    visits.shot("03-system-page-en")
    visits.click("The National Service Platform (NSP)")  # what FMK depends on
    assert visits.lang() == "en"
    assert "NSP" in visits.h1()
    visits.shot("04-dependency-page-en")


def test_a_term_of_the_ontology_opens_at_its_section(visits):
    visits.open("/id/system/fmk?lang=en")
    visits.click("depends on")
    assert urlsplit(visits.browser.current_url).fragment == "dependsOn"
    section = visits.browser.find_element(By.ID, "dependsOn")
    assert "depends on" in section.text
    visits.shot("05-ontology-term")


def test_an_unknown_iri_offers_the_closest_and_the_offer_works(visits):
    visits.open("/id/system/fmkk")
    assert visits.h1() == "Ikke fundet"
    visits.shot("06-not-found")
    visits.click("Fælles Medicinkort (FMK)")
    assert visits.h1() == "Fælles Medicinkort (FMK)"


def test_a_named_query_from_the_gallery_runs_and_a_result_opens_its_page(visits):
    visits.open("/")
    visits.click("English")
    visits.click("Named queries")
    visits.shot("07-query-gallery")
    visits.click("The systems a region uses")
    field = visits.browser.find_element(By.ID, "p-region")
    field.clear()
    field.send_keys("region/region-hovedstaden")
    visits.submit("form.parameters button[type=submit]")
    table = WebDriverWait(visits.browser, 30).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "table.results"))
    )
    assert "Capital Region of Denmark" in table.text
    visits.shot("08-query-results")
    first = table.find_element(By.CSS_SELECTOR, "tbody tr td:nth-child(2) a")
    name = first.text
    visits.follow(first)
    assert visits.h1() == name
    assert urlsplit(visits.browser.current_url).path.startswith("/id/system/")
    visits.shot("09-result-page")


def test_the_compliance_matrix_filters_by_kind_from_its_form(visits):
    visits.open("/compliance?lang=en&status=all&asOf=2027-01-01")
    cells = visits.browser.find_elements(By.CSS_SELECTOR, "table.matrix td")
    assert cells and {cell.get_attribute("class") for cell in cells} >= {"state-complies", "state-missing"}
    visits.shot("10-compliance")
    Select(visits.browser.find_element(By.ID, "f-kind")).select_by_visible_text("architecture")
    visits.submit("form.filters button[type=submit]")
    assert "kind=architecture" in visits.browser.current_url
    fewer = visits.browser.find_elements(By.CSS_SELECTOR, "table.matrix td")
    assert 0 < len(fewer) < len(cells)
    visits.shot("11-compliance-architecture")


def test_a_conforming_and_a_violating_decision_on_the_decision_page(visits):
    records = ROOT / "graph_data" / "examples" / "decisions"
    visits.open("/decisions/check?lang=en")
    box = visits.browser.find_element(By.ID, "d-record")
    box.clear()
    box.send_keys(
        (records / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md").read_text(encoding="utf-8")
    )
    visits.submit("button[value=check]")
    verdict = visits.browser.find_element(By.CSS_SELECTOR, ".verdict")
    assert "conforms" in str(verdict.get_attribute("class")) and "Conforms" in verdict.text
    assert visits.browser.find_elements(By.LINK_TEXT, "The national LABdatabank")  # its impact
    visits.shot("12-decision-conforming")
    visits.open("/decisions/check?lang=en")
    upload = records / "0012-projektforum-uden-arkitekturmandat.md"
    visits.browser.find_element(By.ID, "d-file").send_keys(str(upload))
    visits.submit("button[value=check]")
    verdict = visits.browser.find_element(By.CSS_SELECTOR, ".verdict")
    assert "violates" in str(verdict.get_attribute("class"))
    rows = visits.browser.find_elements(By.CSS_SELECTOR, "table.report tr.severity-violation")
    assert rows and "DecisionWithinMandateShape" in rows[0].text
    visits.shot("13-decision-violating")


def _drawn(visits: Visits) -> int:
    """The number of nodes the map's Cytoscape.js holds, once the script has drawn it."""
    return int(
        WebDriverWait(visits.browser, 30).until(
            lambda browser: browser.execute_script("return window.rsikgMap && window.rsikgMap.nodes().length")
        )
    )


def test_the_dependency_map_draws_a_neighbourhood_filters_it_and_recentres(visits):
    visits.open("/map?lang=en&root=system/fmk&depth=2&direction=both")
    drawn = _drawn(visits)
    said = visits.browser.find_element(By.ID, "map-count").text  # "16 nodes, 24 edges"
    assert said.startswith(f"{drawn} nodes")
    assert visits.browser.find_elements(By.CSS_SELECTOR, "#map canvas")
    assert visits.browser.execute_script("return rsikgMap.nodes('[?root]').data('label')") == (
        "Shared Medication Record (FMK)"
    )
    # nodes styled by type, edges by relation: FMK's own colour is its type's, from the legend
    shapes = visits.browser.execute_script("return rsikgMap.nodes().map(n => n.style('shape'))")
    assert len(set(shapes)) > 2
    visits.shot("15-map-fmk")
    used = "return rsikgMap.edges('[relation = \"usedBy\"]').filter(e => e.visible()).length"
    assert visits.browser.execute_script(used) > 0
    visits.browser.find_element(By.CSS_SELECTOR, "fieldset.relations input[value=usedBy]").click()
    assert visits.browser.execute_script(used) == 0  # hidden at once, without asking the server
    graphml = visits.browser.find_element(By.LINK_TEXT, "graphml").get_attribute("href")
    assert "root=system%2Ffmk" in graphml and "format=graphml" in graphml
    # a click on a node tells what it is and leads to its page
    visits.browser.execute_script(
        "rsikgMap.nodes('[label = \"The National Service Platform (NSP)\"]').emit('tap')"
    )
    visits.click("Open its page")
    assert "NSP" in visits.h1()
    # the root search: another centre, found by its id
    visits.open("/map?lang=en&root=system/fmk")
    field = visits.browser.find_element(By.ID, "m-root")
    field.clear()
    field.send_keys("system/nsp")
    visits.submit("form.map-controls button[type=submit]")
    _drawn(visits)
    assert "NSP" in visits.browser.execute_script("return rsikgMap.nodes('[?root]').data('label')")


def test_the_whole_map_and_its_language_switch(visits):
    visits.open("/map?lang=en")
    drawn = _drawn(visits)
    rows = visits.browser.find_elements(By.CSS_SELECTOR, "table.edges tbody tr")
    edges = visits.browser.execute_script("return rsikgMap.edges().length")
    assert drawn > 30 and len(rows) == edges  # the table (the map without JavaScript) has every edge
    visits.shot("16-map-whole")
    visits.click("Dansk")
    assert visits.lang() == "da" and visits.h1() == "Afhængighedskort"
    assert _drawn(visits) == drawn


def test_the_sparql_editor_runs_a_query_and_a_result_opens_its_page(visits):
    visits.open("/editor?lang=en")
    WebDriverWait(visits.browser, 30).until(
        lambda browser: browser.execute_script("return !!window.rsikgEditor")
    )
    visits.browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    link = WebDriverWait(visits.browser, 30).until(
        expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".yasr a[href*='/id/system/']"))
    )
    visits.shot("17-editor")
    assert urlsplit(str(link.get_attribute("href"))).netloc == urlsplit(visits.base).netloc
    visits.follow(link)
    assert urlsplit(visits.browser.current_url).path.startswith("/id/system/")
    assert visits.lang() == "en"


@pytest.fixture(scope="module")
def dashboard(site: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A page of another origin (another port on loopback, served by Python's http.server) whose
    script reads rsikg: the OpenAPI document, and a dependency graph with If-None-Match, a header
    beyond the CORS-safelisted ones, so the browser sends a preflight first."""
    folder = tmp_path_factory.mktemp("dashboard")
    (folder / "index.html").write_text(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dashboard</title></head>
<body><h1>A dashboard</h1><pre id="out">waiting</pre><script>
const rsikg = {json.dumps(site.url)};
Promise.all([
  fetch(rsikg + "/openapi.json").then(r => r.json()),
  fetch(rsikg + "/graph/dependencies?root=fmk&depth=1", {{headers: {{"If-None-Match": "\\"none\\""}}}})
    .then(r => r.json().then(graph => [graph, r.headers.get("x-request-id")])),
]).then(([api, [graph, id]]) => {{
  document.getElementById("out").textContent =
    `read ${{api.info.title}}; ${{graph.nodes.length}} nodes; request ${{id}}`;
}}).catch(e => {{ document.getElementById("out").textContent = "refused: " + e; }});
</script></body></html>""",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_a_page_of_another_origin_reads_the_graph_and_the_openapi_document(visits, dashboard):
    assert urlsplit(dashboard).port != urlsplit(visits.base).port  # another origin
    visits.browser.get(dashboard)
    said = WebDriverWait(visits.browser, 30).until(
        lambda browser: (text := browser.find_element(By.ID, "out").text) != "waiting" and text
    )
    assert re.fullmatch(r"read rsikg; [1-9][0-9]* nodes; request [0-9a-f]{32}", said), said
    visits.shot("18-dashboard-in-another-origin")


def test_the_api_documentation_renders_offline(visits):
    visits.open("/docs")
    title = WebDriverWait(visits.browser, 30).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title"))
    )
    assert "rsikg" in title.text
    visits.shot("14-api-docs")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?lang=en",
        "/id/system/fmk",
        "/id/region/region-hovedstaden?lang=en",
        "/ontology",
        "/id/x/y",
        "/queries",
        "/queries/list_systems_used_by_region?region=region/region-hovedstaden",
        "/compliance?status=all&asOf=2027-01-01",
        "/decisions/check",
        "/map",
        "/map?root=system/fmk&lang=en",
        "/editor",
        "/id/decision/eksempel-003-faelles-login-iam-adfs",
        "/id/decision/eksempel-002-dokumentdeling-via-nsp?lang=en",
        "/id/forum/rsi-direktoerkredsen",
    ],
)
def test_every_kind_of_page_passes_axe_without_serious_findings(visits, path):
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE} (make test installs it with npm)")
    visits.open(path)
    visits.browser.execute_script(AXE.read_text(encoding="utf-8"))
    found = visits.browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length, v.help])))"
        ".catch(e => done([['axe failed', 'critical', 0, String(e)]]));",
        WCAG,
    )
    serious = [finding for finding in found if finding[1] in ("serious", "critical")]
    assert serious == [], f"{path}: {serious}"


def test_no_page_made_a_request_beyond_loopback(visits):
    """Last in the module: every request of every page the tests above opened (their assets,
    Swagger UI's among them) went to the rsikg under test."""
    visits.open("/ontology?lang=en")
    visits.shot("19-ontology")
    assert len(visits.requested) > 10  # the record is there: the pages and their assets
    beyond = sorted(
        {url for url in visits.requested if urlsplit(url).scheme in ("http", "https")}
        - {url for url in visits.requested if urlsplit(url).hostname in LOOPBACK}
    )
    assert beyond == []
