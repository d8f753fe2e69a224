"""Reports: KPIs, charts, exports, the registers the law asks for, open data."""
