DROP TABLE calendar_days;
DROP TABLE school;
