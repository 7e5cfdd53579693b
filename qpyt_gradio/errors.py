"""Errors a user can act on. Their message says what is wrong and what to do.

The UI turns them into ``gr.Error`` in one place (``qpyt_gradio.ui.errors``); everything
else that goes wrong is a bug and keeps its traceback.
"""


class UserFacingError(Exception):
    """A problem with what the user asked for or supplied; the message explains the fix."""


class InvalidInput(UserFacingError):
    """A parameter, file or name that cannot be used as given."""


class ModelUnavailable(UserFacingError):
    """A model that cannot be loaded here: missing, unreachable, refused or unreadable."""


class NothingWritten(UserFacingError):
    """A model that wrote no text for this input; the message says what to change."""


class GenerationCancelled(Exception):
    """Raised between sampling steps when the user pressed Cancel."""
