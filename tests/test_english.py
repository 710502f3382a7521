"""The UI in English: the language switch, pages and form errors, and a complete English catalogue.

The msgids are the Chinese UI strings; locale/en/LC_MESSAGES/django.po holds their English. After
adding or changing UI text, run `make messages` (makemessages + compilemessages), translate the new
entries in django.po, run it again and commit both django.po and django.mo.
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import DataElementFactory, SchoolFactory, UserScopeFactory, region_chain

REPO_ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = REPO_ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
YEAR = 2025
# Any CJK ideograph: English pages may still show Chinese data (school and element names), never Chinese UI text.
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the request's language in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


def choose_english(client, next_url="/"):
    """What the language switch in the top bar does."""
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    return response


# ---------------------------------------------------------------- pages


def test_the_language_switch_turns_the_login_page_into_english(client):
    choose_english(client)
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Log in</h1>" in page
    assert "Username" in page and "Password" in page
    assert "登录" not in page
    assert "简体中文" in page  # the switch back names Chinese in Chinese


def test_a_browser_asking_for_english_gets_the_login_page_in_english(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert "<h1>Log in</h1>" in page
    assert "登录" not in page


def test_chinese_stays_the_default(client):
    page = client.get(reverse("login")).content.decode()
    assert "<h1>登录</h1>" in page


@pytest.mark.django_db
def test_a_staff_member_sees_the_home_page_in_english(client):
    user = UserScopeFactory(region=region_chain("330206001").parent).user
    client.force_login(user)
    choose_english(client)
    page = client.get(reverse("home")).content.decode()
    assert "<h1>Action plans</h1>" in page
    assert "Data entry" in page and "Log out" in page and "Change password" in page
    assert "Staff" in page  # the role in the top bar
    for chinese in ("行动计划", "数据填报", "退出", "业务人员"):
        assert chinese not in page


@pytest.mark.django_db
def test_the_data_entry_list_is_in_english(client):
    township = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    SchoolFactory(kindergarten=True, region=township, name="新碶幼儿园")
    client.force_login(UserScopeFactory(region=township.parent).user)
    choose_english(client)
    page = client.get(reverse("schools:submissions"), {"year": YEAR}).content.decode()
    assert f"{YEAR} data entry status" in page
    for english in ("School type", "Filter", "Export to Excel", "Completeness", "Not entered", "Kindergarten"):
        assert english in page
    assert "1 school" in page
    ui_text = page
    for data in ("新碶幼儿园", "新碶街道", "北仑区", "简体中文"):  # names from the database, the switch back
        ui_text = ui_text.replace(data, "")
    assert not CJK.search(ui_text), CJK.search(ui_text)


@pytest.mark.django_db
def test_a_mistake_on_the_data_form_is_explained_in_english(client):
    township = region_chain("330206001")
    school = SchoolFactory(kindergarten=True, region=township)
    DataElementFactory(code="kg_children", name="在园幼儿数", group="幼儿", min_value=0, max_value=2000)
    client.force_login(UserScopeFactory(clerk=True, school=school).user)
    choose_english(client)
    url = reverse("schools:school_data", args=[school.pk, YEAR])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["kg_children"] = "twenty"
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“twenty” is not a number" in page
    assert "nothing was saved" in page
    assert "不是数字" not in page and "数据有误" not in page


# ---------------------------------------------------------------- the catalogue


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (list), flags. Obsolete (#~) entries are skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": set(), "msgstr": []}
        field = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[field][-1] += _unquote(line)
            else:
                keyword, _, text = line.partition(" ")
                field = "msgstr" if keyword.startswith("msgstr") else keyword
                entry.setdefault(field, [])
                entry[field].append(_unquote(text))
        if "msgid" in entry:
            entry["msgid"] = entry["msgid"][0]
            entries.append(entry)
    return entries


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text.strip()[1:-1])


def untranslated(path: Path) -> list[str]:
    entries = parse_po(path)
    assert entries and entries[0]["msgid"] == "", "the catalogue starts with its header"
    return [
        e["msgid"] for e in entries if "fuzzy" in e["flags"] or (e["msgid"] and not all(s.strip() for s in e["msgstr"]))
    ]


def test_every_entry_of_the_english_catalogue_is_translated():
    """Run `make messages`, then translate every entry it lists here (and drop the fuzzy flags)."""
    missing = untranslated(CATALOGUE)
    assert not missing, f"{len(missing)} untranslated or fuzzy entries in {CATALOGUE}: {missing[:20]}"


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed so that a fresh clone needs no gettext tools; `make messages` rebuilds it."""
    with COMPILED.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for entry in parse_po(CATALOGUE):
        if not entry["msgid"] or "msgid_plural" in entry:
            continue
        assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], f"django.mo is stale: {entry['msgid']!r}"


@pytest.mark.skipif(not shutil.which("xgettext") or not shutil.which("msgmerge"), reason="needs GNU gettext")
def test_the_catalogue_has_every_string_the_code_marks(tmp_path):
    """makemessages on a copy of the code adds nothing untranslated: no UI text was added without `make messages`."""
    ignore = shutil.ignore_patterns(
        ".*", "node_modules", "test-artifacts", "bench", "tests", "media", "staticfiles", "__pycache__", "*.sqlite3*"
    )
    copy = tmp_path / "repo"
    shutil.copytree(REPO_ROOT, copy, ignore=ignore)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--ignore=node_modules"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    missing = untranslated(copy / CATALOGUE.relative_to(REPO_ROOT))
    assert not missing, f"run `make messages` and translate these {len(missing)} strings: {missing[:20]}"
