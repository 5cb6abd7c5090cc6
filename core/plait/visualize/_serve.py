"""``plait.visualize.serve``: the rendered page on a local port."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

from ..errors import UsageError
from ._render import render

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _handler(body: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  # http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            # The page is rendered once: never let a browser run what it has not got.
            self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # quiet
            return

    return Handler


def serve(
    docs: Any,
    style: str = "dep",
    *,
    port: int = 5000,
    host: str = "127.0.0.1",
    options: dict[str, Any] | None = None,
    block: bool = True,
    stdout: IO | None = None,
) -> ThreadingHTTPServer:
    """Serve the rendered Docs at ``http://127.0.0.1:<port>`` (loopback only).

    docs (Doc | Iterable[Doc]): what to draw.
    style (str): "dep" or "ent".
    port (int): the port; 0 picks a free one (read ``server.server_address``).
    host (str): a loopback address; anything else is refused, as the page
        shows your documents to whoever can reach the port.
    options (Optional[dict]): passed to :func:`render`.
    block (bool): serve until Ctrl-C (True), or in a daemon thread and return
        at once (False): call ``server.shutdown()`` and ``server.server_close()``.
    stdout (Optional[IO]): where the address is printed (default: sys.stdout).
    RETURNS (ThreadingHTTPServer): the server (closed already when `block`).
    """
    if host not in LOOPBACK:
        raise UsageError(
            f"plait.visualize.serve: host '{host}' is not a loopback address; the server only "
            f"listens on 127.0.0.1 (or ::1). Forward the port (ssh -L) to view it elsewhere."
        )
    stdout = stdout if stdout is not None else sys.stdout
    body = render(docs, style, page=True, options=options).encode("utf8")
    server_cls = ThreadingHTTPServer
    if ":" in host:
        import socket

        class V6Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6

        server_cls = V6Server
    try:
        server = server_cls(("localhost" if host == "localhost" else host, port), _handler(body))
    except OSError as err:
        raise UsageError(f"plait.visualize.serve: cannot listen on {host}:{port} ({err}); "
                         f"pick another port.") from err
    server.daemon_threads = True
    address = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_address[1]}"
    stdout.write(f"Serving the '{style}' visualization on {address} (Ctrl-C to stop)\n")
    stdout.flush()
    if not block:
        threading.Thread(target=server.serve_forever, name="plait-visualize", daemon=True).start()
        return server
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        stdout.write("Shutting down the server.\n")
    finally:
        server.server_close()
    return server
