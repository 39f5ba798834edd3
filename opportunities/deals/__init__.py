"""Deals (opportunities): the aggregate of an opportunity, its solutions and its team."""
