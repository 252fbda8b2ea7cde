from __future__ import annotations

import json
import logging

from bidding.core.logs import JsonFormatter, request_id_var


def test_json_lines_carry_request_id_extras_and_tracebacks() -> None:
    formatter = JsonFormatter()
    token = request_id_var.set("rid-123456")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.LogRecord("bidding.test", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
            import sys

            record.exc_info = sys.exc_info()
        record.path = "/api/x"
        entry = json.loads(formatter.format(record))
    finally:
        request_id_var.reset(token)
    assert entry["msg"] == "failed x" and entry["level"] == "error" and entry["logger"] == "bidding.test"
    assert entry["request_id"] == "rid-123456" and entry["path"] == "/api/x"
    assert "ValueError: boom" in entry["exc"]
    assert entry["ts"].endswith("+00:00")
