// rsikg's dependency map: the page's graph (#map-data) drawn by Cytoscape.js with the fCoSE
// layout. Pan and zoom with the mouse or touch; the relation boxes show and hide edges at once
// (the form's button asks the server again); a click on a node says what it is, with links to
// its page and to the map centred on it; a double click centres the map on it.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const box = document.getElementById("map");
  if (!box || typeof window.cytoscape !== "function") return;
  if (window.cytoscapeFcose) window.cytoscape.use(window.cytoscapeFcose);

  const style = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "font-size": 11,
        color: "#1a1a1a",
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-wrap": "ellipsis",
        "text-max-width": 140,
        "min-zoomed-font-size": 7, // labels too small to read are left out until one zooms in
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.8,
        width: 22,
        height: 22,
        "border-width": 1,
        "border-color": "#ffffff",
      },
    },
    { selector: "node[?root]", style: { width: 34, height: 34, "border-width": 4, "border-color": "#f0a500", "font-weight": "bold" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#f0a500" } },
    {
      selector: "edge",
      style: {
        width: 1.6,
        "curve-style": "bezier",
        "target-arrow-shape": "triangle",
        "arrow-scale": 0.9,
        opacity: 0.85,
      },
    },
  ];
  for (const [name, look] of Object.entries(data.types)) {
    style.push({ selector: `node[type = "${name}"]`, style: { "background-color": look.colour, shape: look.shape } });
  }
  for (const [name, look] of Object.entries(data.relations)) {
    style.push({
      selector: `edge[relation = "${name}"]`,
      style: { "line-color": look.colour, "target-arrow-color": look.colour, "line-style": look.line },
    });
  }

  box.hidden = false;
  const nodes = data.elements.filter((e) => !e.data.source).length;
  const started = performance.now();
  const cy = window.cytoscape({
    container: box,
    elements: data.elements,
    style: style,
    minZoom: 0.05,
    maxZoom: 4,
    layout: {
      name: window.cytoscapeFcose ? "fcose" : "cose",
      animate: false,
      randomize: true,
      quality: "default", // "draft" (no refinement) overlaps clusters at 400 nodes
      nodeRepulsion: 60000,
      idealEdgeLength: (edge) => (edge.data("relation") === "usedBy" ? 160 : 110),
      edgeElasticity: 0.2,
      gravity: 0.08,
      nodeSeparation: 120,
      packComponents: true,
      fit: true,
      padding: 24,
      stop: () => {
        window.rsikgMapMs = performance.now() - started; // drawn and laid out (benchmarks/pages.py)
      },
    },
  });
  window.rsikgMap = cy; // for the browser tests and the curious

  const mapOf = (centre) => {
    const params = new URLSearchParams({ root: centre });
    if (data.lang) params.set("lang", data.lang);
    return `${data.mapPath}?${params}`;
  };
  const panel = document.getElementById("map-selected");
  cy.on("tap", "node", (event) => {
    const node = event.target.data();
    panel.replaceChildren();
    const name = document.createElement("strong");
    name.textContent = node.label;
    const kind = document.createElement("span");
    kind.textContent = (data.types[node.type] || {}).label || node.type;
    const open = document.createElement("a");
    open.href = node.href;
    open.textContent = data.words.open;
    const centre = document.createElement("a");
    centre.href = mapOf(node.centre);
    centre.textContent = data.words.centre;
    panel.append(name, kind, open, centre);
    panel.hidden = false;
  });
  cy.on("dbltap", "node", (event) => {
    window.location.href = mapOf(event.target.data("centre"));
  });

  for (const box of document.querySelectorAll("fieldset.relations input[type=checkbox]")) {
    box.addEventListener("change", () => {
      cy.edges(`[relation = "${box.value}"]`).style("display", box.checked ? "element" : "none");
    });
  }
  const tools = document.getElementById("map-tools");
  if (tools) tools.hidden = false;
  document.getElementById("map-fit")?.addEventListener("click", () => cy.fit(undefined, 24));
  document.getElementById("map-png")?.addEventListener("click", () => {
    const link = document.createElement("a");
    link.href = cy.png({ full: true, scale: 2, bg: "#ffffff" });
    link.download = "rsikg-map.png";
    link.click();
  });
})();
