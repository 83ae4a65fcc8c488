"""The service's web layer: the FastAPI app (`app`), the request dependencies (`deps`), one
module of routes per resource (`routes/`), the request and response bodies (`schemas`), the
gate every request passes (`middleware`) and the problem handlers (`handlers`)."""
