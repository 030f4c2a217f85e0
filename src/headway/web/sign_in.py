"""The sign-in page, refusing with HTTP 429 while a username or an address is over its limit."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from headway.orgs import sign_in


class SignInView(LoginView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = request.POST.get("username", "")
        if sign_in.is_refused(username, sign_in.client_address(request), timezone.now()):
            # An unbound form keeping the username: validating this one would check the password.
            form = self.get_form_class()(request, initial={"username": username})
            context = self.get_context_data(form=form, refused=sign_in.refused_message())
            response = self.render_to_response(context)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)
