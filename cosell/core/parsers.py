"""The API's JSON parser: a body is one JSON object, nested at most ``MAX_DEPTH`` deep.

Python's decoder recurses once per level, so a body nested about a thousand deep raised
RecursionError (a 500, also unauthenticated on the token endpoint). Here it answers 400, and a
body that is not an object (``null``, a list, a number) answers 400 naming the body before any
serializer sees it."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def depth_exceeds(value, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: no recursion of our own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class ObjectJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            raw = stream.read().decode(encoding)
            data = json.loads(raw, parse_constant=self._reject_constant)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
        if not isinstance(data, dict):
            raise ParseError(_("Send one JSON object as the body."))
        if depth_exceeds(data, MAX_DEPTH):
            raise ParseError(
                _("The JSON body is nested too deeply (at most %(depth)d levels).")
                % {"depth": MAX_DEPTH}
            )
        return data

    @staticmethod
    def _reject_constant(name):
        raise ValueError(_("%(name)s is not JSON") % {"name": name})
