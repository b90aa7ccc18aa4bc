"""FastAPI routers, one a resource."""
