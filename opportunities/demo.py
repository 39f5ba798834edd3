def seed() -> list[tuple[str, str]]:
    return []
