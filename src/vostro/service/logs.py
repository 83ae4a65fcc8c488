"""Structured logs: one JSON object per line on stderr, with the fields passed as `extra`.

Non-ASCII text stays readable (a Cyrillic name is logged as itself), but what a terminal or a
log reader would obey or break on (C1 controls, line separators, bidirectional overrides, lone
surrogates) is written as a JSON escape (`vostro.text.json_escaped`): one entry is one line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from vostro.text import json_escaped

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json_escaped(json.dumps(entry, default=str, ensure_ascii=False))


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the gate logs each request itself
    logging.getLogger("alembic").setLevel(logging.WARNING)
