"""The client's address, as far as this deployment can vouch for it.

Sign-in throttling counts failures per address and per account. A header such as
``X-Forwarded-For`` is written by whoever sends the request, so it is believed only for
the hops that ``TRUSTED_PROXY_COUNT`` says are ours; otherwise the address is the socket's
(``REMOTE_ADDR``). The ASGI server is told not to rewrite the socket address from proxy
headers (see the ``run`` command), so this function is the one place that decides.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The socket's address, or with ``n`` trusted proxies in front, the address that the
    outermost of them saw: the ``n``-th entry of ``X-Forwarded-For`` counted from the
    right. Entries further left were written by the client and are ignored."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        # Fewer hops than proxies: the request did not pass through all of them (a direct
        # connection, or a proxy that does not append). Trust only the socket.
        return remote
    return _valid(hops[-count]) or remote


def _valid(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None
