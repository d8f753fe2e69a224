"""Reports: the KPI page (figures of a period with charts and exports), registers and official exports."""
