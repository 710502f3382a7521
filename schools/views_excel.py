"""Excel in the browser: download the fill-in template, upload a filled one, follow the import job.

Regions come from the user's scope and jobs from the user's own, so anything else answers 404.
Officials may download templates (they read the data) but not upload.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import excel, imports, selectors
from .models import ImportJob, SchoolType

FIRST_YEAR = 2000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

ERR_TOO_BIG = gettext_lazy("文件不能超过 {mb} MB。")


def _year_field():
    return forms.IntegerField(
        label=gettext_lazy("年度"),
        min_value=FIRST_YEAR,
        max_value=timezone.localdate().year + 1,
        initial=timezone.localdate().year,
    )


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return "\u3000" * max(region.level - 3, 0) + region.name


class TemplateForm(forms.Form):
    region = RegionChoiceField(label=gettext_lazy("区划"), queryset=None)
    year = forms.IntegerField()
    school_type = forms.ChoiceField(
        label=gettext_lazy("学校类型"), required=False, choices=[("", gettext_lazy("全部"))] + SchoolType.choices
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = selectors.regions_for(user)
        self.fields["region"].queryset = regions
        self.fields["region"].empty_label = None
        self.fields["region"].initial = regions.first()  # the top of the user's subtree
        self.fields["year"] = _year_field()


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    year = forms.IntegerField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = _year_field()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(ERR_TOO_BIG.format(mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
        head = upload.read(8)
        upload.seek(0)
        try:
            excel.check_magic(head)
        except excel.WorkbookError as exc:
            raise forms.ValidationError(exc.message) from None
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(excel.ERR_NOT_XLSX)
        return upload


def _may_upload(user) -> bool:
    return imports.importable_schools(user).exists()


def _job(user, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.filter(user=user), pk=pk)


@login_required
def upload(request):
    """The Excel page: a template to download, and (for those who enter data) the upload of a filled one."""
    may_upload = _may_upload(request.user)
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied(_("您的角色只能下载模板，不能导入数据。"))
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = imports.import_job_create(
                user=request.user, upload=form.cleaned_data["file"], year=form.cleaned_data["year"]
            )
            return redirect("excel:job", pk=job.pk)
    else:
        form = UploadForm()
    return _page(request, upload_form=form, may_upload=may_upload)


def _page(request, *, upload_form=None, template_form=None, may_upload=None, status=200):
    if may_upload is None:
        may_upload = _may_upload(request.user)
    context = {
        "template_form": template_form or TemplateForm(user=request.user),
        "upload_form": upload_form or UploadForm(),
        "may_upload": may_upload,
        "jobs": ImportJob.objects.filter(user=request.user)[:10] if may_upload else [],
    }
    return render(request, "schools/excel/upload.html", context, status=status)


@login_required
def template_download(request):
    """GET ?region=<id>&year=<y>[&school_type=]: the fill-in workbook of the schools in scope under that region."""
    try:
        region_id = int(request.GET.get("region", ""))
    except ValueError:
        raise Http404 from None
    region = get_object_or_404(selectors.regions_for(request.user), pk=region_id)
    form = TemplateForm(request.GET, user=request.user)
    if not form.is_valid():
        return _page(request, template_form=form, status=400)
    year = form.cleaned_data["year"]
    filename, data = imports.template_build(
        user=request.user, region=region, year=year, school_type=form.cleaned_data["school_type"]
    )
    return excel.xlsx_response(data, filename, fallback=f"eduplan-template-{region.code}-{year}.xlsx")


@login_required
def job_detail(request, pk: int):
    """One import: a progress bar while it runs, then what was saved or every problem found."""
    job = _job(request.user, pk)
    context = {
        "job": job,
        "status_url": reverse("excel:job_status", args=[job.pk]),
        "problems": job.errors,
        "listed_all": len(job.errors) >= job.counts.get("problems", 0),
        "percent": _percent(job),
    }
    return render(request, "schools/excel/job.html", context)


@login_required
def job_status(request, pk: int):
    """The job's progress as JSON, polled by static/js/import_progress.js."""
    job = _job(request.user, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "finished": job.is_finished,
            "total_rows": job.total_rows,
            "processed_rows": job.processed_rows,
            "percent": _percent(job),
            "counts": job.counts,
            "problems": job.counts.get("problems", len(job.errors)) if job.state == ImportJob.State.FAILED else 0,
        }
    )


@login_required
def job_marked(request, pk: int):
    """The user's workbook with the problem cells marked red and commented."""
    job = _job(request.user, pk)
    if not job.marked_file:
        raise Http404
    stem = (job.original_name or "import.xlsx").rsplit(".", 1)[0]
    response = FileResponse(job.marked_file.open("rb"), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = excel.content_disposition(_("{name}（错误标注）.xlsx").format(name=stem))
    return response


def _percent(job: ImportJob) -> int:
    if job.is_finished:
        return 100
    return round(100 * job.processed_rows / job.total_rows) if job.total_rows else 0
