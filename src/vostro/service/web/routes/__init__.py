"""The API's routes, one module per resource; `web/app.py` includes their routers."""
