"""The published site's files (metadata.yaml, templates/) and the 2003 report's
table (report_2003.csv). Installed as the package ``monitor.site_data``; found by
``monitor.files.data_dir()``."""
