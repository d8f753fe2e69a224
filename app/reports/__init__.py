"""Reports: role dashboards, KPIs, registers and official exports, the monthly report."""
