"""`Authorization: Token <key>`: one query finds the token, its user and the user's scope."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, token_digest

ERR_TOKEN_HEADER = _("令牌格式不正确，应为 “Authorization: Token <令牌>”。")
ERR_TOKEN_INVALID = _("令牌无效或已被撤销。")
# last_used is written at most this often per token, so that a busy client does not write on every read.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(ERR_TOKEN_HEADER)
        try:
            raw = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(ERR_TOKEN_INVALID) from None
        token = (
            ApiToken.objects.select_related("user__scope__region", "user__scope__school")
            .filter(key=token_digest(raw))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(ERR_TOKEN_INVALID)
        now = timezone.now()
        if token.last_used is None or now - token.last_used > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
