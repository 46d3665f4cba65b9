"""Input checks at the edge: the upload form (size and type) and the review page's POST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict

from review.models import RejectReason

ALLOWED_SUFFIXES = {".pdf", ".html", ".htm", ".shtml", ".docx", ".txt", ".md"}
CELL_PREFIX = "cell:"


def sniff_ok(suffix: str, head: bytes) -> bool:
    """The bytes must look like what the name says (or like text): no executables or archives."""
    if head.startswith(b"%PDF-"):
        return True
    if head.startswith(b"PK\x03\x04"):
        return suffix == ".docx"
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return suffix != ".pdf" and suffix != ".docx"


class UploadForm(forms.Form):
    file = forms.FileField(help_text="PDF, HTML, DOCX, text or markdown")
    source_url = forms.URLField(required=False, max_length=1000, assume_scheme="https",
                                help_text="where the report was published, if known")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = int(settings.MAX_UPLOAD_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(f"the file is {upload.size:,} bytes; the limit is {limit:,} bytes")
        if upload.size == 0:
            raise forms.ValidationError("the file is empty")
        suffix = Path(upload.name).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            allowed = ", ".join(sorted(ALLOWED_SUFFIXES))
            raise forms.ValidationError(f"{suffix or 'no extension'}: upload one of {allowed}")
        head = upload.read(8192)
        upload.seek(0)
        if not sniff_ok(suffix, head):
            raise forms.ValidationError(f"the content of {upload.name} is not a {suffix[1:].upper()} document")
        return upload


class ReviewActionForm(forms.Form):
    """Everything the review page posts besides the cells: the action, the version, the note."""

    action = forms.ChoiceField(choices=[(a, a) for a in ("save", "verify", "reject", "reopen", "claim", "release")])
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(required=False, max_length=2000)
    reject_reason = forms.ChoiceField(required=False, choices=[("", "—"), *RejectReason.choices])
    organization = forms.CharField(required=False, max_length=255)
    year = forms.CharField(required=False, max_length=8)
    template = forms.ChoiceField(required=False, choices=[("", "—"), ("2021", "2021"), ("2019", "2019")])


def posted_cells(data: QueryDict) -> dict[str, str]:
    """``cell:table/row/field`` inputs → {"table/row/field": typed text}."""
    return {name[len(CELL_PREFIX):]: str(value) for name, value in data.items() if name.startswith(CELL_PREFIX)}


def posted_meta(form: ReviewActionForm, data: QueryDict) -> dict[str, str]:
    """Only the header fields the page actually sent (a read-only page sends none)."""
    return {name: form.cleaned_data[name] or "" for name in ("organization", "year", "template") if name in data}
