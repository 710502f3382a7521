"""Every error the API returns has one shape, whatever raised it:

    {"error": {"code": "invalid", "message": "…", "fields": {"year": ["…"]}}}

`code` is stable and meant for programs; `message` is for people, in the request's language (Chinese by
default). `fields` maps each bad input to its messages, nested inputs by dotted path (`items.2.year`).
A rejected bulk write also lists `items`: [{"index", "field", "reason"}] (see api.services).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

ERR_INVALID = _("请求数据有误，请按 fields 中的说明修改后重试。")
ERR_NOT_FOUND = _("未找到该对象，或它不在您的管理范围内。")
ERR_NO_SUCH_ENDPOINT = _("没有这个接口地址。")


class ApiError(exceptions.APIException):
    """An error with a code, a message, and optionally fields and bulk items, answered as is."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message, *, code: str = "invalid", fields=None, items=None, status_code: int | None = None):
        super().__init__(detail=message, code=code)
        self.code, self.fields, self.items = code, fields or {}, items
        if status_code is not None:
            self.status_code = status_code


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):  # raised by a service: the caller's input broke a rule
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(ERR_NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a bug, which Django reports as a 500
    response.data = {"error": error_body(exc)}
    return response


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, ApiError):
        body = {"code": exc.code, "message": str(exc.detail), "fields": exc.fields}
        if exc.items is not None:
            body["items"] = exc.items
        return body
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten(detail)
            general = fields.pop("non_field_errors", None)
            message = " ".join(general) if general and not fields else str(ERR_INVALID)
            if general and fields:
                fields["non_field_errors"] = general
            return {"code": "invalid", "message": message, "fields": fields}
        messages = [str(m) for m in _messages(detail)]
        return {"code": "invalid", "message": " ".join(messages) or str(ERR_INVALID), "fields": {}}
    code = exc.default_code if isinstance(exc.default_code, str) else "error"
    return {"code": code, "message": str(exc.detail), "fields": {}}


def _flatten(detail, prefix: str = "") -> dict:
    """{"items": [{}, {"year": ["…"]}]} → {"items.1.year": ["…"]}."""
    out = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        messages = [str(m) for m in _messages(detail)]
        if messages:
            out[prefix or "non_field_errors"] = messages
    return out


def _messages(detail):
    if isinstance(detail, list):
        for item in detail:
            yield from _messages(item)
    elif isinstance(detail, dict):
        for item in detail.values():
            yield from _messages(item)
    elif detail:
        yield detail
