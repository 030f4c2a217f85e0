"""The alert channel form. It reads what admins type; ``alert_services`` validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from headway.kpis.choices import ChannelKind
from headway.kpis.models import AlertChannel, Kpi
from headway.web import pickers

# Above this many KPIs a channel's KPIs are keys to type, not thousands of checkboxes.
KPI_CHOICES_LIMIT = 200


class ChannelForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="e.g. “Ops e-mail”, “#alerts”.")
    kind = forms.ChoiceField(label="Kind", choices=ChannelKind.choices)
    recipients = forms.CharField(
        label="E-mail recipients",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For e-mail: addresses separated by commas or new lines.",
    )
    url = forms.CharField(
        label="Webhook URL",
        required=False,
        max_length=500,
        help_text="For webhooks: a Slack incoming webhook, or any URL that takes JSON.",
        widget=forms.URLInput(),
    )
    # Made in __init__: checkboxes, or past KPI_CHOICES_LIMIT keys to type.
    kpis = forms.Field(label="KPIs", required=False)
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        kpis: list[Kpi],
        org_id: int,
        channel: AlertChannel | None = None,
        **kwargs: Any,
    ) -> None:
        """``kpis`` need hold only one more than ``KPI_CHOICES_LIMIT``: past it they are typed."""
        if channel is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": channel.name,
                "kind": channel.kind,
                "recipients": channel.recipients,
                "url": channel.url,
                "kpis": list(channel.kpis.all()),
                "enabled": channel.enabled,
            }
        super().__init__(*args, **kwargs)
        everything = Kpi.objects.filter(organization_id=org_id)
        self.fields["kpis"] = pickers.pick_many(
            pickers.KPI,
            kpis,
            limit=KPI_CHOICES_LIMIT,
            queryset=everything,
            base=everything,
            label_of=lambda kpi: kpi.name,
            label="KPIs",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="None chosen: every KPI, including ones added later.",
        )
        # A channel keeps its kind: an e-mail list does not turn into a URL, so editing shows
        # only the field its kind uses.
        self.fields["kind"].disabled = channel is not None
        self.editing = channel is not None
        if channel is not None:
            del self.fields["url" if channel.kind == ChannelKind.EMAIL else "recipients"]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {
            "name": data["name"],
            "kpi_ids": [kpi.pk for kpi in data["kpis"]],
            "enabled": data["enabled"],
        }
        if "recipients" in self.fields:
            out["recipients"] = data["recipients"]
        if "url" in self.fields:
            out["url"] = data["url"].strip()
        if not self.editing:
            out["kind"] = data["kind"]
        return out
