"""commerce-mesh shared runtime: the platform's internal SDK."""
