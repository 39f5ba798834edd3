"""What an import reads (one ``RowInput`` per row, whatever the file's layout) and what it
reports (one ``RowResult`` per row)."""

from dataclasses import dataclass, field


@dataclass
class RowInput:
    """One row, already out of its file layout: ``data`` is what the API's serializers take
    (only the fields the file has); the rest says how to match and what else to do."""

    line: int
    data: dict
    id: int | None = None  # the portal's id of the deal (an export's ``id``, Engagement ID)
    crm_id: str = ""
    name: str = ""
    stage: str = ""  # the sales stage to reach ("" keeps it)
    stage_percent: int | None = None  # or a percentage (Partner Center's Sales Stage)
    # Close the deal: {"outcome": won|lost|error, "reason": code}; None leaves the status.
    close: dict | None = None
    # The status the file shows, for rows that only repeat it (Partner Center's status).
    status_shown: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    # A reason the row may neither create nor change a deal (Partner Center: consent = No).
    refuse_changes: str = ""
    refuse_field: str = ""


@dataclass
class RowResult:
    line: int
    outcome: str  # create | update | unchanged | error
    crm_id: str = ""
    name: str = ""
    opportunity_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "outcome": self.outcome,
            "crm_id": self.crm_id,
            "name": self.name,
            "opportunity_id": self.opportunity_id,
            "errors": self.errors,
        }


@dataclass
class ImportReport:
    dry_run: bool
    applied: bool = False
    rows: list[RowResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.outcome != "error" for row in self.rows)

    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "applied": self.applied,
            "counts": self.counts(),
            "rows": [row.as_dict() for row in self.rows],
        }
