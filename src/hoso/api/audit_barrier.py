"""No response leaves before its audit entries are durable.

The access layer queues a request's audit entries (`GroupCommitAuditTrail.submit`) and
goes on building the response while the entries commit; this middleware holds the
response's first message until every queued entry is committed. If one failed, the
response is replaced by a 503: data is never shown without its trace.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.api.deps import AUDIT_RECEIPTS
from hoso.api.responses import fhir_response
from hoso.core.errors import Issue, operation_outcome

log = logging.getLogger("hoso.audit")

UNAVAILABLE = (
    "Không ghi được nhật ký truy cập nên không trả dữ liệu; vui lòng thử lại / "
    "The access could not be audited, so no data is returned; please retry"
)


class AuditBarrier:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # shared with the handler
        refused = False

        async def send_when_audited(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the original response is dropped
            if message["type"] == "http.response.start":
                receipts: list[Future[None]] = state.get(AUDIT_RECEIPTS) or []
                try:
                    for receipt in receipts:
                        if receipt.done():  # usual: committed in the handler's thread
                            receipt.result()
                        else:
                            await asyncio.wrap_future(receipt)
                except Exception as exc:
                    refused = True
                    log.error("audit append failed: %s", type(exc).__name__)
                    outcome = operation_outcome([Issue("fatal", "transient", UNAVAILABLE)])
                    await fhir_response(outcome, 503)(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, send_when_audited)
