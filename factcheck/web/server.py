"""uvicorn's own answers, given before the app sees a request (a malformed request, a request head
too long for its buffer), with the app's security headers, and 414 for a head too long (a huge
URL or headers: which of them, h11 does not say) rather than a bare 400."""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE, H11Protocol

from .app import SECURITY_HEADERS


class Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        limit = self.config.h11_max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
        too_long = len(self.conn.trailing_data[0]) >= limit  # the request's head did not fit
        status, reason, body = (
            (414, b"URI Too Long", b"the URL is too long\n")
            if too_long
            else (400, b"Bad Request", msg.encode() + b"\n")
        )
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"), *SECURITY_HEADERS]
        response = h11.Response(status_code=status, headers=headers, reason=reason)
        for event in (response, h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()
