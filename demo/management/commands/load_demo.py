from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.services import DEMO_PASSWORD, DEMO_USERS, demo_load

ERR_NOT_DEBUG = "DEBUG 关闭时不能创建演示账号（它们的密码是公开的）。如只需演示数据，请加 --no-users。"


class Command(BaseCommand):
    help = "加载演示数据：北仑区及其街道、约 140 所学校、四年数据、三个真实行动计划和演示账号（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--no-users", action="store_true", help="不创建演示账号")

    def handle(self, *args, no_users, **options):
        if not no_users and not settings.DEBUG:
            raise CommandError(ERR_NOT_DEBUG)
        counts = demo_load(with_users=not no_users)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪：" + "，".join(f"{k} {v}" for k, v in counts.items())))
        if not no_users:
            names = "、".join(u[0] for u in DEMO_USERS)
            self.stdout.write(f"演示账号：{names}（密码均为 {DEMO_PASSWORD}）")
