"""Page-number pagination with a bounded page size; a malformed page or page size is a 400, not a guess."""

from django.core.paginator import Page
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

MAX_PAGE_SIZE = 1000
MAX_PAGE = 10**9
ERR_PAGE_SIZE = _("每页条数必须是 1 到 {max} 之间的整数。")
ERR_PAGE = _("页码必须是正整数。")


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _positive(raw)
        if size is None or size > self.max_page_size:
            raise ValidationError({self.page_size_query_param: [ERR_PAGE_SIZE.format(max=self.max_page_size)]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        """The count, then the page; as dicts of the view's `list_values` columns when it names them.

        The count runs on the filtered queryset before those columns are added, so it joins only what the
        filters need, and the page query can stop after its rows instead of joining every match.
        """
        raw = request.query_params.get(self.page_query_param)
        number = 1 if raw is None else _positive(raw)
        if number is None:
            raise ValidationError({self.page_query_param: [ERR_PAGE]})
        size = self.get_page_size(request)
        self.request = request
        paginator = self.django_paginator_class(queryset, size)
        offset = (number - 1) * size
        if number > 1 and offset >= paginator.count:
            raise NotFound(self.invalid_page_message)
        columns = getattr(view, "list_values", None)
        rows = (queryset.values(*columns) if columns else queryset)[offset : offset + size]
        rows = list(rows) if paginator.count else []
        self.page = Page(rows, number, paginator)
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return rows

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(minimum=1, maximum=MAX_PAGE)
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = str(_("每页条数，默认 {default}，最多 {max}。")).format(
                    default=self.page_size, max=self.max_page_size
                )
        return parameters


def _positive(raw: str) -> int | None:
    """A positive integer up to MAX_PAGE, or None; long strings are refused before int() reads them."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return None
    return int(raw) if 0 < int(raw) <= MAX_PAGE else None
