"""A WSGI service continuing its callers' traces, with trace ids in its logs."""

import http.client
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import tracewire
from tracewire import scope
from tracewire.logs import TraceFilter
from tracewire.web import WSGIMiddleware

handler = logging.StreamHandler()
handler.addFilter(TraceFilter())
handler.setFormatter(logging.Formatter("%(levelname)s %(message)s trace_id=%(trace_id)s"))
log = logging.getLogger("orders")
log.addHandler(handler)
log.setLevel(logging.INFO)


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    log.info("order received")  # ... trace_id=4bf92f3577b34da6a3ce929d0e0e4736
    ctx = scope.current()
    assert ctx is not None
    outgoing = ctx.child().inject({})  # headers for the calls this request makes
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [outgoing["traceparent"].encode()]


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


server = make_server("127.0.0.1", 0, WSGIMiddleware(app), handler_class=Quiet)
threading.Thread(target=server.serve_forever, daemon=True).start()
caller = tracewire.Context.new_root()
connection = http.client.HTTPConnection("127.0.0.1", server.server_port)
connection.request("GET", "/orders/7", headers=caller.inject({}))
answer = connection.getresponse().read().decode()
server.shutdown()
assert answer.startswith(f"00-{caller.trace_id}-")
print(f"the service called on with {answer}")
