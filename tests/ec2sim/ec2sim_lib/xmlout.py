# SPDX-License-Identifier: ISC
"""EC2 and STS XML envelopes, written exactly as the services write them.

Why strings and not ElementTree: the shape of EC2's answers (namespace with
a trailing slash, `item` lists, an error root without namespace, RequestID
spelled differently in errors) is the contract under test, so it is spelled
out here literally.  Values are escaped; element order follows EC2's.
"""

import uuid
from typing import Iterable, List, Optional, Union
from xml.sax.saxutils import escape

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"

Content = Union[None, str, bool, int, List[str]]


def request_id() -> str:
    return str(uuid.uuid4())


def el(name: str, value: Content) -> str:
    """<name>value</name>; None -> nothing; list -> pre-rendered children."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    if isinstance(value, list):
        inner = "".join(value)
        return f"<{name}>{inner}</{name}>" if inner else f"<{name}/>"
    return f"<{name}>{escape(str(value))}</{name}>"


def items(name: str, children: Iterable[str]) -> str:
    """An EC2 list: <name><item>..</item>...</name> (children pre-rendered)."""
    return el(name, [f"<item>{c}</item>" for c in children])


def text_items(name: str, values: Iterable[str]) -> str:
    return el(name, [f"<item>{escape(v)}</item>" for v in values])


def tag_set(tags: dict) -> str:
    return items("tagSet", (el("key", k) + el("value", v) for k, v in tags.items()))


def ec2_response(action: str, rid: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{EC2_NS}">'
        f"<requestId>{rid}</requestId>{body}</{action}Response>"
    ).encode("utf-8")


def ec2_error(code: str, message: str, rid: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error></Errors>"
        f"<RequestID>{rid}</RequestID></Response>"
    ).encode("utf-8")


def unsuccessful(failures: List[tuple]) -> str:
    """unsuccessful/item*/{error/{code,message},resourceId} (lower-case here)."""
    return items(
        "unsuccessful",
        (el("error", [el("code", c), el("message", m)]) + el("resourceId", r) for r, c, m in failures),
    )


def sts_response(action: str, rid: str, result: str) -> bytes:
    return (
        f'<{action}Response xmlns="{STS_NS}">\n  <{action}Result>{result}</{action}Result>\n'
        f"  <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>\n</{action}Response>\n"
    ).encode("utf-8")


def sts_error(code: str, message: str, rid: str, receiver: bool = False) -> bytes:
    kind = "Receiver" if receiver else "Sender"
    return (
        f'<ErrorResponse xmlns="{STS_NS}">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{escape(code)}</Code>\n'
        f"    <Message>{escape(message)}</Message>\n  </Error>\n  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n"
    ).encode("utf-8")


def opt(name: str, value: Optional[str]) -> str:
    return el(name, value) if value else ""
