"""The providers' pushes (``/api/messaging/callbacks``): SMS replies (上行), SMS delivery reports and
voice call records with their keypresses. No login: a push is authenticated by its
``X-Bidding-Signature`` (:mod:`bidding.messaging.callbacks`), and refused with 401
``callback_unauthenticated`` without a valid one. The answer is what Aliyun's HTTP batch push wants
(``{"code": 0, "msg": "成功"}``), with counts of what was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.params import HeaderParameter, Parameter
from litestar.status_codes import HTTP_200_OK

from bidding.core.http.dependencies import PlatformDep, VisitorDep
from bidding.core.http.openapi import wire
from bidding.messaging import replies
from bidding.messaging.callbacks import HEADER
from bidding.messaging.controllers.dependencies import ReplyHandlersDep
from bidding.messaging.replies import PushKind

#: A push carries a batch; Aliyun's are far smaller.
MAX_PUSH_BYTES = 1024 * 1024

Signature = Annotated[
    str | None,
    HeaderParameter(
        name=HEADER,
        max_length=1000,
        description='`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the shared callback secret',
    ),
]


@dataclass(frozen=True)
class PushReceipt:
    """Aliyun's expected acknowledgement (``code`` 0), and what the push held."""

    code: int
    msg: str
    reports: int
    replies: int
    duplicates: int


def _receipt(counts: dict[str, int]) -> PushReceipt:
    return PushReceipt(code=0, msg="成功", **counts)


#: 401: no valid signature; 400: an authentic body not in the provider's format.
_WIRE = wire(request=["application/json"], errors=[400, 401])


class MessagingCallbackController(Controller):
    path = "/api/messaging/callbacks"
    tags = ["messaging"]

    @post(
        "/{kind:str}",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_PUSH_BYTES,
        opt=_WIRE,
        summary="A provider pushes SMS replies (上行短信), SMS delivery reports or voice call records",
    )
    async def push(
        self,
        kind: Annotated[
            PushKind,
            Parameter(
                description=(
                    "`sms-replies` (上行短信), `sms-reports` (delivery reports) or `voice-reports` "
                    "(call records with the keys pressed)"
                )
            ),
        ],
        request: Request[Any, Any, Any],
        platform: PlatformDep,
        visitor: VisitorDep,
        reply_handlers: ReplyHandlersDep,
        signature: Signature = None,
    ) -> PushReceipt:
        body = await request.body()
        return _receipt(await replies.receive_push(platform, reply_handlers, kind, body, signature, caller=visitor))
