"""OpenAPI: every operation documents the error responses it can give, all in the one shape of api.exceptions."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("出错条目在 items 中的序号（从 0 开始）"))
    field = serializers.CharField(help_text=_("出错的字段，例如 school、year、values.kg_children"))
    reason = serializers.CharField(help_text=_("原因"))


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("错误代码，供程序判断：invalid、not_authenticated、not_found …"))
    message = serializers.CharField(help_text=_("错误说明，按请求语言（默认中文）"))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text=_("各字段的错误说明")
    )
    items = ErrorItemSerializer(many=True, required=False, help_text=_("批量写入时每个出错条目的问题"))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


ERRORS = {
    "400": _("请求参数或数据有误"),
    "401": _("未提供或提供了无效的令牌"),
    "403": _("角色、令牌或管理范围不允许此操作"),
    "404": _("对象不存在或不在管理范围内；页码超出范围"),
    "415": _("请求体格式不受支持（请使用 application/json）"),
    "429": _("请求过于频繁，请按 Retry-After 等待"),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = OpenApiResponse(response=ErrorSerializer, description=str(ERRORS[code]))
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400", "429"]
        if any(isinstance(p, permissions.IsAuthenticated) for p in self.view.get_permissions()):
            codes += ["401", "403", "404"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        return sorted(codes)


TOKEN_SCHEME = _("令牌认证：在请求头中发送 “Authorization: Token <令牌>”。令牌由 POST /api/v1/auth/token/ 获取。")


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <key>` in the schema, so that Swagger UI's Authorize button offers it."""

    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(TOKEN_SCHEME),
        }
