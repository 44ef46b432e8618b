"""Form helpers shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField, Form
from django.forms.renderers import DjangoTemplates


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class TablerFormRenderer(DjangoTemplates):
    """Every ``{{ form }}`` renders in the shell's layout: Tabler classes, the label above the
    field, the help text and the errors beside it (``core/forms/*.html``)."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


class DateInput(forms.DateInput):
    """The one date input of every form: the browser's date picker, ISO values (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    """A calendar month (YYYY-MM): the browser's month picker where it has one, else a text box;
    pair it with ``input_formats=["%Y-%m"]``."""

    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"placeholder": "YYYY-MM", **(attrs or {})}, format="%Y-%m")


def widget_class(widget: forms.Widget) -> str:
    """The Tabler class for a widget."""
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return ""  # a list of choices: laid out by .choice-list (site.css), not Tabler's single check
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(
        widget, forms.RadioSelect | forms.CheckboxSelectMultiple
    ):
        return "form-select"
    return "form-control"


def render_widget(field: BoundField) -> str:
    """The field's widget with the Tabler class (and ``is-invalid`` when it has errors); a plain
    text date input becomes :class:`DateInput`."""
    widget = field.field.widget
    classes = [widget.attrs.get("class", ""), widget_class(widget)]
    if field.errors:
        classes.append("is-invalid")
    attrs: dict[str, str | bool] = {"class": " ".join(c for c in classes if c)}
    if isinstance(field.field, forms.DateField) and type(widget) is forms.DateInput:
        return field.as_widget(widget=DateInput(attrs=widget.attrs), attrs=attrs)
    return field.as_widget(attrs=attrs)
