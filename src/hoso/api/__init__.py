"""FastAPI routers: parse HTTP, call one function of a package, render the result."""
