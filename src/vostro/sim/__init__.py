"""Generated corridor workloads: the demonstration stream, the settlement day, the simulator."""
