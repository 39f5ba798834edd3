"""Chart specs for templates: a chart is a picture of a table, and both come from one spec."""

from dataclasses import dataclass, field


@dataclass
class Chart:
    """``rows`` are (label, [value per series]); the template draws the chart and the table."""

    id: str
    title: str
    series: list[str]
    rows: list[tuple[str, list[float]]] = field(default_factory=list)
    type: str = "bar"
    stacked: bool = False
    horizontal: bool = False
    value_format: str = ""  # e.g. "USD" shown in the table header

    def spec(self) -> dict:
        return {
            "type": self.type,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "labels": [str(label) for label, _ in self.rows],
            "datasets": [
                {"label": str(name), "data": [float(values[i]) for _, values in self.rows]}
                for i, name in enumerate(self.series)
            ],
        }

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def is_empty(self) -> bool:
        return not self.rows or all(not any(values) for _, values in self.rows)
