DROP TABLE pending_scans;
