"""The address a request really comes from, behind the reverse proxies we trust.

Each trusted proxy appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT = N the client is the N-th entry from the
right: entries further left were written by the client itself and are never believed.
Without trusted proxies (the default), or when the header has fewer entries than that,
the address is the connection's own (REMOTE_ADDR).

Login throttling (django-axes, AXES_CLIENT_IP_CALLABLE) keys on it: behind the TLS proxy
the README prescribes, every client would otherwise share the proxy's address, and five
wrong passwords from anywhere would lock the account for everyone.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    chain = [
        entry.strip()
        for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if entry.strip()
    ]
    if len(chain) < trusted:
        return remote
    candidate = chain[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: a proxy we trust would not write that
        return remote
