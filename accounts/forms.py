"""Forms of the web UI: the add-a-mailbox wizard steps, the
paste-and-check form and account editing.

No clean() here does network I/O: formtools re-validates every wizard step in
done(), and a DNS lookup or a login in clean() would run again each time.
"""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import MailboxAccount
from accounts.validators import refuse_control_characters, validate_host
from laifaxin.copy_style import tidy_spacing
from providers.detect import InvalidAddress, normalize_address
from providers.models import Provider, Security

OTHER = "other"

SECURITY_CHOICES = Security.choices


# -- the wizard ---------------------------------------------------------------


class AddressForm(forms.Form):
    # A CharField, not an EmailField: people on Chinese keyboards type "＠" and
    # "。", which providers.detect.normalize_address repairs.
    address = forms.CharField(
        label=_("The email address you want to connect"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "name@icloud.com", "autofocus": True}),
    )

    error_messages = {
        "empty": _("Enter your email address."),
        "no_at": _("An email address has an @ in it, like name@icloud.com."),
        "bad_local_part": _("The part before the @ is not valid. Check for typos or spaces."),
        "bad_domain": _("The part after the @ is not a valid domain. Check for typos, such as “icloud,com”."),
    }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_address(self):
        try:
            local, domain = normalize_address(self.cleaned_data["address"])
        except InvalidAddress as error:
            raise forms.ValidationError(self.error_messages[error.code], code=error.code) from None
        address = f"{local}@{domain}"
        if self.user is not None and MailboxAccount.objects.for_user(self.user).filter(address=address).exists():
            raise forms.ValidationError(
                _("You have already connected this address. Find it under My mailboxes."),
                code="duplicate",
            )
        return address


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(label=_("Choose the provider"), widget=forms.RadioSelect)
    # iCloud+ custom domains (detected by MX) sign in with the @icloud.com address.
    login_address = forms.EmailField(
        label=_("The address you sign in with"),
        required=False,
        help_text=_(
            "Only if it differs from the address above, for example your @icloud.com address "
            "for an iCloud+ custom domain."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = {p.slug: p for p in Provider.objects.enabled()}
        self.fields["provider"].choices = [(slug, p.name) for slug, p in self.providers.items()] + [
            (OTHER, _("Another provider (I will enter the server settings)"))
        ]

    def searchable_choices(self):
        """Each radio with the words the picker's search matches: both names,
        the slug and the address domains (people type "qq" or "163.com")."""
        terms = {slug: " ".join([p.name_zh, p.name_en, slug, *p.domains]).lower() for slug, p in self.providers.items()}
        return [(radio, terms.get(radio.data["value"], "")) for radio in self["provider"]]

    def clean_login_address(self):
        return self.cleaned_data["login_address"].strip().lower()


class ServersForm(forms.Form):
    imap_host = forms.CharField(
        label=_("IMAP server"), max_length=255, widget=forms.TextInput(attrs={"placeholder": "imap.example.com"})
    )
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(label=_("IMAP encryption"), choices=SECURITY_CHOICES, initial=Security.SSL.value)
    smtp_host = forms.CharField(
        label=_("SMTP server"), max_length=255, widget=forms.TextInput(attrs={"placeholder": "smtp.example.com"})
    )
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535, initial=465)
    smtp_security = forms.ChoiceField(label=_("SMTP encryption"), choices=SECURITY_CHOICES, initial=Security.SSL.value)
    username = forms.CharField(
        label=_("Username (if it is not the full address)"),
        max_length=255,
        required=False,
        help_text=_("Leave empty to log in with the full email address."),
        validators=[refuse_control_characters],
    )

    def clean_imap_host(self):
        return validate_host(self.cleaned_data["imap_host"])

    def clean_smtp_host(self):
        return validate_host(self.cleaned_data["smtp_host"])


class OAuth2OnlyForm(forms.Form):
    """The stop for providers without password login: it never validates."""

    def clean(self):
        raise forms.ValidationError(
            _("This provider does not accept app passwords, so it cannot be connected this way yet."),
            code="oauth2_only",
        )


class SignInForm(forms.Form):
    """The sign-in step. Signing in is a button of its own (accounts.signin_views);
    submitting this form means "use an app password instead", which only
    providers that take passwords allow."""

    def __init__(self, *args, takes_password: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.takes_password = takes_password

    def clean(self):
        if not self.takes_password:
            raise forms.ValidationError(
                _("This provider only allows signing in on its own page: use the sign-in button."),
                code="sign_in_only",
            )
        return super().clean()


class PrerequisitesForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("I have done this"),
        error_messages={"required": _("Tick the box once the steps above are done; without them the login will fail.")},
    )


class GenerateForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("I have generated the password and copied it"),
        error_messages={"required": _("Tick the box once you have the new password; you paste it in the next step.")},
    )


# -- paste and check (plain forms, never wizard steps) --------------------------


class CredentialForm(forms.Form):
    """The pasted credential, normalized and checked against the provider's shape.

    The password is never rendered back into the page (render_value=False): a
    form with errors asks for it again.
    """

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=255,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={
                "autocomplete": "new-password",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "secret-input",
                "data-show-label": _("Show"),
                "data-hide-label": _("Hide"),
            },
        ),
    )
    check_anyway = forms.BooleanField(
        label=_("I am sure this is the right password: check it anyway"),
        required=False,
    )

    def __init__(self, *args, provider: Provider | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.normalized = ""
        self.shape_warning = False
        if provider is not None:
            self.fields["password"].label = capfirst(provider.credential_name)
            if provider.credential_example:
                self.fields["password"].help_text = _(
                    "Looks like %(example)s. Spaces, missing hyphens and capitals are fixed for you."
                ) % {"example": provider.credential_example}
                self.fields["password"].widget.attrs["placeholder"] = provider.credential_example

    def shows_check_anyway(self) -> bool:
        """The box appears only once a shape warning was shown (or it is ticked)."""
        return self.shape_warning or (self.is_bound and bool(self.data.get(self.add_prefix("check_anyway"))))

    def clean_password(self):
        raw = self.cleaned_data["password"]
        value = self.provider.normalize_credential(raw) if self.provider else raw.strip()
        if not value:
            raise forms.ValidationError(_("Paste the password."), code="required")
        refuse_control_characters(value)
        self.normalized = value
        return value

    def clean(self):
        cleaned = super().clean()
        if self.provider is None or not self.normalized:
            return cleaned
        if self.provider.credential_matches_shape(self.normalized):
            return cleaned
        if cleaned.get("check_anyway"):
            return cleaned
        self.shape_warning = True
        raise forms.ValidationError(self.shape_message(), code="shape")

    def shape_message(self) -> str:
        p = self.provider
        values = {"provider": p.name, "credential": p.credential_name, "example": p.credential_example or "—"}
        return tidy_spacing(
            _(
                "This does not look like the %(credential)s that %(provider)s generates (%(example)s). If it "
                "is the password you sign in to %(provider)s with, it will not work here: mail apps need the "
                "%(credential)s. Generate one as the steps on this page show, or tick the box below if you "
                "are sure."
            )
            % values
        )


class AccountEditForm(forms.ModelForm):
    # Changing these is checked live before it is saved (views.edit).
    USERNAME_FIELDS = ("imap_username", "smtp_username")

    class Meta:
        model = MailboxAccount
        fields = ("label", "imap_username", "smtp_username")
        labels = {
            "label": _("Label"),
            "imap_username": _("IMAP username"),
            "smtp_username": _("SMTP username"),
        }
        help_texts = {
            "label": _("A name for yourself, for example “Work” or “Family”."),
            "imap_username": _("Leave empty to use the provider's usual username."),
            "smtp_username": _("Leave empty to use the provider's usual username."),
        }


class MailboxFilterForm(forms.Form):
    """The search and filters above My mailboxes (GET); bad values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    provider = forms.CharField(label=_("Provider"), required=False, max_length=50)

    def __init__(self, *args, statuses=(), providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *statuses]
        self.provider_choices = [("", _("All providers")), *providers]

    def apply(self, accounts):
        if not self.is_valid():
            return accounts
        data = self.cleaned_data
        if q := data["q"].strip():
            accounts = accounts.filter(models.Q(address__icontains=q) | models.Q(label__icontains=q))
        if data["status"]:
            accounts = accounts.shown_as(data["status"])
        if data["provider"] == OTHER:
            accounts = accounts.filter(provider__isnull=True)
        elif data["provider"]:
            accounts = accounts.filter(provider__slug=data["provider"])
        return accounts

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class ImportForm(forms.Form):
    """A file (CSV or XLSX) or pasted rows; read by accounts.spreadsheets."""

    file = forms.FileField(label=_("A CSV or Excel (XLSX) file"), required=False)
    pasted = forms.CharField(
        label=_("Or paste rows"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("One mailbox per line: address, password, label (separated by commas or tabs, as Excel copies)."),
    )

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("file"), (cleaned.get("pasted") or "").strip()
        if not upload and not pasted:
            raise forms.ValidationError(_("Choose a file or paste some rows."), code="empty")
        if (upload and upload.size > settings.MAILBOX_IMPORT_MAX_BYTES) or len(pasted.encode()) > (
            settings.MAILBOX_IMPORT_MAX_BYTES
        ):
            raise forms.ValidationError(
                _("This file is larger than %(size)d KB. Split it, or remove the columns we do not need."),
                code="too_big",
                params={"size": settings.MAILBOX_IMPORT_MAX_BYTES // 1024},
            )
        return cleaned
