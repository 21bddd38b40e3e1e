"""Error answers: their bodies, the handlers that make them, and how OpenAPI declares them.

Every error the service sends is ``{"detail": "..."}`` (``ErrorOut``), except field validation
(422), which lists every problem (``ValidationErrorOut``). ``BODY_ERRORS`` and
``OVERLOAD_ERRORS`` are the ``responses=`` of the routes that read a body and of the limited ones,
so ``/openapi.json`` shows what a client can really get back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

logger = logging.getLogger(__name__)


class ErrorOut(BaseModel):
    """An error: what went wrong and, where it helps, which setting decides it."""

    detail: str


def json_error(description: str) -> dict[str, Any]:
    """An error answer of an HTML route, documented as what it is: JSON (``ErrorOut``). With
    ``model``, FastAPI would document it under the route's own media type (text/html)."""
    return {"description": description,
            "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}}


class FieldErrorOut(BaseModel):
    """One invalid field: where (``leads[3].mql_at``), what, and pydantic's error type."""

    loc: list[str | int]
    field: str
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    """422: every invalid field with a readable summary (or one problem of the whole batch)."""

    message: str | None = None
    detail: list[FieldErrorOut] | str


def _declared(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _declared(ErrorOut, "the body could not be read (e.g. broken encoding)"),
    408: _declared(ErrorOut, "the body did not arrive in time (LEADCONV_BODY_TIMEOUT)"),
    413: _declared(ErrorOut, "body over LEADCONV_MAX_BODY_BYTES or more leads than "
                             "LEADCONV_MAX_BATCH"),
    422: _declared(ValidationErrorOut, "invalid JSON or fields; each problem named"),
}
OVERLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    503: _declared(ErrorOut, "overloaded (retry after Retry-After seconds), or no model loaded "
                             "yet"),
}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _declared(ErrorOut, "missing or invalid key"),
}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "leads", 3, "mql_at") -> "leads[3].mql_at"."""
    text = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """pydantic's errors as ``FieldErrorOut`` dicts (the submitted values are not echoed)."""
    return [{"loc": list(e["loc"]),
             "field": "body" if e["type"] == "json_invalid" else _field(e["loc"]),
             "msg": e["msg"] if e["type"] != "json_invalid" else
             f"JSON decode error at character {e['loc'][-1]}: {e.get('ctx', {}).get('error')}",
             "type": e["type"]} for e in errors]


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with every problem as ``{loc, field, msg, type}`` and one readable ``message``.

    The submitted values are not echoed (the caller has them; they may be contact data).
    """
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    shown = "; ".join(f"{e['field']}: {e['msg']}" for e in errors[:10])
    more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                        content={"message": f"{len(errors)} invalid field(s): {shown}{more}",
                                 "detail": errors})


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """500 without internals; the log has the exception type and stack (not its message)."""
    logger.error("unhandled error on %s %s", request.method, request.url.path,
                 exc_info=(type(exc), exc, exc.__traceback__))
    return JSONResponse(status_code=500, content={"detail": "internal error; see the service "
                                                            "log for this X-Request-ID"})
