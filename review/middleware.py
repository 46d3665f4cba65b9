"""Refuse an oversized request before Django reads its body (the upload form checks again, per file).

Not active until listed in settings.MIDDLEWARE before CsrfViewMiddleware (which reads the body):
    "review.middleware.UploadLimitMiddleware",
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORM_OVERHEAD = 1024 * 1024
"""Room for the multipart envelope and the other form fields beside the file."""


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = int(settings.MAX_UPLOAD_BYTES) + FORM_OVERHEAD
        if length > limit:
            return HttpResponse(f"Request too large: {length:,} bytes; uploads are limited to "
                                f"{int(settings.MAX_UPLOAD_BYTES):,} bytes.", status=413, content_type="text/plain")
        return self.get_response(request)
