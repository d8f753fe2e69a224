"""Reports: role dashboards, the KPI page (figures of a period, charts, exports), registers and official
exports, the monthly report."""
