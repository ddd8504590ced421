"""Serve an ASGI app with uvicorn on a background thread of this process, on a loopback port.

Used by the sandbox and by the demo's webhook receiver: ``start()`` returns once the server
accepts connections, ``close()`` stops it within a bounded time. Needs uvicorn (the ``sandbox``
or ``cli`` extra), imported on first use.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import uvicorn

__all__ = ["BackgroundServer"]

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class BackgroundServer:
    """One uvicorn server for *app* on ``host:port`` (0: a free port), run on a daemon thread.

    Args:
        app: the ASGI application.
        host: the address to listen on.
        port: the port, 0 for a free one.
        log_level: uvicorn's log level; access logs are on only from ``"info"`` down.
        name: the thread's name, for debugging.
        log_filter: a filter added to uvicorn's error logger (e.g. to hide expected noise).
        access_filter: a filter added to uvicorn's access logger (e.g. to hide a secret in a path).
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        name: str = "pyannoteai-server",
        log_filter: logging.Filter | None = None,
        access_filter: logging.Filter | None = None,
    ) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._log_level = log_level
        self._name = name
        self._log_filter = log_filter
        self._access_filter = access_filter
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url: str | None = None

    def start(self) -> Self:
        """Start serving; return once connections are accepted.

        Raises:
            OSError: the address cannot be bound.
            RuntimeError: the server did not start within 10 s, or it is already running.
        """
        import uvicorn

        if self._server is not None:
            raise RuntimeError("the server is already running")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
        # and without it every response on a kept-alive connection waits ~40 ms (Nagle + delayed ACK).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_level=self._log_level,
            access_log=self._log_level in ("debug", "trace", "info"),
            log_config=None,
            lifespan="off",
            http="h11",
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        if self._log_filter is not None:
            logging.getLogger("uvicorn.error").addFilter(self._log_filter)
        if self._access_filter is not None:
            logging.getLogger("uvicorn.access").addFilter(self._access_filter)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=self._name, daemon=True)
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            server.should_exit = True
            thread.join(STOP_TIMEOUT)
            sock.close()
            raise RuntimeError(f"the server did not start on {self._host}:{port} within {START_TIMEOUT:g} s")
        self._server, self._thread = server, thread
        # A wildcard address (0.0.0.0, ::) is no address to connect to, and the client refuses plain
        # http to anything but loopback: this machine reaches the server on its loopback address.
        host = self._host
        with contextlib.suppress(ValueError):  # a name, not an address
            if ipaddress.ip_address(host).is_unspecified:  # every spelling: "::0" and "0:0::0" too
                host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        self.base_url = f"http://{shown}:{port}"
        return self

    def close(self) -> None:
        """Stop serving: a graceful stop, then a forced one; returns within 10 s at worst."""
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(STOP_TIMEOUT)
        self._server = self._thread = None
        self.base_url = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
