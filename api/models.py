"""API tokens: several per user, each named, optionally read-only, revocable by the user or an admin."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def token_digest(raw: str) -> str:
    """What is stored of a token: its SHA-256, so that a copy of the database holds no usable token."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A key a system sends as `Authorization: Token <key>`. The key itself is shown once, when created."""

    key = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("令牌开头"), max_length=8, editable=False, help_text=_("用于辨认令牌，不能用于登录"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=64, blank=True, help_text=_("例如 BI 报表、学籍系统同步"))
    read_only = models.BooleanField(_("只读"), default=False, help_text=_("只读令牌只能读取数据，不能写入"))
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["user", "-created"]

    def __str__(self):
        return f"{self.user} · {self.name or self.prefix}"
