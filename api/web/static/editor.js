// rsikg's SPARQL editor: YASGUI over this server's /sparql. The usual prefixes (data.prefixes:
// those the server predeclares, which a query may use undeclared) compact the results, and the
// example's are declared in the first query all the same; the prefix completion uses YASGUI's
// bundled list (never prefix.cc), the class and property completions (which ask
// lov.linkeddata.es) are off, and an IRI of the graph in the results opens its page on this
// server rather than at w3id.org.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const box = document.getElementById("editor");
  if (!box || typeof window.Yasgui !== "function") return;
  const Yasgui = window.Yasgui;
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  const endpoint = new URL(data.endpoint, window.location.href).href;
  const namespaces = Object.fromEntries(data.prefixes);
  const prologue = data.prefixes
    .filter(([prefix]) => ["rsi", "id", "org", "skos", "dct", "rdfs"].includes(prefix))
    .map(([prefix, iri]) => `PREFIX ${prefix}: <${iri}>`)
    .join("\n");
  const example =
    `${prologue}\n\n# ${data.example}\n` +
    "SELECT ?system ?name ?dependency WHERE {\n" +
    "  ?system a rsi:SharedSystem ;\n" +
    "          skos:prefLabel ?name .\n" +
    "  OPTIONAL { ?system rsi:dependsOn ?dependency }\n" +
    "  FILTER(lang(?name) = \"da\")\n" +
    "}\nORDER BY ?name\nLIMIT 100";

  const yasgui = new Yasgui(box, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    persistenceId: "rsikg-editor",
    yasqe: { value: example },
    yasr: { prefixes: namespaces },
  });
  window.rsikgEditor = yasgui; // for the browser tests and the curious

  // An IRI of the graph opens its page here: /id/… for the data, /ontology#term for the terms.
  const local = (href) => {
    if (href.startsWith(namespaces.id)) return `${data.root}/id/${href.slice(namespaces.id.length)}`;
    if (href.startsWith(namespaces.rsi)) return `${data.root}/ontology#${href.slice(namespaces.rsi.length)}`;
    return null;
  };
  const rewrite = (root) => {
    for (const link of root.querySelectorAll("a[href]")) {
      const here = local(link.getAttribute("href"));
      if (here !== null) {
        const params = data.lang ? `?lang=${data.lang}` : "";
        const [path, fragment] = here.split("#");
        link.setAttribute("href", fragment === undefined ? path + params : `${path}${params}#${fragment}`);
        link.removeAttribute("target");
      }
    }
  };
  // YASGUI's fields without a name a screen reader can say (WCAG 4.1.2): the endpoint, the query's
  // text area, and the results' selects
  const name = (root) => {
    for (const [selector, label] of [
      [".autocomplete", "SPARQL endpoint"],
      [".CodeMirror textarea", "SPARQL query"],
      ["select", "Rows per page"],
    ]) {
      for (const field of root.querySelectorAll(`${selector}:not([aria-label])`)) {
        if (!field.labels || field.labels.length === 0) field.setAttribute("aria-label", label);
      }
    }
  };
  name(box);
  new MutationObserver(() => {
    rewrite(box);
    name(box);
  }).observe(box, { childList: true, subtree: true });
})();
