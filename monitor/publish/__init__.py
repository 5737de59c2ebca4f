"""The public site: Datasette, its plugin and its canned queries."""
