"""Forms of the data-entry pages. Values are typed as text and checked by schools.validation."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import DataElement, Designation, KindergartenGrade, SchoolType, SubmissionEvent
from .validation import check_values, plain

SEEN_PREFIX = "seen__"


class ValuesForm(forms.Form):
    """One text field per data element, plus the value each had when the form was opened.

    The hidden "seen" values let the save detect that somebody else changed the data meanwhile.
    """

    def __init__(self, *args, elements: list[DataElement], current: dict, previous: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.elements = elements
        self.previous = previous or {}
        for element in elements:
            label = element.name
            self.fields[element.code] = forms.CharField(
                label=label,
                required=False,
                initial=plain(current.get(element.code)),
                help_text=element.help_text,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "num"}),
            )
            self.fields[SEEN_PREFIX + element.code] = forms.CharField(
                required=False, initial=plain(current.get(element.code)), widget=forms.HiddenInput
            )
        self.checked = None

    def clean(self):
        cleaned = super().clean()
        raw = {e.code: cleaned.get(e.code, "") for e in self.elements}
        self.checked = check_values(self.elements, raw)
        for code, messages in self.checked.errors.items():
            for message in messages:
                self.add_error(code if code in self.fields else None, message)
        for message in self.checked.general:
            self.add_error(None, message)
        return cleaned

    @property
    def values(self) -> dict:
        return self.checked.values

    @property
    def seen(self) -> dict:
        result = {}
        for element in self.elements:
            text = (self.data.get(self.add_prefix(SEEN_PREFIX + element.code)) or "").strip()
            try:
                result[element.code] = Decimal(text) if text else None
            except ArithmeticError:
                result[element.code] = None
        return result

    def groups(self):
        """[(group name, [(element, bound field, previous year's value)])] in form order."""
        result = []
        for element in self.elements:
            group = element.group or _("其他")
            if not result or result[-1][0] != group:
                result.append((group, []))
            result[-1][1].append((element, self[element.code], plain(self.previous.get(element.code))))
        return result


class AttributesForm(forms.Form):
    """The year-dependent attributes staff maintain: kindergarten grade and designations."""

    grade = forms.TypedChoiceField(
        label=gettext_lazy("幼儿园等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *KindergartenGrade.choices],
    )
    designations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("认定称号"),
        required=False,
        queryset=Designation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        if school.school_type != SchoolType.KINDERGARTEN:
            del self.fields["grade"]


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=SubmissionEvent.Action.choices, widget=forms.HiddenInput)
    comment = forms.CharField(label=gettext_lazy("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
