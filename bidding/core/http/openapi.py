"""The OpenAPI document, completed so that it describes the API as the server behaves (OpenAPI 3.1).

Litestar derives paths, parameters and JSON bodies from the handlers' signatures. What a signature
cannot say is declared next to the handler with :func:`wire` and added here, once, when the app is
built:

* **errors** — every status an operation can answer besides success, each with the platform's one
  error body (``{"error": {"code", "message", …}}``, :mod:`bidding.core.http.errors`) instead of
  Litestar's default ``{status_code, detail, extra}``. The statuses follow from what the operation
  is (see :func:`error_statuses`), plus the ones its handler declares;
* **security** — operations behind a role guard require the bearer token (§4.8.10 Security
  Requirement Object); public ones say they need none;
* **raw bodies and binary responses** — handlers that read the request body themselves (PDFs,
  RFC 3161 queries, OCSP requests, chunks) or answer with bytes (PDFs, CRLs, DER) name their media
  types, so clients neither send JSON nor expect it.

Integrators generate clients from this document, and the suite runs schemathesis with all its
checks against it (tests/integration/test_api_schema.py), so a mismatch fails CI.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute

from bidding.core.http.guards import RoleGuard

__all__ = ["ERROR_SCHEMA", "WireSpec", "complete_schema", "error_statuses", "wire"]

BEARER: Final = "bearer"
_OPT_KEY: Final = "openapi_wire"
_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: What each error status means on this platform, in the document's words.
ERROR_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Bad input: malformed or invalid parameters or body; `details` names the field",
    401: "No valid bearer token (log in with a certificate first)",
    403: "The caller's role or organisation may not do this",
    404: "No such object, or not one this caller may see",
    409: "Conflicts with the object's current state (already done, closed, or past its deadline)",
    413: "Request body larger than this operation accepts",
    415: "Request body sent with a media type this operation does not accept",
    416: "Requested range not satisfiable",
    422: "Well-formed but refused: the content failed a check (signature, digest, key)",
    429: "Too many requests; retry later",
    503: "A service the platform depends on is unavailable or busy; retry (see Retry-After)",
}

ERROR_SCHEMA: Final = Schema(
    type=OpenAPIType.OBJECT,
    required=["error"],
    properties={
        "error": Schema(
            type=OpenAPIType.OBJECT,
            required=["code", "message", "message_zh", "message_en", "request_id"],
            properties={
                "code": Schema(type=OpenAPIType.STRING, description="Machine-readable cause, e.g. `not_found`"),
                "message": Schema(type=OpenAPIType.STRING, description="In the language of Accept-Language"),
                "message_zh": Schema(type=OpenAPIType.STRING),
                "message_en": Schema(type=OpenAPIType.STRING),
                "request_id": Schema(type=OpenAPIType.STRING, description="Also in the X-Request-ID header"),
                "details": Schema(
                    type=OpenAPIType.ARRAY,
                    items=Schema(type=OpenAPIType.OBJECT),
                    description="Per-field problems (validation errors name the field under `key`)",
                ),
            },
        )
    },
    description="The platform's one error format, for every 4xx and 5xx",
)


@dataclass(frozen=True)
class WireSpec:
    """What a handler's signature does not tell the schema: see :func:`wire`."""

    request: tuple[str, ...] = ()
    response: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()


def wire(
    *, request: Iterable[str] = (), response: Iterable[str] = (), errors: Iterable[int] = ()
) -> dict[str, WireSpec]:
    """The ``opt`` of a route handler that reads a raw body of ``request`` media types, answers
    with bytes of ``response`` media types, and/or can answer ``errors`` besides the statuses that
    follow from its shape (:func:`error_statuses`).

    >>> wire(request=["application/pdf"], errors=[422])["openapi_wire"].errors
    (422,)
    """
    return {_OPT_KEY: WireSpec(tuple(request), tuple(response), tuple(sorted(set(errors))))}


def _spec(handler: HTTPRouteHandler) -> WireSpec:
    spec = handler.opt.get(_OPT_KEY)
    return spec if isinstance(spec, WireSpec) else WireSpec()


def _access(handler: HTTPRouteHandler) -> tuple[bool, bool]:
    """(needs a login, needs a particular role or an organisation), read from the handler's role
    guards (:class:`bidding.core.http.guards.RoleGuard`)."""
    guards = [guard for guard in handler.resolve_guards() if isinstance(guard, RoleGuard)]
    return bool(guards), any(guard.roles or guard.requires_organisation for guard in guards)


def error_statuses(operation: Operation, method: str, *, login: bool, role: bool, spec: WireSpec) -> list[int]:
    """The error statuses an operation can answer, from its shape:

    * 400 when it takes any parameter or body (validation), 401 when it needs a login, 403 when
      it needs a particular role or an organisation's user,
    * 404 when its path names an object, 409 when it changes state,
    * 413 when it takes a body, 415 when that body is raw (the media type is checked),
    * 503 always (database, Redis or storage unavailable or busy),

    plus what the handler declares in :func:`wire`.
    """
    params = operation.parameters or []
    has_body = operation.request_body is not None or bool(spec.request)
    statuses = {503, *spec.errors}
    if params or has_body:
        statuses.add(400)
    if login:
        statuses.add(401)
    if role:
        statuses.add(403)
    if any(getattr(p, "param_in", None) == "path" for p in params):
        statuses.add(404)
    if method in _WRITES:
        statuses.add(409)
    if has_body:
        statuses.add(413)
    if spec.request:
        statuses.add(415)
    return sorted(statuses)


def _operations(app: Litestar, openapi: OpenAPI) -> Iterator[tuple[Operation, str, HTTPRouteHandler]]:
    paths = openapi.paths or {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        item = paths.get(route.path_format or "/")
        if item is None:
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if isinstance(operation, Operation):
                    yield operation, method, handler


def _binary_content(media_types: Iterable[str]) -> dict[str, OpenAPIMediaType]:
    # Any bytes: the format's own rules decide (a malformed OCSP or RFC 3161 request still gets a
    # 200 whose status says so, RFC 6960 §2.3, RFC 3161 §2.4.2), which JSON Schema cannot express.
    return {media: OpenAPIMediaType(schema=Schema(description=f"Raw bytes ({media})")) for media in media_types}


def _closed_structs(annotation: Any) -> set[str]:
    """Names of the msgspec Structs in a request body's type that refuse unknown fields."""
    names: set[str] = set()
    seen: set[int] = set()

    def walk(info: Any) -> None:
        if id(info) in seen:
            return
        seen.add(id(info))
        if isinstance(info, msgspec.inspect.StructType):
            if info.forbid_unknown_fields:
                names.add(info.cls.__name__)
            for field in info.fields:
                walk(field.type)
            return
        for attr in ("type", "item_type", "key_type", "value_type"):
            if (inner := getattr(info, attr, None)) is not None:
                walk(inner)
        for inner in getattr(info, "types", ()) or ():
            walk(inner)
        for inner in getattr(info, "item_types", ()) or ():
            walk(inner)

    try:
        walk(msgspec.inspect.type_info(annotation))
    except TypeError:  # not a type msgspec can describe: nothing to close
        return set()
    return names


def _close_objects(openapi: OpenAPI, handler: HTTPRouteHandler) -> None:
    """``additionalProperties: false`` on the component schemas of a body whose Structs refuse
    unknown fields (msgspec ``forbid_unknown_fields``): the schema then says what the server does."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None or openapi.components is None:
        return
    for name in _closed_structs(data.annotation):
        schema = openapi.components.schemas.get(name)
        if isinstance(schema, Schema):
            schema.additional_properties = False


def complete_schema(app: Litestar) -> OpenAPI:
    """Add errors, security and raw media types to the app's OpenAPI document (in place: Litestar
    caches the document it serves, so this runs once, before the first request)."""
    openapi = app.openapi_schema
    components = openapi.components if isinstance(openapi.components, Components) else Components()
    openapi.components = components
    components.schemas["Error"] = ERROR_SCHEMA
    components.responses = {
        str(status): OpenAPIResponse(
            description=text,
            content={"application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/Error"))},
        )
        for status, text in ERROR_DESCRIPTIONS.items()
    }
    for operation, method, handler in _operations(app, openapi):
        spec = _spec(handler)
        login, role = _access(handler)
        _close_objects(openapi, handler)
        responses: dict[str, Any] = dict(operation.responses or {})
        if spec.response:
            for code, response in responses.items():
                if code.startswith("2") and isinstance(response, OpenAPIResponse):
                    response.content = _binary_content(spec.response)
        if spec.request:
            operation.request_body = RequestBody(content=_binary_content(spec.request), required=True)
        for code in [c for c in responses if not c.startswith("2")]:
            del responses[code]  # Litestar's own 4xx entries describe its default body, not ours
        for status in error_statuses(operation, method, login=login, role=role, spec=spec):
            responses[str(status)] = Reference(f"#/components/responses/{status}")
        operation.responses = responses
        operation.security = [{BEARER: []}] if login else []
    return openapi
