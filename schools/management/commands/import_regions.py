"""Import provinces, cities and counties (and chosen counties' townships) from the NBS division codes."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from schools.services import regions_import


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


class Command(BaseCommand):
    help = "导入国家统计局统计用区划代码（省、市、区县，以及指定区县的街道乡镇），可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--province", type=_codes, default=[], help="只导入这些省，如 33 或 33,31")
        parser.add_argument("--townships", type=_codes, default=[], help="同时导入这些区县的街道乡镇，如 330206")

    def handle(self, *args, province, townships, **options):
        try:
            counts = regions_import(provinces=province or None, with_townships_of=townships or None)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"行政区划导入完成：新增 {counts['created']} 个，更新名称 {counts['updated']} 个，"
                f"未变 {counts['unchanged']} 个。"
            )
        )
