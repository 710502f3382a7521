"""DRF throttles on the default cache (Redis when REDIS_URL is set, else per-process memory).

The rates are read at each request from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], not once at import,
so that settings (and tests) can change them.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(RatesFromSettings, throttling.AnonRateThrottle):
    """Requests without credentials, per client address."""


class UserThrottle(RatesFromSettings, throttling.UserRateThrottle):
    """Requests of one user, whichever token or session they come with."""


class TokenCreateThrottle(RatesFromSettings, throttling.SimpleRateThrottle):
    """Attempts to obtain a token, per client address: password guessing stays slow."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
