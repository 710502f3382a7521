"""The channel (form, import, API, admin, system) of every audited change, recorded by simple_history.

Writes say where they come from with `with audit.channel(Channel.IMPORT): ...`; anything else
(the admin site, the shell) is recorded as its default, admin.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from .models import Channel

_current: ContextVar[str] = ContextVar("audit_channel", default=Channel.ADMIN)


@contextmanager
def channel(value: str):
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


def current_channel() -> str:
    return _current.get()


@receiver(pre_create_historical_record)
def _stamp_channel(sender, history_instance, **kwargs):
    if hasattr(history_instance, "channel"):
        history_instance.channel = _current.get()
