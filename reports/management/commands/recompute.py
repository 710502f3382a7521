from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plans.models import Plan
from reports.progress import progress_recompute
from reports.rollup import data_years, values_recompute_all
from targets.models import Indicator

ERR_NO_PLAN = "找不到计划：{}"
ERR_NO_INDICATOR = "找不到指标：{}"


class Command(BaseCommand):
    help = "重算指标值（各级区划）和目标进展；与每晚的定时任务调用同一服务。可按计划、指标、年度限定。"

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="计划代码：只重算该计划的指标和进展")
        parser.add_argument("--indicator", help="指标代码：只重算该指标")
        parser.add_argument("--year", type=int, action="append", help="年度（可重复）")

    def handle(self, *args, plan, indicator, year, **options):
        codes, plan_ids, indicator_ids = None, None, None
        if plan:
            plan_obj = Plan.objects.filter(code=plan).first()
            if plan_obj is None:
                raise CommandError(ERR_NO_PLAN.format(plan))
            plan_ids = [plan_obj.pk]
            codes = sorted(set(plan_obj.targets.values_list("indicator__code", flat=True)))
        if indicator:
            ind = Indicator.objects.filter(code=indicator).first()
            if ind is None:
                raise CommandError(ERR_NO_INDICATOR.format(indicator))
            codes, indicator_ids = [indicator], [ind.pk]
        years = year or data_years()
        values = 0
        for y in tqdm(years, desc="指标值", unit="年", disable=options["verbosity"] == 0):
            values += values_recompute_all(indicator_codes=codes, years=[y])
        progress = progress_recompute(plan_ids=plan_ids, indicator_ids=indicator_ids)
        self.stdout.write(self.style.SUCCESS(f"已重算：指标值 {values} 条，目标进展 {progress} 条。"))
