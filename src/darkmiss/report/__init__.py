"""Reports: the self-contained HTML page of a reproduction, and HEPData output."""
