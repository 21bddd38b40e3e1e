"""API keys: callers send ``X-API-Key``; every ``/v1`` route requires one of the configured keys.

Keys come from ``LEADCONV_API_KEYS`` (comma-separated) and/or the file named by
``LEADCONV_API_KEYS_FILE`` (see ``serving.config``). Several keys are valid at once, so a key is
rotated by adding the new one, moving callers over, then removing the old one. The presented key is
compared with every configured key in constant time (``hmac.compare_digest``), so timing reveals
neither which key nor how much of it matched. With no key configured every ``/v1`` call is refused
(``leadconv serve`` generates one at start instead; it never falls back to a fixed key).

``GET /report`` (the marketers' page) is opened in a browser, which cannot send a header: it
accepts either an API key in ``X-API-Key`` or a *read-only report key* from
``LEADCONV_REPORT_KEYS`` as the query parameter ``?key=``. A report key opens only the report
(aggregate statistics, no lead data), so one that leaks through a browser history or a proxy log
cannot score leads or reload the model; API keys are never accepted in the URL.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, APIKeyQuery

HEADER = "X-API-Key"

QUERY = "key"

api_key_header = APIKeyHeader(name=HEADER, auto_error=False,
                              description="One of the keys in LEADCONV_API_KEYS / _FILE")
report_key_query = APIKeyQuery(name=QUERY, auto_error=False,
                               description="A read-only key of LEADCONV_REPORT_KEYS (report only)")


def key_matches(presented: str, keys: tuple[str, ...]) -> bool:
    """True if ``presented`` equals one of ``keys``; compares with all of them, constant time."""
    given = presented.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.encode())
    return found


def require_api_key(request: Request,
                    presented: Annotated[str | None, Security(api_key_header)]) -> None:
    """Dependency of the ``/v1`` routers: 401 unless the request carries a valid key."""
    keys: tuple[str, ...] = request.app.state.settings.api_keys
    if not keys:
        detail = ("no API key is configured on this server; set LEADCONV_API_KEYS or "
                  "LEADCONV_API_KEYS_FILE")
    elif not presented:
        detail = f"missing API key: send it in the {HEADER} header"
    elif not key_matches(presented, keys):
        detail = f"invalid API key in the {HEADER} header"
    else:
        return
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail,
                        headers={"WWW-Authenticate": HEADER})


def require_report_key(request: Request,
                       header: Annotated[str | None, Security(api_key_header)],
                       query: Annotated[str | None, Security(report_key_query)]) -> None:
    """Dependency of ``/report``: an API key in the header, or a report key in ``?key=``."""
    settings = request.app.state.settings
    if header and key_matches(header, settings.api_keys):
        return
    if query and key_matches(query, settings.report_keys):
        return
    if query or header:
        detail = (f"invalid key: send a report key (LEADCONV_REPORT_KEYS) as ?{QUERY}= or an "
                  f"API key in the {HEADER} header")
    else:
        detail = (f"missing key: open /report?{QUERY}=<report key> (LEADCONV_REPORT_KEYS) or "
                  f"send an API key in the {HEADER} header")
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail,
                        headers={"WWW-Authenticate": HEADER})
