"""Partner Center's bulk CSV of co-sell opportunities (download, template, upload)."""
