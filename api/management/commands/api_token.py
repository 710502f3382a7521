from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.services import token_create

ERR_NO_USER = "找不到用户：{}"


class Command(BaseCommand):
    help = "为用户创建接口令牌并输出令牌（只显示这一次）。与 POST /api/v1/auth/token/ 调用同一服务。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="令牌名称，例如 BI 报表")
        parser.add_argument("--read-only", action="store_true", help="只读令牌")

    def handle(self, *args, username, name, read_only, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(ERR_NO_USER.format(username))
        _token, key = token_create(user=user, name=name, read_only=read_only)
        self.stdout.write(key)
