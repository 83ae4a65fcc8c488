"""The service's writer: the one thread that runs every write (`thread.Writer`), the work it runs
in groups (`groups`), between commands (`housekeeping`), and audited commands (`commands`).
Nothing here knows of HTTP: the web layer (`service/web/`) hands the writer its commands."""
