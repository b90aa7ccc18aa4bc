"""The web layer: the FastAPI app factory, the SPARQL protocol endpoint and the routes. Thin:
everything it does is done by api.core."""
