"""A deal's version as ``If-Match`` names it: the API and the board's drag check it alike."""

from cosell.core.errors import PreconditionFailed


def if_match_version(request, opportunity_id) -> int | None:
    """The version an ``If-Match`` names (``"<id>-<version>"``); a malformed or foreign one can
    never match."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    obj_id, _, version = tag.partition("-")
    if obj_id != str(opportunity_id) or not version.isdigit():
        raise PreconditionFailed("If-Match does not name this opportunity's current version.")
    return int(version)
