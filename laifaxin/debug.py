"""Error reports that never show a credential, even on the debug page."""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, plus: any frame variable named like a secret is blanked.

    Django cleanses the locals of functions marked ``sensitive_variables`` and
    settings named like secrets; a function someone forgets to mark would still
    show its ``password`` on the debug page, and a view without
    sensitive_post_parameters the posted one. This catches both by name.
    """

    hidden_variables = re.compile(r"pass|secret|token|credential|cipher|signature", re.I)

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if not any(self.hidden_variables.search(key) for key in parameters):
            return parameters
        cleansed = parameters.copy()
        for key in parameters:
            if self.hidden_variables.search(key):
                cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [
            (name, self.cleansed_substitute if self.hidden_variables.search(name) else value)
            for name, value in variables
        ]
